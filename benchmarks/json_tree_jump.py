"""How long the GUI thread is held when the State tab jumps to record 150,000 of a 200,000-item list
(not part of the test run; the tests check what the tree shows, this measures how long it takes).

    QT_QPA_PLATFORM=offscreen python benchmarks/json_tree_jump.py [--repeat 5]

Shows a state ``{"owner": "ann", "records": [200,000 records of 3 fields]}`` in a ``StateView``
(900 x 640, offscreen) with every record's ``status`` marked changed, as
``tests/ui/test_a_list_of_200000_items_opens_in_ranges_of_a_thousand.py`` does, then times, on the GUI
thread, each step until the window has painted its outcome (``processEvents`` after it):

  expand    the user opens ``records`` (``tree.expand``)
  jump      ``/records/150000/status`` found (``model.find``), made current and selected, and
            scrolled to (``tree.scrollTo``, which opens the rows on the way), from a fresh tab
            where ``records`` is closed
  rows      (a count, not a time) how many rows the model handed the view under ``records``
            after the jump: the rows Qt lays out

Each run is a fresh process; ``--repeat N`` runs N of them and prints the medians, in
milliseconds. Times depend on the machine and on what else runs there.

``--screenshot resources/screenshots/state-tab-200000-records-in-ranges.png`` saves the State
tab after a jump to record 150,000 instead, with 4 records changed (3,004, 147,250, 150,000 and
150,002) so the ranges holding them read bold and the others plain.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from types import SimpleNamespace

RECORDS = 200_000
DEEP = 150_000


def _view(changed: list[int] | None = None):
    from inspector.core.changed_paths import ChangedPaths
    from inspector.ui.replay_views import StateView

    view = StateView()
    view.resize(900, 640)
    view.show()
    state = {"owner": "ann", "records": [{"id": i, "status": "open", "tags": ["a", "b"]} for i in range(RECORDS)]}
    for i in (DEEP,) if changed is None else changed:
        state["records"][i]["status"] = "closed"
    marked = ChangedPaths.from_ops({f"/records/{i}/status": "change" for i in (range(RECORDS) if changed is None else changed)})
    result = SimpleNamespace(state=state, version=7, stream="orders-1", recorded_at=datetime(2026, 7, 1, tzinfo=timezone.utc),
                             stopped=None, problem=None, warnings=[], snapshot_source=None,
                             describe=lambda: "replayed 7 events")
    view.show_result(result, marked)
    return view


def _rows_under(model, index) -> int:
    """The rows the model has handed the view under ``index``, all levels (only built nodes)."""
    total = 0
    pending = [index]
    while pending:
        parent = pending.pop()
        count = model.rowCount(parent)
        total += count
        for row in range(count):
            child = model.index(row, 0, parent)
            node = child.internalPointer()
            if getattr(node, "_children", None):
                pending.append(child)
    return total


def measure() -> dict[str, float]:
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    out: dict[str, float] = {}

    view = _view()
    app.processEvents()
    model, tree = view.model, view.tree
    records = model.find("records")
    started = time.perf_counter()
    tree.expand(records)
    app.processEvents()
    out["expand"] = (time.perf_counter() - started) * 1000
    view.close()
    view.deleteLater()
    app.processEvents()

    view = _view()
    app.processEvents()
    model, tree = view.model, view.tree
    started = time.perf_counter()
    status = model.find("records", DEEP, "status")
    tree.selectionModel().setCurrentIndex(status, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    tree.scrollTo(status)
    app.processEvents()
    out["jump"] = (time.perf_counter() - started) * 1000
    rect = tree.visualRect(status)
    assert rect.isValid() and tree.viewport().rect().intersects(rect), "record 150,000 is not on screen"
    assert status.siblingAtColumn(model.VALUE).data() == "closed"
    out["rows"] = _rows_under(model, model.find("records"))
    return out


def screenshot(path: str) -> None:
    from PySide6.QtCore import QItemSelectionModel
    from PySide6.QtWidgets import QAbstractItemView

    from inspector.ui.app import make_app

    app = make_app()
    view = _view(changed=[3_004, 147_250, DEEP, DEEP + 2])
    app.processEvents()
    model, tree = view.model, view.tree
    status = model.find("records", DEEP, "status")
    tree.selectionModel().setCurrentIndex(status, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    tree.scrollTo(status, QAbstractItemView.ScrollHint.PositionAtCenter)
    for _ in range(5):
        app.processEvents()
    view.grab().save(path)
    print(f"saved {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="fresh processes to run, medians printed")
    parser.add_argument("--screenshot", metavar="PNG", help="save the State tab after the jump, measure nothing")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.screenshot:
        screenshot(args.screenshot)
        return
    if args.child:
        print(json.dumps(measure()))
        return
    runs = []
    for _ in range(args.repeat):
        load = os.getloadavg()[0]
        done = subprocess.run([sys.executable, __file__, "--child"], check=True, capture_output=True, text=True)
        run = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(run)
        print(f"load {load:.1f}: " + ", ".join(f"{k} {v:,.0f}" for k, v in run.items()), flush=True)
    print("median: " + ", ".join(f"{k} {statistics.median(r[k] for r in runs):,.0f}" for k in runs[0]))


if __name__ == "__main__":
    main()
