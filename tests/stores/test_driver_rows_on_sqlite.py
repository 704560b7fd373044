"""A bounded read on SQLite fetched by the driver itself (``plain_rows``): the same rows, by
name and place, as SQLAlchemy gives; left to SQLAlchemy where it would convert values and on
MariaDB; read-only by the connection's own rules; seen by the engine's statement listeners; a
driver error is SQLAlchemy's error, which a store reports as one line naming it."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from inspector.stores import StoreError
from inspector.stores.connect import plain_rows, server_read_only_engine, sqlite_read_only_engine

EVENTS = sa.Table(
    "events", sa.MetaData(),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("stream", sa.Text),
    sa.Column("version", sa.Integer),
    sa.Column("state", sa.LargeBinary),
    sa.Column("note", sa.Text),
    sa.Column("at", sa.DateTime),
)


@pytest.fixture
def store_file(tmp_path):
    path = tmp_path / "store.db"
    writer = sqlite3.connect(path)
    writer.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, state BLOB, "
                   "note TEXT, at TEXT)")
    writer.executemany("INSERT INTO events (stream, version, state, note, at) VALUES (?, ?, ?, ?, ?)", [
        ("wallet-1", 1, b'{"amount": 1}', "plain", "2026-01-01 00:00:00"),
        ("wallet-1", 2, b'{"amount": 2}', None, "2026-01-02 00:00:00"),
        ("wallet-2", 1, b"\x00\xff", "other", "2026-01-03 00:00:00"),
    ])
    writer.execute("UPDATE events SET note = CAST(X'6361ff' AS TEXT) WHERE version = 2")  # not UTF-8
    writer.commit()
    writer.close()
    return path


def _newest_first(stream_param: str = "stream") -> sa.Select:
    return (sa.select(EVENTS.c.position, sa.bindparam("shown", type_=sa.Text()).label("shown"), EVENTS.c.version,
                      EVENTS.c.state, EVENTS.c.note, sa.literal(7).label("seven"))
            .where(EVENTS.c.stream == sa.bindparam(stream_param, type_=sa.Text()),
                   EVENTS.c.version <= sa.bindparam("upto", type_=sa.Integer()))
            .order_by(EVENTS.c.version.desc()).limit(5))


def test_the_drivers_rows_are_sqlalchemys_by_name_and_place(store_file):
    engine = sqlite_read_only_engine(store_file)
    statement = _newest_first()
    for values in ({"shown": "W1", "stream": "wallet-1", "upto": 2}, {"shown": "W2", "stream": "wallet-2", "upto": 9},
                   {"shown": "none", "stream": "wallet-9", "upto": 9}):
        with engine.connect() as conn:
            expected = conn.execute(statement, values).all()
        with engine.connect() as conn:
            rows = plain_rows(conn, statement, values)
        assert rows is not None
        assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
        pooled_alone = plain_rows(engine, statement, values)  # the pooled driver connection, no SQLAlchemy one
        assert pooled_alone == rows and [row._fields for row in pooled_alone or []] == [row._fields for row in rows]
        assert [row._fields for row in rows] == [tuple(row._fields) for row in expected]
        for row, want in zip(rows, expected):
            assert (row.position, row.shown, row.version, row.state, row.note, row.seven) == \
                   (want.position, want.shown, want.version, want.state, want.note, want.seven)
    with engine.connect() as conn:
        rows = plain_rows(conn, statement, {"shown": "W1", "stream": "wallet-1", "upto": 2})
    assert rows is not None and rows[0].note == b"ca\xff"  # text that is not UTF-8 arrives as bytes, as it does anyway
    engine.dispose()


def test_a_column_sqlalchemy_converts_is_read_through_sqlalchemy(store_file):
    engine = sqlite_read_only_engine(store_file)
    with_time = sa.select(EVENTS.c.position, EVENTS.c.at).where(EVENTS.c.stream == sa.bindparam("stream"))
    with engine.connect() as conn:
        assert plain_rows(conn, with_time, {"stream": "wallet-1"}) is None
    engine.dispose()


def test_a_mariadb_engine_is_read_through_sqlalchemy(mysql_url):
    engine = server_read_only_engine(mysql_url)
    with engine.connect() as conn:
        assert plain_rows(conn, _newest_first(), {"shown": "W1", "stream": "wallet-1", "upto": 2}) is None
    engine.dispose()


def test_a_postgres_engine_without_a_connection_is_read_through_one_and_its_guard(postgres_url):
    engine = server_read_only_engine(postgres_url)
    assert plain_rows(engine, _newest_first(), {"shown": "W1", "stream": "wallet-1", "upto": 2}) is None
    engine.dispose()


def test_the_engines_statement_listeners_see_the_drivers_read(store_file):
    engine = sqlite_read_only_engine(store_file)
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_rest: seen.append(statement))
    with engine.connect() as conn:
        assert plain_rows(conn, _newest_first(), {"shown": "W1", "stream": "wallet-1", "upto": 2}) is not None
    assert len(seen) == 1 and seen[0].startswith("SELECT events.position")
    engine.dispose()


def test_the_drivers_read_is_read_only_by_the_connections_own_rules(store_file):
    engine = sqlite_read_only_engine(store_file)
    before = store_file.read_bytes()
    # the authorizer of the inspector's connections is in force: it refuses even a pragma read as a
    # table, which a plain SQLite connection answers
    pragma = sa.select(sa.column("query_only")).select_from(sa.table("pragma_query_only"))
    plain = sqlite3.connect(store_file)
    assert plain.execute(str(pragma.compile(dialect=engine.dialect))).fetchall() == [(0,)]
    plain.close()
    with engine.connect() as conn:
        with pytest.raises(sa.exc.DBAPIError, match="not authorized"):
            plain_rows(conn, pragma, {})
        with pytest.raises(sa.exc.DBAPIError, match="not authorized"):
            plain_rows(conn, sa.select(sa.func.load_extension("evil")), {})
    with pytest.raises(sa.exc.DBAPIError, match="not authorized"):
        plain_rows(engine, pragma, {})
    engine.dispose()
    assert store_file.read_bytes() == before


def test_a_driver_error_reads_as_one_store_error_line_naming_the_store(tmp_path):
    from inspector.stores import open_store

    path = tmp_path / "generic.db"
    writer = sqlite3.connect(path)
    writer.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                   "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    writer.execute("INSERT INTO events (stream, version, type, data) VALUES ('wallet-1', 1, 'Granted', '{}')")
    writer.commit()
    writer.close()
    store = open_store(str(path))  # the driver's error reaches the store as SQLAlchemy's would
    missing = sa.select(sa.table("no_such_table", sa.column("x")).c.x)
    with pytest.raises(StoreError) as failed:
        with store._connect() as conn:
            plain_rows(conn, missing, {})
    assert str(failed.value).startswith(f"{store.location}: ") and "no_such_table" in str(failed.value)
    assert "\n" not in str(failed.value)
    store.close()
