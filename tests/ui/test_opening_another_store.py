"""Opening another store: what the window showed of the old one goes at once, a progress strip
says the new one is opening until its first streams, events and timeline are shown, and
nothing of the old store is ever shown under the new store's name. "All events" shows the
Stream and Position columns again after a stream of the previous store was selected."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import orjson

from inspector.ui.models import EventTableModel

LONG_NAME = "parcel-" + "very-long-route-through-many-depots-" * 6 + "end"


def write_parcel_store(path):
    """A generic SQLite store with three parcel streams (one with a very long name)."""
    start = datetime(2025, 5, 1, tzinfo=timezone.utc)
    rows = []
    for index, stream in enumerate(["parcel-1", "parcel-2", LONG_NAME]):
        for version in range(1, 6):
            position = len(rows) + 1
            at = (start + timedelta(hours=position)).isoformat().replace("+00:00", "Z")
            rows.append((position, stream, version, "Scanned", at, orjson.dumps({"depot": index}).decode(),
                         orjson.dumps({"actor": "scanner"}).decode()))
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
                     " recorded_at TEXT, data TEXT, metadata TEXT)")
        conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", rows)
    conn.close()
    return path


def _select_stream(qtbot, win, stream):
    qtbot.waitUntil(lambda: win.stream_model.row_of(stream) is not None, timeout=10000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: win.event_model.rowCount() > 0 and win.event_model.event_at(0).stream == stream,
                    timeout=10000)


def _histogram_bars(win) -> int:
    """Histogram bars drawn with a height (the timeline's bar item)."""
    heights = win.timeline.bars.opts.get("height")
    return 0 if heights is None else sum(1 for height in heights if height)


def test_opening_another_store_clears_the_old_one_at_once_and_shows_progress_until_it_is_shown(
        qtbot, window, demo_copy, tmp_path):
    wallet = next(s.stream for s in window.stream_model.summaries() if s.stream.startswith("acl-"))
    _select_stream(qtbot, window, wallet)
    qtbot.waitUntil(lambda: window.timeline.visible_streams() and _histogram_bars(window) > 0, timeout=10000)
    qtbot.waitUntil(lambda: window.state_view.stream == wallet, timeout=10000)
    old_streams = {s.stream for s in window.stream_model.summaries()}

    parcels = write_parcel_store(tmp_path / "parcels.db")
    window.open_target(str(parcels))
    # at once, before the new store has even been opened: nothing of the demo is left
    assert window.stream_model.rowCount() == 0
    assert window.event_model.rowCount() == 0
    assert window.timeline.visible_streams() == []
    assert _histogram_bars(window) == 0
    assert window.state_view.stream is None and window.event_view.shown_event is None
    assert window.current_stream is None
    assert "demo.db" not in window.windowTitle() and window.windowTitle().startswith("Opening")
    assert window.progress_strip.isVisible() and "parcels.db" in window.progress_strip.label.text()
    assert window.streams_status.text().startswith("Opening")

    # then the new store's streams and lanes, and the strip goes; the histogram fills in after
    qtbot.waitUntil(lambda: window.stream_model.rowCount() == 3, timeout=10000)
    assert {s.stream for s in window.stream_model.summaries()} == {"parcel-1", "parcel-2", LONG_NAME}
    assert "parcels.db" in window.windowTitle()
    qtbot.waitUntil(lambda: not window.progress_strip.isVisible(), timeout=10000)
    assert set(window.timeline.visible_streams()) <= {"parcel-1", "parcel-2", LONG_NAME}
    assert window.timeline.visible_streams()
    qtbot.waitUntil(lambda: _histogram_bars(window) > 0, timeout=10000)
    assert not old_streams & {s.stream for s in window.stream_model.summaries()}
    assert {e.stream for e in window.event_model.events()} <= {"parcel-1", "parcel-2", LONG_NAME}


def test_a_long_stream_name_in_the_table_title_does_not_widen_the_middle_pane(qtbot, window, tmp_path):
    window.resize(1024, 700)
    window.open_target(str(write_parcel_store(tmp_path / "parcels.db")))
    qtbot.waitUntil(lambda: window.stream_model.row_of(LONG_NAME) is not None, timeout=10000)
    qtbot.waitUntil(lambda: not window.progress_strip.isVisible(), timeout=10000)
    sizes = window.main_split.sizes()
    _select_stream(qtbot, window, LONG_NAME)
    qtbot.waitUntil(lambda: LONG_NAME in window.events_title.text(), timeout=5000)
    qtbot.wait(50)  # let the layout settle (nothing to wait on: the sizes must simply not change)
    assert window.main_split.sizes() == sizes
    assert window.centre_split.minimumSizeHint().width() < 400
    # the title is cut in the middle, and whole in its tooltip
    shown = window.events_title.shown_text()
    assert "…" in shown and shown.startswith("Events of parcel-") and window.events_title.toolTip() == \
        window.events_title.text()


def test_all_events_shows_stream_and_position_after_the_store_is_opened_again(qtbot, window, demo_copy):
    stream = window.stream_model.summary(0).stream
    _select_stream(qtbot, window, stream)
    assert window.events_view.isColumnHidden(EventTableModel.STREAM)
    window.open_target(str(demo_copy))
    qtbot.waitUntil(lambda: window.stream_model.rowCount() > 0 and window.event_model.rowCount() > 0, timeout=10000)
    assert window.events_title.text().startswith("All events")
    assert not window.events_view.isColumnHidden(EventTableModel.STREAM)
    # Position is the table's again (shown where the pane has room for it and a readable Summary)
    assert window.event_columns.is_wanted(EventTableModel.POSITION)
    assert not window.events_view.isColumnHidden(EventTableModel.POSITION) \
        or window.event_columns.left_out == [EventTableModel.POSITION]
    streams_shown = {window.event_model.event_at(row).stream for row in range(min(50, window.event_model.rowCount()))}
    assert len(streams_shown) > 1  # the table is no longer filtered to the stream selected before


def test_a_store_that_cannot_be_opened_leaves_the_open_one_shown(qtbot, window, demo_copy, tmp_path):
    before = window.stream_model.rowCount()
    window.open_target(str(tmp_path / "missing.db"))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10000)
    assert "Could not open the store" in window.banner.text()
    qtbot.waitUntil(lambda: window.stream_model.rowCount() >= min(before, 50), timeout=10000)
    assert "demo.db" in window.windowTitle() and not window.windowTitle().startswith("Opening")
    qtbot.waitUntil(lambda: not window.progress_strip.isVisible(), timeout=10000)


def test_cancel_while_another_store_opens_keeps_the_open_one(qtbot, window, demo_copy, tmp_path, monkeypatch):
    import threading

    from PySide6.QtCore import Qt

    from inspector.stores import open_store
    from inspector.ui.window import session

    release = threading.Event()
    entered = threading.Event()
    opened: list = []

    def slow_open(target, **kwargs):
        entered.set()
        release.wait(10)
        store = open_store(target, **kwargs)
        opened.append(store)
        return store

    monkeypatch.setattr(session, "open_store", slow_open)
    parcels = write_parcel_store(tmp_path / "parcels.db")
    window.open_target(str(parcels))
    assert window.stream_model.rowCount() == 0 and window.progress_strip.isVisible()
    # the open is under way (a task cancelled before it starts never opens the store at all)
    qtbot.waitUntil(entered.is_set, timeout=10000)
    qtbot.mouseClick(window.progress_strip.cancel_button, Qt.MouseButton.LeftButton)
    # the demo is shown again at once, under its own name
    assert "demo.db" in window.windowTitle() and not window.windowTitle().startswith("Opening")
    qtbot.waitUntil(lambda: window.stream_model.rowCount() > 0, timeout=10000)
    assert window.statusBar().currentMessage() == "Opening cancelled."
    release.set()
    qtbot.waitUntil(lambda: bool(opened) and not window.runner.busy("open"), timeout=10000)
    qtbot.wait(100)  # the late store must not replace the shown one (nothing to wait on: it must not happen)
    assert "demo.db" in window.windowTitle()
    assert all(not s.stream.startswith("parcel-") for s in window.stream_model.summaries())
    assert window.store is not opened[0]
