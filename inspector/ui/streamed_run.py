"""A long run whose results arrive one by one (a whole-category replay or compare), shown as they come.

The run is a task on the window's ``TaskRunner`` (never the GUI thread). The task iterates the
run and hands every result to the GUI thread through a queued signal; results are gathered and
given to the view in batches (``itemsArrived``) every ``FLUSH_MS`` so thousands of streams do not
mean thousands of view updates. Cancel drops the task (its worker process, if any, is ended by
``inspector.replay.worker``) and any result still on its way; what arrived before stays shown.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from inspector.core.cancel import CancelToken
from inspector.ui.runner import TaskRunner

#: How often gathered results are handed to the view, in milliseconds.
FLUSH_MS = 80


class StreamedRun(QObject):
    """One channel of the runner whose task yields results: ``start`` a run, ``cancel`` it.

    Signals (GUI thread): ``itemsArrived(list)`` batches of results in the order yielded;
    ``progressed(done, total_or_None)``; ``finished(totals)`` after the last batch; ``failed(exc)``.
    """

    itemsArrived = Signal(list)
    progressed = Signal(int, object)
    finished = Signal(object)
    failed = Signal(object)
    _item = Signal(int, object)  # ticket, result: emitted on the worker thread, queued to the GUI thread

    def __init__(self, runner: TaskRunner, channel: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.channel = channel
        self._tickets = itertools.count(1)
        self._ticket = 0
        self._pending: list[Any] = []
        self.running = False
        self.received = 0
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(FLUSH_MS)
        self._flush.timeout.connect(self._deliver)
        self._item.connect(self._on_item)

    def start(self, make_run: Callable[[CancelToken, Callable[[int, int | None], None]], Any], label: str) -> None:
        """Run ``make_run(cancel, progress)`` on the runner and iterate what it returns (an iterable
        with ``totals``, such as ``CategoryReplay``); a run already going is cancelled first."""
        self.cancel()
        ticket = self._ticket = next(self._tickets)
        self.running = True
        self.received = 0

        def work(cancel: CancelToken, progress: Callable[[int, int | None], None]) -> Any:
            run = make_run(cancel, progress)
            try:
                for result in run:
                    self._item.emit(ticket, result)
            finally:
                close = getattr(run, "close", None)
                if close is not None:
                    close()  # ends a worker process at once when the iteration stops early
            return run.totals

        self._runner.submit(self.channel, work, lambda totals: self._on_done(ticket, totals),
                            lambda exc: self._on_failed(ticket, exc), label=label,
                            on_progress=lambda done, total: self._on_progress(ticket, done, total))

    def cancel(self) -> bool:
        """Stop the run in progress (True if one was); results not yet shown are dropped."""
        was = self.running
        self._ticket = next(self._tickets)
        self.running = False
        self._pending.clear()
        self._flush.stop()
        self._runner.cancel(self.channel)
        return was

    @Slot(int, object)
    def _on_item(self, ticket: int, result: Any) -> None:
        if ticket != self._ticket:
            return
        self._pending.append(result)
        self.received += 1
        if not self._flush.isActive():
            self._flush.start()

    def _deliver(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self.itemsArrived.emit(batch)

    def _on_progress(self, ticket: int, done: int, total: int | None) -> None:
        if ticket == self._ticket:
            self.progressed.emit(done, total)

    def _on_done(self, ticket: int, totals: Any) -> None:
        if ticket != self._ticket:
            return
        self._flush.stop()
        self._deliver()
        self.running = False
        self.finished.emit(totals)

    def _on_failed(self, ticket: int, exc: BaseException) -> None:
        if ticket != self._ticket:
            return
        self._flush.stop()
        self._deliver()
        self.running = False
        self.failed.emit(exc)
