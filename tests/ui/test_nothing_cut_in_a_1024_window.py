"""At 1024x700 what the trial found cut is read whole: each Health finding's detail (wrapped
under it across the pane), Compare's "Changed paths" header and the States view's At hint."""

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
