"""Read-only item models over the core's value objects.

The lazy models never query on the GUI thread: ``fetchMore`` asks the runner for the
next key-paged page and inserts the rows when they arrive (``canFetchMore`` is false
while a page is on its way, so views cannot pile up requests).

One model per module; import them from here (``from inspector.ui.models import EventTableModel``).
"""

from inspector.ui.models.category_states import CategoryStatesModel, StateRow
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
from inspector.ui.models.projector_changes import ProjectorChangesModel
from inspector.ui.models.stopped_streams import StoppedRow, StoppedStreamsModel
from inspector.ui.models.stream_differences import StreamDifferencesModel
from inspector.ui.models.streams import StreamListModel, _counted
from inspector.ui.models.trees import _NodeTreeModel
from inspector.ui.models.type_survey import TypeSurveyModel

__all__ = [
    "HIGHLIGHT",
    "JUMP_CONTEXT",
    "OP_WORDS",
    "PROBLEM_COLOUR",
    "RIGHT",
    "CategoryStatesModel",
    "DiffTreeModel",
    "EventRowsModel",
    "EventTableModel",
    "JsonTreeModel",
    "ObjectRole",
    "ProjectorChangesModel",
    "SortRole",
    "StateRow",
    "StoppedRow",
    "StoppedStreamsModel",
    "StreamDifferencesModel",
    "StreamListModel",
    "TypeSurveyModel",
    "_DiffNode",
    "_Node",
    "_NodeTreeModel",
    "_counted",
    "_monospace",
    "_read_window",
    "_valid_parent",
    "type_icon",
]
