"""Category ``order`` and category ``order `` (a trailing space), and a stream whose name starts
with a space, read apart wherever the window lists them: in double quotes (``"order "``), as
``shown_name`` writes a name that is empty, starts or ends with blank space, or starts with a
quote; control characters are escaped as the CLI prints them. Other names read as stored."""

from __future__ import annotations

import sqlite3

from inspector.replay import worker
from inspector.ui.presenting import shown_name

from tests.stores.test_sqlite_contract import GENERIC_DDL

STREAMS = ["order-1", "order -2", " lead-1"]


def test_names_with_blank_edges_are_quoted_and_others_read_as_stored():
    assert [shown_name(name) for name in ("order", "order ", " order", "", '"q"', "a\tb", "order -2")] == [
        "order", '"order "', '" order"', '""', '""q""', "a\\tb", "order -2"]


def test_the_category_pickers_and_the_stream_list_tell_order_from_order_space(qtbot, tmp_path):
    from inspector.ui.app import MainWindow, make_app

    path = tmp_path / "spaces.db"
    db = sqlite3.connect(path)
    db.executescript(GENERIC_DDL)
    db.executemany("INSERT INTO events (stream, version, type, recorded_at, data) VALUES (?,?,?,?,?)",
                   [(stream, 1, "Noted", "2024-03-01T10:00:00Z", '{"n": 1}') for stream in STREAMS])
    db.commit()
    db.close()
    make_app()
    win = MainWindow(str(path))
    qtbot.addWidget(win)
    win.show()
    try:
        box = win.category_box
        qtbot.waitUntil(lambda: box.findData("order ") >= 0, timeout=10000)
        assert box.itemText(box.findData("order")) == "order (1 stream)"
        assert box.itemText(box.findData("order ")) == '"order " (1 stream)'
        assert box.itemText(box.findData(" lead")) == '" lead" (1 stream)'
        model = win.stream_model
        qtbot.waitUntil(lambda: not model.loading and model.exhausted and model.rowCount() == 3, timeout=10000)
        assert model.index(model.row_of(" lead-1"), model.STREAM).data() == '" lead-1"'
        assert model.index(model.row_of("order -2"), model.STREAM).data() == "order -2"
        win.analysis().states_view.set_categories([("order", 1), ("order ", 1)])  # as the window gives them
        view = win.analysis_window.states_view
        assert [view.category_box.itemText(i) for i in range(2)] == ["order (1 stream)", '"order " (1 stream)']
    finally:
        win.shutdown()
        worker.shutdown()
