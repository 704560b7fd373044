"""Analyse › States and Compare say "no stream stopped" only once a run has finished: before any
run their stopped-streams title says it has not run yet (it read "No stream stopped (the
projector raised no error)" when nothing had been replayed)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def test_states_before_and_after_a_run(qtbot, window):
    window.analysis_actions["states"].trigger()
    view = window.analysis_window.states_view
    assert view.stopped_title.text() == "Stopped streams: not run yet"
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status.text().startswith("Done"), timeout=20000)
    assert view.stopped_title.text() == "No stream stopped (the projector raised no error)"


def test_compare_before_and_after_a_run(qtbot, window):
    window.analysis_actions["compare"].trigger()
    view = window.analysis_window.compare_view
    assert view.stopped_title.text() == "Stopped alike on both sides: not run yet"
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.old_picker.set_choice("demo", None)
    view.new_picker.set_choice("generic", None)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status.text().startswith("Done"), timeout=30000)
    assert view.stopped_title.text() == "No stream stopped alike on both sides"
