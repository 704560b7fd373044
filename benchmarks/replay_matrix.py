"""Replay on every layout x engine, against the floor, in one run (not part of the test run).

    python benchmarks/replay_matrix.py                               # 10k, 100k and 1M events per combo
    python benchmarks/replay_matrix.py --sizes 10000,100000          # smaller, a few minutes
    python benchmarks/replay_matrix.py --only marten,generic/sqlite  # some combos (substring of the name)

Combos: eventsourcing (SQLite, PostgreSQL; written by the ``eventsourcing`` library), Marten,
Message DB, EventSauce (MariaDB, PostgreSQL), Axon with JSON payloads (PostgreSQL, MariaDB),
generic (SQLite, PostgreSQL json and jsonb, MariaDB) and JSON Lines. Each store holds one
stream per size; it is built on the first run (files in ``--data``, server stores in one
database per combo named ``insp_bench_<combo>``) and reused afterwards (``--rebuild`` to
start again). Servers: ``--postgres`` and ``--mariadb`` SQLAlchemy URLs of a database the
writer may create databases from.

For each combo and size it prints, in seconds unless said:
  floor   the bare driver fetching the stream's payloads in version order + orjson.loads each
  ours    ``replay(store, stream, projectors=GENERIC_PROJECTOR, cache=None)``, a full fold
          (store-native snapshots off, so every event is applied), and the ratio to the floor
  user    the same with the user projector file ``bench_projector.py`` (reads one field)
          -- floor, ours and user run interleaved, --repeat times; min and median are shown,
          and ``noise`` is the worst max/min among the three
  warm    a FRESH Python process opens the store and replays to --warm random versions with
          the on-disk snapshot cache a previous process filled (median and max, ms); ``open``
          is that process's open_store time, ``fill`` the first process's cold replay that
          filled the cache
and, for eventsourcing, the library's ``repository.get(id, version=N)`` next to our native
replay (no cache of ours; the store's snapshots used) at N on and off the library's snapshots
(taken every size/10 versions), with a check that both give the same aggregate state: the
best of --repeat interleaved runs each (the target's measure) and their medians.

Targets (✓/✗): cold replay <= 2x the floor (min of the runs), growing linearly with the
stream (time per event at the largest size <= 1.5x that at the smallest), warm replay < 20 ms
at every version tried, eventsourcing faster than repository.get at every N with identical state.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from matrix_stores import (  # noqa: E402
    Combo,
    Context,
    StreamRef,
    all_combos,
    es_snapshot_interval,
    library_app,
)

from inspector.core.events import Moment  # noqa: E402
from inspector.replay import GENERIC_PROJECTOR, SnapshotCache, load_projectors, replay  # noqa: E402
from inspector.stores import open_store  # noqa: E402

POSTGRES_URL = os.environ.get("INSPECTOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIADB_URL = os.environ.get("INSPECTOR_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
USER_PROJECTOR = HERE / "bench_projector.py"
OK, KO = "✓", "✗"


def mark(ok: bool) -> str:
    return OK if ok else KO


# --- machine ------------------------------------------------------------------------------------
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
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    from importlib.metadata import version

    return (f"{platform.system()} {platform.release()}, nproc {os.cpu_count()} ({cpu}){memory}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, psycopg {version('psycopg')}, "
            f"PyMySQL {version('PyMySQL')}, eventsourcing {version('eventsourcing')}, orjson {version('orjson')}")


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def server_versions(ctx: Context) -> str:
    import sqlalchemy as sa

    found = []
    for label, url in (("PostgreSQL", ctx.postgres_url), ("MariaDB", ctx.mariadb_url)):
        try:
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                found.append(f"{label} {conn.exec_driver_sql('SELECT version()').scalar().split(' on ')[0]}")
            engine.dispose()
        except sa.exc.DBAPIError as exc:
            found.append(f"{label} unreachable ({type(exc.orig).__name__})")
    return ", ".join(found)


# --- timing -------------------------------------------------------------------------------------
def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


@dataclass
class Runs:
    seconds: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def noise(self) -> float:
        return max(self.seconds) / min(self.seconds)


@dataclass
class Row:
    combo: str
    size: int
    floor: Runs
    ours: Runs
    user: Runs
    warm_ms: list[float]
    open_ms: float
    fill_s: float
    problems: list[str]

    @property
    def ratio(self) -> float:
        return self.ours.best / self.floor.best

    @property
    def warm_ok(self) -> bool:
        return bool(self.warm_ms) and max(self.warm_ms) < 20.0


def expected_balance(combo: Combo, size: int):
    """What the user projector must end with: the sum of the amounts written."""
    from decimal import Decimal

    if combo.layout == "eventsourcing":  # version 1 is Opened; deposits are versions 2..size
        return Decimal(sum((v * 7919) % 100 + 1 for v in range(2, size + 1)))
    return sum((i * 7919) % 100 + 1 for i in range(1, size + 1))


def check_full(result, ref: StreamRef, label: str) -> list[str]:
    problems = []
    if result.problem or result.stopped:
        problems.append(f"{label}: {result.problem or result.stopped}")
    if result.events_applied != ref.size or result.version != ref.last_version:
        problems.append(f"{label}: applied {result.events_applied} events up to v{result.version},"
                        f" expected {ref.size} up to v{ref.last_version}")
    return problems


def measure_cold(combo: Combo, ctx: Context, ref: StreamRef, store, user, repeat: int) -> tuple[Runs, Runs, Runs, list]:
    floor, ours, mine = Runs(), Runs(), Runs()
    problems: list[str] = []
    for _ in range(repeat):
        seconds, count = timed(lambda: combo.floor(ctx, ref))
        floor.seconds.append(seconds)
        if count != ref.size:
            problems.append(f"floor read {count} rows, expected {ref.size}")
        seconds, result = timed(lambda: replay(store, ref.name, projectors=GENERIC_PROJECTOR, cache=None,
                                               use_store_snapshots=False))
        ours.seconds.append(seconds)
        problems += check_full(result, ref, "generic replay")
        seconds, result = timed(lambda: replay(store, ref.name, projectors=user, cache=None,
                                               use_store_snapshots=False))
        mine.seconds.append(seconds)
        problems += check_full(result, ref, "user projector replay")
        balance = result.state.get("balance") if isinstance(result.state, dict) else None
        expected = expected_balance(combo, ref.size)
        if balance is None or str(balance) != str(expected):
            problems.append(f"user projector balance {balance!r}, expected {expected}")
    return floor, ours, mine, sorted(set(problems))


# --- warm replay in fresh processes -------------------------------------------------------------
def worker(args: argparse.Namespace) -> int:
    """``--worker fill|warm``: one process's part of the warm measurement; prints one JSON line."""
    started = time.perf_counter()
    store = open_store(args.target)
    open_ms = (time.perf_counter() - started) * 1000
    cache = SnapshotCache(args.cache)
    out: dict = {"open_ms": open_ms}
    if args.worker == "fill":
        seconds, result = timed(lambda: replay(store, args.stream, projectors=GENERIC_PROJECTOR, cache=cache))
        out.update(fill_s=seconds, version=result.version, problem=result.problem)
    else:
        times, problems = [], []
        for version in (int(v) for v in args.versions.split(",")):
            seconds, result = timed(lambda: replay(store, args.stream, at=Moment(version=version),
                                                   projectors=GENERIC_PROJECTOR, cache=cache))
            times.append(seconds * 1000)
            if result.version != version or result.problem:
                problems.append(f"v{version}: got v{result.version} {result.problem or ''}".strip())
            elif result.snapshot_source is None and result.events_applied > cache.every:
                problems.append(f"v{version}: no snapshot used ({result.describe()})")
        out.update(times_ms=times, problems=problems)
    cache.close()
    store.close()
    print(json.dumps(out))
    return 0


def run_worker(kind: str, target: str, stream: str, cache: Path, versions: list[int] | None = None) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--target", target,
               "--stream", stream, "--cache", str(cache)]
    if versions:
        command += ["--versions", ",".join(map(str, versions))]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"warm worker ({kind}) failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_warm(target: str, ref: StreamRef, workdir: Path, count: int, rng: random.Random) -> dict:
    cache = workdir / f"cache-{os.getpid()}-{ref.size}-{rng.random():.6f}.sqlite"
    try:
        fill = run_worker("fill", target, ref.name, cache)
        versions = rng.sample(range(ref.first_version, ref.last_version + 1), min(count, ref.size))
        warm = run_worker("warm", target, ref.name, cache, versions)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(str(cache) + suffix).unlink(missing_ok=True)
    problems = list(warm["problems"])
    if fill.get("problem"):
        problems.append(f"fill: {fill['problem']}")
    return {"fill_s": fill["fill_s"], "open_ms": warm["open_ms"], "times_ms": warm["times_ms"], "problems": problems}


# --- eventsourcing: the library's repository.get next to ours --------------------------------------
def library_versions(ref: StreamRef, rng: random.Random) -> list[tuple[int, bool]]:
    """(N, on a library snapshot?) for N on and off the library's snapshots."""
    every = es_snapshot_interval(ref.size)
    on = sorted({every * 5, ref.size})
    off = sorted({every - 1, every * 5 + every // 2, rng.randrange(2, ref.size)} - set(on))
    return sorted([(n, True) for n in on] + [(n, n % every == 0) for n in off])


def compare_library(combo: Combo, ctx: Context, ref: StreamRef, store, repeat: int, rng: random.Random) -> list[dict]:
    import uuid

    app = library_app(combo.library_env(ctx))
    native = load_projectors("native", path=str(HERE), store=store)
    rows = []
    try:
        for version, on_snapshot in library_versions(ref, rng):
            lib, ours = Runs(), Runs()
            for _ in range(repeat):
                seconds, aggregate = timed(lambda: app.repository.get(uuid.UUID(ref.name), version=version))
                lib.seconds.append(seconds)
                seconds, result = timed(lambda: replay(store, ref.name, at=Moment(version=version), projectors=native))
                ours.seconds.append(seconds)
            expected = {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}
            got = {k: v for k, v in vars(result.raw_state).items() if k != "_pending_events"} \
                if result.raw_state is not None else None
            rows.append({"version": version, "on_snapshot": on_snapshot, "library": lib, "ours": ours,
                         "same": got == expected, "how": result.describe() if not result.problem else result.problem})
    finally:
        app.close()
    return rows


# --- the run ------------------------------------------------------------------------------------
def ensure_store(combo: Combo, ctx: Context, sizes: list[int], rebuild: bool) -> tuple[dict[int, StreamRef], str]:
    found = {} if rebuild else combo.existing(ctx)
    if all(size in found for size in sizes):
        return found, "reused"
    wanted = sorted(set(sizes) | set(found))
    seconds, found = timed(lambda: combo.build(ctx, wanted))
    missing = [size for size in sizes if size not in found]
    if missing:
        raise RuntimeError(f"{combo.name}: built, but no stream of {missing} events was found afterwards")
    return found, f"built in {seconds:.0f} s"


def ms(seconds: float) -> str:
    """Milliseconds, to the microsecond below 10 ms (a replay at a snapshot takes a fraction of one)."""
    value = seconds * 1000
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.2f}"


def run_combo(combo: Combo, ctx: Context, args, rng: random.Random, workdir: Path) -> tuple[list[Row], list, list[str]]:
    print(f"\n== {combo.name} ==", flush=True)
    refs, how = ensure_store(combo, ctx, args.sizes, args.rebuild)
    print(f"  store {how}; load average now {load_average()}", flush=True)
    for note in combo.notes:
        print(f"  ({note})")
    print(f"  {'events':>9}  {'floor s':>8}  {'ours s':>8}  {'ratio':>10}  {'user s':>8}  {'ratio':>5}  {'noise':>5}  "
          f"{'warm ms med/max':>15}  {'open ms':>7}  {'fill s':>7}  targets")
    rows, library, remarks = [], [], []
    for size in args.sizes:
        ref = refs[size]
        target = combo.target(ctx, size)
        store = open_store(target)
        try:
            if args.library_only:
                if combo.library_env is not None:
                    library.append((size, compare_library(combo, ctx, ref, store, args.repeat, rng)))
                continue
            user = load_projectors(str(USER_PROJECTOR))
            floor, ours, mine, problems = measure_cold(combo, ctx, ref, store, user, args.repeat)
            try:
                warm = measure_warm(target, ref, workdir, args.warm, rng)
            except (RuntimeError, ValueError) as exc:
                warm = {"fill_s": float("nan"), "open_ms": float("nan"), "times_ms": [], "problems": [str(exc)]}
            row = Row(combo.name, size, floor, ours, mine, warm["times_ms"], warm["open_ms"], warm["fill_s"],
                      problems + warm["problems"])
            rows.append(row)
            warm_text = (f"{statistics.median(row.warm_ms):.1f}/{max(row.warm_ms):.1f}" if row.warm_ms else "failed")
            noise = max(floor.noise, ours.noise, mine.noise)
            print(f"  {size:>9,}  {fmt_s(floor.best):>8}  {fmt_s(ours.best):>8}  "
                  f"{row.ratio:>4.2f}/{ours.median / floor.median:<4.2f}x  {fmt_s(mine.best):>8}  "
                  f"{mine.best / floor.best:>4.2f}x  {noise:>5.2f}  {warm_text:>15}  {row.open_ms:>7.1f}  "
                  f"{row.fill_s:>7.2f}  cold{mark(row.ratio <= 2.0)} warm{mark(row.warm_ok)}"
                  f"{'' if not row.problems else ' ' + KO + ' wrong answers'}", flush=True)
            for problem in row.problems[:5]:
                print(f"      problem: {problem}")
            if combo.library_env is not None and not args.no_library:
                library.append((size, compare_library(combo, ctx, ref, store, args.repeat, rng)))
        finally:
            store.close()
    if len(rows) > 1:
        small, large = rows[0], rows[-1]
        growth = (large.ours.best / small.ours.best) / (large.size / small.size)
        floor_growth = (large.floor.best / small.floor.best) / (large.size / small.size)
        per_event = ", ".join(f"{r.ours.best / r.size * 1e6:.1f}" for r in rows)
        floor_per_event = ", ".join(f"{r.floor.best / r.size * 1e6:.1f}" for r in rows)
        line = (f"  linear: µs per event, ours {per_event}; floor {floor_per_event}; "
                f"growth {growth:.2f} (floor {floor_growth:.2f})  {mark(growth <= 1.5)}")
        print(line)
        remarks.append(f"growth {growth:.2f}")
    for size, comparisons in library:
        print(f"  eventsourcing {size:,} events, library snapshots every {es_snapshot_interval(size):,}:")
        print(f"    {'N':>9}  {'on snapshot':>11}  {'library get ms':>14}  {'ours ms':>8}  {'ours/lib':>8}  "
              f"{'median ms lib/ours':>18}  {'ratio':>6}  same  how (ours)")
        for c in comparisons:
            ratio = c["ours"].best / c["library"].best
            median_ratio = c["ours"].median / c["library"].median
            print(f"    {c['version']:>9,}  {'yes' if c['on_snapshot'] else 'no':>11}  {ms(c['library'].best):>14}  "
                  f"{ms(c['ours'].best):>8}  {ratio:>7.2f}x  "
                  f"{ms(c['library'].median) + ' / ' + ms(c['ours'].median):>18}  {median_ratio:>5.2f}x  "
                  f"{mark(c['same']):>4}  {c['how']}  faster{mark(ratio < 1.0)}")
    return rows, library, remarks


def summary(results: list[tuple[str, list[Row], list, list[str]]]) -> None:
    print("\n== targets ==")
    print(f"  {'combo':26}  {'cold <= 2x floor (per size)':32}  {'linear':8}  {'warm < 20 ms':16}  {'lib get':8}  answers")
    for name, rows, library, remarks in results:
        cold = " ".join(f"{mark(r.ratio <= 2.0)}{r.ratio:.1f}" for r in rows)
        linear = "-"
        if len(rows) > 1:
            growth = (rows[-1].ours.best / rows[0].ours.best) / (rows[-1].size / rows[0].size)
            linear = f"{mark(growth <= 1.5)}{growth:.2f}"
        warm = " ".join(f"{mark(r.warm_ok)}{max(r.warm_ms):.0f}" if r.warm_ms else KO for r in rows)
        lib = "-"
        if library:
            comparisons = [c for _, cs in library for c in cs]
            fast = all(c["ours"].best < c["library"].best for c in comparisons)
            lib = mark(fast and all(c["same"] for c in comparisons))
        answers = mark(bool(rows) and not any(r.problems for r in rows))
        if not rows and library:  # --library-only: the answers are the library comparison's
            answers = mark(all(c["same"] for _, cs in library for c in cs))
        elif not rows:
            answers += " " + "; ".join(remarks)[:60]
        print(f"  {name:26}  {cold:32}  {linear:8}  {warm:16}  {lib:8}  {answers}")
    noises = [max(r.floor.noise, r.ours.noise, r.user.noise) for _, rows, _, _ in results for r in rows]
    if noises:
        print(f"  noise (max/min of the {len(noises)} rows' repeated runs): median {statistics.median(noises):.2f}, "
              f"worst {max(noises):.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="/tmp/inspector-bench-matrix", help="folder of the file stores")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="stream lengths, comma-separated")
    parser.add_argument("--only", default="", help="combos whose name contains one of these (comma-separated)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs of each cold measurement")
    parser.add_argument("--warm", type=int, default=20, help="random versions replayed in the warm process")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rebuild", action="store_true", help="build every store again")
    parser.add_argument("--no-library", action="store_true", help="skip eventsourcing's repository.get comparison")
    parser.add_argument("--library-only", action="store_true",
                        help="eventsourcing: only the repository.get comparison (no floor, cold or warm runs)")
    parser.add_argument("--postgres", default=POSTGRES_URL)
    parser.add_argument("--mariadb", default=MARIADB_URL)
    parser.add_argument("--list", action="store_true", help="list the combos and exit")
    parser.add_argument("--worker", choices=["fill", "warm"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--stream", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    parser.add_argument("--versions", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    combos = all_combos()
    if args.list:
        for combo in combos:
            print(combo.name)
        return 0
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    combos = [c for c in combos if not wanted or any(w in c.name for w in wanted)]
    if not combos:
        parser.error(f"no combo matches --only {args.only!r} (see --list)")
    args.sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    ctx = Context(data, args.postgres, args.mariadb)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    print(f"machine: {machine()}")
    print(f"servers: {server_versions(ctx)}")
    print(f"load average at start: {load_average()}; sizes {', '.join(f'{s:,}' for s in args.sizes)}; "
          f"repeat {args.repeat}; warm versions {args.warm}")
    results = []
    with tempfile.TemporaryDirectory(prefix="replay-matrix-") as workdir:
        for combo in combos:
            try:
                rows, library, remarks = run_combo(combo, ctx, args, rng, Path(workdir))
            except Exception as exc:  # one combo failing must not hide the others' numbers
                print(f"  {KO} {combo.name} failed: {type(exc).__name__}: {exc}", flush=True)
                rows, library, remarks = [], [], [f"failed: {exc}"]
            results.append((combo.name, rows, library, remarks))
    summary(results)
    print(f"load average at end: {load_average()}; whole run {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
