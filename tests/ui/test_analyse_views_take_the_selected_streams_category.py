"""States and Compare open on the category of the stream selected in the window (not the
first category, nor the one remembered from another day), unless the user picked a category
there since the store was opened: their pick stays."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def _categories_listed(qtbot, window, key: str):
    window.analysis_actions[key].trigger()
    view = window.analysis_window.view(key)
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0 and view.category_box.findData("job") >= 0,
                    timeout=10000)
    return view


@pytest.mark.parametrize("key", ["states", "compare"])
def test_the_view_opens_on_the_selected_wallets_category(qtbot, window, demo_planted, key):
    wallet, _ = demo_planted.negative_wallet
    window.select_stream(wallet)
    view = _categories_listed(qtbot, window, key)
    qtbot.waitUntil(lambda: view.category_box.currentData() == "wallet", timeout=5000)
    # a job selected next, the view shown again: the job's category
    job, _ = demo_planted.undecodable_payload
    window.select_stream(job)
    window.analysis_actions[key].trigger()
    qtbot.waitUntil(lambda: view.category_box.currentData() == "job", timeout=5000)


def test_a_category_picked_in_the_view_stays_whatever_stream_is_selected(qtbot, window, demo_planted):
    wallet, _ = demo_planted.negative_wallet
    window.select_stream(wallet)
    view = _categories_listed(qtbot, window, "states")
    qtbot.waitUntil(lambda: view.category_box.currentData() == "wallet", timeout=5000)
    view.category_box.setFocus()
    qtbot.keyClick(view.category_box, Qt.Key.Key_Up)  # the user picks another category with the keyboard
    picked = view.category_box.currentData()
    assert picked != "wallet"
    job, _ = demo_planted.undecodable_payload
    window.select_stream(job if picked != "job" else wallet)
    window.analysis_actions["states"].trigger()
    # any category the window asks of the store has arrived
    qtbot.waitUntil(lambda: not window.runner.busy("analysis-stream-category"), timeout=5000)
    assert view.category_box.currentData() == picked
    # Compare was not picked in: it follows the selected stream
    compare = _categories_listed(qtbot, window, "compare")
    qtbot.waitUntil(lambda: compare.category_box.currentData() == ("job" if picked != "job" else "wallet"),
                    timeout=5000)
