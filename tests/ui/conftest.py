"""Fixtures for window tests: a private copy of the demo store and a window open on it."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def demo_copy(demo_store_path, tmp_path):
    """A copy of the demo store this test may open (the session's original stays untouched)."""
    target = tmp_path / "demo.db"
    shutil.copyfile(demo_store_path, target)
    return target


@pytest.fixture
def window(qtbot, demo_copy):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(demo_copy))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
    yield win
    win.shutdown()
