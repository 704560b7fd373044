"""Screenshots of the Analyse window (States, Compare projectors, Event types) at 1280x800.

Run: ``python resources/screenshots/make_analysis_screenshots.py`` (offscreen; writes
``states-view.png``, ``compare-view.png`` and ``event-types-view.png`` next to this script).
The demo store is built fresh in a temporary folder. States: the jobs cancelled after a worker
was assigned, and the job the demo projector stops on. Compare: the demo projector against a
copy that counts statements twice and adds a ``spent`` total. Event types: a small shop store
whose payloads drift (a field appears, one disappears, one changes JSON type).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _wait(app, condition, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        app.processEvents()
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        time.sleep(0.01)


def _grab(app, widget, path: Path) -> None:
    """Grab once pending layout updates (a progress bar just hidden) have been applied."""
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    widget.grab().save(str(path))


def _changed_projector(folder: Path) -> Path:
    source = (ROOT / "inspector" / "replay" / "demo_projector.py").read_text(encoding="utf-8")
    rule = 'state["statements"] = state.get("statements", 0) + 1'
    spend = '        state["last_job"] = data.get("job")\n'
    source = source.replace(rule, rule.replace("+ 1", "+ 2"))
    source = source.replace(spend, spend + '        state["spent"] = state.get("spent", 0) + data["amount"]\n')
    path = folder / "wallet_v2.py"
    path.write_text(source, encoding="utf-8")
    return path


def _shop_store(folder: Path) -> Path:
    """Orders whose payloads drift over 60 days."""
    path = folder / "shop.db"
    start = datetime(2025, 3, 1, 9, tzinfo=timezone.utc)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,"
                     " type TEXT NOT NULL, recorded_at TEXT, data TEXT, metadata TEXT)")
        for day in range(60):
            at = start + timedelta(days=day)
            order = f"order-{day:03d}"
            rows = [("OrderPlaced", {"customer": f"c{day % 7}", "total": 10 + day,
                                     **({"currency": "EUR"} if day >= 30 else {}),
                                     **({"coupon": None} if day < 12 else {})}),
                    ("ItemAdded", {"sku": f"sku-{day % 5}", "quantity": day % 4 + 1 if day < 40 else str(day % 4 + 1)}),
                    ("PaymentTaken", {"amount": 10 + day, "method": "card"})]
            if day % 3 == 0:
                rows.append(("OrderShipped", {"carrier": "dhl", **({"tracking": f"T{day}"} if day >= 20 else {})}))
            for version, (kind, data) in enumerate(rows, start=1):
                when = (at + timedelta(minutes=version)).isoformat().replace("+00:00", "Z")
                conn.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (order, version, kind, when, json.dumps(data), "{}"))
    conn.close()
    return path


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        os.environ["XDG_CONFIG_HOME"] = str(Path(home) / "config")
        os.environ["XDG_CACHE_HOME"] = str(Path(home) / "cache")
        from inspector.demo import build_demo
        from inspector.ui.app import MainWindow, make_app

        demo = Path(home) / "demo.db"
        build_demo(demo)
        app = make_app()
        window = MainWindow(str(demo))
        window.show()
        _wait(app, lambda: window.store is not None and window.projectors is not None)
        window.show_analysis("states")
        analysis = window.analysis_window
        # its usual size: it opens as big as the screen's free area allows, and the offscreen
        # platform's screen is 800x800
        analysis.resize(1280, 800)
        states = analysis.states_view
        _wait(app, lambda: states.category_box.findData("job") >= 0)
        states.category_box.setCurrentIndex(states.category_box.findData("job"))
        states.where_edit.setText('state["status"] == "cancelled" and "worker" in state')
        states.at_edit.clear()
        states.ever_box.setChecked(False)
        states.start()
        _wait(app, lambda: states.status.text().startswith("Done"))
        _grab(app, analysis, HERE / "states-view.png")

        compare = analysis.compare_view
        analysis.show_view("compare")
        compare.category_box.setCurrentIndex(compare.category_box.findData("wallet"))
        compare.old_picker.set_choice("demo", None)
        compare.new_picker.set_choice("file", str(_changed_projector(Path(home))))
        compare.start()
        _wait(app, lambda: compare.status.text().startswith("Done"))
        streams = compare.model.streams()
        busiest = max(range(len(streams)), key=lambda row: len(compare.model.row_at(row).changes))
        compare.differences_view.setCurrentIndex(compare.model.index(busiest, 0))
        _grab(app, analysis, HERE / "compare-view.png")

        window.open_target(str(_shop_store(Path(home))))
        _wait(app, lambda: window.store is not None and "shop.db" in (window.store_target or ""))
        types = analysis.types_view
        analysis.show_view("types")
        types.start()
        _wait(app, lambda: types.survey is not None and types.run_button.isEnabled())
        types.tree.expandAll()
        _grab(app, analysis, HERE / "event-types-view.png")
        window.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
