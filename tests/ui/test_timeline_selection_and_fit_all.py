"""The timeline shows what is selected and fits what is stored: the selected stream's lane is
outlined over its ticks (a dense lane's ticks hide a band behind them), the selected event's
circle is drawn whole at the view's right edge, and Fit all on a store written in a fraction of a
second (the eventsourcing library's) shows that fraction, not a minute."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from inspector.ui.timeline import FIT_MARGIN_PIXELS, MIN_FIT_SECONDS


def test_the_selected_wallets_dense_lane_is_outlined_over_its_ticks(qtbot, window, demo_planted):
    wallet, _ = demo_planted.negative_wallet
    timeline = window.timeline
    window.select_stream(wallet)
    qtbot.waitUntil(lambda: wallet in timeline.visible_streams() and timeline.lanes_drawn()
                    and any(e.stream == wallet for e in timeline.drawn_events()), timeout=10000)
    lane = timeline._streams.index(wallet)
    assert timeline.highlighted_lane() == lane
    edges = sorted(edge.value() for edge in timeline.lane_edges)
    assert edges == [lane - 0.5, lane + 0.5]
    assert all(edge.isVisible() and edge.zValue() > timeline.ticks.zValue() for edge in timeline.lane_edges)
    window.select_stream(None)
    qtbot.waitUntil(lambda: timeline.highlighted_lane() is None, timeout=5000)
    assert not any(edge.isVisible() for edge in timeline.lane_edges)


def test_the_newest_events_circle_is_drawn_whole_after_fit_all(qtbot, window):
    timeline = window.timeline
    newest = max(window.store.read_all(limit=10000), key=lambda e: (e.recorded_at, e.position))
    timeline.fit_all()
    start, end = window.store.time_range()
    box = timeline.lanes_plot.getViewBox()
    qtbot.waitUntil(lambda: abs(box.viewRange()[0][1] - timeline.fitted_range(start, end)[1]) < 1e-3, timeout=10000)
    window.select_stream(newest.stream)
    window.select_event(newest)
    qtbot.waitUntil(lambda: len(timeline.selected_marker.points()) == 1, timeout=10000)
    qtbot.waitUntil(lambda: timeline.lanes_drawn(), timeout=10000)
    spot = timeline.selected_marker.points()[0]
    centre = box.mapViewToScene(QPointF(spot.pos().x(), spot.pos().y()))
    right = box.sceneBoundingRect().right()
    radius = timeline.selected_marker.opts["size"] / 2
    assert centre.x() + radius <= right, "the selected event's circle is cut at the right edge"
    assert right - centre.x() <= FIT_MARGIN_PIXELS + 2  # and the data still fills the view


@pytest.fixture
def library_window(qtbot, tmp_path, monkeypatch):
    pytest.importorskip("eventsourcing")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from eventsourcing_store import build_library_store
    finally:
        sys.path.remove(str(Path(__file__).parent))
    from inspector.ui.app import MainWindow, make_app

    built = build_library_store(tmp_path, monkeypatch, events=25)
    make_app()
    win = MainWindow(str(built.path))
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
    yield win, built
    win.shutdown()
    built.app.close()


def test_fit_all_on_a_store_written_in_a_fraction_of_a_second_shows_that_fraction(qtbot, library_window):
    window, _built = library_window
    start, end = window.store.time_range()
    span = (end - start).total_seconds()
    assert span < 5  # the library wrote every event at once
    timeline = window.timeline
    timeline.fit_all()
    box = timeline.lanes_plot.getViewBox()

    def shown() -> float:
        (x0, x1), _ = box.viewRange()
        return x1 - x0

    wanted = max(span, MIN_FIT_SECONDS)
    qtbot.waitUntil(lambda: wanted <= shown() <= wanted * 1.2 + 1e-3, timeout=10000)
    (x0, x1), _ = box.viewRange()
    assert x0 < start.timestamp() and end.timestamp() < x1


def test_events_written_in_one_second_show_milliseconds_and_no_empty_actor_column(qtbot, library_window):
    from inspector.ui.models import EventTableModel

    window, built = library_window
    window.select_stream(built.stream)
    model, view = window.event_model, window.events_view
    qtbot.waitUntil(lambda: model.rowCount() == built.last_version and model.exhausted, timeout=10000)
    times = [model.index(row, EventTableModel.TIME).data() for row in range(model.rowCount())]
    events = model.events()
    assert times[0].endswith(f".{events[0].recorded_at.microsecond // 1000:03d}")
    assert len(set(times)) > 1  # the rows no longer all read the same time
    # the column is wide enough for the milliseconds
    assert view.columnWidth(EventTableModel.TIME) >= view.fontMetrics().horizontalAdvance(times[-1]) + 6
    # the library records no actor: the Actor column gives its width to Summary
    assert not any(e.actor for e in events)
    qtbot.waitUntil(lambda: view.isColumnHidden(EventTableModel.ACTOR), timeout=5000)
    assert view.columnWidth(EventTableModel.SUMMARY) >= 180


def test_a_store_whose_events_differ_by_seconds_keeps_times_to_the_second_and_its_actors(qtbot, window, demo_planted):
    from inspector.ui.models import EventTableModel

    wallet, _ = demo_planted.negative_wallet
    window.select_stream(wallet)
    model = window.event_model
    qtbot.waitUntil(lambda: model.rowCount() > 50, timeout=10000)
    assert len(model.index(0, EventTableModel.TIME).data()) == len("2026-07-03 12:11:54")
    assert not window.events_view.isColumnHidden(EventTableModel.ACTOR)


def test_the_selected_lane_stays_in_view_when_fewer_lanes_fit(qtbot, window):
    timeline = window.timeline
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.stream_model.exhausted and len(timeline.visible_streams()) > 12
                    and timeline.lane_labels() == timeline.visible_streams(), timeout=10000)
    before = timeline.visible_streams()
    bottom = before[-1]  # the lowest lane shown: the first to go when the box shrinks
    window.select_stream(bottom)
    qtbot.waitUntil(lambda: timeline.highlighted_lane() == timeline._streams.index(bottom), timeout=5000)
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: len(timeline.visible_streams()) < len(before) and bottom in timeline.visible_streams()
                    and timeline.lane_labels() == timeline.visible_streams(), timeout=10000)
