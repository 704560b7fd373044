"""A state or payload holding a list of 200,000 records, in the State and Event tabs: expanding
the list shows ranges of a thousand records (``[150,000 … 150,999]``), not 200,000 rows laid
out on the GUI thread; a range holding changed records reads bold; selecting the changed record
150,000 opens only the range holding it (before: the 150,000 rows above it, 1.3-3.5 s frozen);
"*" (expand all), expandToDepth and expandAll stay bounded; counts read with thousands
separators as the CLI writes them."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from inspector.core.changed_paths import ChangedPaths
from inspector.core.events import Event
from inspector.ui.models import ObjectRole

T0 = datetime(2026, 7, 1, 12, tzinfo=timezone.utc)
RECORDS = 200_000
DEEP = 150_000  # a record far down the list


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [{"id": i, "status": "open", "tags": ["a", "b"]} for i in range(RECORDS)]


@pytest.fixture(scope="module")
def every_status_closed() -> ChangedPaths:
    # the event shown closed every record's status: 200,000 changes, the deep one among them
    return ChangedPaths.from_ops({f"/records/{i}/status": "change" for i in range(RECORDS)})


@pytest.fixture
def state_view(qtbot, records, every_status_closed):
    from inspector.ui.replay_views import StateView

    view = StateView()
    qtbot.addWidget(view)
    view.resize(900, 640)
    view.show()
    qtbot.waitExposed(view)
    state = {"owner": "ann", "records": records[:DEEP] + [dict(records[DEEP], status="closed")] + records[DEEP + 1:]}
    result = SimpleNamespace(state=state, version=7, stream="orders-1", recorded_at=T0, stopped=None, problem=None,
                             warnings=[], snapshot_source=None, describe=lambda: "replayed 7 events")
    view.show_result(result, every_status_closed)
    return view


def _shown_in_viewport(tree, index) -> bool:
    rect = tree.visualRect(index)
    return rect.isValid() and tree.viewport().rect().intersects(rect)


def _rows_laid_out_under(tree, index) -> int:
    """How many rows the tree lays out under ``index``: those of every expanded row, every level."""
    model, total, pending = tree.model(), 0, [index]
    while pending:
        parent = pending.pop()
        if tree.isExpanded(parent):
            count = model.rowCount(parent)
            total += count
            pending.extend(model.index(row, 0, parent) for row in range(count))
    return total


def test_expanding_200000_records_in_the_state_tab_shows_ranges_of_a_thousand(qtbot, state_view):
    model, tree = state_view.model, state_view.tree
    records = model.find("records")
    assert records.siblingAtColumn(model.VALUE).data() == "200,000 items"
    assert "200,000 fields changed by this event" in state_view.describe_label.text()
    assert records.data(Qt.ItemDataRole.FontRole).bold()  # it holds changed paths

    tree.expand(records)
    qtbot.waitUntil(lambda: tree.isExpanded(records) and model.rowCount(records) > 0)
    assert model.rowCount(records) == 200
    first, last = model.index(0, model.KEY, records), model.index(199, model.KEY, records)
    assert (first.data(), last.data()) == ("[0 … 999]", "[199,000 … 199,999]")
    assert first.siblingAtColumn(model.VALUE).data() == "1,000 items"
    assert first.siblingAtColumn(model.KIND).data() == "range"
    assert first.data(Qt.ItemDataRole.FontRole).bold()  # it holds changed records
    assert first.data(Qt.ItemDataRole.ToolTipRole) == \
        "/records: items 0 … 999 of 200,000 (a range of rows, not a value)  (holds paths changed by this event)"
    assert first.data(ObjectRole) is None and model.is_group(first)  # no value to copy
    assert model.child_count(first) == 1000

    # a range opens as its records, with their own indexes, pointers and highlights
    tree.expand(first)
    qtbot.waitUntil(lambda: tree.isExpanded(first))
    assert model.rowCount(first) == 1000
    assert [model.index(r, model.KEY, first).data() for r in (0, 999)] == ["[0]", "[999]"]
    status = model.find("records", 0, "status")
    assert status.parent().parent() == first
    assert status.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert status.data(Qt.ItemDataRole.ToolTipRole) == "/records/0/status  (changed by this event)"

    # the window's own "expand all" of a row ("*") opens the list, not its ranges of a thousand
    tree.collapseAll()
    tree.setCurrentIndex(model.find("owner"))
    tree.setCurrentIndex(records)
    qtbot.keyClick(tree, Qt.Key.Key_Asterisk)
    assert tree.isExpanded(records)
    assert not any(tree.isExpanded(model.index(r, 0, records)) for r in range(model.rowCount(records)))

    # expandToDepth and expandAll open the small containers, the 200,000 records stay closed
    tree.collapseAll()
    tree.expandToDepth(1)
    assert not tree.isExpanded(records)
    tree.expandAll()
    assert not tree.isExpanded(records)


def test_selecting_the_changed_record_150000_opens_only_the_range_holding_it(qtbot, state_view):
    model, tree = state_view.model, state_view.tree
    records = model.find("records")
    assert not tree.isExpanded(records)

    status = model.find("records", DEEP, "status")
    tree.selectionModel().setCurrentIndex(status, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    tree.scrollTo(status)
    qtbot.waitUntil(lambda: _shown_in_viewport(tree, status))
    assert tree.selectionModel().isSelected(status)
    assert status.siblingAtColumn(model.VALUE).data() == "closed"
    assert status.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.find("records", DEEP).data() == "[150000]"
    assert model.find("records", DEEP).data(Qt.ItemDataRole.FontRole).bold()
    group = status.parent().parent()
    assert group.data() == "[150,000 … 150,999]" and group.parent() == records
    assert [r for r in range(model.rowCount(records)) if tree.isExpanded(model.index(r, 0, records))] == [150]
    # the tree lays out the 200 ranges, the thousand records of one and the fields of one record
    assert _rows_laid_out_under(tree, records) == 200 + 1000 + 3


def test_expanding_200000_items_of_an_event_in_the_event_tab_shows_ranges(qtbot, records):
    from inspector.ui.widgets import EventView

    view = EventView()
    qtbot.addWidget(view)
    view.resize(600, 640)
    view.show()
    qtbot.waitExposed(view)
    view.show_event(Event(position=1, stream="orders-1", version=1, type="Imported", recorded_at=T0,
                          data={"records": records}, metadata={"actor": "ann"}))
    model, tree = view.model, view.tree
    listed = model.find("data", "records")
    assert listed.siblingAtColumn(model.VALUE).data() == "200,000 items"
    tree.expand(listed)
    qtbot.waitUntil(lambda: tree.isExpanded(listed) and model.rowCount(listed) > 0)
    assert model.rowCount(listed) == 200 and _rows_laid_out_under(tree, listed) == 200
    item = model.find("data", "records", RECORDS - 1, "id")  # the last record, reachable
    assert item.siblingAtColumn(model.VALUE).data() == str(RECORDS - 1)
    last_range = item.parent().parent()
    assert last_range.data() == "[199,000 … 199,999]" and model.rowCount(last_range) == 1000
