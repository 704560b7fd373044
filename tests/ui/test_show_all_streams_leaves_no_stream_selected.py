"""Show all streams stops filtering the table to the selected stream: afterwards no stream in the
list looks selected, and clicking any stream (the one shown before too) selects it again."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt


def _click_stream(qtbot, win, stream):
    row = win.stream_model.row_of(stream)
    rect = win.streams_view.visualRect(win.stream_model.index(row, 0))
    qtbot.mouseClick(win.streams_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _shows_events_of(qtbot, win, stream):
    qtbot.waitUntil(
        lambda: (
            win.events_title.text().startswith(f"Events of {stream}")
            and win.event_model.rowCount() > 0
            and {e.stream for e in win.event_model.events()} == {stream}
        ),
        timeout=10000,
    )
    qtbot.waitUntil(lambda: win.state_view.stream == stream, timeout=10000)


def _highlighted(win):
    return [win.stream_model.summary(index.row()).stream for index in win.streams_view.selectionModel().selectedRows()]


@pytest.mark.parametrize("streams", [["order-1"], [f"order-{n}" for n in range(1, 7)]], ids=["1 stream", "6 streams"])
def test_a_stream_clicked_after_show_all_streams_is_selected(qtbot, window_on_streams, streams, tmp_path):
    win = window_on_streams([(stream, version) for stream in streams for version in (1, 2, 3)])
    qtbot.waitUntil(lambda: win.stream_model.rowCount() == len(streams) and win.stream_model.exhausted, timeout=10000)
    shown = streams[-1]
    _click_stream(qtbot, win, shown)
    _shows_events_of(qtbot, win, shown)
    assert _highlighted(win) == [shown]

    qtbot.mouseClick(win.show_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.events_title.text().startswith("All events"), timeout=10000)
    assert _highlighted(win) == []
    assert win.streams_status.text().endswith("select one to see its events")
    win.grab().save(str(tmp_path / "after_show_all.png"))

    _click_stream(qtbot, win, shown)  # the stream shown before: selected again
    _shows_events_of(qtbot, win, shown)
    assert _highlighted(win) == [shown]
    assert win.show_all_button.isVisible()
    win.grab().save(str(tmp_path / "clicked_again.png"))

    if len(streams) > 1:  # and another one
        qtbot.mouseClick(win.show_all_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: win.events_title.text().startswith("All events"), timeout=10000)
        _click_stream(qtbot, win, streams[0])
        _shows_events_of(qtbot, win, streams[0])
        assert _highlighted(win) == [streams[0]]
