"""At 1024x700 what the trial found cut is read whole: each Health finding's detail (wrapped
under it across the pane), Compare's "Changed paths" header and the States view's At hint; and
the events table's Summary is in view without sideways scrolling; at the Analyse window's
narrowest, the States view's note on its projector wraps rather than being cut."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt

from inspector.replay import worker
from inspector.ui.models.stream_differences import StreamDifferencesModel


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def test_every_health_finding_detail_is_shown_whole(qtbot, window, demo_planted):
    window.resize(1024, 700)
    health = window.health_view
    window.tabs.setCurrentWidget(health)
    health.check_button.click()
    qtbot.waitUntil(lambda: health.tree.topLevelItemCount() >= 4 and health.check_button.isEnabled(), timeout=30000)
    tree = health.tree
    metrics = tree.fontMetrics()
    details = []
    for row in range(tree.topLevelItemCount()):
        finding = health.findings[row]
        assert health.detail_of(row) == finding.detail
        child = tree.topLevelItem(row).child(0)
        rect = tree.visualItemRect(child)
        # the detail spans the pane, and its wrapped lines fit the row's height
        assert rect.width() >= tree.viewport().width() - tree.indentation() - 2
        needed = metrics.boundingRect(QRect(0, 0, rect.width() - 8, 10_000), int(Qt.TextFlag.TextWordWrap),
                                      finding.detail)
        assert needed.width() <= rect.width() - 8 and needed.height() <= rect.height(), finding.detail
        details.append(finding.detail)
    assert any(metrics.horizontalAdvance(text) > tree.viewport().width() for text in details), \
        "some detail is longer than the pane: it wraps"


def test_compare_headers_and_the_states_moment_hint_are_read_whole(qtbot, window):
    window.analysis_actions["compare"].trigger()
    analysis = window.analysis_window
    analysis.resize(1024, 700)
    compare = analysis.compare_view
    table = compare.differences_view
    qtbot.waitUntil(lambda: table.isVisible() and table.viewport().width() > 0, timeout=5000)
    header = table.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionViewportPosition(StreamDifferencesModel.PATHS)
                    + header.sectionSize(StreamDifferencesModel.PATHS) <= table.viewport().width(), timeout=5000)
    for column, title in enumerate(StreamDifferencesModel.COLUMNS):
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(title) + 8, title
    assert header.sectionSize(StreamDifferencesModel.RECORDED) >= \
        table.fontMetrics().horizontalAdvance("2026-09-28 23:59:59") + 6

    window.analysis_actions["states"].trigger()
    states = analysis.states_view
    qtbot.waitUntil(lambda: states.at_edit.isVisible() and states.at_edit.width() > 0, timeout=5000)
    for edit in (states.at_edit, compare.at_edit):
        hint = edit.placeholderText()
        assert edit.fontMetrics().horizontalAdvance(hint) + 12 <= edit.width(), f"{hint!r} is cut"

    # at the window's narrowest, "the State tab's projector" beside the Projector box wraps, whole
    analysis.resize(analysis.minimumSizeHint().width(), 700)
    label = states.projector_label
    qtbot.waitUntil(lambda: label.width() < label.fontMetrics().horizontalAdvance(label.text()), timeout=5000)
    assert label.text() == "the State tab's projector"
    room = label.contentsRect()
    needed = label.fontMetrics().boundingRect(QRect(0, 0, room.width(), 10_000), int(Qt.TextFlag.TextWordWrap),
                                              label.text())
    assert label.wordWrap() and needed.width() <= room.width() and needed.height() <= room.height()


def _summary_in_view(view) -> int:
    """How many pixels of the Summary column show, with the table scrolled to its first column;
    0 when it cannot be seen without sideways scrolling."""
    from inspector.ui.models import EventTableModel

    view.horizontalScrollBar().setValue(0)
    left = view.columnViewportPosition(EventTableModel.SUMMARY)
    return max(0, min(view.viewport().width(), left + view.columnWidth(EventTableModel.SUMMARY)) - max(left, 0))


def test_the_events_summary_is_in_view_at_1024_without_sideways_scrolling(qtbot, window, demo_planted):
    from inspector.ui.models import EventTableModel
    from inspector.ui.window.table_columns import SUMMARY_FLOOR, SUMMARY_NARROW

    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=5000)
    view, model = window.events_view, window.event_model
    header = view.horizontalHeader()
    # all streams: Stream, Type and Time stay; Summary reads, with no sideways scroll bar
    qtbot.waitUntil(lambda: model.rowCount() > 0 and view.horizontalScrollBar().maximum() == 0, timeout=10000)
    assert _summary_in_view(view) >= SUMMARY_FLOOR
    for column in (EventTableModel.STREAM, EventTableModel.TYPE, EventTableModel.TIME):
        assert not view.isColumnHidden(column)
    left_out = [EventTableModel.COLUMNS[c] for c in window.event_columns.left_out]
    assert left_out and header.toolTip().startswith(" and ".join(left_out) + " left out: the table is too narrow")

    # one stream (the window's usual view): Version, Type, Time and a Summary that reads
    stream, version = demo_planted.negative_wallet
    window.jump_to_version(stream, version)
    qtbot.waitUntil(lambda: window.current_event is not None and window.current_event.stream == stream, timeout=10000)
    qtbot.waitUntil(lambda: model.rowCount() > 0 and model.event_at(0).stream == stream
                    and view.isColumnHidden(EventTableModel.STREAM)
                    and view.horizontalScrollBar().maximum() == 0, timeout=10000)
    assert _summary_in_view(view) >= SUMMARY_NARROW
    for column in (EventTableModel.VERSION, EventTableModel.TYPE, EventTableModel.TIME):
        assert not view.isColumnHidden(column)
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(EventTableModel.COLUMNS[column])
    # a time is never cut: the column holds the whole of the longest one
    times = [model.index(row, EventTableModel.TIME).data() for row in range(model.rowCount())]
    assert header.sectionSize(EventTableModel.TIME) >= max(view.fontMetrics().horizontalAdvance(t) for t in times) + 6
    assert view.isColumnHidden(EventTableModel.POSITION)  # one stream's table never shows it

    # wider again: what was left out for the Summary comes back
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: not view.isColumnHidden(EventTableModel.ACTOR) and not window.event_columns.left_out,
                    timeout=5000)
    assert header.toolTip() == ""
    assert view.isColumnHidden(EventTableModel.POSITION) and view.isColumnHidden(EventTableModel.STREAM)
