"""A table that holds at most one event per (stream, version), by a unique index on those two
columns (Axon, Marten, Message DB and eventsourcing declare one), has its stream read in the
index's order: MariaDB sorted every event of the stream to hand out its first one when the
order named the position too. A version column declared NOT NULL is not searched for events
without a version. A unique index that covers only some rows (a WHERE clause) says nothing of
the others, so the position still breaks ties there.
"""

from __future__ import annotations

import sqlalchemy as sa

from inspector.stores import open_store

from .servers import scratch_database

EVENTS = 5_000

UNIQUE_DDL = """
CREATE TABLE events (
    position bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
    stream varchar(200) NOT NULL,
    version bigint NOT NULL,
    type varchar(200) NULL,
    recorded_at datetime(6) NULL,
    data longblob NULL,
    metadata json NULL,
    UNIQUE KEY events_stream_version (stream, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci
"""


def _statements(store) -> list[str]:
    seen: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda _c, _cur, statement, *_rest: seen.append(statement))
    return seen


def test_a_long_stream_s_first_event_is_read_from_the_unique_stream_index_on_mariadb(mysql_url):
    db = scratch_database(mysql_url, "uniq")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql(UNIQUE_DDL)
            # versions written out of position order: the position must not decide the order
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                f"SELECT 'wallet-1', {EVENTS} - seq, 'CreditsGranted', TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq SECOND, "
                f"CONCAT('{{\"n\": ', {EVENTS} - seq, '}}'), '{{}}' FROM seq_0_to_{EVENTS - 1}")
            conn.exec_driver_sql("INSERT INTO events (stream, version, type, data) VALUES ('Wallet-1', 0, 'Other', '{}')")
            conn.exec_driver_sql("ANALYZE TABLE events")
        store = open_store(db.url)
        plan = store.explain(store.stream_page_query("wallet-1", limit=1))
        assert "events_stream_version" in plan and "filesort" not in plan.lower(), plan
        seen = _statements(store)
        first = list(store.read_stream("wallet-1", limit=1))
        assert len(seen) == 1  # no look for events without a version: the column cannot hold one
        assert [(e.stream, e.version, e.data) for e in first] == [("wallet-1", 1, {"n": 1})]
        versions = [e.version for e in store.read_stream("wallet-1", from_version=4_990)]
        assert versions == list(range(4_990, EVENTS + 1))
        store.close()
    finally:
        db.drop()


def test_a_unique_index_over_some_rows_leaves_the_position_to_break_ties(tmp_path):
    path = tmp_path / "partial.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER,"
                             " type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
        conn.exec_driver_sql("CREATE UNIQUE INDEX events_stream_version ON events (stream, version) WHERE type <> 'Copy'")
        conn.exec_driver_sql("INSERT INTO events (position, stream, version, type, data) VALUES "
                             "(1, 'a', 1, 'Opened', '{}'), (3, 'a', 2, 'Copy', '{\"n\": 3}'),"
                             " (2, 'a', 2, 'Deposited', '{\"n\": 2}'), (4, 'a', NULL, 'Note', '{}')")
    engine.dispose()
    store = open_store(str(path))
    events = list(store.read_stream("a"))
    store.close()
    # the event without a version first (the column may hold NULL), then (version, position)
    assert [(e.version, e.position) for e in events] == [(None, 4), (1, 1), (2, 2), (2, 3)]
