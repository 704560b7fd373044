"""Read-only item models over the core's value objects.

The lazy models never query on the GUI thread: ``fetchMore`` asks the runner for the
next key-paged page and inserts the rows when they arrive (``canFetchMore`` is false
while a page is on its way, so views cannot pile up requests).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPixmap

from inspector.core.events import Event, StreamSummary, category_of_stream_name
from inspector.stores.base import EventFilter
from inspector.ui.presenting import (
    json_pointer,
    local_time,
    relative_age,
    short_value,
    summarize,
    type_colour,
    utc_time,
    value_kind,
)
from inspector.ui.runner import TaskRunner

#: Role holding the row's core object (StreamSummary, Event, Change or Blame).
ObjectRole = Qt.ItemDataRole.UserRole + 1
#: Role holding native, comparable values (numbers, datetimes) for sorting via a proxy.
SortRole = Qt.ItemDataRole.UserRole + 2

RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
PROBLEM_COLOUR = QColor("#d9534f")
_ICONS: dict[str, QIcon] = {}


def type_icon(event_type: str) -> QIcon:
    """A small swatch in the type's colour, shared by every view."""
    icon = _ICONS.get(event_type)
    if icon is None:
        pixmap = QPixmap(10, 10)
        pixmap.fill(QColor(type_colour(event_type)))
        icon = _ICONS[event_type] = QIcon(pixmap)
    return icon


def _valid_parent(parent: QModelIndex | QPersistentModelIndex) -> bool:
    return parent is not None and parent.isValid()


# --- streams --------------------------------------------------------------------------------
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
                return summary.stream
            if column == self.COUNT:
                return f"{summary.count:,}"
            if column == self.LAST:
                return relative_age(summary.last_at)
        elif role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{summary.stream}\ncategory: {summary.category or '—'}\n"
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


#: a jump shows about this many matching events before the wanted one
JUMP_CONTEXT = 50


def _read_window(store: Any, filters: EventFilter, position: int, context: int, limit: int,
                 cancel: Any) -> tuple[int | None, list[Event]]:
    """The first page of rows around ``position``: (the key it starts after or None, the page).

    Positions are the paging key, so "``context`` events earlier" is found by position,
    or, in one stream's table, by version (its positions may be far apart).
    """
    after = position - context - 1
    if len(filters.streams) == 1 and context:
        (stream,) = filters.streams
        hit = store.read_all(after_position=position - 1, limit=1, filters=EventFilter(streams=(stream,)),
                             cancel=cancel)
        if hit and hit[0].position == position and hit[0].version is not None:
            earlier = next(iter(store.read_stream(stream, from_version=hit[0].version - context, limit=1,
                                                  cancel=cancel)), None)
            if earlier is not None:
                after = min(after, earlier.position - 1)
    first = store.read_all(limit=1, filters=filters, cancel=cancel)
    if not first or first[0].position > after:
        after = None  # nothing is skipped: the rows start at the beginning
    return after, store.read_all(after_position=after, limit=limit, filters=filters, cancel=cancel)


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


# --- events ---------------------------------------------------------------------------------
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
                return event.stream
            if column == self.VERSION:
                return "—" if event.version is None else str(event.version)
            if column == self.TYPE:
                return event.type
            if column == self.TIME:
                return local_time(event.recorded_at)
            if column == self.ACTOR:
                return event.actor or ""
            if column == self.SUMMARY:
                return summarize(event)
        elif role == Qt.ItemDataRole.ToolTipRole:
            if column == self.TIME:
                return f"UTC {utc_time(event.recorded_at)}"
            if column == self.SUMMARY:
                return event.problem or summarize(event, limit=400)
            if column == self.ACTOR and event.actor:
                return event.actor
            if event.problem:
                return f"{event.stream} v{event.version}: {event.problem}"
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
                    event.actor, summarize(event))[column]
        return None


class EventTableModel(EventRowsModel):
    """Events matching a filter, fetched a position-keyed page at a time."""

    rowsLoaded = Signal()
    loadingChanged = Signal(bool)
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent=None, *, page_size: int = 500, channel: str = "events") -> None:
        super().__init__(parent)
        self._runner = runner
        self._page_size = page_size
        self._channel = channel
        self._store: Any = None
        self._filter = EventFilter()
        self._exhausted = True
        self._loading = False
        self._generation = 0
        self._wanted_position: int | None = None
        #: a jump asked for while the first page was loading: done only if that page lacks the event
        self._jump_when_first_page_lacks_it = False
        #: the paging key the rows start after when a jump loaded a window (None: from the start)
        self._window_after: int | None = None
        #: live events that came while a page was on its way; applied when it lands
        self._pending_live: list[Event] = []

    def set_store(self, store: Any, *, load: bool = True) -> None:
        """Read ``store``'s events (``load``), or only remember it until ``set_filter`` asks."""
        self._store = store
        if load:
            self.set_filter(EventFilter())
            return
        self._runner.cancel(self._channel)
        self.beginResetModel()
        self._rows = []
        self._row_index = None
        self._window_after = None
        self._pending_live = []
        self._filter = EventFilter()
        self._exhausted = True
        self._loading = False
        self._generation += 1
        self.endResetModel()
        self.rowsLoaded.emit()

    def set_filter(self, filters: EventFilter) -> None:
        self._runner.cancel(self._channel)
        self.beginResetModel()
        self._rows = []
        self._row_index = None
        self._window_after = None
        self._pending_live = []
        self._filter = filters
        self._exhausted = self._store is None
        self._loading = False
        self._generation += 1
        self.endResetModel()
        self.rowsLoaded.emit()
        if self._store is not None:
            self.fetchMore(QModelIndex())

    @property
    def filter(self) -> EventFilter:
        return self._filter

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    @property
    def starts_after(self) -> int | None:
        """The position the rows start after when a jump skipped earlier events (None: from the start)."""
        return self._window_after

    def want_position(self, position: int) -> None:
        """Show the event at ``position`` (for 'select everywhere').

        Unless it is loaded already, the rows are read again from just before it (about
        ``JUMP_CONTEXT`` matching events earlier), so a jump to v190000 of a 200,000-event
        stream reads one page, not 190,000 rows; paging on from there works as usual.
        """
        self._wanted_position = position
        if self._store is None or self.row_of_position(position) is not None:
            return
        if self._loading and not self._rows and self._window_after is None:
            # The first page from the start is on its way and may well hold it (a short
            # stream): look there first, and jump only if it is not in that page.
            self._jump_when_first_page_lacks_it = True
            return
        self._jump_when_first_page_lacks_it = False
        if self._rows and self._rows[0].position < position < self._rows[-1].position and self._window_after is None:
            return  # within the rows read from the start: the filter does not admit it
        self._runner.cancel(self._channel)
        self._generation += 1
        generation, store, filters, limit = self._generation, self._store, self._filter, self._page_size
        context = max(0, min(JUMP_CONTEXT, limit // 2))
        self._pending_live = []
        self._loading = True
        self.loadingChanged.emit(True)
        self._runner.submit(
            self._channel,
            lambda cancel, progress: _read_window(store, filters, position, context, limit, cancel),
            lambda window: self._on_window(generation, *window),
            lambda exc: self._on_failed(generation, exc),
            label="Reading events",
        )

    def _on_window(self, generation: int, after: int | None, page: list[Event]) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = []
        self._row_index = None
        self._window_after = after
        self._exhausted = False
        self.endResetModel()
        self._on_page(generation, page)

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not _valid_parent(parent) and not self._exhausted and not self._loading

    def fetchMore(self, parent=QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        store, filters = self._store, self._filter
        after = self._rows[-1].position if self._rows else None
        limit, generation = self._page_size, self._generation
        self._loading = True
        self.loadingChanged.emit(True)
        self._runner.submit(
            self._channel,
            lambda cancel, progress: store.read_all(after_position=after, limit=limit, filters=filters, cancel=cancel),
            lambda page: self._on_page(generation, page),
            lambda exc: self._on_failed(generation, exc),
            label="Reading events",
        )

    def _on_page(self, generation: int, page: list[Event]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self.loadingChanged.emit(False)
        if len(page) < self._page_size:
            self._exhausted = True
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._append_rows(page)
            self.endInsertRows()
        if self._exhausted and self._pending_live:
            pending, self._pending_live = self._pending_live, []
            self._insert_live(pending)
        self.rowsLoaded.emit()
        wanted = self._wanted_position
        if wanted is not None and self.row_of_position(wanted) is None and page and page[-1].position < wanted:
            if self._jump_when_first_page_lacks_it:
                self.want_position(wanted)
            else:
                self.fetchMore(QModelIndex())
        else:
            self._jump_when_first_page_lacks_it = False

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._exhausted = True
        self._pending_live = []
        self.loadingChanged.emit(False)
        self.rowsLoaded.emit()
        self.failed.emit(f"Reading events failed: {exc}")

    # --- live tail -----------------------------------------------------------------
    def add_live_events(self, events: Sequence[Event]) -> int:
        """Append the new events the current filter admits, without re-reading the rows shown.

        Only once the table has read to its end: before that, paging on reaches them anyway
        (and appending would move the paging key past unread rows). Returns rows added.
        """
        from inspector.ui.live import event_matches

        wanted = [event for event in events if event_matches(self._filter, event)]
        if not wanted or self._store is None:
            return 0
        if self._loading:
            self._pending_live.extend(wanted)
            return 0
        if not self._exhausted:
            return 0
        added = self._insert_live(wanted)
        if added:
            self.rowsLoaded.emit()
        return added

    def _insert_live(self, events: Sequence[Event]) -> int:
        ordered = sorted({event.position: event for event in events}.values(), key=lambda e: e.position)
        last = self._rows[-1].position if self._rows else None
        tail = [event for event in ordered if last is None or event.position > last]
        late = [event for event in ordered if last is not None and event.position <= last]
        added = 0
        if late:  # a lower position committed late (lookback): it goes where it sorts
            positions = [row.position for row in self._rows]
            for event in late:
                at = bisect.bisect_left(positions, event.position)
                if at < len(positions) and positions[at] == event.position:
                    continue  # already shown
                self.beginInsertRows(QModelIndex(), at, at)
                self._rows.insert(at, event)
                self._row_index = None  # the rows after it moved down
                positions.insert(at, event.position)
                self.endInsertRows()
                added += 1
        if tail:  # the usual case: newer than everything shown, appended in one go
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(tail) - 1)
            self._append_rows(tail)
            self.endInsertRows()
            added += len(tail)
        return added


# --- JSON tree ------------------------------------------------------------------------------
class _Node:
    """One key or index of a JSON value; its children are made the first time they are asked
    for (a view asks only for expanded nodes), so a 5 MB value opens as its top level.

    A node keeps only its own key or index (``part``): the label and the path from the root
    are worked out when asked, which keeps an 80,000-item list cheap to open.
    """

    __slots__ = ("part", "value", "parent", "row", "_children", "_label")

    def __init__(self, part: Any, value: Any, parent: "_Node | None", row: int, *, label: str | None = None,
                 children: "list[_Node] | None" = None) -> None:
        self.part, self.value, self.parent, self.row = part, value, parent, row
        self._label = label  # a node that is no key of its parent (the root, a wrapped value)
        self._children = children

    @property
    def key(self) -> str:
        if self._label is not None:
            return self._label
        return f"[{self.part}]" if isinstance(self.parent.value, list) else str(self.part)

    @property
    def path(self) -> tuple[Any, ...]:
        parts = []
        node = self
        while node is not None and node._label is None:
            parts.append(node.part)
            node = node.parent
        return tuple(reversed(parts))

    @property
    def child_count(self) -> int:
        if self._children is not None:
            return len(self._children)
        return len(self.value) if isinstance(self.value, (dict, list)) else 0

    @property
    def children(self) -> "list[_Node]":
        if self._children is None:
            value = self.value
            if isinstance(value, dict):
                self._children = [_Node(k, v, self, i) for i, (k, v) in enumerate(value.items())]
            elif isinstance(value, list):
                self._children = [_Node(i, v, self, i) for i, v in enumerate(value)]
            else:
                self._children = []
        return self._children


HIGHLIGHT = {"add": QColor(76, 175, 80, 90), "remove": QColor(229, 57, 53, 90), "change": QColor(255, 179, 0, 100)}


class _NodeTreeModel(QAbstractItemModel):
    """Tree navigation shared by the JSON and diff trees: nodes with ``children``, ``parent`` and ``row``.

    Subclasses set ``self._root`` and say what each node shows.
    """

    _root: Any
    COLUMNS: tuple[str, ...] | list[str]

    def _node(self, index: QModelIndex) -> Any:
        return index.internalPointer() if index.isValid() else self._root

    def index(self, row, column, parent=QModelIndex()):
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        node = self._node(parent)
        if 0 <= row < len(node.children):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index=QModelIndex()):  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        parent = index.internalPointer().parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent)

    def rowCount(self, parent=QModelIndex()) -> int:
        if _valid_parent(parent) and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent=QModelIndex()) -> int:
        return len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None


class JsonTreeModel(_NodeTreeModel):
    """A JSON value as an expandable tree (key, value, kind); paths may be highlighted.

    Children are built when a view first asks for them (``hasChildren`` answers without
    building), so showing a value costs its top level, not its size.
    """

    COLUMNS = ("Key", "Value", "Kind")
    KEY, VALUE, KIND = range(3)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._root = _Node(None, {}, None, 0, label="")
        self._highlights: dict[str, str] = {}
        self._ancestors: set[str] = set()

    def set_value(self, value: Any, highlights: dict[str, str] | None = None, *, top_level: bool = True) -> None:
        """Show ``value``; a dict's keys become the top rows (``top_level``) or one root row."""
        self.beginResetModel()
        if top_level and isinstance(value, dict):
            self._root = _Node(None, value, None, 0, label="")
        else:
            self._root = _Node(None, None, None, 0, label="", children=[])
            self._root.children.append(_Node(None, value, self._root, 0, label="value"))
        self._highlights = dict(highlights or {})
        self._ancestors = set()
        for pointer in self._highlights:
            parts = pointer.split("/")[1:]
            for depth in range(1, len(parts)):
                self._ancestors.add("/" + "/".join(parts[:depth]))
        self.endResetModel()

    def clear(self) -> None:
        self.set_value({})

    def child_count(self, index: QModelIndex) -> int:
        """How many children the node at ``index`` has, without building them."""
        return self._node(index).child_count

    def find(self, *path: Any) -> QModelIndex:
        """The index of the node at ``path`` (keys and indexes), or an invalid index."""
        node = self._root
        for part in path:
            value = node.value
            if isinstance(value, dict) and part in value:
                row = next(i for i, key in enumerate(value) if key == part)
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                row = part
            else:
                return QModelIndex()
            node = node.children[row]  # builds only the levels on the way
        return self.createIndex(node.row, 0, node) if node is not self._root else QModelIndex()

    def value_at(self, *path: Any) -> Any:
        index = self.find(*path)
        return index.internalPointer().value if index.isValid() else None

    def highlighted(self) -> dict[str, str]:
        return dict(self._highlights)

    def hasChildren(self, parent=QModelIndex()) -> bool:  # noqa: N802 (Qt naming)
        if _valid_parent(parent) and parent.column() != 0:
            return False
        return self._node(parent).child_count > 0

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()
        column = index.column()
        pointer = json_pointer(node.path)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.KEY:
                return node.key
            if column == self.VALUE:
                if isinstance(node.value, (dict, list)):
                    return f"{len(node.value)} item{'s' if len(node.value) != 1 else ''}"
                return short_value(node.value, 200)
            if column == self.KIND:
                return value_kind(node.value)
        elif role == Qt.ItemDataRole.ToolTipRole:
            op = self._highlights.get(pointer)
            text = f"{pointer or '/'}"
            if op:
                text += f"  ({'added' if op == 'add' else 'removed' if op == 'remove' else 'changed'} by this event)"
            return text
        elif role == Qt.ItemDataRole.BackgroundRole:
            op = self._highlights.get(pointer)
            if op:
                return QBrush(HIGHLIGHT.get(op, HIGHLIGHT["change"]))
        elif role == Qt.ItemDataRole.FontRole:
            if pointer in self._ancestors or pointer in self._highlights:
                font = _monospace() if column == self.VALUE else QFont()
                font.setBold(True)
                return font
            if column == self.VALUE:
                return _monospace()
        elif role == Qt.ItemDataRole.TextAlignmentRole and column == self.VALUE and value_kind(node.value) == "number":
            return RIGHT
        elif role == ObjectRole:
            return node.value
        return None


# --- diff -----------------------------------------------------------------------------------
@dataclass(eq=False)
class _DiffNode:
    item: Any  # a Change or a Blame
    parent: "_DiffNode | None"
    row: int
    children: list["_DiffNode"] = field(default_factory=list)


OP_WORDS = {"add": "added", "remove": "removed", "change": "changed"}


class DiffTreeModel(_NodeTreeModel):
    """Changed paths of a StateDiff, each with the events that changed it (blame) as children."""

    COLUMNS = ("Path", "Change", "Before (A)", "After (B)", "Changed by")
    PATH, OP, BEFORE, AFTER, BLAME = range(5)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._root = _DiffNode(None, None, 0)

    def set_changes(self, changes: list[Any]) -> None:
        self.beginResetModel()
        self._root = _DiffNode(None, None, 0)
        for row, change in enumerate(changes):
            node = _DiffNode(change, self._root, row)
            node.children = [_DiffNode(blame, node, i) for i, blame in enumerate(change.events or [])]
            self._root.children.append(node)
        self.endResetModel()

    def paths(self) -> list[str]:
        return [node.item.path for node in self._root.children]

    def change_at(self, path: str) -> Any:
        return next((node.item for node in self._root.children if node.item.path == path), None)

    def index_of_path(self, path: str) -> QModelIndex:
        for node in self._root.children:
            if node.item.path == path:
                return self.createIndex(node.row, 0, node)
        return QModelIndex()

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: _DiffNode = index.internalPointer()
        column = index.column()
        is_blame = node.parent is not self._root
        item = node.item
        if role == Qt.ItemDataRole.DisplayRole:
            if is_blame:
                if column == self.PATH:
                    who = " · ".join(part for part in (item.actor or "", local_time(item.recorded_at)) if part)
                    return f"v{item.version} {item.type}" + (f" · {who}" if who else "")
                if column == self.BLAME:
                    return " · ".join(part for part in (item.actor or "", local_time(item.recorded_at)) if part)
                return None
            if column == self.PATH:
                return item.path or "/"
            if column == self.OP:
                return OP_WORDS.get(item.op, item.op)
            if column == self.BEFORE:
                return "" if item.op == "add" else short_value(item.before, 60)
            if column == self.AFTER:
                return "" if item.op == "remove" else short_value(item.after, 60)
            if column == self.BLAME:
                events = item.events or []
                if not events:
                    return "—"
                last = events[-1]
                others = len(events) - 1 + getattr(item, "events_omitted", 0)
                more = f" (+{others:,} more)" if others else ""
                return f"v{last.version} {last.type}{more}"
        elif role == Qt.ItemDataRole.ToolTipRole:
            if is_blame:
                return (f"v{item.version} {item.type}\nactor: {item.actor or '—'}\n"
                        f"{local_time(item.recorded_at)} (UTC {utc_time(item.recorded_at)})\n"
                        "Double-click to show this event")
            omitted = getattr(item, "events_omitted", 0)
            note = (f"\n{len(item.events):,} latest changing events listed; {omitted:,} earlier ones left out"
                    if omitted else "")
            return f"{item.path}: {short_value(item.before, 200)} → {short_value(item.after, 200)}{note}"
        elif role == Qt.ItemDataRole.BackgroundRole and not is_blame and column in (self.PATH, self.OP):
            return QBrush(HIGHLIGHT.get(item.op, HIGHLIGHT["change"]))
        elif role == Qt.ItemDataRole.DecorationRole and is_blame and column == self.PATH:
            return type_icon(item.type)
        elif role == Qt.ItemDataRole.FontRole and column in (self.PATH, self.BEFORE, self.AFTER) and not is_blame:
            return _monospace()
        elif role == ObjectRole:
            return item
        return None


_MONO: QFont | None = None


def _monospace() -> QFont:
    global _MONO
    if _MONO is None:
        from PySide6.QtGui import QFontDatabase

        _MONO = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    return QFont(_MONO)
