"""The event type survey as a tree: each event type, and under it its payload fields with their drift marks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from inspector.core.type_drift import Drift, FieldSeen, TypeSeen, TypeSurvey, field_drift
from inspector.ui.models.common import RIGHT, ObjectRole, _monospace, type_icon
from inspector.ui.models.trees import _NodeTreeModel
from inspector.ui.presenting import local_time, utc_time

#: Colours of the drift marks: a field appeared, disappeared, changed type (or mixed types).
DRIFT_COLOURS = {"appeared": QColor("#2e7d32"), "disappeared": QColor("#c62828"),
                 "type_changed": QColor("#ef6c00"), "mixed_types": QColor("#ef6c00")}


#: the DRIFT column's marks as ``[(text, colour), ...]``, each drawn in its own colour
MarksRole = Qt.ItemDataRole.UserRole + 41


def mark_text(mark: Drift, previous: Drift | None = None) -> str:
    """One drift mark in a few words with its local time: ``+ appeared 2026-05-12 10:02:00``;
    a mark on the same day as ``previous`` (the mark before it on the field) gives the time
    only: ``− disappeared after 10:02:00``, and one at the same instant says so: a field seen
    at one moment only reads ``+ appeared 2026-05-12 10:02:00 · − disappeared after that``."""
    at = local_time(mark.at) or "?"
    before = local_time(previous.at) if previous is not None else ""
    if before and at == before:
        at = "that" if mark.kind == "disappeared" else "then"
    elif before and " " in at and at.split(" ", 1)[0] == before.split(" ", 1)[0]:
        at = at.split(" ", 1)[1]
    if mark.kind == "appeared":
        return f"+ appeared {at}"
    if mark.kind == "disappeared":
        return f"− disappeared after {at}"
    if mark.kind == "type_changed":
        return f"~ {mark.before}→{mark.after} {at}"
    return f"~ mixed types from {at}"


@dataclass(eq=False)
class _SurveyNode:
    item: Any  # a TypeSeen or a FieldSeen
    parent: "_SurveyNode | None"
    row: int
    marks: list[Drift] = field(default_factory=list)
    kind: TypeSeen | None = None  # a field's event type
    children: list["_SurveyNode"] = field(default_factory=list)


class TypeSurveyModel(_NodeTreeModel):
    """Event types (count, first and last seen, fields, drift) with their fields as children."""

    COLUMNS = ("Event type / field", "Events / present", "JSON types", "First seen", "Last seen", "Drift")
    NAME, COUNT, TYPES, FIRST, LAST, DRIFT = range(6)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._root = _SurveyNode(None, None, 0)
        self.survey: TypeSurvey | None = None
        self.only_drift = False

    def set_survey(self, survey: TypeSurvey | None, *, only_drift: bool | None = None) -> None:
        """Show ``survey`` (None: nothing); ``only_drift`` keeps only fields with a mark (and their types)."""
        if only_drift is not None:
            self.only_drift = only_drift
        self.beginResetModel()
        self.survey = survey
        self._root = _SurveyNode(None, None, 0)
        for kind in (survey.types if survey is not None else ()):
            node = _SurveyNode(kind, self._root, len(self._root.children))
            for seen in kind.fields:
                marks = field_drift(kind, seen)
                if self.only_drift and not marks:
                    continue
                child = _SurveyNode(seen, node, len(node.children), marks, kind)
                node.children.append(child)
                node.marks.extend(marks)
            if self.only_drift and not node.children:
                continue
            node.row = len(self._root.children)
            self._root.children.append(node)
        self.endResetModel()

    def drifting_fields(self) -> dict[str, list[str]]:
        """``{event type: [field, ...]}`` of the fields shown with at least one drift mark."""
        found: dict[str, list[str]] = {}
        for node in self._root.children:
            for child in node.children:
                if child.marks:
                    found.setdefault(node.item.name, []).append(child.item.name)
        return found

    def type_row(self, name: str) -> QModelIndex:
        for node in self._root.children:
            if node.item.name == name:
                return self.createIndex(node.row, 0, node)
        return QModelIndex()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: _SurveyNode = index.internalPointer()
        column = index.column()
        item = node.item
        is_field = isinstance(item, FieldSeen)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._field_text(node, column) if is_field else self._type_text(node, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (self.FIRST, self.LAST):
                return f"UTC {utc_time(item.first_at if column == self.FIRST else item.last_at)}"
            if node.marks:
                return "\n".join(mark.detail for mark in node.marks)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column == self.DRIFT and node.marks:
            return DRIFT_COLOURS.get(node.marks[0].kind) if is_field else DRIFT_COLOURS["type_changed"]
        if role == MarksRole and column == self.DRIFT:
            if not is_field:
                text = self._type_text(node, column)
                return [(text, DRIFT_COLOURS["type_changed"])] if text else []
            return [(mark_text(mark, node.marks[i - 1] if i else None), DRIFT_COLOURS.get(mark.kind, DRIFT_COLOURS["type_changed"]))
                    for i, mark in enumerate(node.marks)]
        if role == Qt.ItemDataRole.DecorationRole and column == self.NAME and not is_field:
            return type_icon(item.name)
        if role == Qt.ItemDataRole.FontRole and column == self.NAME and is_field:
            return _monospace()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COUNT:
            return RIGHT
        if role == ObjectRole:
            return item
        return None

    def _type_text(self, node: _SurveyNode, column: int) -> str:
        kind: TypeSeen = node.item
        if column == self.NAME:
            return kind.name
        if column == self.COUNT:
            return f"{kind.count:,}" + ("" if kind.count_exact else " (sample)")
        if column == self.TYPES:
            fields = len(kind.fields)
            return f"{fields:,} field{'s' if fields != 1 else ''}"
        if column == self.FIRST:
            return local_time(kind.first_at)
        if column == self.LAST:
            return local_time(kind.last_at)
        drifting = sum(1 for child in node.children if child.marks)
        return f"{drifting:,} field{'s' if drifting != 1 else ''} drifted" if drifting else ""

    def _field_text(self, node: _SurveyNode, column: int) -> str:
        seen: FieldSeen = node.item
        kind = node.kind
        assert kind is not None
        if column == self.NAME:
            return seen.name
        if column == self.COUNT:
            return f"{seen.count:,} of {kind.objects:,}"
        if column == self.TYPES:
            if len(seen.json_types) == 1:
                return seen.json_types[0].json_type
            return ", ".join(f"{one.json_type} {one.count:,}" for one in seen.json_types)
        if column == self.FIRST:
            return local_time(seen.first_at)
        if column == self.LAST:
            return local_time(seen.last_at)
        return " · ".join(mark_text(mark, node.marks[i - 1] if i else None) for i, mark in enumerate(node.marks))
