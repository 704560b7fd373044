"""How long the window holds its GUI thread on big views (not part of the test run).

    QT_QPA_PLATFORM=offscreen python benchmarks/window_at_scale.py [--repeat 3]

The tests (tests/ui/test_window_at_scale.py and friends) check what the code does: one update
of the timeline per redraw with a brush and pen per type, JSON tree nodes built only where a
view opens them, one repaint signal for a big live batch, a JSON Lines page reading only its
own lines. This script measures how long those take, each next to a bare floor measured in the
same run (the least any implementation has to do), and prints the ratio and the target:

  timeline redraw of 6,000 ticks on 3 lanes      floor: pyqtgraph setData, one brush and pen   target < 150 ms
  showing a 2 MB event (tree and raw view)        floor: orjson.dumps of the event's data       target < 500 ms
  showing a replayed state of 30,000 items        floor: orjson.dumps of the state              target < 300 ms
  3,051 live events into a list of 5,000 streams  floor: a dict lookup per event                target < 300 ms
  the last 500-line page of a 50,000-line JSONL   floor: the first page of the same file        ratio < 20
  closing the window while a task is stuck        floor: closing it with no task running        target < 1 s

Times are the best of ``--repeat`` runs, in milliseconds of wall-clock time on this machine.

``--first-screen`` instead opens each big store of ``open_store.py`` (10,000,000 events in
1,000,000 streams by default; built there on the first run) in the real window, offscreen, one
fresh process per store, and prints when each part of the first screen appeared, counted from
the moment the window was asked to open the store: the first page of streams, the first page of
events, the timeline's first drawing, the window's own "first screen ready" (its progress strip
ends), the time range, the timeline's lanes over that range, its histogram (counted on its own,
after the lanes), the type counts and the categories; then scrolls the timeline's lanes by three streams and times the redraw, counting
the store-wide histograms it asked for. The GUI thread is driven by ``processEvents`` and a 2 ms
sleep, never ``qWait``, so the workers run as they would under a user. Peak resident memory is
the process's.

    QT_QPA_PLATFORM=offscreen python benchmarks/window_at_scale.py --first-screen [--only generic/sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import orjson  # noqa: E402

from inspector.core.events import Event  # noqa: E402
from inspector.stores import open_store  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
TYPES = ("Opened", "Credited", "Debited", "Closed")


def best(fn, repeat: int) -> float:
    """The shortest of ``repeat`` runs of ``fn``, in seconds."""
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        spent.append(time.perf_counter() - started)
    return min(spent)


def report(label: str, ours: float, floor: float, target: str, ok: bool) -> None:
    ratio = ours / floor if floor else float("inf")
    print(f"  {label:<48} {ours * 1000:9.1f} ms  floor {floor * 1000:8.1f} ms  {ratio:7.1f}x  "
          f"({target}: {'ok' if ok else 'MISSED'})")


def make_store(path: Path, streams: dict[str, int]) -> str:
    """A generic-layout SQLite store: ``streams`` maps a name to its number of events."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    conn.execute("CREATE INDEX events_stream_version ON events (stream, version)")
    rows = []
    for offset, (stream, count) in enumerate(streams.items()):
        for version in range(1, count + 1):
            rows.append((stream, version, TYPES[version % len(TYPES)],
                         (T0 + timedelta(seconds=version * 10 + offset)).isoformat(),
                         json.dumps({"n": version}), json.dumps({"actor": f"user{version % 7}@example.com"})))
    rows.sort(key=lambda row: row[3])
    conn.executemany("INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                     "VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return str(path)


def wait_until(condition, app, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("gave up waiting for the window")
        app.processEvents()
        time.sleep(0.005)


def timeline(app, runner, folder: Path, repeat: int) -> None:
    import numpy as np
    import pyqtgraph as pg

    from inspector.ui.timeline import TimelineWidget

    store = open_store(make_store(folder / "lanes.db", {"acct-a": 2500, "acct-b": 2500, "acct-c": 1000}))
    widget = TimelineWidget(runner)
    widget.resize(900, 420)
    widget.show()
    start, end = store.time_range()
    widget.set_store(store, start, end, list(TYPES))
    widget.set_streams(["acct-a", "acct-b", "acct-c"])
    wait_until(lambda: len(widget.drawn_events()) == 6000, app)
    ours = best(widget._draw, repeat)
    events = widget.drawn_events()
    bare = pg.ScatterPlotItem()
    x = np.array([e.recorded_at.timestamp() for e in events])
    y = np.array([float(i % 3) for i in range(len(events))])
    data = np.empty(len(events), dtype=object)
    data[:] = events
    brush, pen = pg.mkBrush("#4e79a7"), pg.mkPen("#4e79a7")
    floor = best(lambda: bare.setData(x=x, y=y, data=data, brush=brush, pen=pen), repeat)
    report("timeline redraw, 6,000 ticks on 3 lanes", ours, floor, "target < 150 ms", ours < 0.15)
    widget.close()
    store.close()


def huge_event(app, repeat: int) -> None:
    from inspector.ui.replay_views import StateView
    from inspector.ui.widgets import EventView

    items = [{"k": i, "s": "x" * 40} for i in range(30_000)]
    event = Event(position=1, stream="huge-1", version=1, type="Imported", recorded_at=T0,
                  data={"blob": items, "count": 30_000, "owner": {"name": "ann"}}, metadata={"actor": "ann@example.com"})
    view = EventView()
    view.resize(420, 640)
    view.show()

    def show_event():
        view.show_event(event)
        app.processEvents()

    ours = best(show_event, repeat)
    floor = best(lambda: orjson.dumps(event.data), repeat)
    report("showing a 2 MB event (tree and raw view)", ours, floor, "target < 500 ms", ours < 0.5)
    view.close()

    from types import SimpleNamespace

    state = {"items": [{"k": i} for i in range(30_000)], "owner": {"name": "ann"}, "count": 3}
    result = SimpleNamespace(state=state, version=1, stream="huge-1", recorded_at=T0, stopped=None, problem=None,
                             snapshot_source=None, describe=lambda: "replayed 1 event")
    state_view = StateView()
    state_view.show()

    def show_state():
        state_view.show_result(result, [])
        app.processEvents()

    ours = best(show_state, repeat)
    floor = best(lambda: orjson.dumps(state), repeat)
    report("showing a replayed state of 30,000 items", ours, floor, "target < 300 ms", ours < 0.3)
    state_view.close()


def live_batch(app, runner, folder: Path, repeat: int) -> None:
    from inspector.ui.models import StreamListModel

    names = [f"acct-{i:05d}" for i in range(0, 10_000, 2)]
    store = open_store(make_store(folder / "long.db", dict.fromkeys(names, 1)))
    now = T0 + timedelta(days=1)
    into_old = [Event(position=100_000 + i, stream=names[(i * 37) % 5000], version=2 + i // 5000,
                      type="Credited", recorded_at=now, data={}, metadata={}) for i in range(3000)]
    brand_new = [Event(position=200_000 + i, stream=f"acct-{i * 200 + 1:05d}", version=1, type="Opened",
                       recorded_at=now, data={}, metadata={}) for i in range(50)]
    batch = into_old + brand_new + brand_new[:1]
    spent = []
    for _ in range(repeat):  # a fresh list each time: the batch changes it
        model = StreamListModel(runner, page_size=2500)
        model.set_store(store)
        while not model.exhausted:
            wait_until(lambda: not model.loading, app)
            model.fetchMore()
        wait_until(lambda: model.rowCount() == 5000 and model.exhausted, app)
        started = time.perf_counter()
        model.add_live_events(batch)
        spent.append(time.perf_counter() - started)
    ours = min(spent)
    rows = {name: row for row, name in enumerate(names)}
    floor = best(lambda: [rows.get(event.stream) for event in batch], repeat)
    report("3,051 live events into 5,000 streams", ours, floor, "target < 300 ms", ours < 0.3)
    store.close()


def jsonl_pages(folder: Path, repeat: int) -> None:
    from inspector.stores.jsonl import JsonlEventStore

    path = folder / "big.jsonl"
    lines = 50_000
    with path.open("wb") as handle:
        for position in range(1, lines + 1):
            handle.write(orjson.dumps({"position": position, "stream": f"cart-{position % 100}",
                                       "version": position // 100 + 1, "type": "Added",
                                       "recorded_at": "2026-01-01T10:00:00Z", "data": {"n": position}}) + b"\n")
    store = JsonlEventStore(path)
    floor = best(lambda: store.read_all(limit=500), repeat)
    ours = best(lambda: store.read_all(after_position=lines - 500, limit=500), repeat)
    report("last 500-line page of a 50,000-line JSONL", ours, floor, "ratio < 20", ours < 20 * floor + 0.05)


def closing(app, folder: Path, repeat: int) -> None:
    from inspector.demo import build_demo
    from inspector.ui.app import MainWindow

    path = folder / "demo.db"
    build_demo(path)

    def close_once(stuck: bool) -> float:
        window = MainWindow(str(path))
        window.show()
        wait_until(lambda: window.store is not None and window.stream_model.rowCount() > 0, app)
        release, started = threading.Event(), threading.Event()

        def never_looks_at_cancel(cancel, progress):
            started.set()
            release.wait(30)

        if stuck:
            window.runner.submit("state", never_looks_at_cancel, label="Replaying a stuck stream")
            started.wait(5)
        began = time.perf_counter()
        try:
            window.close()
            return time.perf_counter() - began
        finally:
            release.set()

    ours = min(close_once(True) for _ in range(repeat))
    floor = min(close_once(False) for _ in range(repeat))
    report("closing the window while a task is stuck", ours, floor, "target < 1 s", ours < 1.0)


def first_screen_one(store: Any, timeout: float) -> int:
    """Opens ``store`` (an ``open_store.Store``) in the window and prints when each part appeared."""
    import resource

    from inspector.stores.sql import SqlEventStore
    from inspector.ui.app import MainWindow, make_app

    app = make_app()
    calls = {"histogram": 0}
    plain_histogram = SqlEventStore.histogram

    def counted(self, *args, **kwargs):  # the benchmark's own probe: how often the window asks
        calls["histogram"] += 1
        return plain_histogram(self, *args, **kwargs)

    SqlEventStore.histogram = counted  # type: ignore[method-assign]
    seen: dict[str, float] = {}
    window = MainWindow()  # built and shown first: the clock starts when the store is asked for
    window.resize(1400, 900)
    window.show()
    for _ in range(20):
        app.processEvents()
        time.sleep(0.005)
    began = time.perf_counter()

    def mark(name: str) -> None:
        seen.setdefault(name, time.perf_counter() - began)

    timeline = window.timeline
    plain_set_range, plain_loaded = timeline.set_range, timeline._on_loaded
    plain_histogram_shown = timeline._on_histogram

    store_range: list[Any] = []

    def set_range(start, end):
        if start is not None and end is not None:
            mark("time range")
            store_range[:] = [start, end]
        return plain_set_range(start, end)

    def loaded(key, *rest):
        plain_loaded(key, *rest)
        mark("timeline drawn")
        # a drawing over the store's range (not one asked for before the range was known)
        if store_range and key[1] <= store_range[0] and key[2] >= store_range[1]:
            mark("timeline lanes over the range")
        seen["last timeline draw"] = time.perf_counter() - began

    def histogram_shown(key, histogram):  # the store-wide histogram comes on its own, after the lanes
        plain_histogram_shown(key, histogram)
        if store_range and key[0] <= store_range[0] and key[1] >= store_range[1] and timeline._hist is not None:
            mark("histogram over the range")

    timeline.set_range, timeline._on_loaded = set_range, loaded
    timeline._on_histogram = histogram_shown
    window.open_target(store.target())
    checks = {
        "store opened": lambda: window.store is not None,
        "first page of streams": lambda: window.stream_model.rowCount() > 0,
        "first page of events": lambda: window.event_model.rowCount() > 0,
        "window: first screen ready": lambda: window.store is not None
        and not getattr(window, "_first_screen_pending", True),
        "type counts": lambda: "store opened" in seen and window.type_box.itemText(0) == "All types",
        "categories": lambda: "store opened" in seen and window.category_box.itemText(0).startswith("All categories ("),
    }
    wanted = [*checks, "time range", "timeline drawn", "timeline lanes over the range", "histogram over the range"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(name in seen for name in wanted):
        app.processEvents()
        for name, check in checks.items():
            if name not in seen and check():
                mark(name)
        time.sleep(0.002)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"== {store.name}: {store.events:,} events / {store.streams:,} streams (seconds after asking to open) ==")
    for name in wanted:
        at = seen.get(name)
        print(f"  {name:<44} {'not within %.0f s' % timeout if at is None else '%8.2f s' % at}")
    # the window's own "first screen ready": the first page listed and the lanes of its streams drawn
    # (over the store's range, or over the listed streams' span until that range arrives)
    first = max(seen.get(n, float("inf")) for n in ("first page of streams", "window: first screen ready"))
    print(f"  {'streams, and the lanes of the listed streams':<44} {first:8.2f} s   (target < 1 s)")
    print(f"  {'peak resident memory':<44} {rss_mb:8.1f} MB  (target < 400 MB)")
    # scroll the lanes: only the listed streams change
    if all(name in seen for name in wanted) and timeline.scroll.maximum() > 3:
        before, drawn_before = calls["histogram"], seen["last timeline draw"]
        started = time.perf_counter()
        timeline.scroll.setValue(timeline.scroll.value() + 3)
        while time.monotonic() < deadline + 60 and seen["last timeline draw"] == drawn_before:
            app.processEvents()
            time.sleep(0.002)
        print(f"  {'lanes scrolled by 3 streams: redrawn in':<44} {time.perf_counter() - started:8.2f} s   "
              f"(store-wide histograms asked: {calls['histogram'] - before})")
    window.close()
    return 0


def first_screen(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(HERE))
    import subprocess

    import open_store as stores

    chosen = stores.stores_for(args)
    if args.first_screen_one:
        chosen = [s for s in chosen if s.name == args.first_screen_one]
        with tempfile.TemporaryDirectory(prefix="inspector-first-screen-") as tmp:
            for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
                os.environ[name] = str(Path(tmp) / name.lower())
            return first_screen_one(chosen[0], args.timeout)
    for store in chosen:
        stores.ensure(store)
    print(f"the window's first screen; load average {os.getloadavg()[0]:.2f}")
    for store in chosen:
        subprocess.run([sys.executable, __file__, *sys.argv[1:], "--first-screen-one", store.name], check=False)
        print(f"  (load average {os.getloadavg()[0]:.2f})", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (the best is shown)")
    parser.add_argument("--first-screen", action="store_true", help="the window's first screen on big stores")
    parser.add_argument("--timeout", type=float, default=120.0, help="--first-screen: seconds to wait per store")
    parser.add_argument("--first-screen-one", help=argparse.SUPPRESS)
    sys.path.insert(0, str(HERE))
    from open_store import add_store_arguments

    add_store_arguments(parser)
    args = parser.parse_args()
    if args.first_screen or args.first_screen_one:
        return first_screen(args)
    repeat = max(1, args.repeat)

    from inspector.ui.app import make_app
    from inspector.ui.runner import TaskRunner

    app = make_app()
    runner = TaskRunner()
    with tempfile.TemporaryDirectory(prefix="inspector-window-bench-") as tmp:
        folder = Path(tmp)
        # the window's settings and caches go to the temporary folder, never the user's
        for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
            os.environ[name] = str(folder / name.lower())
        print(f"the window at scale (best of {repeat})")
        timeline(app, runner, folder, repeat)
        huge_event(app, repeat)
        live_batch(app, runner, folder, repeat)
        jsonl_pages(folder, repeat)
        closing(app, folder, repeat)
    runner.shutdown()
    return 0


if __name__ == "__main__":
    # as the application ends (inspector.ui.app.run_gui): output flushed, then the process ends at once,
    # so a worker thread still inside a query cannot crash the interpreter's teardown of Qt
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
