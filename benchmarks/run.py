"""Time replay against the floor, side by side, in one run (design.md §8; not part of the test run).

    python benchmarks/generate.py --out /tmp/inspector-bench     # once, a few minutes
    python benchmarks/run.py --data /tmp/inspector-bench

Prints: the floor (sqlite3 fetching the stream's payloads + orjson.loads, nothing else),
our cold replay with the generic projector (without and with the snapshot cache being
filled), our warm replay to 20 random versions, the eventsourcing library's own
``repository.get(id, version=N)`` next to our native replay at the same N, and a diff
with blame of two 10,000-field states.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from inspector.core.diff import diff_states  # noqa: E402
from inspector.core.events import Moment  # noqa: E402
from inspector.replay import GENERIC_PROJECTOR, SnapshotCache, diff, load_projectors, replay  # noqa: E402
from inspector.stores import open_store  # noqa: E402


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def floor(path: Path, stream: str, column: str, stream_column: str, version_column: str) -> tuple[float, int]:
    def run():
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        count = 0
        for (payload,) in conn.execute(
            f"SELECT {column} FROM {'events' if column == 'data' else 'stored_events'}"
            f" WHERE {stream_column} = ? ORDER BY {version_column}", (stream,)
        ):
            orjson.loads(payload)
            count += 1
        conn.close()
        return count

    return timed(run)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}){memory}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/tmp/inspector-bench")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each cold measurement; the best is shown")
    args = parser.parse_args()
    data = Path(args.data)
    rng = random.Random(11)
    print(f"machine: {machine()}")
    print()

    # --- generic layout ----------------------------------------------------------------
    generic_path = data / "generic.db"
    store = open_store(str(generic_path))
    floor_s, count = min(floor(generic_path, "account-1", "data", "stream", "version") for _ in range(args.repeat))
    cold_s, result = min(
        (timed(lambda: replay(store, "account-1", projectors=GENERIC_PROJECTOR)) for _ in range(args.repeat)),
        key=lambda pair: pair[0],
    )
    assert result.events_applied == count
    cache_dir = Path(tempfile.mkdtemp())
    cache = SnapshotCache(cache_dir / "snapshots.sqlite", every=1000)
    fill_s, _ = timed(lambda: replay(store, "account-1", projectors=GENERIC_PROJECTOR, cache=cache))
    last = result.version
    warm = []
    for version in rng.sample(range(1, last + 1), 20):
        seconds, hit = timed(lambda: replay(store, "account-1", at=Moment(version=version),
                                            projectors=GENERIC_PROJECTOR, cache=cache))
        assert hit.snapshot_source == "cache" and hit.version == version
        warm.append(seconds * 1000)
    print(f"generic layout, one stream of {count:,} events")
    print(f"  {'floor: sqlite3 fetch + orjson.loads':48} {floor_s:8.2f} s   1.00x")
    print(f"  {'ours: cold replay, generic projector':48} {cold_s:8.2f} s   {cold_s / floor_s:.2f}x  (target <= 2x)")
    print(f"  {'ours: cold replay filling the cache':48} {fill_s:8.2f} s   {fill_s / floor_s:.2f}x")
    print(f"  {'ours: warm replay to 20 random versions':48} median {statistics.median(warm):.1f} ms,"
          f" max {max(warm):.1f} ms  (target < 20 ms)")
    store.close()
    cache.close()

    # --- eventsourcing layout ------------------------------------------------------------
    es_path = data / "eventsourcing.db"
    aggregate_id = (data / "eventsourcing.id").read_text().strip()
    os.environ.update(PERSISTENCE_MODULE="eventsourcing.sqlite", SQLITE_DBNAME=str(es_path))
    from bench_domain import Bank

    app = Bank()
    store = open_store(str(es_path))
    native = load_projectors("native", path=str(HERE), store=store)
    es_floor_s, es_count = floor(es_path, aggregate_id.replace("-", ""), "state", "originator_id", "originator_version")
    print()
    print(f"eventsourcing layout, one aggregate of {es_count:,} events, library snapshots every {Bank.SNAPSHOT_EVERY:,}")
    print(f"  {'floor: sqlite3 fetch + orjson.loads':48} {es_floor_s:8.2f} s")
    import uuid

    versions = [es_count] + rng.sample(range(2, es_count), 4)
    es_cache = SnapshotCache(cache_dir / "es.sqlite", every=1000)
    fill_s, _ = timed(lambda: replay(store, aggregate_id, projectors=native, cache=es_cache, use_store_snapshots=False))
    print(f"  {'ours: cold native replay of all, filling the cache':48} {fill_s:8.2f} s")
    print(f"  {'N':>9}  {'library get(version=N)':>23}  {'ours, no cache':>15}  {'ours, warm cache':>17}  same state")
    for version in versions:
        lib_s, aggregate = timed(lambda: app.repository.get(uuid.UUID(aggregate_id), version=version))
        plain_s, plain = timed(lambda: replay(store, aggregate_id, at=Moment(version=version), projectors=native))
        warm_s, warm_r = timed(lambda: replay(store, aggregate_id, at=Moment(version=version), projectors=native,
                                              cache=es_cache))
        expected = {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}
        same = all({k: v for k, v in vars(r.raw_state).items() if k != "_pending_events"} == expected
                   for r in (plain, warm_r))
        print(f"  {version:>9,}  {lib_s * 1000:>20.1f} ms  {plain_s * 1000:>12.1f} ms  {warm_s * 1000:>14.1f} ms  {same}"
              f"   [{plain.describe()} | {warm_r.describe()}]")
    app.close()
    store.close()
    es_cache.close()

    # --- diff with blame ------------------------------------------------------------------
    wide = open_store(str(data / "wide.db"))
    diff_cache = SnapshotCache(cache_dir / "wide.sqlite", every=50)
    replay(wide, "wide-1", projectors=GENERIC_PROJECTOR, cache=diff_cache)  # warm, as in the window
    a, b = replay(wide, "wide-1", at=Moment(version=100), projectors=GENERIC_PROJECTOR).state, \
        replay(wide, "wide-1", at=Moment(version=200), projectors=GENERIC_PROJECTOR).state
    pure_s, changes = timed(lambda: diff_states(a, b))
    blame_s, result = timed(lambda: diff(wide, "wide-1", Moment(version=100), Moment(version=200),
                                         projectors=GENERIC_PROJECTOR, cache=diff_cache))
    assert len(result.changes) == len(changes) == 10_000 and all(len(c.events) == 1 for c in result.changes)
    print()
    print(f"diff of two states of {len(a):,} fields, {len(changes):,} changed paths, 100 events between")
    print(f"  {'diff_states alone':48} {pure_s * 1000:8.1f} ms")
    print(f"  {'diff with blame (replays from the cache + blame)':48} {blame_s * 1000:8.1f} ms  (target < 100 ms)")
    wide.close()
    diff_cache.close()


if __name__ == "__main__":
    main()
