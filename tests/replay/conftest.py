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
