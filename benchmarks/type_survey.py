"""Time ``types`` (the event type survey) at scale on SQLite and PostgreSQL, against a floor.

    python benchmarks/type_survey.py --events 1000000 [--engines sqlite,postgresql,mariadb]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
        [--mariadb mysql+pymysql://root@127.0.0.1:3306/test] [--out /tmp/bench]

Writes a generic ``events`` table of N events over 10,000 streams of four event types whose
payloads drift (``Deposited`` gains ``channel`` half-way through, ``amount`` turns from a number
into a string in the last quarter), then times ``store.type_survey()`` (counted by the database:
nothing but grouped counts comes to Python) and, as the floor of doing it in Python, the bare
driver fetching every payload and decoding it with orjson (no counting at all). PostgreSQL tables
and MariaDB tables are written in a scratch database of their own (payload ``jsonb``; ``LONGTEXT``
on MariaDB), dropped afterwards.
"""

from __future__ import annotations

import argparse
import io
import os
import sqlite3
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
TYPES = ["Deposited", "Withdrawn", "Renamed", "Closed"]
STREAMS = 10_000


def rows(events: int):
    """``(position, stream, version, type, time, payload)`` for each event, in time order."""
    versions = [0] * STREAMS
    for position in range(1, events + 1):
        key = (position * 7919) % STREAMS
        versions[key] += 1
        kind = TYPES[position % 7 % len(TYPES)]
        amount: object = (position * 31) % 1000
        data: dict[str, object] = {"amount": amount, "note": "n"}
        if kind == "Deposited":
            if position > events // 2:
                data["channel"] = "web"
            if position > events * 3 // 4:
                data["amount"] = str(amount)
        elif kind == "Renamed":
            data = {"name": f"account {key}"}
        at = START + timedelta(seconds=position)
        yield position, f"account-{key}", versions[key], kind, at, orjson.dumps(data).decode()


def write_sqlite(path: Path, events: int) -> None:
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT NOT NULL,"
        " recorded_at TEXT, data TEXT, metadata TEXT);"
        "CREATE INDEX events_stream_version ON events (stream, version);")
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,NULL)",
                     ((p, s, v, k, at.isoformat().replace("+00:00", "Z"), d) for p, s, v, k, at, d in rows(events)))
    conn.commit()
    conn.close()


def write_postgres(url: str, events: int) -> tuple[str, str]:
    """A scratch database with the events table; returns (its URL, its name)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"bench_types_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    target = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(target)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (position bigint PRIMARY KEY, stream text NOT NULL, version int, type text NOT NULL,"
            " recorded_at timestamptz, data jsonb, metadata jsonb)")
        raw = conn.connection.driver_connection
        with raw.cursor().copy("COPY events (position, stream, version, type, recorded_at, data) FROM STDIN") as copy:
            buffer = io.StringIO()
            for count, (p, s, v, k, at, d) in enumerate(rows(events), 1):
                buffer.write(f"{p}\t{s}\t{v}\t{k}\t{at.isoformat()}\t{d}\n")
                if count % 100_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
        conn.exec_driver_sql("ANALYZE events")
    engine.dispose()
    return target, name


def write_mariadb(url: str, events: int) -> tuple[str, str]:
    """A scratch database with the events table (payload LONGTEXT); returns (its URL, its name)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"bench_types_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    admin.dispose()
    target = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = sa.create_engine(target)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (position bigint PRIMARY KEY, stream varchar(100) NOT NULL, version int,"
            " type varchar(100) NOT NULL, recorded_at DATETIME(6), data LONGTEXT, metadata LONGTEXT,"
            " KEY events_stream_version (stream, version)) CHARACTER SET utf8mb4")
        batch = []
        insert = "INSERT INTO events (position, stream, version, type, recorded_at, data) VALUES (%s,%s,%s,%s,%s,%s)"
        for p, s, v, k, at, d in rows(events):
            batch.append((p, s, v, k, at.replace(tzinfo=None), d))
            if len(batch) == 20_000:
                conn.exec_driver_sql(insert, batch)
                batch = []
        if batch:
            conn.exec_driver_sql(insert, batch)
    engine.dispose()
    return target, name


def drop_mariadb(url: str, name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    admin.dispose()


def floor_mariadb(url: str) -> float:
    import pymysql
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    start = time.perf_counter()
    conn = pymysql.connect(host=parts.host, port=parts.port or 3306, user=parts.username, password=parts.password or "",
                           database=parts.database, cursorclass=pymysql.cursors.SSCursor)
    with conn.cursor() as cursor:
        cursor.execute("SELECT data FROM events")
        for (data,) in cursor:
            orjson.loads(data)
    conn.close()
    return time.perf_counter() - start


def drop_postgres(url: str, name: str) -> None:
    import sqlalchemy as sa

    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def floor_sqlite(path: Path) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    for (data,) in conn.execute("SELECT data FROM events"):
        orjson.loads(data)
    conn.close()
    return time.perf_counter() - start


def floor_postgres(url: str) -> float:
    import psycopg

    start = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        with conn.cursor(name="floor") as cursor:
            cursor.itersize = 10_000
            cursor.execute("SELECT data::text FROM events")
            for (data,) in cursor:
                orjson.loads(data)
    return time.perf_counter() - start


def survey(target: str) -> tuple[float, object]:
    from inspector.stores import open_store

    store = open_store(target)
    try:
        start = time.perf_counter()
        result = store.type_survey()
        return time.perf_counter() - start, result
    finally:
        store.close()


def report(engine: str, events: int, seconds: float, floor: float, result) -> None:
    from inspector.core.type_drift import drift_of

    marks = drift_of(result)
    deposited = {name: [mark.kind for mark in found] for name, found in marks.get("Deposited", {}).items()}
    print(f"{engine:<10} {events:>10,} events  types {seconds:7.2f} s  floor (fetch + orjson every payload) "
          f"{floor:7.2f} s  ratio {seconds / floor:5.2f}  method {result.method}  Deposited drift {deposited}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=os.environ.get(
        "INSPECTOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--mariadb", default=os.environ.get(
        "INSPECTOR_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"))
    parser.add_argument("--out", default="/tmp/bench")
    args = parser.parse_args()
    engines = args.engines.split(",")
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    if "sqlite" in engines:
        path = Path(args.out) / f"types_{args.events}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            write_sqlite(path, args.events)
        floor = floor_sqlite(path)
        seconds, result = survey(str(path))
        report("sqlite", args.events, seconds, floor, result)
    if "postgresql" in engines:
        url, name = write_postgres(args.postgres, args.events)
        try:
            floor = floor_postgres(url)
            seconds, result = survey(url)
            report("postgresql", args.events, seconds, floor, result)
        finally:
            drop_postgres(args.postgres, name)
    if "mariadb" in engines:
        url, name = write_mariadb(args.mariadb, args.events)
        try:
            floor = floor_mariadb(url)
            seconds, result = survey(url)
            report("mariadb", args.events, seconds, floor, result)
        finally:
            drop_mariadb(args.mariadb, name)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
