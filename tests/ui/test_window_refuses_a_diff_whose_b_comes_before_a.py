"""The window's diff refuses B before A, whatever kinds the moments are (a version, a time on
the timeline), as ``diff --to`` before ``--from`` is refused: it said "A v10 → B v5" and blamed
the events between."""

from __future__ import annotations

from inspector.core.events import Moment, parse_time_input

STREAM = "wallet-9b2e71cc"


def _open(qtbot, window):
    window.filter_edit.setText(STREAM)
    qtbot.waitUntil(lambda: window.stream_model.row_of(STREAM) is not None, timeout=5000)
    window.streams_view.setCurrentIndex(window.stream_model.index(window.stream_model.row_of(STREAM), 0))
    qtbot.waitUntil(lambda: window.state_view.result is not None, timeout=10000)


def test_b_before_a_is_refused_and_nothing_is_blamed(qtbot, window, tmp_path):
    _open(qtbot, window)
    window.set_cursor("A", Moment(version=10))
    window.set_cursor("B", Moment(version=5))
    window.tabs.setCurrentWidget(window.diff_view)
    view = window.diff_view
    qtbot.waitUntil(lambda: view.diff is not None and view.diff.to.version == 5, timeout=10000)
    problem = "B, v5, is before A, v10: place A at the earlier moment (a diff reads from A to B)"
    assert view.summary.text() == problem
    assert view.model.paths() == [] and view.between_model.events() == []
    qtbot.waitUntil(lambda: problem in window.banner.text(), timeout=5000)
    window.grab().save(str(tmp_path / "reversed.png"))


def test_a_time_after_a_version_b_is_refused_too(qtbot, window):
    _open(qtbot, window)
    window.set_cursor("A", Moment(at=parse_time_input("2026-09-01")))
    window.set_cursor("B", Moment(version=10))
    view = window.diff_view
    qtbot.waitUntil(lambda: view.diff is not None and view.diff.to.version == 10, timeout=10000)
    assert view.summary.text() == (
        "B, v10, is before A, 2026-09-01T00:00:00Z (v132): place A at the earlier moment (a diff reads from A to B)"
    )
    assert view.model.paths() == []
