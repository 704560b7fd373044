"""Where a warm replay's time goes, step by step, in a fresh process (issue 9; not part of the test run).

    python benchmarks/warm_replay_steps.py --only axon/mariadb --size 100000
    python benchmarks/warm_replay_steps.py --only messagedb/postgresql --size 1000000 --versions 20

For each combo (stores of ``replay_matrix.py``, built by ``matrix_stores.py`` and reused) one
process fills a snapshot cache with a cold replay (``--cache``: a file kept between runs, so
two trees can be compared on the same entries), then a FRESH process opens the store and the
cache and replays to ``--versions`` random versions (seed ``--seed``) with the generic
projector. It prints, in milliseconds of wall clock, per replay: the whole ``replay()`` call
(the target's measure: the replay's own time in a new process, after ``open_store`` and the
cache's open, not Python's start-up nor the imports) and its CPU time, and the parts:

  first_event      the stream's first event (``engine._first_event``)
  change_mark      the server's change mark (``SqlEventStore.change_mark``; the first call also
                   asks once whether the table's writes move it)
  cache_latest     the cache look-up (``SnapshotCache.latest``, which also marks the entry used)
  unchanged_prefixes  PostgreSQL's proof that no event up to the entry changed since its mark (only
                   when the server's mark moved since the entry was written: any write on the server)
  verify_fold      re-reading the entry's version, its fingerprint check, and the events folded
                   after it (up to the cache's checkpoint spacing)
  statements       SQL statements sent to the store

The first replay of the process is shown apart (its statements are compiled and the cache's
first write syncs a new write-ahead log), then the median and maximum of the others.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

STEPS = ("first_event", "change_mark", "cache_latest", "unchanged_prefixes", "verify_fold")


def _child(args: argparse.Namespace) -> int:
    """One process: ``fill`` the cache, or replay to ``--at`` versions and print one JSON line."""
    import sqlalchemy as sa

    import inspector.replay.engine as engine
    from inspector.core.events import Moment
    from inspector.replay import GENERIC_PROJECTOR, SnapshotCache, replay
    from inspector.stores import open_store
    from inspector.stores.sql import SqlEventStore

    spent: dict[str, float] = defaultdict(float)

    def timed(owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                spent[label] += (time.perf_counter() - started) * 1000

        setattr(owner, name, wrapper)

    timed(engine, "_first_event", "first_event")
    timed(SqlEventStore, "change_mark", "change_mark")
    timed(SqlEventStore, "unchanged_prefixes", "unchanged_prefixes")
    timed(SnapshotCache, "latest", "cache_latest")
    timed(engine._Run, "_verify", "verify_fold")
    store = open_store(args.target)
    cache = SnapshotCache(args.cache)
    statements: list[str] = []
    if hasattr(store, "engine"):
        sa.event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    rows = []
    if args.child == "fill":
        started = time.perf_counter()
        result = replay(store, args.stream, projectors=GENERIC_PROJECTOR, cache=cache)
        rows.append({"fill_s": time.perf_counter() - started, "version": result.version})
    else:
        for version in (int(v) for v in args.at.split(",")):
            spent.clear()
            statements.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            result = replay(store, args.stream, at=Moment(version=version), projectors=GENERIC_PROJECTOR, cache=cache)
            row = dict(spent, wall=(time.perf_counter() - wall) * 1000, cpu=(time.process_time() - cpu) * 1000,
                       statements=len(statements), applied=result.events_applied, source=result.snapshot_source)
            if result.version != version or result.problem:
                row["problem"] = f"v{version}: got v{result.version} {result.problem or ''}"
            rows.append(row)
    cache.close()
    store.close()
    print(json.dumps(rows))
    return 0


def _run(kind: str, target: str, stream: str, cache: Path, at: list[int] | None = None) -> list[dict]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--target", target,
               "--stream", stream, "--cache", str(cache)]
    if at:
        command += ["--at", ",".join(map(str, at))]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _line(label: str, values: list[dict]) -> str:
    def pick(key: str, how) -> str:
        return f"{how(v.get(key, 0.0) for v in values):.1f}"

    how = max if label == "max" else statistics.median
    parts = [f"wall {pick('wall', how)}", f"cpu {pick('cpu', how)}", *(f"{s} {pick(s, how)}" for s in STEPS)]
    return f"  {label:>13}: " + "  ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="combos whose name contains one of these (comma-separated)")
    parser.add_argument("--size", type=int, default=100_000, help="the stream of this many events")
    parser.add_argument("--versions", type=int, default=20, help="random versions replayed in the fresh process")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", default="/tmp/inspector-warm-steps", help="folder of the filled caches (kept)")
    parser.add_argument("--data", default="/tmp/inspector-bench-matrix", help="as replay_matrix.py's")
    parser.add_argument("--child", choices=["fill", "warm"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--stream", help=argparse.SUPPRESS)
    parser.add_argument("--at", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args)
    from matrix_stores import Context, all_combos
    from replay_matrix import MARIADB_URL, POSTGRES_URL, ensure_store, load_average

    ctx = Context(Path(args.data), POSTGRES_URL, MARIADB_URL)
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    folder = Path(args.cache)
    folder.mkdir(parents=True, exist_ok=True)
    for combo in all_combos():
        if wanted and not any(w in combo.name for w in wanted):
            continue
        refs, how = ensure_store(combo, ctx, [args.size], False)
        ref = refs[args.size]
        target = combo.target(ctx, args.size)
        cache = folder / f"{combo.slug}-{args.size}.sqlite"
        if not cache.exists():
            filled = _run("fill", target, ref.name, cache)[0]
            print(f"== {combo.name}: cache filled by a cold replay in {filled['fill_s']:.1f} s")
        rng = random.Random(args.seed)
        versions = [rng.randint(ref.first_version, ref.last_version) for _ in range(args.versions)]
        copy = folder / f"{combo.slug}-{args.size}.run.sqlite"  # the filled cache stays as filled
        copy.write_bytes(cache.read_bytes())
        try:
            rows = _run("warm", target, ref.name, copy, versions)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(str(copy) + suffix).unlink(missing_ok=True)
        print(f"== {combo.name}, {args.size:,} events, store {how}, load {load_average()}, ms")
        print(f"  statements per replay: {[r['statements'] for r in rows]}; events folded: "
              f"{[r['applied'] for r in rows]}; from: {sorted({str(r['source']) for r in rows})}")
        for problem in (r["problem"] for r in rows if "problem" in r):
            print(f"  ✗ {problem}")
        print(_line("first replay", rows[:1]))
        print(_line("median", rows[1:]))
        print(_line("max", rows[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
