"""The window's event table and the timeline's legend show an event type with blank edges in
double quotes (``" B "`` apart from ``B``), a payload key's edges in the Summary column
(``"k "=v``) and a no-break space escaped (``\\u00a0``), as the CLI's text does."""

from __future__ import annotations

import json

from inspector.ui.models.event_table import EventTableModel

LINES = [
    {
        "position": 1,
        "stream": "e-1",
        "version": 1,
        "type": "B",
        "recorded_at": "2024-03-01T10:00:00Z",
        "data": {"k ": "v", "d": "\u00a0z"},
    },
    {
        "position": 2,
        "stream": "e-1",
        "version": 2,
        "type": " B ",
        "recorded_at": "2024-03-01T10:01:00Z",
        "data": {"x": 1},
    },
]


def test_types_and_keys_read_apart_in_the_event_table_and_the_legend(qtbot, tmp_path):
    from inspector.replay import worker
    from inspector.ui.app import MainWindow, make_app

    path = tmp_path / "edges.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    make_app()
    win = MainWindow(str(path))
    qtbot.addWidget(win)
    win.show()
    try:
        model = win.event_model
        qtbot.waitUntil(lambda: model.rowCount() == 2 and model.exhausted, timeout=10000)
        assert [model.index(row, EventTableModel.TYPE).data() for row in range(2)] == ["B", '" B "']
        assert model.index(0, EventTableModel.SUMMARY).data() == '"k "=v · d=\\u00a0z'
        timeline = win.timeline
        qtbot.waitUntil(lambda: len(timeline.legend_types) == 2, timeout=10000)
        assert "&nbsp;&quot; B &quot;" in timeline.legend.text()
    finally:
        win.shutdown()
        worker.shutdown()
