"""The stream list: streams of the store, key-paged as the view scrolls, counted live."""

from __future__ import annotations

import bisect
from dataclasses import replace
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from inspector.core.events import Event, StreamSummary, category_key, category_of_stream_name
from inspector.ui.elision import NamesApart
from inspector.ui.presenting import (
    local_time,
    relative_age,
    shown_name,
    utc_time,
)
from inspector.ui.runner import TaskRunner
from inspector.ui.models.common import RIGHT, ObjectRole, SortRole, _monospace, _valid_parent


def _counted(old: StreamSummary, event: Event, *, surely_new: bool = False) -> StreamSummary | None:
    """``old`` with ``event`` counted in, or None when the row may already count it: a version at
    or below the row's last may have been read with the page (written before it was read) or
    committed late, after a higher version was (a sequence-backed position taken by a transaction
    that commits after another's): the row cannot tell which (``StreamListModel`` asks the store).
    ``surely_new``: the row was made from live events only, each counted once (the tail delivers
    every position once)."""
    if (not surely_new and event.version is not None and old.last_version is not None
            and event.version <= old.last_version):
        return None
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
        self._columns: dict[int, _ColumnNames] = {}

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
            if self.mode == Qt.TextElideMode.ElideMiddle and index.model() is not None:
                # told apart from the column's other names (``NamesApart``)
                width = text_width(opt, style, widget)
                model, column = index.model(), index.column()
                names = self._columns.get(column)
                if names is None or names.model is not model:
                    names = self._columns[column] = _ColumnNames(model, column)
                opt.text = names.shown(opt.text, QFontMetrics(opt.font), opt.font.key(), width, widget)
            else:
                opt.text = elided_text(opt, style, widget, self.mode)
            opt.textElideMode = Qt.TextElideMode.ElideNone
        return opt


class _ColumnNames:
    """The texts of one model column, kept up to date from the model's signals (rows inserted:
    only those read), shown apart from each other (``NamesApart``)."""

    #: above this many names a cell is told apart from the rows in view only (keeping every name
    #: of a long list sorted as its pages arrive would hold the GUI thread)
    WHOLE_COLUMN = 5000

    def __init__(self, model: Any, column: int) -> None:
        self.model, self.column = model, column
        self.names = NamesApart()
        self._stale = True
        model.modelReset.connect(self._forget)
        model.layoutChanged.connect(self._forget)
        model.rowsRemoved.connect(self._forget)
        model.rowsInserted.connect(self._inserted)
        model.dataChanged.connect(lambda top, bottom, *_: self._inserted(None, top.row(), bottom.row()))

    def _forget(self, *_: Any) -> None:
        self._stale = True

    def _inserted(self, _parent: Any, first: int, last: int) -> None:
        if not self._stale:
            self.names.add(self._read(first, last))

    def _read(self, first: int, last: int) -> list[str]:
        model, column = self.model, self.column
        texts = (model.index(row, column).data(Qt.ItemDataRole.DisplayRole) for row in range(first, last + 1))
        return [text for text in texts if isinstance(text, str)]

    def shown(self, text: str, metrics: Any, font_key: str, width: float, view: Any) -> str:
        if self._stale:
            self.names = NamesApart(self._read(0, self.model.rowCount() - 1))
            self._stale = False
        if len(self.names) > self.WHOLE_COLUMN and view is not None:  # the rows in view tell it apart
            top = max(view.rowAt(0), 0)
            bottom = view.rowAt(view.viewport().height() - 1)
            bottom = self.model.rowCount() - 1 if bottom < 0 else bottom
            near = NamesApart(self._read(top, bottom) + [text])
            return near.shown(metrics, text, width)
        self.names.add((text,))
        return self.names.shown(metrics, text, width, font_key)


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


def text_width(option: QStyleOptionViewItem, style: QStyle, widget: Any = None) -> int:
    """The pixels the style gives a cell's text (its rectangle less icon and margins)."""
    rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, widget)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
    return max(rect.width() - 2 * margin, 0)


def elided_text(option: QStyleOptionViewItem, style: QStyle, widget: Any = None,
                mode: Qt.TextElideMode | str = Qt.TextElideMode.ElideMiddle) -> str:
    """``option.text`` elided (a Qt elide ``mode``, or ``TYPE_NAME``) to fit the text area the
    style gives the cell (its rectangle less icon and margins); unchanged when it fits."""
    width = text_width(option, style, widget)
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
        #: rows made from live events only (every event counted once), and rows whose count the
        #: store is asked again for (a live event the row may or may not count: ``_counted``)
        self._live_made: set[str] = set()
        self._recount_wanted: set[str] = set()
        self._recounting = False

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
        self._live_made, self._recount_wanted, self._recounting = set(), set(), False
        self._runner.cancel("stream-recount")
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
                counted = _counted(self._rows[row], event, surely_new=event.stream in self._live_made)
                if counted is not None:
                    self._rows[row] = counted
                    changed.add(event.stream)
                else:  # counted with the page, or committed late: the store says which
                    self._recount_wanted.add(event.stream)
                continue
            known = new.get(event.stream)
            if known is not None:
                new[event.stream] = _counted(known, event, surely_new=True) or known
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
            self._live_made.update(new)
        rows = sorted(self._row_of[stream] for stream in changed)
        if len(rows) > 16:  # one signal for a big batch: views repaint what they show, once
            rows = [(rows[0], rows[-1])]
        else:
            rows = [(row, row) for row in rows]
        for top, bottom in rows:
            self.dataChanged.emit(self.index(top, 0), self.index(bottom, len(self.COLUMNS) - 1))
        if events:
            self.rowsLoaded.emit()
        self._recount()

    def _recount(self) -> None:
        """Ask the store again for the rows in ``_recount_wanted``, one worker task at a time:
        each row is the one stream after the row above it in the list's own query (the list is
        key-paged in the store's order), so the store answers its count, versions and times."""
        if self._recounting or not self._recount_wanted or self._store is None:
            return
        asks, rows = [], {}
        for stream in sorted(self._recount_wanted):
            row = self._row_of.get(stream)
            if row is not None:
                asks.append((stream, self._names[row - 1] if row > 0 else None))
                rows[stream] = self._rows[row]
        self._recount_wanted = set()
        if not asks:
            return
        store, match, category, generation = self._store, self._match, self._category, self._generation

        def work(cancel, progress):
            found = []
            for stream, after in asks:
                cancel.raise_if_cancelled()
                page = store.streams(match=match, category=category, after=after, limit=1)
                if page and page[0].stream == stream:
                    found.append(page[0])
            return found

        self._recounting = True
        self._runner.submit("stream-recount", work, lambda found: self._on_recounted(generation, rows, found),
                            lambda exc: self._on_recount_failed(generation, exc), label="Counting streams again")

    def _on_recounted(self, generation: int, asked: dict[str, StreamSummary], found: list[StreamSummary]) -> None:
        if generation != self._generation:
            return
        self._recounting = False
        for summary in found:
            row = self._row_of.get(summary.stream)
            if row is None:
                continue
            if self._rows[row] is not asked.get(summary.stream):
                self._recount_wanted.add(summary.stream)  # counted on meanwhile: the answer may be older
                continue
            self._rows[row] = summary
            self._live_made.discard(summary.stream)  # the store's count: later events may be in it
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
        if found:
            self.rowsLoaded.emit()
        self._recount()

    def _on_recount_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._recounting = False
        self.failed.emit(f"Counting streams again failed: {exc}")

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
