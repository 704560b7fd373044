"""``compare`` folds each stream's events once for both projectors: what each side sees and reports.

Each event is handed to the old projector, then to the new one. A projector that raises stops
there and the other goes on to the stream's end alone; the stream's version is the last one the
new side folded (else the old side's), and the events applied are those at least one side folded.
A projector changing its event's payload changes nothing the other side reads.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inspector.replay import load_projectors
from inspector.replay.category import compare_category
from inspector.stores import open_store

VERSIONS = 6


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "acct.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT NOT NULL,"
        " recorded_at TEXT, data TEXT, metadata TEXT);"
        "CREATE INDEX events_stream_version ON events (stream, version);"
    )
    for version in range(1, VERSIONS + 1):
        conn.execute(
            "INSERT INTO events VALUES (?, 'acct-1', ?, 'Added', ?, ?, '{}')",
            (version, version, f"2026-01-01T00:00:0{version}Z", f'{{"n": {version}, "tags": ["a"]}}'),
        )
    conn.commit()
    conn.close()
    opened = open_store(str(path))
    yield opened
    opened.close()


def _projector(folder: Path, name: str, *, stop_at: int | None = None, error: str = "bad", mutate: bool = False) -> str:
    """A projector file summing ``n``; raising ValueError(error) at version ``stop_at``; with
    ``mutate``, changing the payload it is handed (and the list inside it) after reading it."""
    lines = [
        "from inspector.replay import projector",
        "@projector('acct')",
        "def acct(state, event):",
        f"    if event.version == {stop_at!r}:",
        f"        raise ValueError({error!r})",
        "    data = event.data",
        "    state['total'] = state.get('total', 0) + data['n']",
        "    state['tags'] = state.get('tags', 0) + len(data['tags'])",
    ]
    if mutate:
        lines += ["    data['n'] = 1000", "    data['tags'].append('changed')", "    data.clear()"]
    lines.append("    return state")
    path = folder / f"{name}.py"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _compare(store, old: str, new: str):
    run = compare_category(
        store, old=load_projectors(old, store=store), new=load_projectors(new, store=store), category="acct"
    )
    found = list(run)
    return found, run.totals


def test_a_projector_changing_its_payload_changes_nothing_the_other_reads(store, tmp_path):
    found, totals = _compare(store, _projector(tmp_path, "mutating", mutate=True), _projector(tmp_path, "plain"))
    assert found == []  # both summed the stored values: 1 + ... + 6, one tag each
    assert totals.events_applied == VERSIONS and totals.streams == 1
    found, _ = _compare(store, _projector(tmp_path, "plain2"), _projector(tmp_path, "mutating2", mutate=True))
    assert found == []


def test_the_old_side_stopping_leaves_the_new_side_folding_to_the_end(store, tmp_path):
    found, totals = _compare(store, _projector(tmp_path, "old", stop_at=3), _projector(tmp_path, "new"))
    (difference,) = found
    assert difference.differs and difference.new_stopped is None
    assert (difference.old_stopped.version, difference.old_stopped.error) == (3, "ValueError: bad")
    assert difference.version == VERSIONS and totals.events_applied == VERSIONS


def test_the_new_side_stopping_first_gives_its_last_folded_version(store, tmp_path):
    found, totals = _compare(store, _projector(tmp_path, "old", stop_at=5), _projector(tmp_path, "new", stop_at=2))
    (difference,) = found
    assert difference.differs
    assert (difference.old_stopped.version, difference.new_stopped.version) == (5, 2)
    assert difference.version == 1  # the new side's last folded event
    assert totals.events_applied == 4  # v1..v4 folded by at least one side


def test_both_sides_stopping_alike_is_reported_but_no_difference(store, tmp_path):
    found, totals = _compare(store, _projector(tmp_path, "old", stop_at=4), _projector(tmp_path, "new", stop_at=4))
    (difference,) = found
    assert not difference.differs and difference.version == 3
    assert totals.events_applied == 3 and totals.stopped == 1 and totals.differences == 0


def test_both_sides_stopping_at_one_event_with_other_errors_is_a_difference(store, tmp_path):
    found, totals = _compare(
        store, _projector(tmp_path, "old", stop_at=4), _projector(tmp_path, "new", stop_at=4, error="worse")
    )
    (difference,) = found
    assert difference.differs and totals.events_applied == 3 and totals.differences == 1


@pytest.fixture()
def flat_store(tmp_path):
    """Payloads of plain values only (no list or object inside): the usual event."""
    path = tmp_path / "flat.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT NOT NULL,"
        " recorded_at TEXT, data TEXT, metadata TEXT);"
        "CREATE INDEX events_stream_version ON events (stream, version);"
    )
    for version in range(1, VERSIONS + 1):
        conn.execute(
            "INSERT INTO events VALUES (?, 'acct-1', ?, 'Added', ?, ?, '{}')",
            (version, version, f"2026-01-01T00:00:0{version}Z", f'{{"n": {version}, "note": "x", "big": 1.5}}'),
        )
    conn.commit()
    conn.close()
    opened = open_store(str(path))
    yield opened
    opened.close()


def _flat_projector(folder: Path, name: str, *, mutate: bool = False, keep: bool = False) -> str:
    """A projector file summing ``n`` and keeping ``note``; with ``mutate``, changing and clearing
    the payload it is handed after reading it; with ``keep``, holding the first payload in its state."""
    lines = [
        "from inspector.replay import projector",
        "@projector('acct')",
        "def acct(state, event):",
        "    data = event.data",
        "    state['total'] = state.get('total', 0) + data['n']",
        "    state['notes'] = state.get('notes', '') + data['note']",
    ]
    if keep:
        lines += ["    state.setdefault('first', data)"]
    if mutate:
        lines += ["    data['n'] = 1000", "    data['note'] = 'changed'", "    data.clear()"]
    lines.append("    return state")
    path = folder / f"{name}.py"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("mutating_side", ["old", "new"])
def test_a_projector_changing_a_payload_of_plain_values_changes_nothing_the_other_reads(flat_store, tmp_path,
                                                                                        mutating_side):
    mutating = _flat_projector(tmp_path, "mutating", mutate=True)
    keeping = _flat_projector(tmp_path, "keeping", keep=True)
    old, new = (mutating, keeping) if mutating_side == "old" else (keeping, mutating)
    found, totals = _compare(flat_store, old, new)
    (difference,) = found  # the keeping side's state has "first"; both summed the stored values
    assert [change.path for change in difference.changes] == ["/first"]
    kept = difference.changes[0].after if mutating_side == "old" else difference.changes[0].before
    assert kept == {"n": 1, "note": "x", "big": 1.5}
    assert totals.events_applied == VERSIONS
