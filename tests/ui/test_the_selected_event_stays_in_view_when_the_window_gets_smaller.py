"""The event selected in the events table stays whole in view when the window is made smaller
(1280x800 to 1024x700): the table gets shorter, and a row picked near its bottom slid under
the edge (the README's 1024x700 screenshot showed the selected event out of sight)."""

from __future__ import annotations

from inspector.ui.models import EventTableModel


def test_the_selected_event_stays_whole_in_view_when_the_window_gets_smaller(qtbot, window):
    window.resize(1280, 800)
    model, view = window.event_model, window.events_view
    streams = window.stream_model
    qtbot.waitUntil(lambda: streams.exhausted and streams.rowCount() > 0, timeout=10000)
    row = next(r for r in range(streams.rowCount()) if streams.summary(r).count > 40)
    window.streams_view.setCurrentIndex(streams.index(row, 0))
    stream = streams.summary(row).stream
    qtbot.waitUntil(lambda: window.current_stream == stream and model.rowCount() > 40
                    and all(model.event_at(r).stream == stream for r in range(model.rowCount()))
                    and view.viewport().height() > 0, timeout=10000)
    viewport = view.viewport()
    low = view.rowAt(viewport.height() - 1)
    if not viewport.rect().contains(view.visualRect(model.index(low, EventTableModel.TYPE))):
        low -= 1
    picked = model.event_at(low)
    view.setCurrentIndex(model.index(low, EventTableModel.TYPE))
    qtbot.waitUntil(lambda: window.current_event is not None
                    and window.current_event.position == picked.position, timeout=10000)
    before = viewport.height()
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: viewport.height() < before, timeout=5000)
    assert view.rowViewportPosition(low) + view.verticalOffset() >= viewport.height(), \
        "the row would be below the shorter table's edge (else no proof)"
    qtbot.waitUntil(lambda: viewport.rect().contains(view.visualRect(view.currentIndex())), timeout=5000)
    assert view.currentIndex().row() == low
