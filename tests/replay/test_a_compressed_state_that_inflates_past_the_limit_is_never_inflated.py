"""A stored eventsourcing state compressed small that inflates huge (a 64 KB row of 65 MiB) is
never inflated past ``MAX_INFLATED``: ``events`` shows it as an event with a problem, and a native
replay (the library's own decoding) stops at it with that problem instead of inflating it whole
(a 1 MB row inflating to 1 GiB took 2 GB and 36 s)."""

from __future__ import annotations

import sqlite3
import zlib

import pytest

pytest.importorskip("eventsourcing")

from inspector.core.decoding import MAX_INFLATED  # noqa: E402
from inspector.core.events import Moment  # noqa: E402
from inspector.replay import load_projectors, replay  # noqa: E402
from inspector.stores import open_store  # noqa: E402
from tests.replay.test_native_eventsourcing import bank  # noqa: E402,F401 (the library-written store)

LIMIT_WORDS = f"inflates beyond {MAX_INFLATED // (1024 * 1024)} MiB, not decoded"


@pytest.fixture
def bombed(bank):  # noqa: F811 (the fixture imported above)
    """The library's store with v10's state replaced by a zlib stream of a MiB more than the limit."""
    app, aggregate_id, db, domain_dir = bank
    bomb = zlib.compress(b" " * (MAX_INFLATED + 1024 * 1024), 9)
    assert len(bomb) < 100_000
    with sqlite3.connect(db) as conn:
        changed = conn.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = 10",
                               (bomb, aggregate_id.hex)).rowcount
    if not changed:  # the library keeps the id in its text form
        with sqlite3.connect(db) as conn:
            changed = conn.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? "
                                   "AND originator_version = 10", (bomb, str(aggregate_id))).rowcount
    assert changed == 1
    return str(aggregate_id), db, domain_dir


def test_a_native_replay_stops_at_the_state_that_inflates_past_the_limit(bombed):
    stream, db, domain_dir = bombed
    store = open_store(str(db))
    try:
        projectors = load_projectors("native", path=domain_dir, store=store)
        for snapshots in (True, False):  # from the library's snapshot at v7, and from the start
            result = replay(store, stream, at=Moment(version=12), projectors=projectors,
                            use_store_snapshots=snapshots)
            assert result.stopped is not None and result.stopped.version == 10, result
            assert LIMIT_WORDS in result.stopped.error
            assert result.version == 9
        assert replay(store, stream, at=Moment(version=9), projectors=projectors).stopped is None
    finally:
        store.close()


def test_events_lists_the_state_that_inflates_past_the_limit_as_a_problem(bombed):
    stream, db, _domain_dir = bombed
    store = open_store(str(db))
    try:
        [event] = [e for e in store.read_stream(stream) if e.version == 10]
        assert event.data is None and LIMIT_WORDS in event.problem
    finally:
        store.close()
