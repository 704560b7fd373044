"""The first-run hint says what the window shows: the demo store only when it is the demo
(what a start without a store opens), never for a store the user gave."""

from __future__ import annotations


def test_a_store_given_on_the_command_line_is_not_called_the_demo(qtbot, window, demo_copy):
    qtbot.waitUntil(lambda: "demo.db" in window.windowTitle(), timeout=10000)
    text = window.first_run_hint.label.text()
    assert "demo store" not in text and "without a store" not in text
    assert "Open another store with" in text
    for words in ("Open store", "Ctrl+O", "Recent stores", "projector"):
        assert words in text


def test_the_demo_opened_without_a_store_is_named_as_the_demo(qtbot, demo_copy, monkeypatch):
    import inspector.demo
    from inspector.ui.app import MainWindow, make_app

    monkeypatch.setattr(inspector.demo, "default_demo_path", lambda: demo_copy)
    make_app()
    win = MainWindow(None)
    qtbot.addWidget(win)
    win.show()
    try:
        assert "Open a store with" in win.first_run_hint.label.text()
        win.open_demo()
        qtbot.waitUntil(lambda: win.store is not None, timeout=10000)
        text = win.first_run_hint.label.text()
        assert "The window shows the demo store" in text and "Open your own with" in text
    finally:
        win.shutdown()
