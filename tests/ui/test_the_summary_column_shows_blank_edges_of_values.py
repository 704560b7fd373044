"""The window's Summary column shows a string value's blank edges as the CLI's one-line summary
does (``summarize``): ``"a "`` reads apart from ``a``; a huge value is cut to a preview first."""

from __future__ import annotations

from datetime import datetime, timezone

from inspector.core.events import Event
from inspector.core.summary import summarize
from inspector.ui.models.bounded_summary import table_summary

T0 = datetime(2024, 3, 1, 10, tzinfo=timezone.utc)


def _event(data):
    return Event(position=1, stream="order-1", version=1, type="Noted", recorded_at=T0, data=data, metadata={})


def test_the_window_s_summary_column_shows_blank_edges_as_the_cli_does():
    for value in ("a", "a ", " a", "a\n", ""):
        assert table_summary(_event({"reason": value})) == summarize(_event({"reason": value}))
    assert table_summary(_event("x " * 5_000)) == summarize(_event("x " * 5_000))  # cut to a preview first


def test_the_summary_column_shows_control_characters_escaped_as_the_cli_does(qtbot):
    from PySide6.QtWidgets import QTableView

    from inspector.ui.models import EventRowsModel

    model = EventRowsModel()
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.show()
    model.set_events([_event({"k": "a\x1cb\x85c\x1b[2Jd", "n": "x\ty"})])
    cell = model.index(0, EventRowsModel.SUMMARY)
    qtbot.waitUntil(lambda: view.visualRect(cell).isValid())
    assert cell.data() == r"k=a\x1cb\x85c\x1b[2Jd · n=x y"  # escaped, not folded to a space or sent raw
