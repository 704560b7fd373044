"""A long run whose results arrive one by one (a whole-category replay or compare), shown as they come.

The run is a task on the window's ``TaskRunner`` (never the GUI thread). The task iterates the
run and puts every result in an inbox (a ``deque``: appending is thread-safe); a timer on the GUI
thread empties it every ``FLUSH_MS`` and hands the results to the view in batches
(``itemsArrived``), so a result is shown within a fraction of a second of being found and
thousands of streams do not mean thousands of signals or view updates. Cancel drops the task
(its worker process, if any, is ended by ``inspector.replay.worker``) and the results still in
the inbox; what was shown stays shown.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal

from inspector.core.cancel import CancelToken
from inspector.ui.runner import TaskRunner

#: How often the inbox is emptied into the view, in milliseconds.
FLUSH_MS = 80
#: At most this many results per batch: the GUI thread stays responsive however fast they come.
BATCH = 5000


class StreamedRun(QObject):
    """One channel of the runner whose task yields results: ``start`` a run, ``cancel`` it.

    Signals (GUI thread): ``itemsArrived(list)`` batches of results in the order yielded;
    ``progressed(done, total_or_None)``; ``finished(totals)`` after the last batch; ``failed(exc)``.
    """

    itemsArrived = Signal(list)
    progressed = Signal(int, object)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, runner: TaskRunner, channel: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.channel = channel
        self._inbox: deque[Any] = deque()
        self.running = False
        #: what the run going on has told so far (set on the worker thread, read on the GUI thread):
        #: its worker process started; the stream being folded (name, its number, the total); the
        #: totals counted so far; when it last told anything (``time.monotonic``)
        self.worker_ready = False
        self.current: tuple[str, int, int | None] | None = None
        self.totals: Any = None
        self.last_news = 0.0
        self._flush = QTimer(self)
        self._flush.setInterval(FLUSH_MS)
        self._flush.timeout.connect(self._deliver)

    def start(self, make_run: Callable[[CancelToken, Callable[[int, int | None], None]], Any], label: str) -> None:
        """Run ``make_run(cancel, progress)`` on the runner and iterate what it returns (an iterable
        with ``totals``, such as ``CategoryReplay``); a run already going is cancelled first."""
        self.cancel()
        inbox = self._inbox = deque()
        self.running = True
        self.worker_ready, self.current, self.totals = False, None, None
        self.last_news = time.monotonic()

        def news() -> None:
            if inbox is self._inbox:
                self.last_news = time.monotonic()

        def work(cancel: CancelToken, progress: Callable[[int, int | None], None]) -> Any:
            def reported(done: int, total: int | None = None) -> None:
                news()
                progress(done, total)

            def stream_started(stream: str, number: int, total: int | None) -> None:
                if inbox is self._inbox:
                    self.current = (stream, number, total)
                reported(number - 1, total)

            def worker_ready() -> None:
                if inbox is self._inbox:
                    self.worker_ready = True
                reported(0, None)

            reported.stream_started = stream_started  # type: ignore[attr-defined]  # replay.category._starting
            reported.worker_ready = worker_ready  # type: ignore[attr-defined]  # replay.worker's process started
            run = make_run(cancel, reported)
            if inbox is self._inbox:
                self.totals = getattr(run, "totals", None)  # counted as results come (read on the GUI thread)
            try:
                for result in run:
                    inbox.append(result)
                    news()
            finally:
                close = getattr(run, "close", None)
                if close is not None:
                    close()  # ends a worker process at once when the iteration stops early
            return run.totals

        self._flush.start()
        self._runner.submit(self.channel, work, lambda totals: self._on_done(inbox, totals),
                            lambda exc: self._on_failed(inbox, exc), label=label,
                            on_progress=lambda done, total: self._on_progress(inbox, done, total))

    def cancel(self) -> bool:
        """Stop the run in progress (True if one was); results not yet shown are dropped."""
        was = self.running
        self.running = False
        self._flush.stop()
        self._inbox = deque()
        self._runner.cancel(self.channel)
        return was

    def _deliver(self) -> None:
        inbox = self._inbox
        batch = []
        while inbox and len(batch) < BATCH:
            batch.append(inbox.popleft())
        if batch:
            self.itemsArrived.emit(batch)

    def _on_progress(self, inbox: deque[Any], done: int, total: int | None) -> None:
        if inbox is self._inbox and self.running:
            self.progressed.emit(done, total)

    def _end(self) -> None:
        self._flush.stop()
        while self._inbox:  # the task has returned: everything it found is in the inbox
            self._deliver()
        self.running = False

    def _on_done(self, inbox: deque[Any], totals: Any) -> None:
        if inbox is not self._inbox or not self.running:
            return
        self._end()
        self.finished.emit(totals)

    def _on_failed(self, inbox: deque[Any], exc: BaseException) -> None:
        if inbox is not self._inbox or not self.running:
            return
        self._end()
        self.failed.emit(exc)
