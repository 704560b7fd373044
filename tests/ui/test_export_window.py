"""File › Export slice… end to end: the dialog, the background export, the file, the store untouched."""

from __future__ import annotations

import csv
import hashlib
import time
from datetime import timedelta

from PySide6.QtCore import Qt

from inspector.stores import open_store


def _open_stream(qtbot, win, stream):
    win.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: win.stream_model.row_of(stream) is not None, timeout=5000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: win.event_model.exhausted and win.event_model.filter.streams == (stream,), timeout=5000)


def _open_export_dialog(qtbot, win):
    win.export_action.trigger()
    dialog = win.export_dialog_widget
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    return dialog


def test_exporting_a_stream_slice_to_csv_writes_the_region_with_emails_masked(
        qtbot, window, demo_copy, demo_planted, tmp_path):
    stream, bad = demo_planted.negative_wallet
    store_bytes = hashlib.sha256(demo_copy.read_bytes()).hexdigest()
    store = open_store(str(demo_copy))
    events = list(store.read_stream(stream))
    store.close()
    since, until = events[bad - 11].recorded_at, events[bad - 1].recorded_at  # v(bad-10) … v(bad)
    _open_stream(qtbot, window, stream)
    window.timeline.set_region(since - timedelta(seconds=0.5), until + timedelta(seconds=0.5))
    qtbot.waitUntil(lambda: window.event_model.exhausted and window.event_model.rowCount() == 11, timeout=5000)

    assert window.export_action.shortcut().toString() == "Ctrl+E"
    dialog = _open_export_dialog(qtbot, window)
    assert dialog.stream_radio.isChecked() and stream in dialog.stream_radio.text()
    assert dialog.since_check.isChecked() and dialog.until_check.isChecked()  # prefilled from the region
    assert dialog.mask_emails.isChecked()
    dialog.set_format("csv")
    output = tmp_path / "out" / "slice.csv"
    dialog.output_edit.setText(str(output))
    dialog.mask_fields.setText("owner, job")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    # a folder that does not exist is said in the dialog, which stays open; nothing is created
    assert dialog.isVisible() and dialog.problem.text().startswith(f"No such folder: {output.parent}")
    assert not output.parent.exists()
    output.parent.mkdir()
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: str(output) in window.statusBar().currentMessage(), timeout=10000)
    assert window.statusBar().currentMessage().startswith(f"Exported 11 events of stream {stream}")
    assert "e-mail addresses masked" in window.statusBar().currentMessage()

    with output.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(row["version"]) for row in rows] == list(range(bad - 10, bad + 1))
    assert {row["stream"] for row in rows} == {stream}
    text = output.read_text(encoding="utf-8")
    assert "@example.com" in text  # domains are kept …
    for event in events[bad - 11: bad]:  # … but no address the store holds is readable
        if event.actor and "@" in event.actor:
            assert event.actor.split(":")[-1] not in text
        if isinstance(event.data, dict) and "job" in event.data:
            assert event.data["job"] not in text
    assert "system:billing" in text  # actors that are not addresses stay readable
    assert hashlib.sha256(demo_copy.read_bytes()).hexdigest() == store_bytes
    assert not list(output.parent.glob("*.part"))


def test_the_export_dialog_says_what_is_wrong_and_stays_open(qtbot, window, demo_copy):
    dialog = _open_export_dialog(qtbot, window)
    assert not dialog.stream_radio.isEnabled() and dialog.all_radio.isChecked()  # no stream selected
    dialog.set_format("pytest")
    assert dialog.output_edit.text().endswith("test_events.py")  # the suggested name follows the format
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "select a stream first" in dialog.problem.text()
    dialog.set_format("sqlite")
    dialog.output_edit.setText(str(demo_copy))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "That is the store itself" in dialog.problem.text()
    dialog.reject()


def test_a_whole_store_export_to_sqlite_opens_as_a_store(qtbot, window, demo_copy, demo_planted, tmp_path):
    dialog = _open_export_dialog(qtbot, window)
    dialog.set_format("sqlite")
    output = tmp_path / "copy.db"
    dialog.output_edit.setText(str(output))
    dialog.mask_emails.setChecked(False)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: str(output) in window.statusBar().currentMessage(), timeout=15000)
    assert f"Exported {demo_planted.events:,} events of all streams" in window.statusBar().currentMessage()
    copy = open_store(str(output))
    try:
        assert copy.latest_position() == demo_planted.events
    finally:
        copy.close()


class _SlowStore:
    """The real store, a little slow per page, so Cancel lands while the export runs."""

    def __init__(self, store):
        self._store = store

    def read_all(self, **kwargs):
        time.sleep(0.3)
        return self._store.read_all(**kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_cancelling_an_export_leaves_no_file(qtbot, window, tmp_path):
    window.store = _SlowStore(window.store)
    dialog = _open_export_dialog(qtbot, window)
    output = tmp_path / "all.jsonl"
    dialog.output_edit.setText(str(output))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    strip = window.progress_strip
    qtbot.waitUntil(strip.isVisible, timeout=3000)
    assert "Exporting jsonl to all.jsonl" in strip.label.text()
    qtbot.mouseClick(strip.cancel_button, Qt.MouseButton.LeftButton)
    assert not strip.isVisible()
    assert window.statusBar().currentMessage() == "Export cancelled: nothing was written."
    qtbot.waitUntil(lambda: not list(tmp_path.glob(".all.jsonl.*")), timeout=5000)
    assert not output.exists()
