"""A jump to a stream (from Health, Audit, States: ``jump_to_version``) scrolls the stream list to
that stream's row, and the list's footer no longer asks to select a stream while one is selected."""

from __future__ import annotations

import pytest

from inspector.ui.models import StreamListModel


def _row_visible(win, stream) -> bool:
    row = win.stream_model.row_of(stream)
    if row is None:
        return False
    rect = win.streams_view.visualRect(win.stream_model.index(row, StreamListModel.STREAM))
    return win.streams_view.viewport().rect().contains(rect)


def test_a_jump_to_the_last_stream_scrolls_the_list_to_it(qtbot, window):
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.stream_model.exhausted, timeout=10000)
    assert "select one to see its events" in window.streams_status.text()
    last = window.stream_model.summaries()[-1].stream
    qtbot.waitUntil(lambda: window.streams_view.viewport().height() > 0, timeout=5000)
    assert not _row_visible(window, last), "the demo's last stream must start out of view for this test"

    window.jump_to_version(last, 1)
    qtbot.waitUntil(lambda: window.current_stream == last, timeout=10000)
    qtbot.waitUntil(lambda: _row_visible(window, last), timeout=5000)
    assert window.stream_model.summary(window.streams_view.currentIndex().row()).stream == last
    assert "select one" not in window.streams_status.text()
    assert window.streams_status.text().endswith("streams · 1 selected")

    window.select_stream(None)  # Show all streams
    assert "select one to see its events" in window.streams_status.text()


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_a_jump_to_a_stream_the_filter_leaves_out_says_so_under_the_list(qtbot, window, size):
    window.resize(*size)
    model = window.stream_model
    qtbot.waitUntil(lambda: model.exhausted and model.rowCount() > 0, timeout=10000)
    hidden = next(s.stream for s in model.summaries() if not s.stream.startswith("wallet"))
    window.filter_edit.setText("wallet")
    qtbot.waitUntil(lambda: model.exhausted and model.rowCount() > 0
                    and all(model.index(r, 0).data().startswith("wallet") for r in range(model.rowCount())),
                    timeout=10000)
    wallets = model.rowCount()
    window.jump_to_version(hidden, 1)
    qtbot.waitUntil(lambda: window.current_stream == hidden, timeout=10000)
    assert model.row_of(hidden) is None
    footer = window.streams_status
    assert footer.text() == f"{wallets} streams · 1 selected, filtered out"
    assert footer.fontMetrics().horizontalAdvance(footer.text()) <= footer.contentsRect().width()

    window.filter_edit.setText("")  # listed again: the footer no longer says it is left out
    qtbot.waitUntil(lambda: model.row_of(hidden) is not None, timeout=10000)
    qtbot.waitUntil(lambda: footer.text().endswith("streams · 1 selected"), timeout=10000)


def test_a_list_of_one_stream_says_one_stream(qtbot, window):
    model = window.stream_model
    qtbot.waitUntil(lambda: model.exhausted and model.rowCount() > 1, timeout=10000)
    only = model.summaries()[0].stream
    window.filter_edit.setText(only)
    qtbot.waitUntil(lambda: model.exhausted and model.rowCount() == 1, timeout=10000)
    qtbot.waitUntil(lambda: window.streams_status.text() == "1 stream · select one to see its events", timeout=5000)
    window.streams_view.setCurrentIndex(model.index(0, StreamListModel.STREAM))
    qtbot.waitUntil(lambda: window.current_stream == only, timeout=5000)
    assert window.streams_status.text() == "1 stream · 1 selected"


def test_a_jump_to_an_event_halfway_down_a_stream_shows_its_row_in_the_table(qtbot, window):
    """The stream's first page holds the event but the row is below the table's fold: the table
    scrolls to it (it stayed at v1 when the scroll came before the rows were laid out)."""
    window.resize(1280, 800)
    model = window.stream_model
    qtbot.waitUntil(lambda: model.exhausted and model.rowCount() > 0, timeout=10000)
    summary = next(s for s in model.summaries() if 40 <= s.count <= 150 and s.first_version == 1)
    version = summary.count // 2
    view = window.events_view
    window.jump_to_version(summary.stream, version)
    qtbot.waitUntil(lambda: window.current_event is not None and window.current_event.stream == summary.stream
                    and window.current_event.version == version, timeout=10000)
    qtbot.waitUntil(lambda: view.currentIndex().isValid()
                    and window.event_model.event_at(view.currentIndex().row()).version == version, timeout=10000)
    row = view.currentIndex().row()
    assert view.rowViewportPosition(row) + view.verticalOffset() >= view.viewport().height(), \
        "the row is below the table's first screen (else no proof)"
    assert view.viewport().rect().contains(view.visualRect(view.currentIndex())), "the table scrolled to the row"
