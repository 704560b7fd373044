"""The timeline: one lane per listed stream, event ticks coloured by type, the store's
event rate above, a region that filters the table and two cursors A and B.

Only the visible time range and the visible lanes are fetched (debounced after each
zoom, pan or scroll), so the view stays fast on big stores; the histogram is counted
by the database.

Mouse: dragging selects a time region (it filters the table, as Filter by region does);
Shift+drag or the middle button pans; the wheel zooms. The time axis labels local time at
any zoom, from years down to milliseconds, never overlapping; the view stays within the
years 1 to 9999, so no time on screen is one Python cannot hold. Unreadable events (with a
problem) carry a red cross over their tick.
"""

from __future__ import annotations

import math
import html
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPalette, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import Event
from inspector.stores.base import EventFilter, EventStore
from inspector.ui.models.event_table import PAYLOAD_CAP
from inspector.ui.elision import elided_apart
from inspector.ui.presenting import local_time, shown_name, type_colour, use_type_colours, utc_time
from inspector.ui.runner import TaskRunner
from inspector.ui.widgets import ElidingLabel

#: At most this many events are drawn for one view; beyond it the user is asked to zoom in.
EVENT_CAP = 20_000
#: runner channels: the lanes of the visible streams (milliseconds) and the store-wide histogram
#: (seconds on a big store) run apart, so the lanes never wait for the histogram
LANES_CHANNEL = "timeline"
HISTOGRAM_CHANNEL = "timeline-histogram"
MAX_LANES = 30
LANE_PIXELS = 13
#: the lane-name axis is as wide as the longest visible name, within these bounds (pixels);
#: a name wider than the maximum is elided in the middle, so every lane keeps its label
AXIS_MIN_WIDTH = 64
AXIS_MAX_WIDTH = 230
#: pyqtgraph's gap between a tick label and the axis line, plus a little slack for rounding
_AXIS_TEXT_GAP = 5 + 6
CURSOR_COLOURS = {"A": "#1e88e5", "B": "#e53935"}
#: the cross over an unreadable event's tick (the table's problem colour)
DAMAGED_COLOUR = "#d9534f"
#: the view never leaves the instants Python's datetimes hold (years 1 to 9999, UTC); a label
#: whose local time falls outside them stays empty
EARLIEST = datetime(1, 1, 1, tzinfo=timezone.utc).timestamp()
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999_000, tzinfo=timezone.utc).timestamp()
#: a drag shorter than this (pixels) is a click, not a region
MIN_DRAG_PIXELS = 4
#: "Fit all" and a store's first view show at least this many seconds (one event, or events
#: all written in the same instant, still get an axis to read)
MIN_FIT_SECONDS = 0.02
#: room left on each side of the data when fitting (pixels): the selected event's circle,
#: the widest mark, is drawn whole at either edge
FIT_MARGIN_PIXELS = LANE_PIXELS + 4
#: the selected stream's lane: a band behind the ticks and a line above and below, drawn over them
HIGHLIGHT_COLOUR = "#ffb300"


def _epoch(value: datetime) -> float:
    return value.timestamp()


def _instant(seconds: float) -> datetime:
    """The UTC instant at ``seconds`` since the epoch, kept within years 1 to 9999 (a view or
    a dragged cursor beyond them must not raise inside a Qt slot)."""
    if not math.isfinite(seconds):
        seconds = LATEST if seconds > 0 else EARLIEST
    return datetime.fromtimestamp(min(max(seconds, EARLIEST), LATEST), tz=timezone.utc)


def _local(seconds: float) -> datetime | None:
    """``seconds`` as local time, or None when that is outside the years Python holds."""
    if not (EARLIEST <= seconds <= LATEST):
        return None
    try:
        return datetime.fromtimestamp(seconds, tz=timezone.utc).astimezone()
    except (OverflowError, OSError, ValueError):
        return None


#: one brush and one pen per colour, shared by every tick of that colour: pyqtgraph renders
#: a symbol once per distinct (pen, brush) object, so a fresh pen per tick costs a render each
_TICK_STYLES: dict[str, tuple[QBrush, QPen]] = {}


def tick_style(event_type: str) -> tuple[QBrush, QPen]:
    """The cached brush and pen of ``event_type``'s ticks (its colour from ``type_colour``)."""
    name = type_colour(event_type)
    style = _TICK_STYLES.get(name)
    if style is None:
        colour = QColor(name)
        style = _TICK_STYLES[name] = (QBrush(colour), QPen(colour))
    return style


# --- the time axis --------------------------------------------------------------------------
_SECOND, _MINUTE, _HOUR, _DAY = 1.0, 60.0, 3600.0, 86400.0
#: steps of a fixed length, in seconds (below a month), finest first
_FIXED_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5,
                1, 2, 5, 10, 15, 30, _MINUTE, 2 * _MINUTE, 5 * _MINUTE, 10 * _MINUTE, 15 * _MINUTE,
                30 * _MINUTE, _HOUR, 2 * _HOUR, 3 * _HOUR, 6 * _HOUR, 12 * _HOUR, _DAY, 2 * _DAY, 7 * _DAY,
                14 * _DAY)
#: calendar steps, in months
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200, 2400, 6000)
_MONTH = 30.44 * _DAY


def _label_format(step: float) -> tuple[str, str]:
    """(strftime format, widest sample label) for ticks ``step`` seconds apart."""
    if step >= 12 * _MONTH * 0.99:
        return "%Y", "9999"
    if step >= _MONTH * 0.99:
        return "%b %Y", "Sep 2026"
    if step >= _DAY:
        return "%d %b", "30 Sep"
    if step >= _MINUTE:
        return "%H:%M", "30 Sep"  # a midnight tick names its day
    if step >= _SECOND:
        return "%H:%M:%S", "23:59:59"
    decimals = 1 if step >= 0.1 else 2 if step >= 0.01 else 3
    return f"%H:%M:%S.{decimals}", "23:59:59." + "9" * decimals


def time_label(seconds: float, step: float) -> str:
    """The label of a tick at ``seconds`` (local time) when ticks are ``step`` seconds apart."""
    when = _local(seconds)
    if when is None:
        return ""
    fmt, _sample = _label_format(step)
    if fmt == "%H:%M" and when.hour == 0 and when.minute == 0:
        return f"{when.day:02d} {when:%b}"
    if fmt.startswith("%H:%M:%S."):
        decimals = int(fmt.rsplit(".", 1)[1])
        return f"{when:%H:%M:%S}.{when.microsecond // 10 ** (6 - decimals):0{decimals}d}"
    if fmt == "%Y":
        return str(when.year)  # years before 1000 without strftime's padding quirks
    if fmt == "%b %Y":
        return f"{when:%b} {when.year}"
    return when.strftime(fmt)


class CountAxisItem(pg.AxisItem):
    """A left axis of event counts: whole numbers only (a store with a few events per bucket
    would otherwise read 0.2, 0.4 … events)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="left", **kwargs)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:  # noqa: N802,N803 (pyqtgraph's names)
        levels = []
        for spacing, values in super().tickValues(minVal, maxVal, size):
            if spacing >= 1 and float(spacing).is_integer():
                levels.append((spacing, [value for value in values if float(value).is_integer()]))
        return levels or [(1.0, [float(v) for v in range(int(max(minVal, 0)), int(maxVal) + 1)])]


class TimeAxisItem(pg.AxisItem):
    """A bottom axis of local times whose labels never overlap and always say enough to read:
    one level of ticks, spaced by the widest label of the step (years, months, days, hours and
    minutes, seconds, milliseconds); sub-second ticks keep hours and minutes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self._step = _DAY

    def _label_width(self, step: float) -> float:
        font = self.style.get("tickFont") or self.font()
        return QFontMetricsF(font).horizontalAdvance(_label_format(step)[1]) + 18

    def tick_step(self, low: float, high: float, pixels: float) -> float:
        """Seconds between ticks for the range ``low``…``high`` drawn over ``pixels``."""
        per_pixel = max(high - low, 1e-9) / max(pixels, 1.0)
        for step in _FIXED_STEPS + tuple(months * _MONTH for months in _MONTH_STEPS):
            if step / per_pixel >= self._label_width(step):
                return step
        return _MONTH_STEPS[-1] * _MONTH

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph naming)
        low, high = max(min(minVal, maxVal), EARLIEST), min(max(minVal, maxVal), LATEST)
        if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
            return []
        step = self._step = self.tick_step(low, high, size)
        return [(step, self._ticks(low, high, step))]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph naming)
        return [time_label(value, spacing) for value in values]

    @staticmethod
    def _ticks(low: float, high: float, step: float) -> list[float]:
        start = _local(low)
        if start is None:
            return []
        if step < _MONTH * 0.99:
            # fixed steps line up with local midnight (whole seconds and below: with the epoch)
            offset = (start.utcoffset() or timedelta(0)).total_seconds() if step >= _MINUTE else 0.0
            first = math.ceil((low + offset) / step) * step - offset
            count = int((high - first) // step) + 1
            return [first + i * step for i in range(max(0, min(count, 2000)))]
        months = round(step / _MONTH)
        index = (start.year * 12 + start.month - 1) // months * months  # months since year 0
        values: list[float] = []
        while len(values) < 2000:
            year, month = divmod(index, 12)
            if year > 9999:
                break
            if year >= 1:
                try:
                    value = start.replace(year=year, month=month + 1, day=1, hour=0, minute=0, second=0,
                                          microsecond=0).timestamp()
                except (OverflowError, ValueError):
                    value = None
                if value is not None and value > high:
                    break
                if value is not None and value >= low:
                    values.append(value)
            index += months
        return values


@dataclass(frozen=True)
class TickData:
    """Loaded events as arrays, built off the GUI thread: drawing a lane set is then numpy only."""

    events: np.ndarray  # object: the Event of each tick
    x: np.ndarray  # float: epoch seconds (NaN: no recorded time, never drawn)
    damaged: np.ndarray  # bool: the event could not be read whole (it has a problem)
    stream_codes: np.ndarray  # int: index into ``streams``
    streams: list[str]
    type_codes: np.ndarray  # int: index into ``types``
    types: list[str]

    @classmethod
    def of(cls, events: list[Event]) -> "TickData":
        streams: dict[str, int] = {}
        types: dict[str, int] = {}
        objects = np.empty(len(events), dtype=object)
        objects[:] = events
        x = np.fromiter((_epoch(e.recorded_at) if e.recorded_at is not None else np.nan for e in events),
                        dtype=float, count=len(events))
        stream_codes = np.fromiter((streams.setdefault(e.stream, len(streams)) for e in events),
                                   dtype=np.int64, count=len(events))
        type_codes = np.fromiter((types.setdefault(e.type, len(types)) for e in events),
                                 dtype=np.int64, count=len(events))
        damaged = np.fromiter((bool(e.problem) for e in events), dtype=bool, count=len(events))
        return cls(objects, x, damaged, stream_codes, list(streams), type_codes, list(types))

    def __len__(self) -> int:
        return len(self.events)

    def extended(self, more: "TickData") -> "TickData":
        streams = {name: code for code, name in enumerate(self.streams)}
        types = {name: code for code, name in enumerate(self.types)}
        stream_map = np.array([streams.setdefault(name, len(streams)) for name in more.streams], dtype=np.int64)
        type_map = np.array([types.setdefault(name, len(types)) for name in more.types], dtype=np.int64)
        return TickData(np.concatenate([self.events, more.events]), np.concatenate([self.x, more.x]),
                        np.concatenate([self.damaged, more.damaged]),
                        np.concatenate([self.stream_codes, stream_map[more.stream_codes]]), list(streams),
                        np.concatenate([self.type_codes, type_map[more.type_codes]]), list(types))

    def on_lanes(self, lane_of: dict[str, int]) -> dict[str, Any]:
        """Each timed tick on one of ``lane_of``'s lanes: x, y (lane), style code and event;
        ``styles`` holds the (brush, pen) of each code; ``damaged`` says which ticks are of
        unreadable events."""
        lane_for_code = np.array([lane_of.get(name, -1) for name in self.streams], dtype=float)
        lanes = lane_for_code[self.stream_codes] if len(self.stream_codes) else np.empty(0)
        shown = (lanes >= 0) & ~np.isnan(self.x)
        return {"x": self.x[shown], "y": lanes[shown], "style": self.type_codes[shown],
                "styles": [tick_style(name) for name in self.types], "data": self.events[shown],
                "damaged": self.damaged[shown]}


class TickScatter(pg.ScatterPlotItem):
    """A scatter whose ticks share a few styles (one per event type), placed in bulk.

    ``setData(brush=[...], pen=[...])`` converts the lists element by element into its
    record array and asks the symbol atlas once per tick (a tuple each: 20,000 ticks took
    ~2 s with a pen per tick, still ~150 ms with shared ones, mostly garbage collection).
    Here the atlas is asked once per style and the brushes, pens and atlas rectangles are
    spread over the ticks by numpy indexing, so 20,000 ticks cost a few milliseconds.
    """

    _placing = False

    def set_ticks(self, ticks: dict[str, Any], *, append: bool = False) -> None:
        before = len(self.data) if append else 0
        self._placing = True
        try:
            (self.addPoints if append else self.setData)(x=ticks["x"], y=ticks["y"], data=ticks["data"])
        finally:
            self._placing = False
        new = self.data[before:]
        styles, codes = ticks["styles"], ticks["style"]
        if len(new) and styles:
            brushes = np.empty(len(styles), dtype=object)
            brushes[:] = [brush for brush, _pen in styles]
            pens = np.empty(len(styles), dtype=object)
            pens[:] = [pen for _brush, pen in styles]
            symbol, size = self.opts["symbol"], self.opts["size"]
            rects = self.fragmentAtlas[[(symbol, size, pen, brush) for brush, pen in styles]]
            new["brush"] = brushes[codes]
            new["pen"] = pens[codes]
            new["sourceRect"] = np.array(rects, dtype=self.data.dtype["sourceRect"])[codes]
        self.updateSpots(new)

    def updateSpots(self, dataSet=None) -> None:  # noqa: N802 (pyqtgraph naming)
        if not self._placing:  # set_ticks places the new ticks once their styles are in
            super().updateSpots(dataSet)


def _tip(x: float, y: float, data: Any) -> str:
    event: Event = data
    problem = f"\nunreadable: {event.problem}" if event.problem else ""
    text = (f"{shown_name(event.type)}\n{shown_name(event.stream)} v{event.version}\n{local_time(event.recorded_at)} "
            f"(UTC {utc_time(event.recorded_at)})\nactor: {event.actor or '—'}{problem}")
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"  # names as written, not markup


class RegionDragViewBox(pg.ViewBox):
    """A view box where a left drag draws a time region (``on_region``) instead of panning;
    Shift+drag and the middle button still pan, the wheel zooms, the right button scales."""

    def __init__(self, on_drag: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_drag = on_drag

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 (pyqtgraph naming)
        shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if ev.button() != Qt.MouseButton.LeftButton or shift or axis is not None:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos(Qt.MouseButton.LeftButton)).x()
        end = self.mapSceneToView(ev.scenePos()).x()
        pixels = abs(ev.scenePos().x() - ev.buttonDownScenePos(Qt.MouseButton.LeftButton).x())
        self._on_drag(min(start, end), max(start, end), ev.isFinish(), pixels >= MIN_DRAG_PIXELS)


class TimelineWidget(QWidget):
    """Lanes, histogram, region and cursors; tells the window what the user picked."""

    eventClicked = Signal(object)  # Event
    regionChanged = Signal(object)  # (since, until) or None
    cursorMoved = Signal(str, object)  # "A"/"B", datetime
    cursorRequested = Signal(str)  # "A"/"B": put it on the selected event
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store: EventStore | None = None
        self._streams: list[str] = []
        self._selected_stream: str | None = None
        self._top = 0
        self._events: list[Event] = []
        self._ticks = TickData.of([])
        self._drawn_key: Any = None
        self.capped = False
        self.loaded_range: tuple[float, float] | None = None
        #: the drawn histogram: (first bucket start, bucket seconds, counts), bumped by live events
        self._hist: tuple[float, float, Any] | None = None
        #: the (since, until, buckets) of the histogram asked for last: only a new one is counted
        self._hist_key: Any = None
        #: True while the store's time range is not known yet (the view is the default one or a
        #: provisional one from the first listed streams): no store-wide histogram is counted then
        self._awaiting_range = False
        self.legend_types: list[str] = []
        self._build()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self._request)

    # --- construction ------------------------------------------------------------------
    def _build(self) -> None:
        pg.setConfigOptions(antialias=False, foreground=self.palette().color(QPalette.ColorRole.Text),
                            background=self.palette().color(QPalette.ColorRole.Base))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        title = QLabel("Timeline")
        title.setStyleSheet("font-weight: bold;")
        self.region_button = QToolButton()
        self.region_button.setText("Filter by region")
        self.region_button.setCheckable(True)
        self.region_button.setToolTip("Show a time region (or drag across the lanes to draw one); "
                                      "the event table lists only its events")
        self.region_button.toggled.connect(self._on_region_toggled)
        self.a_button = QToolButton()
        self.a_button.setText("Set A")
        self.a_button.setToolTip("Put cursor A (diff from) on the selected event; drag it to move it")
        self.a_button.clicked.connect(lambda: self.cursorRequested.emit("A"))
        self.b_button = QToolButton()
        self.b_button.setText("Set B")
        self.b_button.setToolTip("Put cursor B (diff to) on the selected event; drag it to move it")
        self.b_button.clicked.connect(lambda: self.cursorRequested.emit("B"))
        fit = QToolButton()
        fit.setText("Fit all")
        fit.setToolTip("Show the store's whole time range")
        fit.clicked.connect(self.fit_all)
        # the header line ("3 of 120 lanes · 2,000 events in view") takes the width it is given:
        # a longer text is cut with "…", it never widens the pane
        self.info = ElidingLabel("")
        self.info.setEnabled(False)
        bar.addWidget(title)
        bar.addStretch(1)
        bar.addWidget(self.region_button)
        bar.addWidget(self.a_button)
        bar.addWidget(self.b_button)
        bar.addWidget(fit)
        layout.addLayout(bar)
        # on a line of its own: beside the buttons a narrow pane left it a few unreadable letters
        self.info.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.info)

        self.legend = QLabel("")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.legend)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setContentsMargins(2, 2, 6, 2)
        self.graphics.ci.setSpacing(0)
        self.hist_plot = self.graphics.addPlot(row=0, col=0, axisItems={"left": CountAxisItem()},
                                               viewBox=RegionDragViewBox(self._on_drag))
        self.lanes_plot = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": TimeAxisItem()}, viewBox=RegionDragViewBox(self._on_drag)
        )
        self.graphics.ci.layout.setRowStretchFactor(0, 1)
        self.graphics.ci.layout.setRowStretchFactor(1, 4)
        self.hist_plot.setMaximumHeight(80)
        self.hist_plot.setMinimumHeight(50)
        self._axis_width = AXIS_MIN_WIDTH
        for plot in (self.hist_plot, self.lanes_plot):
            plot.getAxis("left").setWidth(self._axis_width)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=True, y=False)
        self.hist_plot.getAxis("bottom").setStyle(showValues=False)
        self.hist_plot.getAxis("bottom").setHeight(4)
        self.hist_plot.setLabel("left", "events")
        self.hist_plot.getAxis("left").setStyle(tickLength=-4)
        self.hist_plot.setXLink(self.lanes_plot)
        self.lanes_plot.getAxis("left").setStyle(tickLength=0)
        self.lanes_plot.showGrid(x=True, y=False, alpha=0.15)
        self.lanes_plot.getViewBox().invertY(True)
        # from a millisecond to the whole span Python's datetimes hold
        # (a second inside the calendar's edges: the view box's arithmetic may overshoot a limit
        # by a few microseconds, which at year 1 is year 0)
        self.lanes_plot.getViewBox().setLimits(minXRange=0.005, xMin=EARLIEST + 1, xMax=LATEST - 1)
        self.lanes_plot.getViewBox().sigXRangeChanged.connect(lambda *_: self._schedule())
        # the lanes' box changes height without this widget resizing (the legend wraps anew,
        # the histogram settles, the header line comes): the lanes shown, their labels and the
        # events fetched follow it, or names would be listed over lanes never fetched
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(0)
        self._relayout_timer.timeout.connect(self._relayout)
        self.lanes_plot.getViewBox().sigResized.connect(lambda *_: self._relayout_timer.start())

        self.bars = pg.BarGraphItem(x0=[], height=[], width=1, brush=QColor(100, 140, 200, 170), pen=None)
        self.hist_plot.addItem(self.bars)
        self.lane_highlight = pg.LinearRegionItem(orientation="horizontal", movable=False,
                                                  brush=QColor(255, 193, 7, 50), pen=pg.mkPen(None))
        self.lane_highlight.setZValue(-10)
        self.lane_highlight.hide()
        self.lanes_plot.addItem(self.lane_highlight)
        # a dense lane's ticks cover the band: its edges are drawn over the ticks too
        self.lane_edges = [pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen(HIGHLIGHT_COLOUR, width=2))
                           for _edge in range(2)]
        for edge in self.lane_edges:
            edge.setZValue(4)
            edge.hide()
            self.lanes_plot.addItem(edge)
        self.ticks = TickScatter(symbol="|", size=LANE_PIXELS - 2, pxMode=True, hoverable=True, tip=_tip,
                                        hoverSize=LANE_PIXELS + 4, hoverPen=pg.mkPen("w", width=1))
        self.ticks.sigClicked.connect(self._on_ticks_clicked)
        self.lanes_plot.addItem(self.ticks)
        # unreadable events: a red cross over the tick (drawn on top, clicks go to the tick)
        self.damaged = pg.ScatterPlotItem(symbol="x", size=LANE_PIXELS + 3, pxMode=True,
                                          brush=QBrush(QColor(DAMAGED_COLOUR)), pen=pg.mkPen("#7f0000", width=1))
        self.damaged.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.damaged.setZValue(5)
        self.lanes_plot.addItem(self.damaged)
        self.selected_marker = pg.ScatterPlotItem(symbol="o", size=LANE_PIXELS + 4, pxMode=True,
                                                  brush=None, pen=pg.mkPen(self.palette().color(QPalette.ColorRole.Text), width=2))
        self.lanes_plot.addItem(self.selected_marker)
        self.region = pg.LinearRegionItem(brush=QColor(30, 136, 229, 40))
        self.region.setZValue(-5)
        self.region.hide()
        self.region.sigRegionChangeFinished.connect(self._on_region_moved)
        self.lanes_plot.addItem(self.region)
        self.cursors: dict[str, pg.InfiniteLine] = {}
        for name, colour in CURSOR_COLOURS.items():
            line = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen(colour, width=2),
                                   label=name, labelOpts={"position": 0.04, "color": colour, "fill": (0, 0, 0, 0)})
            line.hide()
            line.sigPositionChangeFinished.connect(lambda l, n=name: self.cursorMoved.emit(n, _instant(l.value())))
            self.lanes_plot.addItem(line)
            self.cursors[name] = line

        self.scroll = QScrollBar(Qt.Orientation.Vertical)
        self.scroll.setToolTip("Scroll the stream lanes")
        self.scroll.valueChanged.connect(self._on_scroll)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.graphics, 1)
        row.addWidget(self.scroll)
        layout.addLayout(row, 1)
        self.empty = QLabel("Open a store to see its streams on a timeline.", self.graphics)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        # said over the histogram while the store-wide counts of the view are being counted
        self.counting = QLabel("counting events over time…", self.graphics)
        self.counting.setEnabled(False)
        self.counting.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.counting.hide()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._apply_palette()

    # --- dark or light ---------------------------------------------------------------------
    def changeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().changeEvent(event)
        if hasattr(self, "empty") and event.type() in (
                QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.FontChange):
            self._apply_palette()

    def _apply_palette(self) -> None:
        """Background, axes and markers from the current palette (dark or light)."""
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        base = palette.color(QPalette.ColorRole.Base)
        line = QColor(text)
        line.setAlpha(150)
        self.graphics.setBackground(base)
        font = self.font()
        for plot in (self.hist_plot, self.lanes_plot):
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(line))
                axis.setTextPen(pg.mkPen(text))
                axis.setTickFont(font)
        self.hist_plot.setLabel("left", "events", color=text.name())
        self.selected_marker.setPen(pg.mkPen(text, width=2))
        self.ticks.opts["hoverPen"] = pg.mkPen(text, width=1)
        self.lane_highlight.setBrush(QColor(255, 193, 7, 70 if base.lightness() < 128 else 50))
        self._layout_lanes()

    # --- inputs from the window -------------------------------------------------------
    def set_store(self, store: EventStore | None, start: datetime | None, end: datetime | None,
                  types: list[str]) -> None:
        self._store = store
        self._events = []
        self._ticks = TickData.of([])
        self._drawn_key = None
        self._hist_key = None
        self._runner.cancel(HISTOGRAM_CHANNEL)
        self.counting.hide()
        self.ticks.setData([])
        self.damaged.setData([])
        self.selected_marker.setData([])
        for line in self.cursors.values():
            line.hide()
        self.region_button.setChecked(False)
        self.set_legend(types)
        self.set_range(start, end)
        # a store given without its range: the window sends it when known (``set_range``)
        self._awaiting_range = store is not None and (start is None or end is None)

    def clear(self) -> None:
        """Show nothing: no store, lanes, ticks, cursors, region, histogram bars or header text
        (another store is being opened; nothing of the previous one stays on screen)."""
        self.set_store(None, None, None, [])
        self.set_streams([])
        self._clear_histogram()
        self.info.setText("")

    def _clear_histogram(self) -> None:
        self._hist = None
        self.bars.setOpts(x0=[], height=[], width=1)
        self.hist_plot.setTitle(None)

    def set_range(self, start: datetime | None, end: datetime | None) -> None:
        """Show ``start`` to ``end`` (the store's time range, when known) and fetch what it holds;
        from now on the store-wide histogram of the view is counted (None, None: the store has
        no times, the view stays as it is)."""
        self._awaiting_range = False
        self._show_range(start, end)

    @property
    def range_known(self) -> bool:
        """True once the store's own time range has been shown (``set_range``), not only the
        provisional span of the first streams: the view is not fitted again by itself after that."""
        return not self._awaiting_range

    def set_provisional_range(self, start: datetime | None, end: datetime | None) -> None:
        """Show ``start`` to ``end`` (the span of the first listed streams) until the store's
        own range arrives through ``set_range``; ignored once that range is known."""
        if self._awaiting_range:
            self._show_range(start, end)

    def _show_range(self, start: datetime | None, end: datetime | None) -> None:
        self._fit(start, end)
        self._schedule()

    def set_legend(self, types: list[str]) -> None:
        """Name the store's event types with their colours (made distinct for these types),
        and a red cross for unreadable events."""
        use_type_colours(types)
        items = [f"<span style='color:{type_colour(t)}'>■</span>&nbsp;{html.escape(shown_name(t))}" for t in types]
        if items:
            items.append(f"<span style='color:{DAMAGED_COLOUR}'>✕</span>&nbsp;unreadable")
        self.legend.setText("&nbsp;&nbsp; ".join(items))
        self.legend.setVisible(bool(items))
        self.legend_types = list(types)
        self._draw()  # ticks drawn before the colours were settled take theirs

    def set_streams(self, streams: list[str]) -> None:
        if streams == self._streams:
            return
        self._streams = list(streams)
        self._update_scroll()
        self._layout_lanes()
        self._schedule()

    def set_selected_stream(self, stream: str | None) -> None:
        self._selected_stream = stream
        self._keep_selected_lane_in_view()
        self._layout_highlight()

    def _keep_selected_lane_in_view(self) -> None:
        """Scroll the selected stream's lane into view (centred) when it is not: on selection,
        and when fewer lanes fit after the lanes' box shrank."""
        stream = self._selected_stream
        if stream in self._streams:
            lane = self._streams.index(stream)
            if not (self._top <= lane < self._top + self.visible_lanes()):
                self.scroll.setValue(max(0, lane - self.visible_lanes() // 2))

    def set_selected_event(self, event: Event | None) -> None:
        self._selected_event = event
        self._draw_selected()

    def place_cursor(self, name: str, when: datetime | None) -> None:
        line = self.cursors[name]
        if when is None:
            line.hide()
            return
        line.setValue(_epoch(when))
        line.show()

    def cursor_time(self, name: str) -> datetime | None:
        line = self.cursors[name]
        return _instant(line.value()) if line.isVisible() else None

    def fit_all(self) -> None:
        store = self._store
        if store is None:
            return
        self._runner.submit("timeline-range", lambda cancel, progress: store.time_range(),
                            lambda span: self._fit(span[0], span[1]),
                            lambda exc: self.failed.emit(f"Reading the time range failed: {exc}"))

    def fitted_range(self, start: datetime, end: datetime) -> tuple[float, float]:
        """The view (epoch seconds) that shows ``start``…``end``: the data's own span (at least
        ``MIN_FIT_SECONDS``, centred on it) with ``FIT_MARGIN_PIXELS`` of room at each side."""
        low, high = _epoch(start), _epoch(end)
        if high - low < MIN_FIT_SECONDS:
            middle = (low + high) / 2
            low, high = middle - MIN_FIT_SECONDS / 2, middle + MIN_FIT_SECONDS / 2
        pixels = self.lanes_plot.getViewBox().width() or 600.0
        margin = (high - low) * FIT_MARGIN_PIXELS / max(pixels - 2 * FIT_MARGIN_PIXELS, 50.0)
        return max(low - margin, EARLIEST), min(high + margin, LATEST)

    def _fit(self, start: datetime | None, end: datetime | None) -> None:
        if start is not None and end is not None:
            self.lanes_plot.setXRange(*self.fitted_range(start, end), padding=0)

    # --- lanes -------------------------------------------------------------------------
    def lane_pixels(self) -> int:
        """The height of one lane (pixels): at least ``LANE_PIXELS`` and a line of the labels'
        font, so neighbouring names never overlap."""
        return max(LANE_PIXELS, math.ceil(QFontMetricsF(self.font()).height()))

    def visible_lanes(self) -> int:
        height = self.lanes_plot.getViewBox().height() or 300
        return max(3, min(MAX_LANES, int(height // self.lane_pixels())))

    def visible_streams(self) -> list[str]:
        return self._streams[self._top: self._top + self.visible_lanes()]

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self.empty.resize(self.graphics.size())
        self._relayout_timer.start()

    def _relayout(self) -> None:
        self._update_scroll()
        self._keep_selected_lane_in_view()
        self._layout_lanes()
        self._draw()
        self._update_info()
        self._schedule()

    def _update_scroll(self) -> None:
        lanes = self.visible_lanes()
        self.scroll.setRange(0, max(0, len(self._streams) - lanes))
        self.scroll.setPageStep(lanes)
        self.scroll.setVisible(len(self._streams) > lanes)

    def _on_scroll(self, value: int) -> None:
        self._top = value
        self._layout_lanes()
        self._draw()
        self._schedule()

    def _layout_lanes(self) -> None:
        lanes = self.visible_lanes()
        visible = self.visible_streams()
        self.lanes_plot.setYRange(self._top - 0.5, self._top + lanes - 0.5, padding=0)
        labels = self._lane_labels(visible)
        ticks = [(self._top + i, label) for i, label in enumerate(labels)]
        self._fit_axis(labels)
        self.lanes_plot.getAxis("left").setTicks([ticks, []])
        self._layout_highlight()
        if not self._streams:
            self.empty.setText("No streams listed: change the filter or open a store."
                               if self._store is not None else "Open a store to see its streams on a timeline.")
            self.empty.show()
        else:
            self.empty.hide()

    def _lane_labels(self, names: list[str]) -> list[str]:
        """Each lane's name, elided in the middle only when wider than the axis may grow."""
        metrics = QFontMetricsF(self.font())
        widest = AXIS_MAX_WIDTH - _AXIS_TEXT_GAP
        shown = [shown_name(name) for name in names]  # "order " quoted, as the stream list shows it
        fitted = elided_apart(metrics, shown, widest)  # names that differ never read alike
        return [fitted[name] for name in shown]

    def _fit_axis(self, labels: list[str]) -> None:
        """Make the left axes wide enough for every label: pyqtgraph drops labels that do not fit."""
        metrics = QFontMetricsF(self.font())
        text = max((metrics.horizontalAdvance(label) for label in labels), default=0.0)
        width = int(min(AXIS_MAX_WIDTH, max(AXIS_MIN_WIDTH, text + _AXIS_TEXT_GAP)) + 0.999)
        if width != self._axis_width:
            self._axis_width = width
            for plot in (self.hist_plot, self.lanes_plot):
                plot.getAxis("left").setWidth(width)

    def lane_labels(self) -> list[str]:
        """The labels pyqtgraph actually draws on the lane axis (for tests and screenshots)."""
        from PySide6.QtGui import QPainter, QPicture

        axis = self.lanes_plot.getAxis("left")
        picture = QPicture()
        painter = QPainter(picture)
        try:
            if axis.style["tickFont"] is not None:
                painter.setFont(axis.style["tickFont"])
            specs = axis.generateDrawSpecs(painter)
        finally:
            painter.end()
        return [text for _rect, _flags, text in (specs[2] if specs else [])]

    def _layout_highlight(self) -> None:
        if self._selected_stream in self._streams:
            lane = self._streams.index(self._selected_stream)
            self.lane_highlight.setRegion((lane - 0.5, lane + 0.5))
            self.lane_highlight.show()
            for edge, y in zip(self.lane_edges, (lane - 0.5, lane + 0.5)):
                edge.setValue(y)
                edge.show()
        else:
            self.lane_highlight.hide()
            for edge in self.lane_edges:
                edge.hide()
        self._draw_selected()

    def highlighted_lane(self) -> int | None:
        """The lane drawn as the selected stream's (band and edges), or None."""
        if not self.lane_highlight.isVisible():
            return None
        low, high = self.lane_highlight.getRegion()
        return round((low + high) / 2)

    # --- fetching the visible range -------------------------------------------------------
    def _schedule(self) -> None:
        self._debounce.start()

    def view_range(self) -> tuple[datetime, datetime]:
        (x0, x1), _ = self.lanes_plot.getViewBox().viewRange()
        return _instant(x0), _instant(max(x1, x0 + 1))

    def _request(self) -> None:
        store = self._store
        if store is None:
            return
        since, until = self.view_range()
        self._request_histogram(store, since, until)
        streams = tuple(self.visible_streams())
        key = (streams, since, until)
        if key == self._drawn_key:
            return

        def work(cancel, progress):
            events: list[Event] = []
            if streams:
                events = store.read_all(filters=EventFilter(streams=streams, since=since, until=until),
                                        limit=EVENT_CAP + 1, cancel=cancel, payload_cap=PAYLOAD_CAP)
            return events, TickData.of(events[:EVENT_CAP])

        self._runner.submit(LANES_CHANNEL, work, lambda result: self._on_loaded(key, *result),
                            lambda exc: self.failed.emit(f"Reading the timeline failed: {exc}"),
                            label="Drawing the timeline")

    def _request_histogram(self, store: EventStore, since: datetime, until: datetime) -> None:
        """Count the store's events over ``since``…``until`` (store-wide, in the database) on
        its own channel, only when that range or the number of buckets changed: listing other
        streams or scrolling the lanes never counts again. A newer request drops an older one's
        answer. Nothing is counted before the store's time range is known."""
        if self._awaiting_range:
            return
        # from the pane's width, not the plot's: the lanes' scroll bar and label axis come and go
        # with the listed streams, and must not make another store-wide count
        buckets = max(20, min(200, self.width() // 6 or 120))
        key = (since, until, buckets)
        if key == self._hist_key:
            return
        self._hist_key = key

        def work(cancel, progress):
            try:
                return store.histogram(since, until, buckets)
            except Exception as exc:  # a store without times: the lanes are drawn all the same
                return exc

        self.counting.move(self._axis_width + 8, 2)
        self.counting.adjustSize()
        self.counting.show()
        self._runner.submit(HISTOGRAM_CHANNEL, work, lambda result: self._on_histogram(key, result),
                            lambda exc: self._on_histogram(key, exc), label="Counting events over time")

    def _on_histogram(self, key: Any, histogram: Any) -> None:
        if key != self._hist_key:
            return  # the answer for a range no longer shown
        self.counting.hide()
        if isinstance(histogram, BaseException):
            self._hist_key = None  # counted again with the next view
            self._clear_histogram()
            return
        counts = np.asarray(histogram.counts, dtype=float)
        self._hist = (_epoch(histogram.start), histogram.bucket_seconds, counts)
        self._draw_histogram()

    def lanes_drawn(self) -> bool:
        """Whether lanes have been drawn and none are waiting to be fetched (the histogram may
        still be counting)."""
        return self._drawn_key is not None and not self._debounce.isActive() and not self._runner.busy(LANES_CHANNEL)

    def histogram_pending(self) -> bool:
        """Whether the histogram of the view is still being counted."""
        return self._runner.busy(HISTOGRAM_CHANNEL)

    def _on_loaded(self, key: Any, events: list[Event], ticks: TickData) -> None:
        self._drawn_key = key
        self.capped = len(events) > EVENT_CAP
        self._events = events[:EVENT_CAP]
        self._ticks = ticks
        self.loaded_range = (_epoch(key[1]), _epoch(key[2]))
        self._draw()
        self._update_info()

    def _draw_histogram(self) -> None:
        if self._hist is None:
            return
        start, width, counts = self._hist
        x0 = start + np.arange(len(counts)) * width
        self.bars.setOpts(x0=x0, height=counts, width=width * 0.9)
        self.hist_plot.setYRange(0, max(1.0, float(counts.max()) if len(counts) else 1.0) * 1.1, padding=0)

    def _update_info(self) -> None:
        shown = f"{len(self._events):,} events in view"
        if self.capped:
            shown = f"first {EVENT_CAP:,} events in view — zoom in to see all"
        lanes = self.visible_streams()
        self.info.setText(f"{len(lanes)} of {len(self._streams)} lanes · {shown}" if self._streams else "")

    def add_live_events(self, events: list[Event], *, follow: bool = True) -> None:
        """Draw events that were just written: ticks at once, counted into the histogram.

        With ``follow``, a view whose right edge is behind the newest event slides right to
        show it (keeping its width), which also fetches the new range from the store.
        """
        timed = [event for event in events if event.recorded_at is not None]
        if not timed:
            return
        (x0, x1), _ = self.lanes_plot.getViewBox().viewRange()
        known = {event.position for event in self._events}
        fresh = [event for event in timed if event.position not in known]
        added = [] if self.capped else fresh[: max(0, EVENT_CAP - len(self._events))]
        self._events.extend(added)
        more = TickData.of(added)
        self._ticks = self._ticks.extended(more)
        if self._hist is not None:
            start, width, counts = self._hist
            for event in fresh:
                bucket = int((_epoch(event.recorded_at) - start) // width) if width else -1
                if 0 <= bucket < len(counts):
                    counts[bucket] += 1
            self._draw_histogram()
        ticks = more.on_lanes(self._lane_of())
        if len(ticks["x"]):  # only the new ticks: the drawn ones stay as they are
            self.ticks.set_ticks(ticks, append=True)
            self._draw_damaged(ticks, append=True)
            self._draw_selected()
        self._update_info()
        newest = max(_epoch(event.recorded_at) for event in timed)
        if follow and newest > x1:
            span = x1 - x0
            end = newest + span * 0.05
            self.lanes_plot.setXRange(end - span, end, padding=0)

    def refetch(self) -> None:
        """Read the visible range again (after a reconnect), even if it did not change."""
        self._drawn_key = None
        self._hist_key = None
        self._schedule()

    def _draw(self) -> None:
        """Ticks of the loaded events on the visible lanes, as arrays in one call."""
        ticks = self._ticks.on_lanes(self._lane_of())
        self.ticks.set_ticks(ticks)
        self._draw_damaged(ticks)
        self._draw_selected()

    def _draw_damaged(self, ticks: dict[str, Any], *, append: bool = False) -> None:
        damaged = ticks["damaged"]
        if not append or damaged.any():
            (self.damaged.addPoints if append else self.damaged.setData)(
                x=ticks["x"][damaged], y=ticks["y"][damaged], data=ticks["data"][damaged])

    def damaged_events(self) -> list[Event]:
        """The unreadable events marked on the lanes (for tests and screenshots)."""
        return [spot.data() for spot in self.damaged.points()]

    def _lane_of(self) -> dict[str, int]:
        return {name: self._top + i for i, name in enumerate(self.visible_streams())}

    def _draw_selected(self) -> None:
        event = getattr(self, "_selected_event", None)
        if event is None or event.recorded_at is None or event.stream not in self._streams:
            self.selected_marker.setData([])
            return
        lane = self._streams.index(event.stream)
        self.selected_marker.setData([{"pos": (_epoch(event.recorded_at), lane)}])

    def drawn_events(self) -> list[Event]:
        return [spot.data() for spot in self.ticks.points()]

    # --- user actions -------------------------------------------------------------------
    def _on_ticks_clicked(self, _item, points, _ev) -> None:
        if len(points):
            self.eventClicked.emit(points[0].data())

    def _on_region_toggled(self, on: bool) -> None:
        if on:
            (x0, x1), _ = self.lanes_plot.getViewBox().viewRange()
            third = (x1 - x0) / 3
            self.region.setRegion((x0 + third, x1 - third))
            self.region.show()
            self._on_region_moved()
        else:
            self.region.hide()
            self.regionChanged.emit(None)

    def _on_region_moved(self, *_args) -> None:
        if self.region.isVisible():
            x0, x1 = self.region.getRegion()
            self.regionChanged.emit((_instant(x0), _instant(x1)))

    def _on_drag(self, low: float, high: float, finished: bool, wide_enough: bool) -> None:
        """A left drag across the plots: draw the region as it goes, filter the table when let go."""
        if not wide_enough:
            return
        self.region.blockSignals(not finished)  # the table is filtered once, when the drag ends
        try:
            self.region.setRegion((max(low, EARLIEST), min(high, LATEST)))
        finally:
            self.region.blockSignals(False)
        if not self.region.isVisible():
            self.region.show()
            self.region_button.blockSignals(True)
            self.region_button.setChecked(True)
            self.region_button.blockSignals(False)
        if finished:
            self._on_region_moved()

    def set_region(self, since: datetime, until: datetime) -> None:
        """Show the region at [since, until] and filter the table to it (as a drag would)."""
        self.region.setRegion((_epoch(since), _epoch(until)))
        if not self.region_button.isChecked():
            self.region.show()
            self.region_button.blockSignals(True)
            self.region_button.setChecked(True)
            self.region_button.blockSignals(False)
        self._on_region_moved()
