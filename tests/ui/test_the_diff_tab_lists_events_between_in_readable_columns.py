"""The Diff tab's Events between A and B table in the window's right pane: its Actor column is
shown only where it has room to read (at 1280x800 it was left 35 px, every actor read 'sys…' or
'dan…'); else it is left out, the header's tooltip says so, and the Type column reads whole."""

from __future__ import annotations

import pytest

from inspector.core import Moment
from inspector.ui.models import EventRowsModel


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700), (1920, 1080)])
def test_every_column_of_the_events_between_reads_or_is_left_out(qtbot, window, demo_planted, size):
    stream, bad = demo_planted.negative_wallet
    window.resize(*size)
    window.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: window.stream_model.row_of(stream) is not None, timeout=5000)
    window.streams_view.setCurrentIndex(window.stream_model.index(window.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: window.state_view.result is not None, timeout=10000)
    window.set_cursor("A", Moment(version=1))
    window.set_cursor("B", Moment(version=bad))
    diff = window.diff_view
    window.tabs.setCurrentWidget(diff)
    table, model = diff.between, diff.between_model
    qtbot.waitUntil(lambda: model.rowCount() > 10 and table.viewport().width() > 0, timeout=10000)
    metrics = table.fontMetrics()
    icon = table.iconSize().width() if table.iconSize().isValid() else 16
    widest_type = max(metrics.horizontalAdvance(model.event_at(r).type) for r in range(model.rowCount()))

    def readable() -> bool:
        actor_hidden = table.isColumnHidden(EventRowsModel.ACTOR)
        if not actor_hidden and table.columnWidth(EventRowsModel.ACTOR) < 90:  # an address reads
            return False
        if actor_hidden and "Actor left out" not in table.horizontalHeader().toolTip():
            return False
        return actor_hidden is False or table.columnWidth(EventRowsModel.TYPE) >= widest_type + icon + 12

    qtbot.waitUntil(readable, timeout=5000)
    shown = [c for c in range(model.columnCount()) if not table.isColumnHidden(c)]
    assert sum(table.columnWidth(c) for c in shown) <= table.viewport().width() + 1  # no sideways scrolling
