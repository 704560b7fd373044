"""A store that cannot be opened (a missing file, a file that is no store) leaves the open store's
work as it was: cursors A and B on the timeline, the diff between them (not compared again), the
selected event, the timeline region, the Health tab's findings and the tab in front."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

STREAM = "wallet-9b2e71cc"


def _select_version(qtbot, win, version):
    row = next(row for row, event in enumerate(win.event_model.events()) if event.version == version)
    win.events_view.setCurrentIndex(win.event_model.index(row, 1))
    qtbot.waitUntil(lambda: win.current_event is not None and win.current_event.version == version, timeout=10000)


def _shown(win):
    view = win.diff_view
    return {
        "diff": (
            view.header.text(),
            view.summary.text(),
            view.model.paths(),
            [(e.stream, e.version) for e in view.between_model.events()],
            view.between_label.text(),
        ),
        "cursors": (win.timeline.cursor_time("A"), win.timeline.cursor_time("B")),
        "event": (win.current_event.stream, win.current_event.version),
        "tab": win.tabs.currentWidget(),
    }


@pytest.fixture
def diff_a_to_b(qtbot, window):
    """The demo window on STREAM, A on v5 and B on v10 (set with Set A / Set B), the Diff tab in front."""
    window.filter_edit.setText(STREAM)
    qtbot.waitUntil(lambda: window.stream_model.row_of(STREAM) is not None, timeout=10000)
    window.streams_view.setCurrentIndex(window.stream_model.index(window.stream_model.row_of(STREAM), 0))
    qtbot.waitUntil(
        lambda: window.event_model.rowCount() >= 10 and window.event_model.event_at(0).stream == STREAM, timeout=10000
    )
    _select_version(qtbot, window, 5)
    qtbot.mouseClick(window.timeline.a_button, Qt.MouseButton.LeftButton)
    _select_version(qtbot, window, 10)
    qtbot.mouseClick(window.timeline.b_button, Qt.MouseButton.LeftButton)
    window.tabs.setCurrentWidget(window.diff_view)
    view = window.diff_view
    qtbot.waitUntil(lambda: "changed from v5 to v10" in view.summary.text(), timeout=20000)
    assert view.model.paths() and window.timeline.cursor_time("A") is not None
    return window


@pytest.mark.parametrize("kind", ["missing file", "python file"])
def test_a_store_that_cannot_be_opened_keeps_the_cursors_and_the_diff(qtbot, diff_a_to_b, tmp_path, kind):
    window = diff_a_to_b
    before = _shown(window)
    title = window.events_title.text()
    target = tmp_path / ("gone.db" if kind == "missing file" else "build.py")
    if kind == "python file":
        target.write_text("print('not a store')\n")

    window.open_target(str(target))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=20000)
    assert "Could not open the store" in window.banner.text()

    assert _shown(window) == before  # at once: the diff shown is the one from before, not "Comparing…"
    assert window.moments["A"].version == 5 and window.moments["B"].version == 10
    assert "A</span> v5" in window.diff_view.header.text() and "B</span> v10" in window.diff_view.header.text()
    qtbot.waitUntil(lambda: window.event_model.exhausted and window.events_title.text() == title, timeout=10000)
    assert {e.stream for e in window.event_model.events()} == {STREAM}
    window.grab().save(str(tmp_path / "after_failed_open.png"))

    # the cursors still compare: B moved to another event is compared from the same A
    _select_version(qtbot, window, 8)
    qtbot.mouseClick(window.timeline.b_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "changed from v5 to v8" in window.diff_view.summary.text(), timeout=20000)


def test_a_store_that_cannot_be_opened_keeps_the_region_and_the_health_findings(qtbot, window, tmp_path):
    window.tabs.setCurrentWidget(window.health_view)
    window.run_check()
    health = window.health_view
    qtbot.waitUntil(
        lambda: (
            health.summary.text().startswith(("Nothing found", "1 finding")) or " findings in " in health.summary.text()
        ),
        timeout=30000,
    )
    findings, summary = list(health.findings), health.summary.text()
    health_title = window.tabs.tabText(window.tabs.indexOf(health))
    qtbot.waitUntil(lambda: window.timeline.range_known, timeout=10000)
    window.timeline.region_button.setChecked(True)  # Filter by region: the middle third of the view
    qtbot.waitUntil(lambda: "in the timeline region" in window.events_title.text(), timeout=10000)
    region = window.region_filter
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 0, timeout=10000)
    first = window.event_model.event_at(0).position

    window.open_target(str(tmp_path / "gone.db"))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=20000)

    assert window.region_filter == region and window.timeline.region_button.isChecked()
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 0, timeout=10000)
    assert window.events_title.text().startswith("All events in the timeline region")
    assert window.event_model.event_at(0).position == first
    assert window.tabs.currentWidget() is health
    assert health.findings == findings and health.summary.text() == summary
    assert window.tabs.tabText(window.tabs.indexOf(health)) == health_title


def test_a_check_stopped_by_opening_a_store_can_be_run_again(qtbot, window, tmp_path):
    health = window.health_view
    window.tabs.setCurrentWidget(health)
    window.run_check()
    assert not health.check_button.isEnabled()  # while it runs

    window.open_target(str(tmp_path / "gone.db"))  # stops the check (the old store's work stops)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=20000)

    assert health.check_button.isEnabled() and health.listed_button.isEnabled()
    assert "stopped" in health.summary.text() and "Check store" in health.summary.text()
    qtbot.mouseClick(health.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: " checked" in health.summary.text(), timeout=30000)
