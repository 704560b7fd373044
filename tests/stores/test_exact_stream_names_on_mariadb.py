"""Exact stream names on MariaDB: its default collation (utf8mb4_general_ci: case-blind and
blind to trailing spaces) must not merge streams in listings, paging, reads or categories."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
import pytest
import sqlalchemy as sa

from inspector.stores import EventFilter, open_store

from .servers import scratch_database


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


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
