"""A slice exported for replay (JSON Lines, a SQLite copy, a pytest fixture) keeps what picks a
stream's projector (its name and the store's category) and replays with a projector to the state
the store does; a pytest fixture pins that projector's state, is refused when the projector
handles none of the exported streams, and is named so pytest runs it (``*.py``)."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inspector.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))
from eventsourcing_store import build_library_store  # noqa: E402

#: keyed by the aggregate's class, which the library's store lists as the category (the stream is a UUID)
ACCOUNT_PROJECTOR = """
from inspector.replay import projector


@projector("Account")
def balance(state, event):
    kind = event.type.split(".")[-1]
    if kind == "Deposited":
        state["balance"] = state.get("balance", 0) + event.data["amount"]
    elif kind == "Withdrawn":
        state["balance"] = state.get("balance", 0) - event.data["amount"]
    return state
"""

WALLET_PROJECTOR = """
from inspector.replay import projector


@projector("wallet")
def spent(state, event):
    if event.type == "CreditsSpent":
        state["spent"] = state.get("spent", 0) + 1
    return state
"""


@pytest.fixture
def library_store(tmp_path, monkeypatch):
    return build_library_store(tmp_path, monkeypatch)


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _replayed(capsys, store: Path, stream: str, projector: Path | None) -> dict:
    extra = ["--projector", str(projector)] if projector is not None else []
    assert main(["replay", str(store), "--stream", stream, "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _exported(capsys, store: Path, stream: str, fmt: str, target: Path, projector: Path | None) -> None:
    extra = ["--projector", str(projector)] if projector is not None else []
    assert main(["export", str(store), "--stream", stream, "--format", fmt, "-o", str(target), *extra]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("fmt, name", [("jsonl", "slice.jsonl"), ("sqlite", "slice.db")])
def test_a_slice_of_a_library_store_replays_with_a_category_projector_to_the_store_s_state(
        library_store, tmp_path, capsys, fmt, name):
    projector = _file(tmp_path, "account_projector.py", ACCOUNT_PROJECTOR)
    stream = library_store.stream
    on_store = _replayed(capsys, library_store.path, stream, projector)
    assert on_store["projector"] == "balance" and set(on_store["state"]) == {"balance"}
    target = tmp_path / name
    _exported(capsys, library_store.path, stream, fmt, target, projector)

    on_slice = _replayed(capsys, target, stream, projector)

    assert on_slice["projector"] == "balance"
    assert (on_slice["state"], on_slice["version"]) == (on_store["state"], on_store["version"])


def test_a_pytest_fixture_of_a_library_store_pins_its_category_projector_s_state(library_store, tmp_path, capsys):
    projector = _file(tmp_path, "account_projector.py", ACCOUNT_PROJECTOR)
    stream = library_store.stream
    on_store = _replayed(capsys, library_store.path, stream, projector)
    fixture = tmp_path / "test_account.py"

    _exported(capsys, library_store.path, stream, "pytest", fixture, projector)

    module = runpy.run_path(str(fixture))
    assert module["EXPECTED_STATE"] == on_store["state"] and module["EXPECTED_VERSION"] == on_store["version"]
    lines = [json.loads(line) for line in module["EVENTS"].splitlines()]
    assert lines and all(line["category"] == "Account" for line in lines)  # the stream's name does not tell it
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(fixture)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr
    # the fixture tests the projector: a changed rule fails it
    projector.write_text(ACCOUNT_PROJECTOR.replace('- event.data["amount"]', '+ event.data["amount"]'),
                         encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(fixture)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr


def test_a_pytest_fixture_is_refused_when_the_projector_handles_none_of_the_exported_streams(
        library_store, tmp_path, capsys):
    projector = _file(tmp_path, "wallet_projector.py", WALLET_PROJECTOR)
    fixture = tmp_path / "test_account.py"
    before = set(tmp_path.iterdir())

    code = main(["export", str(library_store.path), "--stream", library_store.stream, "--format", "pytest",
                 "-o", str(fixture), "--projector", str(projector)])

    err = capsys.readouterr().err
    assert code == 1
    assert "handles none of the exported streams" in err and "(category 'Account')" in err and "'wallet'" in err
    assert set(tmp_path.iterdir()) == before  # no fixture, no temporary file left


@pytest.mark.parametrize("fmt, name", [("jsonl", "slice.jsonl"), ("sqlite", "slice.db"),
                                       ("pytest", "test_slice.py")])
@pytest.mark.parametrize("projector_text", [None, WALLET_PROJECTOR], ids=["demo projector", "user projector"])
def test_a_demo_slice_replays_to_the_demo_store_s_state(demo_store_path, demo_planted, tmp_path, capsys,
                                                        fmt, name, projector_text):
    stream = demo_planted.negative_wallet[0]
    projector = _file(tmp_path, "wallet_projector.py", projector_text) if projector_text else None
    on_store = _replayed(capsys, demo_store_path, stream, projector)
    target = tmp_path / name

    _exported(capsys, demo_store_path, stream, fmt, target, projector)

    if fmt == "pytest":
        module = runpy.run_path(str(target))
        assert module["EXPECTED_STATE"] == on_store["state"] and module["EXPECTED_VERSION"] == on_store["version"]
        return
    on_slice = _replayed(capsys, target, stream, projector)
    assert (on_slice["projector"], on_slice["state"], on_slice["version"]) == (
        on_store["projector"], on_store["state"], on_store["version"])


@pytest.mark.parametrize("name, suggested", [("w.pytest", "test_w.py"), ("test_w.txt", "test_w.py"),
                                             ("wallet", "test_wallet.py")])
def test_a_pytest_fixture_must_be_named_as_a_python_file(demo_store_path, demo_planted, tmp_path, capsys,
                                                         name, suggested):
    code = None
    with pytest.raises(SystemExit) as exited:
        code = main(["export", str(demo_store_path), "--stream", demo_planted.negative_wallet[0],
                     "--format", "pytest", "-o", str(tmp_path / name)])

    assert code is None and exited.value.code == 2  # a usage error
    err = capsys.readouterr().err
    assert "usage: event-inspector export" in err and f"name it {suggested}" in err
    assert list(tmp_path.iterdir()) == []


def test_export_help_says_a_pytest_fixture_is_a_py_file(capsys):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    assert "test_<name>.py" in " ".join(capsys.readouterr().out.split())


def test_the_export_function_refuses_a_pytest_fixture_not_named_py(demo_store_path, demo_planted, tmp_path):
    from inspector.export import Slice, export
    from inspector.stores import StoreError, open_store

    store = open_store(str(demo_store_path))
    try:
        with pytest.raises(StoreError, match=r"name it test_w\.py"):
            export(store, "pytest", tmp_path / "w.pytest", part=Slice(stream=demo_planted.negative_wallet[0]))
    finally:
        store.close()
    assert list(tmp_path.iterdir()) == []


def test_a_masked_fixture_whose_projector_no_longer_matches_the_masked_name_says_so(tmp_path, capsys):
    store = _file(tmp_path, "events.jsonl", """\
        {"position":1,"stream":"ann@x.com-1","version":1,"type":"Opened","data":{"n":1}}
        {"position":2,"stream":"ann@x.com-1","version":2,"type":"Opened","data":{"n":2}}
        """)
    projector = _file(tmp_path, "ann_projector.py", """
        from inspector.replay import projector


        @projector("ann@x.com")
        def count(state, event):
            state["count"] = state.get("count", 0) + 1
            return state
        """)

    code = main(["export", str(store), "--stream", "ann@x.com-1", "--format", "pytest", "--mask", "emails",
                 "-o", str(tmp_path / "test_ann.py"), "--projector", str(projector)])

    err = capsys.readouterr().err
    assert code == 1 and "handles none of the exported streams" in err and "masking changed the name" in err
    assert not (tmp_path / "test_ann.py").exists()
