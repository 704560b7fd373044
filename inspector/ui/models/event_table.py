"""Events matching a filter, fetched a position-keyed page at a time, with jumps to far events."""

from __future__ import annotations

import bisect
from typing import Any, Sequence

from PySide6.QtCore import QModelIndex, Signal

from inspector.core.events import Event
from inspector.stores.base import EventFilter
from inspector.ui.runner import TaskRunner
from inspector.ui.models.common import _valid_parent
from inspector.ui.models.event_rows import EventRowsModel

#: a jump shows about this many matching events before the wanted one
JUMP_CONTEXT = 50
#: pages leave out payloads longer than this many bytes (the Event tab reads such an event whole,
#: on a worker): a row needs a summary only, and decoding a 50 MB payload holds the GIL, and so
#: the GUI thread, for a second or more
PAYLOAD_CAP = 1_000_000


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
                             cancel=cancel, payload_cap=PAYLOAD_CAP)
        if hit and hit[0].position == position and hit[0].version is not None:
            earlier = next(iter(store.read_stream(stream, from_version=hit[0].version - context, limit=1,
                                                  cancel=cancel, payload_cap=PAYLOAD_CAP)), None)
            if earlier is not None:
                after = min(after, earlier.position - 1)
    first = store.read_all(limit=1, filters=filters, cancel=cancel, payload_cap=PAYLOAD_CAP)
    if not first or first[0].position > after:
        after = None  # nothing is skipped: the rows start at the beginning
    return after, store.read_all(after_position=after, limit=limit, filters=filters, cancel=cancel,
                                 payload_cap=PAYLOAD_CAP)



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
            lambda cancel, progress: store.read_all(after_position=after, limit=limit, filters=filters, cancel=cancel,
                                                    payload_cap=PAYLOAD_CAP),
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
