"""At 1024x700, selecting an event of a few MB leaves the window as wide as it was: the Event
tab's Raw note ("formatting the stored text (about 8.9 MB, or more)…", then "first 200 KB
shown") is wrapped on a line of its own under the Raw row's buttons, read whole, instead of
widening the right pane and, with it, the window past the screen."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import QItemSelectionModel

from inspector.replay import worker


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


@pytest.fixture
def store_with_a_big_event(tmp_path):
    """A generic SQLite store: ``order-1`` v2 holds 60,000 records (about 4 MB of JSON)."""
    path = tmp_path / "big.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    records = [{"id": n, "name": f"record {n}", "tags": ["a", "b"], "nested": {"x": n}} for n in range(60_000)]
    for version, kind, data in ((1, "OrderOpened", {"customer": "ann"}), (2, "LinesImported", {"records": records}),
                                (3, "OrderClosed", {"reason": "done"})):
        conn.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                     ("order-1", version, kind, f"2026-11-0{version}T10:00:00Z", json.dumps(data),
                      json.dumps({"actor": "ops@example.com"})))
    conn.commit()
    conn.close()
    return path


def test_selecting_a_big_event_at_1024_does_not_widen_the_window(qtbot, store_with_a_big_event):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(store_with_a_big_event))
    qtbot.addWidget(win)
    win.resize(1024, 700)
    win.show()
    try:
        win.select_stream("order-1")
        qtbot.waitUntil(lambda: win.event_model.rowCount() == 3 and not win.event_model.loading, timeout=20000)
        win.tabs.setCurrentWidget(win.event_view)
        view = win.event_view
        widths: set[int] = set()
        notes: set[str] = set()

        def look() -> bool:
            widths.add(win.width())
            notes.add(view.raw_note.text())
            return view.copy_button.isEnabled() and not view.loading and view.shown_event is not None \
                and view.shown_event.type == "LinesImported"

        row = next(r for r in range(3) if win.event_model.event_at(r).type == "LinesImported")
        win.events_view.selectionModel().setCurrentIndex(
            win.event_model.index(row, win.event_model.TYPE),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        qtbot.waitUntil(look, timeout=60000)
        look()
        assert any(note.startswith("formatting the stored text") for note in notes)  # the long note was shown
        assert view.raw_note.text() == "first 200 KB shown" and view.show_all_button.isVisible()
        assert view.raw_note.isVisible() and view.raw_note.width() >= view.raw_note.sizeHint().width()  # whole
        assert widths == {1024}
        assert view.minimumSizeHint().width() <= view.width()
    finally:
        win.shutdown()
