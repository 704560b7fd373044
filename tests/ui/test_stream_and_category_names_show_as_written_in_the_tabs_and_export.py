"""The Event, State, Diff, Compare and Health tabs name the stream as the stream list does (``shown_name``: ``""``,
``"order "``) and never as markup: a stream named ``<i>x</i>-1`` reads ``<i>x</i>-1``, not an
italic x-1. The Export dialog names a category the same way, and its suggested file names keep
``order `` apart from ``order`` and the streams without a category apart from a category ``none``."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from inspector.replay import worker

#: stream -> what the tabs show for it
SHOWN = {"": '""', "order ": '"order "', "<i>x</i>-1": "<i>x</i>-1"}


def _displayed(label) -> str:
    """The text a label shows: rich text rendered to plain text, plain text as it is."""
    if label.textFormat() == Qt.TextFormat.PlainText:
        return label.text()
    return _rendered(label.text())


def _rendered(markup: str) -> str:
    """Rich text (a tooltip, which Qt reads as markup when it looks like some) as plain text."""
    document = QTextDocument()
    document.setHtml(markup)
    return document.toPlainText()


def test_the_tabs_show_a_stream_s_name_as_written(qtbot, tmp_path):
    from inspector.ui.app import MainWindow, make_app

    path = tmp_path / "odd names.jsonl"
    path.write_text("".join(json.dumps({"position": position, "stream": stream, "version": 1, "type": "Noted",
                                        "recorded_at": f"2030-01-01T00:00:{position:02d}Z", "data": {"n": position}})
                            + "\n" for position, stream in enumerate(SHOWN, 1)))
    make_app()
    win = MainWindow(str(path))
    qtbot.addWidget(win)
    win.show()
    try:
        model = win.stream_model
        qtbot.waitUntil(lambda: not model.loading and model.exhausted and model.rowCount() == 3, timeout=10000)
        for stream, shown in SHOWN.items():
            win.select_stream(stream)
            events = win.event_model
            qtbot.waitUntil(lambda: events.exhausted and events.rowCount() == 1             # noqa: B023
                            and events.event_at(0).stream == stream, timeout=10000)          # noqa: B023
            win.select_event(events.event_at(0))
            qtbot.waitUntil(lambda: _displayed(win.state_view.header).startswith(f"{shown} at v1"),  # noqa: B023
                            timeout=10000)
            assert _displayed(win.event_view.header).startswith(f"{shown} v1 · ■ Noted")
            win.request_diff()
            assert " ".join(_displayed(win.diff_view.header).split()).endswith(f"· {shown}")  # &nbsp;s as one space
        # the State tab's line under the header ("Replaying <name> to v1…") names the stream as plain text
        assert win.state_view.describe_label.textFormat() == Qt.TextFormat.PlainText
        win.show_error("Replay of <i>x</i>-1 to v1 failed: <boom>")
        assert win.banner.label.textFormat() == Qt.TextFormat.PlainText  # the error banner never reads markup
    finally:
        win.shutdown()
        worker.shutdown()


def test_the_export_dialog_names_a_category_as_written_and_keeps_file_names_apart(qtbot, tmp_path):
    from inspector.ui.export_dialog import ExportDialog

    def dialog_for(category: str | None, stream: str | None = None) -> ExportDialog:
        dialog = ExportDialog(stream=stream, region=None, folder=str(tmp_path), store_path=None, category=category)
        qtbot.addWidget(dialog)
        return dialog

    blank_edged = dialog_for("order ")
    assert blank_edged.category_radio.isChecked()
    assert blank_edged.category_radio.text() == 'Streams of category "order "'
    assert blank_edged.output_edit.text().endswith("order_.jsonl")
    plain = dialog_for("order")
    assert plain.category_radio.text() == "Streams of category order"
    assert plain.output_edit.text().endswith("order.jsonl")
    without = dialog_for("(none)")
    assert without.category_radio.text() == "Streams of category (none): those without one"
    assert without.output_edit.text().endswith("no-category.jsonl")
    assert dialog_for("none").output_edit.text().endswith("none.jsonl")
    without.set_format("csv")  # the suggestion follows the format, still named apart
    assert without.output_edit.text().endswith("no-category.csv")
    empty = dialog_for("order", stream="")  # the selected stream '' names the file, not the category
    assert empty.stream_radio.isChecked() and empty.output_edit.text().endswith("empty-name.jsonl")
    empty.set_format("pytest")
    assert empty.output_edit.text().endswith("test_empty_name.py")
    blank_edged.set_format("pytest")
    assert blank_edged.output_edit.text().endswith("test_order_.py")


def test_the_compare_tab_names_a_differing_stream_as_written(qtbot):
    from inspector.replay.category import StreamDifference
    from inspector.ui.compare_view import CompareView
    from inspector.ui.runner import TaskRunner

    runner = TaskRunner()
    view = CompareView(runner)
    qtbot.addWidget(view)
    try:
        for stream, shown in SHOWN.items():
            view.show_difference(StreamDifference(stream, 3, None, "old.py", "new.py"))
            assert _displayed(view.detail_title) == f"{shown} at v3: 0 changed paths"
    finally:
        runner.shutdown()


def test_the_health_tab_names_a_finding_s_stream_as_written(qtbot):
    from types import SimpleNamespace

    from inspector.core.health import Finding
    from inspector.ui.health import HealthView

    view = HealthView()
    qtbot.addWidget(view)
    findings = [Finding("version_gap", stream, 3, "v2 is missing") for stream in SHOWN]
    view.show_report(SimpleNamespace(findings=findings, streams_checked=3), listed=False)
    for row, shown in enumerate(SHOWN.values()):
        item = view.tree.topLevelItem(row)
        assert item.text(1) == shown and _rendered(item.toolTip(1)) == shown  # a tooltip is read as markup
        view.tree.setCurrentItem(item)
        assert _displayed(view.detail).endswith(f" in {shown}: v2 is missing")
