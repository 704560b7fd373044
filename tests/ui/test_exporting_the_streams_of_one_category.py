"""File › Export slice… with the stream list filtered to a category offers "Streams of category C",
which writes exactly that category's streams; "All streams (the whole store)" still means every
stream, whatever the list shows; with no category filter there is no category choice."""

from __future__ import annotations

from PySide6.QtCore import Qt

from inspector.stores import open_store


def _open_export_dialog(qtbot, win):
    win.export_action.trigger()
    dialog = win.export_dialog_widget
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    return dialog


def test_the_streams_of_the_category_the_list_shows_are_exported(qtbot, window, demo_copy, tmp_path):
    source = open_store(str(demo_copy))
    try:
        jobs = [s.stream for s in source.streams(category="job")]
        every = len(source.streams(limit=10_000))
    finally:
        source.close()
    assert jobs and every > len(jobs)

    dialog = _open_export_dialog(qtbot, window)
    assert not dialog.category_radio.isVisibleTo(dialog)  # the list is not filtered by category
    assert dialog.all_radio.text() == "All streams (the whole store)"
    dialog.reject()

    box = window.category_box
    qtbot.waitUntil(lambda: box.findData("job") >= 0, timeout=10000)
    box.setCurrentIndex(box.findData("job"))
    qtbot.waitUntil(lambda: window.stream_model.rowCount() == len(jobs), timeout=5000)

    dialog = _open_export_dialog(qtbot, window)
    assert dialog.category_radio.isVisibleTo(dialog) and dialog.category_radio.text() == "Streams of category job"
    dialog.all_radio.setChecked(True)
    whole = dialog.build_request()
    assert whole.part.category is None and whole.part.stream is None  # the whole store, not the list
    dialog.category_radio.click()  # as a click on its label does
    assert dialog.category_radio.isChecked()
    dialog.set_format("jsonl")
    assert dialog.output_edit.text().endswith("job.jsonl")  # named after the category
    output = tmp_path / "jobs.jsonl"
    dialog.output_edit.setText(str(output))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: str(output) in window.statusBar().currentMessage(), timeout=10000)
    assert "of the streams of category job" in window.statusBar().currentMessage()

    exported = open_store(str(output))
    try:
        assert [(s.stream, s.category) for s in exported.streams(limit=10_000)] == [(name, "job") for name in jobs]
    finally:
        exported.close()
