"""Read-only item models over the core's value objects.

The lazy models never query on the GUI thread: ``fetchMore`` asks the runner for the
next key-paged page and inserts the rows when they arrive (``canFetchMore`` is false
while a page is on its way, so views cannot pile up requests).

One model per module; import them from here (``from inspector.ui.models import EventTableModel``).
"""

from inspector.ui.models.common import (
    HIGHLIGHT,
    PROBLEM_COLOUR,
    RIGHT,
    ObjectRole,
    SortRole,
    _monospace,
    _valid_parent,
    type_icon,
)
from inspector.ui.models.diff_tree import OP_WORDS, DiffTreeModel, _DiffNode
from inspector.ui.models.event_rows import EventRowsModel
from inspector.ui.models.event_table import JUMP_CONTEXT, EventTableModel, _read_window
from inspector.ui.models.json_tree import JsonTreeModel, _Node
from inspector.ui.models.streams import StreamListModel, _counted
from inspector.ui.models.trees import _NodeTreeModel

__all__ = [
    "HIGHLIGHT",
    "JUMP_CONTEXT",
    "OP_WORDS",
    "PROBLEM_COLOUR",
    "RIGHT",
    "DiffTreeModel",
    "EventRowsModel",
    "EventTableModel",
    "JsonTreeModel",
    "ObjectRole",
    "SortRole",
    "StreamListModel",
    "_DiffNode",
    "_Node",
    "_NodeTreeModel",
    "_counted",
    "_monospace",
    "_read_window",
    "_valid_parent",
    "type_icon",
]
