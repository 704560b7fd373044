"""How long the GUI thread stalls when a user opens a store holding one 50 MB event and selects it
(not part of the test run; the tests check what the code does, this measures how long it takes).

    QT_QPA_PLATFORM=offscreen python benchmarks/huge_event.py [--mb 50] [--profile out.prof]

Builds a generic-layout SQLite store (a few streams of small events and, in ``import-1``, one
event whose JSON payload is ``--mb`` megabytes), opens it in the real window, offscreen, and
drives the GUI thread with ``processEvents`` and a 2 ms sleep (never ``qWait``) while a 5 ms
``QTimer`` heartbeat records the longest gap between two of its ticks: the longest time the
window could not repaint or take a click. Three phases are measured, each until the window
shows its outcome:

  open      the store opened: the first page of events listed and the timeline drawn
  select    the big event selected in the table: the Event tab shows its tree and its text,
            and the State tab its replayed state
  move on   another (small) event selected right after the big one: the Event tab shows it, the
            State tab its state, and the window is driven for 2 s in all (the big one's read and
            replay, dropped, stop at their next check meanwhile; the wall time is at least 2 s)
  changed   (with ``--changed-paths N``) the event of ``prices-1`` that changes N paths selected:
            the State tab shows its state with the changed paths highlighted

Printed per phase: the longest stall, the sum of stalls over 50 ms and the phase's wall time,
in milliseconds. ``--profile`` writes a cProfile of the GUI thread during ``select``
(``python -m pstats out.prof``); ``--screenshots resources/screenshots`` saves the Event tab
while the big event loads (once the decoding is 30% done, if it is seen) and once it is shown. ``--repeat 5`` runs the whole measure in 5
fresh processes, one after the other, and prints each phase's median (the load average is
printed before each run). Times depend on the machine and on what else runs there.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import re
import statistics
import subprocess
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
BIG_STREAM = "import-1"
#: how long the "move on" phase drives the window at least (seconds)
MOVE_ON_SECONDS = 2.0


def big_payload(megabytes: float) -> str:
    """A JSON object of about ``megabytes`` MB: records of an id, an 80-character name and tags."""
    records = int(megabytes * 1_000_000 / 125)
    items = [{"id": i, "name": "x" * 80, "tags": ["a", "b", "c"]} for i in range(records)]
    return json.dumps({"items": items, "count": records})


WIDE_STREAM = "prices-1"


def make_store(path: Path, megabytes: float, changed_paths: int = 0) -> tuple[str, int]:
    """The store at ``path`` and the position of its big event; with ``changed_paths``, also the
    stream ``prices-1`` whose second event changes that many paths (``/prices/p000000``…)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    conn.execute("CREATE INDEX events_stream_version ON events (stream, version)")
    rows = []
    for s in range(5):
        for version in range(1, 41):
            rows.append((f"wallet-{s}", version, "Credited", (T0 + timedelta(minutes=version, seconds=s)).isoformat(),
                         json.dumps({"amount": version}), json.dumps({"actor": "ann@example.com"})))
    rows.append((BIG_STREAM, 1, "ImportStarted", (T0 + timedelta(minutes=3)).isoformat(), json.dumps({"file": "a.csv"}),
                 "{}"))
    rows.append((BIG_STREAM, 2, "ItemsImported", (T0 + timedelta(minutes=4)).isoformat(), big_payload(megabytes),
                 json.dumps({"actor": "bob@example.com"})))
    rows.append((BIG_STREAM, 3, "ImportFinished", (T0 + timedelta(minutes=5)).isoformat(), json.dumps({"ok": True}),
                 "{}"))
    if changed_paths:
        for version in (1, 2):
            prices = {f"p{i:06d}": i + version for i in range(changed_paths)}
            rows.append((WIDE_STREAM, version, "PricesSet", (T0 + timedelta(minutes=6 + version)).isoformat(),
                         json.dumps({"prices": prices}), "{}"))
    rows.sort(key=lambda row: row[3])
    conn.executemany("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                     rows)
    conn.commit()
    position = conn.execute("SELECT position FROM events WHERE stream = ? AND version = 2", (BIG_STREAM,)).fetchone()[0]
    conn.close()
    return str(path), position


class Heartbeat:
    """A 5 ms timer on the GUI thread; ``gaps`` are the times between two ticks, in seconds."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def restart(self) -> None:
        self.gaps = []
        self._last = time.perf_counter()


def drive(app: Any, condition: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for the window: {getattr(condition, '__name__', condition)}")
        app.processEvents()
        time.sleep(0.002)


def phase(name: str, app: Any, beat: Heartbeat, start: Callable[[], None], condition: Callable[[], bool],
          profile: cProfile.Profile | None = None) -> dict[str, Any]:
    beat.restart()
    started = time.perf_counter()
    if profile is not None:
        profile.enable()
    start()
    drive(app, condition)
    if profile is not None:
        profile.disable()
    wall = time.perf_counter() - started
    app.processEvents()
    gaps = beat.gaps or [0.0]
    result = {"phase": name, "longest_stall_ms": round(max(gaps) * 1000, 1),
              "stalls_over_50ms_ms": round(sum(g for g in gaps if g > 0.05) * 1000, 1), "wall_ms": round(wall * 1000, 1)}
    print(f"  {name:<8} longest stall {result['longest_stall_ms']:8.1f} ms   stalls > 50 ms {result['stalls_over_50ms_ms']:8.1f} ms"
          f"   wall {result['wall_ms']:8.1f} ms", flush=True)
    return result


def event_tab_done(window: Any, position: int) -> bool:
    view = window.event_view
    shown = view.shown_event
    if shown is None or shown.position != position:
        return False
    waiting = getattr(view, "loading", False) or view.formatting
    return not waiting and view.model.rowCount() > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the big payload in MB (default 50)")
    parser.add_argument("--profile", help="write a cProfile of the GUI thread while selecting to this file")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--screenshots", metavar="DIR",
                        help="save the Event tab while the big event loads and once shown (huge-event-loading.png, "
                             "huge-event.png) to DIR")
    parser.add_argument("--repeat", type=int, default=1, help="runs, each in a fresh process; prints the medians")
    parser.add_argument("--switch-interval", type=float, metavar="SECONDS",
                        help="run the window with this sys.setswitchinterval instead of make_app's "
                             "(GUI_SWITCH_INTERVAL), to compare; Python's own is 0.005")
    parser.add_argument("--changed-paths", type=int, default=0, metavar="N",
                        help="also measure selecting an event that changes N paths of its stream's state "
                             "(phase 'changed'; e.g. 150000)")
    args = parser.parse_args()
    if args.repeat > 1:
        repeat(args)
        return

    from PySide6.QtCore import QItemSelectionModel

    from inspector.ui.app import MainWindow, make_app

    app = make_app()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    print(f"switch interval {sys.getswitchinterval() * 1000:g} ms", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("XDG_CONFIG_HOME", folder)
        os.environ.setdefault("XDG_CACHE_HOME", folder)
        path, position = make_store(Path(folder) / "huge.db", args.mb, args.changed_paths)
        print(f"store: {Path(path).stat().st_size / 1e6:.1f} MB, big event at position {position}", flush=True)
        beat = Heartbeat()
        holder: dict[str, Any] = {}

        def open_window() -> None:
            holder["window"] = MainWindow(path)
            holder["window"].resize(1400, 900)
            holder["window"].show()

        def opened() -> bool:
            window = holder.get("window")
            return (window is not None and window.store is not None and window.event_model.rowCount() > 0
                    and window.event_model.row_of_position(position) is not None and not window.event_model.loading
                    and bool(window.timeline.drawn_events()))

        results = [phase("open", app, beat, open_window, opened)]
        window = holder["window"]
        window.tabs.setCurrentWidget(window.event_view)

        def select(row_position: int) -> Callable[[], None]:
            def run() -> None:
                row = window.event_model.row_of_position(row_position)
                index = window.event_model.index(row, window.event_model.TYPE)
                window.events_view.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            return run

        progress_shot: list[bool] = []

        def selected_and_replayed() -> bool:
            view = window.event_view
            decoded = re.search(r"(\d+)% decoded", view.loading_label.text()) if view.loading else None
            if args.screenshots and not progress_shot and decoded is not None and int(decoded.group(1)) >= 30:
                progress_shot.append(True)  # the loading bar says how far the decoding has got
                view.grab().save(str(Path(args.screenshots) / "huge-event-loading.png"))
            return event_tab_done(window, position) and not window.runner.busy("state")

        profile = cProfile.Profile() if args.profile else None

        def select_big() -> None:
            select(position)()
            if args.screenshots:
                window.event_view.grab().save(str(Path(args.screenshots) / "huge-event-loading.png"))

        results.append(phase("select", app, beat, select_big, selected_and_replayed, profile))
        if args.screenshots:
            window.event_view.grab().save(str(Path(args.screenshots) / "huge-event.png"))
        if profile is not None:
            profile.dump_stats(args.profile)
        # two small events (the table lists the big event's stream now: the big one is among its rows)
        first, second = [window.event_model.event_at(row).position for row in range(window.event_model.rowCount())
                         if window.event_model.event_at(row).position != position][:2]
        select(first)()
        drive(app, lambda: event_tab_done(window, first) and not window.runner.busy("state"))

        def big_then_small() -> None:
            select(position)()
            select(second)()

        moved_at: list[float] = []

        def moved_on() -> None:
            moved_at.append(time.perf_counter())
            big_then_small()

        def settled() -> bool:  # the big one's dropped work (its read, its replay) winds down meanwhile
            return (event_tab_done(window, second) and not window.runner.busy("state")
                    and time.perf_counter() - moved_at[0] >= MOVE_ON_SECONDS)

        results.append(phase("move on", app, beat, moved_on, settled))
        if args.changed_paths:
            def state_idle() -> bool:
                return not window.runner.busy("state")

            # the table lists the big event's stream now: jump to the event, as a link does, from
            # a small event at another version (the State tab shows that one's state first)
            window.select_event(next(iter(window.store.read_stream("wallet-0", from_version=1, to_version=1))))
            drive(app, lambda: state_idle() and window.state_view.stream == "wallet-0" and window.state_view.version == 1)
            wide_event = next(iter(window.store.read_stream(WIDE_STREAM, from_version=2, to_version=2)))
            wide = wide_event.position

            def highlighted() -> bool:
                state = window.state_view
                return (event_tab_done(window, wide) and not window.runner.busy("state")
                        and state.stream == WIDE_STREAM and state.version == 2
                        and state.model.rowCount() > 0  # not ``find`` into prices: it would make its 150,000 rows
                        and f"{args.changed_paths} fields changed" in state.describe_label.text())

            results.append(phase("changed", app, beat, lambda: window.select_event(wide_event), highlighted))
        window.shutdown()
        if args.json:
            print(json.dumps(results))


def repeat(args: argparse.Namespace) -> None:
    """Run the measure ``args.repeat`` times, each in a fresh process, and print each phase's median."""
    runs: list[list[dict[str, Any]]] = []
    for number in range(args.repeat):
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"run {number + 1} (load average {load:.1f})", flush=True)
        interval = [] if args.switch_interval is None else ["--switch-interval", str(args.switch_interval)]
        output = subprocess.run([sys.executable, __file__, "--mb", str(args.mb), "--json",
                                 "--changed-paths", str(args.changed_paths), *interval], capture_output=True,
                                text=True, check=True).stdout
        print("\n".join(line for line in output.splitlines()[:-1] if line.startswith("  ")), flush=True)
        runs.append(json.loads(output.splitlines()[-1]))
    print("medians:")
    for index, name in enumerate(result["phase"] for result in runs[0]):
        stalls = [run[index]["longest_stall_ms"] for run in runs]
        summed = [run[index]["stalls_over_50ms_ms"] for run in runs]
        walls = [run[index]["wall_ms"] for run in runs]
        print(f"  {name:<8} longest stall {statistics.median(stalls):8.1f} ms (of {sorted(stalls)})   "
              f"stalls > 50 ms {statistics.median(summed):8.1f} ms   wall {statistics.median(walls):8.1f} ms")


if __name__ == "__main__":
    main()
