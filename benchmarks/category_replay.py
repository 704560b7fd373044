"""Whole-category replay (``states``/``compare``) against the floor of reading the same rows.

    python benchmarks/category_replay.py                          # 1,000,000 events across 10,000 streams
    python benchmarks/category_replay.py --events 100000 --streams 1000 --repeat 3
    python benchmarks/category_replay.py --postgres postgresql+psycopg://postgres@127.0.0.1/test

What is measured, in the same process and interleaved (floor, ours, ... ``--repeat`` times) so
each meets the same machine load:

* **floor**: the bare driver (``sqlite3`` / psycopg with a server-side cursor) reading every row
  of the category in (stream, version) order and decoding each payload with ``orjson``: what any
  whole-category replay must at least do;
* **states (generic)**: ``replay_category`` with the built-in generic projector (last value of
  each payload field), every stream to its latest version, a ``--where`` that never holds (so
  nothing is printed: the replay alone is timed); the category is read in one pass
  (``read_category_for_replay``: keyset pages in (stream, version) order, no stream listing);
* **states (user file)**: the same with a projector loaded from a file (user code: it gets
  read-only events with copied payloads, as ``--projector my.py`` does);
* **states --ever**: the user projector, the predicate asked after every version;
* **compare**: the user projector against a copy of itself with one changed rule (both folded
  from one read);
* **2 processes**: ``replay_category(..., processes=2)`` (``states --processes 2``): the category
  cut into slices of about 20,000 events at stream boundaries (``category_slices``), each read in
  one pass and folded by this process or one spawned worker (which opens the store and loads the
  projector file itself; the time includes starting it, about half a second on an idle machine).
  Its CPU column adds the worker's CPU (``RUSAGE_CHILDREN``, the pool is joined before the clock
  stops) to this process's: the work done, against the wall time it took;
* **compare, 2 processes**: ``compare_category(..., processes=2)`` (``compare --processes 2``):
  the same slices, each folded by both projector files in this process or the worker (which loads
  both); CPU as for the 2-process states row.

Then every category of the demo store (60 streams, 5,400 events) with the demo projector.
Results go to stdout; ``benchmarks/RESULTS.md`` keeps the runs worth keeping.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
NOTES = ["top-up", "refund", "promo", "salary", "transfer", "interest"]
CATEGORY = "account"

USER_PROJECTOR = '''
from inspector.replay import projector

@projector("account")
def account(state, event):
    data = event.data
    if event.type == "Deposited":
        state["balance"] = state.get("balance", 0) + data["amount"]
    elif event.type == "Withdrawn":
        state["balance"] = state.get("balance", 0) - data["amount"]
    state["last_note"] = data.get("note")
    state["events"] = state.get("events", 0) + 1
    return state
'''


def stream_name(index: int) -> str:
    return f"{CATEGORY}-{index:07d}"


def rows(events: int, streams: int):
    """``events`` rows spread evenly over ``streams`` streams, written in a shuffled-like global order
    (round robin), so a stream's rows are not next to each other on disk, as in a real store."""
    per = events // streams
    position = 0
    balances = [0] * streams
    for version in range(1, per + 1):
        for index in range(streams):
            position += 1
            amount = (position * 7919) % 100 + 1
            kind = "Withdrawn" if version % 5 == 0 else "Deposited"
            balances[index] += -amount if kind == "Withdrawn" else amount
            at = (START + timedelta(seconds=position)).isoformat().replace("+00:00", "Z")
            data = {"amount": amount, "balance": balances[index], "note": NOTES[position % len(NOTES)],
                    "counter": version, "currency": "EUR"}
            meta = {"actor": f"user{position % 17}", "correlation_id": f"c{position // 5}"}
            yield (position, stream_name(index), version, kind, at, orjson.dumps(data).decode(),
                   orjson.dumps(meta).decode())


def build_sqlite(path: Path, events: int, streams: int) -> None:
    if path.exists():
        path.unlink()
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT NOT NULL,"
        " recorded_at TEXT, data TEXT, metadata TEXT);"
        "CREATE INDEX events_stream_version ON events (stream, version);"
    )
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", rows(events, streams))
    conn.commit()
    conn.close()


def build_postgres(url: str, events: int, streams: int) -> str:
    """A database of its own (``insp_bench_category_<events>``) on the server, filled once; its URL."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"insp_bench_category_{events}_{streams}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).first()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    target = make_url(url).set(database=name).render_as_string(hide_password=False)
    if exists:
        return target
    import psycopg

    with psycopg.connect(make_url(target).set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        conn.execute("CREATE TABLE events (position bigint PRIMARY KEY, stream text NOT NULL, version bigint,"
                     " type text NOT NULL, recorded_at timestamptz, data jsonb, metadata jsonb)")
        with conn.cursor().copy("COPY events FROM STDIN") as copy:
            for row in rows(events, streams):
                copy.write_row(row)
        conn.execute("CREATE INDEX events_stream_version ON events (stream, version)")
        conn.execute("ANALYZE events")
    return target


# --- the floor ------------------------------------------------------------------------------
def floor_sqlite(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    count = 0
    loads = orjson.loads
    for row in conn.execute("SELECT position, stream, version, type, recorded_at, data, metadata FROM events"
                            " WHERE stream LIKE 'account-%' ORDER BY stream, version"):
        loads(row[5])
        count += 1
    conn.close()
    return count


def floor_postgres(url: str) -> int:
    import psycopg
    from sqlalchemy.engine import make_url

    count = 0
    loads = orjson.loads
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        with conn.cursor(name="floor") as cursor:
            cursor.itersize = 2000
            # jsonb read as text, as the inspector reads it, and decoded by orjson
            cursor.execute("SELECT position, stream, version, type, recorded_at, data::text, metadata::text"
                           " FROM events WHERE stream LIKE 'account-%' ORDER BY stream, version")
            for row in cursor:
                loads(row[5])
                count += 1
    return count


# --- ours -----------------------------------------------------------------------------------
def ours(target: str, spec: str, *, where: str | None, ever: bool = False, processes: int = 1) -> tuple[int, int]:
    from inspector.replay import load_projectors
    from inspector.replay.category import replay_category
    from inspector.stores import open_store

    store = open_store(target)
    try:
        projectors = load_projectors(spec, store=store)
        run = replay_category(store, projectors=projectors, category=CATEGORY, where=where, ever=ever,
                              processes=processes)
        matched = sum(1 for outcome in run if outcome.matched)
        assert run.totals.stopped == 0
        return run.totals.events_applied, matched
    finally:
        store.close()


def compare(target: str, old: str, new: str, processes: int = 1) -> tuple[int, int]:
    from inspector.replay import load_projectors
    from inspector.replay.category import compare_category
    from inspector.stores import open_store

    store = open_store(target)
    try:
        run = compare_category(store, old=load_projectors(old, store=store), new=load_projectors(new, store=store),
                               category=CATEGORY, processes=processes)
        differing = sum(1 for difference in run if difference.differs)
        return run.totals.events_applied, differing
    finally:
        store.close()


# --- running --------------------------------------------------------------------------------
def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "?"


def machine() -> str:
    import sqlalchemy

    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.system()} {platform.release()}, nproc {os.cpu_count()} ({model}), Python {platform.python_version()},"
            f" SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}, orjson {orjson.__version__}")


def run_engine(name: str, target: str, floor_fn, floor_arg, user_file: Path, changed_file: Path, args) -> None:
    from inspector.stores import open_store

    print(f"\n== {name}: {args.events:,} events across {args.streams:,} streams ==")
    open_store(target).close()  # imports and the first connection are not timed
    print(f"  load average at start: {load_average()}")
    keys = ("floor", "generic", "user", "ever", "compare", "two", "compare_two")
    wall: dict[str, list[float]] = {key: [] for key in keys}
    cpu: dict[str, list[float]] = {key: [] for key in keys}

    def children_cpu() -> float:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime

    def measure(key: str, fn, *fn_args, **kwargs):
        started, started_cpu, started_children = time.perf_counter(), time.process_time(), children_cpu()
        result = fn(*fn_args, **kwargs)
        wall[key].append(time.perf_counter() - started)
        cpu[key].append(time.process_time() - started_cpu + children_cpu() - started_children)
        return result

    for attempt in range(args.repeat):
        count = measure("floor", floor_fn, floor_arg)
        assert count == args.events, (count, args.events)
        applied, matched = measure("generic", ours, target, "generic", where="False")
        assert applied == args.events and matched == 0
        applied, matched = measure("user", ours, target, str(user_file), where="False")
        assert applied == args.events
        applied, matched = measure("ever", ours, target, str(user_file), where='state["balance"] < -1000000', ever=True)
        assert applied == args.events and matched == 0
        if not args.skip_compare:
            applied, differing = measure("compare", compare, target, str(user_file), str(changed_file))
            assert applied == args.events and differing == args.streams, (applied, differing)
        if not args.no_processes:
            applied, matched = measure("two", ours, target, str(user_file), where="False", processes=2)
            assert applied == args.events, applied
            if not args.skip_compare:
                applied, differing = measure("compare_two", compare, target, str(user_file), str(changed_file),
                                             processes=2)
                assert applied == args.events and differing == args.streams, (applied, differing)
        print(f"  run {attempt + 1}: floor {wall['floor'][-1]:.2f} s, generic {wall['generic'][-1]:.2f} s,"
              f" user {wall['user'][-1]:.2f} s; load {load_average()}", flush=True)
    print(f"  {'':<34} {'wall best':>10} {'median':>8} {'events/s':>11} {'x floor':>8}   {'CPU best':>9} {'x floor':>8}"
          "   (CPU: this process; 2 processes: both)")
    labels = {
        "floor": "floor (driver + orjson)",
        "generic": "states, generic projector",
        "user": "states, user projector file",
        "ever": "states --ever, user projector",
        "compare": "compare, user vs changed copy",
        "two": "states, user file, 2 processes",
        "compare_two": "compare, 2 processes",
    }
    for key, label in labels.items():
        if not wall[key]:
            continue
        best, median = min(wall[key]), statistics.median(wall[key])
        cpu_text = f"   {min(cpu[key]):8.2f}s {min(cpu[key]) / min(cpu['floor']):7.2f}x"
        print(f"  {label:<34} {best:9.2f}s {median:7.2f}s {args.events / best:>11,.0f} {best / min(wall['floor']):7.2f}x"
              f"{cpu_text}")
    if wall["two"]:
        print(f"  speed-up of 2 processes over 1 (user projector, best wall): {min(wall['user']) / min(wall['two']):.2f}x;"
              f" CPU of both processes {min(cpu['two']):.2f} s against {min(cpu['user']):.2f} s in one")
    if wall["compare_two"] and wall["compare"]:
        print(f"  speed-up of compare over 2 processes (best wall): {min(wall['compare']) / min(wall['compare_two']):.2f}x;"
              f" CPU of both processes {min(cpu['compare_two']):.2f} s against {min(cpu['compare']):.2f} s in one")
    print(f"  load average at end: {load_average()}")


def demo_categories(repeat: int) -> None:
    from inspector.demo import build_demo
    from inspector.replay import load_projectors
    from inspector.replay.category import replay_category
    from inspector.stores import open_store

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.db"
        planted = build_demo(path)
        print(f"\n== demo store: {planted.streams} streams, {planted.events:,} events, demo projector ==")
        store = open_store(str(path))
        try:
            projectors = load_projectors(None, store=store)
            for category in [name for name, _ in store.categories()]:
                best = float("inf")
                for _ in range(repeat):
                    started = time.perf_counter()
                    run = replay_category(store, projectors=projectors, category=category)
                    outcomes = list(run)
                    best = min(best, time.perf_counter() - started)
                print(f"  {category:<8} {len(outcomes):>3} streams {run.totals.events_applied:>6,} events"
                      f"  best {best * 1000:7.1f} ms  ({run.totals.stopped} stopped)")
        finally:
            store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--streams", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "bench_category"),
                        help="folder for the generated stores (reused when they exist)")
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL server (a database of its own)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite store")
    parser.add_argument("--no-processes", action="store_true", help="skip the 2-process runs")
    parser.add_argument("--skip-compare", action="store_true", help="skip compare")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo store's categories")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    user_file = out / "account_projector.py"
    user_file.write_text(USER_PROJECTOR)
    changed_file = out / "account_projector_v2.py"
    changed_file.write_text(USER_PROJECTOR.replace('state["last_note"] = data.get("note")',
                                                   'state["last_note"] = data.get("note", "").upper()'))
    print(f"machine: {machine()}")
    if not args.no_sqlite:
        path = out / f"generic_{args.events}_{args.streams}.db"
        if not path.exists():
            seconds, _ = timed(build_sqlite, path, args.events, args.streams)
            print(f"built {path} in {seconds:.0f} s")
        run_engine("generic/sqlite", str(path), floor_sqlite, path, user_file, changed_file, args)
    if args.postgres:
        seconds, target = timed(build_postgres, args.postgres, args.events, args.streams)
        print(f"PostgreSQL store ready in {seconds:.0f} s")
        run_engine("generic/postgresql", target, floor_postgres, target, user_file, changed_file, args)
    if not args.no_demo:
        demo_categories(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
