"""What an event changing 150,000 paths changed (``event_change``, the State tab's replay) is
worked out without the cyclic collector walking every object alive: its 450,000 new objects
started three full collections (each 0.1-0.2 s holding the GIL beside a big state, 3.2 s once
beside a 50 MB one), during which the window could not repaint."""

from __future__ import annotations

import gc
import json
import sqlite3

import pytest

from inspector.replay.change import event_change
from inspector.stores import open_store

PATHS = 150_000


@pytest.fixture
def prices_store(tmp_path):
    path = tmp_path / "prices.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    for version in (1, 2):
        prices = {f"p{i:06d}": i + version for i in range(PATHS)}
        conn.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                     ("prices-1", version, "PricesSet", f"2026-05-01T09:0{version}:00+00:00",
                      json.dumps({"prices": prices}), "{}"))
    conn.commit()
    conn.close()
    store = open_store(str(path))
    yield store
    store.close()


def test_the_150000_changes_of_an_event_start_no_full_collection(prices_store):
    full: list[dict] = []

    def watch(phase, info):
        if phase == "stop" and info["generation"] == 2:
            full.append(info)

    gc.collect()  # what the collector counts from: the objects alive now
    gc.callbacks.append(watch)
    try:
        change = event_change(prices_store, "prices-1", 2)
    finally:
        gc.callbacks.remove(watch)

    assert len(change.changes) == PATHS
    assert change.changes[-1].path == "/prices/p149999" and change.changes[-1].after == PATHS + 1
    assert full == []
    assert gc.isenabled()  # the collector runs again afterwards
