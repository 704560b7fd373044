"""Write one stream of N events (default 1,000,000) in the generic and the eventsourcing SQLite layouts.

    python benchmarks/generate.py --out /tmp/bench --events 1000000

generic.db: the demo's table layout, stream ``account-1``, small JSON payloads + metadata.
eventsourcing.db: written by the eventsourcing library itself (Bank/Account in
bench_domain.py), with the library's own snapshots every Bank.SNAPSHOT_EVERY versions.
A 10,000-field stream ``wide-1`` in wide.db serves the diff-with-blame benchmark.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
NOTES = ["top-up", "refund", "promo", "salary", "transfer", "interest"]


def generic(path: Path, events: int) -> None:
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT NOT NULL,"
        " recorded_at TEXT, data TEXT, metadata TEXT);"
        "CREATE INDEX events_stream_version ON events (stream, version);"
    )

    def rows():
        balance = 0
        for version in range(1, events + 1):
            amount = (version * 7919) % 100 + 1
            balance += amount
            at = (START + timedelta(seconds=version)).isoformat().replace("+00:00", "Z")
            data = {"amount": amount, "balance": balance, "note": NOTES[version % len(NOTES)],
                    "counter": version, "currency": "EUR"}
            meta = {"actor": f"user{version % 17}", "correlation_id": f"c{version // 5}"}
            yield (version, "account-1", version, "Deposited", at, orjson.dumps(data).decode(), orjson.dumps(meta).decode())

    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", rows())
    conn.commit()
    conn.close()


def eventsourcing_store(path: Path, events: int) -> str:
    if path.exists():
        path.unlink()
    sys.path.insert(0, str(HERE))
    os.environ.update(PERSISTENCE_MODULE="eventsourcing.sqlite", SQLITE_DBNAME=str(path))
    from bench_domain import Account, Bank

    app = Bank()
    account = Account("ada")
    for version in range(2, events + 1):
        account.deposit(Decimal((version * 7919) % 100 + 1), NOTES[version % len(NOTES)])
        if version % 10_000 == 0:
            app.save(account)  # the library takes its snapshots here, every SNAPSHOT_EVERY versions
    app.save(account)
    app.close()
    return str(account.id)


def wide(path: Path, fields: int = 10_000, per_event: int = 100) -> None:
    """``wide-1``: v1..v100 write 10,000 fields, v101..v200 overwrite every one of them."""
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT NOT NULL,"
        " recorded_at TEXT, data TEXT, metadata TEXT);"
        "CREATE INDEX events_stream_version ON events (stream, version);"
    )
    rows = []
    batches = fields // per_event
    for round_ in range(2):
        for batch in range(batches):
            version = round_ * batches + batch + 1
            data = {f"field_{batch * per_event + i}": (round_ * 1000 + i) for i in range(per_event)}
            at = (START + timedelta(minutes=version)).isoformat().replace("+00:00", "Z")
            rows.append((version, "wide-1", version, "FieldsSet" if round_ == 0 else "FieldsChanged", at,
                         orjson.dumps(data).decode(), orjson.dumps({"actor": f"user{batch % 5}"}).decode()))
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", rows)
    conn.commit()
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="/tmp/inspector-bench")
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generic(out / "generic.db", args.events)
    print(f"generic.db: {args.events} events in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    aggregate_id = eventsourcing_store(out / "eventsourcing.db", args.events)
    (out / "eventsourcing.id").write_text(aggregate_id)
    print(f"eventsourcing.db: {args.events} events (aggregate {aggregate_id}) in {time.perf_counter() - started:.1f} s")
    wide(out / "wide.db")
    print("wide.db: 200 events building a 10,000-field state")


if __name__ == "__main__":
    main()
