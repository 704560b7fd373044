"""A table of events: position, stream, version, type, time, actor, summary."""

from __future__ import annotations

from typing import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush

from inspector.core.events import Event
from inspector.core.terminal import printable
from inspector.stores.lazy import left_out, size_text
from inspector.ui.models.bounded_summary import table_summary
from inspector.ui.presenting import (
    local_time,
    shown_name,
    utc_time,
)
from inspector.ui.models.common import PROBLEM_COLOUR, RIGHT, ObjectRole, SortRole, _monospace, _valid_parent, type_icon


def row_summary(event: Event, limit: int = 90) -> str:
    """The Summary cell: ``table_summary``, or, for a payload the page left out (a capped read),
    its size and where it is shown ("52.4 MB payload, shown in the Event tab"). Control characters
    in values read as escapes (``printable``: ``\x1b``, ``\x1c``), as the CLI's summary prints them
    and as the names beside them are shown."""
    marker = left_out(event)
    if marker is not None:
        return f"{size_text(marker.size)} payload, shown in the Event tab"
    return printable(table_summary(event, limit))


class EventRowsModel(QAbstractTableModel):
    """A table of events (position, stream, version, type, time, actor, summary)."""

    COLUMNS = ("Position", "Stream", "Version", "Type", "Time", "Actor", "Summary")
    POSITION, STREAM, VERSION, TYPE, TIME, ACTOR, SUMMARY = range(7)
    NUMERIC = (POSITION, VERSION)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Event] = []
        #: position -> row, built when first asked after the rows were replaced or shifted
        self._row_index: dict[int, int] | None = None

    def set_events(self, events: list[Event]) -> None:
        self.beginResetModel()
        self._rows = list(events)
        self._row_index = None
        self.endResetModel()

    def events(self) -> list[Event]:
        return list(self._rows)

    def event_at(self, row: int) -> Event | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_position(self, position: int) -> int | None:
        if self._row_index is None:
            self._row_index = {event.position: row for row, event in enumerate(self._rows)}
        return self._row_index.get(position)

    def _append_rows(self, events: Sequence[Event]) -> None:
        """Append ``events`` as rows (inside begin/endInsertRows), keeping the index current."""
        first = len(self._rows)
        self._rows.extend(events)
        if self._row_index is not None:
            self._row_index.update((event.position, first + i) for i, event in enumerate(events))

    def row_of_version(self, stream: str, version: int) -> int | None:
        for row, event in enumerate(self._rows):
            if event.stream == stream and event.version == version:
                return row
        return None

    def _rows_key(self) -> tuple[int, int | None, int | None]:
        rows = self._rows
        return len(rows), rows[0].position if rows else None, rows[-1].position if rows else None

    def shows_milliseconds(self) -> bool:
        """Whether the Time column gives milliseconds: two neighbouring rows share a second
        (events written in one burst would all read the same time to the second)."""
        key = self._rows_key()
        if getattr(self, "_milliseconds_key", None) != key:
            seconds = [int(e.recorded_at.timestamp()) for e in self._rows if e.recorded_at is not None]
            self._milliseconds = any(a == b for a, b in zip(seconds, seconds[1:]))
            self._milliseconds_key = key
        return self._milliseconds

    def has_actors(self) -> bool:
        """Whether any row names an actor (an empty Actor column gives its width to Summary)."""
        key = self._rows_key()
        if getattr(self, "_actors_key", None) != key:
            self._actors = any(event.actor for event in self._rows)
            self._actors_key = key
        return self._actors

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if _valid_parent(parent) else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if _valid_parent(parent) else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section in self.NUMERIC:
                return RIGHT
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        event = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.POSITION:
                return str(event.position)
            if column == self.STREAM:
                return shown_name(event.stream)  # "order " apart from order, as the stream list shows it
            if column == self.VERSION:
                return "—" if event.version is None else str(event.version)
            if column == self.TYPE:
                return shown_name(event.type)
            if column == self.TIME:
                if event.recorded_at is not None and self.shows_milliseconds():
                    return f"{local_time(event.recorded_at)}.{event.recorded_at.microsecond // 1000:03d}"
                return local_time(event.recorded_at)
            if column == self.ACTOR:
                return event.actor or ""
            if column == self.SUMMARY:
                return row_summary(event)
        elif role == Qt.ItemDataRole.ToolTipRole:
            if column == self.TIME:
                return f"UTC {utc_time(event.recorded_at)}"
            if column == self.SUMMARY:
                return event.problem or row_summary(event, limit=400)
            if column == self.ACTOR and event.actor:
                return event.actor
            if event.problem:
                return f"{shown_name(event.stream)} v{event.version}: {event.problem}"
        elif role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return RIGHT
        elif role == Qt.ItemDataRole.DecorationRole and column == self.TYPE:
            return type_icon(event.type)
        elif role == Qt.ItemDataRole.ForegroundRole and event.problem:
            return QBrush(PROBLEM_COLOUR)
        elif role == Qt.ItemDataRole.FontRole and column in (self.POSITION, self.STREAM, self.VERSION):
            return _monospace()
        elif role == ObjectRole:
            return event
        elif role == SortRole:
            return (event.position, event.stream, event.version, event.type, event.recorded_at,
                    event.actor, row_summary(event))[column]
        return None
