"""The Audit tab in the window's narrow right pane: the actor box's hint is read whole, and
the causation chain and correlated lists show at least two whole rows each (at 1280x800 and
1024x700), with or without an event selected, while the actor's own events keep the most room."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_the_actor_hint_and_two_rows_of_each_chain_list_are_shown(qtbot, window, size):
    window.resize(*size)
    window.tabs.setCurrentWidget(window.audit_view)
    view = window.audit_view
    edit = view.actor_box.lineEdit()
    qtbot.waitUntil(lambda: view.isVisible() and edit.width() > 0, timeout=5000)
    hint = edit.placeholderText()
    assert hint and edit.fontMetrics().horizontalAdvance(hint) + 8 <= edit.width(), f"{hint!r} is cut"

    def two_rows_each() -> bool:
        return all(table.viewport().height() >= 2 * table.verticalHeader().defaultSectionSize()
                   for table in (view.chain, view.correlated))

    qtbot.waitUntil(two_rows_each, timeout=5000)  # nothing selected yet
    view.actor_box.setEditText("dana@example.com")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.rowCount() > 5, timeout=5000)
    view.table.setCurrentIndex(view.model.index(0, 0))
    qtbot.waitUntil(lambda: bool(view.chain_end) and view.selected is view.model.event_at(0), timeout=5000)
    qtbot.waitUntil(two_rows_each, timeout=5000)
    assert view.table.height() > max(view.chain.height(), view.correlated.height())
