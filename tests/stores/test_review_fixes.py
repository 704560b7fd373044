"""Review findings, each reproduced on a real store: exact stream names on MariaDB, histograms
that honour the filter's time bounds, text times in mixed forms on every engine, JSONL files
paged by position, categories counted by the database, gzip files and LIKE metacharacters."""

from __future__ import annotations

import gzip
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from inspector.stores import EventFilter, open_store
from inspector.stores.jsonl import JsonlEventStore

from .servers import scratch_database

UTC = timezone.utc


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def _all(store, **kwargs) -> list:
    """Every event of ``read_all``, page by page (small pages, so page edges are crossed)."""
    events, after = [], None
    while True:
        page = store.read_all(after_position=after, limit=2, **kwargs)
        events.extend(page)
        if len(page) < 2:
            return events
        after = page[-1].position


# --- 1. MariaDB's default collation must not merge streams --------------------------------
CASE_STREAMS_DDL = """
CREATE TABLE events (
    position bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
    stream varchar(200) NOT NULL,
    version bigint NULL,
    type varchar(200) NULL,
    recorded_at datetime(6) NULL,
    data longtext NULL,
    metadata longtext NULL,
    KEY events_stream_version (stream, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci
"""
#: (stream, version): order-1, Order-1 and "order-1 " are three streams on every engine
CASE_ROWS = [("order-1", 1), ("Order-1", 1), ("order-1 ", 1), ("order-1", 2), ("a-1", 1), ("B-1", 1),
             ("Order-1", 2), ("order-1", 3), ("ORDER-1", 1), ("z-1", 1)]


@pytest.fixture(scope="module")
def case_store(request):
    db = scratch_database(request.getfixturevalue("mysql_url"), "case")
    events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data")))
    with db.writer.begin() as conn:
        _ddl(conn, CASE_STREAMS_DDL)
        for index, (stream, version) in enumerate(CASE_ROWS):
            conn.execute(events.insert().values(
                stream=stream, version=version, type="Placed",
                recorded_at=datetime(2026, 1, 1) + timedelta(minutes=index), data=orjson.dumps({"n": index}).decode()))
    store = open_store(db.url)
    yield store
    store.close()
    db.drop()


def _expected_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for stream, _ in CASE_ROWS:
        counts[stream] = counts.get(stream, 0) + 1
    return counts


def test_mariadb_streams_differing_in_case_or_trailing_space_are_listed_apart(case_store):
    listed = {s.stream: s.count for s in case_store.streams()}
    assert listed == _expected_counts()
    assert case_store.describe().streams == len(_expected_counts())


def test_mariadb_stream_listing_pages_one_at_a_time_through_every_exact_name(case_store):
    seen, after = [], None
    while True:
        page = case_store.streams(after=after, limit=1)
        if not page:
            break
        seen.append(page[0].stream)
        after = page[0].stream
    assert sorted(seen) == sorted(_expected_counts())
    assert len(seen) == len(set(seen))
    for size in (2, 3):
        paged, after = [], None
        while page := case_store.streams(after=after, limit=size):
            paged.extend(s.stream for s in page)
            after = page[-1].stream
        assert paged == seen


def test_mariadb_reading_a_stream_returns_only_that_exact_name(case_store):
    for name, count in _expected_counts().items():
        events = list(case_store.read_stream(name))
        assert [e.stream for e in events] == [name] * count
        assert [e.stream for e in case_store.read_all(filters=EventFilter(streams=(name,)))] == [name] * count


def test_mariadb_categories_and_category_listing_keep_case_apart(case_store):
    assert dict(case_store.categories()) == {"order": 2, "Order": 1, "ORDER": 1, "a": 1, "B": 1, "z": 1}
    assert [s.stream for s in case_store.streams(category="Order")] == ["Order-1"]
    assert sorted(s.stream for s in case_store.streams(category="order")) == ["order-1", "order-1 "]


# --- 2. histogram honours the filter's since/until ----------------------------------------
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


# --- 3. text times in mixed forms ---------------------------------------------------------
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
    assert all(e.problem is None for e in events)


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


# --- 4. JSONL files page by position --------------------------------------------------------
def _jsonl_line(position: int, stream: str = "cart-1", version: int = 1) -> bytes:
    return orjson.dumps({"position": position, "stream": stream, "version": version, "type": "Added",
                         "recorded_at": "2026-01-01T10:00:00Z", "data": {"n": position}}) + b"\n"


def test_two_concatenated_jsonl_exports_page_through_all_events_in_position_order(tmp_path):
    path = tmp_path / "two-exports.jsonl"
    path.write_bytes(b"".join(_jsonl_line(p, version=p) for p in (10, 11, 12, 1, 2, 3)))
    store = JsonlEventStore(path)
    assert [e.position for e in _all(store)] == [1, 2, 3, 10, 11, 12]
    backwards, after = [], None
    while page := store.read_all(after_position=after, limit=2, descending=True):
        backwards.extend(e.position for e in page)
        after = page[-1].position
    assert backwards == [12, 11, 10, 3, 2, 1]
    assert store.latest_position() == 12


def test_a_jsonl_page_decodes_only_its_own_lines(tmp_path, monkeypatch):
    path = tmp_path / "big.jsonl"
    lines = 50_000
    with path.open("wb") as handle:
        for position in range(1, lines + 1):
            handle.write(_jsonl_line(position, stream=f"cart-{position % 100}", version=position // 100 + 1))
    store = JsonlEventStore(path)
    decodes = 0
    decode = store._decode

    def counting(line, number):
        nonlocal decodes
        decodes += 1
        return decode(line, number)

    monkeypatch.setattr(store, "_decode", counting)
    started = time.perf_counter()
    first = store.read_all(limit=500)
    first_cost, first_seconds = decodes, time.perf_counter() - started
    decodes, started = 0, time.perf_counter()
    last = store.read_all(after_position=lines - 500, limit=500)
    last_cost, last_seconds = decodes, time.perf_counter() - started
    assert [e.position for e in first] == list(range(1, 501))
    assert [e.position for e in last] == list(range(lines - 499, lines + 1))
    assert first_cost == last_cost == 500
    assert last_seconds < 20 * first_seconds + 0.05


# --- 5. categories are counted by the database ---------------------------------------------
def test_categories_are_grouped_in_sql_without_walking_the_stream_listing(tmp_path, monkeypatch):
    path = tmp_path / "many.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    with writer.begin() as conn:
        _ddl(conn, TEXT_TIME_DDL["sqlite"])
        conn.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2999) "
            "INSERT INTO events (stream, version, type, recorded_at, data) "
            "SELECT CASE i % 3 WHEN 0 THEN 'wallet-' WHEN 1 THEN 'job-' ELSE 'plain' END || i, 1, 'Made', "
            "'2026-01-01T10:00:00Z', '{}' FROM n")
    writer.dispose()
    store = open_store(str(path))
    try:
        def no_listing(*args, **kwargs):
            raise AssertionError("categories() walked the stream listing")

        monkeypatch.setattr(store, "streams", no_listing)
        names = [("wallet-", "job-", "plain")[i % 3] + str(i) for i in range(3000)]
        expected = sorted(Counter(name.split("-", 1)[0] for name in names).items())
        assert store.categories() == expected
        assert expected[0] == ("job", 1000)
    finally:
        store.close()


# --- 6. gzip files and LIKE metacharacters ---------------------------------------------------
def test_a_gzipped_jsonl_file_opens_from_a_decompressed_copy_in_the_user_cache(tmp_path):
    path = tmp_path / "events.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"".join(_jsonl_line(p, version=p) for p in (1, 2, 3)))
    before = path.read_bytes()
    store = open_store(str(path))
    assert [e.data for e in _all(store)] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert store.describe().location == str(path)
    assert Path(store.path).is_relative_to(tmp_path / "cache")
    assert open_store(str(path)).path == store.path  # decompressed once
    assert path.read_bytes() == before


def test_a_file_named_gz_that_is_not_gzip_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(_jsonl_line(1))
    with pytest.raises(Exception, match="cannot decompress"):
        open_store(str(path))


def test_a_category_with_an_underscore_matches_only_itself(tmp_path):
    path = tmp_path / "under.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data")))
    with writer.begin() as conn:
        _ddl(conn, TEXT_TIME_DDL["sqlite"])
        for stream in ("order_item-1", "orderXitem-2", "order%item-3", "order\\item-4"):
            conn.execute(events.insert().values(stream=stream, version=1, type="Added", data="{}"))
    writer.dispose()
    store = open_store(str(path))
    try:
        assert [s.stream for s in store.streams(category="order_item")] == ["order_item-1"]
        assert [s.stream for s in store.streams(category="order%item")] == ["order%item-3"]
        assert [s.stream for s in store.streams(category="order\\item")] == ["order\\item-4"]
    finally:
        store.close()


def test_an_eventsourcing_type_with_an_underscore_matches_only_itself(tmp_path):
    path = tmp_path / "es.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    with writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
                             "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
        for version, topic in enumerate(("shop:Wallet.Credits_Granted", "shop:Wallet.CreditsXGranted"), start=1):
            state = orjson.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": "2026-01-01T10:00:00+00:00"}})
            conn.exec_driver_sql("INSERT INTO stored_events VALUES (?, ?, ?, ?)", ("ab" * 16, version, topic, state))
    writer.dispose()
    store = open_store(str(path))
    try:
        found = store.read_all(filters=EventFilter(types=("Wallet.Credits_Granted",)))
        assert [e.type for e in found] == ["Wallet.Credits_Granted"]
    finally:
        store.close()


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


def test_an_eventsourcing_category_listing_reads_only_candidate_streams(tmp_path, monkeypatch):
    path = tmp_path / "es-many.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    state = orjson.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": "2026-01-01T10:00:00+00:00"}})
    with writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
                             "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
        for number in range(600):
            topic = "shop:Job.Posted" if number % 200 == 0 else "shop:Wallet.Opened"
            conn.exec_driver_sql("INSERT INTO stored_events VALUES (?, ?, ?, ?)", (f"{number:032x}", 1, topic, state))
        conn.exec_driver_sql("INSERT INTO stored_events VALUES (?, ?, ?, ?)",
                             (f"{999:032x}", 1, "shop:MyJob.Posted", state))  # a name containing "Job"
    writer.dispose()
    store = open_store(str(path))
    try:
        fetched = 0
        rows = store._rows

        def counting(query):
            nonlocal fetched
            found = rows(query)
            fetched += len(found)
            return found

        monkeypatch.setattr(store, "_rows", counting)
        store.page_size = 100
        jobs = store.streams(category="Job")
        assert [s.category for s in jobs] == ["Job"] * 3
        assert fetched <= 4  # the three Job streams and the MyJob candidate, not 601 streams
        assert [s.stream for s in store.streams(category="Wallet", limit=1000)] == [
            s.stream for s in store.streams(limit=1000) if s.category == "Wallet"]
    finally:
        store.close()
