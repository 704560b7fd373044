"""Streams whose state differs between two projectors: the stream, its version and how many paths changed."""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from inspector.ui.models.common import PROBLEM_COLOUR, RIGHT, ObjectRole, _monospace, _valid_parent
from inspector.ui.presenting import local_time, utc_time


def stopped_text(difference: Any) -> str:
    """Which side stopped where, for a difference where a projector raised (empty when none did)."""
    parts = []
    for side, stopped in (("old", difference.old_stopped), ("new", difference.new_stopped)):
        if stopped is not None:
            parts.append(f"{side} stopped at v{stopped.version} ({stopped.type}): {stopped.error}")
    return "; ".join(parts)


class StreamDifferencesModel(QAbstractTableModel):
    """``StreamDifference`` rows (``inspector.replay.category``) as a compare run yields them; at most
    ``limit`` are kept (each holds its changed paths), ``dropped`` counts the differences beyond."""

    COLUMNS = ("Stream", "Version", "Recorded", "Changed paths")
    STREAM, VERSION, RECORDED, PATHS = range(4)

    def __init__(self, parent=None, *, limit: int = 10_000) -> None:
        super().__init__(parent)
        self.limit = limit
        self._rows: list[Any] = []
        self.dropped = 0

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.dropped = 0
        self.endResetModel()

    def append(self, rows: Sequence[Any]) -> None:
        room = max(0, self.limit - len(self._rows))
        rows, self.dropped = list(rows[:room]), self.dropped + max(0, len(rows) - room)
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def streams(self) -> list[str]:
        return [row.stream for row in self._rows]

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
        stopped = stopped_text(row)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.STREAM:
                return row.stream
            if column == self.VERSION:
                return "" if row.version is None else f"v{row.version}"
            if column == self.RECORDED:
                return local_time(row.recorded_at)
            if stopped:
                return stopped
            count = len(row.changes)
            return f"{count:,} path{'s' if count != 1 else ''}"
        if role == Qt.ItemDataRole.ToolTipRole:
            when = f" (UTC {utc_time(row.recorded_at)})" if row.recorded_at is not None else ""
            paths = "\n".join(change.path or "/" for change in row.changes[:12])
            more = f"\n… {len(row.changes) - 12:,} more" if len(row.changes) > 12 else ""
            return f"{row.stream} at v{row.version}{when}\n{stopped or paths}{more}\nClick to see the changed paths"
        if role == Qt.ItemDataRole.ForegroundRole and column == self.PATHS and stopped:
            return PROBLEM_COLOUR
        if role == Qt.ItemDataRole.FontRole and column == self.STREAM:
            return _monospace()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.VERSION:
            return RIGHT
        if role == ObjectRole:
            return row
        return None
