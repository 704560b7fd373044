"""Opening a big store: what the window's first screen waits on, store by store, and the memory it takes.

    python benchmarks/open_store.py                                   # 10,000,000 events / 1,000,000 streams
    python benchmarks/open_store.py --only generic/sqlite,messagedb/postgresql
    python benchmarks/open_store.py --events 1000000 --streams 100000 --only marten/postgresql
    python benchmarks/open_store.py --build-only                      # just build (or find) the stores

Stores are built once and reused: SQLite files under ``--bench-dir`` (default
``~/.cache/inspector-bench/first-screen``), server stores in one database per store,
``insp_fs_<layout>_<events>_<streams>``, on the servers of ``--postgres`` / ``--mariadb``. Each
is built by its engine itself (a recursive CTE on SQLite, ``generate_series`` on PostgreSQL,
the ``seq_1_to_N`` sequence engine on MariaDB), in the layout's own DDL, with the indexes the
layout's library creates (plus, for the generic table, one on ``recorded_at``). A store is
marked complete only at the end of its build, so an interrupted build is redone.

Shape: event ``i`` (1..EVENTS, one second apart from 2026-01-01) belongs to stream
``(i - 1) % STREAMS`` (names ``account-0000000``, ``order-0000001``, ``cart-…``, ``user-…``: four
categories) at version ``(i - 1) // STREAMS + 1``; a stream's first event is ``Opened``, the rest
``Deposited``/``Withdrawn``/``Renamed``; the actor is ``user<i % 17>``.

Each store is then opened in a fresh process, by layout detection as the window opens it, and
every query of the window's first screen is timed alone, in the order the window asks: the first
page of 200 streams, the store-wide type counts, the time range, the categories, a 120-bucket
histogram over the whole range, the timeline's lanes (the first 12 streams' events), and the
filters a user types next (actor, text, a stream name without wildcards), each beside the same
answer written by hand in the engine's own SQL where one is given. Peak resident memory is the
process's. ``window_at_scale.py --first-screen`` drives the window itself over the same stores.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

START_EPOCH = 1767225600  # 2026-01-01T00:00:00Z
POSTGRES_URL = os.environ.get("INSPECTOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIADB_URL = os.environ.get("INSPECTOR_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
DEFAULT_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "inspector-bench" / "first-screen"
COMPLETE = "inspector-bench complete"
CATEGORIES = ("account", "order", "cart", "user")
LANES = 12


def _stream_sql(s: str, dialect: str) -> str:
    """SQL for stream ``s``'s name: ``<category>-<s, 7 digits>``."""
    cats = " ".join(f"WHEN {n} THEN '{c}'" for n, c in enumerate(CATEGORIES))
    if dialect == "sqlite":
        return f"(CASE {s} % 4 {cats} END) || '-' || printf('%07d', {s})"
    if dialect == "postgresql":
        return f"(CASE MOD({s}, 4) {cats} END) || '-' || lpad({s}::text, 7, '0')"
    return f"CONCAT(CASE MOD({s}, 4) {cats} END, '-', LPAD({s}, 7, '0'))"


def _type_sql(i: str, v: str) -> str:
    return (f"(CASE WHEN {v} = 1 THEN 'Opened' WHEN MOD({i}, 3) = 0 THEN 'Deposited' "
            f"WHEN MOD({i}, 3) = 1 THEN 'Withdrawn' ELSE 'Renamed' END)")


# --- the stores -----------------------------------------------------------------------------------
class Store:
    """One benchmark store: how to find it complete, build it and name it to ``open_store``."""

    name = ""
    engine = ""

    def __init__(self, bench_dir: Path, events: int, streams: int, postgres: str, mariadb: str) -> None:
        self.dir, self.events, self.streams = bench_dir, events, streams
        self.postgres, self.mariadb = postgres, mariadb

    @property
    def slug(self) -> str:
        return f"insp_fs_{self.name.split('/')[0]}_{self.events}_{self.streams}"

    def server_url(self) -> str:
        return self.postgres if self.engine == "postgresql" else self.mariadb

    def target(self) -> str:
        if self.engine == "sqlite":
            return str(self.dir / f"{self.slug}.db")
        from sqlalchemy.engine import make_url

        return make_url(self.server_url()).set(database=self.slug).render_as_string(hide_password=False)

    def complete(self) -> bool:
        if self.engine == "sqlite":
            return Path(self.target()).exists()
        import sqlalchemy as sa

        admin = sa.create_engine(self.server_url())
        try:
            with admin.connect() as conn:
                if self.engine == "postgresql":
                    row = conn.exec_driver_sql(
                        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %(n)s",
                        {"n": self.slug}).first()
                else:
                    row = conn.exec_driver_sql(
                        "SELECT table_comment FROM information_schema.tables WHERE table_schema = %(n)s "
                        "AND table_comment = %(c)s", {"n": self.slug, "c": COMPLETE}).first()
            return row is not None and row[0] == COMPLETE
        finally:
            admin.dispose()

    def build(self) -> None:
        raise NotImplementedError  # each store says how it is built

    # helpers
    def _sqlite_building(self) -> tuple[sqlite3.Connection, Path]:
        self.dir.mkdir(parents=True, exist_ok=True)
        partial = Path(self.target() + ".building")
        partial.unlink(missing_ok=True)
        conn = sqlite3.connect(partial)
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;")
        return conn, partial

    def _sqlite_done(self, conn: sqlite3.Connection, partial: Path) -> None:
        conn.execute("ANALYZE")
        conn.commit()
        conn.close()
        partial.rename(self.target())

    def _server_recreate(self):
        import sqlalchemy as sa

        admin = sa.create_engine(self.server_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if self.engine == "postgresql":
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.slug}" WITH (FORCE)')
                conn.exec_driver_sql(f'CREATE DATABASE "{self.slug}"')
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{self.slug}`")
                conn.exec_driver_sql(f"CREATE DATABASE `{self.slug}` CHARACTER SET utf8mb4")
        admin.dispose()
        return sa.create_engine(self.target(), isolation_level="AUTOCOMMIT")

    def _pg_done(self, writer, tables: list[str]) -> None:
        import sqlalchemy as sa

        with writer.connect() as conn:
            for table in tables:
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
        writer.dispose()
        admin = sa.create_engine(self.server_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"COMMENT ON DATABASE \"{self.slug}\" IS '{COMPLETE}'")
        admin.dispose()

    def _my_batches(self, conn, insert: Callable[[int, int], str], batch: int = 1_000_000) -> None:
        for low in range(1, self.events + 1, batch):
            high = min(self.events, low + batch - 1)
            conn.exec_driver_sql(insert(low, high))


class GenericSqlite(Store):
    name, engine = "generic/sqlite", "sqlite"

    def build(self) -> None:
        conn, partial = self._sqlite_building()
        conn.executescript(
            "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER,"
            " type TEXT NOT NULL, recorded_at TEXT, data TEXT, metadata TEXT);")
        conn.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {self.events})
            INSERT INTO events
            SELECT i, {_stream_sql(f'((i - 1) % {self.streams})', 'sqlite')}, (i - 1) / {self.streams} + 1,
                   {_type_sql('i', f'((i - 1) / {self.streams} + 1)').replace('MOD(i, 3)', '(i % 3)')},
                   strftime('%Y-%m-%dT%H:%M:%fZ', {START_EPOCH} + i, 'unixepoch'),
                   json_object('amount', i % 100, 'note', 'n' || (i % 7)),
                   json_object('actor', 'user' || (i % 17))
            FROM n
            """
        )
        conn.commit()
        conn.executescript("CREATE INDEX events_stream_version ON events (stream, version);"
                           "CREATE INDEX events_recorded_at ON events (recorded_at);")
        self._sqlite_done(conn, partial)


class EventsourcingSqlite(Store):
    """The library's own tables (made by the library), rows written by SQL in its JSON transcoding."""

    name, engine = "eventsourcing/sqlite", "sqlite"

    def build(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        partial = Path(self.target() + ".building")
        partial.unlink(missing_ok=True)
        sys.path.insert(0, str(HERE))
        from bench_domain import Bank

        Bank(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(partial)}).close()
        conn = sqlite3.connect(partial)
        conn.executescript("PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;")
        v = f"((i - 1) / {self.streams} + 1)"
        conn.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {self.events})
            INSERT INTO stored_events (originator_id, originator_version, topic, state)
            SELECT printf('%032x', (i - 1) % {self.streams} + 1), {v},
                   CASE WHEN {v} = 1 THEN 'bench_domain:Account.Opened' ELSE 'bench_domain:Account.Deposited' END,
                   CAST('{{"timestamp":{{"_type_":"datetime_iso","_data_":"'
                        || strftime('%Y-%m-%dT%H:%M:%f', {START_EPOCH} + i, 'unixepoch') || '000+00:00"}},'
                        || CASE WHEN {v} = 1 THEN '"originator_topic":"bench_domain:Account","owner":"ada"}}'
                           ELSE '"amount":{{"_type_":"decimal_str","_data_":"' || (i % 100 + 1) || '"}},"note":"n'
                                || (i % 7) || '"}}' END AS BLOB)
            FROM n
            """
        )
        conn.commit()
        self._sqlite_done(conn, partial)


class GenericPostgres(Store):
    name, engine = "generic/postgresql", "postgresql"

    def build(self) -> None:
        writer = self._server_recreate()
        s = f"MOD(i - 1, {self.streams})"
        with writer.connect() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE events (position bigint PRIMARY KEY, stream text NOT NULL, version bigint, type text,"
                " recorded_at timestamptz, data jsonb, metadata jsonb)")
            conn.exec_driver_sql(
                f"""
                INSERT INTO events
                SELECT i, {_stream_sql(s, 'postgresql')}, (i - 1) / {self.streams} + 1,
                       {_type_sql('i', f'((i - 1) / {self.streams} + 1)')}, to_timestamp({START_EPOCH} + i),
                       jsonb_build_object('amount', MOD(i, 100), 'note', 'n' || MOD(i, 7)),
                       jsonb_build_object('actor', 'user' || MOD(i, 17))
                FROM generate_series(1, {self.events}) AS i
                """
            )
            conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
            conn.exec_driver_sql("CREATE INDEX events_recorded_at ON events (recorded_at)")
        self._pg_done(writer, ["events"])


class MessageDb(Store):
    name, engine = "messagedb/postgresql", "postgresql"

    def build(self) -> None:
        from matrix_stores import MESSAGE_DB_CATEGORY, MESSAGE_DB_SCHEMA, MESSAGE_DB_TABLE

        writer = self._server_recreate()
        s = f"MOD(i - 1, {self.streams})"
        table, indexes = MESSAGE_DB_TABLE.split("ALTER TABLE", 1)
        with writer.connect() as conn:
            conn.exec_driver_sql(MESSAGE_DB_SCHEMA)
            conn.exec_driver_sql(MESSAGE_DB_CATEGORY)
            conn.exec_driver_sql(table.strip().rstrip(";"))
            conn.exec_driver_sql(
                f"""
                INSERT INTO message_store.messages (global_position, position, time, stream_name, type, data, metadata)
                SELECT i, (i - 1) / {self.streams}, to_timestamp({START_EPOCH} + i) AT TIME ZONE 'utc',
                       {_stream_sql(s, 'postgresql')}, {_type_sql('i', f'((i - 1) / {self.streams} + 1)')},
                       jsonb_build_object('amount', MOD(i, 100), 'note', 'n' || MOD(i, 7)),
                       jsonb_build_object('actor', 'user' || MOD(i, 17))
                FROM generate_series(1, {self.events}) AS i
                """
            )
            conn.exec_driver_sql(f"SELECT setval('message_store.messages_global_position_seq', {self.events})")
            for statement in ("ALTER TABLE" + indexes).split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
        self._pg_done(writer, ["message_store.messages"])


class GenericMariadb(Store):
    name, engine = "generic/mariadb", "mariadb"

    def build(self) -> None:
        writer = self._server_recreate()
        s = f"MOD(seq - 1, {self.streams})"
        v = f"((seq - 1) DIV {self.streams} + 1)"
        with writer.connect() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE events (position bigint unsigned NOT NULL PRIMARY KEY, stream varchar(200) NOT NULL,"
                " version bigint NULL, type varchar(200) NULL, recorded_at datetime(6) NULL, data json NULL,"
                " metadata json NULL) ENGINE=InnoDB")
            self._my_batches(conn, lambda low, high: f"""
                INSERT INTO events
                SELECT seq, {_stream_sql(s, 'mariadb')}, {v}, {_type_sql('seq', v)},
                       TIMESTAMP('2026-01-01') + INTERVAL seq SECOND,
                       JSON_OBJECT('amount', MOD(seq, 100), 'note', CONCAT('n', MOD(seq, 7))),
                       JSON_OBJECT('actor', CONCAT('user', MOD(seq, 17)))
                FROM seq_{low}_to_{high}""")
            conn.exec_driver_sql("ALTER TABLE events ADD INDEX events_stream_version (stream, version),"
                                 " ADD INDEX events_recorded_at (recorded_at)")
            conn.exec_driver_sql("ANALYZE TABLE events")
            conn.exec_driver_sql(f"ALTER TABLE events COMMENT = '{COMPLETE}'")
        writer.dispose()


# --- measuring ------------------------------------------------------------------------------------
#: a hand-written query per engine for the filters a user types next (the best plain SQL we know)
HAND_ACTOR = {
    "sqlite": "SELECT * FROM events WHERE json_extract(metadata, '$.actor') = 'user99' ORDER BY position LIMIT 200",
    "postgresql": "SELECT * FROM events WHERE metadata->>'actor' = 'user99' ORDER BY position LIMIT 200",
    "mariadb": "SELECT * FROM events WHERE JSON_VALUE(metadata, '$.actor') = 'user99' ORDER BY position LIMIT 200",
}
HAND_MATCH = {
    "sqlite": "SELECT stream, count(*) FROM events WHERE stream GLOB '*0424242*' GROUP BY stream ORDER BY stream LIMIT 200",
    "postgresql": "SELECT stream, count(*) FROM events WHERE stream LIKE '%0424242%' GROUP BY stream ORDER BY stream LIMIT 200",
    "mariadb": "SELECT stream, count(*) FROM events WHERE stream LIKE BINARY '%0424242%' GROUP BY stream ORDER BY stream "
               "LIMIT 200",
}


def _hand(store: Store, sql: str) -> Callable[[], Any]:
    """Runs ``sql`` on the bare driver, in a connection of its own (opened outside the timing)."""
    from sqlalchemy.engine import make_url

    if store.engine == "sqlite":
        conn: Any = sqlite3.connect(f"file:{store.target()}?mode=ro", uri=True, check_same_thread=False)
    elif store.engine == "postgresql":
        import psycopg

        u = make_url(store.target())
        conn = psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname=u.database,
                               password=u.password or "", autocommit=True)
    else:
        import pymysql

        u = make_url(store.target())
        conn = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username, password=u.password or "",
                               database=u.database)

    def run() -> Any:
        cursor = conn.cursor()
        cursor.execute(sql)
        return cursor.fetchall()
    return run


def measure(store: Store) -> int:
    """Times each query of the first screen on ``store``, alone, in this fresh process; prints one block."""
    from inspector.stores import open_store
    from inspector.stores.base import EventFilter

    print(f"== {store.name} ({store.events:,} events / {store.streams:,} streams) ==", flush=True)
    results: dict[str, float] = {}

    def timed(label: str, fn: Callable[[], Any], floor: Callable[[], Any] | None = None) -> Any:
        started = time.perf_counter()
        try:
            value = fn()
        except Exception as exc:  # a query a layout cannot answer: said, not fatal
            print(f"  {label:<46} failed: {exc}", flush=True)
            return None
        spent = time.perf_counter() - started
        results[label] = spent
        line = f"  {label:<46} {spent * 1000:10.1f} ms"
        if floor is not None:  # interleaved: ours, hand-written, ours again (the better of ours counts)
            started = time.perf_counter()
            floor()
            bare = time.perf_counter() - started
            started = time.perf_counter()
            fn()
            spent = min(spent, time.perf_counter() - started)
            line = f"  {label:<46} {spent * 1000:10.1f} ms"
            line += f"   hand-written {bare * 1000:9.1f} ms  ({spent / bare if bare else float('inf'):.2f}x)"
        print(line, flush=True)
        return value

    opened = timed("open (layout detection)", lambda: open_store(store.target()))
    if opened is None:
        return 1
    timed("describe (no counts)", lambda: opened.describe(counts=False))
    page = timed("first page of 200 streams", lambda: opened.streams(limit=200)) or []
    timed("next page of 200 streams", lambda: opened.streams(after=page[-1].stream, limit=200) if page else None)
    timed("store-wide type counts", opened.event_types)
    span = timed("time range", opened.time_range) or (None, None)
    timed("categories", opened.categories)
    first, last = span
    if first is not None and last is not None:
        timed("histogram, 120 buckets, whole range", lambda: opened.histogram(first, last, 120))
        lanes = tuple(s.stream for s in page[:LANES])
        timed(f"timeline lanes ({LANES} streams, whole range)",
              lambda: opened.read_all(filters=EventFilter(streams=lanes, since=first, until=last), limit=6001))
        zoom = (first + (last - first) * 0.45, first + (last - first) * 0.55)
        timed("histogram of a 10% zoom", lambda: opened.histogram(zoom[0], zoom[1], 120))
    engine = "mariadb" if store.engine == "mariadb" else store.engine
    generic = store.name.startswith("generic/")
    timed("events --actor user99 (none: every row)", lambda: opened.read_all(filters=EventFilter(actor="user99"),
                                                                              limit=200),
          _hand(store, HAND_ACTOR[engine]) if generic else None)
    timed("streams matching 0424242 (no wildcard)", lambda: opened.streams(match="0424242", limit=200),
          _hand(store, HAND_MATCH[engine]) if generic else None)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {'peak resident memory':<46} {rss_mb:10.1f} MB", flush=True)
    opened.close()
    return 0


STORES: dict[str, type[Store]] = {cls.name: cls for cls in (
    GenericSqlite, GenericPostgres, GenericMariadb, MessageDb, EventsourcingSqlite)}


def stores_for(args: argparse.Namespace) -> list[Store]:
    names = list(STORES) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in STORES]
    if unknown:
        raise SystemExit(f"unknown store(s): {', '.join(unknown)}; known: {', '.join(STORES)}")
    return [STORES[n](Path(args.bench_dir).expanduser(), args.events, args.streams, args.postgres, args.mariadb)
            for n in names]


def ensure(store: Store) -> None:
    if store.complete():
        return
    print(f"building {store.name}: {store.events:,} events in {store.streams:,} streams ...", flush=True)
    started = time.perf_counter()
    store.build()
    print(f"  {store.name} built in {time.perf_counter() - started:.0f} s", flush=True)


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--streams", type=int, default=1_000_000)
    parser.add_argument("--only", default="", help="comma-separated stores (default: all): " + ", ".join(STORES))
    parser.add_argument("--bench-dir", default=str(DEFAULT_DIR))
    parser.add_argument("--postgres", default=POSTGRES_URL)
    parser.add_argument("--mariadb", default=MARIADB_URL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_store_arguments(parser)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--budget", type=float, default=600.0, help="seconds of measuring per store, at most")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: measure one store in this process
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    stores = stores_for(args)
    if args.measure:
        return measure(next(s for s in stores if s.name == args.measure))
    for store in stores:
        ensure(store)
    if args.build_only:
        return 0
    print(f"load average {os.getloadavg()[0]:.2f}; {args.events:,} events / {args.streams:,} streams")
    for store in stores:
        try:
            subprocess.run([sys.executable, __file__, *sys.argv[1:], "--measure", store.name], check=False,
                           timeout=args.budget)
        except subprocess.TimeoutExpired:
            print(f"  (stopped: {store.name} took more than {args.budget:.0f} s; what is missing did not finish)")
        print(f"  (load average {os.getloadavg()[0]:.2f})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
