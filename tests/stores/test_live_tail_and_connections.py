"""Live tail, passwords kept out of sight, and connection loss on the real servers."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from inspector.stores import ConnectionLost, StoreError, open_store
from inspector.stores.tail import LiveTail

from .servers import scratch_database
from .test_server_contract import GENERIC_MYSQL_DDL, GENERIC_PG_DDL

EVENTS = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "data", "metadata")))


def _create(writer: sa.Engine, ddl: str) -> None:
    with writer.begin() as conn:
        for statement in ddl.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        conn.execute(EVENTS.insert().values(stream="wallet-1", version=1, type="Opened", data="{}"))


def _append(writer: sa.Engine, version: int) -> None:
    with writer.begin() as conn:
        conn.execute(EVENTS.insert().values(stream="wallet-1", version=version, type="CreditsGranted",
                                            data='{"amount": %d}' % version))


def _tail_sees_a_write_from_another_connection_at_its_next_poll(store, write) -> None:
    """The window polls about once a second: a row committed elsewhere shows at the next poll
    (no snapshot or cache of the store's own connection hides it)."""
    tail = LiveTail(store)
    assert tail.poll() == []
    written = threading.Thread(target=write, args=(2,))  # another thread, another connection
    written.start()
    written.join()
    seen = tail.poll()
    assert [(e.stream, e.version, e.data) for e in seen] == [("wallet-1", 2, {"amount": 2})]
    assert tail.poll() == []  # nothing already shown is delivered again
    write(3)
    write(4)
    assert [e.version for e in tail.poll()] == [3, 4]


@pytest.fixture
def pg_store(postgres_url):
    db = scratch_database(postgres_url, "tail")
    _create(db.writer, GENERIC_PG_DDL)
    store = open_store(db.url)
    yield store, db
    store.close()
    db.drop()


@pytest.fixture
def mysql_store(mysql_url):
    db = scratch_database(mysql_url, "tail")
    _create(db.writer, GENERIC_MYSQL_DDL)
    store = open_store(db.url)
    yield store, db
    store.close()
    db.drop()


def test_live_tail_on_sqlite_sees_new_events_only(tmp_path):
    path = tmp_path / "tail.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    _create(writer, GENERIC_PG_DDL.replace("bigserial PRIMARY KEY", "INTEGER PRIMARY KEY")
            .replace("timestamptz", "text").replace("jsonb", "text"))
    store = open_store(str(path))
    try:
        _tail_sees_a_write_from_another_connection_at_its_next_poll(store, lambda v: _append(writer, v))
    finally:
        store.close()
        writer.dispose()


def test_live_tail_on_postgres_sees_a_write_at_its_next_poll(pg_store):
    store, db = pg_store
    _tail_sees_a_write_from_another_connection_at_its_next_poll(store, lambda v: _append(db.writer, v))


def test_live_tail_on_mariadb_sees_a_write_at_its_next_poll(mysql_store):
    store, db = mysql_store
    _tail_sees_a_write_from_another_connection_at_its_next_poll(store, lambda v: _append(db.writer, v))


def test_live_tail_lookback_catches_a_late_commit_of_a_lower_position(tmp_path):
    path = tmp_path / "late.db"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT, data TEXT);"
                     "INSERT INTO events VALUES (1, 's-1', 1, 'A', '{}'), (3, 's-1', 3, 'A', '{}');")
    db.commit()
    store = open_store(str(path))
    tail = LiveTail(store, lookback=10)
    assert tail.position == 3 and tail.poll() == []
    db.execute("INSERT INTO events VALUES (2, 's-1', 2, 'A', '{}')")  # a sequence number committed late
    db.commit()
    assert [e.position for e in tail.poll()] == [2]
    assert tail.poll() == []
    store.close()
    db.close()


# --- passwords -----------------------------------------------------------------------------
SECRET = "Sup3r-Secret-pw"


def test_a_wrong_password_error_never_shows_the_password(mysql_url, caplog):
    url = make_url(mysql_url).set(password=SECRET).render_as_string(hide_password=False)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StoreError) as failed:
        open_store(url)
    message = str(failed.value)
    assert SECRET not in message and "\n" not in message
    assert "***" in message
    assert SECRET not in caplog.text


def test_a_password_from_the_environment_is_used_and_never_shown(postgres_url, monkeypatch, caplog):
    db = scratch_database(postgres_url, "pw")
    _create(db.writer, GENERIC_PG_DDL)
    try:
        monkeypatch.setenv("PGPASSWORD", SECRET)
        caplog.set_level(logging.DEBUG)
        store = open_store(db.url)
        info = store.describe()
        assert SECRET not in info.location and SECRET not in repr(info) and SECRET not in str(info.to_json())
        assert store.engine.url.password == SECRET  # it was used to connect
        store.close()
        with_password = make_url(db.url).set(password=SECRET).render_as_string(hide_password=False)
        store = open_store(with_password)
        assert SECRET not in store.describe().location and "***" in store.describe().location
        store.close()
        with pytest.raises(StoreError) as failed:
            open_store(with_password.rsplit("/", 1)[0] + "/no_such_database_here")
        assert SECRET not in str(failed.value)
        assert SECRET not in caplog.text
    finally:
        db.drop()


# --- connection loss -------------------------------------------------------------------------
def _kill_while_in_flight(store, slow_query, own_id_query: str, kill, running) -> None:
    """Run a slow query through the adapter; once the server shows its session running it, kill
    that session from another connection. The query would end normally after its own sleep: a
    ConnectionLost means the kill interrupted it and the adapter said so at once."""
    with store.engine.connect() as conn:
        session_id = conn.exec_driver_sql(own_id_query).scalar()
    # the pool hands the same connection back to the next call
    killed = []

    def kill_once_running() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # waits on the server's state, not on a guess
            if running(session_id):
                kill(session_id)
                killed.append(session_id)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_once_running)
    killer.start()
    with pytest.raises(ConnectionLost) as lost:
        store._rows(slow_query)
    killer.join()
    assert killed == [session_id]  # killed while its query ran in the server
    message = str(lost.value)
    assert "\n" not in message and "lost" in message


def test_postgres_connection_killed_mid_query_raises_connection_lost_then_reconnects(pg_store):
    store, db = pg_store

    def kill(pid):
        with db.writer.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")

    def running(pid):
        with db.writer.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %(pid)s AND state = 'active' "
                "AND query LIKE '%%pg_sleep%%'", {"pid": int(pid)}).scalar() == 1

    _kill_while_in_flight(store, sa.select(sa.func.pg_sleep(5)), "SELECT pg_backend_pid()", kill, running)
    assert [s.stream for s in store.streams()] == ["wallet-1"]
    # killed while idle in the pool: the next call just works (pre-ping)
    with store.engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    kill(pid)
    assert store.latest_position() == 1


def test_mariadb_connection_killed_mid_query_raises_connection_lost_then_reconnects(mysql_store):
    store, db = mysql_store

    def kill(session_id):
        with db.writer.connect() as conn:
            conn.exec_driver_sql(f"KILL {int(session_id)}")

    def running(session_id):
        with db.writer.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = %(id)s AND COMMAND = 'Query' "
                "AND INFO LIKE '%%sleep%%'", {"id": int(session_id)}).scalar() == 1

    _kill_while_in_flight(store, sa.select(sa.func.sleep(5)), "SELECT CONNECTION_ID()", kill, running)
    assert [s.stream for s in store.streams()] == ["wallet-1"]
    with store.engine.connect() as conn:
        session_id = conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
    kill(session_id)
    assert store.latest_position() == 1
