"""A JSON tree's range group holding a single item (the last one of a list of 1,001, or of
1,000,001 once ranges nest) is named by that item's index alone: ``[1,000]``, not ``[1,000 … 1,000]``."""

from __future__ import annotations

from PySide6.QtCore import Qt

from inspector.ui.models.json_tree import JsonTreeModel


def _keys_under(model: JsonTreeModel, parent) -> list[str]:
    if model.canFetchMore(parent):
        model.fetchMore(parent)
    return [model.index(row, JsonTreeModel.KEY, parent).data() for row in range(model.rowCount(parent))]


def test_the_last_range_of_a_list_of_1001_items_reads_as_one_index(qtbot):
    model = JsonTreeModel()
    model.set_value({"records": list(range(1_001))})
    records = model.index(0, JsonTreeModel.KEY)
    assert _keys_under(model, records) == ["[0 … 999]", "[1,000]"]
    last = model.index(1, JsonTreeModel.KEY, records)
    assert model.index(1, JsonTreeModel.VALUE, records).data() == "1 item"
    assert "items" not in last.data(Qt.ItemDataRole.ToolTipRole).split(" of ")[0]
    assert _keys_under(model, last) == ["[1000]"]  # the item itself


def test_a_nested_range_of_one_item_reads_as_one_index(qtbot):
    model = JsonTreeModel()
    model.set_value({"records": [0] * 1_000_001})
    records = model.index(0, JsonTreeModel.KEY)
    assert _keys_under(model, records) == ["[0 … 999,999]", "[1,000,000]"]
