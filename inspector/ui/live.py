"""Follow live and reconnect: the two things the window does on a timer.

``LiveFollower`` polls a ``LiveTail`` on the runner about once a second (the next poll is
scheduled only when the previous one has answered, so slow servers never pile polls up)
and hands new events to the window, which appends them to what is shown instead of
reloading it. ``Reconnector`` takes over when any store call reports ``ConnectionLost``:
it probes the store with growing delays, off the GUI thread, until a call succeeds.
"""

from __future__ import annotations

from typing import Any, Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from inspector.core.events import Event, category_of_stream_name, in_category
from inspector.core.matching import accepts
from inspector.core.matching import stream_matches as pattern_matches
from inspector.stores.base import ConnectionLost, EventFilter
from inspector.ui.runner import TaskRunner

#: Seconds between reconnect probes: quick at first, then no more than every 15 s.
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


def event_matches(filters: EventFilter, event: Event) -> bool:
    """Whether ``event`` passes ``filters``, judged in Python as the stores' fallback does.

    Live events arrive unfiltered (the timeline and the stream list need all of them);
    the table keeps only those its current filter would have read.
    """
    return accepts(filters, event)


def stream_matches(stream: str, match: str | None, category: str | None) -> bool:
    """Whether a newly seen stream belongs in a list queried with ``match`` and ``category``
    (the stores' stream-pattern rule, ``inspector.core.matching``)."""
    if category is not None and not in_category(category_of_stream_name(stream), category):
        return False
    return pattern_matches(stream, match)


class LiveFollower(QObject):
    """Polls for events written after the last one seen while following is on."""

    #: new events, oldest first (a list of Event), on the GUI thread
    eventsArrived = Signal(object)
    #: a poll failed for a reason other than a lost connection (that one the runner reports)
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None, *, interval_ms: int = 1000) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store: Any = None
        self._after: int | None = None
        self._lookback = 0
        self._tail: Any = None
        self._following = False
        self._paused = False
        self._generation = 0
        self.polls = 0
        #: milliseconds between the answer to one poll and the next poll
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._poll)

    @property
    def following(self) -> bool:
        return self._following

    @property
    def paused(self) -> bool:
        return self._paused

    def set_store(self, store: Any, after_position: int | None, *, lookback: int = 0) -> None:
        """Follow ``store`` from ``after_position`` (None: from its latest event when following starts)."""
        self._store = store
        self._after = after_position
        self._lookback = lookback
        self._tail = None
        self._generation += 1
        self._runner.cancel("tail")
        if self._following and store is not None:
            self._timer.start(0)

    def start(self) -> None:
        if self._following:
            return
        self._following = True
        self._paused = False
        if self._store is not None:
            self._timer.start(0)

    def stop(self) -> None:
        self._following = False
        self._timer.stop()
        self._runner.cancel("tail")

    def pause(self) -> None:
        """Stop polling until ``resume`` (while the connection is being restored)."""
        self._paused = True
        self._timer.stop()
        self._runner.cancel("tail")

    def resume(self) -> None:
        self._paused = False
        if self._following and self._store is not None:
            self._timer.start(0)

    def _poll(self) -> None:
        if not self._following or self._paused or self._store is None:
            return
        store, tail, after, lookback = self._store, self._tail, self._after, self._lookback
        generation = self._generation

        def work(cancel, progress):
            from inspector.stores.tail import LiveTail
            from inspector.ui.models.event_table import PAYLOAD_CAP

            # big payloads stay in the store, as on the table's pages: read whole when selected
            current = tail or LiveTail(store, after, lookback=lookback, payload_cap=PAYLOAD_CAP)
            return current, current.poll(cancel)

        self._runner.submit("tail", work, lambda result: self._on_polled(generation, *result),
                            lambda exc: self._on_failed(generation, exc), label="Following live")

    def _on_polled(self, generation: int, tail: Any, events: Sequence[Event]) -> None:
        if generation != self._generation:
            return
        self._tail = tail
        self.polls += 1
        if events:
            self.eventsArrived.emit(list(events))
        if self._following and not self._paused:
            self._timer.start(self.interval_ms)

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        if isinstance(exc, ConnectionLost):
            self.pause()  # the reconnector resumes us when the store answers again
            return
        self.failed.emit(f"Following live failed: {exc}")
        if self._following and not self._paused:
            self._timer.start(self.interval_ms * 5)  # keep trying, gently


class Reconnector(QObject):
    """After a lost connection, probes the store with growing delays until it answers."""

    #: the connection was lost: (message)
    lost = Signal(str)
    #: a probe failed: (attempts so far, seconds until the next one, why)
    retrying = Signal(int, float, str)
    #: a probe succeeded: the store answers again
    restored = Signal()

    def __init__(self, runner: TaskRunner, parent: QObject | None = None,
                 delays: Sequence[float] = RECONNECT_DELAYS) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store: Any = None
        self.delays = tuple(delays)
        self.active = False
        self.attempts = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.probe)

    def set_store(self, store: Any) -> None:
        self._store = store
        self._timer.stop()
        self._runner.cancel("reconnect")
        self.active = False
        self.attempts = 0

    def on_connection_lost(self, message: str) -> None:
        if self._store is None or self.active:
            return
        self.active = True
        self.attempts = 0
        self.lost.emit(message)
        self._timer.start(int(self.delays[0] * 1000))

    def next_delay(self) -> float:
        return self.delays[min(self.attempts, len(self.delays) - 1)]

    def probe(self) -> None:
        """Ask the store for its latest position now (also the "Retry now" button)."""
        store = self._store
        if store is None or not self.active:
            return
        self._timer.stop()
        self._runner.submit("reconnect", lambda cancel, progress: store.latest_position(), self._on_answered,
                            self._on_probe_failed, label="Reconnecting")

    def _on_answered(self, _position: Any) -> None:
        self.active = False
        self.attempts = 0
        self.restored.emit()

    def _on_probe_failed(self, exc: BaseException) -> None:
        if not self.active:
            return
        self.attempts += 1
        delay = self.next_delay()
        self.retrying.emit(self.attempts, delay, str(exc))
        self._timer.start(int(delay * 1000))
