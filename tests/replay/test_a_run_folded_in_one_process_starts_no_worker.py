"""``states`` and ``compare`` with ``--at TIME --processes N``, whose streams make one page to
fold, are run in this process as without ``--processes``: no worker process is spawned (a
spawned worker opens the store and loads the projectors again, costing many times the run),
and the answer is the one a run in one process gives."""

from __future__ import annotations

import json
import multiprocessing.context
import os
from pathlib import Path

import pytest

from inspector.cli import main

AT = "2026-08-15T00:00Z"

PROJECTOR = '''
from inspector.replay import projector

@projector("wallet")
def wallet(state, event):
    state["events"] = state.get("events", 0) + 1
    state["last"] = event.type
    return state
'''


@pytest.fixture()
def processes_started(monkeypatch) -> list[str]:
    """The names of the processes spawned while the test runs (each is still started)."""
    started: list[str] = []
    start = multiprocessing.context.SpawnProcess.start

    def counted(process) -> None:
        started.append(process.name)
        start(process)

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", counted)
    return started


@pytest.fixture()
def two_cpus(monkeypatch):
    """This machine, as the inspector sees it, has two CPUs (so 2 processes are not lowered to the CPUs)."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)


def _without_timing(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "elapsed_ms"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_states_at_a_time_with_one_page_of_streams_spawns_no_worker(capsys, demo_store_path, processes_started,
                                                                 two_cpus):
    argv = ["states", str(demo_store_path), "--category", "wallet", "--at", AT, "--json"]
    code, alone, _err = run(capsys, *argv)
    assert code == 0
    code, spread, err = run(capsys, *argv, "--processes", "2")
    assert code == 0
    assert "used 1" in err and "1 page to fold" in err
    assert processes_started == []
    assert _without_timing(json.loads(spread)) == _without_timing(json.loads(alone))
    assert len(json.loads(alone)["matches"]) > 1


def test_compare_at_a_time_with_one_page_of_streams_spawns_no_worker(capsys, demo_store_path, tmp_path: Path,
                                                                    processes_started, two_cpus):
    old, new = tmp_path / "wallet_v1.py", tmp_path / "wallet_v2.py"
    old.write_text(PROJECTOR)
    new.write_text(PROJECTOR.replace('state["last"] = event.type', 'state["last"] = event.type.lower()'))
    argv = ["compare", str(demo_store_path), "--category", "wallet", "--at", AT, "--projector", str(old),
            "--against", str(new), "--json"]
    code, alone, _err = run(capsys, *argv)
    assert code == 0
    code, spread, err = run(capsys, *argv, "--processes", "2")
    assert code == 0
    assert "used 1" in err and "1 page to fold" in err
    assert processes_started == []
    assert _without_timing(json.loads(spread)) == _without_timing(json.loads(alone))
    assert json.loads(alone)["differences"]
