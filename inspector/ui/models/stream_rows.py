"""What the whole-category result tables share: one row per stream, appended as a run finds them.

``StreamRowsModel`` is the base of ``CategoryStatesModel`` (States), ``StreamDifferencesModel``
(Compare) and ``StoppedStreamsModel`` (both): rows are objects with ``stream`` and ``version``;
column 0 is the stream (monospace), column 1 its version (``v42``, right-aligned); a subclass
says the other columns (``cell``), the tooltip and which cell shows a problem in red. At most
``limit`` rows are kept (None: all); ``dropped`` counts the rows offered beyond it, so memory
stays bounded however many streams a run reports.
"""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from inspector.ui.models.common import PROBLEM_COLOUR, RIGHT, ObjectRole, _monospace, _valid_parent
from inspector.ui.presenting import shown_name


class StreamRowsModel(QAbstractTableModel):
    """Rows with ``stream`` and ``version``, appended in the order a run reports them."""

    #: Column titles; the first two are always the stream and its version.
    COLUMNS: tuple[str, ...] = ("Stream", "Version")
    STREAM, VERSION = 0, 1
    #: Columns shown in the monospace font besides the stream's.
    MONOSPACE: tuple[int, ...] = ()

    def __init__(self, parent=None, *, limit: int | None = 10_000) -> None:
        super().__init__(parent)
        self.limit = limit
        self._rows: list[Any] = []
        #: rows offered beyond ``limit``: counted, not kept
        self.dropped = 0

    # --- for subclasses -------------------------------------------------------------------
    def cell(self, row: Any, column: int) -> str:
        """The text of a column after the version."""
        raise NotImplementedError

    def tooltip(self, row: Any) -> str:
        return row.stream

    def problem(self, row: Any, column: int) -> bool:
        """True where the cell says what went wrong (shown in red)."""
        return False

    def decoration(self, row: Any, column: int) -> Any:
        return None

    # --- rows -----------------------------------------------------------------------------
    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.dropped = 0
        self.endResetModel()

    def append(self, rows: Sequence[Any]) -> None:
        """Add ``rows`` at the end (those beyond ``limit`` are only counted in ``dropped``)."""
        room = len(rows) if self.limit is None else max(0, self.limit - len(self._rows))
        kept = list(rows[:room])
        self.dropped += len(rows) - len(kept)
        if not kept:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(kept) - 1)
        self._rows.extend(kept)
        self.endInsertRows()

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def streams(self) -> list[str]:
        return [row.stream for row in self._rows]

    # --- QAbstractTableModel ----------------------------------------------------------------
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
                return shown_name(row.stream)
            if column == self.VERSION:
                return "" if row.version is None else f"v{row.version}"
            return self.cell(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole and self.problem(row, column):
            return PROBLEM_COLOUR
        if role == Qt.ItemDataRole.DecorationRole:
            return self.decoration(row, column)
        if role == Qt.ItemDataRole.FontRole and (column == self.STREAM or column in self.MONOSPACE):
            return _monospace()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.VERSION:
            return RIGHT
        if role == ObjectRole:
            return row
        return None
