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
