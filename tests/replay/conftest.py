"""Fixtures for replay tests: the demo store opened read-only, and small stores built per test."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from inspector.stores import open_store


@pytest.fixture()
def demo_store(demo_store_path):
    store = open_store(str(demo_store_path))
    yield store
    store.close()


def write_generic_store(path: Path, streams: dict[str, list[tuple[str, dict]]], *, start: datetime | None = None) -> Path:
    """A generic-layout SQLite store with the given events per stream, one minute apart."""
    start = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = []
    position = 0
    for stream, events in streams.items():
        for version, (kind, data) in enumerate(events, start=1):
            position += 1
            at = start + timedelta(minutes=position)
            rows.append((position, stream, version, kind, at.isoformat().replace("+00:00", "Z"),
                         orjson.dumps(data).decode(), orjson.dumps({"actor": data.get("by", "tester")}).decode()))
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
            " recorded_at TEXT, data TEXT, metadata TEXT);"
            "CREATE INDEX events_stream_version ON events (stream, version);"
        )
        conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", rows)
    conn.close()
    return path


@pytest.fixture()
def counter_store(tmp_path):
    """One stream of 3,000 increments (``n`` counts them) plus a short second stream."""
    events = [("Incremented", {"n": i, "by": f"user{i % 3}"}) for i in range(1, 3001)]
    path = write_generic_store(tmp_path / "counter.db", {"counter-1": events, "counter-2": events[:10]})
    store = open_store(str(path))
    yield store
    store.close()


def write_store_from_zero(path: Path, stream: str, events: list[tuple[str, dict]]) -> Path:
    """A generic-layout SQLite store whose stream counts its versions from 0, as some stores do."""
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
            " recorded_at TEXT, data TEXT, metadata TEXT);"
            "CREATE INDEX events_stream_version ON events (stream, version);"
        )
        conn.executemany(
            "INSERT INTO events VALUES (?,?,?,?,?,?,?)",
            [(version + 1, stream, version, kind, (start + timedelta(minutes=version)).isoformat().replace("+00:00", "Z"),
              orjson.dumps(data).decode(), "{}") for version, (kind, data) in enumerate(events)],
        )
    conn.close()
    return path


class ScratchPostgres:
    """A database of its own on the local PostgreSQL, with a writable engine for the test's rows.

    The inspector opens ``url`` read-only, as a user would; ``writer`` plays the application.
    """

    def __init__(self, server_url: str) -> None:
        import uuid

        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        self._server_url = server_url
        self.name = f"insp_replay_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        admin.dispose()
        self.url = make_url(server_url).set(database=self.name).render_as_string(hide_password=False)
        self.writer = sa.create_engine(self.url)

    def drop(self) -> None:
        import sqlalchemy as sa

        self.writer.dispose()
        admin = sa.create_engine(self._server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture()
def scratch_postgres(postgres_url):
    database = ScratchPostgres(postgres_url)
    yield database
    database.drop()
