"""Pooled server sessions: cheap to hand out, never less read-only.

A pooled PostgreSQL or MariaDB connection is reset to read-only when it is handed out, and that
reset is also what finds a connection the server closed (no separate ping). A PostgreSQL read of
one bounded statement runs outside a transaction block, still read-only, and keeps the
statements the driver prepared; the session is transactional again for the next holder.
Statements that could make a session writable are refused every time they are sent.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from inspector.stores import open_store
from inspector.stores.base import ConnectionLost
from inspector.stores.connect import ReadOnlyRefused, for_one_statement, plain_rows

from .servers import scratch_database
from .test_server_contract import GENERIC_MYSQL_DDL, GENERIC_PG_DDL

EVENTS = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "data")))


def _filled(server_url: str, ddl: str):
    db = scratch_database(server_url, "pooled")
    with db.writer.begin() as conn:
        for statement in ddl.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        for version in (1, 2, 3):
            conn.execute(EVENTS.insert().values(stream="wallet-1", version=version, type="Granted", data="{}"))
    return db


@pytest.fixture
def pg(postgres_url):
    db = _filled(postgres_url, GENERIC_PG_DDL)
    store = open_store(db.url)
    yield store, db
    store.close()
    db.drop()


@pytest.fixture
def maria(mysql_url):
    db = _filled(mysql_url, GENERIC_MYSQL_DDL)
    store = open_store(db.url)
    yield store, db
    store.close()
    db.drop()


def _stored_versions(writer: sa.Engine) -> list[int]:
    with writer.connect() as conn:
        return [int(v) for v in conn.exec_driver_sql("SELECT version FROM events ORDER BY version").scalars()]


@pytest.mark.parametrize("server, escape", [
    ("pg", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"),
    ("maria", "SET SESSION TRANSACTION READ WRITE"),
])
def test_an_escape_to_read_write_is_refused_each_time_it_is_sent(request, server, escape):
    store, db = request.getfixturevalue(server)
    for _ in range(3):
        with store.engine.connect() as conn:
            with pytest.raises(ReadOnlyRefused, match="READ WRITE"):
                conn.exec_driver_sql(escape)
        assert store.count_upto("wallet-1", 3) == 3  # reads in between are let through
    assert _stored_versions(db.writer) == [1, 2, 3]


def test_a_postgres_one_statement_read_is_read_only_and_the_session_holds_transactions_again_after(pg):
    store, db = pg
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        one = for_one_statement(conn)
        assert one.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
            one.execute(EVENTS.insert().values(stream="wallet-1", version=4, type="Forged", data="{}"))
        with pytest.raises(ReadOnlyRefused):
            one.exec_driver_sql("SET default_transaction_read_only = off")
    with store.engine.connect() as conn:
        assert conn.connection.dbapi_connection is raw  # the same pooled session
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        # a server-side cursor needs a transaction block: the session is back to transactions
        streamed = conn.execution_options(stream_results=True, yield_per=2).exec_driver_sql(
            "SELECT version FROM events ORDER BY version")
        assert [int(row[0]) for part in streamed.partitions() for row in part] == [1, 2, 3]
    assert _stored_versions(db.writer) == [1, 2, 3]


def test_a_postgres_read_repeated_keeps_the_statement_the_server_prepared_for_it(pg):
    store, _db = pg
    for _ in range(30):  # the driver prepares a statement at its fifth run on a session
        assert store.count_upto("wallet-1", 2) == 2
    with store.engine.connect() as conn:
        prepared = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
    assert any("count(" in statement.lower() for statement in prepared), prepared


def _kill_pooled_sessions(store, own_id_query: str, kill) -> None:
    """Two sessions in the pool (held at the same time once), both killed while idle there."""
    held = [store.engine.connect(), store.engine.connect()]
    ids = [conn.exec_driver_sql(own_id_query).scalar() for conn in held]
    for conn in held:
        conn.close()
    assert len(set(ids)) == 2 and store.engine.pool.checkedin() == 2
    for session_id in ids:
        kill(session_id)


def test_postgres_sessions_killed_while_idle_in_the_pool_are_replaced_when_handed_out(pg):
    store, db = pg

    def kill(pid):
        with db.writer.connect() as conn:
            assert conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").scalar() is True

    _kill_pooled_sessions(store, "SELECT pg_backend_pid()", kill)
    assert [store.count_upto("wallet-1", 3) for _ in range(3)] == [3, 3, 3]
    results = []
    readers = [threading.Thread(target=lambda: results.append(store.count_upto("wallet-1", 1))) for _ in range(2)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert results == [1, 1]


def test_mariadb_sessions_killed_while_idle_in_the_pool_are_replaced_when_handed_out(maria):
    store, db = maria

    def kill(session_id):
        with db.writer.connect() as conn:
            conn.exec_driver_sql(f"KILL {int(session_id)}")

    _kill_pooled_sessions(store, "SELECT CONNECTION_ID()", kill)
    assert [store.count_upto("wallet-1", 3) for _ in range(3)] == [3, 3, 3]
    with store.engine.connect() as conn:
        assert int(conn.exec_driver_sql("SELECT @@session.tx_read_only").scalar()) == 1


# --- reads of one statement run by the driver itself (plain_rows) -----------------------------
def _versions_upto() -> sa.Select:
    events = sa.table("events", sa.column("position", sa.BigInteger), sa.column("stream", sa.Text),
                      sa.column("version", sa.BigInteger), sa.column("data", sa.Text))
    return (sa.select(events.c.position, events.c.version, events.c.data, sa.literal(7).label("seven"))
            .where(events.c.stream == sa.bindparam("stream", type_=sa.Text()),
                   events.c.version <= sa.bindparam("upto", type_=sa.Integer()))
            .order_by(events.c.version.desc()).limit(2))


def test_a_postgres_read_by_the_driver_gives_sqlalchemys_rows_read_only_and_leaves_a_transactional_session(pg):
    store, db = pg
    statement = _versions_upto()
    with store.engine.connect() as conn:
        expected = conn.execute(statement, {"stream": "wallet-1", "upto": 2}).all()
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        rows = plain_rows(conn, statement, {"stream": "wallet-1", "upto": 2})
        assert rows is not None and [tuple(row) for row in rows] == [tuple(row) for row in expected]
        assert [row.version for row in rows] == [2, 1] and rows[0]._fields == tuple(expected[0]._fields)
        with pytest.raises(ReadOnlyRefused):  # the statement guard runs on the driver's reads too
            plain_rows(conn, sa.select(sa.func.set_config("default_transaction_read_only", "off", False)), {})
        with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
            plain_rows(conn, sa.select(sa.func.nextval("events_position_seq")), {})
    with store.engine.connect() as conn:
        assert conn.connection.dbapi_connection is raw
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        streamed = conn.execution_options(stream_results=True, yield_per=2).exec_driver_sql(
            "SELECT version FROM events ORDER BY version")
        assert [int(row[0]) for part in streamed.partitions() for row in part] == [1, 2, 3]
    assert _stored_versions(db.writer) == [1, 2, 3]


def test_a_statement_the_driver_prepared_outlives_the_rollback_that_ends_a_streamed_read(pg):
    store, _db = pg
    statement = _versions_upto()
    for _ in range(3):
        with store.engine.connect() as conn:
            assert [row.version for row in plain_rows(conn, statement, {"stream": "wallet-1", "upto": 3}) or []] == [3, 2]
        assert [event.version for event in store.read_for_replay("wallet-1")] == [1, 2, 3]  # in a transaction
    with store.engine.connect() as conn:
        prepared = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
    assert len([text for text in prepared if "LIMIT" in text and "events.version <=" in text]) == 1, prepared


def test_a_postgres_connection_lost_during_a_read_by_the_driver_is_said_and_the_next_read_works(pg):
    store, db = pg
    with store.engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with db.writer.connect() as writer:
        assert writer.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").scalar() is True
    with pytest.raises(ConnectionLost):  # the session died after it was handed out: the read says so
        with store._connect() as conn:
            with db.writer.connect() as writer:  # killed again, now while it is held
                pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
                writer.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
                for _ in range(10_000):  # until the server shows the session gone (bounded)
                    if not writer.exec_driver_sql(f"SELECT count(*) FROM pg_stat_activity WHERE pid = {int(pid)}").scalar():
                        break
            plain_rows(conn, _versions_upto(), {"stream": "wallet-1", "upto": 3})
    with store._connect() as conn:
        assert [row.version for row in plain_rows(conn, _versions_upto(), {"stream": "wallet-1", "upto": 3}) or []] == [3, 2]


def test_a_short_span_of_a_postgres_stream_is_read_at_once_and_a_whole_stream_streamed(pg):
    """After a snapshot a replay reads a span of at most FOLD_BATCH versions: one bounded statement
    fetched at once (one round trip); a read from the stream's start keeps its server-side cursor."""
    store, _db = pg
    cursors: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda _conn, cursor, *_rest: cursors.append(type(cursor).__name__))
    assert [event.version for event in store.read_for_replay("wallet-1", after=1, upto=3)] == [2, 3]
    assert cursors and "ServerCursor" not in cursors, cursors
    cursors.clear()
    assert [event.version for event in store.read_for_replay("wallet-1")] == [1, 2, 3]
    assert "ServerCursor" in cursors, cursors
