"""Live tail: poll a store for events written after the last one seen, by keyset on position.

Qt-free: the window drives ``poll`` from a timer or a worker thread; nothing already
shown is read again. Positions are the store's global order (``notification_id``,
``seq_id``, ``global_position``...). A sequence-backed position can commit out of order
(a transaction that took a lower number commits later); ``lookback`` re-reads that many
positions behind the last seen one and drops events already delivered, so such late
commits still appear.
"""

from __future__ import annotations

from collections import deque

from inspector.core.cancel import CancelToken
from inspector.core.events import Event
from inspector.stores.base import EventFilter, EventStore


class LiveTail:
    """New events since ``after_position`` (default: the store's latest when created)."""

    def __init__(
        self,
        store: EventStore,
        after_position: int | None = None,
        *,
        filters: EventFilter | None = None,
        batch: int = 500,
        max_per_poll: int = 5000,
        lookback: int = 0,
        payload_cap: int | None = None,
    ) -> None:
        self.store = store
        #: payloads over this many bytes are left in the store (``read_all(payload_cap=...)``): a
        #: window showing summaries reads a big one whole only when it is selected
        self.payload_cap = payload_cap
        self.filters = filters
        self.batch = batch
        self.max_per_poll = max_per_poll
        self.lookback = lookback
        self.position: int | None = store.latest_position() if after_position is None else after_position
        #: positions delivered (or present at the start) inside the lookback window
        self._seen: deque[int] = deque(maxlen=lookback * 2 + batch + max_per_poll)
        if lookback and self.position is not None:
            for event in store.read_all(after_position=self.position - lookback, limit=lookback, filters=filters):
                if event.position <= self.position:
                    self._seen.append(event.position)

    def poll(self, cancel: CancelToken | None = None) -> list[Event]:
        """Events after the last seen position, oldest first; at most ``max_per_poll`` per call."""
        found: list[Event] = []
        cursor = self.position
        if cursor is not None and self.lookback:
            cursor -= self.lookback
        while len(found) < self.max_per_poll:
            page = self.store.read_all(after_position=cursor, limit=self.batch, filters=self.filters, cancel=cancel,
                                       payload_cap=self.payload_cap)
            for event in page:
                if event.position in self._seen:
                    continue
                found.append(event)
                self._seen.append(event.position)
                if len(found) >= self.max_per_poll:
                    break
            if len(page) < self.batch:
                break
            cursor = page[-1].position
        if found:
            newest = max(event.position for event in found)
            self.position = newest if self.position is None else max(self.position, newest)
        return found
