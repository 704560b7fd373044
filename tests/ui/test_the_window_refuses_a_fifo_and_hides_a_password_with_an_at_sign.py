"""Opening what is no store, or a server URL whose password holds an unencoded ``@``, in the
window: a FIFO named like a store is refused at once with a banner saying what it is (it used
to block the open forever on "Opening…"), and the banner of a server it cannot reach shows no
part of the password (``p@ssw0rd-tail`` leaked its tail)."""

from __future__ import annotations

import os
import socket

import pytest


@pytest.fixture
def open_window(qtbot):
    from inspector.replay import worker
    from inspector.ui.app import MainWindow, make_app

    windows = []

    def open_on(target: str):
        make_app()
        win = MainWindow(target)
        qtbot.addWidget(win)
        win.show()
        windows.append(win)
        return win

    yield open_on
    for win in windows:
        win.shutdown()
    worker.shutdown()


@pytest.mark.parametrize("name", ["events.jsonl", "events.db", "events.jsonl.gz"])
def test_a_fifo_named_like_a_store_is_refused_with_a_banner(qtbot, open_window, tmp_path, name, demo_store_path):
    path = tmp_path / name
    os.mkfifo(path)
    win = open_window(str(path))
    qtbot.waitUntil(lambda: win.banner.isVisible() and "not a store file" in win.banner.text(), timeout=20000)
    assert "is a FIFO (named pipe), not a store file" in win.banner.text()
    assert win.store is None
    # the window is not stuck: the next store opens
    win.open_target(str(demo_store_path))
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=30000)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "mysql+pymysql"])
def test_the_banner_of_a_server_it_cannot_reach_shows_no_part_of_the_password(qtbot, open_window, scheme):
    win = open_window(f"{scheme}://rel_user:p@ssw0rd-tail@127.0.0.1:{_closed_port()}/test")
    qtbot.waitUntil(lambda: win.banner.isVisible() and "Could not open" in win.banner.text(), timeout=30000)
    shown = [win.banner.text(), win.banner.toolTip(), win.windowTitle(), win.statusBar().currentMessage(),
             win.store_label.text(), win.store_label.toolTip()]
    assert not any("ssw0rd" in text or "tail" in text for text in shown), shown
    assert "rel_user:***@127.0.0.1" in win.banner.text()
