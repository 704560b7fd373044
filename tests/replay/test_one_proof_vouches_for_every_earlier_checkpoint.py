"""On PostgreSQL any write on the server moves the change mark, so a checkpoint taken before it is
used only after the store vouches, in one pass over the stream's rows up to it, that none of
them changed. That pass vouches for every earlier checkpoint the same replay took too: after a
write elsewhere, the next replays to other versions start from their checkpoints without another
pass; and after an event is changed, one more pass keeps the checkpoints before it (those after
it go), with the replay still right."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from inspector.core.events import Moment
from inspector.replay import SnapshotCache, replay
from inspector.replay.projectors import FunctionProjector
from inspector.stores import open_store
from tests.stores.servers import scratch_database

EVENTS = 300
STREAM = "ledger-1"


def _ledger(state, event):
    state["balance"] = state.get("balance", 0) + event.data["amount"]
    return state


LEDGER = FunctionProjector(_ledger, ("ledger",), "ledger-v1", None)


@pytest.fixture()
def ledger(postgres_url):
    scratch = scratch_database(postgres_url, "one_proof")
    with scratch.writer.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL,"
            " version bigint NOT NULL, type text NOT NULL, recorded_at timestamptz, data jsonb,"
            " metadata jsonb)"
        )
        conn.exec_driver_sql("CREATE TABLE audit_log (note text)")
        conn.exec_driver_sql(
            "INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (STREAM, v, "Posted", "2026-01-01T00:00:00Z", json.dumps({"amount": 1}), "{}")
                for v in range(1, EVENTS + 1)
            ],
        )
    store = open_store(scratch.url)
    # The server's mark moves with any write on the server, other tests' too: here it moves only
    # when this test writes, so the passes counted are this test's (the mark is still the real one).
    real_mark = store.change_mark
    seen = [real_mark()]
    store.change_mark = lambda: seen[0]
    scratch.mark_moved = lambda: seen.__setitem__(0, real_mark())
    yield scratch, store
    store.close()
    scratch.drop()


@pytest.fixture()
def proofs(ledger):
    """The versions each of the store's proofs was asked about, one list per pass."""
    _, store = ledger
    asked: list[list[int]] = []
    original = store.unchanged_prefixes

    def counting(stream, mark, counts):
        asked.append(sorted(counts))
        return original(stream, mark, counts)

    store.unchanged_prefixes = counting
    return asked


def _write(scratch, statement: str) -> None:
    with scratch.writer.begin() as conn:
        conn.exec_driver_sql(statement)
    scratch.mark_moved()


def test_after_a_write_elsewhere_one_pass_serves_the_replays_to_every_earlier_version(ledger, proofs, tmp_path):
    scratch, store = ledger
    with SnapshotCache(tmp_path / "cache.sqlite", every=100) as cache:
        replay(store, STREAM, projectors=LEDGER, cache=cache)  # checkpoints at v100, v200, v300
        _write(scratch, "INSERT INTO audit_log VALUES ('another table')")
        at_250 = replay(store, STREAM, at=Moment(version=250), projectors=LEDGER, cache=cache)
        assert (at_250.state, at_250.snapshot_source, at_250.snapshot_version) == ({"balance": 250}, "cache", 200)
        assert proofs == [[200]]  # one pass, for the checkpoint used
        at_150 = replay(store, STREAM, at=Moment(version=150), projectors=LEDGER, cache=cache)
        assert (at_150.state, at_150.snapshot_source, at_150.snapshot_version) == ({"balance": 150}, "cache", 100)
        assert proofs == [[200]]  # no second pass: the first vouched for v100 too (the same replay took it)
        at_200 = replay(store, STREAM, at=Moment(version=200), projectors=LEDGER, cache=cache)
        assert (at_200.snapshot_version, at_200.events_applied) == (200, 0)
        assert at_200.recorded_at == datetime(2026, 1, 1, tzinfo=timezone.utc)  # the event's, read with it


def test_after_an_event_changed_the_checkpoints_before_it_are_still_used(ledger, proofs, tmp_path):
    scratch, store = ledger
    with SnapshotCache(tmp_path / "cache.sqlite", every=100) as cache:
        replay(store, STREAM, projectors=LEDGER, cache=cache)
        _write(scratch, f"UPDATE events SET data = '{{\"amount\": 1000}}' WHERE stream = '{STREAM}' AND version = 150")
        at_250 = replay(store, STREAM, at=Moment(version=250), projectors=LEDGER, cache=cache)
        assert at_250.state == {"balance": 250 + 999}
        assert (at_250.snapshot_source, at_250.snapshot_version) == ("cache", 100)  # not v200: it rests on v150
        assert proofs == [[200], [100]]  # v200 failed; one more pass kept v100
        at_300 = replay(store, STREAM, projectors=LEDGER, cache=cache)
        assert at_300.state == {"balance": EVENTS + 999}


def test_a_pass_vouches_only_for_the_checkpoints_of_the_replay_that_took_the_one_proven(ledger, proofs, tmp_path):
    """Checkpoints another replay took rested on another read of the stream (a row it saw may be
    gone): they are proven on their own."""
    scratch, store = ledger
    with SnapshotCache(tmp_path / "cache.sqlite", every=100) as cache:
        replay(store, STREAM, at=Moment(version=200), projectors=LEDGER, cache=cache)  # one replay: v100, v200
        replay(store, STREAM, projectors=LEDGER, cache=cache)  # another, from v200: v300
        _write(scratch, "INSERT INTO audit_log VALUES ('another table')")
        assert replay(store, STREAM, projectors=LEDGER, cache=cache).snapshot_version == EVENTS
        assert proofs == [[EVENTS]]
        at_150 = replay(store, STREAM, at=Moment(version=150), projectors=LEDGER, cache=cache)
        assert (at_150.state, at_150.snapshot_source, at_150.snapshot_version) == ({"balance": 150}, "cache", 100)
        assert proofs == [[EVENTS], [100]]
