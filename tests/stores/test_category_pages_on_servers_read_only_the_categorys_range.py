"""A category read on PostgreSQL and MariaDB reads one range of the stream index: its category's.

The category's names are those equal to it or starting with it and a ``-``. Asked as an OR of an
equality and a ``LIKE`` (exact by bytes on MariaDB), neither engine bounds the index scan by
it: each walked the stream index from its first name (the first page) or to its last (the last
page), filtering out every other category's rows on the way. Where the column's collation puts
all of the category's names between ``category`` and ``category.`` (PostgreSQL: ``C``-like
collations; MariaDB: the binary, general and Unicode ones) the page is bounded by that span and
the OR only filters it. Under a collation that does not (an ICU collation that ignores
punctuation), no span is used and the names read are still exactly the category's.
"""

from __future__ import annotations

import pytest

from inspector.stores import open_store
from inspector.stores.category_read import category_query, read_sql_category

from .servers import scratch_database

#: name -> versions; the category is ``account``
STREAMS = {
    "account": 2,
    "account-1": 3,
    "account-2": 1,
    "account-": 1,  # nothing after the dash: still of the category
    "account-z": 2,  # sorts after "account." where punctuation is ignored
    "account!x": 2,  # sorts before "account-": not of it
    "account,x": 1,  # sorts between "account" and "account-": not of it
    "account.1": 1,  # just past the category's names
    "accountx-1": 2,
    "Account-3": 2,  # another case: another category
    "a-1": 1,
    "b-1": 2,
}
OF_CATEGORY = ["account", "account-", "account-1", "account-2", "account-z"]
#: rows of other categories before and after the category's names in the index (so a plan
#: that walks from the index's first name, or to its last, is one the planner would pick)
OTHERS = 20_000

PG_DDL = ("CREATE TABLE events (position bigserial PRIMARY KEY, stream text COLLATE {collation} NOT NULL,"
          " version bigint, type text, recorded_at timestamptz, data text, metadata jsonb);"
          "CREATE INDEX events_stream_version ON events (stream, version)")
MARIADB_DDL = ("CREATE TABLE events (position bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,"
               " stream varchar(200) NOT NULL, version bigint NULL, type varchar(200) NULL,"
               " recorded_at datetime(6) NULL, data longblob NULL, metadata json NULL,"
               " KEY events_stream_version (stream, version)) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")


def _rows() -> list[tuple[str, int, str]]:
    rows = []
    for version in range(1, 4):  # interleaved, as written over time
        for name, count in STREAMS.items():
            if version <= count:
                rows.append((name, version, f'{{"n": {len(rows)}}}'))
    return rows


def _fill(conn, *, postgres: bool) -> None:
    insert = "INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (%s, %s, 'Noted', {at}, %s, '{{}}')"
    at = "timestamptz '2026-01-01'" if postgres else "TIMESTAMP '2026-01-01 00:00:00'"
    conn.exec_driver_sql(insert.format(at=at), _rows())
    for prefix in ("aaa", "zzz"):  # other categories on both sides of ``account``
        if postgres:
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                f"SELECT '{prefix}-' || mod(i, 500), i / 500 + 1, 'Noted', timestamptz '2026-01-01', '{{}}', '{{}}' "
                f"FROM generate_series(0, {OTHERS - 1}) AS i")
        else:
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                f"SELECT CONCAT('{prefix}-', MOD(seq, 500)), seq DIV 500 + 1, 'Noted', TIMESTAMP '2026-01-01 00:00:00',"
                f" '{{}}', '{{}}' FROM seq_0_to_{OTHERS - 1}")


def _read(store, page: int) -> list[tuple[str, list[int]]]:
    streams = read_sql_category(store, category="account", page=page)
    assert streams is not None
    return [(name, [event.version for event in events]) for name, events in streams]


def _expected() -> list[tuple[str, list[int]]]:
    return [(name, list(range(1, STREAMS[name] + 1))) for name in OF_CATEGORY]


@pytest.fixture(scope="module")
def postgres_c(postgres_url):
    db = scratch_database(postgres_url, "catspan")
    try:
        with db.writer.begin() as conn:
            for statement in PG_DDL.format(collation='"C"').split(";"):
                conn.exec_driver_sql(statement)
            _fill(conn, postgres=True)
        with db.writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE events")
        store = open_store(db.url)
        yield store
        store.close()
    finally:
        db.drop()


@pytest.mark.parametrize("after", [None, "account-1"])
def test_a_postgres_category_page_is_bounded_by_the_categorys_names(postgres_c, after):
    query = category_query(postgres_c, category="account", match=None, upto=None, after=after, limit=3)
    assert query is not None
    plan = postgres_c.explain(query)
    bounds = [line for line in plan.splitlines() if "Index Cond" in line]
    assert bounds, plan
    assert "stream < 'account.'" in bounds[0], plan
    assert ("stream >= 'account'" if after is None else "stream > 'account-1'") in bounds[0], plan


@pytest.mark.parametrize("page", [1, 2, 3, 5000])
def test_a_postgres_category_read_holds_exactly_its_names(postgres_c, page):
    assert _read(postgres_c, page) == _expected()


def test_a_postgres_collation_that_ignores_punctuation_still_reads_every_name_of_the_category(postgres_url):
    db = scratch_database(postgres_url, "catspan")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql("CREATE COLLATION shifted (provider = icu, locale = 'und-u-ka-shifted')")
            for statement in PG_DDL.format(collation="shifted").split(";"):
                conn.exec_driver_sql(statement)
            _fill(conn, postgres=True)
            # under this collation "account-z" sorts after "account.": a span would lose it
            assert conn.exec_driver_sql("SELECT 'account-z' COLLATE shifted > 'account.'").scalar()
        store = open_store(db.url)
        try:
            for page in (1, 2, 5000):
                assert _read(store, page) == _expected()
        finally:
            store.close()
    finally:
        db.drop()


@pytest.fixture(scope="module")
def mariadb_store(mysql_url):
    db = scratch_database(mysql_url, "catspan")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql(MARIADB_DDL)
            _fill(conn, postgres=False)
            conn.exec_driver_sql("ANALYZE TABLE events")
        store = open_store(db.url)
        yield store
        store.close()
    finally:
        db.drop()


def test_a_mariadb_first_category_page_is_a_range_of_the_stream_index(mariadb_store):
    query = category_query(mariadb_store, category="account", match=None, upto=None, after=None, limit=3)
    assert query is not None
    plan = mariadb_store.explain(query)
    # id, select_type, table, type, ...: a range of the index, not the whole index (``index``)
    assert plan.split()[3] == "range", plan
    assert "events_stream_version" in plan, plan


@pytest.mark.parametrize("page", [1, 2, 3, 5000])
def test_a_mariadb_category_read_holds_exactly_its_names(mariadb_store, page):
    assert _read(mariadb_store, page) == _expected()
