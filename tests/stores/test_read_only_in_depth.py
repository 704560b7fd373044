"""Read-only in depth: the escapes that turn a read-only connection writable are refused.

SQLite: an authorizer on every connection the inspector opens denies writes, ATTACH and pragma
changes, and cannot be removed; WAL sidecars the inspector caused are removed again. PostgreSQL
and MariaDB: statements that would switch the session to read-write (or write large objects)
are refused, a pooled session switched through the driver is read-only again when handed out,
and ``info`` says whether the connected role could write. Each escape: refused, store unchanged.
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from inspector.cli import main
from inspector.stores import StoreError, open_store
from inspector.stores.connect import ReadOnlyRefused

from .servers import scratch_database
from .test_server_contract import GENERIC_MYSQL_DDL, GENERIC_PG_DDL

EVENTS = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "data")))
SQLITE_DDL = (
    "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT, "
    "recorded_at TEXT, data TEXT, metadata TEXT)"
)


def _fill(writer: sa.Engine, ddl: str) -> None:
    with writer.begin() as conn:
        for statement in ddl.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        for version in (1, 2, 3):
            conn.execute(EVENTS.insert().values(stream="wallet-1", version=version, type="Granted", data="{}"))


def _rows(writer: sa.Engine) -> list[tuple]:
    with writer.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql("SELECT stream, version, type FROM events ORDER BY version")]


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- SQLite --------------------------------------------------------------------------------
@pytest.fixture
def sqlite_store(tmp_path):
    path = tmp_path / "store.db"
    writer = sqlite3.connect(path)
    writer.execute(SQLITE_DDL)
    writer.executemany("INSERT INTO events (stream, version, type, data) VALUES ('wallet-1', ?, 'Granted', '{}')",
                       [(1,), (2,), (3,)])
    writer.commit()
    writer.close()
    before = _digest(path)
    store = open_store(str(path))
    yield store, path, before
    store.close()


def test_query_only_off_then_attach_of_the_same_file_is_refused_and_the_sqlite_store_unchanged(sqlite_store):
    store, path, before = sqlite_store
    with store.engine.connect() as conn:
        with pytest.raises(sa.exc.DatabaseError, match="not authorized"):
            conn.exec_driver_sql("PRAGMA query_only = OFF")
        with pytest.raises(sa.exc.DatabaseError, match="not authorized"):
            conn.exec_driver_sql(f"ATTACH DATABASE '{path}' AS again")
        with pytest.raises(sa.exc.DatabaseError, match="not authorized"):
            conn.exec_driver_sql("INSERT INTO events (stream, version, type) VALUES ('wallet-1', 4, 'Forged')")
        assert conn.exec_driver_sql("PRAGMA query_only").scalar() == 1
    assert _digest(path) == before
    assert [e.version for e in store.read_stream("wallet-1")] == [1, 2, 3]


def test_attach_of_memory_and_temp_tables_are_refused_on_sqlite(sqlite_store):
    store, path, before = sqlite_store
    with store.engine.connect() as conn:
        for statement in ("ATTACH DATABASE ':memory:' AS scratch", "CREATE TEMP TABLE scratch (x)",
                          "PRAGMA journal_mode = DELETE", "PRAGMA writable_schema = ON", "PRAGMA wal_checkpoint"):
            with pytest.raises(sa.exc.DatabaseError, match="not authorized"):
                conn.exec_driver_sql(statement)
    assert _digest(path) == before


def test_the_sqlite_guard_cannot_be_removed_by_code_holding_the_driver_connection(sqlite_store):
    store, path, before = sqlite_store
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        with pytest.raises(ReadOnlyRefused):
            raw.set_authorizer(None)
        with pytest.raises(ReadOnlyRefused):
            raw.enable_load_extension(True)
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            raw.execute("PRAGMA query_only = OFF")
    # the same pooled connection, handed out again, is still guarded
    with store.engine.connect() as conn:
        assert conn.connection.dbapi_connection is raw
        with pytest.raises(sa.exc.DatabaseError, match="not authorized"):
            conn.exec_driver_sql("DELETE FROM events")
    assert _digest(path) == before


def test_the_sqlite_guard_still_lets_the_inspector_read_the_schema_and_check_itself(sqlite_store):
    store, _path, _before = sqlite_store
    info = store.describe()
    assert info.read_only is True and info.events == 3
    assert info.role_can_write is None  # no roles: nothing a caller could switch back on


def _wal_store(tmp_path):
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path)
    assert writer.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    writer.execute(SQLITE_DDL)
    writer.execute("INSERT INTO events (stream, version, type, data) VALUES ('wallet-1', 1, 'Granted', '{}')")
    writer.commit()
    writer.close()
    return path


def test_a_wal_mode_store_read_and_closed_leaves_nothing_new_beside_it(tmp_path):
    path = _wal_store(tmp_path)
    listing = sorted(p.name for p in tmp_path.iterdir())
    assert listing == ["wal.db"]
    before = _digest(path)
    mtime = path.stat().st_mtime_ns
    store = open_store(str(path))
    assert [e.version for e in store.read_stream("wallet-1")] == [1]
    assert store.describe().events == 1
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    assert _digest(path) == before and path.stat().st_mtime_ns == mtime


def test_a_wal_mode_store_a_writer_holds_open_keeps_its_wal_files_and_the_writer_goes_on(tmp_path):
    path = _wal_store(tmp_path)
    writer = sqlite3.connect(path)
    writer.execute("INSERT INTO events (stream, version, type, data) VALUES ('wallet-1', 2, 'Granted', '{}')")
    writer.commit()
    with_writer = sorted(p.name for p in tmp_path.iterdir())
    assert with_writer == ["wal.db", "wal.db-shm", "wal.db-wal"]
    store = open_store(str(path))
    assert [e.version for e in store.read_stream("wallet-1")] == [1, 2]
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == with_writer  # not ours to remove
    writer.execute("INSERT INTO events (stream, version, type, data) VALUES ('wallet-1', 3, 'Granted', '{}')")
    writer.commit()
    assert [row[0] for row in writer.execute("SELECT version FROM events ORDER BY version")] == [1, 2, 3]
    writer.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wal.db"]  # the writer's close removed them


# --- PostgreSQL ----------------------------------------------------------------------------
@pytest.fixture
def pg(postgres_url):
    db = scratch_database(postgres_url, "readonly")
    _fill(db.writer, GENERIC_PG_DDL)
    store = open_store(db.url)
    yield store, db
    store.close()
    db.drop()


def _large_objects(writer: sa.Engine) -> int:
    with writer.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM pg_largeobject_metadata").scalar()


@pytest.mark.parametrize("escape", [
    "SET TRANSACTION READ WRITE",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    "SET default_transaction_read_only = off",
    "SET transaction_read_only TO off",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "BEGIN READ WRITE",
])
def test_switching_a_postgres_session_to_read_write_is_refused_and_the_store_unchanged(pg, escape):
    store, db = pg
    before = _rows(db.writer)
    with store.engine.connect() as conn:
        with pytest.raises(ReadOnlyRefused, match="read-only"):
            conn.exec_driver_sql(escape)
        conn.rollback()
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
            conn.execute(EVENTS.insert().values(stream="wallet-1", version=4, type="Forged", data="{}"))
    assert _rows(db.writer) == before


@pytest.mark.parametrize("call", ["SELECT lo_create(0)", "SELECT lo_creat(-1)", "SELECT lo_unlink({oid})",
                                  "SELECT lo_from_bytea(0, '\\x00')"])
def test_large_objects_are_neither_created_nor_unlinked_through_a_postgres_read_only_session(pg, call):
    store, db = pg
    with db.writer.begin() as conn:
        oid = conn.exec_driver_sql("SELECT lo_create(0)").scalar()
    before = _large_objects(db.writer)
    with store.engine.connect() as conn:
        with pytest.raises(ReadOnlyRefused, match="could write"):
            conn.exec_driver_sql(call.format(oid=oid))
    assert _large_objects(db.writer) == before


def test_a_postgres_session_switched_through_the_driver_is_read_only_again_when_handed_out(pg):
    store, db = pg
    before = _rows(db.writer)
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        raw.rollback()
        raw.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
        raw.commit()
        assert raw.execute("SHOW default_transaction_read_only").fetchone()[0] == "off"
    with store.engine.connect() as conn:
        assert conn.connection.dbapi_connection is raw  # the same pooled session
        assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        assert conn.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
        with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
            conn.execute(EVENTS.insert().values(stream="wallet-1", version=4, type="Forged", data="{}"))
    assert _rows(db.writer) == before


def test_info_says_a_postgres_superuser_could_write(pg, capsys):
    store, db = pg
    info = store.describe()
    assert info.read_only is True and info.role_can_write is True and "superuser" in info.role_note
    assert info.to_json()["role_can_write"] is True
    assert main(["info", db.url]) == 0
    assert "role:      could write" in capsys.readouterr().out


def test_info_says_a_postgres_read_only_role_cannot_write_and_the_driver_cannot_make_it(pg, capsys):
    store, db = pg
    role = f"insp_reader_{uuid.uuid4().hex[:8]}"
    name = make_url(db.url).database
    with db.writer.begin() as conn:  # the README's read-only role
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{name}" TO "{role}"')
        conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        conn.exec_driver_sql(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    url = make_url(db.url).set(username=role).render_as_string(hide_password=False)
    reader = open_store(url)
    try:
        info = reader.describe()
        assert info.role_can_write is False and role in info.role_note
        assert main(["info", url, "--json"]) == 0
        assert '"role_can_write": false' in capsys.readouterr().out
        with reader.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            raw.rollback()
            raw.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
            raw.commit()
            with pytest.raises(Exception, match="permission denied"):
                raw.execute("INSERT INTO events (stream, version, type) VALUES ('wallet-1', 4, 'Forged')")
            raw.rollback()
        assert [e.version for e in reader.read_stream("wallet-1")] == [1, 2, 3]
    finally:
        reader.close()
        with db.writer.begin() as conn:
            conn.exec_driver_sql(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"')
            conn.exec_driver_sql(f'REVOKE ALL ON SCHEMA public FROM "{role}"')
            conn.exec_driver_sql(f'REVOKE ALL ON DATABASE "{name}" FROM "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
    assert _rows(db.writer) == [("wallet-1", 1, "Granted"), ("wallet-1", 2, "Granted"), ("wallet-1", 3, "Granted")]


# --- MariaDB -------------------------------------------------------------------------------
@pytest.fixture
def maria(mysql_url):
    db = scratch_database(mysql_url, "readonly")
    _fill(db.writer, GENERIC_MYSQL_DDL)
    store = open_store(db.url)
    yield store, db
    store.close()
    db.drop()


@pytest.mark.parametrize("escape", [
    "SET SESSION TRANSACTION READ WRITE",
    "SET TRANSACTION READ WRITE",
    "SET SESSION tx_read_only = 0",
    "SET @@session.transaction_read_only = OFF",
    "START TRANSACTION READ WRITE",
    "SELECT 1 INTO OUTFILE '/tmp/inspector-outfile'",
])
def test_switching_a_mariadb_session_to_read_write_is_refused_and_the_store_unchanged(maria, escape):
    store, db = maria
    before = _rows(db.writer)
    with store.engine.connect() as conn:
        with pytest.raises(ReadOnlyRefused, match="read-only"):
            conn.exec_driver_sql(escape)
        conn.rollback()
        assert int(conn.exec_driver_sql("SELECT @@session.tx_read_only").scalar()) == 1
        with pytest.raises(sa.exc.DBAPIError, match="(?i)read.only"):
            conn.execute(EVENTS.insert().values(stream="wallet-1", version=4, type="Forged", data="{}"))
    assert _rows(db.writer) == before


def test_a_mariadb_session_switched_through_the_driver_is_read_only_again_when_handed_out(maria):
    store, db = maria
    before = _rows(db.writer)
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION READ WRITE")
            cursor.execute("SELECT @@session.tx_read_only")
            assert int(cursor.fetchone()[0]) == 0
    with store.engine.connect() as conn:
        assert conn.connection.dbapi_connection is raw
        assert int(conn.exec_driver_sql("SELECT @@session.tx_read_only").scalar()) == 1
        with pytest.raises(sa.exc.DBAPIError, match="(?i)read.only"):
            conn.execute(EVENTS.insert().values(stream="wallet-1", version=4, type="Forged", data="{}"))
    assert _rows(db.writer) == before


def test_info_says_a_mariadb_root_could_write(maria, capsys):
    store, db = maria
    info = store.describe()
    assert info.read_only is True and info.role_can_write is True and "ALL PRIVILEGES" in info.role_note
    assert main(["info", db.url]) == 0
    assert "role:      could write" in capsys.readouterr().out


def test_info_says_a_mariadb_select_only_user_cannot_write_and_the_driver_cannot_make_it(maria):
    store, db = maria
    user = f"insp_reader_{uuid.uuid4().hex[:8]}"
    name = make_url(db.url).database
    with db.writer.begin() as conn:  # the README's read-only user
        conn.exec_driver_sql(f"CREATE USER '{user}'@'%%' IDENTIFIED BY 'reader-pw'")
        conn.exec_driver_sql(f"GRANT SELECT, SHOW VIEW ON `{name}`.* TO '{user}'@'%%'")
    url = make_url(db.url).set(username=user, password="reader-pw").render_as_string(hide_password=False)
    reader = open_store(url)
    try:
        info = reader.describe()
        assert info.role_can_write is False, info.role_note
        with reader.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            with raw.cursor() as cursor:
                cursor.execute("SET SESSION TRANSACTION READ WRITE")
                with pytest.raises(Exception, match="(?i)denied"):
                    cursor.execute("INSERT INTO events (stream, version, type) VALUES ('wallet-1', 4, 'Forged')")
        assert [e.version for e in reader.read_stream("wallet-1")] == [1, 2, 3]
    finally:
        reader.close()
        with db.writer.begin() as conn:
            conn.exec_driver_sql(f"DROP USER '{user}'@'%%'")
    assert _rows(db.writer) == [("wallet-1", 1, "Granted"), ("wallet-1", 2, "Granted"), ("wallet-1", 3, "Granted")]


def test_a_refused_escape_reads_as_one_store_error_line(maria):
    store, _db = maria
    with store.engine.connect() as conn:
        with pytest.raises(StoreError) as refused:
            conn.exec_driver_sql("SET SESSION TRANSACTION READ WRITE")
    assert "\n" not in str(refused.value) and "READ WRITE" in str(refused.value)
