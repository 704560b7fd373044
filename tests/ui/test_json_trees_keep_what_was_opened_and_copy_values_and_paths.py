"""The State tab keeps what the user opened from version to version: the rows expanded (a
range group ``[2,000 … 2,502]`` by the record it holds), the selected row and about where it
stood on screen, where the next state still has them; another stream starts closed. On the
State and Event tabs' JSON trees, "Copy value" (Ctrl+C) copies a row's value as JSON text
with its numbers exact (a big one written off the GUI thread), "Copy path" (Ctrl+Shift+C)
its JSON pointer; a range group copies neither."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from inspector.core import jsontext
from inspector.core.changed_paths import NO_CHANGES
from inspector.core.events import Event

T0 = datetime(2026, 7, 1, 12, tzinfo=timezone.utc)
RECORDS = 2_500  # more than a range group's thousand: records shows ranges
DEEP = 2_000


def _state(version: int, *, notes: bool = True) -> dict:
    records = [{"id": i, "status": "open", "lines": [i, i + 1]} for i in range(RECORDS + version)]
    records[DEEP]["status"] = f"closed at v{version}"
    state: dict = {"owner": "ann", "records": records, "total": 2**70 + version, "rate": Decimal("0.1000")}
    if notes:
        state["notes"] = {"a/b": {"text": "slash in the key"}}
    return state


def _result(stream: str, version: int, state: dict) -> SimpleNamespace:
    return SimpleNamespace(state=state, version=version, stream=stream, recorded_at=T0, stopped=None, problem=None,
                           warnings=[], snapshot_source=None, describe=lambda: f"replayed {version} events")


@pytest.fixture
def state_view(qtbot):
    from inspector.ui.replay_views import StateView

    view = StateView()
    qtbot.addWidget(view)
    view.resize(800, 520)
    view.show()
    qtbot.waitExposed(view)
    view.set_stream("orders-1", 1, 9)
    view.show_result(_result("orders-1", 2, _state(2)), NO_CHANGES)
    return view


def _open_deep_record(qtbot, view) -> None:
    """What the user does: open records, its range [2,000 …], record [2000], select its status."""
    model, tree = view.model, view.tree
    records = model.find("records")
    tree.expand(records)
    group = model.index(2, 0, records)
    assert group.data().startswith("[2,000 … ")
    tree.expand(group)
    record = model.find("records", DEEP)
    tree.expand(record)
    tree.expand(model.find("notes"))
    tree.setCurrentIndex(model.find("records", DEEP, "status"))
    tree.scrollTo(tree.currentIndex())
    qtbot.waitUntil(lambda: tree.isExpanded(record) and tree.visualRect(tree.currentIndex()).isValid())


def _open_places(view) -> set:
    """The places of the rows expanded in the tree, every level."""
    model, tree, places, pending = view.model, view.tree, set(), [view.tree.rootIndex()]
    while pending:
        parent = pending.pop()
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            if tree.isExpanded(index):
                places.add(model.place_of(index))
                pending.append(index)
    return places


def _on_screen(tree, index) -> bool:
    rect = tree.visualRect(index)
    return rect.isValid() and tree.viewport().rect().contains(rect)


def test_moving_to_the_next_version_keeps_the_rows_opened_and_selected(qtbot, state_view):
    view, model, tree = state_view, state_view.model, state_view.tree
    _open_deep_record(qtbot, view)
    opened = _open_places(view)
    assert {("value", ("records",)), ("range", ("records",), DEEP, 0), ("value", ("records", DEEP)),
            ("value", ("notes",))} <= opened
    top = tree.visualRect(tree.currentIndex()).top()

    view.show_result(_result("orders-1", 3, _state(3)), NO_CHANGES)  # what ▶ / Play / the scrubber bring

    assert _open_places(view) == opened
    status = tree.currentIndex()
    assert model.place_of(status) == ("value", ("records", DEEP, "status"))
    assert "closed at v3" in status.siblingAtColumn(model.VALUE).data()
    assert _on_screen(tree, status)
    assert abs(tree.visualRect(status).top() - top) <= tree.rowHeight(status)  # about where it stood


def test_a_row_gone_at_one_version_opens_again_when_it_comes_back(qtbot, state_view):
    view, model, tree = state_view, state_view.model, state_view.tree
    _open_deep_record(qtbot, view)
    tree.setCurrentIndex(model.find("notes", "a/b"))

    view.show_result(_result("orders-1", 3, _state(3, notes=False)), NO_CHANGES)
    assert not model.find("notes").isValid()
    assert tree.isExpanded(model.find("records", DEEP))  # the rest as it was

    view.show_result(_result("orders-1", 4, _state(4)), NO_CHANGES)
    assert tree.isExpanded(model.find("notes"))
    assert model.place_of(tree.currentIndex()) == ("value", ("notes", "a/b"))


def test_replaying_the_same_stream_again_keeps_and_another_stream_starts_closed(qtbot, state_view):
    view, model, tree = state_view, state_view.model, state_view.tree
    _open_deep_record(qtbot, view)
    opened = _open_places(view)

    view.set_stream("orders-1", 1, 9)  # the same stream again (another projector, a reselect)
    view.show_result(_result("orders-1", 9, _state(9)), NO_CHANGES)
    assert _open_places(view) == opened
    assert model.place_of(tree.currentIndex()) == ("value", ("records", DEEP, "status"))

    view.set_stream("orders-2", 1, 9)
    view.show_result(_result("orders-2", 9, _state(9)), NO_CHANGES)
    assert not tree.isExpanded(model.find("records"))
    assert ("range", ("records",), DEEP, 0) not in _open_places(view)
    assert not tree.currentIndex().isValid()


def test_a_row_the_user_closed_stays_closed_at_the_next_version(qtbot, state_view):
    view, model, tree = state_view, state_view.model, state_view.tree
    _open_deep_record(qtbot, view)
    tree.collapse(model.find("records", DEEP))
    view.show_result(_result("orders-1", 3, _state(3)), NO_CHANGES)
    assert not tree.isExpanded(model.find("records", DEEP))
    assert tree.isExpanded(model.find("records"))


def test_a_row_opened_with_expand_all_is_opened_so_again(qtbot, state_view):
    view, model, tree = state_view, state_view.model, state_view.tree
    _open_deep_record(qtbot, view)
    tree.collapse(model.find("records", DEEP))
    tree.setCurrentIndex(model.find("records", DEEP))
    tree.setFocus()
    QtBot.keyClick(tree, Qt.Key.Key_Asterisk)  # "*": the record and its small containers
    assert tree.isExpanded(model.find("records", DEEP, "lines"))

    view.show_result(_result("orders-1", 3, _state(3)), NO_CHANGES)
    assert tree.isExpanded(model.find("records", DEEP))
    assert tree.isExpanded(model.find("records", DEEP, "lines"))


def _press(tree, modifiers) -> None:
    tree.setFocus()
    QtBot.keyClick(tree, Qt.Key.Key_C, modifiers)


def test_copy_value_and_path_of_a_state_row(qtbot, state_view):
    view, model, tree = state_view, state_view.model, state_view.tree
    clipboard = QGuiApplication.clipboard()
    _open_deep_record(qtbot, view)

    tree.setCurrentIndex(model.find("records", DEEP))
    _press(tree, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == jsontext.dumps({"id": DEEP, "status": "closed at v2", "lines": [DEEP, DEEP + 1]},
                                              indent=True)
    _press(tree, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert clipboard.text() == "/records/2000"

    tree.setCurrentIndex(model.find("total"))  # beyond 64 bits: the number as held, every digit
    tree.copy_value()
    assert clipboard.text() == str(2**70 + 2)
    tree.setCurrentIndex(model.find("rate"))
    tree.copy_value()
    assert clipboard.text() == "0.1000"
    tree.setCurrentIndex(model.find("notes", "a/b", "text"))
    tree.copy_path()
    assert clipboard.text() == "/notes/a~1b/text"


def test_a_range_group_copies_nothing(qtbot, state_view):
    model, tree = state_view.model, state_view.tree
    clipboard = QGuiApplication.clipboard()
    tree.expand(model.find("records"))
    group = model.index(2, 0, model.find("records"))
    tree.setCurrentIndex(group)
    clipboard.setText("before")
    _press(tree, Qt.KeyboardModifier.ControlModifier)  # Qt's own would copy "[2,000 … 2,502]"
    _press(tree, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert clipboard.text() == "before"

    seen: dict[str, bool] = {}

    def read_menu() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        seen.update({action.text(): action.isEnabled() for action in menu.actions()})
        menu.close()

    QTimer.singleShot(0, read_menu)
    QApplication.sendEvent(tree.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse,
                                                              tree.visualRect(group).center(), QPoint()))
    assert seen == {"Copy value": False, "Copy path": False}

    QTimer.singleShot(0, read_menu)
    record = model.find("records", 0)
    tree.expand(model.index(0, 0, model.find("records")))
    tree.scrollTo(record)
    qtbot.waitUntil(lambda: tree.visualRect(record).isValid())
    QApplication.sendEvent(tree.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse,
                                                              tree.visualRect(record).center(), QPoint()))
    assert seen == {"Copy value": True, "Copy path": True}
    assert model.place_of(tree.currentIndex()) == ("value", ("records", 0))  # the row clicked is the one copied


@pytest.fixture
def event_view(qtbot):
    from inspector.ui.widgets import EventView

    view = EventView()
    qtbot.addWidget(view)
    view.resize(700, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_copy_value_and_path_in_the_event_tab(qtbot, event_view):
    model, tree = event_view.model, event_view.tree
    clipboard = QGuiApplication.clipboard()
    event_view.show_event(Event(position=1, stream="orders-1", version=3, type="Shipped", recorded_at=T0,
                                data={"order": {"lines": [{"sku": "A-1", "qty": 2}], "weight": 1.25}},
                                metadata={"by": "ann"}))
    tree.setCurrentIndex(model.find("data", "order", "lines", 0))
    _press(tree, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == '{\n  "sku": "A-1",\n  "qty": 2\n}'  # the keys in their order
    _press(tree, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert clipboard.text() == "/data/order/lines/0"


def test_a_big_value_is_copied_off_the_gui_thread(qtbot, event_view):
    from inspector.ui.widgets import INLINE_FORMAT_LIMIT

    model, tree = event_view.model, event_view.tree
    clipboard = QGuiApplication.clipboard()
    lines = ["x" * 100 + str(i) for i in range(INLINE_FORMAT_LIMIT // 100 + 1000)]  # ~3.1 MB of text
    event_view.show_event(Event(position=1, stream="big-1", version=1, type="Imported", recorded_at=T0,
                                data={"lines": lines}, metadata={}))
    qtbot.waitUntil(lambda: event_view.copy_button.isEnabled(), timeout=10000)  # its own raw text first
    tree.setCurrentIndex(model.find("data", "lines"))
    clipboard.setText("before")
    tree.copy_value()
    assert tree.copying and clipboard.text() == "before"
    qtbot.waitUntil(lambda: not tree.copying, timeout=10000)
    assert clipboard.text() == jsontext.dumps(lines, indent=True)
