"""A stream whose first event holds a 5 MB payload: finding the stream's first event (every replay
does) leaves that payload undecoded, the fold decodes it once, and the state, the cache's checkpoints
and a second, cached replay are as they were."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

from inspector.core.events import Moment
from inspector.replay.cache import SnapshotCache
from inspector.replay.engine import FIRST_EVENT_PAYLOAD_CAP, replay
from inspector.stores import open_store
from inspector.stores.layouts.generic import GenericLayout

T0 = datetime(2026, 4, 1, 8, tzinfo=timezone.utc)
ROWS = [{"id": i, "sku": f"sku-{i}", "note": "ü" * 20} for i in range(60_000)]  # about 5 MB of JSON


def _store(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    events = [("catalog-1", 1, "CatalogImported", {"rows": ROWS, "source": "feed.csv"}),
              *[("catalog-1", v, "PriceChanged", {f"price_{v}": v}) for v in range(2, 120)]]
    conn.executemany("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                     [(s, v, k, (T0 + timedelta(minutes=v)).isoformat(), json.dumps(d), "{}") for s, v, k, d in events])
    conn.commit()
    conn.close()
    return open_store(str(path))


def test_the_huge_first_event_is_decoded_by_the_fold_alone(tmp_path, monkeypatch):
    store = _store(tmp_path / "catalog.db")
    assert len(json.dumps({"rows": ROWS})) > FIRST_EVENT_PAYLOAD_CAP
    whole_reads: list[int] = []
    real = GenericLayout.row_to_event

    def counting(layout, row):
        if len(row.data or "") > FIRST_EVENT_PAYLOAD_CAP:
            whole_reads.append(row.version)  # a full decode of the big payload
        return real(layout, row)

    monkeypatch.setattr(GenericLayout, "row_to_event", counting)
    cache = SnapshotCache(tmp_path / "cache.db", every=50)
    first = replay(store, "catalog-1", at=Moment(version=80), cache=cache)
    assert first.problem is None and first.version == 80 and first.snapshot_source is None
    assert len(first.state["rows"]) == len(ROWS) and first.state["source"] == "feed.csv"
    assert first.state["price_80"] == 80 and "price_81" not in first.state
    assert whole_reads == []  # neither the first-event look nor the last event read it whole again
    again = replay(store, "catalog-1", at=Moment(version=110), cache=cache)
    assert again.snapshot_source == "cache" and again.snapshot_version == 50  # the fingerprint held
    assert len(again.state["rows"]) == len(ROWS) and again.state["price_110"] == 110
    assert whole_reads == []
