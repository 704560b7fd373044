"""The window's category filter offers ``(none)`` when some streams have no category, and picking
it lists exactly those streams (a name with nothing before its first ``-``), as ``categories``
counts them; States and Compare open on ``(none)`` for such a selected stream."""

from __future__ import annotations

ROWS = [("-7", 1), ("-7", 2), ("order-1", 1), ("order-2", 1), ("-9", 1)]


def test_picking_none_lists_the_streams_without_a_category(qtbot, window_on_streams):
    win = window_on_streams(ROWS)
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


def test_a_category_named_none_is_its_own_entry_apart_from_no_category(qtbot, window_on_streams):
    win = window_on_streams([("-7", 1), ("(none)-1", 1), ("(none)-2", 1), ("order-1", 1)])
    box = win.category_box
    qtbot.waitUntil(lambda: box.findData("\\(none)") >= 0, timeout=10000)
    assert box.itemText(box.findData("(none)")) == "(none) (1 stream)"
    assert box.itemText(box.findData("\\(none)")) == "\\(none) (2 streams)"
    box.setCurrentIndex(box.findData("\\(none)"))
    model = win.stream_model
    qtbot.waitUntil(lambda: not model.loading and model.exhausted and model.rowCount() == 2, timeout=10000)
    assert [model.summary(row).stream for row in range(model.rowCount())] == ["(none)-1", "(none)-2"]
    win.select_stream("(none)-1")
    win.analysis_actions["states"].trigger()
    view = win.analysis_window.view("states")
    qtbot.waitUntil(lambda: view.category_box.currentData() == "\\(none)", timeout=10000)
