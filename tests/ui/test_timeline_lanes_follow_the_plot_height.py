"""The timeline's lanes on first open: as many lane names as lanes drawn, the header counting
them, every listed lane with events in view drawn with its ticks, and names that do not
overlap, at the window sizes a user starts with."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetricsF

from inspector.stores.base import EventFilter


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_every_lane_name_shown_on_first_open_has_its_events_drawn(qtbot, window, size):
    window.resize(*size)
    timeline = window.timeline

    def settled() -> bool:
        visible = timeline.visible_streams()
        return (window.stream_model.exhausted and len(visible) > 3 and timeline.lanes_drawn()
                and timeline.lane_labels() == visible
                and timeline.info.text().startswith(f"{len(visible)} of "))

    qtbot.waitUntil(settled, timeout=10000)
    visible = timeline.visible_streams()
    # the lanes' box holds exactly the lanes named: none squeezed in, none left blank
    box = timeline.lanes_plot.getViewBox()
    assert len(visible) == min(30, int(box.height() // timeline.lane_pixels()))
    # a lane is at least a line of the labels' font high: neighbouring names never overlap
    assert timeline.lane_pixels() >= QFontMetricsF(timeline.font()).height()
    since, until = timeline.view_range()
    held = {event.stream for event in window.store.read_all(
        filters=EventFilter(streams=tuple(visible), since=since, until=until), limit=5000)}
    assert held, "the first view shows events"
    drawn = {event.stream for event in timeline.drawn_events()}
    assert held <= drawn, f"lanes listed with events in view but drawn empty: {sorted(held - drawn)}"
