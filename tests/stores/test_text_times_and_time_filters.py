"""Event times stored as text in mixed forms, and the filters' time bounds: text times on
SQLite, PostgreSQL and MariaDB are compared as instants (a bad time is no time), histograms
honour a filter's since/until, and an eventsourcing state with a bad timestamp is an event
without a time (eventsourcing 9.x ``datetime_iso`` transcoding)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import orjson
import pytest
import sqlalchemy as sa

from inspector.core.events import unread_time_problem
from inspector.stores import EventFilter, open_store

from .servers import scratch_database

UTC = timezone.utc


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


# --- 1. histogram honours the filter's since/until ----------------------------------------
def test_histogram_counts_only_events_after_the_filters_since(demo_store_path):
    store = open_store(str(demo_store_path))
    try:
        start, end = datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
        first, last = store.time_range()
        if first is not None and last is not None:  # the demo spans three months ending now-ish
            start, end = first, last + timedelta(seconds=1)
        since = start + (end - start) / 2
        chosen = EventFilter(since=since)
        width = (end - start) / 4
        expected = [0] * 4
        for event in store.read_all(limit=10**7, filters=chosen):
            if event.recorded_at is not None and start <= event.recorded_at < end:
                expected[int((event.recorded_at - start) / width)] += 1
        counts = store.histogram(start, end, 4, chosen).counts
        assert counts == expected
        assert counts[0] == 0 and sum(counts) < sum(store.histogram(start, end, 4).counts)
        until = EventFilter(until=since)
        assert sum(store.histogram(start, end, 4, until).counts) == len(
            [e for e in store.read_all(limit=10**7, filters=until) if e.recorded_at and e.recorded_at < end])
    finally:
        store.close()


# --- 2. text times in mixed forms ---------------------------------------------------------
TEXT_TIMES = [
    ("2026-01-01T10:00:00Z", datetime(2026, 1, 1, 10, 0, tzinfo=UTC)),
    ("2026-01-01T12:00:00+02:00", datetime(2026, 1, 1, 10, 0, tzinfo=UTC)),
    ("2026-01-01 11:30:00", datetime(2026, 1, 1, 11, 30, tzinfo=UTC)),
    ("2026-01-01T11:45:00.500Z", datetime(2026, 1, 1, 11, 45, 0, 500000, tzinfo=UTC)),
    ("not a time", None),
    ("2026-02-30T10:00:00Z", None),  # shaped like a time, but no such day
]
TEXT_TIME_DDL = {
    "sqlite": "CREATE TABLE events (position INTEGER PRIMARY KEY, stream text, version integer, type text, "
              "recorded_at text, data text, metadata text); CREATE INDEX events_stream_version ON events (stream, version)",
    "postgresql": "CREATE TABLE events (position bigserial PRIMARY KEY, stream text, version bigint, type text, "
                  "recorded_at text, data text, metadata text); CREATE INDEX events_stream_version ON events (stream, version)",
    "mysql": "CREATE TABLE events (position bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, stream varchar(100), "
             "version bigint, type varchar(100), recorded_at varchar(40), data longtext, metadata longtext, "
             "KEY events_stream_version (stream, version)) DEFAULT CHARSET=utf8mb4",
}


def _write_text_times(writer: sa.Engine, dialect: str) -> None:
    events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data")))
    with writer.begin() as conn:
        _ddl(conn, TEXT_TIME_DDL[dialect])
        for version, (text, _) in enumerate(TEXT_TIMES, start=1):
            conn.execute(events.insert().values(stream="clock-1", version=version, type="Ticked",
                                                recorded_at=text, data='{"tick": %d}' % version))


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def text_time_store(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "times.db"
        writer = sa.create_engine(f"sqlite:///{path}")
        _write_text_times(writer, "sqlite")
        writer.dispose()
        store = open_store(str(path))
        yield store
        store.close()
        return
    url = request.getfixturevalue("postgres_url" if request.param == "postgresql" else "mysql_url")
    db = scratch_database(url, "times")
    _write_text_times(db.writer, request.param)
    store = open_store(db.url)
    yield store
    store.close()
    db.drop()


def test_text_times_in_mixed_forms_are_instants_and_a_bad_time_is_no_time(text_time_store):
    store = text_time_store
    events = list(store.read_stream("clock-1"))
    assert [e.recorded_at for e in events] == [at for _, at in TEXT_TIMES]
    # a bad time is no time, and its event says which text it could not read
    assert [e.problem for e in events] == [
        None if at is not None else unread_time_problem("recorded_at", text)
        for text, at in TEXT_TIMES]


def test_time_filters_on_mixed_text_times_compare_instants(text_time_store):
    store = text_time_store
    half_past_ten = datetime(2026, 1, 1, 10, 30, tzinfo=UTC)
    later = store.read_all(filters=EventFilter(since=half_past_ten))
    assert [e.version for e in later] == [3, 4]
    earlier = store.read_all(filters=EventFilter(until=datetime(2026, 1, 1, 10, 0, tzinfo=UTC)))
    assert [e.version for e in earlier] == [1, 2]


def test_time_range_histogram_and_stream_times_of_mixed_text_times(text_time_store):
    store = text_time_store
    first, last = datetime(2026, 1, 1, 10, 0, tzinfo=UTC), datetime(2026, 1, 1, 11, 45, 0, 500000, tzinfo=UTC)
    assert store.time_range() == (first, last)
    start, end = datetime(2026, 1, 1, 10, 0, tzinfo=UTC), datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert store.histogram(start, end, 4).counts == [2, 0, 0, 2]
    assert store.histogram(start, end, 4, EventFilter(since=datetime(2026, 1, 1, 11, 40, tzinfo=UTC))).counts == [
        0, 0, 0, 1]
    (summary,) = store.streams()
    assert (summary.first_at, summary.last_at) == (first, last)


# --- 3. a bad timestamp in an eventsourcing state ------------------------------------------
def test_an_eventsourcing_state_with_a_bad_timestamp_on_postgres_is_an_event_without_time(postgres_url):
    db = scratch_database(postgres_url, "estime")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE shop_events (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                "topic text, state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))")
            for version, stamp in enumerate(("2026-01-01T10:00:00+00:00", "garbage", "2026-02-30T10:00:00+00:00",
                                             "2026-01-01T12:00:00+02:00"), start=1):
                state = orjson.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": stamp}, "amount": version})
                conn.exec_driver_sql(
                    "INSERT INTO shop_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)",
                    ("0b6c7d2e-0000-4000-8000-000000000001", version, "shop:Wallet.CreditsGranted", state))
        store = open_store(db.url)
        try:
            found = store.read_all(filters=EventFilter(since=datetime(2026, 1, 1, 9, 0, tzinfo=UTC)))
            assert [e.version for e in found] == [1, 4]
            assert [e.recorded_at for e in store.read_all()] == [
                datetime(2026, 1, 1, 10, 0, tzinfo=UTC), None, None, datetime(2026, 1, 1, 10, 0, tzinfo=UTC)]
            assert store.time_range() == (datetime(2026, 1, 1, 10, 0, tzinfo=UTC),) * 2
        finally:
            store.close()
    finally:
        db.drop()
