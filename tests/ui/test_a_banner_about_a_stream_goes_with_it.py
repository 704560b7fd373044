"""A message about one stream (the projector stopped on its unreadable event) is shown while
that stream is, and goes when another stream is shown: from the list, or from a match the
States view opens; it never covers a stream it is not about."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def _stopped_banner(qtbot, window, demo_planted) -> str:
    stream, _version = demo_planted.undecodable_payload
    window.select_stream(stream)
    qtbot.waitUntil(lambda: f"stopped replaying {stream}" in window.banner.text(), timeout=15000)
    return stream


def test_the_stopped_projector_banner_goes_when_another_stream_is_selected(qtbot, window, demo_planted):
    _stopped_banner(qtbot, window, demo_planted)
    wallet, _ = demo_planted.negative_wallet
    window.select_stream(wallet)
    qtbot.waitUntil(lambda: not window.banner.isVisible() and not window.banner_overlay.isVisible(), timeout=5000)
    # the wallet's own state comes, and nothing about the job is said over it
    qtbot.waitUntil(lambda: window.state_view.result is not None and window.state_view.result.stream == wallet,
                    timeout=15000)
    assert window.banner.text() == ""


def test_opening_a_match_from_the_states_view_clears_the_banner_of_the_stream_before(qtbot, window, demo_planted):
    _stopped_banner(qtbot, window, demo_planted)
    window.analysis_actions["states"].trigger()
    view = window.analysis_window.states_view
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.where_edit.setText('state["credits"] < 0')
    view.ever_box.setChecked(True)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status.text().startswith("Done") and view.model.rowCount() == 1, timeout=20000)
    rect = view.matches_view.visualRect(view.model.index(0, 0))
    qtbot.mouseClick(view.matches_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wallet, first_negative = demo_planted.negative_wallet
    qtbot.waitUntil(lambda: window.current_stream == wallet and window.state_view.result is not None
                    and window.state_view.result.version == first_negative, timeout=15000)
    assert not window.banner.isVisible() and window.banner.text() == ""


def test_a_message_about_no_stream_stays_when_another_stream_is_selected(qtbot, window, demo_planted):
    window.show_error("Projector my.py could not be loaded: boom")
    wallet, _ = demo_planted.negative_wallet
    window.select_stream(wallet)
    qtbot.waitUntil(lambda: window.current_stream == wallet and window.event_model.rowCount() > 0, timeout=10000)
    assert window.banner.text() == "Projector my.py could not be loaded: boom"
