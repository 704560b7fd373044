"""``states --processes N`` and ``compare --processes N`` start no more processes than the CPUs
this machine has, nor than the slices of streams there are to fold: a larger N is lowered, said
in one note on stderr with every reason (``--processes 64: used 2, as this machine has 2 CPUs``), and
the answer is the one a
run in one process gives. The machine's CPUs are set by the test, so no test starts 64 processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from inspector.cli import main
from inspector.replay import category as category_replay

from .conftest import write_generic_store

#: 30 wallets of 1 to 12 events
STREAMS = {f"wallet-{index:02d}": [("Moved", {"amount": (-1) ** (version + index) * version})
                                   for version in range(1, 2 + index % 12)] for index in range(30)}

PROJECTOR = '''
from inspector.replay import projector

@projector("wallet")
def wallet(state, event):
    state["credits"] = state.get("credits", 0) + event.data["amount"]
    return state
'''

CHANGED = PROJECTOR.replace('state.get("credits", 0) + event.data["amount"]',
                            'max(0, state.get("credits", 0) + event.data["amount"])')


@pytest.fixture()
def wallets(tmp_path) -> Path:
    return write_generic_store(tmp_path / "wallets.db", STREAMS)


@pytest.fixture()
def projectors(tmp_path) -> tuple[Path, Path]:
    old, new = tmp_path / "wallet_v1.py", tmp_path / "wallet_v2.py"
    old.write_text(PROJECTOR)
    new.write_text(CHANGED)
    return old, new


@pytest.fixture()
def two_cpus(monkeypatch):
    """This machine, as the inspector sees it, has two CPUs."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _without_timing(document: dict) -> dict:
    return {key: value for key, value in document.items() if key != "elapsed_ms"}


def test_compare_with_more_processes_than_cpus_uses_the_cpus_and_says_so(capsys, wallets, projectors, two_cpus,
                                                                         monkeypatch):
    monkeypatch.setattr(category_replay, "SLICE_ROWS", 20)  # many slices: the CPUs are the limit
    old, new = projectors
    argv = ["compare", str(wallets), "--category", "wallet", "--projector", str(old), "--against", str(new), "--json"]
    code, alone, err = run(capsys, *argv)
    assert code == 0 and "--processes" not in err
    code, spread, err = run(capsys, *argv, "--processes", "64")
    assert code == 0
    assert err.splitlines() == ["note: --processes 64: used 2, as this machine has 2 CPUs"]  # slices enough for 2
    assert _without_timing(json.loads(spread)) == _without_timing(json.loads(alone))
    assert json.loads(alone)["differences"]  # the changed rule makes differences to compare


def test_states_lowered_to_the_one_slice_there_is_runs_here_with_the_same_states(capsys, wallets, projectors,
                                                                               two_cpus):
    old, _new = projectors
    argv = ["states", str(wallets), "--category", "wallet", "--projector", str(old), "--json"]
    code, alone, _err = run(capsys, *argv)
    assert code == 0
    code, spread, err = run(capsys, *argv, "--processes", "8")
    assert code == 0
    assert err.splitlines() == [  # one note with both reasons
        "note: --processes 8: used 1, as this machine has 2 CPUs and the streams make 1 slice to fold"
        " (a slice holds about 20,000 events)",
    ]
    assert _without_timing(json.loads(spread)) == _without_timing(json.loads(alone))
    assert len(json.loads(alone)["matches"]) == len(STREAMS)


def test_a_request_within_the_cpus_and_the_work_is_not_lowered(capsys, wallets, projectors, two_cpus, monkeypatch):
    monkeypatch.setattr(category_replay, "SLICE_ROWS", 20)
    old, _new = projectors
    code, out, err = run(capsys, "states", str(wallets), "--category", "wallet", "--projector", str(old),
                         "--processes", "2")
    assert code == 0 and err == ""
    assert out.splitlines()[-1].startswith(f"{len(STREAMS)} streams replayed")


def test_the_help_of_states_and_compare_says_processes_are_lowered(capsys):
    for command in ("states", "compare"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "N is lowered to the CPUs this machine has and to the slices" in text
        assert "with one note on stderr saying why" in text
