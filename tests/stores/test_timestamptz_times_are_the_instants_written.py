"""A PostgreSQL ``timestamptz`` time reads as the instant written, in every read and in a replay.

The inspector selects such a column as its UTC wall time (a plain ``timestamp``, read as UTC),
which psycopg reads far faster than a ``timestamptz``. Whatever offset the row was written
with, to the microsecond, from year 1 to year 9999, each event's ``recorded_at`` is the same
UTC instant in a table page, a stream read, a fold's events and the replay's result.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inspector.replay import GENERIC_PROJECTOR, replay
from inspector.stores import open_store
from inspector.stores.lazy import materialize

from .servers import scratch_database

WRITTEN = [  # as the writer gives them (offset and all), and the UTC instant they are
    ("2026-03-29 01:59:59.999999+01", datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=timezone.utc)),
    ("2026-03-29 03:00:00.000001+02", datetime(2026, 3, 29, 1, 0, 0, 1, tzinfo=timezone.utc)),
    ("2026-06-30 23:30:00-08:00", datetime(2026, 7, 1, 7, 30, tzinfo=timezone.utc)),
    ("2026-01-01 05:30:00+05:30", datetime(2026, 1, 1, 0, 0, tzinfo=timezone.utc)),
    ("0001-01-01 00:00:00+00", datetime(1, 1, 1, tzinfo=timezone.utc)),
    ("9999-12-31 23:59:59.999999+00", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)),
]


@pytest.fixture(scope="module")
def store(postgres_url):
    db = scratch_database(postgres_url, "tstz")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql("SET TimeZone = 'America/Los_Angeles'")  # the writer's zone is no reader's
            conn.exec_driver_sql("CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, "
                                 "version bigint, type text, recorded_at timestamptz, data jsonb)")
            conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
            for version, (text, _) in enumerate(WRITTEN, start=1):
                conn.exec_driver_sql("INSERT INTO events (stream, version, type, recorded_at, data) "
                                     "VALUES ('clock-1', %s, 'Ticked', %s::timestamptz, %s::jsonb)",
                                     (version, text, f'{{"tick": {version}}}'))
        opened = open_store(db.url)
        try:
            yield opened
        finally:
            opened.close()
    finally:
        db.drop()


def test_every_read_gives_the_utc_instant_written(store):
    assert store.layout.name == "generic"
    expected = [instant for _, instant in WRITTEN]
    read = [event.recorded_at for event in store.read_stream("clock-1")]
    assert read == expected
    assert all(at.tzinfo is timezone.utc and at.utcoffset() == timedelta(0) for at in read)
    assert [event.recorded_at for event in store.read_all(limit=100)] == expected
    folded = [materialize(event) for event in store.read_for_replay("clock-1")]
    assert [event.recorded_at for event in folded] == expected
    assert folded == list(store.read_stream("clock-1"))


def test_a_replay_ends_at_the_last_instant_written(store):
    result = replay(store, "clock-1", projectors=GENERIC_PROJECTOR, cache=None)
    assert result.version == len(WRITTEN) and result.state == {"tick": len(WRITTEN)}
    assert result.recorded_at == WRITTEN[-1][1]
