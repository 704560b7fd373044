"""The Analyse window opens at 1280x800 where the screen has room, else as big as the screen's
free area allows with its frame inside it (a 1024x700 screen: no part of it off-screen), and it
opens again where it was and as big as it was, as the main window does. On the Event tab, the
button that lays out a big event's whole text names the event's size as stored and the text's
size apart ("Show all (4.3 MB event, 9.4 MB of text)"): the indented text is about twice the event."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtCore import QItemSelectionModel, QRect
from PySide6.QtGui import QScreen

from inspector.replay import worker
from inspector.ui.analysis import FRAME_ROOM, GEOMETRY_KEY


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


@pytest.fixture
def small_screen(monkeypatch) -> QRect:
    """A 1024x700 screen whose free area is 1024x672 (a 28 px panel at the top)."""
    free = QRect(0, 28, 1024, 672)
    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(free))
    return free


def _open_analysis(window, qtbot):
    window.analysis_actions["states"].trigger()
    analysis = window.analysis_window
    qtbot.waitUntil(analysis.isVisible, timeout=5000)
    return analysis


def test_the_analyse_window_fits_a_1024_by_700_screen(qtbot, window, small_screen, tmp_path):
    window.resize(1000, 640)
    analysis = _open_analysis(window, qtbot)
    framed = QRect(analysis.geometry()).adjusted(-FRAME_ROOM[0] // 2, -(FRAME_ROOM[1] - FRAME_ROOM[0] // 2),
                                                 FRAME_ROOM[0] // 2, FRAME_ROOM[0] // 2)
    assert small_screen.contains(framed), (analysis.geometry(), small_screen)
    assert analysis.width() >= 1000 and analysis.height() >= 600  # as much of the screen as it can have
    assert analysis.grab().save(str(tmp_path / "analyse-at-1024x700.png"))


def test_the_analyse_window_opens_at_1280_by_800_on_a_big_screen(qtbot, window, monkeypatch):
    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(0, 0, 1920, 1050))
    analysis = _open_analysis(window, qtbot)
    assert (analysis.width(), analysis.height()) == (1280, 800)
    assert QRect(0, 0, 1920, 1050).contains(analysis.geometry())


def test_the_analyse_window_opens_again_where_and_as_big_as_it_was(qtbot, demo_copy, monkeypatch):
    from inspector.ui.app import MainWindow, make_app
    from inspector.ui.settings import Settings

    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(0, 0, 1920, 1050))
    make_app()
    first = MainWindow(str(demo_copy))
    qtbot.addWidget(first)
    first.show()
    try:
        analysis = _open_analysis(first, qtbot)
        analysis.setGeometry(QRect(200, 150, 900, 620))
        qtbot.waitUntil(lambda: analysis.size().width() == 900, timeout=5000)
        analysis.close()
        assert Settings().get(GEOMETRY_KEY) == {"x": 200, "y": 150, "width": 900, "height": 620, "maximized": False}
    finally:
        first.shutdown()
    again = MainWindow(str(demo_copy))
    qtbot.addWidget(again)
    again.show()
    try:
        analysis = _open_analysis(again, qtbot)
        assert analysis.geometry() == QRect(200, 150, 900, 620)
    finally:
        again.shutdown()


def test_a_remembered_size_bigger_than_the_screen_shrinks_to_fit_it(qtbot, demo_copy, monkeypatch):
    from inspector.ui.app import MainWindow, make_app

    screen = {"free": QRect(0, 0, 1920, 1050)}
    monkeypatch.setattr(QScreen, "availableGeometry", lambda self: QRect(screen["free"]))
    make_app()
    first = MainWindow(str(demo_copy))
    qtbot.addWidget(first)
    first.show()
    try:
        analysis = _open_analysis(first, qtbot)
        assert analysis.width() == 1280
        first.save_window_state()  # the window is open when the app closes: its geometry is kept too
    finally:
        first.shutdown()
    screen["free"] = QRect(0, 0, 1024, 700)  # the same settings on a laptop
    again = MainWindow(str(demo_copy))
    qtbot.addWidget(again)
    again.show()
    try:
        analysis = _open_analysis(again, qtbot)
        assert analysis.width() <= 1024 - FRAME_ROOM[0] and analysis.height() <= 700 - FRAME_ROOM[1]
        assert QRect(0, 0, 1024, 700).contains(analysis.geometry())
    finally:
        again.shutdown()


@pytest.fixture
def store_with_a_big_event(tmp_path):
    """A generic SQLite store: ``order-1`` v2 holds 60,000 records (about 4.3 MB of JSON)."""
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
    stored = conn.execute("SELECT length(data) FROM events WHERE version = 2").fetchone()[0]
    conn.close()
    return path, stored


def _left_out(event):
    """``event`` as a page of the table that left its payload out gives it."""
    import dataclasses

    from inspector.stores.lazy import PayloadLeftOut

    return dataclasses.replace(event, data=PayloadLeftOut(1))


def test_show_all_names_the_events_size_and_the_texts_apart(qtbot, store_with_a_big_event, tmp_path):
    from inspector.stores.lazy import size_text
    from inspector.ui.app import MainWindow, make_app
    from inspector.ui.widgets import EventView, size_words

    path, stored = store_with_a_big_event
    make_app()
    win = MainWindow(str(path))
    qtbot.addWidget(win)
    win.resize(1024, 700)
    win.show()
    try:
        win.select_stream("order-1")
        qtbot.waitUntil(lambda: win.event_model.rowCount() == 3 and not win.event_model.loading, timeout=20000)
        win.tabs.setCurrentWidget(win.event_view)
        view = win.event_view
        row = next(r for r in range(3) if win.event_model.event_at(r).type == "LinesImported")
        win.events_view.selectionModel().setCurrentIndex(
            win.event_model.index(row, win.event_model.TYPE),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        qtbot.waitUntil(lambda: view.copy_button.isEnabled() and view.shown_event is not None
                        and view.shown_event.type == "LinesImported" and view.show_all_button.isVisible(),
                        timeout=60000)
        text, whole = view._raw_text, view.shown_event
        assert len(text) > 1.5 * stored  # the indented text is much bigger than the event
        button = view.show_all_button
        # at 1024 the pane is narrow: the text's size alone, said to be the text's; the tooltip has both
        assert button.text() == f"Show all ({size_words(len(text))} of text)"
        assert f"the {size_text(stored)} event laid out as indented text with its metadata is " \
               f"{size_words(len(text))}" in button.toolTip()
        assert win.width() == 1024 and button.width() >= button.sizeHint().width()  # read whole, widening nothing
        assert win.grab().save(str(tmp_path / "event-tab-show-all-at-1024x700.png"))
    finally:
        win.shutdown()
    # in a pane with room the button says the event's size beside the text's
    wide = EventView()
    qtbot.addWidget(wide)
    wide.resize(720, 640)
    wide.show()
    qtbot.waitExposed(wide)
    wide.show_loading(_left_out(whole), stored)  # as the window shows an event its page left out
    wide.show_event(whole)
    qtbot.waitUntil(lambda: wide.show_all_button.isVisible(), timeout=60000)
    assert wide.show_all_button.text() == f"Show all ({size_text(stored)} event, {size_words(len(text))} of text)"
    assert wide.show_all_button.width() >= wide.show_all_button.sizeHint().width()
    assert wide.grab().save(str(tmp_path / "event-tab-show-all-in-a-wide-pane.png"))
    wide.resize(380, 640)  # narrowed: the shorter label, still whole
    qtbot.waitUntil(lambda: wide.show_all_button.text() == f"Show all ({size_words(len(text))} of text)",
                    timeout=5000)


def test_the_main_window_opens_within_a_1024_by_700_screen_the_first_time(qtbot, demo_copy, small_screen):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(demo_copy))  # no geometry remembered yet (a fresh settings folder)
    qtbot.addWidget(win)
    try:
        framed = QRect(win.geometry()).adjusted(-FRAME_ROOM[0] // 2, -(FRAME_ROOM[1] - FRAME_ROOM[0] // 2),
                                                FRAME_ROOM[0] // 2, FRAME_ROOM[0] // 2)
        assert small_screen.contains(framed), (win.geometry(), small_screen)
        assert win.width() >= 1000 and win.height() >= 600  # as much of the screen as it can have
    finally:
        win.shutdown()


def test_the_main_window_opens_at_1280_by_800_the_first_time_on_a_big_screen(qtbot, demo_copy):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(demo_copy))
    qtbot.addWidget(win)
    try:
        assert (win.width(), win.height()) == (1280, 800)
    finally:
        win.shutdown()
