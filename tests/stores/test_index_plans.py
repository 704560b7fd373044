"""On a 1,000,000-row table, stream listing and stream reads use the (stream, version) index.

Rows are generated server-side (generate_series, MariaDB's sequence engine, a recursive
CTE on SQLite) so each check takes seconds. The plans are read with ``explain`` on the
exact queries the adapter runs (``stream_listing_query``, ``stream_page_query``).
"""

from __future__ import annotations

import sqlalchemy as sa

from inspector.stores import open_store

from .servers import scratch_database
from .test_server_contract import GENERIC_MYSQL_DDL, GENERIC_PG_DDL

ROWS = 1_000_000
STREAMS = 50_000


def _ddl(conn, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def _plans(store) -> tuple[str, str]:
    listing = store.explain(store.stream_listing_query(after="wallet-100", limit=500))
    page = store.explain(store.stream_page_query("wallet-4242", after_version=3, limit=1000))
    return listing, page


def _keyset_page(store) -> str:
    """A page after (version, position): the version bound must start the index range, so a page
    deep in a long stream does not read the stream from its first version."""
    return store.explain(store.stream_page_query("wallet-4242", after_version=15, after_position=123, limit=1000))


def test_postgres_stream_listing_and_reads_use_the_stream_index(postgres_url):
    db = scratch_database(postgres_url, "plan")
    try:
        with db.writer.begin() as conn:
            _ddl(conn, GENERIC_PG_DDL)
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                f"SELECT 'wallet-' || mod(i, {STREAMS}), i / {STREAMS} + 1, 'CreditsGranted', "
                "timestamptz '2024-01-01' + i * interval '1 second', '{\"amount\": 1}', '{\"actor\": \"a\"}' "
                f"FROM generate_series(0, {ROWS - 1}) AS i")
        with db.writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE events")
        store = open_store(db.url)
        listing, page = _plans(store)
        keyset = _keyset_page(store)
        store.close()
        assert "events_stream_version" in keyset and "version >= " in keyset, keyset
        assert "events_stream_version" in listing and "Seq Scan" not in listing, listing
        assert "events_stream_version" in page and "Seq Scan" not in page, page
    finally:
        db.drop()


def test_mariadb_stream_listing_and_reads_use_the_stream_index(mysql_url):
    db = scratch_database(mysql_url, "plan")
    try:
        with db.writer.begin() as conn:
            _ddl(conn, GENERIC_MYSQL_DDL)
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                f"SELECT CONCAT('wallet-', MOD(seq, {STREAMS})), seq DIV {STREAMS} + 1, 'CreditsGranted', "
                "TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq SECOND, '{\"amount\": 1}', '{\"actor\": \"a\"}' "
                f"FROM seq_0_to_{ROWS - 1}")
            conn.exec_driver_sql("ANALYZE TABLE events")
        store = open_store(db.url)
        listing, page = _plans(store)
        keyset = _keyset_page(store)
        assert "events_stream_version" in keyset and " range " in keyset, keyset
        # names told apart by their bytes: the second step reads only the rows of one listing page
        split = store.explain(store.stream_split_query(after="wallet-100", upto="wallet-10548", limit=500))
        store.close()
        # MariaDB's EXPLAIN rows: id select_type table type possible_keys key ...
        assert "events_stream_version" in listing and " ALL " not in listing, listing
        assert "events_stream_version" in page and " ALL " not in page, page
        assert "events_stream_version" in split and " range " in split and " ALL " not in split, split
    finally:
        db.drop()


def test_sqlite_stream_listing_and_reads_use_the_stream_index(tmp_path):
    """And a histogram counts each bucket over a range of the time index (``events_recorded_at``)."""
    path = tmp_path / "big.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    with writer.begin() as conn:
        _ddl(conn, GENERIC_PG_DDL.replace("bigserial PRIMARY KEY", "INTEGER PRIMARY KEY")
             .replace("timestamptz", "text").replace("jsonb", "text"))
        conn.exec_driver_sql(
            f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS - 1}) "
            "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
            f"SELECT 'wallet-' || (i % {STREAMS}), i / {STREAMS} + 1, 'CreditsGranted', "
            "strftime('%Y-%m-%dT%H:%M:%fZ', 1704067200 + i, 'unixepoch'), '{\"amount\": 1}', '{}' FROM n")
        conn.exec_driver_sql("CREATE INDEX events_recorded_at ON events (recorded_at)")
        conn.exec_driver_sql("ANALYZE")
    writer.dispose()
    store = open_store(str(path))
    listing, page = _plans(store)
    keyset = _keyset_page(store)
    store.close()
    assert "USING INDEX events_stream_version (stream=? AND version>?)" in keyset, keyset
    assert "USING INDEX events_stream_version" in listing and "SCAN events " not in listing + " ", listing
    assert "USING INDEX events_stream_version" in page, page
    # the text times are declared to be in one ISO form (time = "iso"), so they sort as stored
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('table = "events"\n[columns]\nposition = "position"\nstream = "stream"\nversion = "version"\n'
                       'type = "type"\nrecorded_at = "recorded_at"\ndata = "data"\n[codec]\ntime = "iso"\n')
    store = open_store(str(path), mapping=mapping)
    first, last = store.time_range()
    zoom = (first + (last - first) * 0.45, first + (last - first) * 0.55)
    histogram = store.explain(store.histogram_range_query(*zoom, 120))
    store.close()
    searches = [line for line in histogram.splitlines() if "events" in line]
    assert len(searches) == 120, histogram
    assert all("SEARCH events USING COVERING INDEX events_recorded_at (recorded_at>? AND recorded_at<?)" in line
               for line in searches), histogram
