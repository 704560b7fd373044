"""Category ``order`` and category ``order `` (a trailing space), and a stream whose name starts
with a space, read apart wherever the window lists them: in double quotes (``"order "``), as
``shown_name`` writes a name that is empty, starts or ends with blank space, or starts with a
quote; control characters are escaped as the CLI prints them. Other names read as stored."""

from __future__ import annotations

from inspector.ui.presenting import shown_name

STREAMS = ["order-1", "order -2", " lead-1"]


def test_names_with_blank_edges_are_quoted_and_others_read_as_stored():
    assert [shown_name(name) for name in ("order", "order ", " order", "", '"q"', "a\tb", "order -2")] == [
        "order", '"order "', '" order"', '""', '""q""', "a\\tb", "order -2"]


def test_the_category_pickers_and_the_stream_list_tell_order_from_order_space(qtbot, window_on_streams):
    win = window_on_streams([(stream, 1) for stream in STREAMS])
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
