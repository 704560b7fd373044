"""A state diff as a tree: each changed path with the events that changed it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush

from inspector.ui.presenting import (
    local_time,
    short_value,
    utc_time,
)
from inspector.ui.models.common import HIGHLIGHT, ObjectRole, _monospace, type_icon
from inspector.ui.models.trees import _NodeTreeModel


@dataclass(eq=False)
class _DiffNode:
    item: Any  # a Change or a Blame
    parent: "_DiffNode | None"
    row: int
    children: list["_DiffNode"] = field(default_factory=list)


OP_WORDS = {"add": "added", "remove": "removed", "change": "changed"}


class DiffTreeModel(_NodeTreeModel):
    """Changed paths of a StateDiff, each with the events that changed it (blame) as children.

    The paths are handed to the view ``PATHS_AT_A_TIME`` at a time (``canFetchMore`` /
    ``fetchMore``: the view asks for more as its list is scrolled to the end), so a diff of
    150,000 paths makes and lays out rows for the first thousand only, not all of them on the
    GUI thread."""

    COLUMNS = ("Path", "Change", "Before (A)", "After (B)", "Changed by")
    PATH, OP, BEFORE, AFTER, BLAME = range(5)
    PATHS_AT_A_TIME = 1_000

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._root = _DiffNode(None, None, 0)
        self._changes: list[Any] = []

    def set_changes(self, changes: list[Any]) -> None:
        self.beginResetModel()
        self._root = _DiffNode(None, None, 0)
        self._changes = list(changes)
        self._add_paths(self.PATHS_AT_A_TIME)
        self.endResetModel()

    def _add_paths(self, count: int) -> None:
        start = len(self._root.children)
        for row in range(start, min(start + count, len(self._changes))):
            self._root.children.append(self._path_node(row, self._changes[row]))

    def _path_node(self, row: int, change: Any) -> _DiffNode:
        node = _DiffNode(change, self._root, row)
        node.children = [_DiffNode(blame, node, i) for i, blame in enumerate(change.events or [])]
        return node

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802 (Qt naming)
        return not parent.isValid() and len(self._root.children) < len(self._changes)

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802 (Qt naming)
        if not self.canFetchMore(parent):
            return
        start = len(self._root.children)
        end = min(start + self.PATHS_AT_A_TIME, len(self._changes))
        self.beginInsertRows(QModelIndex(), start, end - 1)
        self._add_paths(end - start)
        self.endInsertRows()

    def path_count(self) -> int:
        """Every changed path, listed in the view yet or not."""
        return len(self._changes)

    def paths(self) -> list[str]:
        return [change.path for change in self._changes]

    def change_at(self, path: str) -> Any:
        return next((change for change in self._changes if change.path == path), None)

    def index_of_path(self, path: str) -> QModelIndex:
        """The row of ``path``, the rows before it handed to the view first when it was not yet."""
        row = next((row for row, change in enumerate(self._changes) if change.path == path), None)
        if row is None:
            return QModelIndex()
        while row >= len(self._root.children):
            self.fetchMore()
        return self.createIndex(row, 0, self._root.children[row])

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: _DiffNode = index.internalPointer()
        column = index.column()
        is_blame = node.parent is not self._root
        item = node.item
        if role == Qt.ItemDataRole.DisplayRole:
            if is_blame:
                if column == self.PATH:
                    who = " · ".join(part for part in (item.actor or "", local_time(item.recorded_at)) if part)
                    return f"v{item.version} {item.type}" + (f" · {who}" if who else "")
                if column == self.BLAME:
                    return " · ".join(part for part in (item.actor or "", local_time(item.recorded_at)) if part)
                return None
            if column == self.PATH:
                return item.path or "/"
            if column == self.OP:
                return OP_WORDS.get(item.op, item.op)
            if column == self.BEFORE:
                return "" if item.op == "add" else short_value(item.before, 60)
            if column == self.AFTER:
                return "" if item.op == "remove" else short_value(item.after, 60)
            if column == self.BLAME:
                events = item.events or []
                if not events:
                    return "—"
                last = events[-1]
                others = len(events) - 1 + getattr(item, "events_omitted", 0)
                more = f" (+{others:,} more)" if others else ""
                return f"v{last.version} {last.type}{more}"
        elif role == Qt.ItemDataRole.ToolTipRole:
            if is_blame:
                return (f"v{item.version} {item.type}\nactor: {item.actor or '—'}\n"
                        f"{local_time(item.recorded_at)} (UTC {utc_time(item.recorded_at)})\n"
                        "Double-click to show this event")
            omitted = getattr(item, "events_omitted", 0)
            note = (f"\n{len(item.events):,} latest changing events listed; {omitted:,} earlier ones left out"
                    if omitted else "")
            return f"{item.path}: {short_value(item.before, 200)} → {short_value(item.after, 200)}{note}"
        elif role == Qt.ItemDataRole.BackgroundRole and not is_blame and column in (self.PATH, self.OP):
            return QBrush(HIGHLIGHT.get(item.op, HIGHLIGHT["change"]))
        elif role == Qt.ItemDataRole.DecorationRole and is_blame and column == self.PATH:
            return type_icon(item.type)
        elif role == Qt.ItemDataRole.FontRole and column in (self.PATH, self.BEFORE, self.AFTER) and not is_blame:
            return _monospace()
        elif role == ObjectRole:
            return item
        return None
