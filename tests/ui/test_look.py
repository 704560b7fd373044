"""Look and feel at the default size: nothing clipped, every lane labelled, dark stays readable."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QHeaderView

from inspector.ui.models import StreamListModel, _monospace
from inspector.ui.presenting import type_colour
from inspector.ui.theme import contrast, dark_palette, is_dark


def _settled_lanes(qtbot, window):
    timeline = window.timeline
    qtbot.waitUntil(lambda: window.stream_model.exhausted and len(timeline.visible_streams()) > 3, timeout=5000)
    qtbot.wait(50)  # the relayout after the first resize is queued
    return timeline


@pytest.mark.parametrize("query", ["", "wallet"])
def test_stream_names_are_fully_visible_at_the_default_size(qtbot, window, query):
    assert (window.width(), window.height()) == (1280, 800)
    view, model = window.streams_view, window.stream_model
    qtbot.waitUntil(lambda: model.exhausted, timeout=5000)
    if query:  # a new query empties the list first: the columns must size again to the rows
        window.filter_edit.setText(query)
        qtbot.waitUntil(lambda: model.query[0] == query and model.exhausted and model.rowCount() > 0, timeout=5000)
    qtbot.wait(20)
    header = view.horizontalHeader()
    assert header.sectionResizeMode(StreamListModel.STREAM) == QHeaderView.ResizeMode.Stretch
    assert header.sectionResizeMode(StreamListModel.COUNT) == QHeaderView.ResizeMode.ResizeToContents
    assert header.sectionResizeMode(StreamListModel.LAST) == QHeaderView.ResizeMode.ResizeToContents
    metrics = QFontMetrics(_monospace())
    names = [model.index(row, StreamListModel.STREAM).data() for row in range(model.rowCount())]
    assert "acl-project-133e6153" in names or query
    widest = max(metrics.horizontalAdvance(name) for name in names)
    # the item's text rect is the cell less the style's margins (3 px each side in Fusion)
    assert view.columnWidth(StreamListModel.STREAM) >= widest + 6
    # counts and ages are not cut either
    for column in (StreamListModel.COUNT, StreamListModel.LAST):
        texts = [model.index(row, column).data() for row in range(model.rowCount())]
        assert view.columnWidth(column) >= max(view.fontMetrics().horizontalAdvance(t) for t in texts) + 6


def test_event_filters_keep_their_width_with_a_stream_selected(qtbot, window, demo_planted):
    stream, _ = demo_planted.negative_wallet
    window.select_stream(stream)
    qtbot.waitUntil(lambda: window.show_all_button.isVisible() and window.event_model.exhausted, timeout=5000)
    qtbot.wait(20)
    assert window.actor_edit.width() >= 100 and window.text_edit.width() >= 140
    title = window.events_title
    assert title.width() >= title.sizeHint().width()


def test_every_visible_lane_has_its_label(qtbot, window):
    timeline = _settled_lanes(qtbot, window)
    visible = timeline.visible_streams()
    assert sum(name.startswith("acl-project-") for name in visible) >= 10  # first start: acl lanes on top
    assert timeline.lane_labels() == visible
    # the axis is no wider than it needs to be for these names
    assert timeline._axis_width < 200


def test_a_name_too_long_for_the_axis_is_elided_in_the_middle_and_still_drawn(qtbot, window):
    from inspector.ui.timeline import AXIS_MAX_WIDTH

    timeline = _settled_lanes(qtbot, window)
    long_name = "tenant-" + "x" * 60 + "-tail42"
    timeline.set_streams([long_name, "wallet-1", "wallet-2"])
    qtbot.wait(20)
    labels = timeline.lane_labels()
    assert len(labels) == 3 and labels[1:] == ["wallet-1", "wallet-2"]
    assert labels[0].startswith("tenant-") and labels[0].endswith("tail42") and "…" in labels[0]
    assert AXIS_MAX_WIDTH - 20 <= timeline._axis_width <= AXIS_MAX_WIDTH


@pytest.fixture
def dark_app(qapp):
    """The application under a dark palette for one test (restored afterwards)."""
    from inspector.ui.app import make_app

    make_app()
    before = QPalette(qapp.palette())
    qapp.setPalette(dark_palette())
    yield qapp
    qapp.setPalette(before)


def _effective(background: QColor, over: QColor) -> QColor:
    """``background`` with alpha, composited over the opaque ``over``."""
    a = background.alphaF()
    return QColor.fromRgbF(*(a * c + (1 - a) * o for c, o in zip(background.getRgbF()[:3], over.getRgbF()[:3])))


def test_dark_palette_keeps_the_window_readable(qtbot, dark_app, demo_copy, demo_planted):
    from inspector.ui.app import MainWindow
    from inspector.ui.models import HIGHLIGHT, PROBLEM_COLOUR

    palette = dark_app.palette()
    assert is_dark(palette)
    base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
    win = MainWindow(str(demo_copy))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.type_box.count() > 3, timeout=10000)
    timeline = win.timeline
    # the timeline follows the palette: dark background, light axis text
    assert timeline.graphics.backgroundBrush().color() == base
    for plot in (timeline.hist_plot, timeline.lanes_plot):
        for side in ("left", "bottom"):
            assert plot.getAxis(side).textPen().color() == text
    # event types stay distinguishable on the dark background (ticks, legend, swatches)
    types = [win.type_box.itemData(i) for i in range(1, win.type_box.count())]
    assert types and all(contrast(type_colour(t), base) >= 3.0 for t in types)
    # highlighted state fields: the text stays legible on the tinted rows
    for tint in HIGHLIGHT.values():
        assert contrast(text, _effective(tint, base)) >= 4.5
    assert contrast(PROBLEM_COLOUR, base) >= 4.0
    assert win.state_view.legend.isEnabled()  # the legend's swatches read like the rows they explain
    # READ-ONLY badge: white on green whatever the palette
    assert contrast(QColor("white"), QColor("#2e7d32")) >= 4.5
    # banners: the label uses the palette text on a tinted background
    win.show_error("Reading the timeline failed: something")
    window_colour = palette.color(QPalette.ColorRole.Window)
    assert win.banner.label.palette().color(QPalette.ColorRole.WindowText).lightness() > 200
    assert contrast(win.banner.label.palette().color(QPalette.ColorRole.WindowText),
                    _effective(QColor(217, 83, 79, 40), window_colour)) >= 4.5
    win.shutdown()


def test_the_timeline_follows_a_palette_change_while_open(qtbot, window, qapp):
    before = QPalette(qapp.palette())
    try:
        qapp.setPalette(dark_palette())
        qtbot.waitUntil(lambda: window.timeline.graphics.backgroundBrush().color()
                        == dark_palette().color(QPalette.ColorRole.Base), timeout=2000)
        assert window.timeline.lanes_plot.getAxis("left").textPen().color().lightness() > 200
    finally:
        qapp.setPalette(before)
    qtbot.waitUntil(lambda: window.timeline.graphics.backgroundBrush().color()
                    == before.color(QPalette.ColorRole.Base), timeout=2000)


def test_make_app_applies_a_dark_palette_when_the_system_asks_for_dark(qapp, monkeypatch):
    from inspector.ui import app as app_module

    before = QPalette(qapp.palette())
    monkeypatch.setattr(QApplication, "styleHints", staticmethod(lambda: _Hints(Qt.ColorScheme.Dark)))
    try:
        app_module.make_app()
        assert is_dark(qapp.palette())
    finally:
        qapp.setPalette(before)


class _Hints:
    def __init__(self, scheme) -> None:
        self._scheme = scheme

    def colorScheme(self):  # noqa: N802 (Qt naming)
        return self._scheme
