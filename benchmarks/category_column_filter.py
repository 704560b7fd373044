"""Time a category filter on a generic table whose ``kind`` column records categories.

    python benchmarks/category_column_filter.py [--events 200000] [--engines sqlite,postgresql,mariadb]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
        [--mariadb mysql+pymysql://root@127.0.0.1:3306/test] [--repeat 3] [--keep DIR]

Writes ``events`` (N events over N/10 streams ``order-K``; each stream's rows record one of 20
categories in ``kind``, its first row none; an index on ``kind`` and the unique one on
(stream, version)), then times, best of ``--repeat``, for one category of 1/20 of the streams:
the first page of ``streams --category`` (500 streams), the first page of a category read
(``category_query``, 1,000 rows: what ``states``/``types`` read page by page) and ``categories()``.
PostgreSQL and MariaDB tables are written in a scratch database of their own, dropped afterwards.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MAPPING = """table = "events"
[columns]
position = "id"
stream = "stream"
version = "version"
type = "type"
recorded_at = "at"
data = "data"
category = "kind"
"""
CATEGORIES = 20
PER_STREAM = 10


def rows(events: int) -> list[dict[str, Any]]:
    streams = max(1, events // PER_STREAM)
    return [{"id": n + 1, "stream": f"order-{n % streams}", "version": n // streams + 1, "type": "Noted",
             "at": "2024-03-01T10:00:00Z", "data": '{"n": 1}',
             "kind": None if n < streams else f"cat{(n % streams) % CATEGORIES:02d}"}
            for n in range(events)]


def write(engine: sa.Engine, events: int) -> None:
    metadata = sa.MetaData()
    table = sa.Table(
        "events", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("stream", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("kind", sa.String(100)),
        sa.Index("ix_events_stream_version", "stream", "version", unique=True),
        sa.Index("ix_events_kind", "kind"),
    )
    metadata.create_all(engine)
    data = rows(events)
    with engine.begin() as conn:
        for start in range(0, len(data), 20_000):
            conn.execute(table.insert(), data[start:start + 20_000])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE events")
    elif engine.dialect.name in ("mysql", "mariadb"):
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE TABLE events")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def measure(url: str, mapping: Path, repeat: int) -> None:
    from inspector.stores import open_store
    from inspector.stores.category_read import category_query

    store = open_store(url, mapping=str(mapping))
    try:
        wanted = "cat03"
        listed_s, listed = best(repeat, lambda: store.streams(category=wanted, limit=500))
        query = category_query(store, category=wanted, match=None, upto=None, after=None, limit=1000)
        assert query is not None
        read_s, page = best(repeat, lambda: store._rows(query))
        counted_s, counts = best(repeat, store.categories)
        print(f"  {store.engine.dialect.name:10} streams --category: {listed_s * 1000:8.1f} ms ({len(listed)} streams)"
              f"   category read page: {read_s * 1000:8.1f} ms ({len(page)} rows)"
              f"   categories(): {counted_s * 1000:8.1f} ms ({dict(counts)[wanted]} streams of {wanted})")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--engines", default="sqlite,postgresql,mariadb")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--mariadb", default="mysql+pymysql://root@127.0.0.1:3306/test")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/category_column_filter"))
    args = parser.parse_args()
    args.keep.mkdir(parents=True, exist_ok=True)
    mapping = args.keep / "mapping.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    print(f"{args.events:,} events, {args.events // PER_STREAM:,} streams, {CATEGORIES} categories")
    for engine_name in args.engines.split(","):
        if engine_name == "sqlite":
            path = args.keep / f"events-{args.events}.db"
            if not path.exists():
                write(sa.create_engine(f"sqlite:///{path}"), args.events)
            measure(str(path), mapping, args.repeat)
            continue
        server = args.postgres if engine_name == "postgresql" else args.mariadb
        name = f"bench_catcol_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"' if engine_name == "postgresql"
                                 else f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
        writer = sa.create_engine(url)
        try:
            write(writer, args.events)
            writer.dispose()
            measure(url, mapping, args.repeat)
        finally:
            writer.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if engine_name == "postgresql"
                                     else f"DROP DATABASE IF EXISTS `{name}`")
            admin.dispose()


if __name__ == "__main__":
    main()
