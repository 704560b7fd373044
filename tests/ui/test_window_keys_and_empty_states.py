"""Keys and empty states of the window: its shortcuts win over line-edit key bindings, the
Event tab follows the selected stream, and the stream list tells loading, nothing found and
a failed listing apart."""

from __future__ import annotations

# --- 1. window shortcuts win over line-edit key bindings ------------------------------------
def test_ctrl_e_in_the_stream_filter_opens_the_export_dialog(qtbot, window):
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtWidgets import QApplication

    from inspector.ui.export_dialog import ExportDialog

    class ClaimsCtrlE(QObject):
        """What an X11 line edit does: Ctrl+E is its end-of-line key (offscreen has no such binding)."""

        def eventFilter(self, watched, event):  # noqa: N802
            if event.type() == QEvent.Type.ShortcutOverride and event.keyCombination() == Qt.Key.Key_E | \
                    Qt.KeyboardModifier.ControlModifier:
                event.accept()
                return True
            return False

    x11_binding = ClaimsCtrlE(window.filter_edit)
    window.filter_edit.installEventFilter(x11_binding)
    window.activateWindow()
    window.filter_edit.setText("wallet")
    window.filter_edit.setFocus()
    window.filter_edit.setCursorPosition(0)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.filter_edit, timeout=10000)
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(isinstance(w, ExportDialog) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=10000)
    assert window.filter_edit.text() == "wallet"
    window.export_dialog_widget.reject()
    # editing keys the window does not use stay with the line edit
    window.filter_edit.setFocus()
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_edit.selectedText() == "wallet"


# --- 2. the Event tab follows the stream ---------------------------------------------------
def _select_stream(qtbot, win, stream):
    win.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: win.stream_model.row_of(stream) is not None, timeout=5000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: win.event_model.rowCount() > 0 and win.event_model.event_at(0).stream == stream,
                    timeout=5000)


def test_selecting_another_stream_clears_the_event_tab(qtbot, window, demo_planted):
    first, _bad = demo_planted.negative_wallet
    window.filter_edit.setText("wallet-*")
    qtbot.waitUntil(lambda: window.stream_model.exhausted and window.stream_model.rowCount() > 1, timeout=5000)
    second = next(s.stream for s in window.stream_model.summaries() if s.stream != first)
    _select_stream(qtbot, window, first)
    window.events_view.setCurrentIndex(window.event_model.index(1, 0))
    assert first in window.event_view.header.text()

    _select_stream(qtbot, window, second)
    assert window.current_event is None
    assert window.event_view.header.text().startswith("Select an event")
    assert first not in window.event_view.header.text()
    assert not window.event_view.copy_button.isEnabled()
    # an event chosen in the new stream shows as usual
    window.events_view.setCurrentIndex(window.event_model.index(0, 0))
    assert second in window.event_view.header.text()


# --- 3. the stream list's empty state ------------------------------------------------------
def test_the_stream_list_says_loading_until_a_finished_fetch_found_nothing(qtbot, window, monkeypatch):
    import threading

    gate, asked = threading.Event(), threading.Event()
    listing = window.store.streams

    def slow_streams(*args, **kwargs):
        asked.set()
        gate.wait(10)
        return listing(*args, **kwargs)

    monkeypatch.setattr(window.store, "streams", slow_streams)
    try:
        window.filter_edit.setText("no-such-stream-*")
        qtbot.waitUntil(lambda: window.stream_model.query[0] == "no-such-stream-*", timeout=10000)
        assert window.stream_model.rowCount() == 0
        assert window.streams_status.text() == "Loading streams…"
        # the listing is under way (held inside the store): still loading, not "nothing found"
        qtbot.waitUntil(asked.is_set, timeout=5000)
        assert window.streams_status.text() == "Loading streams…"
    finally:
        gate.set()
    qtbot.waitUntil(lambda: window.streams_status.text() == "No stream matches the filter.", timeout=5000)


def test_a_failed_stream_listing_is_not_called_an_empty_result(qtbot, window, monkeypatch):
    from inspector.stores import StoreError

    def broken(*args, **kwargs):
        raise StoreError("the server went away")

    monkeypatch.setattr(window.store, "streams", broken)
    window.filter_edit.setText("wallet-*")
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "the server went away" in window.banner.text()
    assert window.streams_status.text() == "Listing streams failed (see the message above)."
