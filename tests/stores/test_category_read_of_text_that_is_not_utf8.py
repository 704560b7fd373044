"""A whole-category read on SQLite decodes text with the driver's own UTF-8 decoder, and one row
whose text is not UTF-8 (in its payload, its stream name, or both) still never ends the read:
the page holding it is read again the careful way, the rest of a long stream goes on the careful
way from that row, and every event comes back exactly as a stream-by-stream read gives it: the
bad row as an event with a problem, the other rows decoded as usual. A stream name that is not
UTF-8 is shown as ``0x`` and its bytes; its rows still come back (under that name), and the pages
after it go on from it in the index's order (not from its shown name, which sorts elsewhere)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from inspector.stores import open_store
from inspector.stores.lazy import materialize

LONG = 60  # events of the long stream: past many pages of 5 rows, so its rest is streamed


def _write(path: Path) -> Path:
    rows = []
    position = 0
    streams = {f"wallet-{i}": 7 for i in range(1, 6)}
    streams["wallet-9"] = LONG
    for stream, count in streams.items():
        for version in range(1, count + 1):
            position += 1
            rows.append((position, stream, version, "Deposited", f"2026-01-01T00:{position % 60:02d}:00Z",
                         orjson.dumps({"amount": version}).decode(), orjson.dumps({"actor": "tester"}).decode()))
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
            " recorded_at TEXT, data TEXT, metadata TEXT);"
            "CREATE INDEX events_stream_version ON events (stream, version);")
        conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", rows)
        bad_payload = "UPDATE events SET data = CAST(? AS TEXT) WHERE stream = ? AND version = ?"
        conn.execute(bad_payload, (b'{"amount": "\xff"}', "wallet-2", 3))
        conn.execute(bad_payload, (b'{"amount": "\xfe"}', "wallet-9", 41))  # in the streamed rest
        # a row whose stream name and payload are both not UTF-8, and one whose name alone is not
        conn.execute("UPDATE events SET stream = CAST(? AS TEXT), data = CAST(? AS TEXT)"
                     " WHERE stream = 'wallet-4' AND version = 5", (b"wallet-\xff4", b'{"amount": "\xff"}'))
        conn.execute("UPDATE events SET stream = CAST(? AS TEXT) WHERE stream = 'wallet-5' AND version IN (2, 3, 4)",
                     (b"wallet-\xfe5",))
    conn.close()
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    opened = open_store(str(_write(tmp_path_factory.mktemp("not-utf8") / "wallets.db")))
    yield opened
    opened.close()


def _seen(event: Any) -> tuple[Any, ...]:
    shown = materialize(event)
    return (shown.position, shown.stream, shown.version, shown.type, shown.recorded_at, shown.data,
            shown.metadata, shown.raw, shown.problem)


def _stream_by_stream(store: Any) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The listing's streams whose names are UTF-8, each read by itself."""
    return [(summary.stream, [_seen(event) for event in store.read_for_replay(summary.stream)])
            for summary in store.streams(category="wallet") if summary.stream.startswith("wallet-")]


@pytest.mark.parametrize("page", [1, 2, 5, 5000])
def test_text_that_is_not_utf8_comes_back_as_events_with_problems_and_the_read_goes_on(store, page):
    read = [(name, [_seen(event) for event in events])
            for name, events in store.read_category_for_replay(category="wallet", page=page)]
    names = [name for name, _ in read]
    assert len(names) == len(set(names))  # no stream handed over twice
    odd_names = [name for name in names if not name.startswith("wallet-")]
    assert odd_names == ["0x" + b"wallet-\xfe5".hex(), "0x" + b"wallet-\xff4".hex()]  # after 'wallet-9', as stored
    assert [entry for entry in read if entry[0] not in odd_names] == _stream_by_stream(store)
    odd = dict(read)
    assert [(event[1], event[2]) for event in odd[odd_names[0]]] == [(odd_names[0], v) for v in (2, 3, 4)]
    assert [event[5] for event in odd[odd_names[0]]] == [{"amount": v} for v in (2, 3, 4)]
    assert [(event[1], event[2]) for event in odd[odd_names[1]]] == [(odd_names[1], 5)]
    problems = {(event[1], event[2]): event[8] for _, events in read for event in events if event[8]}
    assert "not UTF-8" in problems[("wallet-2", 3)]
    assert "not UTF-8" in problems[("wallet-9", 41)]
    assert [version for (stream, version) in problems if stream in odd_names] == [5]  # the name and payload row
    assert len(problems) == 3  # every other row decodes as usual
    lengths = dict((name, len(events)) for name, events in read)
    assert lengths["wallet-9"] == LONG and lengths["wallet-4"] == 6 and lengths["wallet-5"] == 4
    assert [event[5] for event in dict(read)["wallet-9"] if event[2] != 41] == [
        {"amount": version} for version in range(1, LONG + 1) if version != 41]


@pytest.mark.parametrize("rows", [1, 2, 7])
def test_slices_of_the_category_end_at_names_that_are_not_utf8_and_go_on_after_them(store, rows):
    from inspector.stores.category_read import StoredName, category_slices, read_sql_category

    slices = category_slices(store, category="wallet", rows=rows)
    assert slices is not None
    bounds = list(slices)
    read = []
    for after, until in bounds:
        streams = read_sql_category(store, category="wallet", page=2, after=after, until=until)
        assert streams is not None
        read.extend((name, [_seen(event) for event in events]) for name, events in streams)
    whole = [(name, [_seen(event) for event in events])
             for name, events in store.read_category_for_replay(category="wallet")]
    assert read == whole
    if rows == 1:  # a bound after every stream of two rows or more: one not UTF-8 is a bound by its stored bytes
        assert [until.stored for _, until in bounds if isinstance(until, StoredName)] == [b"wallet-\xfe5"]
