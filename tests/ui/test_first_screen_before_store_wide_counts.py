"""The window's first screen (streams, events, timeline lanes) does not wait for the store-wide
counts: the histogram of the view, the time range, the type and category counts fill in as they
arrive. The histogram is counted again only when the view's time range changes, never because
other streams are listed or the lanes are scrolled."""

from __future__ import annotations

import threading

import pytest

from inspector.stores.sql import SqlEventStore


class Held:
    """A store call that waits until the test lets it go, counting how often it was asked."""

    def __init__(self, monkeypatch, name: str, *, held: bool) -> None:
        self.calls = 0
        self.gate = threading.Event()
        if not held:
            self.gate.set()
        plain = getattr(SqlEventStore, name)

        def wrapper(store, *args, **kwargs):
            self.calls += 1
            self.gate.wait(30)
            return plain(store, *args, **kwargs)

        monkeypatch.setattr(SqlEventStore, name, wrapper)

    def release(self) -> None:
        self.gate.set()


def _bars(timeline) -> int:
    heights = timeline.bars.opts.get("height")
    return 0 if heights is None else sum(1 for height in heights if height)


def _first_screen_shown(window) -> bool:
    return window.store is not None and not window._first_screen_pending and not window.progress_strip.isVisible()


@pytest.fixture
def open_window(qtbot, demo_copy):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    windows = []

    def opened():
        window = MainWindow(str(demo_copy))
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        windows.append(window)
        return window

    yield opened
    for window in windows:
        window.shutdown()


def test_the_lanes_and_the_first_screen_come_while_the_histogram_is_still_counted(
        qtbot, monkeypatch, open_window, tmp_path):
    histogram = Held(monkeypatch, "histogram", held=True)
    try:
        window = open_window()
        timeline = window.timeline
        qtbot.waitUntil(lambda: _first_screen_shown(window) and bool(timeline.drawn_events()), timeout=15000)
        qtbot.waitUntil(lambda: histogram.calls == 1, timeout=10000)  # asked once the range is known
        assert timeline.histogram_pending() and timeline.counting.isVisible()
        assert _bars(timeline) == 0
        assert {event.stream for event in timeline.drawn_events()} <= set(timeline.visible_streams())
        window.grab().save(str(tmp_path / "first-screen-counting.png"))
    finally:
        histogram.release()
    qtbot.waitUntil(lambda: _bars(timeline) > 0, timeout=10000)
    assert not timeline.counting.isVisible() and not timeline.histogram_pending()
    assert histogram.calls == 1


def test_before_the_store_s_time_range_arrives_the_lanes_cover_the_listed_streams_span(
        qtbot, monkeypatch, open_window):
    time_range = Held(monkeypatch, "time_range", held=True)
    histogram = Held(monkeypatch, "histogram", held=False)
    try:
        window = open_window()
        timeline = window.timeline
        qtbot.waitUntil(lambda: _first_screen_shown(window) and bool(timeline.drawn_events()), timeout=15000)
        qtbot.waitUntil(lambda: time_range.calls == 1, timeout=10000)
        summaries = window.stream_model.summaries()
        since, until = timeline.view_range()
        assert since <= min(s.first_at for s in summaries) and until >= max(s.last_at for s in summaries)
        # no store-wide histogram over a provisional range: it waits for the store's own range
        assert histogram.calls == 0 and _bars(timeline) == 0
        # the type and category counts are asked one after another, after the time range
        assert window.type_box.itemText(0) == "All (counting…)"
        window.type_box.setCurrentIndex(0)
        assert window.type_box.shown_text() == "All (counting…)"  # the closed box shows it whole
    finally:
        time_range.release()
    qtbot.waitUntil(lambda: _bars(timeline) > 0, timeout=10000)
    assert histogram.calls == 1
    qtbot.waitUntil(lambda: window.type_box.itemText(0) == "All types"
                    and window.category_box.itemText(0).startswith("All categories ("), timeout=10000)


def test_listing_other_streams_or_scrolling_the_lanes_does_not_count_the_histogram_again_a_new_zoom_does(
        qtbot, monkeypatch, open_window):
    histogram = Held(monkeypatch, "histogram", held=False)
    window = open_window()
    timeline = window.timeline
    qtbot.waitUntil(lambda: _first_screen_shown(window) and _bars(timeline) > 0
                    and not timeline.histogram_pending(), timeout=15000)
    asked = histogram.calls

    first_lanes = timeline.visible_streams()
    timeline.scroll.setValue(timeline.scroll.value() + 3)
    qtbot.waitUntil(lambda: timeline.visible_streams() != first_lanes and timeline.lanes_drawn()
                    and bool(timeline.drawn_events())
                    and {e.stream for e in timeline.drawn_events()} <= set(timeline.visible_streams()), timeout=10000)

    stream = window.stream_model.summaries()[5].stream
    window.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: timeline.visible_streams() == [stream] and timeline.lanes_drawn()
                    and {e.stream for e in timeline.drawn_events()} == {stream}, timeout=10000)
    assert histogram.calls == asked
    assert _bars(timeline) > 0  # the store-wide histogram stays as it was

    (x0, x1), _ = timeline.lanes_plot.getViewBox().viewRange()
    timeline.lanes_plot.setXRange(x0, x0 + (x1 - x0) / 4, padding=0)
    qtbot.waitUntil(lambda: histogram.calls == asked + 1 and not timeline.histogram_pending(), timeout=10000)
    assert _bars(timeline) > 0
