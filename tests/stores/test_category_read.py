"""Reading a whole category for replay: every stream's events, once, in (stream, version) order.

``read_category_for_replay`` must hand over, for each stream of the category (or pattern), the
same events in the same order as the per-stream read (``read_for_replay``) of every stream the
listing shows, on every layout and engine: generic on SQLite, PostgreSQL and MariaDB, Message DB
and Marten (tenants too) on PostgreSQL, EventSauce and Axon on MariaDB, eventsourcing on SQLite,
JSON Lines. Pages are forced tiny (a few rows) so their edges fall inside streams and between
streams whose names a collation would merge; a row that cannot be decoded still comes back with
its problem, and the read goes on. And the page query is served by the stream index.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from inspector.stores import open_store
from inspector.stores.category_read import category_query, rest_of_stream_query
from inspector.stores.jsonl import JsonlEventStore
from inspector.stores.lazy import materialize
from inspector.stores.sql import SqlEventStore

from . import test_axon as axon
from . import test_eventsauce as eventsauce
from . import test_marten as marten
from . import test_server_contract as server
from . import test_sqlite_contract as sqlite_contract
from . import test_stream_identity as identity
from .servers import scratch_database

#: (id, module, class name): stores the contract tests build, built again here
BUILDERS = [
    ("generic-sqlite", sqlite_contract, "TestGenericLayoutOnSqlite"),
    ("eventsourcing-sqlite", sqlite_contract, "TestEventsourcingLayoutOnSqlite"),
    ("jsonl", sqlite_contract, "TestJsonLines"),
    ("generic-postgres", server, "TestGenericLayoutOnPostgres"),
    ("messagedb-postgres", server, "TestMessageDbLayoutOnPostgres"),
    ("marten-postgres", marten, "TestMartenLayoutOnPostgres"),
    ("marten-tenants-postgres", marten, "TestMartenConjoinedTenantOnPostgres"),
    ("generic-mariadb", server, "TestGenericLayoutOnMariadb"),
    ("eventsauce-mariadb", eventsauce, "TestEventSauceLayoutOnMariadb"),
    ("axon-mariadb", axon, "TestAxonJdbcCamelCaseOnMariadb"),
]


@pytest.fixture(scope="module", params=BUILDERS, ids=[b[0] for b in BUILDERS])
def built(request, tmp_path_factory):
    _, module, name = request.param
    result = getattr(module, name)().build(request, tmp_path_factory.mktemp(name))
    try:
        yield result
    finally:
        result.store.close()
        if result.cleanup is not None:
            result.cleanup()


def _seen(event: Any) -> tuple[Any, ...]:
    """What a fold can see of an event, decoded (a bad row: its problem and raw value)."""
    shown = materialize(event)
    return (shown.position, shown.stream, shown.version, shown.type, shown.recorded_at, shown.data,
            shown.metadata, shown.problem)


def _category_read(store: Any, *, page: int | None = None, **kwargs: Any) -> list[tuple[str, list[tuple]]] | None:
    if isinstance(store, SqlEventStore):
        streams = store.read_category_for_replay(page=page, **kwargs)
    else:
        streams = store.read_category_for_replay(**kwargs)
    if streams is None:
        return None
    return [(name, [_seen(event) for event in events]) for name, events in streams]


def _per_stream(store: Any, *, category: str | None = None, match: str | None = None,
                upto: int | None = None) -> list[tuple[str, list[tuple]]]:
    """The listing's streams, each read by itself (the path a whole-category read replaces)."""
    found, after = [], None
    while True:
        page = store.streams(category=category, match=match, after=after, limit=7)
        for summary in page:
            events = [_seen(event) for event in store.read_for_replay(summary.stream, upto=upto)]
            if events:
                found.append((summary.stream, events))
        if len(page) < 7:
            return found
        after = page[-1].stream


@pytest.mark.parametrize("page", [2, 3, 5000])
def test_every_category_reads_the_same_events_in_the_same_order_as_stream_by_stream(built, page):
    store = built.store
    for category in [None, *sorted({c for c in built.categories.values() if c})]:
        fast = _category_read(store, page=page, category=category)
        if fast is None:
            # only layouts whose categories Python alone can tell may decline; they still read all streams
            assert category is not None and isinstance(store, SqlEventStore)
            assert store.layout.category_clause(category) is None
            continue
        slow = _per_stream(store, category=category)
        assert [name for name, _ in fast] == [name for name, _ in slow], category
        assert fast == slow, category


def test_a_version_bound_reads_each_stream_up_to_it_and_leaves_out_later_streams(built):
    store = built.store
    upto = built.v(2)[0]
    fast = _category_read(store, page=3, upto=upto)
    assert fast == _per_stream(store, upto=upto)
    assert all(event[2] <= upto for _, events in fast for event in events)


def test_a_stream_pattern_reads_only_the_matching_streams(built):
    store = built.store
    pattern = "*-a" if any(name.endswith("-a") for name in built.streams.values()) else "*a*"
    fast = _category_read(store, page=2, match=pattern)
    assert fast == _per_stream(store, match=pattern)


def test_a_bad_row_comes_back_with_its_problem_and_the_read_goes_on(built):
    assert built.bad, "every store built here plants bad rows"
    fast = _category_read(built.store, page=2)
    problems = {(stream, event[2]): event[7] for stream, events in fast for event in events}
    for bad in built.bad:
        if bad.version is None:
            continue
        assert bad.problem in (problems.get((bad.stream, bad.version)) or ""), (bad, problems)
    # streams after the broken one (in index order) are read as well
    assert {name for name, _ in fast} >= set(built.streams.values())


def test_a_consumer_that_stops_a_stream_early_gets_the_next_stream_whole(built):
    store = built.store
    slow = _per_stream(store)
    kwargs: dict[str, Any] = {"page": 3} if isinstance(store, SqlEventStore) else {}
    got = []
    for name, events in store.read_category_for_replay(**kwargs):
        first = next(events, None)  # read one event only: the rest of this stream is skipped
        got.append((name, [_seen(first)]))
    assert got == [(name, events[:1]) for name, events in slow]


# --- names a collation would merge ---------------------------------------------------------
IDENTITY = [
    ("sqlite", identity.TestStreamIdentityOnSqlite),
    ("jsonl", identity.TestStreamIdentityInJsonLines),
    ("postgres", identity.TestStreamIdentityOnPostgres),
    ("postgres-ci-collation", identity.TestStreamIdentityOnPostgresCaseInsensitiveCollation),
    ("mariadb-general-ci", identity.TestStreamIdentityOnMariadbGeneralCi),
]


@pytest.fixture(scope="module", params=IDENTITY, ids=[i[0] for i in IDENTITY])
def names_store(request, tmp_path_factory):
    target = request.param[1]().open(request, tmp_path_factory.mktemp(request.param[0]))
    try:
        yield target.store
    finally:
        target.store.close()
        if target.cleanup is not None:
            target.cleanup()


@pytest.mark.parametrize("page", [1, 2, 3, 4, 7, 5000])
def test_streams_differing_only_in_case_or_a_trailing_space_stay_apart_across_page_edges(names_store, page):
    fast = _category_read(names_store, page=page)
    slow = dict(_per_stream(names_store))
    names = [name for name, _ in fast]
    assert len(names) == len(set(names)), names  # no stream handed over twice
    assert sorted(names) == sorted(identity.NAMES)
    for name, events in fast:
        assert events == slow[name], name
        assert {event[1] for event in events} == {name}
    order = [name for name, _ in fast]
    listed = [name for name, _ in _per_stream(names_store)]
    if not (isinstance(names_store, SqlEventStore) and names_store.layout.exact_text_streams()):
        assert order == listed  # the index's order; under a merging collation only the groups keep it


@pytest.mark.parametrize("category", ["order", "Order", "chat", "wallet"])
def test_a_category_under_a_merging_collation_holds_only_its_exact_names(names_store, category):
    fast = _category_read(names_store, page=2, category=category)
    assert sorted(fast) == sorted(_per_stream(names_store, category=category))


# --- plans ------------------------------------------------------------------------------------
ROWS = 200_000
STREAMS = 10_000


def _ddl(conn, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def _plans(store: SqlEventStore) -> tuple[str, str]:
    page = category_query(store, category="wallet", match=None, upto=None, after="wallet-4242", limit=5000)
    assert page is not None
    rest = rest_of_stream_query(store, "wallet-4242", after_version=7, after_position=123, upto=None)
    return store.explain(page), store.explain(rest)


def test_sqlite_category_pages_walk_the_stream_index(tmp_path):
    path = tmp_path / "big.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    with writer.begin() as conn:
        _ddl(conn, server.GENERIC_PG_DDL.replace("bigserial PRIMARY KEY", "INTEGER PRIMARY KEY")
             .replace("timestamptz", "text").replace("jsonb", "text"))
        conn.exec_driver_sql(
            f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS - 1}) "
            "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
            f"SELECT 'wallet-' || (i % {STREAMS}), i / {STREAMS} + 1, 'CreditsGranted', "
            "strftime('%Y-%m-%dT%H:%M:%fZ', 1704067200 + i, 'unixepoch'), '{\"amount\": 1}', '{}' FROM n")
        conn.exec_driver_sql("ANALYZE")
    writer.dispose()
    store = open_store(str(path))
    page, rest = _plans(store)
    store.close()
    assert "events_stream_version (stream>?" in page and "SCAN events" not in page, page
    assert "events_stream_version (stream=? AND version>?)" in rest, rest


def test_postgres_category_pages_walk_the_stream_index(postgres_url):
    db = scratch_database(postgres_url, "catplan")
    try:
        with db.writer.begin() as conn:
            _ddl(conn, server.GENERIC_PG_DDL)
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                f"SELECT 'wallet-' || mod(i, {STREAMS}), i / {STREAMS} + 1, 'CreditsGranted', "
                "timestamptz '2024-01-01' + i * interval '1 second', '{\"amount\": 1}', '{}' "
                f"FROM generate_series(0, {ROWS - 1}) AS i")
        with db.writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE events")
        store = open_store(db.url)
        page, rest = _plans(store)
        store.close()
        assert "events_stream_version" in page and "Seq Scan" not in page, page
        assert "events_stream_version" in rest and "version >= " in rest and "Seq Scan" not in rest, rest
    finally:
        db.drop()


def test_mariadb_category_pages_walk_the_stream_index(mysql_url):
    db = scratch_database(mysql_url, "catplan")
    try:
        with db.writer.begin() as conn:
            _ddl(conn, server.GENERIC_MYSQL_DDL)
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                f"SELECT CONCAT('wallet-', MOD(seq, {STREAMS})), seq DIV {STREAMS} + 1, 'CreditsGranted', "
                "TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq SECOND, '{\"amount\": 1}', '{}' "
                f"FROM seq_0_to_{ROWS - 1}")
            conn.exec_driver_sql("ANALYZE TABLE events")
        store = open_store(db.url)
        page, rest = _plans(store)
        store.close()
        assert "events_stream_version" in page and " ALL " not in page, page
        assert "events_stream_version" in rest and " range " in rest and " ALL " not in rest, rest
    finally:
        db.drop()


def test_json_lines_reads_by_its_line_index(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"stream": "wallet-1", "version": 1, "type": "Opened", "data": {}}\n'
                    '{"stream": "job-1", "version": 1, "type": "Posted", "data": {}}\n'
                    '{"stream": "wallet-1", "version": 2, "type": "Granted", "data": {"amount": 3}}\n'
                    '{"stream": "wallet-2", "type": "Note", "data": {}}\n', encoding="utf-8")
    store = open_store(str(path))
    assert isinstance(store, JsonlEventStore)
    got = [(name, [(e.version, e.type) for e in events]) for name, events in store.read_category_for_replay(
        category="wallet")]
    store.close()
    assert got == [("wallet-1", [(1, "Opened"), (2, "Granted")])]  # wallet-2 has no versioned event
