"""A store that cannot be opened (File › Open, Recent stores) leaves the open store as it was:
the selected stream and its table, the selected event, the detail tab, the category and type
filters; only the error banner is new."""

from __future__ import annotations

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:5999/test"


def _select_stream(qtbot, win, stream):
    qtbot.waitUntil(lambda: win.stream_model.row_of(stream) is not None, timeout=10000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: win.event_model.rowCount() > 0 and win.event_model.event_at(0).stream == stream,
                    timeout=10000)


def test_an_unreachable_url_keeps_the_selected_stream_and_the_state_tab(qtbot, window):
    wallet = next(s.stream for s in window.stream_model.summaries() if s.stream.startswith("wallet-"))
    _select_stream(qtbot, window, wallet)
    window.tabs.setCurrentWidget(window.state_view)
    qtbot.waitUntil(lambda: window.state_view.stream == wallet, timeout=10000)

    window.open_target(UNREACHABLE)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=20000)
    assert "Could not open the store" in window.banner.text()

    assert window.current_stream == wallet
    assert window.events_title.text().startswith(f"Events of {wallet}")
    assert window.tabs.currentWidget() is window.state_view
    qtbot.waitUntil(lambda: window.state_view.stream == wallet, timeout=10000)
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 0, timeout=10000)
    assert {e.stream for e in window.event_model.events()} == {wallet}
    qtbot.waitUntil(lambda: window.stream_model.row_of(wallet) is not None, timeout=10000)
    selected = window.streams_view.currentIndex()
    assert selected.isValid() and window.stream_model.summary(selected.row()).stream == wallet
    assert "demo.db" in window.windowTitle() and "No store" not in window.store_label.text()


def test_an_unreachable_url_keeps_the_selected_event_and_the_type_filter(qtbot, window):
    wallet = next(s.stream for s in window.stream_model.summaries() if s.stream.startswith("wallet-"))
    _select_stream(qtbot, window, wallet)
    event = window.event_model.event_at(0)
    qtbot.waitUntil(lambda: window.type_box.findData(event.type) >= 0, timeout=10000)
    window.type_box.setCurrentIndex(window.type_box.findData(event.type))
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 0
                    and {e.type for e in window.event_model.events()} == {event.type}, timeout=10000)
    window.events_view.setCurrentIndex(window.event_model.index(0, 1))
    qtbot.waitUntil(lambda: window.event_view.shown_event is not None, timeout=10000)
    shown = window.event_view.shown_event
    window.tabs.setCurrentWidget(window.event_view)

    window.open_target(UNREACHABLE)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=20000)

    assert window.type_box.currentData() == event.type
    assert window.event_view.shown_event is not None and window.event_view.shown_event.position == shown.position
    assert window.tabs.currentWidget() is window.event_view
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 0, timeout=10000)
    assert {(e.stream, e.type) for e in window.event_model.events()} == {(wallet, event.type)}
    # the counts arrive and keep the chosen type (named with its count again)
    qtbot.waitUntil(lambda: "(" in window.type_box.currentText(), timeout=10000)
    assert window.type_box.currentData() == event.type
