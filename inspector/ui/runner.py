"""One small background runner for every store call and replay the window makes.

A task is a plain function ``fn(cancel: CancelToken, progress) -> result`` that blocks;
it runs on a ``concurrent.futures`` pool and its outcome comes back through a Qt signal
that is delivered on the GUI thread. Tasks are grouped in *channels*: submitting to a
channel cancels the task already running there and disconnects it, so a stale result
can never arrive (latest wins). Page fetches, timeline queries and replays use separate
channels and therefore never cancel each other.

Page fetches and stream listings run on a small pool of their own: a slow diff holds a
replay worker, never the worker the stream list needs. Replays, diffs and bisects with a
user's projector run in a worker process (``inspector.replay.worker``) that Cancel stops
for certain: the thread waiting for it is free again within half a second. Cancelling any
other task asks it to stop at its next check, and a cancelled task that is still running
no longer counts against its pool (another thread takes its place), so a call stuck in a
driver can hold one thread but never stop the next task. Closing never waits: the threads
are daemon threads and the worker processes are ended.
"""

from __future__ import annotations

import itertools
import queue
import threading
import traceback
import weakref
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from inspector.core.cancel import CancelToken, Cancelled
from inspector.core.failure import give_a_reason
from inspector.stores.base import ConnectionLost
from inspector.ui.collector import collect_on_the_gui_thread


@dataclass
class Task:
    """What the GUI thread keeps about one submitted task."""

    channel: str
    ticket: int
    label: str
    cancel: CancelToken = field(default_factory=CancelToken)
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    on_progress: Callable[[int, int | None], None] | None = None
    future: Future | None = None
    #: the submitted call, held here on the GUI thread so that it is freed there
    call: Callable[..., Any] | None = None


#: Channels whose tasks read one page or one listing: they get the page pool.
PAGE_CHANNELS = frozenset({"streams", "categories", "events", "audit", "jump"})


class WorkerPool:
    """A few daemon threads running submitted calls in order.

    Not ``ThreadPoolExecutor``: its threads are joined at interpreter exit, so one call
    stuck in a driver or a projector would keep a closed application alive.
    """

    def __init__(self, workers: int, name: str) -> None:
        self._workers = max(1, workers)
        self._name = name
        self._queue: queue.SimpleQueue[tuple[Future, Callable[[], Any]] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._closed = False
        #: futures whose call was cancelled while running: their threads do not count
        self._released: set[Future] = set()

    def submit(self, fn: Callable[[], Any]) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closed:
                future.cancel()
                return future
            self._queue.put((future, fn))
            if self._idle == 0 and len(self._threads) < self._workers + len(self._released):
                self._start_thread()
            else:
                self._idle = max(0, self._idle - 1)
        return future

    def _start_thread(self) -> None:
        thread = threading.Thread(target=self._run, name=f"{self._name}-{len(self._threads)}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def start_threads(self) -> None:
        """Start every worker now, idle until a call comes. ``Thread.start`` waits until the new
        thread runs, which needs the GIL: started on demand while other workers decode a 50 MB
        event, each start held the GUI thread up to ~50 ms. Call it at a quiet time (a window's start)."""
        with self._lock:
            while not self._closed and len(self._threads) < self._workers:
                self._start_thread()
                self._idle += 1

    def release(self, future: Future) -> None:
        """The call behind ``future`` was cancelled but still runs: its thread stops counting
        against the pool (and leaves it when the call returns), so the next task gets a thread."""
        with self._lock:
            if self._closed or future in self._released or not future.running():
                return
            self._released.add(future)
            if self._idle == 0 and not self._queue.empty():
                self._start_thread()

    def busy_threads(self) -> int:
        """Threads running a call that was not cancelled."""
        with self._lock:
            return len(self._threads) - self._idle - len(self._released)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, fn = item
            if future.set_running_or_notify_cancel():
                try:
                    result = fn()
                except BaseException as exc:  # noqa: BLE001 - handed to whoever holds the future
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            with self._lock:
                if future in self._released:
                    # another thread took this one's place while it was stuck: leave
                    self._released.discard(future)
                    self._threads.remove(threading.current_thread())
                    return
                self._idle += 1

    def shutdown(self) -> None:
        """Drop the calls not started yet and let idle workers end; never waits."""
        with self._lock:
            self._closed = True
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
            for _thread in self._threads:
                self._queue.put(None)

    def threads(self) -> list[threading.Thread]:
        return list(self._threads)


class TaskRunner(QObject):
    """Runs blocking calls off the GUI thread; latest wins per channel."""

    #: internal: (ticket, (ok, result-or-exception)), emitted on a worker thread.
    #: The outcome travels as one object: a bare bool argument in a queued signal
    #: corrupted Py_True's reference count at exit under PySide6 6.12.
    _finished = Signal(int, object)
    #: internal: (ticket, done, total), emitted on a worker thread
    _progressed = Signal(int, int, object)
    #: a task started or ended: (channel, label, running)
    activity = Signal(str, str, bool)
    #: progress of any task, on the GUI thread: (channel, done, total or None)
    progress = Signal(str, int, object)
    #: a task failed because the server connection was lost: (message). Emitted before the
    #: task's own ``on_error``, so the window can start reconnecting and say so once.
    connectionLost = Signal(str)

    def __init__(self, parent: QObject | None = None, *, workers: int = 4, page_workers: int = 2) -> None:
        super().__init__(parent)
        app = QCoreApplication.instance()
        if app is not None:
            # before any worker starts: a cycle holding a Qt object is never collected on a worker
            collect_on_the_gui_thread(app)
        self._pool = WorkerPool(workers, "inspector-task")
        self._page_pool = WorkerPool(page_workers, "inspector-page")
        for pool in (self._pool, self._page_pool):
            pool.start_threads()  # not on demand, while other workers may hold the GIL
        self._tickets = itertools.count(1)
        self._current: dict[str, Task] = {}
        self._by_ticket: dict[int, Task] = {}
        self._closed = False
        #: True while a ConnectionLost error is being handed to a task's ``on_error``: the
        #: window's connection banner already says it, so error messages may stay quiet.
        self.delivering_connection_loss = False
        # A bound method of a QObject living on the GUI thread: Qt queues the call there.
        self._finished.connect(self._on_worker_finished)
        self._progressed.connect(self._on_worker_progressed)

    # --- submitting ----------------------------------------------------------------------
    def submit(
        self,
        channel: str,
        fn: Callable[[CancelToken, Callable[[int, int | None], None]], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        label: str = "",
        on_progress: Callable[[int, int | None], None] | None = None,
    ) -> Task | None:
        """Run ``fn`` on a worker; the callbacks run later on the GUI thread."""
        if self._closed:
            return None
        self.cancel(channel)
        task = Task(channel, next(self._tickets), label or channel, on_done=on_done,
                    on_error=on_error, on_progress=on_progress, call=fn)
        self._current[channel] = task
        self._by_ticket[task.ticket] = task
        ticket = task.ticket
        cancel = task.cancel
        last_reported: list[Any] = [None]
        # The worker holds the runner weakly and lets go of ``fn`` before it reports, while the
        # task (GUI side) still holds it: whatever Qt object the call or the runner's owner holds
        # is freed by the GUI thread, never by a worker (a Qt object deleted off its thread can
        # crash the process).
        runner = weakref.ref(self)
        calls = [fn]

        def report(done: int, total: int | None = None) -> None:
            # Only when the rounded value changes: no signal storms from tight loops.
            key = (done * 200 // total) if total else done // 1000
            if key != last_reported[0]:
                last_reported[0] = key
                alive = runner()
                if alive is not None:
                    alive._progressed.emit(ticket, int(done), total)

        def work() -> None:
            call = calls.pop()
            try:
                cancel.raise_if_cancelled()
                outcome = (True, call(cancel, report))
            except BaseException as exc:  # delivered to on_error; never kills the pool
                if not isinstance(exc, Cancelled):
                    exc.__inspector_traceback__ = traceback.format_exc()  # type: ignore[attr-defined]
                    give_a_reason(exc)  # a MemoryError has no message: "… failed:" must say what ran out
                outcome = (False, exc)
            del call
            alive = runner()
            if alive is not None:
                alive._emit(ticket, *outcome)

        self.activity.emit(channel, task.label, True)
        task.future = self._pool_of(channel).submit(work)
        return task

    def _emit(self, ticket: int, ok: bool, payload: Any) -> None:
        try:
            self._finished.emit(ticket, (ok, payload))
        except RuntimeError:  # the runner was deleted while the worker finished
            pass

    def cancel(self, channel: str) -> None:
        """Cancel the channel's task (if any); its result will be dropped and, if it is still
        running, its thread no longer holds a place in the pool."""
        task = self._current.pop(channel, None)
        if task is not None:
            task.cancel.cancel()
            if task.future is not None:
                self._pool_of(channel).release(task.future)
            self.activity.emit(channel, task.label, False)

    def _pool_of(self, channel: str) -> WorkerPool:
        return self._page_pool if channel in PAGE_CHANNELS else self._pool

    def busy_workers(self) -> int:
        """Task threads running a call nobody cancelled (what a stuck projector would hold)."""
        return self._pool.busy_threads()

    def busy(self, channel: str) -> bool:
        return channel in self._current

    def running(self) -> list[Task]:
        return list(self._current.values())

    def shutdown(self) -> None:
        """Cancel everything and return at once: running tasks stop at their next cancel
        check, and whatever they return is dropped (a stuck one is abandoned)."""
        self._closed = True
        for channel in list(self._current):
            self.cancel(channel)
        self._by_ticket.clear()
        self._pool.shutdown()
        self._page_pool.shutdown()
        from inspector.replay import worker

        worker.shutdown()  # projector processes end with the window

    # --- delivery on the GUI thread --------------------------------------------------------
    @Slot(int, object)
    def _on_worker_finished(self, ticket: int, outcome: tuple[bool, Any]) -> None:
        ok, payload = outcome
        task = self._by_ticket.pop(ticket, None)
        if task is None or self._current.get(task.channel) is not task:
            return  # superseded or cancelled: latest wins
        del self._current[task.channel]
        self.activity.emit(task.channel, task.label, False)
        if ok:
            if task.on_done is not None:
                task.on_done(payload)
        elif isinstance(payload, Cancelled):
            return
        elif isinstance(payload, ConnectionLost):
            self.connectionLost.emit(str(payload))
            if task.on_error is not None:
                self.delivering_connection_loss = True
                try:
                    task.on_error(payload)
                finally:
                    self.delivering_connection_loss = False
        elif task.on_error is not None:
            task.on_error(payload)

    @Slot(int, int, object)
    def _on_worker_progressed(self, ticket: int, done: int, total: Any) -> None:
        task = self._by_ticket.get(ticket)
        if task is None or self._current.get(task.channel) is not task:
            return
        if task.on_progress is not None:
            task.on_progress(done, total)
        self.progress.emit(task.channel, done, total)
