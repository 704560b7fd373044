"""The States view's status line says what a run found as ``states`` on the command line does:
with "ever" the matches held at some version (the first one listed), not at the moment; an
expression that reads a key no state had gets the CLI's note with the nearest spelling."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker

NEGATIVE = 'state["credits"] < 0'


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def _run(qtbot, window, where: str, *, ever: bool = False, at: str = ""):
    window.analysis_actions["states"].trigger()
    view = window.analysis_window.states_view
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.where_edit.setText(where)
    view.at_edit.setText(at)
    view.ever_box.setChecked(ever)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status.text().startswith("Done"), timeout=20000)
    return view


def test_ever_matches_are_said_to_have_held_at_some_version(qtbot, window, demo_planted):
    stream, first_negative = demo_planted.negative_wallet
    view = _run(qtbot, window, NEGATIVE, ever=True)
    assert [(view.model.row_at(0).stream, view.model.row_at(0).version)] == [(stream, first_negative)]
    status = view.status.text()
    assert status.startswith("Done: 1 match held at some version · "), status
    assert "at latest" not in status and "Note:" not in status


def test_ever_up_to_a_version_names_that_version(qtbot, window):
    view = _run(qtbot, window, NEGATIVE, ever=True, at="v500")
    assert " held at some version up to v500 · " in view.status.text()


def test_a_misspelt_key_gets_the_did_you_mean_note_the_cli_prints(qtbot, window):
    view = _run(qtbot, window, 'state["credit"] < 0')
    status = view.status.text()
    assert status.startswith("Done: 0 matches at latest · ")
    assert "Note: the expression read a key that no state had: 'credit' (did you mean 'credits'?)" in status
    # the right spelling has no note
    view = _run(qtbot, window, NEGATIVE)
    assert view.status.text().startswith("Done: 1 match at latest") and "Note:" not in view.status.text()
