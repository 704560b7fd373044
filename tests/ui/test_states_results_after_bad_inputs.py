"""Analyse › States: after a run, inputs that cannot run (a bad expression or moment) do not leave
the old results looking like their answer: the status says nothing ran and names the listed
streams as the previous run's; a good run lists its own results again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker

NEGATIVE = 'state["credits"] < 0'


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def _find(qtbot, view, where: str, at: str = "") -> None:
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.where_edit.setText(where)
    view.at_edit.setText(at)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)


def test_a_bad_expression_after_a_run_marks_the_listed_streams_as_the_previous_run(qtbot, window, demo_planted):
    window.analysis_actions["states"].trigger()
    view = window.analysis_window.states_view
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    _find(qtbot, view, NEGATIVE)
    qtbot.waitUntil(lambda: view.status.text().startswith("Done: 1 match"), timeout=20000)
    assert view.matches_title.text() == "Matching streams: 1"

    _find(qtbot, view, 'state["credits"] <')
    assert view.where_error.isVisible()
    status = view.status.text()
    assert not status.startswith("Done") and status.startswith("Not run: correct the input marked in red.")
    assert f"from the previous run (wallet, where {NEGATIVE} at latest)" in status
    assert view.matches_title.text() == "Matching streams: 1 — previous run"

    _find(qtbot, view, NEGATIVE, at="next tuesday")
    assert view.at_error.isVisible() and "previous run" in view.status.text()

    _find(qtbot, view, NEGATIVE)
    qtbot.waitUntil(lambda: view.status.text().startswith("Done: 1 match"), timeout=20000)
    assert view.matches_title.text() == "Matching streams: 1"
    assert view.model.streams() == [demo_planted.negative_wallet[0]]
