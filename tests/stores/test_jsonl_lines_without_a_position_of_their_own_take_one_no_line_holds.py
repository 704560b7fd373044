"""A JSON Lines line that gives no position of its own takes one no other line holds.

A line that is no event (not JSON), one without ``position`` and one whose position is not a
whole number are placed after the line before them in the file, at the first number no line
holds: they never share a position with a real event (a SQLite copy keys by it), and paging
``--after`` the line before reaches them, whatever page size.
"""

from __future__ import annotations

import json
import sqlite3

import orjson
import pytest

from inspector.cli import main
from inspector.export import export
from inspector.stores import open_store
from inspector.stores.base import StoreError
from inspector.stores.jsonl import BIG_LINE


def _line(position: int | str | None, stream: str = "order-1", version: int = 1, **data: object) -> str:
    row: dict[str, object] = {
        "stream": stream,
        "version": version,
        "type": "Placed",
        "recorded_at": "2026-03-01T10:00:00Z",
        "data": data,
    }
    if position is not None:
        row["position"] = position
    return json.dumps(row)


def _store(tmp_path, lines: list[str]):
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return open_store(str(path))


def _paged(store, size: int) -> list:
    events, after = [], None
    while True:
        page = store.read_all(after_position=after, limit=size)
        events.extend(page)
        if len(page) < size:
            return events
        after = page[-1].position


def _positions_of_the_file(store) -> list[int]:
    return [event.position for event in store.read_all(limit=1000)]


def test_a_bad_line_after_position_8_is_9_and_a_page_after_8_shows_it(tmp_path, capsys):
    lines = [_line(p, version=p) for p in range(1, 9)] + ["{not json", _line(99, version=9)]
    store = _store(tmp_path, lines)
    assert _positions_of_the_file(store) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 99]
    (bad,) = [event for event in store.read_all(after_position=8, limit=1) if event.problem]
    assert bad.position == 9 and "line 9" in bad.problem
    assert main(["events", str(tmp_path / "events.jsonl"), "--after", "8", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(event["position"], event["problem"] is not None) for event in shown] == [(9, True), (99, False)]


def test_a_bad_line_between_100_and_200_sorts_between_them(tmp_path):
    store = _store(tmp_path, [_line(100), "{bad", _line(200, version=2)])
    assert _positions_of_the_file(store) == [100, 101, 200]


@pytest.mark.parametrize("size", [1, 2, 3, 1000])
def test_lines_without_positions_among_dense_positions_each_take_a_free_one(tmp_path, size):
    lines = [
        _line(1),
        "{bad",
        _line(2, version=2),
        _line(None, version=3),
        "[1]",
        _line(3, version=4),
        _line("x", version=5),
        _line(5, version=6),
        "{bad",
        _line(4, version=7),
    ]
    store = _store(tmp_path, lines)
    positions = [event.position for event in _paged(store, size)]
    # every line once, no position twice, the lines' own positions kept
    assert len(positions) == len(lines) and len(set(positions)) == len(lines) and positions == sorted(positions)
    assert {1, 2, 3, 4, 5} <= set(positions)
    by_line = {event.problem.split(":")[0] for event in store.read_all(limit=100) if event.problem}
    assert {"line 2", "line 5", "line 9"} <= by_line
    # each read of a line gives it the same position: a page, the stream, a fold, a capped read
    placed = {event.version: event.position for event in store.read_stream("order-1")}
    assert placed[3] not in (1, 2, 3, 4, 5) and placed[5] not in (1, 2, 3, 4, 5)
    folded = {event.version: event.position for event in store.read_for_replay("order-1")}
    assert folded == placed
    assert {e.version: e.event().position for e in store.read_for_replay("order-1")} == placed


def test_a_file_without_positions_is_placed_by_its_lines(tmp_path):
    store = _store(tmp_path, [_line(None, version=v) for v in (1, 2, 3)])
    assert _positions_of_the_file(store) == [0, 1, 2]


def test_a_big_line_without_a_position_keeps_its_place_in_a_capped_read(tmp_path):
    big = _line(None, version=2, text="x" * (BIG_LINE + 10))
    store = _store(tmp_path, [_line(1), big, _line(2, version=3)])
    capped = store.read_all(limit=10, payload_cap=1000)
    # after position 1, but 2 is held by the line after it: 3
    assert [(event.position, event.version) for event in capped] == [(1, 1), (2, 3), (3, 2)]
    assert [(event.position, event.version) for event in store.read_all(limit=10)] == [(1, 1), (2, 3), (3, 2)]
    assert type(capped[2].data).__name__ == "PayloadLeftOut"


def test_a_sqlite_copy_of_a_file_with_a_bad_line_keeps_every_event(tmp_path):
    # the line without a position is placed at 9 and kept; the line that is no event (placed at
    # 10) is in no stream, so the copy leaves it out and says so
    lines = [_line(p, version=p) for p in range(1, 9)] + [_line(None, version=9), "{not json", _line(99, version=10)]
    store = _store(tmp_path, lines)
    assert export(store, "sqlite", tmp_path / "copy.db").left_out[0].startswith("line 10: malformed JSON")
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert [row[0] for row in copy.execute("SELECT position FROM events ORDER BY position")] == [
            1,
            2,
            3,
            4,
            5,
            6,
            7,
            8,
            9,
            99,
        ]


def test_a_sqlite_copy_names_the_position_that_repeats(tmp_path):
    path = tmp_path / "twice.jsonl"
    path.write_bytes(
        b"".join(
            orjson.dumps({"position": p, "stream": f"s-{i}", "version": 1, "type": "T", "data": {}}) + b"\n"
            for i, p in enumerate([1, 2, 3, 4, 2, 5])
        )
    )
    with pytest.raises(StoreError, match="position 2 appears more than once"):
        export(open_store(str(path)), "sqlite", tmp_path / "copy.db")


def test_a_bad_line_after_the_last_64_bit_position_takes_a_free_one_below(tmp_path):
    store = _store(tmp_path, [_line(2**63 - 1), "{bad", _line(0, version=2), "{bad"])
    positions = [event.position for event in _paged(store, 1)]
    assert len(positions) == 4 and len(set(positions)) == 4 and 2**63 - 1 in positions and 0 in positions
