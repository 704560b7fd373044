"""The stores the replay matrix measures: one per layout x engine, each holding one stream per size.

Every combo knows how to build its store (with its library's own DDL, or with the
``eventsourcing`` library itself), how to find the streams already there (so a second
run reuses them), and its *floor*: the bare driver (sqlite3, psycopg, pymysql or a file
read) fetching the stream's payload column in version order, plus ``orjson.loads`` of each
payload, nothing else. Server stores live in one database per combo, ``insp_bench_<combo>``,
written through a writable connection of this module's own; the inspector only reads them.

Payloads are a small deposit, ``{"amount", "note", "counter", "currency"}``, in the layout's
own envelope (EventSauce headers, Axon bytes, eventsourcing's transcoded ``state``).
"""

from __future__ import annotations

import sqlite3
import sys
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
NOTES = ["top-up", "refund", "promo", "salary", "transfer", "interest"]
START_EPOCH = 1767225600  # 2026-01-01T00:00:00Z


@dataclass
class StreamRef:
    """One benchmark stream: the name the inspector shows, the key the floor query binds, its versions."""

    size: int
    name: str
    key: Any
    first_version: int = 1

    @property
    def last_version(self) -> int:
        return self.first_version + self.size - 1


@dataclass
class Context:
    data: Path
    postgres_url: str
    mariadb_url: str


@dataclass
class Combo:
    name: str  # e.g. "marten/postgresql"
    layout: str
    engine: str  # sqlite | postgresql | mariadb | file
    #: builds the store for these sizes (from scratch) and returns its streams
    build: Callable[[Context, list[int]], dict[int, StreamRef]]
    #: the streams already stored, by size ({} when the store is missing)
    existing: Callable[[Context], dict[int, StreamRef]]
    #: the fetch-and-decode floor for one stream; returns the number of payloads decoded
    floor: Callable[[Context, StreamRef], int]
    #: what ``open_store`` is given (path or URL) for the stream of this size
    target: Callable[[Context, int], str]
    #: eventsourcing combos: the library application's env, for repository.get
    library_env: Callable[[Context], dict[str, str]] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.name.replace("/", "_").replace("-", "_")


# --- helpers ------------------------------------------------------------------------------------
def _stream_uuid(layout: str, size: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"inspector-bench/{layout}/{size}")


def _database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _recreate_database(server_url: str, name: str) -> sa.Engine:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if admin.dialect.name == "postgresql":
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        else:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
            conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    admin.dispose()
    return sa.create_engine(_database_url(server_url, name))


def _server_counts(server_url: str, name: str, sql: str) -> list[tuple]:
    """Rows of ``sql`` in database ``name``, or [] when the database or table is missing."""
    engine = sa.create_engine(_database_url(server_url, name))
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.exec_driver_sql(sql)]
    except sa.exc.DBAPIError:
        return []
    finally:
        engine.dispose()


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def _pg_connect(url: str):
    import psycopg

    u = make_url(url)
    return psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                           password=u.password or "", dbname=u.database)


def _my_connect(url: str):
    import pymysql

    u = make_url(url)
    return pymysql.connect(host=u.host or "127.0.0.1", port=u.port or 3306, user=u.username or "root",
                           password=u.password or "", database=u.database)


def _floor_rows(rows) -> int:
    count = 0
    loads = orjson.loads
    for (payload,) in rows:
        loads(payload)
        count += 1
    return count


def _pg_floor(server_url: str, database: str, sql: str):
    def floor(ctx: Context, ref: StreamRef) -> int:
        conn = _pg_connect(_database_url(getattr(ctx, server_url), database))
        try:
            with conn.cursor() as cur:
                cur.execute(sql, (ref.key,))
                return _floor_rows(cur.fetchall())
        finally:
            conn.close()

    return floor


def _my_floor(database: str, sql: str):
    def floor(ctx: Context, ref: StreamRef) -> int:
        conn = _my_connect(_database_url(ctx.mariadb_url, database))
        try:
            with conn.cursor() as cur:
                cur.execute(sql, (ref.key,))
                return _floor_rows(cur.fetchall())
        finally:
            conn.close()

    return floor


def _sqlite_floor(filename: str, sql: str):
    def floor(ctx: Context, ref: StreamRef) -> int:
        conn = sqlite3.connect(f"file:{ctx.data / filename}?mode=ro", uri=True)
        try:
            return _floor_rows(conn.execute(sql, (ref.key,)))
        finally:
            conn.close()

    return floor


def _note_sql(i: str) -> str:
    """SQL for NOTES[i % 6] (portable CASE)."""
    whens = " ".join(f"WHEN {n} THEN '{note}'" for n, note in enumerate(NOTES))
    return f"(CASE MOD({i}, 6) {whens} END)"


# --- generic ------------------------------------------------------------------------------------
GENERIC_SQLITE_DDL = """
CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT NOT NULL,
                     recorded_at TEXT, data TEXT, metadata TEXT);
CREATE INDEX events_stream_version ON events (stream, version);
"""


def _generic_sqlite_build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
    path = ctx.data / "generic.sqlite.db"
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.create_function("MOD", 2, lambda a, b: a % b, deterministic=True)  # the writer's own, not stored
    conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + GENERIC_SQLITE_DDL)
    note = _note_sql("i")
    for size in sizes:
        conn.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO events (stream, version, type, recorded_at, data, metadata)
            SELECT 'account-' || ?, i, 'Deposited', strftime('%Y-%m-%dT%H:%M:%fZ', {START_EPOCH} + i, 'unixepoch'),
                   json_object('amount', MOD(i * 7919, 100) + 1, 'note', {note}, 'counter', i, 'currency', 'EUR'),
                   json_object('actor', 'user' || MOD(i, 17), 'correlation_id', 'c' || (i / 5))
            FROM n
            """,
            (size, size),
        )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return {size: StreamRef(size, f"account-{size}", f"account-{size}") for size in sizes}


def _generic_sqlite_existing(ctx: Context) -> dict[int, StreamRef]:
    path = ctx.data / "generic.sqlite.db"
    if not path.exists():
        return {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT stream, count(*) FROM events GROUP BY stream").fetchall()
    except sqlite3.DatabaseError:
        return {}
    finally:
        conn.close()
    return {count: StreamRef(count, stream, stream) for stream, count in rows if stream == f"account-{count}"}


GENERIC_PG_DDL = """
CREATE TABLE events (
    position bigserial PRIMARY KEY,
    stream text NOT NULL,
    version bigint,
    type text,
    recorded_at timestamptz,
    data {data_type},
    metadata jsonb
);
CREATE INDEX events_stream_version ON events (stream, version)
"""


def _generic_pg(data_type: str) -> Combo:
    database = f"insp_bench_generic_{data_type}"

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        writer = _recreate_database(ctx.postgres_url, database)
        with writer.begin() as conn:
            _ddl(conn, GENERIC_PG_DDL.format(data_type=data_type))
            for size in sizes:
                conn.exec_driver_sql(
                    f"""
                    INSERT INTO events (stream, version, type, recorded_at, data, metadata)
                    SELECT 'account-{size}', i, 'Deposited', to_timestamp({START_EPOCH} + i),
                           json_build_object('amount', MOD(i::bigint * 7919, 100) + 1, 'note', {_note_sql('i')},
                                             'counter', i, 'currency', 'EUR')::{data_type},
                           jsonb_build_object('actor', 'user' || MOD(i, 17), 'correlation_id', 'c' || (i / 5))
                    FROM generate_series(1, {size}) AS i
                    """
                )
        with writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE events")
        writer.dispose()
        return {size: StreamRef(size, f"account-{size}", f"account-{size}") for size in sizes}

    def existing(ctx: Context) -> dict[int, StreamRef]:
        rows = _server_counts(ctx.postgres_url, database, "SELECT stream, count(*) FROM events GROUP BY stream")
        return {count: StreamRef(count, stream, stream) for stream, count in rows if stream == f"account-{count}"}

    return Combo(
        f"generic/postgresql-{data_type}", "generic", "postgresql", build, existing,
        _pg_floor("postgres_url", database, "SELECT data::text FROM events WHERE stream = %s ORDER BY version"),
        lambda ctx, size: _database_url(ctx.postgres_url, database),
    )


GENERIC_MARIADB_DDL = """
CREATE TABLE events (
    position bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
    stream varchar(200) NOT NULL,
    version bigint NULL,
    type varchar(200) NULL,
    recorded_at datetime(6) NULL,
    data json NULL,
    metadata json NULL,
    KEY events_stream_version (stream, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
"""


def _generic_mariadb() -> Combo:
    database = "insp_bench_generic_mariadb"

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        writer = _recreate_database(ctx.mariadb_url, database)
        with writer.begin() as conn:
            _ddl(conn, GENERIC_MARIADB_DDL)
            for size in sizes:
                conn.exec_driver_sql(
                    f"""
                    INSERT INTO events (stream, version, type, recorded_at, data, metadata)
                    SELECT 'account-{size}', seq, 'Deposited', TIMESTAMP('2026-01-01') + INTERVAL seq SECOND,
                           JSON_OBJECT('amount', MOD(seq * 7919, 100) + 1, 'note', {_note_sql('seq')},
                                       'counter', seq, 'currency', 'EUR'),
                           JSON_OBJECT('actor', CONCAT('user', MOD(seq, 17)), 'correlation_id', CONCAT('c', seq DIV 5))
                    FROM seq_1_to_{size}
                    """
                )
            conn.exec_driver_sql("ANALYZE TABLE events")
        writer.dispose()
        return {size: StreamRef(size, f"account-{size}", f"account-{size}") for size in sizes}

    def existing(ctx: Context) -> dict[int, StreamRef]:
        rows = _server_counts(ctx.mariadb_url, database, "SELECT stream, count(*) FROM events GROUP BY stream")
        return {count: StreamRef(count, stream, stream) for stream, count in rows if stream == f"account-{count}"}

    return Combo(
        "generic/mariadb", "generic", "mariadb", build, existing,
        _my_floor(database, "SELECT data FROM events WHERE stream = %s ORDER BY version"),
        lambda ctx, size: _database_url(ctx.mariadb_url, database),
    )


# --- eventsourcing (written by the library itself) ------------------------------------------------
def _es_snapshot_interval(size: int) -> int:
    """The library snapshots every size/10 versions, so every stream has ten of them."""
    return max(1, size // 10)


def _es_write(env: dict[str, str], sizes: list[int]) -> None:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from bench_domain import Account, Bank

    app = Bank(env=env)
    for size in sizes:
        app.snapshotting_intervals = {Account: _es_snapshot_interval(size)}
        account = Account("ada")
        for version in range(2, size + 1):
            account.deposit(Decimal((version * 7919) % 100 + 1), NOTES[version % len(NOTES)])
            if version % 10_000 == 0:
                app.save(account)  # the library takes its snapshots here
        app.save(account)
    app.close()


def _es_sqlite() -> Combo:
    filename = "eventsourcing.sqlite.db"

    def env(ctx: Context) -> dict[str, str]:
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(ctx.data / filename)}

    def existing(ctx: Context) -> dict[int, StreamRef]:
        path = ctx.data / filename
        if not path.exists():
            return {}
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT originator_id, count(*) FROM stored_events GROUP BY originator_id").fetchall()
        except sqlite3.DatabaseError:
            return {}
        finally:
            conn.close()
        return {count: StreamRef(count, str(uuid.UUID(hex_id)), hex_id) for hex_id, count in rows}

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        for suffix in ("", "-wal", "-shm"):
            Path(str(ctx.data / filename) + suffix).unlink(missing_ok=True)
        _es_write(env(ctx), sizes)
        return existing(ctx)

    return Combo(
        "eventsourcing/sqlite", "eventsourcing", "sqlite", build, existing,
        _sqlite_floor(filename, "SELECT state FROM stored_events WHERE originator_id = ? ORDER BY originator_version"),
        lambda ctx, size: str(ctx.data / filename), library_env=env,
    )


def _es_postgres() -> Combo:
    database = "insp_bench_eventsourcing"

    def env(ctx: Context) -> dict[str, str]:
        u = make_url(ctx.postgres_url)
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": database,
                "POSTGRES_HOST": u.host or "127.0.0.1", "POSTGRES_PORT": str(u.port or 5432),
                "POSTGRES_USER": u.username or "postgres", "POSTGRES_PASSWORD": u.password or ""}

    def existing(ctx: Context) -> dict[int, StreamRef]:
        rows = _server_counts(ctx.postgres_url, database,
                              "SELECT originator_id, count(*) FROM bank_events GROUP BY originator_id")
        return {count: StreamRef(count, str(key), key) for key, count in rows}

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        _recreate_database(ctx.postgres_url, database).dispose()
        _es_write(env(ctx), sizes)
        return existing(ctx)

    return Combo(
        "eventsourcing/postgresql", "eventsourcing", "postgresql", build, existing,
        _pg_floor("postgres_url", database,
                  "SELECT state FROM bank_events WHERE originator_id = %s ORDER BY originator_version"),
        lambda ctx, size: _database_url(ctx.postgres_url, database), library_env=env,
    )


# --- Marten -------------------------------------------------------------------------------------
MARTEN_DDL = """
CREATE SEQUENCE mt_events_sequence;
CREATE TABLE mt_streams (
  id uuid NOT NULL,
  type varchar NULL,
  version bigint NULL,
  timestamp timestamptz NOT NULL DEFAULT (now()),
  snapshot jsonb, snapshot_version integer,
  created timestamptz NOT NULL DEFAULT (now()),
  tenant_id varchar DEFAULT '*DEFAULT*',
  is_archived bool DEFAULT FALSE,
  PRIMARY KEY (id));
CREATE TABLE mt_events (
  seq_id bigint NOT NULL PRIMARY KEY,
  id uuid NOT NULL,
  stream_id uuid REFERENCES mt_streams(id) ON DELETE CASCADE,
  version bigint NOT NULL,
  data jsonb NOT NULL,
  type varchar(500) NOT NULL,
  timestamp timestamp with time zone NOT NULL DEFAULT (now()),
  tenant_id varchar DEFAULT '*DEFAULT*',
  mt_dotnet_type varchar NULL,
  is_archived bool DEFAULT FALSE);
CREATE UNIQUE INDEX pk_mt_events_stream_and_version ON mt_events (stream_id, version);
CREATE INDEX idx_mt_events_event_type_seq_id ON mt_events (type, seq_id)
"""


def _marten() -> Combo:
    database = "insp_bench_marten"

    def existing(ctx: Context) -> dict[int, StreamRef]:
        rows = _server_counts(ctx.postgres_url, database, "SELECT stream_id, count(*) FROM mt_events GROUP BY stream_id")
        return {count: StreamRef(count, str(key), key) for key, count in rows if key == _stream_uuid("marten", count)}

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        writer = _recreate_database(ctx.postgres_url, database)
        with writer.begin() as conn:
            _ddl(conn, MARTEN_DDL)
            for size in sizes:
                sid = _stream_uuid("marten", size)
                conn.exec_driver_sql(
                    "INSERT INTO mt_streams (id, type, version, timestamp, created) "
                    f"VALUES ('{sid}', 'Bank.Account', {size}, to_timestamp({START_EPOCH + size}), "
                    f"to_timestamp({START_EPOCH}))")
                conn.exec_driver_sql(
                    f"""
                    INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type)
                    SELECT nextval('mt_events_sequence'), gen_random_uuid(), '{sid}', i,
                           jsonb_build_object('Amount', MOD(i::bigint * 7919, 100) + 1, 'Note', {_note_sql('i')},
                                              'Counter', i, 'Currency', 'EUR'),
                           'money_deposited', to_timestamp({START_EPOCH} + i), 'Bank.MoneyDeposited, Bank'
                    FROM generate_series(1, {size}) AS i
                    """
                )
        with writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE mt_events")
        writer.dispose()
        return existing(ctx)

    return Combo(
        "marten/postgresql", "marten", "postgresql", build, existing,
        _pg_floor("postgres_url", database, "SELECT data::text FROM mt_events WHERE stream_id = %s ORDER BY version"),
        lambda ctx, size: _database_url(ctx.postgres_url, database),
    )


# --- Message DB ---------------------------------------------------------------------------------
MESSAGE_DB_SCHEMA = "CREATE SCHEMA message_store"
MESSAGE_DB_CATEGORY = """
CREATE OR REPLACE FUNCTION message_store.category(stream_name varchar) RETURNS varchar AS $$
BEGIN
  RETURN SPLIT_PART(stream_name, '-', 1);
END;
$$ LANGUAGE plpgsql IMMUTABLE
"""
MESSAGE_DB_TABLE = """
CREATE TABLE IF NOT EXISTS message_store.messages (
  global_position bigserial NOT NULL,
  position bigint NOT NULL,
  time TIMESTAMP WITHOUT TIME ZONE DEFAULT (now() AT TIME ZONE 'utc') NOT NULL,
  stream_name text NOT NULL,
  type text NOT NULL,
  data jsonb,
  metadata jsonb,
  id UUID NOT NULL DEFAULT gen_random_uuid()
);
ALTER TABLE message_store.messages ADD PRIMARY KEY (global_position);
CREATE UNIQUE INDEX messages_id ON message_store.messages (id);
CREATE UNIQUE INDEX messages_stream ON message_store.messages (stream_name, position);
CREATE INDEX messages_category ON message_store.messages (
  message_store.category(stream_name), global_position,
  message_store.category(metadata->>'correlationStreamName'))
"""


def _messagedb() -> Combo:
    database = "insp_bench_messagedb"

    def existing(ctx: Context) -> dict[int, StreamRef]:
        rows = _server_counts(ctx.postgres_url, database,
                              "SELECT stream_name, count(*) FROM message_store.messages GROUP BY stream_name")
        return {count: StreamRef(count, name, name, first_version=0) for name, count in rows
                if name == f"account-{count}"}

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        writer = _recreate_database(ctx.postgres_url, database)
        with writer.begin() as conn:
            conn.exec_driver_sql(MESSAGE_DB_SCHEMA)
            conn.exec_driver_sql(MESSAGE_DB_CATEGORY)
            _ddl(conn, MESSAGE_DB_TABLE)
            for size in sizes:
                conn.exec_driver_sql(
                    f"""
                    INSERT INTO message_store.messages (position, time, stream_name, type, data, metadata)
                    SELECT i - 1, to_timestamp({START_EPOCH} + i) AT TIME ZONE 'utc', 'account-{size}', 'Deposited',
                           jsonb_build_object('amount', MOD(i::bigint * 7919, 100) + 1, 'note', {_note_sql('i')},
                                              'counter', i, 'currency', 'EUR'),
                           jsonb_build_object('correlationStreamName', 'ui-' || (i / 5), 'actor', 'user' || MOD(i, 17))
                    FROM generate_series(1, {size}) AS i
                    """
                )
        with writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE message_store.messages")
        writer.dispose()
        return existing(ctx)

    return Combo(
        "messagedb/postgresql", "messagedb", "postgresql", build, existing,
        _pg_floor("postgres_url", database,
                  "SELECT data::text FROM message_store.messages WHERE stream_name = %s ORDER BY position"),
        lambda ctx, size: _database_url(ctx.postgres_url, database),
    )


# --- EventSauce ---------------------------------------------------------------------------------
EVENTSAUCE_TABLE = "bank_messages"
EVENTSAUCE_MYSQL_DDL = f"""
CREATE TABLE IF NOT EXISTS `{EVENTSAUCE_TABLE}` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `event_id` BINARY(16) NOT NULL,
  `aggregate_root_id` BINARY(16) NOT NULL,
  `version` int(20) unsigned NULL,
  `payload` varchar(16001) NOT NULL,
  PRIMARY KEY (`id` ASC),
  KEY `reconstitution` (`aggregate_root_id`, `version` ASC)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci ENGINE=InnoDB
"""
EVENTSAUCE_PG_DDL = f"""
CREATE TABLE IF NOT EXISTS {EVENTSAUCE_TABLE} (
  id bigserial NOT NULL PRIMARY KEY,
  event_id uuid NOT NULL,
  aggregate_root_id uuid NOT NULL,
  version int CHECK (version > 0) NULL,
  payload json NOT NULL);
CREATE INDEX reconstitution ON {EVENTSAUCE_TABLE} (aggregate_root_id, version ASC)
"""


def _eventsauce_mariadb() -> Combo:
    database = "insp_bench_eventsauce_mariadb"

    def existing(ctx: Context) -> dict[int, StreamRef]:
        rows = _server_counts(ctx.mariadb_url, database,
                              f"SELECT aggregate_root_id, count(*) FROM {EVENTSAUCE_TABLE} GROUP BY aggregate_root_id")
        found = {}
        for key, count in rows:
            sid = _stream_uuid("eventsauce", count)
            if bytes(key) == sid.bytes:
                found[count] = StreamRef(count, str(sid), sid.bytes)
        return found

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        writer = _recreate_database(ctx.mariadb_url, database)
        with writer.begin() as conn:
            _ddl(conn, EVENTSAUCE_MYSQL_DDL)
            for size in sizes:
                sid = _stream_uuid("eventsauce", size)
                conn.exec_driver_sql(
                    f"""
                    INSERT INTO {EVENTSAUCE_TABLE} (event_id, aggregate_root_id, version, payload)
                    SELECT UNHEX(REPLACE(u, '-', '')), UNHEX('{sid.hex}'), seq,
                           JSON_OBJECT(
                             'headers', JSON_OBJECT(
                               '__event_id', u, '__event_type', 'bank.events.money_deposited',
                               '__time_of_recording',
                               DATE_FORMAT(TIMESTAMP('2026-01-01') + INTERVAL seq SECOND, '%%Y-%%m-%%d %%H:%%i:%%s.%%f+0000'),
                               '__time_of_recording_format', 'Y-m-d H:i:s.uO',
                               '__aggregate_root_id', '{sid}', '__aggregate_root_id_type', 'bank.account_id',
                               '__aggregate_root_type', 'bank.account', '__aggregate_root_version', seq),
                             'payload', JSON_OBJECT('amount', MOD(seq * 7919, 100) + 1, 'note', {_note_sql('seq')},
                                                    'counter', seq, 'currency', 'EUR'))
                    FROM (SELECT seq, UUID() AS u FROM seq_1_to_{size}) AS s
                    """
                )
            conn.exec_driver_sql(f"ANALYZE TABLE {EVENTSAUCE_TABLE}")
        writer.dispose()
        return existing(ctx)

    return Combo(
        "eventsauce/mariadb", "eventsauce", "mariadb", build, existing,
        _my_floor(database, f"SELECT payload FROM {EVENTSAUCE_TABLE} WHERE aggregate_root_id = %s ORDER BY version"),
        lambda ctx, size: _database_url(ctx.mariadb_url, database),
    )


def _eventsauce_postgres() -> Combo:
    database = "insp_bench_eventsauce_postgresql"

    def existing(ctx: Context) -> dict[int, StreamRef]:
        rows = _server_counts(ctx.postgres_url, database,
                              f"SELECT aggregate_root_id, count(*) FROM {EVENTSAUCE_TABLE} GROUP BY aggregate_root_id")
        return {count: StreamRef(count, str(key), key) for key, count in rows
                if key == _stream_uuid("eventsauce", count)}

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        writer = _recreate_database(ctx.postgres_url, database)
        with writer.begin() as conn:
            _ddl(conn, EVENTSAUCE_PG_DDL)
            for size in sizes:
                sid = _stream_uuid("eventsauce", size)
                conn.exec_driver_sql(
                    f"""
                    INSERT INTO {EVENTSAUCE_TABLE} (event_id, aggregate_root_id, version, payload)
                    SELECT u, '{sid}', i,
                           json_build_object(
                             'headers', json_build_object(
                               '__event_id', u, '__event_type', 'bank.events.money_deposited',
                               '__time_of_recording',
                               to_char(to_timestamp({START_EPOCH} + i) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')
                                 || '+0000',
                               '__time_of_recording_format', 'Y-m-d H:i:s.uO',
                               '__aggregate_root_id', '{sid}', '__aggregate_root_id_type', 'bank.account_id',
                               '__aggregate_root_type', 'bank.account', '__aggregate_root_version', i),
                             'payload', json_build_object('amount', MOD(i::bigint * 7919, 100) + 1, 'note', {_note_sql('i')},
                                                          'counter', i, 'currency', 'EUR'))
                    FROM (SELECT i, gen_random_uuid() AS u FROM generate_series(1, {size}) AS i) AS s
                    """
                )
        with writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM ANALYZE {EVENTSAUCE_TABLE}")
        writer.dispose()
        return existing(ctx)

    return Combo(
        "eventsauce/postgresql", "eventsauce", "postgresql", build, existing,
        _pg_floor("postgres_url", database,
                  f"SELECT payload::text FROM {EVENTSAUCE_TABLE} WHERE aggregate_root_id = %s ORDER BY version"),
        lambda ctx, size: _database_url(ctx.postgres_url, database),
    )


# --- Axon (JDBC engine's DDL, Jackson JSON payloads) ------------------------------------------------
AXON_JDBC_DDL = """
CREATE TABLE IF NOT EXISTS DomainEventEntry (
  globalIndex {serial} NOT NULL,
  aggregateIdentifier VARCHAR(255) NOT NULL,
  sequenceNumber BIGINT NOT NULL,
  type VARCHAR(255),
  eventIdentifier VARCHAR(255) NOT NULL,
  metaData {blob},
  payload {blob} NOT NULL,
  payloadRevision VARCHAR(255),
  payloadType VARCHAR(255) NOT NULL,
  timeStamp VARCHAR(255) NOT NULL,
  PRIMARY KEY (globalIndex),
  UNIQUE (aggregateIdentifier, sequenceNumber),
  UNIQUE (eventIdentifier));
CREATE TABLE IF NOT EXISTS SnapshotEventEntry (
  aggregateIdentifier VARCHAR(255) NOT NULL, sequenceNumber BIGINT NOT NULL,
  type VARCHAR(255) NOT NULL, eventIdentifier VARCHAR(255) NOT NULL,
  metaData {blob}, payload {blob} NOT NULL, payloadRevision VARCHAR(255),
  payloadType VARCHAR(255) NOT NULL, timeStamp VARCHAR(255) NOT NULL,
  PRIMARY KEY (aggregateIdentifier, sequenceNumber), UNIQUE (eventIdentifier))
"""


def _axon_postgres() -> Combo:
    database = "insp_bench_axon_postgresql"

    def existing(ctx: Context) -> dict[int, StreamRef]:
        rows = _server_counts(ctx.postgres_url, database,
                              "SELECT aggregateidentifier, count(*) FROM domainevententry GROUP BY aggregateidentifier")
        return {count: StreamRef(count, key, key, first_version=0) for key, count in rows
                if key == str(_stream_uuid("axon", count))}

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        writer = _recreate_database(ctx.postgres_url, database)
        with writer.begin() as conn:
            _ddl(conn, AXON_JDBC_DDL.format(serial="BIGSERIAL", blob="bytea"))
            for size in sizes:
                sid = _stream_uuid("axon", size)
                conn.exec_driver_sql(
                    f"""
                    INSERT INTO DomainEventEntry (aggregateIdentifier, sequenceNumber, type, eventIdentifier, metaData,
                                                  payload, payloadType, timeStamp)
                    SELECT '{sid}', i - 1, 'Account', gen_random_uuid()::text,
                           convert_to(json_build_object('traceId', 'trace-' || (i / 5), 'correlationId', 'msg-' || i,
                                                        'userId', 'user' || MOD(i, 17))::text, 'UTF8'),
                           convert_to(json_build_object('accountId', '{sid}', 'amount', MOD(i::bigint * 7919, 100) + 1,
                                                        'note', {_note_sql('i')}, 'counter', i,
                                                        'currency', 'EUR')::text, 'UTF8'),
                           'com.acme.bank.MoneyDeposited',
                           to_char(to_timestamp({START_EPOCH} + i) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                    FROM generate_series(1, {size}) AS i
                    """
                )
        with writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE domainevententry")
        writer.dispose()
        return existing(ctx)

    return Combo(
        "axon/postgresql", "axon", "postgresql", build, existing,
        _pg_floor("postgres_url", database,
                  "SELECT payload FROM domainevententry WHERE aggregateidentifier = %s ORDER BY sequencenumber"),
        lambda ctx, size: _database_url(ctx.postgres_url, database),
    )


def _axon_mariadb() -> Combo:
    database = "insp_bench_axon_mariadb"

    def existing(ctx: Context) -> dict[int, StreamRef]:
        rows = _server_counts(ctx.mariadb_url, database,
                              "SELECT aggregateIdentifier, count(*) FROM DomainEventEntry GROUP BY aggregateIdentifier")
        return {count: StreamRef(count, key, key, first_version=0) for key, count in rows
                if key == str(_stream_uuid("axon", count))}

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        writer = _recreate_database(ctx.mariadb_url, database)
        with writer.begin() as conn:
            _ddl(conn, AXON_JDBC_DDL.format(serial="BIGINT AUTO_INCREMENT", blob="blob"))
            for size in sizes:
                sid = _stream_uuid("axon", size)
                conn.exec_driver_sql(
                    f"""
                    INSERT INTO DomainEventEntry (aggregateIdentifier, sequenceNumber, type, eventIdentifier, metaData,
                                                  payload, payloadType, timeStamp)
                    SELECT '{sid}', seq - 1, 'Account', UUID(),
                           JSON_OBJECT('traceId', CONCAT('trace-', seq DIV 5), 'correlationId', CONCAT('msg-', seq),
                                       'userId', CONCAT('user', MOD(seq, 17))),
                           JSON_OBJECT('accountId', '{sid}', 'amount', MOD(seq * 7919, 100) + 1,
                                       'note', {_note_sql('seq')}, 'counter', seq, 'currency', 'EUR'),
                           'com.acme.bank.MoneyDeposited',
                           DATE_FORMAT(TIMESTAMP('2026-01-01') + INTERVAL seq SECOND, '%%Y-%%m-%%dT%%H:%%i:%%s.000Z')
                    FROM seq_1_to_{size}
                    """
                )
            conn.exec_driver_sql("ANALYZE TABLE DomainEventEntry")
        writer.dispose()
        return existing(ctx)

    return Combo(
        "axon/mariadb", "axon", "mariadb", build, existing,
        _my_floor(database,
                  "SELECT payload FROM DomainEventEntry WHERE aggregateIdentifier = %s ORDER BY sequenceNumber"),
        lambda ctx, size: _database_url(ctx.mariadb_url, database),
    )


# --- JSON Lines -----------------------------------------------------------------------------------
def _jsonl() -> Combo:
    def path(ctx: Context, size: int) -> Path:
        return ctx.data / f"jsonl-{size}.jsonl"

    def existing(ctx: Context) -> dict[int, StreamRef]:
        found = {}
        for file in ctx.data.glob("jsonl-*.jsonl"):
            size = int(file.stem.split("-")[1])
            done = file.with_suffix(".done")
            if done.exists():
                found[size] = StreamRef(size, f"account-{size}", str(file))
        return found

    def build(ctx: Context, sizes: list[int]) -> dict[int, StreamRef]:
        for size in sizes:
            file = path(ctx, size)
            file.with_suffix(".done").unlink(missing_ok=True)
            with file.open("wb") as out:
                for i in range(1, size + 1):
                    out.write(orjson.dumps({
                        "position": i, "stream": f"account-{size}", "version": i, "type": "Deposited",
                        "recorded_at": f"{_iso(START_EPOCH + i)}", "actor": f"user{i % 17}",
                        "data": {"amount": (i * 7919) % 100 + 1, "note": NOTES[i % 6], "counter": i, "currency": "EUR"},
                        "metadata": {"actor": f"user{i % 17}", "correlation_id": f"c{i // 5}"},
                        "problem": None, "raw": None,
                    }) + b"\n")
            file.with_suffix(".done").write_text("complete\n")
        return existing(ctx)

    def floor(ctx: Context, ref: StreamRef) -> int:
        # the file holds this one stream, in version order: read it and decode each line
        with open(ref.key, "rb") as handle:
            return _floor_rows((line,) for line in handle)

    return Combo("jsonl/file", "jsonl", "file", build, existing, floor, lambda ctx, size: str(path(ctx, size)),
                 notes=["one file per stream; the floor reads the file and decodes each whole line"])


def _iso(epoch: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")


def all_combos() -> list[Combo]:
    return [
        _es_sqlite(), _es_postgres(), _marten(), _messagedb(), _eventsauce_mariadb(), _eventsauce_postgres(),
        _axon_postgres(), _axon_mariadb(), _generic_sqlite_combo(), _generic_pg("json"), _generic_pg("jsonb"),
        _generic_mariadb(), _jsonl(),
    ]


def _generic_sqlite_combo() -> Combo:
    return Combo(
        "generic/sqlite", "generic", "sqlite", _generic_sqlite_build, _generic_sqlite_existing,
        _sqlite_floor("generic.sqlite.db", "SELECT data FROM events WHERE stream = ? ORDER BY version"),
        lambda ctx, size: str(ctx.data / "generic.sqlite.db"),
    )


def library_app(env: dict[str, str]):
    """The eventsourcing application the stores were written with (bench_domain.Bank)."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    from bench_domain import Bank

    return Bank(env=env)


def es_snapshot_interval(size: int) -> int:
    return _es_snapshot_interval(size)

