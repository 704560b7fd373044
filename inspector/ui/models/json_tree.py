"""A JSON value as an expandable tree whose children are built when first shown."""

from __future__ import annotations

import weakref
from itertools import chain
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
from inspector.ui.models.common import HIGHLIGHT, RIGHT, ObjectRole, _monospace
from inspector.ui.models.trees import _NodeTreeModel


class _Node:
    """One key or index of a JSON value; its children are made the first time they are asked
    for (a view asks only for expanded nodes), so a 5 MB value opens as its top level.

    A container of more than ``GROUP`` children has range groups (``_Group``) as its children
    instead: at most ``GROUP`` of them, each holding at most ``GROUP`` rows (its items, or
    groups again), so no row of the tree has more than ``GROUP`` children.

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
        """The keys and indexes from the root to this node (range groups have none of their own)."""
        parts = []
        node: _Node | None = self
        while node is not None and node._label is None:
            if not isinstance(node, _Group):
                parts.append(node.part)
            node = node.parent
        return tuple(reversed(parts))

    @property
    def child_count(self) -> int:
        """How many keys or items the node holds (a group: how many of its container's), made
        into nodes or not."""
        value = self.value
        if isinstance(value, (dict, list)):
            return len(value)
        return len(self._children) if self._children is not None else 0

    @property
    def children(self) -> "list[_Node]":
        """The rows under this node, made the first time they are asked for: its keys or items,
        or for a container of more than ``GROUP`` of them, its range groups."""
        if self._children is None:
            value = self.value
            if isinstance(value, (dict, list)) and len(value) > GROUP:
                self._children = _groups(self, tuple(value) if isinstance(value, dict) else None, 0, len(value))
            elif isinstance(value, dict):
                self._children = [_Node(k, v, self, i) for i, (k, v) in enumerate(value.items())]
            elif isinstance(value, list):
                self._children = [_Node(i, v, self, i) for i, v in enumerate(value)]
            else:
                self._children = []
        return self._children


class _Group(_Node):
    """Rows ``start`` to ``stop - 1`` of a container of more than ``GROUP`` children: the
    container's items there (true keys or indexes, their own paths), or, for more than
    ``GROUP`` of them, groups again. A group has no path of its own; its ``value`` is its
    container's (so its items' keys read as the container's), ``keys`` the container's keys
    in order (a dict) or None (a list); ``holds`` caches whether it holds a changed path."""

    __slots__ = ("start", "stop", "keys", "holds")

    def __init__(self, container_value: Any, keys: tuple[Any, ...] | None, start: int, stop: int,
                 parent: _Node, row: int) -> None:
        super().__init__(None, container_value, parent, row)
        self.start, self.stop, self.keys = start, stop, keys
        self.holds: bool | None = None

    @property
    def key(self) -> str:
        """``[150,000 … 150,999]`` (a list's indexes) or ``first … last`` (a dict's keys); a
        group of one item names it alone: ``[1,000,000]``, ``last``."""
        if self.keys is None:
            return f"[{self.start:,}]" if self.stop - self.start == 1 else f"[{self.start:,} … {self.stop - 1:,}]"
        if self.stop - self.start == 1:
            return _short_key(self.keys[self.start])
        return f"{_short_key(self.keys[self.start])} … {_short_key(self.keys[self.stop - 1])}"

    @property
    def child_count(self) -> int:
        return self.stop - self.start

    @property
    def children(self) -> "list[_Node]":
        if self._children is None:
            start, stop, value = self.start, self.stop, self.value
            if stop - start > GROUP:
                self._children = _groups(self, self.keys, start, stop)
            elif self.keys is not None:
                self._children = [_Node(k, value[k], self, i) for i, k in enumerate(self.keys[start:stop])]
            else:
                self._children = [_Node(i, value[i], self, i - start) for i in range(start, stop)]
        return self._children

    def container(self) -> _Node:
        """The dict or list node whose rows this group holds."""
        node = self.parent
        while isinstance(node, _Group):
            node = node.parent
        assert node is not None  # the tree is alive while a view asks for its rows
        return node


#: a container of more children than this shows them as range groups of at most this many rows,
#: nested when there are more than this many groups (2,000,000 items: [0 … 999,999] →
#: [0 … 999]): a view lays out at most this many rows per expanded row, and finding record
#: 150,000 of 200,000 opens [150,000 … 150,999], not the 150,000 rows above it.
GROUP = 1000


def _groups(parent: _Node, keys: tuple[Any, ...] | None, start: int, stop: int) -> list[_Node]:
    """The range groups for rows ``start`` to ``stop - 1`` of ``parent``'s container (more than
    ``GROUP``): each ``span`` rows (the last fewer), ``span`` a power of ``GROUP`` chosen so
    there are at most ``GROUP`` groups."""
    span = GROUP
    while -(-(stop - start) // span) > GROUP:
        span *= GROUP
    value = parent.value
    return [_Group(value, keys, at, min(at + span, stop), parent, row)
            for row, at in enumerate(range(start, stop, span))]


def _short_key(key: Any, limit: int = 40) -> str:
    text = str(key)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _child_at(node: _Node, row: int) -> _Node:
    """The child of ``node`` (a dict or list node) at position ``row`` among its keys or items,
    through the range groups holding it if it has them."""
    children = node.children
    start = 0
    while children and isinstance(first := children[0], _Group):
        group = children[(row - first.start) // (first.stop - first.start)]  # groups of one span, the last shorter
        assert isinstance(group, _Group)
        start, children = group.start, group.children
    return children[row - start]


def _walk(node: _Node, path: Any) -> "_Node | None":
    """The node at ``path`` (keys and indexes) under ``node``, or None when there is none; makes
    only the rows on the way (see ``_child_at``)."""
    for part in path:
        value = node.value
        if isinstance(value, dict) and part in value:
            first = node.children[0]
            if isinstance(first, _Group) and first.keys is not None:
                row = first.keys.index(part)  # a big dict's groups hold its keys in order
            else:
                row = next(i for i, key in enumerate(value) if key == part)
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            row = part
        else:
            return None
        node = _child_at(node, row)  # builds only the levels on the way
    return node


def _escaped(part: Any) -> str:
    """One key or index as a JSON pointer writes it (``a/b`` → ``a~1b``)."""
    return str(part).replace("~", "~0").replace("/", "~1")


class JsonTreeModel(_NodeTreeModel):
    """A JSON value as an expandable tree (key, value, kind); paths may be highlighted.

    Children are built when a view first asks for them (``hasChildren`` answers without
    building), so showing a value costs its top level, not its size. A container of more than
    ``GROUP`` children shows range groups instead (``[150,000 … 150,999]``, nested past
    ``GROUP`` groups; kind "range"): expanding a 200,000-item list lays out 200 rows, and
    ``find`` of record 150,000 makes the rows of the groups on the way (at most ``GROUP`` per
    level), not the 150,000 above it. A group has no JSON path: it copies nothing
    (``ObjectRole`` is None), shows bold when it holds a changed path, and its items keep
    their own keys, indexes and pointers.
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
        """How many keys or items the node at ``index`` holds (a range group: how many of its
        container's), without building them; a view's row under it may be a range group."""
        return self._node(index).child_count

    @staticmethod
    def is_group(index: QModelIndex) -> bool:
        """Whether the row at ``index`` is a range group of a big container (no JSON value of its own)."""
        return index.isValid() and isinstance(index.internalPointer(), _Group)

    def find(self, *path: Any) -> QModelIndex:
        """The index of the node at ``path`` (keys and indexes), or an invalid index. Only the
        rows on the way are made: in a big container, those of the range groups holding it
        (at most ``GROUP`` rows a level), whatever its position."""
        node = _walk(self._root, path)
        return self.createIndex(node.row, 0, node) if node is not None and node is not self._root else QModelIndex()

    def _top(self) -> _Node:
        """The node whose keys the paths start from: the root, or the one row a value shown
        whole stands in (``set_value(..., top_level=False)``, or a value that is no dict)."""
        root = self._root
        return root.children[0] if root.value is None and root.children else root

    def place_of(self, index: QModelIndex) -> tuple[Any, ...] | None:
        """Where the row at ``index`` stands, in terms that outlive this tree (another version
        of the same state): ``("value", path)`` for a key or item (``path``: the keys and
        indexes from the top, ``()`` for a value shown whole), ``("range", container path,
        first key or index it holds, level)`` for a range group (level 0: a group right under
        its container, 1: a group inside one); None for an invalid index."""
        if not index.isValid():
            return None
        node = index.internalPointer()
        if isinstance(node, _Group):
            level, up = 0, node.parent
            while isinstance(up, _Group):
                level, up = level + 1, up.parent
            first = node.start if node.keys is None else node.keys[node.start]
            return ("range", node.container().path, first, level)
        return ("value", node.path)

    def index_of_place(self, place: tuple[Any, ...] | None) -> QModelIndex:
        """The row standing at ``place`` (as ``place_of`` gives it) in the value shown, or an
        invalid index when the value has no such row. A range group is found by the key or
        index it holds: the group holding it at that level, whatever its bounds now. Makes only
        the rows on the way (as ``find``)."""
        if not place:
            return QModelIndex()
        if place[0] == "value":
            node = _walk(self._top(), place[1])
            return self.createIndex(node.row, 0, node) if node is not None and node is not self._root else QModelIndex()
        _kind, container_path, first, level = place
        container = _walk(self._top(), container_path)
        value = container.value if container is not None else None
        if container is None or not isinstance(value, (dict, list)) or len(value) <= GROUP:
            return QModelIndex()
        if isinstance(value, dict):
            if first not in value:
                return QModelIndex()
            head = container.children[0]
            assert isinstance(head, _Group) and head.keys is not None
            row = head.keys.index(first)
        elif isinstance(first, int) and 0 <= first < len(value):
            row = first
        else:
            return QModelIndex()
        children = container.children
        for depth in range(level + 1):
            head = children[0] if children else None
            if not isinstance(head, _Group):
                return QModelIndex()  # fewer levels of groups now
            group = children[(row - head.start) // (head.stop - head.start)]
            if depth == level:
                return self.createIndex(group.row, 0, group)
            children = group.children
        return QModelIndex()

    def value_of(self, index: QModelIndex) -> Any:
        """The value held at the row ``index`` (the very object, not a copy through Qt's
        variants, which sorts a dict's keys and copies a 50 MB value); None for an invalid index
        or a range group (which holds no value: check ``is_group``; None is also JSON's null)."""
        if not index.isValid() or self.is_group(index):
            return None
        return index.internalPointer().value

    def pointer_at(self, index: QModelIndex) -> str | None:
        """The JSON pointer (RFC 6901) of the row at ``index`` (``/records/150000/status``;
        ``""`` for a value shown whole), or None for a range group or an invalid index: a range
        of rows has no path of its own."""
        if not index.isValid() or self.is_group(index):
            return None
        return json_pointer(index.internalPointer().path)

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
        if isinstance(node, _Group):
            return self._group_data(node, column, role)
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

    def _group_data(self, group: _Group, column: int, role: int) -> Any:
        """What a range group row shows: its range, how many items, kind "range"; bold and
        said in its tooltip when it holds a changed path; no value to copy."""
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.KEY:
                return group.key
            if column == self.VALUE:
                count = group.stop - group.start
                return f"{count:,} item{'s' if count != 1 else ''}"
            if column == self.KIND:
                return "range"
        elif role == Qt.ItemDataRole.ToolTipRole:
            container = group.container()
            where = json_pointer(container.path) or "/"
            total = container.child_count
            span = f"{group.start:,}" if group.stop - group.start == 1 else f"{group.start:,} … {group.stop - 1:,}"
            text = (f"{where}: {'key' if group.keys is not None else 'item'}{'s' if group.stop - group.start != 1 else ''} "
                    f"{span} of {total:,} (a range of rows, not a value)")
            return text + ("  (holds paths changed by this event)" if self._holds_changes(group) else "")
        elif role == Qt.ItemDataRole.FontRole:
            if self._holds_changes(group):
                font = _monospace() if column == self.VALUE else QFont()
                font.setBold(True)
                return font
            if column == self.VALUE:
                return _monospace()
        return None

    def _holds_changes(self, group: _Group) -> bool:
        """Whether one of ``group``'s items is a changed path or holds one (worked out once).

        Costs the fewer of the group's size and the number of marked paths: the marks are
        looked through when they are fewer, else each item's pointer is looked up, stopping at
        the first marked one (a group of 1,000 unmarked items: ~0.3 ms)."""
        if group.holds is None:
            group.holds = self._any_marked(group)
        return group.holds

    def _any_marked(self, group: _Group) -> bool:
        marked = self._marked
        ops, holders = marked.ops, marked.holders
        if not ops:
            return False
        prefix = json_pointer(group.container().path) + "/"
        start, stop, keys = group.start, group.stop, group.keys
        if len(ops) + len(holders) < stop - start:
            cut = len(prefix)
            parts = {pointer[cut:] for pointer in chain(ops, holders)
                     if pointer.startswith(prefix) and "/" not in pointer[cut:]}
            if keys is None:
                return any(part.isdigit() and start <= int(part) < stop for part in parts)
            window = keys[start:stop]
            if not {part.replace("~1", "/").replace("~0", "~") for part in parts}.isdisjoint(window):
                return True  # a dict's keys are strings (JSON's always): one set operation
            return any(_escaped(key) in parts for key in window if not isinstance(key, str))
        names = range(start, stop) if keys is None else map(_escaped, keys[start:stop])
        return any(f"{prefix}{name}" in ops or f"{prefix}{name}" in holders for name in names)
