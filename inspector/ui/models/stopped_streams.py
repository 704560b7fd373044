"""Streams a projector stopped on: the stream, the event's version and type, and the error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from inspector.ui.models.common import PROBLEM_COLOUR, RIGHT, ObjectRole, _monospace, _valid_parent, type_icon


@dataclass(frozen=True, slots=True)
class StoppedRow:
    """A stream whose projector raised: at ``version`` (event ``type``), with ``error``; ``side``
    names the projector that raised when two are compared (empty otherwise)."""

    stream: str
    version: int | None
    type: str
    error: str
    side: str = ""

    @classmethod
    def of(cls, stream: str, stopped: Any, side: str = "") -> "StoppedRow":
        """From a ``StoppedAt`` (``inspector.replay.engine``)."""
        return cls(stream, stopped.version, stopped.type, stopped.error, side)


class StoppedStreamsModel(QAbstractTableModel):
    """Stopped streams, appended as a run reports them."""

    COLUMNS = ("Stream", "Version", "Event type", "Error")
    STREAM, VERSION, TYPE, ERROR = range(4)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[StoppedRow] = []

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def append(self, rows: Sequence[StoppedRow]) -> None:
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def row_at(self, row: int) -> StoppedRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if _valid_parent(parent) else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if _valid_parent(parent) else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.STREAM:
                return row.stream
            if column == self.VERSION:
                return "" if row.version is None else f"v{row.version}"
            if column == self.TYPE:
                return row.type
            return f"{row.side}: {row.error}" if row.side else row.error
        if role == Qt.ItemDataRole.ToolTipRole:
            who = f"{row.side} projector" if row.side else "The projector"
            return (f"{who} raised on {row.stream} v{row.version} ({row.type}):\n{row.error}\n"
                    "Click or press Enter to open the stream at that version")
        if role == Qt.ItemDataRole.ForegroundRole and column == self.ERROR:
            return PROBLEM_COLOUR
        if role == Qt.ItemDataRole.DecorationRole and column == self.TYPE:
            return type_icon(row.type)
        if role == Qt.ItemDataRole.FontRole and column == self.STREAM:
            return _monospace()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.VERSION:
            return RIGHT
        if role == ObjectRole:
            return row
        return None
