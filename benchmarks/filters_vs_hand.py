"""Filters against the best hand-written query, at 1,000,000 events (issue 9): times inside a JSON
blob (the eventsourcing library's ``state``), actor and text filters, a stream name filter.

    python benchmarks/filters_vs_hand.py --data /tmp/bench-data --repeat 3 [--only generic/sqlite,...]

Stores (built once, reused; nothing here writes through the inspector):
  generic/sqlite      generate.py's generic.db: 1 M events of ``account-1``, metadata actor, 'Z' text times
  generic/postgresql  1 M events over 1,000 streams, jsonb data and metadata, timestamptz (``insp_bench_filters``)
  generic/mariadb     the same in MariaDB, JSON longtext and DATETIME(6) (``insp_bench_filters``)
  eventsourcing/sqlite, eventsourcing/postgresql  matrix_stores.py's stores, written by the library itself
                      (one 1 M-event stream; ``--data`` is where the SQLite file lives)

Each line: our call (``read_all`` with the filter, a page of 100 that no event fills, so the whole
table is read; ``histogram``; ``time_range``; ``streams(match=...)``) against a query a user who
knows the layout would write, on the bare driver; min and median of interleaved runs, and the ratio
of the minimums.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import matrix_stores as ms  # noqa: E402

from inspector.core.matching import EventFilter  # noqa: E402
from inspector.stores import open_store  # noqa: E402

UTC = timezone.utc
DATABASE = "insp_bench_filters"
EVENTS = 1_000_000
START = datetime(2026, 1, 1, tzinfo=UTC)


def _generic_sqlite(data: Path) -> str:
    path = data / "generic.db"
    if not path.exists():
        import generate

        generate.generic(path, EVENTS)
    return str(path)


def _generic_server(server: str) -> str:
    url = ms._database_url(server, DATABASE)
    try:
        probe = sa.create_engine(url)
        with probe.connect() as conn:
            if conn.exec_driver_sql("SELECT count(*) FROM events").scalar() == EVENTS:
                return url
    except sa.exc.DBAPIError:
        pass
    writer = ms._recreate_database(server, DATABASE)
    raw = writer.raw_connection()  # the bare driver, no parameters: '%' is an operator
    try:
        conn = raw.cursor()
        if writer.dialect.name == "postgresql":
            conn.execute(
                "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, version bigint, "
                "type text NOT NULL, recorded_at timestamptz, data jsonb, metadata jsonb)")
            conn.execute(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                f"SELECT 'account-' || (i % 1000), i / 1000 + 1, 'Deposited', "
                "timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second', "
                "jsonb_build_object('amount', i % 100 + 1, 'note', 'top-up', 'counter', i), "
                "jsonb_build_object('actor', 'user' || (i % 17), 'correlation_id', 'c' || (i / 5)) "
                f"FROM generate_series(0, {EVENTS - 1}) AS i")
        else:
            conn.execute(
                "CREATE TABLE events (position bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, stream varchar(200) NOT NULL, "
                "version bigint, type varchar(200) NOT NULL, recorded_at datetime(6), data longtext, metadata longtext)"
                " DEFAULT CHARSET=utf8mb4")
            conn.execute(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                "SELECT concat('account-', seq % 1000), seq DIV 1000 + 1, 'Deposited', "
                "timestamp'2026-01-01 00:00:00' + INTERVAL seq SECOND, "
                "json_object('amount', seq % 100 + 1, 'note', 'top-up', 'counter', seq), "
                "json_object('actor', concat('user', seq % 17), 'correlation_id', concat('c', seq DIV 5)) "
                f"FROM seq_0_to_{EVENTS - 1}")
        conn.execute("CREATE INDEX events_stream_version ON events (stream, version)")
        raw.commit()
    finally:
        raw.close()
    writer.dispose()
    return url


# --- what is measured ---------------------------------------------------------------------------
Case = tuple[str, Callable[[Any], Any], str]  # (what, our call on the store, the hand-written SQL)


def _page(filters: EventFilter) -> Callable[[Any], Any]:
    return lambda store: store.read_all(limit=100, filters=filters)


NOBODY = EventFilter(actor="nobody@example.com")
NO_TEXT = EventFilter(text="zz-no-such-text")

GENERIC_CASES: dict[str, list[Case]] = {
    "sqlite": [
        ("--actor (no event)", _page(NOBODY),
         "SELECT * FROM events WHERE json_extract(metadata, '$.actor') = 'nobody@example.com' "
         "ORDER BY position LIMIT 100"),
        ("--grep (no event)", _page(NO_TEXT),
         "SELECT * FROM events WHERE data LIKE '%zz-no-such-text%' OR metadata LIKE '%zz-no-such-text%' "
         "ORDER BY position LIMIT 100"),
        ("streams matching 'ccount-1' (no wildcard)", lambda s: s.streams(match="ccount-1", limit=200),
         "SELECT stream, count(*), min(version), max(version), min(recorded_at), max(recorded_at) FROM events "
         "WHERE stream LIKE '%ccount-1%' GROUP BY stream ORDER BY stream LIMIT 200"),
    ],
    "postgresql": [
        ("--actor (no event)", _page(NOBODY),
         "SELECT * FROM events WHERE metadata ->> 'actor' = 'nobody@example.com' ORDER BY position LIMIT 100"),
        ("--grep (no event)", _page(NO_TEXT),
         "SELECT * FROM events WHERE data::text ILIKE '%zz-no-such-text%' OR metadata::text ILIKE "
         "'%zz-no-such-text%' ORDER BY position LIMIT 100"),
        ("streams matching 'ccount-1' (no wildcard)", lambda s: s.streams(match="ccount-1", limit=200),
         "SELECT stream, count(*), min(version), max(version), min(recorded_at), max(recorded_at) FROM events "
         "WHERE stream LIKE '%ccount-1%' GROUP BY stream ORDER BY stream LIMIT 200"),
    ],
    "mariadb": [
        ("--actor (no event)", _page(NOBODY),
         "SELECT * FROM events WHERE json_unquote(json_extract(metadata, '$.actor')) = 'nobody@example.com' "
         "ORDER BY position LIMIT 100"),
        ("--grep (no event)", _page(NO_TEXT),
         "SELECT * FROM events WHERE data LIKE '%zz-no-such-text%' OR metadata LIKE '%zz-no-such-text%' "
         "ORDER BY position LIMIT 100"),
        ("streams matching 'ccount-1' (no wildcard)", lambda s: s.streams(match="ccount-1", limit=200),
         "SELECT stream, count(*), min(version), max(version), min(recorded_at), max(recorded_at) FROM events "
         "WHERE stream LIKE '%ccount-1%' GROUP BY stream ORDER BY stream LIMIT 200"),
    ],
}


def _es_cases(dialect: str, table: str) -> list[Case]:
    """The state's time as the library writes it: ``{"timestamp":{"_type_":"datetime_iso","_data_":"...``;
    the hand-written queries cut the text at a fixed place (the fastest a user can do) and compare text."""
    # a window late in the stream: few events, every row's time read
    since, until = START + timedelta(days=3650), START + timedelta(days=3651)
    window = EventFilter(since=since, until=until)
    if dialect == "sqlite":
        text = "substr(CAST(state AS TEXT), 49, 32)"
        at = f"substr({text}, 1, instr({text}, '\"') - 1)"
        epoch = f"(julianday({at}) - 2440587.5) * 86400.0"
    else:
        text = "encode(substring(state from 49 for 40), 'escape')"
        at = f"split_part({text}, '\"', 1)"
        epoch = f"extract(epoch from ({at})::timestamptz)"
    lo, hi = since.isoformat(), until.isoformat()
    return [
        ("--since/--until (a day no event is in)", _page(window),
         f"SELECT * FROM {table} WHERE {at} >= '{lo}' AND {at} <= '{hi}' LIMIT 100"),
        ("time range", lambda s: s.time_range(), f"SELECT min({at}), max({at}) FROM {table}"),
        ("histogram, 120 buckets over the range", lambda s: s.histogram(*s.time_range(), 120),
         f"WITH r AS (SELECT min({epoch}) AS lo, max({epoch}) AS hi FROM {table}) "
         f"SELECT CAST(({epoch} - r.lo) * 120 / (r.hi - r.lo) AS INTEGER) AS b, count(*) FROM {table}, r GROUP BY b"),
        ("--grep (no event)", _page(NO_TEXT),
         f"SELECT * FROM {table} WHERE "
         + ("CAST(state AS TEXT) LIKE '%zz-no-such-text%'" if dialect == "sqlite"
            else "position('zz-no-such-text'::bytea in state) > 0") + " LIMIT 100"),
    ]


def _timed(call: Callable[[], Any]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def run(combos: dict[str, tuple[str, list[Case]]], repeat: int) -> None:
    results: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    for _ in range(repeat):
        for combo, (target, cases) in combos.items():
            store = open_store(target)
            engine = sa.create_engine(target if "://" in target else f"sqlite:///{target}")
            try:
                store.streams(limit=1)
                for what, ours, hand in cases:
                    mine, theirs = results.setdefault((combo, what), ([], []))
                    mine.append(_timed(lambda: ours(store)))
                    raw = engine.raw_connection()  # the bare driver, no parameters: '%' is text
                    try:
                        cursor = raw.cursor()
                        theirs.append(_timed(lambda: (cursor.execute(hand), cursor.fetchall())))
                    finally:
                        raw.close()
            finally:
                store.close()
                engine.dispose()
    print(f"{'store':26} {'what':44} {'ours min':>8} {'ours med':>8} {'hand min':>8} {'hand med':>8} {'ratio':>6}")
    for (combo, what), (mine, theirs) in results.items():
        print(f"{combo:26} {what:44} {min(mine):8.3f} {statistics.median(mine):8.3f} {min(theirs):8.3f} "
              f"{statistics.median(theirs):8.3f} {min(mine) / min(theirs):6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/tmp/inspector-bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--mariadb", default="mysql+pymysql://root@127.0.0.1:3306/test")
    args = parser.parse_args()
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    only = set(filter(None, args.only.split(",")))
    ctx = ms.Context(data, args.postgres, args.mariadb)
    wanted: dict[str, Callable[[], tuple[str, list[Case]]]] = {
        "generic/sqlite": lambda: (_generic_sqlite(data), GENERIC_CASES["sqlite"]),
        "generic/postgresql": lambda: (_generic_server(args.postgres), GENERIC_CASES["postgresql"]),
        "generic/mariadb": lambda: (_generic_server(args.mariadb), GENERIC_CASES["mariadb"]),
    }
    for name, combo_of, table in (("eventsourcing/sqlite", ms._es_sqlite, "stored_events"),
                                  ("eventsourcing/postgresql", ms._es_postgres, "bank_events")):
        def es(combo_of: Any = combo_of, table: str = table, name: str = name) -> tuple[str, list[Case]]:
            combo = combo_of()
            if EVENTS not in combo.existing(ctx):
                combo.build(ctx, [EVENTS])
            return combo.target(ctx, EVENTS), _es_cases(combo.engine, table)
        wanted[name] = es
    combos = {name: build() for name, build in wanted.items() if not only or name in only}
    run(combos, args.repeat)


if __name__ == "__main__":
    sqlite3.connect(":memory:").close()
    main()
