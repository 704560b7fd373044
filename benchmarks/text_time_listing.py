"""Listing one long stream whose times are ISO-8601 text (a generic table, TEXT time column).

    python benchmarks/text_time_listing.py --events 1000000 --repeat 3 [--engines sqlite,postgresql,mariadb]

Each engine gets a table ``events`` (the demo's generic columns, index on (stream, version))
holding one stream ``long-1`` of N events, timed as ``datetime.isoformat()`` writes them
(microseconds, ``+00:00``; the fraction left out where it is zero, as isoformat does), and
ten streams of ten events. The stores are built once and reused: SQLite under ``--out``,
servers in the databases ``insp_bench_text_time``. Printed, min and median of interleaved
runs: ``store.streams()`` (the page holding the long stream) against the hand-written query a
user who knows the form would type (count, first/last version, MIN/MAX of the text).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from matrix_stores import _database_url, _recreate_database  # noqa: E402

from inspector.stores import open_store  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
DATABASE = "insp_bench_text_time"
HAND = ("SELECT count(*), min(version), max(version), min(recorded_at), max(recorded_at) "
        "FROM events WHERE stream = 'long-1'")


def _at(i: int) -> str:
    return (START + timedelta(seconds=i, microseconds=(i * 7919) % 1_000_000)).isoformat()


def _rows(events: int):
    for i in range(1, events + 1):
        yield ("long-1", i, "Deposited", _at(i), '{"amount": %d}' % (i % 100))
    for s in range(10):
        for v in range(1, 11):
            yield (f"short-{s}", v, "Deposited", _at(v), '{"amount": 1}')


def build_sqlite(path: Path, events: int) -> str:
    if not path.exists():
        part = path.with_suffix(".part")
        part.unlink(missing_ok=True)
        conn = sqlite3.connect(part)
        conn.executescript("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER,"
                           " type TEXT NOT NULL, recorded_at TEXT, data TEXT, metadata TEXT);"
                           "CREATE INDEX events_stream_version ON events (stream, version);")
        conn.executemany("INSERT INTO events (stream, version, type, recorded_at, data) VALUES (?,?,?,?,?)",
                         _rows(events))
        conn.commit()
        conn.close()
        part.rename(path)
    return str(path)


def build_server(server: str, events: int) -> str:
    url = _database_url(server, DATABASE)
    try:
        probe = sa.create_engine(url)
        with probe.connect() as conn:
            if conn.exec_driver_sql("SELECT count(*) FROM events WHERE stream = 'long-1'").scalar() == events:
                return url
    except sa.exc.DBAPIError:
        pass
    finally:
        probe.dispose()
    writer = _recreate_database(server, DATABASE)
    with writer.begin() as conn:
        if writer.dialect.name == "postgresql":
            conn.exec_driver_sql("CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, "
                                 "version bigint, type text NOT NULL, recorded_at text, data text, metadata text)")
        else:
            conn.exec_driver_sql("CREATE TABLE events (position bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                                 "stream varchar(100) NOT NULL, version bigint, type varchar(100) NOT NULL, "
                                 "recorded_at varchar(40), data longtext, metadata longtext) DEFAULT CHARSET=utf8mb4")
        table = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data")))
        batch: list[dict] = []
        for stream, version, kind, at, data in _rows(events):
            batch.append({"stream": stream, "version": version, "type": kind, "recorded_at": at, "data": data})
            if len(batch) == 20_000:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)
        conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
    writer.dispose()
    return url


def measure(targets: dict[str, str], repeat: int) -> None:
    ours: dict[str, list[float]] = {name: [] for name in targets}
    hand: dict[str, list[float]] = {name: [] for name in targets}
    answers: dict[str, tuple] = {}
    for _ in range(repeat):
        for name, target in targets.items():
            store = open_store(target)
            try:
                store.streams(limit=1)  # warm the connection and the reflection
                began = time.perf_counter()
                listed = [s for s in store.streams(limit=20) if s.stream == "long-1"]
                ours[name].append(time.perf_counter() - began)
                answers[name] = (listed[0].count, listed[0].first_at, listed[0].last_at)
            finally:
                store.close()
            engine = sa.create_engine(target if "://" in target else f"sqlite:///{target}")
            try:
                with engine.connect() as conn:
                    began = time.perf_counter()
                    conn.exec_driver_sql(HAND).all()
                    hand[name].append(time.perf_counter() - began)
            finally:
                engine.dispose()
    print(f"{'engine':12} {'ours min':>9} {'ours med':>9} {'hand min':>9} {'hand med':>9} {'ratio':>6}  answer")
    for name in targets:
        mine, theirs = min(ours[name]), min(hand[name])
        count, first, last = answers[name]
        print(f"{name:12} {mine:9.3f} {statistics.median(ours[name]):9.3f} {theirs:9.3f} "
              f"{statistics.median(hand[name]):9.3f} {mine / theirs:6.2f}  {count} {first.isoformat()} "
              f"{last.isoformat()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="/tmp/inspector-bench")
    parser.add_argument("--engines", default="sqlite,postgresql,mariadb")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--mariadb", default="mysql+pymysql://root@127.0.0.1:3306/test")
    args = parser.parse_args()
    engines = args.engines.split(",")
    targets = {}
    if "sqlite" in engines:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        targets["sqlite"] = build_sqlite(out / f"text_time_{args.events}.db", args.events)
    if "postgresql" in engines:
        targets["postgresql"] = build_server(args.postgres, args.events)
    if "mariadb" in engines:
        targets["mariadb"] = build_server(args.mariadb, args.events)
    measure(targets, args.repeat)


if __name__ == "__main__":
    main()
