"""A pytest fixture exported from a slice runs on its own and pins the replayed state."""

from __future__ import annotations

import subprocess
import sys

from inspector.cli import main


def test_a_pytest_fixture_replays_to_the_exported_state(demo_store_path, demo_planted, tmp_path):
    stream = demo_planted.negative_wallet[0]
    target = tmp_path / "test_wallet_slice.py"
    assert main(["export", str(demo_store_path), "--stream", stream, "--format", "pytest", "-o", str(target)]) == 0
    source = target.read_text()
    assert '"credits": -3' in source or '"credits":-3' in source
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(target)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


def test_a_fixture_and_the_projector_file_beside_it_move_together(demo_store_path, demo_planted, tmp_path, capsys):
    """The fixture names a projector file near it by a path relative to itself: copied together
    into a repository, the fixture still finds it (and fails when the projector's answer changes)."""
    import shutil
    from pathlib import Path

    stream = demo_planted.negative_wallet[0]
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "src").mkdir()
    demo = Path(__file__).resolve().parents[2] / "inspector" / "replay" / "demo_projector.py"
    shutil.copyfile(demo, project / "src" / "wallet_projector.py")
    target = project / "tests" / "test_wallet.py"
    assert main(["export", str(demo_store_path), "--stream", stream, "--format", "pytest", "-o", str(target),
                 "--projector", str(project / "src" / "wallet_projector.py")]) == 0
    capsys.readouterr()
    assert "PROJECTOR = str(Path(__file__).resolve().parent / '../src/wallet_projector.py')" in target.read_text()
    moved = shutil.copytree(project, tmp_path / "elsewhere")
    shutil.rmtree(project)

    def pytest_in(folder: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_wallet.py"],
                              capture_output=True, text=True, cwd=folder, timeout=120)

    run = pytest_in(moved)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr
    rule = 'state["statements"] = state.get("statements", 0) + 1'
    projector = moved / "src" / "wallet_projector.py"
    projector.write_text(projector.read_text().replace(rule, rule.replace("+ 1", "+ 2")))
    assert pytest_in(moved).returncode == 1
