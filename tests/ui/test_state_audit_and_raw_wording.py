"""Words a user reads in the State, Audit and Event tabs: a stream shown before its first
event says so plainly, one correlated event "shares" its id, and the Raw text keeps each line
whole (an id such as a UUID is never wrapped in two)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QPlainTextEdit

from inspector.replay import worker


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def test_a_stream_stopped_on_its_first_event_is_shown_before_its_first_event(qtbot, window, demo_planted):
    stream, version = demo_planted.undecodable_payload
    assert version == 1
    window.select_stream(stream)
    window.tabs.setCurrentWidget(window.state_view)
    header = window.state_view.header
    qtbot.waitUntil(lambda: window.state_view.result is not None and window.state_view.result.stream == stream,
                    timeout=15000)
    assert f"<b>{stream}</b> before its first event" in header.text()
    assert " at before " not in header.text()


def test_a_correlation_id_held_by_one_event_is_said_in_the_singular(qtbot, window, demo_copy):
    from inspector.stores import open_store

    store = open_store(str(demo_copy))
    try:
        events = store.read_all(limit=10000)
    finally:
        store.close()
    holders: dict[str, int] = {}
    for event in events:
        correlation = event.metadata.get("correlation_id")
        if correlation:
            holders[correlation] = holders.get(correlation, 0) + 1
    lonely = next(e for e in events if e.actor and holders.get(e.metadata.get("correlation_id"), 0) == 1)
    window.tabs.setCurrentWidget(window.audit_view)
    view = window.audit_view
    view.actor_box.setEditText(lonely.actor)
    qtbot.keyClick(view.actor_box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=5000)
    while not any(e.position == lonely.position for e in view.model.events()):
        qtbot.waitUntil(lambda: not view.model.loading, timeout=5000)
        assert view.model.canFetchMore(QModelIndex())
        view.model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not view.model.loading, timeout=5000)
    row = next(r for r, e in enumerate(view.model.events()) if e.position == lonely.position)
    view.table.setCurrentIndex(view.model.index(row, 0))
    correlation = lonely.metadata["correlation_id"]
    qtbot.waitUntil(lambda: view.selected is not None and view.selected.position == lonely.position
                    and correlation in view.correlated_label.text(), timeout=5000)
    assert f": 1 event shares correlation id {correlation}" in view.correlated_label.text()


def test_the_raw_text_keeps_each_line_whole(qtbot, window, demo_planted):
    stream, _ = demo_planted.negative_wallet
    window.select_stream(stream)
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 0, timeout=10000)
    window.events_view.selectionModel().setCurrentIndex(
        window.event_model.index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    raw = window.event_view.raw
    qtbot.waitUntil(lambda: "correlation_id" in raw.toPlainText(), timeout=10000)
    assert raw.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap
    document = raw.document()
    longest = max(raw.toPlainText().splitlines(), key=len)
    assert raw.fontMetrics().horizontalAdvance(longest) > raw.viewport().width(), "the pane is wide enough to wrap"
    assert document.lineCount() == document.blockCount()  # one drawn line per stored line
