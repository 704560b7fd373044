"""The timeline as a user reads it: event types in colours that differ and read on light and
dark backgrounds, a drag that draws a region (as the README says), a time axis readable at
every zoom, times at the edges of the calendar, and unreadable events marked."""

from __future__ import annotations

import itertools
import re
import sqlite3
from datetime import datetime, timezone

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPicture
from PySide6.QtWidgets import QApplication

from inspector.export import SQLITE_SCHEMA
from inspector.ui.presenting import TYPE_PALETTE, type_colour
from inspector.ui.theme import contrast, dark_palette
from inspector.ui.timeline import TimeAxisItem, time_label


def _oklab(colour: str) -> tuple[float, float, float]:
    """OKLab coordinates of ``#rrggbb`` (perceptual: distance ~ how different two colours look)."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    l_, m_, s_ = (v ** (1 / 3) for v in (0.4122214708 * r + 0.5363280176 * g + 0.0514459929 * b,
                                        0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b,
                                        0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b))
    return (0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
            1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
            0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_)


def _difference(a: str, b: str) -> float:
    return sum((x - y) ** 2 for x, y in zip(_oklab(a), _oklab(b))) ** 0.5


def _loaded(qtbot, window):
    timeline = window.timeline
    qtbot.waitUntil(lambda: timeline.loaded_range is not None and len(timeline.legend_types) > 5
                    and len(timeline.drawn_events()) > 50, timeout=10000)
    return timeline


# --- colours ---------------------------------------------------------------------------------
@pytest.fixture
def first_store_of_the_process(monkeypatch):
    """The window's type colours as a freshly started inspector has them: no store seen before.

    (Types seen in earlier stores of the same process keep the colours they were given, so the
    demo's types may then hold colours further down the palette: still all different.)"""
    from inspector.ui import presenting

    monkeypatch.setattr(presenting, "TYPE_COLOURS", presenting.TypeColours())


def test_every_event_type_of_the_demo_has_its_own_colour_on_the_ticks_legend_and_table(
        first_store_of_the_process, qtbot, window):
    timeline = _loaded(qtbot, window)
    types = timeline.legend_types
    assert {"CreditsGranted", "MemberAdded", "RoleChanged", "StatementIssued", "WalletOpened"} <= set(types)
    colours = {t: type_colour(t) for t in types}
    assert len(set(colours.values())) == len(types)  # no two types share a colour
    # and they look different, not only differ in a bit (OKLab distance; ~0.02 is barely visible)
    assert min(_difference(a, b) for a, b in itertools.combinations(colours.values(), 2)) > 0.1
    for spot in timeline.ticks.points():  # the ticks wear those colours
        assert spot.brush().color().name() == colours[spot.data().type]
    for t in types:
        assert f"color:{colours[t]}'>■</span>&nbsp;{t}" in timeline.legend.text()
    box = window.type_box  # the table's type filter shows the same swatches
    for i in range(1, box.count()):
        name = box.itemData(i)
        assert box.itemIcon(i).pixmap(10, 10).toImage().pixelColor(5, 5).name() == colours[name]


def test_the_palette_reads_on_a_white_and_on_a_dark_background():
    white, dark = QColor("#ffffff"), dark_palette().color(dark_palette().ColorRole.Base)
    for colour in TYPE_PALETTE:  # pale orange or yellow on white was the complaint
        assert contrast(colour, white) >= 3.0, colour
        assert contrast(colour, dark) >= 3.0, colour
    assert len(set(TYPE_PALETTE)) == len(TYPE_PALETTE) >= 16


def test_types_of_the_next_store_get_colours_none_of_its_other_types_has():
    from inspector.ui.presenting import TypeColours

    colours = TypeColours()
    first = [f"Type{i}" for i in range(12)]
    colours.use(first)
    kept = colours.colour("Type0")
    second = ["Type0", "Type5", *[f"Other{i}" for i in range(10)]]
    colours.use(second)
    assert colours.colour("Type0") == kept  # a type that stays on screen keeps its colour...
    assert len({colours.colour(t) for t in second}) == len(second)  # ...and the new ones differ from it
    late = colours.colour("ArrivedLive")  # a type first seen after the store opened
    assert late not in {colours.colour(t) for t in second}


# --- drag draws a region ---------------------------------------------------------------------
def _viewport_point(timeline, x: float, lane: float) -> QPoint:
    vb = timeline.lanes_plot.getViewBox()
    scene = vb.mapViewToScene(QPointF(x, lane))
    return timeline.graphics.mapFromScene(scene)


def _drag(qtbot, timeline, x0: float, x1: float, modifier=Qt.KeyboardModifier.NoModifier):
    """Press the left button at ``x0``, move to ``x1`` in ten steps and let go (with ``modifier`` held)."""
    viewport = timeline.graphics.viewport()
    start, end = _viewport_point(timeline, x0, 1.3), _viewport_point(timeline, x1, 1.3)
    left = Qt.MouseButton.LeftButton

    def send(kind, at: QPoint, button, buttons) -> None:
        position = QPointF(at)
        QApplication.sendEvent(viewport, QMouseEvent(kind, position, QPointF(viewport.mapToGlobal(at)),
                                                     button, buttons, modifier))

    send(QEvent.Type.MouseButtonPress, start, left, left)
    for step in range(1, 11):
        send(QEvent.Type.MouseMove, start + (end - start) * step / 10, Qt.MouseButton.NoButton, left)
    send(QEvent.Type.MouseButtonRelease, end, left, Qt.MouseButton.NoButton)
    qtbot.wait(1)


def test_dragging_across_the_lanes_draws_a_region_that_filters_the_table(qtbot, window):
    timeline = _loaded(qtbot, window)
    (left, right), _ = timeline.lanes_plot.getViewBox().viewRange()
    span = right - left
    x0, x1 = left + span * 0.3, left + span * 0.55
    _drag(qtbot, timeline, x0, x1)
    assert (left, right) == tuple(timeline.lanes_plot.getViewBox().viewRange()[0])  # no pan
    assert timeline.region.isVisible() and timeline.region_button.isChecked()
    low, high = timeline.region.getRegion()
    assert abs(low - x0) < span / 100 and abs(high - x1) < span / 100
    qtbot.waitUntil(lambda: window.event_model.filter.since is not None and window.event_model.rowCount() > 0
                    and not window.event_model.loading, timeout=5000)
    since, until = window.event_model.filter.since, window.event_model.filter.until
    assert abs(since.timestamp() - low) < 1 and abs(until.timestamp() - high) < 1
    shown = window.event_model.events()
    assert shown and all(since <= e.recorded_at <= until for e in shown)


def test_shift_drag_pans_and_leaves_the_region_alone(qtbot, window):
    timeline = _loaded(qtbot, window)
    (left, right), _ = timeline.lanes_plot.getViewBox().viewRange()
    span = right - left
    _drag(qtbot, timeline, left + span * 0.6, left + span * 0.4, Qt.KeyboardModifier.ShiftModifier)
    (after_left, after_right), _ = timeline.lanes_plot.getViewBox().viewRange()
    assert after_left > left + span * 0.1 and abs((after_right - after_left) - span) < span * 0.01
    assert not timeline.region.isVisible() and window.event_model.filter.since is None


# --- the time axis ---------------------------------------------------------------------------
def _axis_labels(timeline) -> list[tuple[object, str]]:
    axis = timeline.lanes_plot.getAxis("bottom")
    picture = QPicture()
    painter = QPainter(picture)
    try:
        painter.setFont(axis.style["tickFont"] or timeline.font())
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _flags, text in (specs[2] if specs else [])]


DAY = 86400.0


@pytest.mark.parametrize("span, pattern", [
    (30 * 365 * DAY, r"^\d{4}$"),
    (2 * 365 * DAY, r"^([A-Z][a-z]{2} \d{4}|\d{4})$"),
    (60 * DAY, r"^\d\d [A-Z][a-z]{2}$"),
    (2 * DAY, r"^(\d\d:\d\d|\d\d [A-Z][a-z]{2})$"),
    (3 * 3600.0, r"^(\d\d:\d\d|\d\d [A-Z][a-z]{2})$"),
    (90.0, r"^\d\d:\d\d:\d\d$"),
    (1.5, r"^\d\d:\d\d:\d\d\.\d$"),
    (0.05, r"^\d\d:\d\d:\d\d\.\d{2}$"),
    (0.008, r"^\d\d:\d\d:\d\d\.\d{3}$"),
])
def test_axis_labels_are_readable_and_never_overlap_at_any_zoom(qtbot, window, span, pattern):
    timeline = _loaded(qtbot, window)
    middle = datetime(2026, 8, 31, 13, 45, 36, tzinfo=timezone.utc).timestamp()
    timeline.lanes_plot.setXRange(middle - span / 2, middle + span / 2, padding=0)
    qtbot.wait(10)
    labels = _axis_labels(timeline)
    texts = [text for _rect, text in labels]
    assert len(texts) >= 2, texts
    assert all(re.match(pattern, text) for text in texts), texts
    rects = [rect for rect, _text in labels]
    for a, b in itertools.combinations(rects, 2):
        assert not a.intersects(b), texts


def test_a_sub_second_label_keeps_hours_minutes_and_seconds():
    instant = datetime(2026, 8, 31, 13, 45, 36, 250_000, tzinfo=timezone.utc)
    local = instant.astimezone()
    assert time_label(instant.timestamp(), 0.002) == f"{local:%H:%M:%S}.250"
    assert time_label(instant.timestamp(), 0.05) == f"{local:%H:%M:%S}.25"
    assert time_label(instant.timestamp(), 0.5) == f"{local:%H:%M:%S}.2"


def test_the_axis_steps_coarsen_as_the_view_widens():
    axis = TimeAxisItem()
    steps = [axis.tick_step(0, span, 800) for span in (0.01, 1, 60, 3600, DAY, 30 * DAY, 365 * DAY, 8000 * 365 * DAY)]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)


# --- the calendar's edges --------------------------------------------------------------------
@pytest.fixture
def edge_store(tmp_path):
    """A generic SQLite store with events in year 1, 2026 and year 9999."""
    path = tmp_path / "edges.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(SQLITE_SCHEMA)
        for position, when in enumerate(("0001-01-01T00:01:00Z", "2026-08-31T12:00:00Z",
                                         "9999-12-31T23:58:00Z"), start=1):
            conn.execute("INSERT INTO events (position, stream, version, type, recorded_at, data, metadata)"
                         " VALUES (?, 'edge-1', ?, 'Ticked', ?, '{}', '{}')",
                         (position, position, when))
    conn.close()
    return path


def test_times_in_year_1_and_9999_on_the_axis_and_cursors_raise_nothing(qtbot, edge_store):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(edge_store))
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() == 1, timeout=10000)
        timeline = win.timeline
        timeline.fit_all()  # year 1 to year 9999 on one axis
        qtbot.waitUntil(lambda: timeline.loaded_range is not None
                        and timeline.loaded_range[1] - timeline.loaded_range[0] > 9000 * 365 * DAY, timeout=10000)
        texts = [text for _rect, text in _axis_labels(timeline)]
        assert texts and all(re.match(r"^\d{1,4}$", t) for t in texts), texts
        qtbot.waitUntil(lambda: len(timeline.drawn_events()) == 3, timeout=10000)
        # the view cannot be taken past the calendar: zooming out and panning stop at its edges
        vb = timeline.lanes_plot.getViewBox()
        vb.scaleBy(x=50)
        vb.translateBy(x=-1e15)
        (left, right), _ = vb.viewRange()
        assert datetime.fromtimestamp(left, tz=timezone.utc).year >= 1
        assert datetime.fromtimestamp(right, tz=timezone.utc).year <= 9999
        since, until = timeline.view_range()
        assert since.year == 1 and until.year == 9999
        # a cursor dragged (or placed) beyond the edge reads as the edge's time
        moved = []
        timeline.cursorMoved.connect(lambda name, when: moved.append(when))
        timeline.place_cursor("A", datetime(2026, 1, 1, tzinfo=timezone.utc))
        line = timeline.cursors["A"]
        line.setValue(-1e15)
        line.sigPositionChangeFinished.emit(line)
        assert moved and moved[-1].year == 1
        # a drag across (almost) the whole axis: a region of centuries filters the table
        _drag(qtbot, timeline, left + (right - left) * 0.02, right - (right - left) * 0.02)
        qtbot.waitUntil(lambda: win.event_model.filter.since is not None and win.event_model.exhausted, timeout=5000)
        assert win.event_model.rowCount() == 1  # the event of 2026; years 1 and 9999 are outside
        since, until = win.event_model.filter.since, win.event_model.filter.until
        assert since.year < 1000 and until.year > 9000
    finally:
        win.shutdown()


# --- unreadable events -----------------------------------------------------------------------
def test_an_unreadable_event_is_marked_on_its_lane(qtbot, window, demo_planted, tmp_path):
    stream, version = demo_planted.undecodable_payload
    window.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: window.timeline.visible_streams() == [stream], timeout=5000)
    timeline = window.timeline
    qtbot.waitUntil(lambda: any(e.version == version for e in timeline.damaged_events()), timeout=10000)
    damaged = timeline.damaged_events()
    assert all(e.stream == stream and e.problem for e in damaged)
    assert len(damaged) == sum(1 for e in timeline.drawn_events() if e.problem)
    cross = next(spot for spot in timeline.damaged.points() if spot.data().version == version)
    tick = next(spot for spot in timeline.ticks.points() if spot.data().version == version)
    assert cross.pos() == tick.pos()
    qtbot.waitUntil(lambda: "unreadable" in timeline.legend.text(), timeout=10000)  # with the type counts
    window.grab().save(str(tmp_path / "timeline-damaged.png"))


def test_a_type_whose_colour_the_type_list_settles_changes_its_swatch_too(qtbot, monkeypatch):
    from inspector.ui import presenting
    from inspector.ui.models import type_icon

    palette = ("#2279dc", "#ff4e1e")
    colours = presenting.TypeColours(palette=palette)
    monkeypatch.setattr(presenting, "TYPE_COLOURS", colours)
    before = colours.colour("Opened")  # asked before the store's type list is known: its first choice
    type_icon("Opened")  # its swatch drawn in that colour
    # a type named before it with the same first choice
    rival = next(name for name in (f"Accepted{i}" for i in range(64))
                 if presenting.TypeColours(palette=palette).colour(name) == before)
    colours.use([rival, "Opened"])  # the list settles them in name order: "Opened" moves
    assert colours.colour(rival) == before != colours.colour("Opened")
    for name in ("Opened", rival):
        swatch = type_icon(name).pixmap(10, 10).toImage().pixelColor(5, 5).name()
        assert swatch == colours.colour(name)


def test_the_histogram_counts_events_in_whole_numbers(qtbot):
    from inspector.ui.runner import TaskRunner
    from inspector.ui.timeline import TimelineWidget

    runner = TaskRunner()
    timeline = TimelineWidget(runner)
    qtbot.addWidget(timeline)
    axis = timeline.hist_plot.getAxis("left")
    runner.shutdown()
    for high in (1.2, 3, 7, 80, 12345):  # a bucket's largest count: a small store's 1 up to a big one's
        ticks = [value for _spacing, values in axis.tickValues(0, high, 60) for value in values]
        assert ticks and all(float(value).is_integer() for value in ticks), (high, ticks)
    assert [v for _s, values in axis.tickValues(0, 1.2, 60) for v in values] == [0.0, 1.0]  # not 0.2, 0.4, …
