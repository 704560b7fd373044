"""The stream list's first and last times of ISO text are the events' earliest and latest instants
also where a text has the length and every character of the store's first timed row but a zone
in the places of its fraction's digits ('.1+0100', '.12345Z' where '.123456' is written, with no
zone): read as text, such a time sorts by its local digits, not by its instant. On SQLite,
PostgreSQL and MariaDB."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from inspector.stores import open_store

from .servers import scratch_database

UTC = timezone.utc
#: stream -> its times as written; the first row (naive, microseconds) is the form the listing proves against
STREAMS = {
    "naive": ["2026-03-29T00:20:00.123456", "2026-03-29T00:10:00.000001"],
    # 00:30 at +01:00 is 23:30 the day before: highest as text, earliest as time
    "offset-in-fraction": ["2026-03-29T00:20:00.123456", "2026-03-29T00:30:00.1+0100"],
    "hours-in-fraction": ["2026-03-29T00:20:00.123456", "2026-03-29T00:40:00.123+02"],
}
EXPECTED = {
    "naive": (datetime(2026, 3, 29, 0, 10, 0, 1, tzinfo=UTC), datetime(2026, 3, 29, 0, 20, 0, 123456, tzinfo=UTC)),
    "offset-in-fraction": (datetime(2026, 3, 28, 23, 30, 0, 100000, tzinfo=UTC),
                           datetime(2026, 3, 29, 0, 20, 0, 123456, tzinfo=UTC)),
    "hours-in-fraction": (datetime(2026, 3, 28, 22, 40, 0, 123000, tzinfo=UTC),
                          datetime(2026, 3, 29, 0, 20, 0, 123456, tzinfo=UTC)),
}
DDL = {
    "sqlite": "CREATE TABLE events (position INTEGER PRIMARY KEY, stream text, version integer, type text, "
              "recorded_at text, data text)",
    "postgresql": "CREATE TABLE events (position bigserial PRIMARY KEY, stream text, version bigint, type text, "
                  "recorded_at text, data text)",
    "mysql": "CREATE TABLE events (position bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, stream varchar(100), "
             "version bigint, type varchar(100), recorded_at varchar(40), data longtext) DEFAULT CHARSET=utf8mb4",
}


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def store(request, tmp_path):
    dialect = request.param
    db = None
    if dialect == "sqlite":
        path = tmp_path / "times.db"
        writer, url = sa.create_engine(f"sqlite:///{path}"), str(path)
    else:
        db = scratch_database(request.getfixturevalue("postgres_url" if dialect == "postgresql" else "mysql_url"),
                              "zonefrac")
        writer, url = db.writer, db.url
    events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data")))
    with writer.begin() as conn:
        conn.exec_driver_sql(DDL[dialect])
        conn.execute(events.insert(), [{"stream": stream, "version": version, "type": "Ticked", "recorded_at": text,
                                        "data": "{}"}
                                       for stream, texts in STREAMS.items() for version, text in enumerate(texts, 1)])
    if db is None:
        writer.dispose()
    opened = open_store(url)
    yield opened
    opened.close()
    if db is not None:
        db.drop()


def test_a_zone_in_a_fractions_places_does_not_pass_for_the_first_rows_form(store):
    listed = {s.stream: (s.first_at, s.last_at) for s in store.streams()}
    assert listed == EXPECTED
    for stream, (first, last) in listed.items():
        times = [e.recorded_at for e in store.read_stream(stream)]
        assert (first, last) == (min(times), max(times)), stream
