"""A fold on PostgreSQL streams its rows through the driver's own server-side cursor.

The rows are plain tuples, each value exactly what SQLAlchemy's own streamed read gives (same
value, same type) on every PostgreSQL layout: generic tables of odd column types (json, jsonb,
bytea, uuid, timestamptz, numeric versions; NULLs, integers past 64 bits, bytes that are not
UTF-8, times before 1970), Marten, Message DB, eventsourcing, EventSauce and Axon, bad rows
included. The read stays what a fold's read was: a cancelled fold stops between batches and
hands its session back clean, a session killed mid-fold says "lost" and the next read works,
and the engine's statement guard sees the statement.
"""

from __future__ import annotations

import gc
import uuid
import warnings
from typing import Any

import pytest
import sqlalchemy as sa

from inspector.core.cancel import CancelToken, Cancelled
from inspector.stores import open_store
from inspector.stores import sql as sql_store
from inspector.stores.base import ConnectionLost
from inspector.stores.connect import ReadOnlyRefused

from . import test_axon as axon
from . import test_eventsauce as eventsauce
from . import test_marten as marten
from . import test_server_contract as server_contract
from .servers import scratch_database

BUILDERS = [
    ("generic", server_contract, "TestGenericLayoutOnPostgres"),
    ("eventsourcing", server_contract, "TestEventsourcingLayoutOnPostgres"),
    ("messagedb", server_contract, "TestMessageDbLayoutOnPostgres"),
    ("marten", marten, "TestMartenLayoutOnPostgres"),
    ("eventsauce", eventsauce, "TestEventSauceLayoutOnPostgres"),
    ("axon-jpa-large-objects", axon, "TestAxonJpaWithLargeObjectsOnPostgres"),
    ("axon-jdbc", axon, "TestAxonJdbcOnPostgres"),
]


def _sqlalchemys_rows(store: Any, stream: str) -> list[tuple[Any, ...]]:
    """The fold's statement run by SQLAlchemy as a streamed read, as a fold ran it before."""
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=7).execute(store._fold_query(stream, None, None))
        return [tuple(row) for part in result.partitions() for row in part]


def _fold_rows(store: Any, stream: str, cancel: CancelToken | None = None) -> list[Any]:
    return [row for rows in store._fold_rows(stream, None, None, cancel) for row in rows]


def _typed(rows: list[Any]) -> list[list[tuple[type, Any]]]:
    return [[(type(value), value) for value in row] for row in rows]


@pytest.fixture(scope="module", params=BUILDERS, ids=[b[0] for b in BUILDERS])
def built(request, tmp_path_factory):
    _, module, name = request.param
    result = getattr(module, name)().build(request, tmp_path_factory.mktemp(name.lower()))
    try:
        yield result
    finally:
        result.store.close()
        if result.cleanup is not None:
            result.cleanup()


def test_every_postgres_layout_folds_the_rows_sqlalchemy_gives_as_plain_tuples(built):
    store = built.store
    names = [summary.stream for summary in store.streams(limit=1000)]
    assert len(names) >= 3
    for stream in names:
        rows = _fold_rows(store, stream)
        assert all(type(row) is tuple for row in rows), stream  # the driver's own rows, no Row objects
        assert _typed(rows) == _typed(_sqlalchemys_rows(store, stream)), stream


# --- a generic table of odd column types ----------------------------------------------------
ODD_DDL = """
CREATE TABLE events (
    position bigserial PRIMARY KEY,
    stream uuid NOT NULL,
    version bigint,
    type text,
    recorded_at timestamptz,
    data {data},
    metadata jsonb
);
CREATE INDEX events_stream_version ON events (stream, version)
"""
WALLET = uuid.UUID("6a1d0c6e-4a0c-4f6e-9d1e-0b0f5e7a2c11")
BIG = 2**70
ODD_ROWS = [
    # version, type, recorded_at (text PostgreSQL reads), data, metadata
    (
        1,
        "Opened",
        "2026-01-01 10:00:00.123456+00",
        f'{{"big": {BIG}, "price": 0.1000000000000000000001}}',
        '{"actor": "ada"}',
    ),
    (2, None, None, None, None),
    (3, "Tiny", "1969-12-31 23:59:59.999999+00", '{"tiny": 1e-400, "text": "caf\\u00e9 \\u2603"}', "null"),
    (4, "Zoned", "2026-06-01 12:00:00+05:30", '{"nested": {"list": [1, 2.5, null, true]}}', '{"n": 1}'),
]


def _odd_store(postgres_url: str, data: str, rows=ODD_ROWS):
    db = scratch_database(postgres_url, "oddfold")
    with db.writer.begin() as conn:
        for statement in ODD_DDL.format(data=data).split(";"):
            conn.exec_driver_sql(statement)
        for version, kind, at, payload, meta in rows:
            value = None if payload is None else (payload.encode() if data == "bytea" else payload)
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                f"VALUES (%s, %s, %s, %s, %s{'' if data in ('text', 'bytea') else '::' + data}, %s::jsonb)",
                (WALLET, version, kind, at, value, meta),
            )
    return db, open_store(db.url)


@pytest.mark.parametrize("data", ["json", "jsonb", "bytea", "text"])
def test_odd_values_of_a_generic_table_are_folded_as_sqlalchemy_reads_them(postgres_url, data):
    db, store = _odd_store(postgres_url, data)
    try:
        if data == "bytea":
            with db.writer.begin() as conn:  # bytes that are not UTF-8, and an empty payload
                conn.exec_driver_sql(
                    "INSERT INTO events (stream, version, type, data) VALUES (%s, 5, 'Raw', %s), (%s, 6, 'Empty', '')",
                    (WALLET, b"\x00\xff\xfe not text", WALLET),
                )
        stream = str(WALLET)
        rows = _fold_rows(store, stream)
        assert all(type(row) is tuple for row in rows)
        assert _typed(rows) == _typed(_sqlalchemys_rows(store, stream))
        assert len(rows) == (6 if data == "bytea" else 4)
        events = list(store.read_for_replay(stream))
        assert [event.version for event in events] == [row[2] for row in rows]
        if data != "bytea":
            first = events[0].data
            assert first["big"] == BIG and str(first["price"]) == "0.1000000000000000000001"
    finally:
        store.close()
        db.drop()


def test_a_numeric_version_column_is_folded_by_sqlalchemy_as_before(postgres_url):
    """A column whose values SQLAlchemy converts by the type on the wire (numeric): its rows."""
    db = scratch_database(postgres_url, "numfold")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, "
                "version numeric(30, 0), type text, recorded_at timestamptz, data jsonb, "
                "metadata jsonb)"
            )
            conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, data) VALUES "
                "('wallet-1', 1, 'Opened', '{}'), ('wallet-1', 2, 'Paid', '{\"n\": 2}')"
            )
        store = open_store(db.url)
        try:
            assert [event.version for event in store.read_for_replay("wallet-1")] == [1, 2]
            rows = _fold_rows(store, "wallet-1")
            assert [tuple(row) for row in rows] == _sqlalchemys_rows(store, "wallet-1")
        finally:
            store.close()
    finally:
        db.drop()


# --- the read itself ------------------------------------------------------------------------
@pytest.fixture
def long_stream(postgres_url, monkeypatch):
    """A generic store of one stream of 10 versions, folded 3 rows a batch."""
    monkeypatch.setattr(sql_store, "FOLD_BATCH", 3)
    rows = [(version, "Paid", None, f'{{"n": {version}}}', None) for version in range(1, 11)]
    db, store = _odd_store(postgres_url, "jsonb", rows)
    yield db, store, str(WALLET)
    store.close()
    db.drop()


@pytest.fixture
def open_at_reset(long_stream):
    """How many cursors each session still had open when the pool took it back (before its rollback)."""
    _db, store, _stream = long_stream
    counts: list[int] = []

    def count(dbapi_connection, *_rest):  # noqa: ANN001 - the pool's event arguments
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_cursors")
            counts.append(cursor.fetchone()[0])

    sa.event.listen(store.engine.pool, "reset", count)
    return counts


def _no_cursor_left_open() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert not [w for w in caught if "still open" in str(w.message)], [str(w.message) for w in caught]


def test_a_fold_cancelled_between_batches_hands_its_session_back_clean(long_stream, open_at_reset):
    _db, store, stream = long_stream
    cancel = CancelToken()
    seen = []
    with pytest.raises(Cancelled):
        for rows in store._fold_rows(stream, None, None, cancel):
            seen.append(len(rows))
            cancel.cancel()
    assert seen == [3]
    assert open_at_reset == [0]  # its cursor closed on the session before the pool had it back
    assert store.engine.pool.checkedout() == 0
    _no_cursor_left_open()
    with store.engine.connect() as conn:  # no cursor, no transaction left on the pooled session
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_cursors").scalar() == 0
    assert [event.version for event in store.read_for_replay(stream)] == list(range(1, 11))


def test_a_fold_left_early_closes_its_cursor_before_the_session_goes_back(long_stream, open_at_reset):
    _db, store, stream = long_stream
    events = store.read_for_replay(stream)
    assert next(events).version == 1
    events.close()  # a consumer that stops reading (a replay to a version reached)
    assert store.engine.pool.checkedout() == 0
    assert open_at_reset == [0]
    _no_cursor_left_open()
    assert [event.version for event in store.read_for_replay(stream, after=2)] == list(range(3, 11))


def test_a_postgres_session_killed_mid_fold_is_said_lost_and_the_next_fold_works(long_stream):
    db, store, stream = long_stream
    sessions: list[int] = []
    sa.event.listen(
        store.engine,
        "before_cursor_execute",
        lambda conn, *_rest: sessions.append(conn.connection.driver_connection.info.backend_pid),
    )
    batches = store._fold_rows(stream, None, None, None)
    assert len(next(batches)) == 3
    pid = sessions[-1]
    with db.writer.connect() as writer:
        assert writer.exec_driver_sql(f"SELECT pg_terminate_backend({pid})").scalar() is True
        for _ in range(10_000):  # until the server shows the session gone (bounded)
            if not writer.exec_driver_sql(f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}").scalar():
                break
    with pytest.raises(ConnectionLost, match="lost"):
        list(batches)
    assert store.engine.pool.checkedout() == 0
    assert [event.version for event in store.read_for_replay(stream)] == list(range(1, 11))
    assert sessions[-1] != pid  # a new session


def test_the_statement_guard_sees_the_statement_of_a_streamed_fold(long_stream):
    db, store, stream = long_stream
    statements: list[str] = []
    sa.event.listen(
        store.engine,
        "before_cursor_execute",
        lambda _conn, cursor, statement, *_rest: statements.append((type(cursor).__name__, statement)),
    )
    assert len(_fold_rows(store, stream)) == 10
    assert [kind for kind, _ in statements] == ["ServerCursor"] and "FROM events" in statements[0][1]
    escape = sa.func.set_config("default_transaction_read_only", "off", False)
    query = store._fold_query(stream, None, None).where(escape == "off")
    with pytest.raises(ReadOnlyRefused):
        list(store._fold_rows(stream, None, None, None, query=query))
    assert store.engine.pool.checkedout() == 0
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
