"""A stream's first and last times in the stream list, where times are ISO-8601 text in a generic
table's text column, are its earliest and latest instants exactly as its events show them, whatever
the forms written: one zone with and without fractions, 'Z' with fractions of several lengths, mixed
offsets, a space or a T, lower-case letters, times without seconds, blanks around the text, text
that is no time at either end, numbers among the texts, NULLs. On SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from inspector.stores import open_store

from .servers import scratch_database

#: stream -> its times as written (each stream's rows in version order)
STREAMS: dict[str, list[str | None]] = {
    # isoformat(): the fraction left out where it is zero, one offset
    "one-offset": ["2026-03-01T10:00:00.500000+00:00", "2026-03-01T10:00:00+00:00",
                   "2026-03-01T09:59:59.999999+00:00", "2026-03-01T10:00:01+00:00"],
    "one-negative-offset": ["2026-03-01T10:00:00-05:00", "2026-03-01T10:00:00.25-05:00",
                            "2026-03-01T09:00:00.5-05:00"],
    # 'Z' after fractions of different lengths: 'Z' sorts above the fraction's '.' and digits
    "zulu-fractions": ["2026-03-01T10:00:00Z", "2026-03-01T10:00:00.5Z", "2026-03-01T09:59:59.9Z",
                       "2026-03-01T10:00:00.123Z"],
    "zulu-one-form": ["2026-03-01T10:00:00.100Z", "2026-03-01T09:00:00.900Z", "2026-03-01T11:00:00.000Z"],
    # two offsets of one length: the text order is not the time order
    "mixed-offsets": ["2026-03-01T11:00:00+02:00", "2026-03-01T09:30:00-01:00", "2026-03-01T10:15:00+00:00"],
    "same-digits-other-sign": ["2026-03-01T10:00:00+01:00", "2026-03-01T10:00:00-01:00"],
    "space-and-t": ["2026-03-01 11:00:00+00:00", "2026-03-01T10:00:00+00:00", "2026-03-01T10:30:00+00:00"],
    "lower-case": ["2026-03-01t10:00:00z", "2026-03-01T09:00:00Z", "2026-03-01t11:00:00Z"],
    "no-seconds": ["2026-03-01T10:00+01:00", "2026-03-01T09:30:30+01:00", "2026-03-01T10:00:30+01:00"],
    "naive-and-zoned": ["2026-03-01T10:00:00", "2026-03-01T10:00:00+01:00", "2026-03-01T09:30:00"],
    "long-fractions": ["2026-03-01T10:00:00.1234567+00:00", "2026-03-01T10:00:00.1234561+00:00",
                       "2026-03-01T10:00:00.12345+00:00"],
    "blanks-around": [" 2026-03-01T10:00:00+00:00", "2026-03-01T09:00:00+00:00 ", "2026-03-01T11:00:00+00:00"],
    "bad-ends": ["not a time", "2026-03-01T10:00:00+00:00", "2026-02-30T23:00:00+00:00", "0000-01-01T00:00:00+00:00",
                 "2026-03-01T09:00:00+00:00"],
    "with-nulls": [None, "2026-03-01T10:00:00.5+00:00", None, "2026-03-01T10:00:00+00:00"],
    "no-times": [None, None],
    "only-bad": ["yesterday", "2026-13-01T00:00:00Z"],
    "fifteen-hours": ["2026-03-01T23:00:00+15:00", "2026-03-01T08:30:00+00:00", "2026-03-01T08:00:00+00:00"],
}

DDL = {
    "sqlite": "CREATE TABLE events (position INTEGER PRIMARY KEY, stream text, version integer, type text, "
              "recorded_at text, data text); CREATE INDEX events_stream_version ON events (stream, version)",
    "postgresql": "CREATE TABLE events (position bigserial PRIMARY KEY, stream text, version bigint, type text, "
                  "recorded_at text, data text); CREATE INDEX events_stream_version ON events (stream, version)",
    "mysql": "CREATE TABLE events (position bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, stream varchar(100), "
             "version bigint, type varchar(100), recorded_at varchar(40), data longtext, "
             "KEY events_stream_version (stream, version)) DEFAULT CHARSET=utf8mb4",
}


def _write(writer: sa.Engine, dialect: str, first: str) -> None:
    """The table, ``first``'s rows written first: the store's first row is the form the listing
    proves the other streams' forms against."""
    events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data")))
    order = [first, *(name for name in STREAMS if name != first)]
    with writer.begin() as conn:
        for statement in DDL[dialect].split(";"):
            conn.exec_driver_sql(statement)
        rows = [{"stream": stream, "version": version, "type": "Ticked", "recorded_at": text, "data": "{}"}
                for stream in order for version, text in enumerate(STREAMS[stream], start=1)]
        conn.execute(events.insert(), rows)
        if dialect == "sqlite":  # a number among texts (SQLite keeps what it is given in a column of no strict type)
            conn.exec_driver_sql("INSERT INTO events (stream, version, type, recorded_at, data) VALUES "
                                 "('number-among-texts', 1, 'Ticked', '2026-03-01T10:00:00+00:00', '{}'), "
                                 "('number-among-texts', 2, 'Ticked', X'32303236', '{}')")


@pytest.fixture(params=[(engine, first) for engine in ("sqlite", "postgresql", "mysql")
                        for first in ("one-offset", "zulu-one-form")], ids=lambda p: f"{p[0]}-{p[1]}-first")
def text_store(request, tmp_path):
    dialect, first = request.param
    if dialect == "sqlite":
        path = tmp_path / "times.db"
        writer = sa.create_engine(f"sqlite:///{path}")
        _write(writer, "sqlite", first)
        writer.dispose()
        store = open_store(str(path))
        yield store
        store.close()
        return
    url = request.getfixturevalue("postgres_url" if dialect == "postgresql" else "mysql_url")
    db = scratch_database(url, "listtimes")
    _write(db.writer, dialect, first)
    store = open_store(db.url)
    yield store
    store.close()
    db.drop()


def _as_events_show(store, stream):
    times = [e.recorded_at for e in store.read_stream(stream) if e.recorded_at is not None]
    return (min(times), max(times)) if times else (None, None)


def test_stream_list_first_and_last_times_are_the_events_earliest_and_latest(text_store):
    listed = {s.stream: (s.first_at, s.last_at) for s in text_store.streams()}
    assert set(STREAMS) <= set(listed)
    for stream in listed:
        assert listed[stream] == _as_events_show(text_store, stream), stream


def test_stream_list_times_are_the_same_page_by_page(text_store):
    whole = {s.stream: (s.first_at, s.last_at) for s in text_store.streams()}
    paged, after = {}, None
    while True:
        page = text_store.streams(after=after, limit=3)
        if not page:
            break
        paged.update({s.stream: (s.first_at, s.last_at) for s in page})
        after = page[-1].stream
    assert paged == whole


def test_one_zone_with_and_without_fractions_gives_its_earliest_and_latest_instants(text_store):
    listed = {s.stream: (s.first_at, s.last_at) for s in text_store.streams()}
    utc = timezone.utc
    assert listed["one-offset"] == (datetime(2026, 3, 1, 9, 59, 59, 999999, tzinfo=utc),
                                    datetime(2026, 3, 1, 10, 0, 1, tzinfo=utc))
    assert listed["zulu-fractions"] == (datetime(2026, 3, 1, 9, 59, 59, 900000, tzinfo=utc),
                                        datetime(2026, 3, 1, 10, 0, 0, 500000, tzinfo=utc))
    assert listed["mixed-offsets"] == (datetime(2026, 3, 1, 9, 0, tzinfo=utc), datetime(2026, 3, 1, 10, 30, tzinfo=utc))
    assert listed["one-negative-offset"] == (datetime(2026, 3, 1, 14, 0, 0, 500000, tzinfo=utc),
                                             datetime(2026, 3, 1, 15, 0, 0, 250000, tzinfo=utc))
    assert listed["no-times"] == (None, None)
    assert listed["only-bad"] == (None, None)
    assert listed["zulu-one-form"] == (datetime(2026, 3, 1, 9, 0, 0, 900000, tzinfo=utc),
                                       datetime(2026, 3, 1, 11, 0, tzinfo=utc))
