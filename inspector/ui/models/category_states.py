"""The streams a whole-category replay found: stream, version, time and a short view of the state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from inspector.core import jsontext
from inspector.ui.models.common import RIGHT, ObjectRole, _monospace, _valid_parent
from inspector.ui.presenting import local_time, utc_time

#: Characters of a state kept per row: the row shows a preview; the State tab shows it whole.
STATE_PREVIEW = 400


@dataclass(frozen=True, slots=True)
class StateRow:
    """One matching stream as the view keeps it: the full state is not held (memory stays bounded
    however many streams match; opening the row replays the stream in the State tab)."""

    stream: str
    version: int | None
    recorded_at: datetime | None
    preview: str
    note: str | None = None

    @classmethod
    def of(cls, outcome: Any) -> "StateRow":
        """From a ``StreamOutcome`` (``inspector.replay.category``)."""
        try:
            text = jsontext.dumps(outcome.state)
        except (TypeError, ValueError, RecursionError):
            text = "(cannot be shown as JSON)"
        if len(text) > STATE_PREVIEW:
            text = text[:STATE_PREVIEW - 1] + "…"
        return cls(outcome.stream, outcome.version, outcome.recorded_at, text, outcome.state_note)


class CategoryStatesModel(QAbstractTableModel):
    """Matching streams, appended as a run finds them (at most ``limit`` rows are kept; ``dropped``
    counts the matches beyond it)."""

    COLUMNS = ("Stream", "Version", "Recorded", "State")
    STREAM, VERSION, RECORDED, STATE = range(4)

    def __init__(self, parent=None, *, limit: int = 10_000) -> None:
        super().__init__(parent)
        self.limit = limit
        self._rows: list[StateRow] = []
        self.dropped = 0

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.dropped = 0
        self.endResetModel()

    def append(self, rows: Sequence[StateRow]) -> None:
        room = max(0, self.limit - len(self._rows))
        kept, self.dropped = list(rows[:room]), self.dropped + max(0, len(rows) - room)
        if not kept:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(kept) - 1)
        self._rows.extend(kept)
        self.endInsertRows()

    def row_at(self, row: int) -> StateRow | None:
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
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.STREAM:
                return row.stream
            if column == self.VERSION:
                return "" if row.version is None else f"v{row.version}"
            if column == self.RECORDED:
                return local_time(row.recorded_at)
            return row.preview
        if role == Qt.ItemDataRole.ToolTipRole:
            where = "" if row.version is None else f" at v{row.version}"
            when = f" (UTC {utc_time(row.recorded_at)})" if row.recorded_at is not None else ""
            note = f"\n{row.note}" if row.note else ""
            return f"{row.stream}{where}{when}\n{row.preview}{note}\nClick or press Enter to open it in the State tab"
        if role == Qt.ItemDataRole.FontRole and column in (self.STREAM, self.STATE):
            return _monospace()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.VERSION:
            return RIGHT
        if role == ObjectRole:
            return row
        return None
