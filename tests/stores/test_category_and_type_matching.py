"""Categories and event types are matched exactly and counted by the database: categories
are grouped in SQL, LIKE metacharacters (``_``, ``%``, ``\\``) in a category or type match
only themselves, and an eventsourcing category listing reads only candidate streams."""

from __future__ import annotations

from collections import Counter

import orjson
import sqlalchemy as sa

from inspector.stores import EventFilter, open_store

#: a generic-layout events table on SQLite
EVENTS_DDL = ("CREATE TABLE events (position INTEGER PRIMARY KEY, stream text, version integer, type text, "
              "recorded_at text, data text, metadata text); "
              "CREATE INDEX events_stream_version ON events (stream, version)")


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


# --- 1. categories are counted by the database ---------------------------------------------
def test_categories_are_grouped_in_sql_without_walking_the_stream_listing(tmp_path, monkeypatch):
    path = tmp_path / "many.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    with writer.begin() as conn:
        _ddl(conn, EVENTS_DDL)
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


# --- 2. LIKE metacharacters ----------------------------------------------------------------
def test_a_category_with_an_underscore_matches_only_itself(tmp_path):
    path = tmp_path / "under.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data")))
    with writer.begin() as conn:
        _ddl(conn, EVENTS_DDL)
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
