"""Opening a big store: first page of streams and the histogram, and the memory it takes.

    python benchmarks/open_store.py --out /tmp/bench-open --events 10000000 --streams 1000000

Writes (once) a generic-layout SQLite store of EVENTS events spread over STREAMS streams,
with the indexes a real store would have ((stream, version) and recorded_at), then measures
what the window does when it opens a store: describe without counts, the first page of
streams, the time range, and a 120-bucket histogram over it; and the resident memory after.
Design target (design.md §8): first page and histogram in under 1 s, under 400 MB resident.

The store is opened with a column mapping that declares its times ISO text in one form
(``time = "iso"``, as the generator writes them), so the time range and the histogram use
the index on ``recorded_at``. ``--detect`` opens it by layout detection instead (text times
not declared: compared as epoch seconds row by row); ``--epoch`` keeps the mapping but
turns off the index-range histogram (the path every histogram took before).
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from inspector.stores import open_store  # noqa: E402

SCHEMA = """
CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT NOT NULL,
                     recorded_at TEXT, data TEXT, metadata TEXT);
"""
INDEXES = """
CREATE INDEX events_stream_version ON events (stream, version);
CREATE INDEX events_recorded_at ON events (recorded_at);
"""


def generate(path: Path, events: int, streams: int) -> None:
    """Events in time order, round-robin over streams, one second apart, built by SQLite itself."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
    conn.execute(
        """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO events
        SELECT i,
               printf('account-%07d', (i - 1) % ?),
               (i - 1) / ? + 1,
               CASE i % 3 WHEN 0 THEN 'Deposited' WHEN 1 THEN 'Withdrawn' ELSE 'Renamed' END,
               strftime('%Y-%m-%dT%H:%M:%fZ', 1767225600 + i, 'unixepoch'),
               json_object('amount', i % 100, 'note', 'n' || (i % 7)),
               json_object('actor', 'user' || (i % 17))
        FROM n
        """,
        (events, streams, streams),
    )
    conn.commit()
    conn.executescript(INDEXES)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


MAPPING = """table = "events"
[columns]
position = "position"
stream = "stream"
version = "version"
type = "type"
recorded_at = "recorded_at"
data = "data"
metadata = "metadata"
[codec]
time = "iso"
"""


def timed(label: str, fn):
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {elapsed * 1000:9.1f} ms")
    return value, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="/tmp/inspector-bench-open")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--streams", type=int, default=1_000_000)
    parser.add_argument("--detect", action="store_true", help="open by layout detection, without the mapping")
    parser.add_argument("--epoch", action="store_true", help="histograms by epoch seconds per row (the old path)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"store-{args.events}-{args.streams}.db"
    if not path.exists():
        print(f"generating {args.events:,} events in {args.streams:,} streams ...", flush=True)
        start = time.perf_counter()
        generate(path, args.events, args.streams)
        print(f"  generated in {time.perf_counter() - start:.0f} s ({path.stat().st_size / 2**20:.0f} MiB)")
    mapping = out / "mapping.toml"
    mapping.write_text(MAPPING)
    how = "detected layout" if args.detect else "mapping with time = iso"
    print(f"open a store of {args.events:,} events / {args.streams:,} streams (SQLite, generic layout, {how})")
    total = 0.0
    store, spent = timed("open + detect layout" if args.detect else "open with the mapping",
                         lambda: open_store(str(path), mapping=None if args.detect else mapping))
    total += spent
    store.histogram_by_index = not args.epoch
    _, spent = timed("describe (no counts)", lambda: store.describe(counts=False))
    total += spent
    page, spent = timed("first page of 200 streams with counts", lambda: store.streams(limit=200))
    total += spent
    (first, last), spent = timed("time range", store.time_range)
    total += spent
    histogram, spent = timed("histogram, 120 buckets over the whole range", lambda: store.histogram(first, last, 120))
    total += spent
    assert len(page) == 200 and sum(histogram.counts) > 0
    path_taken = "index ranges" if store.histogram_by_index and store.stored_time() else "epoch seconds per row"
    print(f"  {'(histogram counted by ' + path_taken + ')':<44}")
    print(f"  {'total to first screen':<44} {total * 1000:9.1f} ms   (target < 1000 ms)")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {'peak resident memory':<44} {rss_mb:9.1f} MB   (target < 400 MB)")
    _, spent = timed("next page of 200 streams (keyset)", lambda: store.streams(after=page[-1].stream, limit=200))
    zoom_start = first + (last - first) * 0.45
    zoom_end = first + (last - first) * 0.55
    timed("histogram of a 10% zoom, 120 buckets", lambda: store.histogram(zoom_start, zoom_end, 120))
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
