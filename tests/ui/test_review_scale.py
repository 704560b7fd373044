"""Scale review: big views stay responsive and still show the right things.

Each test drives the real widget on a real SQLite store a few thousand rows big and bounds
how long the GUI thread is held (generously: the slow versions took 10 to 100 times longer).
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timedelta, timezone

import pytest

from inspector.core.events import Event
from inspector.stores import open_store
from inspector.ui.presenting import type_colour

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
TYPES = ("Opened", "Credited", "Debited", "Closed")


def _make_store(path, streams: dict[str, int], *, extra: list[tuple] = ()) -> str:
    """A generic-layout SQLite store: ``streams`` maps a name to its number of events."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    conn.execute("CREATE INDEX events_stream_version ON events (stream, version)")
    rows = []
    for offset, (stream, count) in enumerate(streams.items()):
        for version in range(1, count + 1):
            rows.append((stream, version, TYPES[version % len(TYPES)],
                         (T0 + timedelta(seconds=version * 10 + offset)).isoformat(),
                         json.dumps({"n": version}), json.dumps({"actor": f"user{version % 7}@example.com"})))
    rows.extend(extra)
    conn.executemany("INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                     "VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return str(path)


@pytest.fixture
def runner():
    from inspector.ui.app import make_app
    from inspector.ui.runner import TaskRunner

    make_app()
    task_runner = TaskRunner()
    yield task_runner
    task_runner.shutdown()


def _blocked(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --- 1. the timeline --------------------------------------------------------------------------
@pytest.fixture
def lanes_store(tmp_path):
    store = open_store(_make_store(tmp_path / "lanes.db", {"acct-a": 2500, "acct-b": 2500, "acct-c": 1000}))
    yield store
    store.close()


def _timeline(qtbot, runner, store):
    from inspector.ui.timeline import TimelineWidget

    timeline = TimelineWidget(runner)
    qtbot.addWidget(timeline)
    timeline.resize(900, 420)
    timeline.show()
    start, end = store.time_range()
    timeline.set_store(store, start, end, list(TYPES))
    timeline.set_streams(["acct-a", "acct-b", "acct-c"])
    qtbot.waitUntil(lambda: len(timeline.drawn_events()) == 6000, timeout=15000)
    return timeline


def test_six_thousand_ticks_draw_quickly_each_on_its_lane_in_its_type_colour(qtbot, runner, lanes_store):
    timeline = _timeline(qtbot, runner, lanes_store)
    # redrawing (as every lane scroll does) holds the GUI thread briefly; a pen per tick took ~0.7 s
    assert min(_blocked(timeline._draw) for _ in range(3)) < 0.15
    lanes = {"acct-a": 0, "acct-b": 1, "acct-c": 2}
    points = timeline.ticks.points()
    assert len(points) == 6000
    for spot in points[::97]:
        event = spot.data()
        assert spot.pos().y() == lanes[event.stream]
        assert spot.pos().x() == pytest.approx(event.recorded_at.timestamp())
        assert spot.brush().color().name() == type_colour(event.type)
        assert spot.pen().color().name() == type_colour(event.type)
    assert "6,000 events in view" in timeline.info.text()


def test_clicking_a_tick_among_thousands_selects_its_event(qtbot, runner, lanes_store):
    timeline = _timeline(qtbot, runner, lanes_store)
    spot = next(s for s in timeline.ticks.points() if s.data().stream == "acct-b" and s.data().version == 1234)
    with qtbot.waitSignal(timeline.eventClicked, timeout=2000) as clicked:
        timeline.ticks.sigClicked.emit(timeline.ticks, [spot], None)
    assert (clicked.args[0].stream, clicked.args[0].version) == ("acct-b", 1234)


def test_scrolling_the_lanes_redraws_only_the_visible_lanes(qtbot, runner, tmp_path):
    names = {f"s-{i:03d}": 40 for i in range(80)}
    store = open_store(_make_store(tmp_path / "many.db", names))
    try:
        from inspector.ui.timeline import TimelineWidget

        timeline = TimelineWidget(runner)
        qtbot.addWidget(timeline)
        timeline.resize(900, 420)
        timeline.show()
        start, end = store.time_range()
        timeline.set_store(store, start, end, list(TYPES))
        timeline.set_streams(list(names))
        visible = timeline.visible_lanes()
        qtbot.waitUntil(lambda: len(timeline.drawn_events()) == 40 * visible, timeout=15000)
        assert {e.stream for e in timeline.drawn_events()} == set(list(names)[:visible])
        timeline.scroll.setValue(10)
        qtbot.waitUntil(lambda: {e.stream for e in timeline.drawn_events()} == set(list(names)[10:10 + visible]),
                        timeout=15000)
        lane_of = {name: i for i, name in enumerate(names)}
        assert all(s.pos().y() == lane_of[s.data().stream] for s in timeline.ticks.points())
    finally:
        store.close()


def test_live_events_add_their_ticks_and_keep_the_drawn_ones(qtbot, runner, lanes_store):
    timeline = _timeline(qtbot, runner, lanes_store)
    before = timeline.ticks.points()
    first = before[0].data()
    last = max(e.recorded_at for e in timeline.drawn_events())
    fresh = [Event(position=10_000 + i, stream="acct-c", version=1001 + i, type="Refunded",
                   recorded_at=last + timedelta(seconds=1 + i), data={}, metadata={}) for i in range(3)]
    fresh.append(Event(position=10_100, stream="elsewhere", version=1, type="Opened",
                       recorded_at=last, data={}, metadata={}))  # not a listed lane: no tick
    timeline.add_live_events(fresh, follow=False)
    points = timeline.ticks.points()
    assert len(points) == 6003
    assert points[0].data() is first  # the drawn ticks stayed
    added = [s for s in points if s.data().type == "Refunded"]
    assert [s.data().version for s in added] == [1001, 1002, 1003]
    assert all(s.pos().y() == 2 and s.brush().color().name() == type_colour("Refunded") for s in added)
    assert "6,004 events in view" in timeline.info.text()
