"""The stream list: streams of the store, key-paged as the view scrolls, counted live."""

from __future__ import annotations

import bisect
from dataclasses import replace
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from inspector.core.events import Event, StreamSummary, category_key, category_of_stream_name
from inspector.ui.presenting import (
    local_time,
    relative_age,
    shown_name,
    utc_time,
)
from inspector.ui.runner import TaskRunner
from inspector.ui.models.common import RIGHT, ObjectRole, SortRole, _monospace, _valid_parent


def _counted(old: StreamSummary, event: Event) -> StreamSummary | None:
    """``old`` with ``event`` counted in, or None when the row already counts it."""
    if event.version is not None and old.last_version is not None and event.version <= old.last_version:
        return None  # the page was read after the event was written: already counted
    last_at = old.last_at
    if event.recorded_at is not None and (last_at is None or event.recorded_at > last_at):
        last_at = event.recorded_at
    last_version = old.last_version
    if event.version is not None and (last_version is None or event.version > last_version):
        last_version = event.version
    return replace(old, count=old.count + 1, last_version=last_version, last_at=last_at)


class ElidingDelegate(QStyledItemDelegate):
    """Draws a cell's text elided once to the cell's text width, in the cell's own font: in the
    middle by default, so names sharing a prefix keep their distinguishing tail
    (``acl-pro…8027a2a2``); ``TYPE_NAME`` drops a type name's namespace first (``…Deposited``).

    Qt's own eliding in item views breaks a name at its hyphens and elides a piece of it
    (``acl-…``, ``cb96f5da-ef…4d6c-b7e3-…``); this elides the whole text once, every row alike.
    The full text stays in the model; an elided cell without a tooltip of its own shows the
    full text as its tooltip."""

    def __init__(self, parent: Any = None, mode: Qt.TextElideMode | str = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__(parent)
        self.mode = mode

    def paint(self, painter, option, index) -> None:
        opt = self._shown_option(option, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

    def shown_text(self, option: QStyleOptionViewItem, index: QModelIndex) -> str:
        """The text ``paint`` draws for ``index`` in ``option.rect`` (elided or whole)."""
        return self._shown_option(option, index).text

    def helpEvent(self, event, view, option, index) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.ToolTip and index.isValid() and index.data(Qt.ItemDataRole.ToolTipRole) is None:
            full = index.data(Qt.ItemDataRole.DisplayRole)
            if isinstance(full, str) and self.shown_text(option, index) != full:
                QToolTip.showText(event.globalPos(), full, view)
                return True
        return super().helpEvent(event, view, option, index)

    def _shown_option(self, option: QStyleOptionViewItem, index: QModelIndex) -> QStyleOptionViewItem:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        if opt.text:
            opt.text = elided_text(opt, style, widget, self.mode)
            opt.textElideMode = Qt.TextElideMode.ElideNone
        return opt


#: The ``ElidingDelegate`` mode for event type names (see ``elided_type_name``).
TYPE_NAME = "type name"


def elided_type_name(metrics: QFontMetrics, name: str, width: int) -> str:
    """``name`` fitted to ``width`` pixels keeping what tells types apart: a dotted name drops
    its leading parts first (``Account.Deposited`` → ``…Deposited``, ``Bank.Account.Opened`` →
    ``…Account.Opened``), then its end is elided (``Deposi…``); a name without dots is elided at
    its end (``CreditsGra…``, as the type box lists them). Unchanged when it fits."""
    if metrics.horizontalAdvance(name) <= width:
        return name
    parts = name.split(".")
    for start in range(1, len(parts)):
        candidate = "…" + ".".join(parts[start:])
        if metrics.horizontalAdvance(candidate) <= width:
            return candidate
    return metrics.elidedText(parts[-1], Qt.TextElideMode.ElideRight, width)


def elided_text(option: QStyleOptionViewItem, style: QStyle, widget: Any = None,
                mode: Qt.TextElideMode | str = Qt.TextElideMode.ElideMiddle) -> str:
    """``option.text`` elided (a Qt elide ``mode``, or ``TYPE_NAME``) to fit the text area the
    style gives the cell (its rectangle less icon and margins); unchanged when it fits."""
    rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, widget)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
    width = max(rect.width() - 2 * margin, 0)
    metrics = QFontMetrics(option.font)
    if mode == TYPE_NAME:
        return elided_type_name(metrics, option.text, width)
    return metrics.elidedText(option.text, mode, width)


class StreamListModel(QAbstractTableModel):
    """Streams of the store, fetched a key-paged page at a time as the view scrolls."""

    #: "Last" is short so the stream names get the width; its tooltip says "Last activity"
    COLUMNS = ("Stream", "Events", "Last")
    HEADER_TIPS = ("The stream's name", "Number of events in the stream", "Last activity (local time on hover)")
    STREAM, COUNT, LAST = range(3)

    #: rows arrived (or the query was exhausted); listeners such as the timeline re-read rows
    rowsLoaded = Signal()
    loadingChanged = Signal(bool)
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent=None, *, page_size: int = 200) -> None:
        super().__init__(parent)
        self._runner = runner
        self._page_size = page_size
        self._store: Any = None
        self._rows: list[StreamSummary] = []
        #: the rows' stream names, and each name's row: live events find their row at once
        self._names: list[str] = []
        self._row_of: dict[str, int] = {}
        self._match: str | None = None
        self._category: str | None = None
        self._exhausted = True
        self._loading = False
        self._generation = 0

    # --- query ---------------------------------------------------------------------
    def set_store(self, store: Any) -> None:
        self._store = store
        self.set_query(None, None)

    def set_query(self, match: str | None, category: str | None) -> None:
        self._runner.cancel("streams")
        self.beginResetModel()
        self._rows = []
        self._names = []
        self._row_of = {}
        self._match = match or None
        self._category = category or None
        self._exhausted = self._store is None
        self._loading = False
        self._generation += 1
        self.endResetModel()
        self.rowsLoaded.emit()
        if self._store is not None:
            self.fetchMore(QModelIndex())

    @property
    def query(self) -> tuple[str | None, str | None]:
        return self._match, self._category

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    # --- lazy paging ---------------------------------------------------------------
    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not _valid_parent(parent) and not self._exhausted and not self._loading

    def fetchMore(self, parent=QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        store, match, category = self._store, self._match, self._category
        after = self._rows[-1].stream if self._rows else None
        limit, generation = self._page_size, self._generation
        self._set_loading(True)
        self._runner.submit(
            "streams",
            lambda cancel, progress: store.streams(match=match, category=category, after=after, limit=limit),
            lambda page: self._on_page(generation, page),
            lambda exc: self._on_failed(generation, exc),
            label="Listing streams",
        )

    def _on_page(self, generation: int, page: list[StreamSummary]) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        if len(page) < self._page_size:
            self._exhausted = True
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self._names.extend(summary.stream for summary in page)
            self._row_of.update((summary.stream, first + i) for i, summary in enumerate(page))
            self.endInsertRows()
        self.rowsLoaded.emit()

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self._exhausted = True
        self.rowsLoaded.emit()
        self.failed.emit(f"Listing streams failed: {exc}")

    def _set_loading(self, value: bool) -> None:
        if value != self._loading:
            self._loading = value
            self.loadingChanged.emit(value)

    # --- live tail -----------------------------------------------------------------
    def add_live_events(self, events: Sequence[Event]) -> None:
        """Count new events into their streams' rows; a new stream gets a row where it sorts.

        A new stream is listed only where the key-paged list already reaches (the list is
        exhausted or the name sorts before its last row), so paging on stays gap-free.
        Rows are found by name in a dict, rebuilt once per batch that lists new streams
        (not once per stream): a batch costs its size plus one pass over the list at most.
        """
        from inspector.ui.live import stream_matches

        changed: set[str] = set()
        new: dict[str, StreamSummary] = {}
        for event in events:
            row = self._row_of.get(event.stream)
            if row is not None:
                counted = _counted(self._rows[row], event)
                if counted is not None:
                    self._rows[row] = counted
                    changed.add(event.stream)
                continue
            known = new.get(event.stream)
            if known is not None:
                new[event.stream] = _counted(known, event) or known
                continue
            if not stream_matches(event.stream, self._match, self._category):
                continue
            if not self._exhausted and (not self._names or event.stream > self._names[-1]):
                continue  # a later page will bring it
            new[event.stream] = StreamSummary(event.stream, category_of_stream_name(event.stream), 1,
                                              event.version, event.version, event.recorded_at, event.recorded_at)
        for stream in sorted(new):
            at = bisect.bisect_left(self._names, stream)
            self.beginInsertRows(QModelIndex(), at, at)
            self._rows.insert(at, new[stream])
            self._names.insert(at, stream)
            self.endInsertRows()
        if new:
            self._row_of = {name: row for row, name in enumerate(self._names)}
        rows = sorted(self._row_of[stream] for stream in changed)
        if len(rows) > 16:  # one signal for a big batch: views repaint what they show, once
            rows = [(rows[0], rows[-1])]
        else:
            rows = [(row, row) for row in rows]
        for top, bottom in rows:
            self.dataChanged.emit(self.index(top, 0), self.index(bottom, len(self.COLUMNS) - 1))
        if events:
            self.rowsLoaded.emit()

    # --- access --------------------------------------------------------------------
    def summaries(self) -> list[StreamSummary]:
        return list(self._rows)

    def summary(self, row: int) -> StreamSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, stream: str) -> int | None:
        return self._row_of.get(stream)

    # --- Qt model ------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if _valid_parent(parent) else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if _valid_parent(parent) else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.HEADER_TIPS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section == self.COUNT:
                return RIGHT
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        summary = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.STREAM:
                return shown_name(summary.stream)
            if column == self.COUNT:
                return f"{summary.count:,}"
            if column == self.LAST:
                return relative_age(summary.last_at)
        elif role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{shown_name(summary.stream)}\ncategory: {shown_name(category_key(summary.category))}\n"
                f"{summary.count:,} events, v{summary.first_version}…v{summary.last_version}\n"
                f"first: {local_time(summary.first_at)}  (UTC {utc_time(summary.first_at)})\n"
                f"last: {local_time(summary.last_at)}  (UTC {utc_time(summary.last_at)})"
            )
        elif role == Qt.ItemDataRole.TextAlignmentRole and column == self.COUNT:
            return RIGHT
        elif role == Qt.ItemDataRole.FontRole and column == self.STREAM:
            return _monospace()
        elif role == ObjectRole:
            return summary
        elif role == SortRole:
            return (summary.stream, summary.count, summary.last_at)[column]
        return None
