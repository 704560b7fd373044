"""The window treats the stream named '' (some stores hold one; the list shows it as ``""``) as a
stream: selecting it lists its events only, titled with its name, and the Export dialog offers it
as the selected stream and exports that stream alone."""

from __future__ import annotations

import json

from inspector.replay import worker

#: (stream, events): the stream named '' between two others
STREAMS = [("order-1", 3), ("", 2), ("solo", 1)]


def test_selecting_the_stream_named_empty_lists_its_events_only(qtbot, tmp_path):
    from inspector.ui.app import MainWindow, make_app
    from inspector.ui.export_dialog import ExportDialog

    path = tmp_path / "mixed.jsonl"
    rows = [(stream, version) for stream, count in STREAMS for version in range(1, count + 1)]
    path.write_text("".join(json.dumps({"position": position, "stream": stream, "version": version, "type": "Noted",
                                        "recorded_at": f"2030-01-01T00:00:{position:02d}Z", "data": {"n": position}})
                            + "\n" for position, (stream, version) in enumerate(rows, 1)))
    make_app()
    win = MainWindow(str(path))
    qtbot.addWidget(win)
    win.show()
    try:
        model = win.stream_model
        qtbot.waitUntil(lambda: not model.loading and model.exhausted and model.rowCount() == 3, timeout=10000)
        win.select_stream("")
        events = win.event_model
        qtbot.waitUntil(lambda: events.exhausted and events.rowCount() == 2 and events.event_at(0).stream == "",
                        timeout=10000)
        assert [events.event_at(row).position for row in range(events.rowCount())] == [4, 5]
        qtbot.waitUntil(lambda: win.events_title.text().startswith('Events of ""'), timeout=10000)
        dialog = ExportDialog(stream="", region=None, folder=str(tmp_path), store_path=str(path))
        qtbot.addWidget(dialog)
        assert dialog.stream_radio.isChecked() and dialog.stream_radio.text() == 'Selected stream: ""'
        request = dialog.build_request()
        assert not isinstance(request, str) and request.part.stream == ""
    finally:
        win.shutdown()
        worker.shutdown()
