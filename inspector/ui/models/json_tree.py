"""A JSON value as an expandable tree whose children are built when first shown."""

from __future__ import annotations

import weakref
from itertools import islice
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from inspector.core.changed_paths import NO_CHANGES, ChangedPaths
from inspector.core.json_pieces import free_in_pieces_when_unused
from inspector.ui.presenting import (
    json_pointer,
    value_kind,
)
from inspector.ui.models.bounded_summary import bounded_short_value
from inspector.ui.models.common import HIGHLIGHT, RIGHT, ObjectRole, _monospace, _valid_parent
from inspector.ui.models.trees import _NodeTreeModel


class _Node:
    """One key or index of a JSON value; its children are made the first time they are asked
    for (a view asks only for expanded nodes), so a 5 MB value opens as its top level.

    A node keeps only its own key or index (``part``): the label and the path from the root
    are worked out when asked, which keeps an 80,000-item list cheap to open.

    A node refers to its parent weakly (its parent holds it): a tree of strong references both
    ways was a reference cycle, so a value shown and then replaced (a 50 MB payload, 1.6 million
    objects) was freed only by the cyclic collector's next full collection, 3.2 s in one call
    holding the GIL, on whichever thread it fell. Without cycles it is freed as soon as nothing
    refers to it.
    """

    __slots__ = ("part", "value", "_parent", "row", "_children", "_label", "__weakref__")

    def __init__(self, part: Any, value: Any, parent: "_Node | None", row: int, *, label: str | None = None,
                 children: "list[_Node] | None" = None) -> None:
        self.part, self.value, self.row = part, value, row
        self._parent = None if parent is None else weakref.ref(parent)  # one shared ref object per parent
        self._label = label  # a node that is no key of its parent (the root, a wrapped value)
        self._children = children

    @property
    def parent(self) -> "_Node | None":
        """The node holding this one (None for the root, or once the tree is gone)."""
        ref = self._parent
        return None if ref is None else ref()

    @property
    def key(self) -> str:
        if self._label is not None:
            return self._label
        return f"[{self.part}]" if isinstance(self.parent.value, list) else str(self.part)

    @property
    def path(self) -> tuple[Any, ...]:
        parts = []
        node = self
        while node is not None and node._label is None:
            parts.append(node.part)
            node = node.parent
        return tuple(reversed(parts))

    @property
    def child_count(self) -> int:
        """How many children the node has in all, shown to a view yet or not."""
        value = self.value
        if isinstance(value, (dict, list)):
            return len(value)
        return len(self._children) if self._children is not None else 0

    @property
    def children(self) -> "list[_Node]":
        """The children handed to a view so far: the first ``FETCH_BATCH`` when first asked
        for, more as ``grow`` is asked (a 200,000-item list opens as its first rows)."""
        if self._children is None:
            self._children = []
            self.grow(FETCH_BATCH)
        return self._children

    def grow(self, count: int) -> int:
        """Build children up to ``count`` of them (at most all); returns how many there are now."""
        children = self.children
        have, value = len(children), self.value
        count = min(count, self.child_count)
        if count <= have:
            return have
        if isinstance(value, dict):
            children.extend(_Node(k, v, self, i)
                            for i, (k, v) in enumerate(islice(value.items(), have, count), have))
        elif isinstance(value, list):
            children.extend(_Node(i, value[i], self, i) for i in range(have, count))
        return len(children)


#: how many children a container hands a view at a time: the first ones when it is expanded,
#: as many more each time the view scrolls to its last row (Qt's canFetchMore/fetchMore). Every
#: row handed over costs the view a call into Python on each layout (200,000 rows: ~3 s).
FETCH_BATCH = 1000


class JsonTreeModel(_NodeTreeModel):
    """A JSON value as an expandable tree (key, value, kind); paths may be highlighted.

    Children are built when a view first asks for them (``hasChildren`` answers without
    building), so showing a value costs its top level, not its size; a container hands them
    over ``FETCH_BATCH`` at a time (``rowCount`` is how many so far, ``canFetchMore`` /
    ``fetchMore`` give the next ones, as a view does when scrolled to the last row), so
    expanding a 200,000-item list lays out 1,000 rows, not 200,000. ``find`` and
    ``fetch_up_to`` fetch as far as a row asked for.
    """

    COLUMNS = ("Key", "Value", "Kind")
    KEY, VALUE, KIND = range(3)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._root = _Node(None, {}, None, 0, label="")
        self._value: Any = {}
        self._marked: ChangedPaths = NO_CHANGES

    def set_value(self, value: Any, highlights: dict[str, str] | ChangedPaths | None = None, *,
                  top_level: bool = True) -> None:
        """Show ``value``; a dict's keys become the top rows (``top_level``) or one root row.

        ``highlights``: the paths to mark, ``{JSON pointer: "add" | "change"}`` (its look-up is
        built here, on the GUI thread: fine for a few) or a ``ChangedPaths`` built elsewhere
        (used as it is: an event changing 150,000 paths costs nothing here)."""
        marked = highlights if isinstance(highlights, ChangedPaths) else ChangedPaths.from_ops(highlights or {})
        self.beginResetModel()
        old, shown = self._root, self._value  # freed after the reset: no view asks for its nodes then
        self._value = value
        if top_level and isinstance(value, dict):
            self._root = _Node(None, value, None, 0, label="")
        else:
            self._root = _Node(None, None, None, 0, label="", children=[])
            self._root.children.append(_Node(None, value, self._root, 0, label="value"))
        self._marked = marked
        self.endResetModel()
        if isinstance(shown, (dict, list)) and shown:
            # a state of 1.6 million objects freed at once is 0.2-0.5 s on this (the GUI) thread:
            # freed a few thousand items at a time on a thread of its own once nothing else holds it
            free_in_pieces_when_unused(shown)
        del old, shown

    def clear(self) -> None:
        self.set_value({})

    def child_count(self, index: QModelIndex) -> int:
        """How many children the node at ``index`` has, without building them."""
        return self._node(index).child_count

    def find(self, *path: Any) -> QModelIndex:
        """The index of the node at ``path`` (keys and indexes), or an invalid index. A row not
        fetched yet is fetched (``fetch_up_to``): the path is reachable however far down."""
        node = self._root
        for part in path:
            value = node.value
            if isinstance(value, dict) and part in value:
                row = next(i for i, key in enumerate(value) if key == part)
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                row = part
            else:
                return QModelIndex()
            if row >= len(node.children):
                self._grow(node, row + 1)
            node = node.children[row]  # builds only the levels on the way
        return self.createIndex(node.row, 0, node) if node is not self._root else QModelIndex()

    def fetch_up_to(self, parent: QModelIndex, row: int) -> int:
        """Hand a view the children of ``parent`` up to ``row`` (a 0-based row; rounded up to a
        whole ``FETCH_BATCH``, at most all of them); returns ``rowCount(parent)`` after."""
        return self._grow(self._node(parent), row + 1)

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802 (Qt naming)
        if _valid_parent(parent) and parent.column() != 0:
            return False
        node = self._node(parent)
        return len(node.children) < node.child_count

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802 (Qt naming)
        if _valid_parent(parent) and parent.column() != 0:
            return
        node = self._node(parent)
        self._grow(node, len(node.children) + FETCH_BATCH)

    def _grow(self, node: _Node, count: int) -> int:
        """``node``'s children up to ``count`` (rounded up to a whole batch), rows inserted as Qt asks."""
        have, total = len(node.children), node.child_count
        count = min(total, -(-count // FETCH_BATCH) * FETCH_BATCH)
        if count <= have:
            return have
        parent = self.createIndex(node.row, 0, node) if node is not self._root else QModelIndex()
        self.beginInsertRows(parent, have, count - 1)
        node.grow(count)
        self.endInsertRows()
        return count

    def value_at(self, *path: Any) -> Any:
        index = self.find(*path)
        return index.internalPointer().value if index.isValid() else None

    def highlighted(self) -> dict[str, str]:
        """The marked paths, ``{JSON pointer: "add" | "change"}`` (a copy)."""
        return dict(self._marked.ops)

    # index, rowCount and hasChildren are asked once per laid-out row (a view lays out every row
    # of an expanded container): kept to one call into Python each, no hasIndex round trip
    def index(self, row, column, parent=QModelIndex()):
        if parent is not None and parent.isValid():
            if parent.column() != 0:
                return QModelIndex()
            node = parent.internalPointer()
        else:
            node = self._root
        children = node._children if node._children is not None else node.children
        if 0 <= row < len(children) and 0 <= column < 3:
            return self.createIndex(row, column, children[row])
        return QModelIndex()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        if parent is not None and parent.isValid():
            if parent.column() != 0:
                return 0
            node = parent.internalPointer()
        else:
            node = self._root
        return len(node._children if node._children is not None else node.children)

    def hasChildren(self, parent=QModelIndex()) -> bool:  # noqa: N802 (Qt naming)
        if parent is not None and parent.isValid():
            if parent.column() != 0:
                return False
            node = parent.internalPointer()
        else:
            node = self._root
        value = node.value
        return bool(value) if isinstance(value, (dict, list)) else bool(node._children)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        column = index.column()
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.FontRole):
            pointer = json_pointer(node.path)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.KEY:
                return node.key
            if column == self.VALUE:
                if isinstance(node.value, (dict, list)):
                    return f"{len(node.value):,} item{'s' if len(node.value) != 1 else ''}"
                return bounded_short_value(node.value, 200)  # a 50 MB string is cut first
            if column == self.KIND:
                return value_kind(node.value)
        elif role == Qt.ItemDataRole.ToolTipRole:
            op = self._marked.op(pointer)
            text = f"{pointer or '/'}"
            if op:
                text += f"  ({'added' if op == 'add' else 'removed' if op == 'remove' else 'changed'} by this event)"
            return text
        elif role == Qt.ItemDataRole.BackgroundRole:
            op = self._marked.op(pointer)
            if op:
                return QBrush(HIGHLIGHT.get(op, HIGHLIGHT["change"]))
        elif role == Qt.ItemDataRole.FontRole:
            if self._marked.marks(pointer):
                font = _monospace() if column == self.VALUE else QFont()
                font.setBold(True)
                return font
            if column == self.VALUE:
                return _monospace()
        elif role == Qt.ItemDataRole.TextAlignmentRole and column == self.VALUE and value_kind(node.value) == "number":
            return RIGHT
        elif role == ObjectRole:
            return node.value
        return None
