"""A projector that raises an error with no message of its own (MemoryError(), ValueError()) is
reported in words, never as 'MemoryError: ' with nothing after it: in replay, and in states
folding in worker processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inspector.cli import main

PROJECTOR = """
from inspector.replay import projector

@projector("*")
def boom(state, event):
    raise {error}()
"""


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "orders.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT, "
                     "data TEXT, recorded_at TEXT)")
        conn.executemany("INSERT INTO events VALUES (?, ?, 1, 'Placed', '{}', '2026-01-01T00:00:00Z')",
                         [(1, "order-1"), (2, "order-2")])
    return path


@pytest.mark.parametrize(("error", "said"), [
    ("MemoryError", "MemoryError: out of memory: the system gave the inspector no more memory for this"),
    ("ValueError", "ValueError (raised with no message)"),
])
def test_replay_says_what_a_projector_raised_without_a_message(store: Path, tmp_path: Path, error: str, said: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    projector = tmp_path / "boom.py"
    projector.write_text(PROJECTOR.format(error=error))
    assert main(["replay", str(store), "--stream", "order-1", "--projector", str(projector)]) == 1
    captured = capsys.readouterr()
    assert f"raised at v1 (Placed): {said}" in captured.err


def test_states_in_worker_processes_say_it_too(store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    projector = tmp_path / "boom.py"
    projector.write_text(PROJECTOR.format(error="MemoryError"))
    main(["states", str(store), "--category", "order", "--projector", str(projector), "--processes", "2"])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "MemoryError: out of memory" in text and "MemoryError: \n" not in text
