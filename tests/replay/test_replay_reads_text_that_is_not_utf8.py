"""A replay reads an SQLite stream with the driver's own UTF-8 decoder, and still reads every row
right when some text further on is not UTF-8: the rest is read the careful way (bytes kept),
past the rows already folded, so no event is applied twice or left out."""

from __future__ import annotations

import sqlite3

import pytest

from inspector.replay import GENERIC_PROJECTOR, replay
from inspector.stores import open_store

from .conftest import write_generic_store

EVENTS = 4500  # more than two fold batches (2,000 rows each)


@pytest.fixture()
def store_with_bad_text(tmp_path):
    events = [("Incremented", {"n": i}) for i in range(1, EVENTS + 1)]
    path = write_generic_store(tmp_path / "counter.db", {"counter-1": events})
    with sqlite3.connect(path) as conn:  # two events whose type is stored as text that is not UTF-8
        conn.execute("UPDATE events SET type = CAST(x'ff496e63' AS TEXT) WHERE stream = 'counter-1' AND version IN (2345, 4321)")
    conn.close()
    store = open_store(str(path))
    yield store
    store.close()


def _counting(state, event):
    state["sum"] = state.get("sum", 0) + event.data["n"]
    state["count"] = state.get("count", 0) + 1
    if event.version in (2344, 2345, 4321):
        state.setdefault("types", []).append(event.type)
    return state


def test_every_event_is_folded_once_past_text_that_is_not_utf8(store_with_bad_text):
    from inspector.replay.projectors import FunctionProjector

    projector = FunctionProjector(_counting, ("*",), "counting", None)
    result = replay(store_with_bad_text, "counter-1", projectors=projector)
    assert result.problem is None and result.stopped is None
    assert (result.version, result.events_applied) == (EVENTS, EVENTS)
    assert result.state["sum"] == EVENTS * (EVENTS + 1) // 2 and result.state["count"] == EVENTS
    # the bad type is read as the careful reader reads it, the same as a full read of the stream
    shown = {event.version: event.type for event in store_with_bad_text.read_stream("counter-1")
             if event.version in (2344, 2345, 4321)}
    assert result.state["types"] == [shown[2344], shown[2345], shown[4321]]
    assert shown[2344] == "Incremented" and shown[2345] != "Incremented"


def test_the_generic_projector_and_the_events_read_agree_past_bad_text(store_with_bad_text):
    result = replay(store_with_bad_text, "counter-1", projectors=GENERIC_PROJECTOR)
    assert (result.version, result.events_applied, result.state) == (EVENTS, EVENTS, {"n": EVENTS})
    records = list(store_with_bad_text.stored_records("counter-1"))
    assert [r.version for r in records] == list(range(1, EVENTS + 1))
