"""Histograms counted as ranges of the indexed time column give what the epoch-seconds path gives.

Where the layout's times sort as stored and an index starts with the time column, each bucket
is ``count(*) WHERE time >= edge_i AND time < edge_i+1`` with the edges written in the column's
own form (``SqlEventStore.stored_time``). ``histogram_by_index = False`` forces the older path
(epoch seconds per row, grouped), so both can be compared on the same store.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from inspector.stores import EventFilter, open_store
from inspector.stores.layouts.base import IsoTextForm

from .servers import scratch_database

UTC = timezone.utc
START = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
#: 6 buckets of 60 s from START: widths and edges exact in binary floating point too,
#: so the epoch path has no rounding to disagree on
BUCKETS, WIDTH = 6, timedelta(seconds=60)
END = START + BUCKETS * WIDTH
EDGE_TIMES = [
    START - timedelta(milliseconds=1),  # just before the range: in no bucket
    START,  # on the first edge: bucket 0
    START + timedelta(seconds=59, milliseconds=999),  # last millisecond of bucket 0
    START + WIDTH,  # on an edge: bucket 1, not 0
    START + WIDTH,
    START + 2 * WIDTH + timedelta(milliseconds=1),
    START + 4 * WIDTH,
    START + 5 * WIDTH + timedelta(seconds=59, milliseconds=999),
    END,  # the end is not in the range
    END + timedelta(seconds=1),
]
EXPECTED = [2, 2, 1, 0, 1, 1]

MAPPING = """
table = "events"
[columns]
position = "position"
stream = "stream"
version = "version"
type = "type"
recorded_at = "recorded_at"
data = "data"
[codec]
time = "iso"
"""


def _both(store, start, end, buckets, filters=None) -> tuple[list[int], list[int]]:
    store.histogram_by_index = True
    by_index = store.histogram(start, end, buckets, filters).counts
    store.histogram_by_index = False
    by_epoch = store.histogram(start, end, buckets, filters).counts
    store.histogram_by_index = True
    return by_index, by_epoch


def _exact(times, start, end, buckets) -> list[int]:
    counts = [0] * buckets
    width = (end - start) / buckets
    for at in times:
        if at is not None and start <= at < end:
            counts[int((at - start) / width)] += 1
    return counts


# --- the form of stored text ------------------------------------------------------------------
def test_bounds_are_written_in_the_stored_form_and_rounded_to_its_precision():
    at = datetime(2026, 7, 1, 12, 0, 0, 400, tzinfo=UTC)
    millis = IsoTextForm.of("2026-01-01T00:00:00.000Z")
    assert (millis.at_or_after(at), millis.at_or_before(at)) == ("2026-07-01T12:00:00.001Z", "2026-07-01T12:00:00.000Z")
    assert millis.at_or_after(at.replace(microsecond=0)) == "2026-07-01T12:00:00.000Z"
    seconds = IsoTextForm.of("2026-01-01 00:00:00")
    assert (seconds.at_or_after(at), seconds.at_or_before(at)) == ("2026-07-01 12:00:01", "2026-07-01 12:00:00")
    offset = IsoTextForm.of("2026-01-01T00:00:00.123456+02:00")
    assert offset.at_or_after(at) == "2026-07-01T14:00:00.000400+02:00"
    assert IsoTextForm.of("2026-01-01T00:00:00.123456789+0200").at_or_after(at) == "2026-07-01T14:00:00.000400000+0200"
    assert IsoTextForm.of("yesterday") is None and IsoTextForm.of(1767225600) is None


# --- SQLite -----------------------------------------------------------------------------------
def _sqlite_store(tmp_path: Path, rows: list[tuple[str, str | None]], *, index: bool = True, mapping: bool = True):
    path = tmp_path / "edges.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    with writer.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT,"
            " recorded_at TEXT, data TEXT)")
        conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
        if index:
            conn.exec_driver_sql("CREATE INDEX events_recorded_at ON events (recorded_at)")
        for number, (kind, at) in enumerate(rows, 1):
            conn.exec_driver_sql("INSERT INTO events (stream, version, type, recorded_at, data) VALUES (?, ?, ?, ?, '{}')",
                                 (f"clock-{number % 2}", number, kind, at))
    writer.dispose()
    toml = tmp_path / "mapping.toml"
    toml.write_text(MAPPING)
    return open_store(str(path), mapping=toml if mapping else None)


@pytest.mark.parametrize("form", [
    lambda at: at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    lambda at: at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}",
    lambda at: at.isoformat(timespec="microseconds"),
], ids=["millis-Z", "space-no-zone", "micros-offset"])
def test_sqlite_edge_times_count_alike_on_both_paths(tmp_path, form):
    rows = [("Ticked" if n % 2 else "Tocked", form(at)) for n, at in enumerate(EDGE_TIMES)]
    store = _sqlite_store(tmp_path, rows)
    try:
        assert store.stored_time() is not None
        assert _both(store, START, END, BUCKETS) == (EXPECTED, EXPECTED)
        ticked = [at for n, at in enumerate(EDGE_TIMES) if n % 2]
        assert _both(store, START, END, BUCKETS, EventFilter(types=("Ticked",))) == (
            (_exact(ticked, START, END, BUCKETS),) * 2)
        # the filter's own bounds are inclusive, also on an edge
        bounded = EventFilter(since=START + WIDTH, until=START + 4 * WIDTH)
        inside = [at for at in EDGE_TIMES if START + WIDTH <= at <= START + 4 * WIDTH]
        assert _both(store, START, END, BUCKETS, bounded) == ((_exact(inside, START, END, BUCKETS),) * 2)
        # a zoom whose edges fall between stored milliseconds, and buckets finer than them: the
        # ranges are exact, as Python counts; the epoch path rounds its start to the millisecond
        # (here START, 0.5 ms before the zoom, would land in its first bucket)
        zoom_start, zoom_end = START + timedelta(microseconds=500), START + 2 * WIDTH + timedelta(microseconds=1500)
        assert _both(store, zoom_start, zoom_end, 4)[0] == _exact(EDGE_TIMES, zoom_start, zoom_end, 4)
        assert _both(store, START, START + timedelta(microseconds=3), 3)[0] == [1, 0, 0]
    finally:
        store.close()


def test_sqlite_falls_back_to_epoch_seconds_without_an_index_or_a_declared_or_single_form(tmp_path):
    iso = lambda at: at.isoformat(timespec="milliseconds").replace("+00:00", "Z")  # noqa: E731
    for kwargs, rows in (
        ({"index": False}, [("Ticked", iso(at)) for at in EDGE_TIMES]),
        ({"mapping": False}, [("Ticked", iso(at)) for at in EDGE_TIMES]),
        # first and last written in different forms: the text does not sort as time
        ({}, [("Ticked", iso(EDGE_TIMES[0])), ("Ticked", EDGE_TIMES[-1].isoformat())]),
    ):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        store = _sqlite_store(folder, rows, **kwargs)
        try:
            assert store.stored_time() is None
            times = [store.layout.time_from_db(at) for _, at in rows]
            assert store.histogram(START, END, BUCKETS).counts == _exact(times, START, END, BUCKETS)
        finally:
            store.close()


def test_demo_store_counts_alike_on_both_paths(demo_store_path):
    store = open_store(str(demo_store_path))
    try:
        assert store.stored_time() is not None
        first, last = store.time_range()
        times = [e.recorded_at for e in store.read_all(limit=100_000)]
        types = sorted({e.type for e in store.read_all(limit=100_000)})
        span = last - first
        ranges = [
            (first, last + timedelta(hours=1), 6),
            (first - timedelta(days=1), last + timedelta(days=1), 120),
            (first + span * 0.45, first + span * 0.55, 120),
            (first + span * 0.1, first + span * 0.3, 7),
        ]
        for start, end, buckets in ranges:
            by_index, by_epoch = _both(store, start, end, buckets)
            assert by_index == by_epoch == _exact(times, start, end, buckets)
            assert sum(by_index) > 0
            chosen = EventFilter(types=tuple(types[:2]))
            by_index, by_epoch = _both(store, start, end, buckets, chosen)
            assert by_index == by_epoch
        since = EventFilter(since=first + span * 0.5)
        assert _both(store, first, last + timedelta(hours=1), 12, since)[0] == _both(
            store, first, last + timedelta(hours=1), 12, since)[1]
    finally:
        store.close()


# --- PostgreSQL and MariaDB: native timestamps and ISO text -------------------------------------
SERVER_DDL = {
    "postgresql": "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, version bigint, "
                  "type text, recorded_at {kind}, data text)",
    "mysql": "CREATE TABLE events (position bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, stream varchar(100) NOT NULL, "
             "version bigint, type varchar(100), recorded_at {kind}, data text) DEFAULT CHARSET=utf8mb4",
}


@pytest.mark.parametrize("server", ["postgresql", "mysql"])
@pytest.mark.parametrize("kind", ["native", "text"])
def test_server_edge_times_count_alike_on_both_paths(request, tmp_path, server, kind):
    url = request.getfixturevalue("postgres_url" if server == "postgresql" else "mysql_url")
    db = scratch_database(url, "hist")
    column = {("postgresql", "native"): "timestamptz", ("mysql", "native"): "datetime(3)"}.get(
        (server, kind), "varchar(40)")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql(SERVER_DDL[server].format(kind=column))
            conn.exec_driver_sql("CREATE INDEX events_recorded_at ON events (recorded_at)")
            events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data")))
            for n, at in enumerate(EDGE_TIMES):
                value = (at if server == "postgresql" else at.replace(tzinfo=None)) if kind == "native" else (
                    at.isoformat(timespec="milliseconds").replace("+00:00", "Z"))
                conn.execute(events.insert().values(stream=f"clock-{n % 2}", version=n, data="{}",
                                                    type="Ticked" if n % 2 else "Tocked", recorded_at=value))
        toml = tmp_path / "mapping.toml"
        toml.write_text(MAPPING)
        store = open_store(db.url, mapping=toml if kind == "text" else None)
        try:
            assert store.stored_time() is not None
            assert _both(store, START, END, BUCKETS) == (EXPECTED, EXPECTED)
            ticked = [at for n, at in enumerate(EDGE_TIMES) if n % 2]
            assert _both(store, START, END, BUCKETS, EventFilter(types=("Ticked",))) == (
                (_exact(ticked, START, END, BUCKETS),) * 2)
            bounded = EventFilter(since=START + WIDTH, until=START + 4 * WIDTH)
            inside = [at for at in EDGE_TIMES if START + WIDTH <= at <= START + 4 * WIDTH]
            assert _both(store, START, END, BUCKETS, bounded) == ((_exact(inside, START, END, BUCKETS),) * 2)
        finally:
            store.close()
    finally:
        db.drop()
