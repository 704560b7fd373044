"""The window: a UUID pasted in another case finds its stream on a uuid column, and a JSON Lines
line that is no event is shown in the event list without being taken for a stream."""

from __future__ import annotations

import json
import uuid

import pytest

from inspector.ui.models import ObjectRole

from tests.stores.servers import scratch_database


@pytest.fixture
def open_window(qtbot):
    from inspector.ui.app import MainWindow, make_app

    windows = []

    def open_on(target: str):
        make_app()
        win = MainWindow(target)
        qtbot.addWidget(win)
        win.show()
        windows.append(win)
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=15000)
        return win

    yield open_on
    for win in windows:
        win.shutdown()


def test_a_uuid_pasted_in_upper_case_finds_its_stream_on_a_uuid_column(postgres_url, open_window, qtbot):
    mine, other = str(uuid.uuid4()), str(uuid.uuid4())
    db = scratch_database(postgres_url, "uiuuid")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE events (position bigserial PRIMARY KEY, stream uuid NOT NULL, version bigint, "
                "type text, recorded_at timestamptz, data jsonb)"
            )
            for stream in (mine, other):
                conn.exec_driver_sql(
                    "INSERT INTO events (stream, version, type, recorded_at, data) VALUES (%s, 1, 'Opened', now(), '{}')",
                    (stream,),
                )
        window = open_window(db.url)
        qtbot.waitUntil(lambda: window.stream_model.rowCount() == 2, timeout=10000)
        window.filter_edit.setText(mine.upper())
        qtbot.waitUntil(
            lambda: window.stream_model.rowCount() == 1 and window.stream_model.row_of(mine) is not None, timeout=10000
        )
    finally:
        db.writer.dispose()
        db.drop()


def test_a_line_that_is_no_event_is_listed_but_selects_no_stream(tmp_path, open_window, qtbot):
    path = tmp_path / "odd.jsonl"
    rows = [
        json.dumps({"position": 1, "stream": "order-1", "version": 1, "type": "Placed", "data": {}}),
        "{not json",
        json.dumps({"position": 3, "stream": "order-1", "version": 2, "type": "Paid", "data": {}}),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    window = open_window(str(path))
    assert [window.stream_model.summary(row).stream for row in range(window.stream_model.rowCount())] == ["order-1"]
    qtbot.waitUntil(lambda: window.event_model.rowCount() == 3, timeout=10000)
    events = [window.event_model.index(row, 0).data(ObjectRole) for row in range(3)]
    (bad,) = [event for event in events if event.problem]
    assert bad.position == 2
    window.select_event(bad)
    assert window.current_stream is None and window.current_event is bad
