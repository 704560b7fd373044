"""The window's category filter offers ``(none)`` when some streams have no category, and picking
it lists exactly those streams (a name with nothing before its first ``-``), as ``categories``
counts them; States and Compare open on ``(none)`` for such a selected stream."""

from __future__ import annotations

import sqlite3

from inspector.replay import worker

from tests.stores.test_sqlite_contract import GENERIC_DDL

ROWS = [("-7", 1), ("-7", 2), ("order-1", 1), ("order-2", 1), ("-9", 1)]


def test_picking_none_lists_the_streams_without_a_category(qtbot, tmp_path):
    from inspector.ui.app import MainWindow, make_app

    path = tmp_path / "none.db"
    db = sqlite3.connect(path)
    db.executescript(GENERIC_DDL)
    db.executemany("INSERT INTO events (stream, version, type, recorded_at, data) VALUES (?,?,?,?,?)",
                   [(stream, version, "Noted", "2024-03-01T10:00:00Z", '{"n": 1}') for stream, version in ROWS])
    db.commit()
    db.close()
    make_app()
    win = MainWindow(str(path))
    qtbot.addWidget(win)
    win.show()
    try:
        box = win.category_box
        qtbot.waitUntil(lambda: box.findData("(none)") >= 0, timeout=10000)
        assert box.itemText(box.findData("(none)")) == "(none) (2 streams)"
        box.setCurrentIndex(box.findData("(none)"))
        model = win.stream_model
        qtbot.waitUntil(lambda: not model.loading and model.exhausted and model.rowCount() == 2, timeout=10000)
        assert sorted(model.summary(row).stream for row in range(model.rowCount())) == ["-7", "-9"]
        win.select_stream("-7")
        win.analysis_actions["states"].trigger()
        view = win.analysis_window.view("states")
        qtbot.waitUntil(lambda: view.category_box.currentData() == "(none)", timeout=10000)
    finally:
        win.shutdown()
        worker.shutdown()
