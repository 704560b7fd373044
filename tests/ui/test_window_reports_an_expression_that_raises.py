"""The window says when an expression raised an error (not a missing key) instead of taking it as
"does not hold": Analyse › States names the error and where (as ``states --where`` does) and
Tools › Bisect names it beside its answer. The States view claims no stream stopped only once a
run has finished."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker

STREAM = "wallet-9b2e71cc"


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def test_states_names_the_error_its_expression_raised(qtbot, window, tmp_path):
    window.analysis_actions["states"].trigger()
    view = window.analysis_window.states_view
    assert view.stopped_title.text() == "Stopped streams: not run yet"  # nothing is known before a run
    assert "any other error it raises counts as not holding and is reported" in view.where_edit.toolTip()
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.where_edit.setText("1/0")
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status.text().startswith("Done"), timeout=20000)
    status = view.status.text()
    assert status.startswith("Done: 0 matches at latest · ")
    assert (
        "Note: the expression raised an error at every one of the 24 states it was asked of, so it is not "
        "known where it holds: ZeroDivisionError: division by zero (24 times, first in wallet-"
    ) in status
    assert view.stopped_title.text() == "No stream stopped (the projector raised no error)"
    window.analysis_window.grab().save(str(tmp_path / "states_error.png"))


def test_bisect_names_the_error_beside_never_holds(qtbot, window):
    window.run_bisect(STREAM, "1/(event.version - 3) < -100")
    qtbot.waitUntil(lambda: "never holds" in window.banner.text(), timeout=30000)
    assert window.banner.text() == (
        f"1/(event.version - 3) < -100 never holds in {STREAM} (checked at every version up to v198). Note: the "
        "expression raised an error at 1 of the 198 versions checked, counted as not holding there: "
        f"ZeroDivisionError: division by zero (1 time, first in {STREAM} at v3)"
    )


def test_bisect_of_an_expression_raising_everywhere_says_so(qtbot, window):
    window.run_bisect(STREAM, "1/0")
    qtbot.waitUntil(lambda: "raised an error" in window.banner.text(), timeout=30000)
    assert window.banner.text() == (
        f"Bisect of {STREAM} for 1/0: --when raised an error at every one of the 198 versions checked, so it is "
        f"not known where it holds: ZeroDivisionError: division by zero (198 times, first in {STREAM} at v1)"
    )


def test_bisect_found_with_errors_on_the_way_says_them(qtbot, window):
    # holds at the latest version; the binary search probes v99 among others, where it raises
    window.run_bisect(STREAM, 'state["credits"] < 0 or 1/(event.version - 99) > 5')
    qtbot.waitUntil(lambda: "first holds" in window.statusBar().currentMessage(), timeout=30000)
    qtbot.waitUntil(lambda: "raised an error" in window.banner.text(), timeout=10000)
    assert f"(1 time, first in {STREAM} at v99)" in window.banner.text()
