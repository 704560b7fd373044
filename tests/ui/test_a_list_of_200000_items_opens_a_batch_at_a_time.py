"""A state or payload holding a list of 200,000 records, in the State and Event tabs: expanding
the list shows its first rows (a batch, not 200,000 rows laid out on the GUI thread: 3.2 s,
and expandToDepth(1) never finished), scrolling to the last row shown fetches more, a changed
record far down the list can still be found, selected and shown highlighted, "*" (expand all)
opens a bounded part, and counts read with thousands separators as the CLI writes them."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt

from inspector.core.changed_paths import ChangedPaths
from inspector.core.events import Event
from inspector.ui.models.json_tree import FETCH_BATCH

T0 = datetime(2026, 7, 1, 12, tzinfo=timezone.utc)
RECORDS = 200_000
DEEP = 150_000  # a record far past the first batches


def _records() -> list[dict]:
    return [{"id": i, "status": "open", "tags": ["a", "b"]} for i in range(RECORDS)]


@pytest.fixture
def state_view(qtbot):
    from inspector.ui.replay_views import StateView

    view = StateView()
    qtbot.addWidget(view)
    view.resize(900, 640)
    view.show()
    qtbot.waitExposed(view)
    state = {"owner": "ann", "records": _records()}
    state["records"][DEEP]["status"] = "closed"
    # the event shown closed every record's status: 200,000 changes, the deep one among them
    changed = ChangedPaths.from_ops({f"/records/{i}/status": "change" for i in range(RECORDS)})
    result = SimpleNamespace(state=state, version=7, stream="orders-1", recorded_at=T0, stopped=None, problem=None,
                             warnings=[], snapshot_source=None, describe=lambda: "replayed 7 events")
    view.show_result(result, changed)
    return view


def _shown_in_viewport(tree, index) -> bool:
    rect = tree.visualRect(index)
    return rect.isValid() and tree.viewport().rect().intersects(rect)


def test_expanding_200000_records_in_the_state_tab_shows_a_batch_and_scrolling_fetches_more(qtbot, state_view):
    model, tree = state_view.model, state_view.tree
    records = model.find("records")
    assert records.siblingAtColumn(model.VALUE).data() == "200,000 items"
    assert "200,000 fields changed by this event" in state_view.describe_label.text()
    assert records.data(Qt.ItemDataRole.FontRole).bold()  # it holds changed paths

    tree.expand(records)
    qtbot.waitUntil(lambda: tree.isExpanded(records) and model.rowCount(records) > 0)
    first = model.rowCount(records)
    assert FETCH_BATCH <= first < RECORDS // 10  # a few batches, not every record
    assert model.canFetchMore(records)
    # its first rows are there, changed fields highlighted as before
    status = model.find("records", 0, "status")
    assert status.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert status.data(Qt.ItemDataRole.ToolTipRole) == "/records/0/status  (changed by this event)"

    tree.scrollToBottom()  # as the user drags the scroll bar down: Qt asks for more
    qtbot.waitUntil(lambda: model.rowCount(records) > first)
    assert model.rowCount(records) < RECORDS

    # the window's own "expand all" of a row ("*") opens a bounded part of it
    tree.collapse(records)
    tree.setCurrentIndex(model.find("owner"))
    tree.setCurrentIndex(records)
    qtbot.keyClick(tree, Qt.Key.Key_Asterisk)
    assert tree.isExpanded(records)
    assert tree.isExpanded(model.index(0, 0, records))  # a small record under it, opened
    assert not tree.isExpanded(model.index(FETCH_BATCH // 2, 0, records))  # not every record
    assert model.rowCount(records) < RECORDS

    # expandToDepth and expandAll open the small containers, the 200,000 records stay closed
    tree.collapseAll()
    tree.expandToDepth(1)
    assert not tree.isExpanded(records) and model.rowCount(records) < RECORDS
    tree.expandAll()
    assert not tree.isExpanded(records) and model.rowCount(records) < RECORDS


def test_a_changed_record_past_the_fetched_rows_can_be_selected_and_shown(qtbot, state_view):
    model, tree = state_view.model, state_view.tree
    records = model.find("records")
    tree.expand(records)
    qtbot.waitUntil(lambda: tree.isExpanded(records) and model.rowCount(records) > 0)
    assert model.rowCount(records) <= DEEP

    status = model.find("records", DEEP, "status")  # fetches up to it
    assert status.isValid() and status.siblingAtColumn(model.VALUE).data() == "closed"
    assert DEEP < model.rowCount(records) < RECORDS
    assert status.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.find("records", DEEP).data(Qt.ItemDataRole.FontRole).bold()
    tree.expand(status.parent())
    tree.selectionModel().setCurrentIndex(status, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    tree.scrollTo(status)
    qtbot.waitUntil(lambda: _shown_in_viewport(tree, status))
    assert tree.selectionModel().isSelected(status)
    assert model.fetch_up_to(QModelIndex(), 0) == model.rowCount()  # the top level had it all


def test_expanding_200000_items_of_an_event_in_the_event_tab_shows_a_batch(qtbot):
    from inspector.ui.widgets import EventView

    view = EventView()
    qtbot.addWidget(view)
    view.resize(600, 640)
    view.show()
    qtbot.waitExposed(view)
    view.show_event(Event(position=1, stream="orders-1", version=1, type="Imported", recorded_at=T0,
                          data={"records": _records()}, metadata={"actor": "ann"}))
    model, tree = view.model, view.tree
    records = model.find("data", "records")
    assert records.siblingAtColumn(model.VALUE).data() == "200,000 items"
    tree.expand(records)
    qtbot.waitUntil(lambda: tree.isExpanded(records) and model.rowCount(records) > 0)
    first = model.rowCount(records)
    assert first < RECORDS // 10
    tree.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount(records) > first)
    assert model.rowCount(records) < RECORDS
    item = model.find("data", "records", RECORDS - 1, "id")  # the last record, reachable
    assert item.siblingAtColumn(model.VALUE).data() == str(RECORDS - 1)
    assert model.rowCount(records) == RECORDS
