"""Run user projectors in a worker process, where Cancel and a time limit always work.

A projector is the user's code: it may loop forever, block, print, call ``sys.exit`` or
take a long time per event. The replay engine checks its cancel token between events,
which a projector stuck inside one event never reaches. So replays, diffs and bisects
with user projectors (files, modules, native eventsourcing) run in a separate process
that opens the store itself (from its location, layout and column mapping), loads the
projectors itself (from the same spec) and sends back only the result: ``ReplayResult``,
``StateDiff`` or ``BisectResult`` with JSON states and plain ``Event`` values (a
``ReplayResult``'s ``raw_state`` stays behind). Cancel first asks the process to stop at
its next check; if it has not answered within half a second it is terminated, and the
next call starts a fresh one. The built-in generic and demo projectors run in the caller's
process (they check the cancel token and never block).

Processes are started with ``multiprocessing``'s *spawn* method (never fork: the window
has Qt loaded), kept for the next call while idle, and at most ``MAX_PROCESSES`` exist.
In the worker, ``print()`` goes to stderr, SIGINT is ignored (the caller stops it) and a
``KeyboardInterrupt`` is the projector's own error. Progress travels back as
``(done, total)`` messages.

The functions ``replay``, ``diff`` and ``bisect`` take the engine's arguments plus
``time_limit`` (seconds; ``TimeLimitReached`` when it passes) and ``isolate`` (None: in a
worker exactly when the projector set holds user code or a time limit is given).

As with any *spawn* worker, a script that calls these at import time needs the usual
``if __name__ == "__main__":`` guard, and a frozen (PyInstaller) build needs
``multiprocessing.freeze_support()`` at the start of its entry point.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from inspector.core.cancel import Cancelled, CancelToken, Progress
from inspector.core.events import Moment
from inspector.replay import engine
from inspector.replay.cache import SnapshotCache
from inspector.replay.projectors import ProjectorSet, load_projectors, mark_all_interrupts
from inspector.stores import open_store, redact

#: Seconds a worker gets to stop by itself after Cancel before it is terminated.
GRACE_SECONDS = 0.5
#: Seconds between two looks at the cancel token and the clock while waiting for a worker.
_POLL_SECONDS = 0.05
#: Worker processes that may exist at once (busy or idle).
MAX_PROCESSES = 4
#: Seconds a new worker may take to start (import the inspector) before it counts as dead.
START_SECONDS = 120.0


class TimeLimitReached(Exception):
    """The work did not finish within its time limit; its worker process was terminated."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the time limit of {seconds:g} s was reached: the projector (or the store) "
                         "was still working, and was stopped")
        self.seconds = seconds


class WorkerDied(Exception):
    """The worker process ended without an answer (killed, crashed in native code, out of memory)."""


# --- what a worker needs to redo the caller's setup ---------------------------------------------
@dataclass(frozen=True)
class StoreSpec:
    """How to open the same store again in another process: its target (a path, or a URL with its
    password), the layout found, and the generic layout's column mapping when it has one."""

    target: str
    layout: str | None = None
    mapping: Any = None

    def open(self) -> Any:
        if self.mapping is None:
            return open_store(self.target, layout=self.layout)
        from inspector.stores.connect import is_url, server_read_only_engine, sqlite_read_only_engine
        from inspector.stores.layouts.generic import GenericLayout
        from inspector.stores.sql import SqlEventStore

        engine_ = server_read_only_engine(self.target) if is_url(self.target) else sqlite_read_only_engine(self.target)
        try:
            layout = GenericLayout.from_mapping(engine_, self.mapping)
        except BaseException:
            engine_.dispose()
            raise
        return SqlEventStore(engine_, layout, self.target)

    def __repr__(self) -> str:  # never the password
        return f"StoreSpec({redact(self.target)!r}, layout={self.layout!r})"


def store_spec(store: Any) -> StoreSpec:
    """The ``StoreSpec`` of an open store (SQL layouts and JSON Lines files)."""
    from inspector.stores.jsonl import JsonlEventStore
    from inspector.stores.sql import SqlEventStore

    if isinstance(store, JsonlEventStore):
        return StoreSpec(str(store.source), "jsonl")
    if isinstance(store, SqlEventStore):
        if store.source_file() is not None:
            target = store.location  # a file: its location has no secret, and keeps the cache identity
        else:
            target = store.engine.url.render_as_string(hide_password=False)
        mapping = getattr(store.layout, "mapping", None) if store.layout_name == "generic" else None
        return StoreSpec(target, store.layout_name, mapping)
    raise TypeError(f"cannot reopen a {type(store).__name__} in a worker process")


@dataclass(frozen=True)
class CacheSpec:
    path: str
    every: int
    max_bytes: int

    @classmethod
    def of(cls, cache: SnapshotCache | None) -> "CacheSpec | None":
        if cache is None or cache.path == ":memory:":
            return None  # a memory cache cannot be shared; the worker replays without one
        return cls(cache.path, cache.every, cache.max_bytes)


@dataclass(frozen=True)
class _Request:
    kind: str  # "replay" | "diff" | "bisect" | "steps"
    store: StoreSpec
    projector_spec: str | None
    projector_path: str | None
    cache: CacheSpec | None
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


# --- the worker process ------------------------------------------------------------------------
class _EventToken(CancelToken):
    """A cancel token the parent process sets through a shared event."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self._shared = event

    @property
    def cancelled(self) -> bool:
        return self._shared.is_set()

    def cancel(self) -> None:
        self._shared.set()

    def raise_if_cancelled(self) -> None:
        if self._shared.is_set():
            raise Cancelled("cancelled")


class _WorkerState:
    """What a worker keeps between calls: the last store, the projectors and caches it loaded."""

    def __init__(self) -> None:
        self.store_spec: StoreSpec | None = None
        self.store: Any = None
        self.projectors: dict[tuple[Any, ...], ProjectorSet] = {}
        self.caches: dict[CacheSpec, SnapshotCache] = {}

    def open(self, spec: StoreSpec) -> Any:
        if spec != self.store_spec:
            if self.store is not None:
                self.store.close()
            self.store, self.store_spec = None, None
            self.store = spec.open()
            self.store_spec = spec
            self.projectors.clear()  # "demo" or native choices depend on the store
        return self.store

    def projector_set(self, spec: str | None, path: str | None, store: Any) -> ProjectorSet:
        key: tuple[Any, ...] = (spec, path)
        if spec and Path(spec).is_file():
            stat = Path(spec).stat()
            key += (stat.st_mtime_ns, stat.st_size)  # an edited file is loaded again
        found = self.projectors.get(key)
        if found is None:
            found = self.projectors[key] = load_projectors(spec, path=path, store=store)
        return found

    def cache(self, spec: CacheSpec | None) -> SnapshotCache | None:
        if spec is None:
            return None
        cache = self.caches.get(spec)
        if cache is None:
            cache = self.caches[spec] = SnapshotCache(spec.path, every=spec.every, max_bytes=spec.max_bytes)
        return cache


_ENGINE: dict[str, Callable[..., Any]] = {"replay": engine.replay, "diff": engine.diff, "bisect": engine.bisect,
                                          "steps": engine.steps_at}


def _serve(conn: Any, cancel_event: Any) -> None:
    """The worker's main loop: one request at a time until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal: the caller stops us
    sys.stdout = sys.stderr  # print() in a projector never reaches the caller's output
    mark_all_interrupts()
    token = _EventToken(cancel_event)
    state = _WorkerState()
    _send(conn, ("ready",))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return

        def progress(done: int, total: int | None = None) -> None:
            conn.send(("progress", done, total))

        try:
            store = state.open(request.store)
            projectors = state.projector_set(request.projector_spec, request.projector_path, store)
            result = _ENGINE[request.kind](store, *request.args, projectors=projectors,
                                           cache=state.cache(request.cache), cancel=token, progress=progress,
                                           **request.kwargs)
            if isinstance(result, engine.ReplayResult):
                result.raw_state = None  # the projector's own object stays here
        except Cancelled:
            _send(conn, ("cancelled",))
        except BaseException as exc:  # noqa: BLE001 - every failure is the caller's to report
            _send(conn, ("error", _portable(exc)))
        else:
            _send(conn, ("done", result))


def _send(conn: Any, message: tuple[Any, ...]) -> None:
    try:
        conn.send(message)
    except (EOFError, OSError, BrokenPipeError):
        raise SystemExit(0) from None  # the caller has gone
    except Exception as exc:  # a result or error that cannot be pickled
        conn.send(("error", RuntimeError(f"the worker's answer cannot be sent back: {type(exc).__name__}: {exc}")))


def _portable(exc: BaseException) -> BaseException:
    """The exception itself when it pickles back as the same thing, else its text."""
    import pickle

    try:
        back = pickle.loads(pickle.dumps(exc))
        if type(back) is type(exc) and str(back) == str(exc):
            return exc
    except Exception:  # noqa: BLE001 - anything unpicklable is sent as text
        pass
    from inspector.core.failure import failure_reason

    text = str(exc).strip()
    return RuntimeError(f"{type(exc).__name__}: {text}" if text else failure_reason(exc))


# --- the caller's side -------------------------------------------------------------------------
class _Process:
    """One worker process and the pipe to it."""

    def __init__(self, context: Any) -> None:
        self.cancel_event = context.Event()
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, self.cancel_event), name="inspector-projector",
                                       daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def call(self, request: _Request, cancel: CancelToken | None, progress: Progress | None,
             time_limit: float | None) -> Any:
        self.cancel_event.clear()
        # A time limit counts the work, not the worker's start (importing the inspector).
        started = time.monotonic()
        asked: float | None = None
        try:
            self.conn.send(request)
            while True:
                if self.conn.poll(_POLL_SECONDS):
                    message = self.conn.recv()
                    kind = message[0]
                    if kind == "ready":
                        self.ready, started = True, time.monotonic()
                        continue
                    if kind == "progress":
                        if progress is not None:
                            progress(message[1], message[2])
                        continue
                    if kind == "done":
                        return message[1]
                    if kind == "cancelled":
                        raise Cancelled("cancelled")
                    raise message[1]
                if not self.process.is_alive() and not self.conn.poll(0):
                    # (its last answer may have arrived after the poll above gave up: read it first)
                    raise WorkerDied(f"the projector's worker process ended without an answer "
                                     f"(exit code {self.process.exitcode})")
                now = time.monotonic()
                if asked is None and cancel is not None and cancel.cancelled:
                    self.cancel_event.set()
                    asked = now
                if asked is not None and now - asked >= GRACE_SECONDS:
                    self.kill()
                    raise Cancelled("cancelled")
                if self.ready and time_limit is not None and now - started >= time_limit:
                    self.kill()
                    raise TimeLimitReached(time_limit)
                if not self.ready and now - started >= START_SECONDS:
                    self.kill()
                    raise WorkerDied(f"the projector's worker process did not start within {START_SECONDS:g} s")
        except (EOFError, BrokenPipeError, ConnectionResetError):
            self.kill()
            raise WorkerDied(f"the projector's worker process ended without an answer "
                             f"(exit code {self.process.exitcode})") from None
        except (KeyboardInterrupt, SystemExit):
            self.kill()  # the caller is being stopped: so is its work
            raise

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1.0)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(1.0)
        self.conn.close()

    def close(self) -> None:
        """Ask an idle worker to end, then make sure it did."""
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(0.5)
        self.kill()


class WorkerPool:
    """Up to ``limit`` worker processes, each used by one call at a time; idle ones wait for the next."""

    def __init__(self, limit: int = MAX_PROCESSES) -> None:
        self.limit = max(1, limit)
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Condition()
        self._idle: list[_Process] = []
        self._all: set[_Process] = set()
        self._starting = 0
        self._closed = False
        #: keep one worker ready: set by ``prestart`` (the window), so a worker ended by Cancel is
        #: replaced at once instead of when the next replay asks
        self.warm = False

    def _acquire(self, cancel: CancelToken | None) -> _Process:
        with self._lock:
            while True:
                if self._closed:
                    raise WorkerDied("the projector workers were shut down")
                while self._idle:
                    found = self._idle.pop()
                    if found.alive:
                        return found
                    self._all.discard(found)
                if len(self._all) + self._starting < self.limit:
                    self._starting += 1
                    break
                if cancel is not None and cancel.cancelled:
                    raise Cancelled("cancelled")
                self._lock.wait(_POLL_SECONDS)
        try:
            process = _Process(self._context)
        finally:
            with self._lock:
                self._starting -= 1
        with self._lock:
            self._all.add(process)
            if self._closed:
                process.process.terminate()
                raise WorkerDied("the projector workers were shut down")
        return process

    def _release(self, process: _Process) -> None:
        with self._lock:
            if process.alive and not process.conn.closed and not self._closed:
                self._idle.append(process)
                replace = False
            else:
                self._all.discard(process)
                replace = self.warm and not self._closed and not self._idle
            self._lock.notify_all()
        if replace:
            threading.Thread(target=self._start_idle, name="inspector-projector-prestart", daemon=True).start()

    def call(self, request: _Request, cancel: CancelToken | None = None, progress: Progress | None = None,
             time_limit: float | None = None) -> Any:
        process = self._acquire(cancel)
        try:
            return process.call(request, cancel, progress, time_limit)
        finally:
            self._release(process)

    def prestart(self) -> None:
        """Start a worker now, if none is idle, so the first call does not wait for it to import;
        from now on a worker that is ended (Cancel, a time limit) is replaced at once."""
        self.warm = True
        self._start_idle()

    def _start_idle(self) -> None:
        with self._lock:
            if self._closed or self._idle or len(self._all) + self._starting >= self.limit:
                return
            self._starting += 1
        try:
            process = _Process(self._context)
        finally:
            with self._lock:
                self._starting -= 1
        with self._lock:
            if self._closed:
                process.process.terminate()
                return
            self._all.add(process)
            self._idle.append(process)
            self._lock.notify_all()

    def processes(self) -> list[Any]:
        """The ``multiprocessing.Process`` of every worker (for tests and the status of the window)."""
        with self._lock:
            return [p.process for p in self._all]

    def shutdown(self) -> None:
        """End every worker now: idle ones are asked to, busy ones are terminated (their callers get
        ``WorkerDied``)."""
        with self._lock:
            self._closed = True
            idle, busy = list(self._idle), [p for p in self._all if p not in self._idle]
            self._idle.clear()
            self._all.clear()
            self._lock.notify_all()
        for process in idle:
            process.close()
        for process in busy:
            if process.process.is_alive():
                process.process.terminate()


_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def pool() -> WorkerPool:
    """This process's worker pool (made on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool()
        return _pool


def prestart() -> None:
    """Start a worker process ahead of the first call, on a thread of its own (the window does when
    a user projector loads, so its first replay does not wait for a worker to import)."""
    threading.Thread(target=pool().prestart, name="inspector-projector-prestart", daemon=True).start()


def shutdown() -> None:
    """End every worker process (the window calls this when it closes); a later call starts new ones."""
    global _pool
    with _pool_lock:
        found, _pool = _pool, None
    if found is not None:
        found.shutdown()


# --- the engine's calls, isolated when they run user code ----------------------------------------
def needs_worker(projectors: Any, time_limit: float | None = None, isolate: bool | None = None) -> bool:
    """Whether a call runs in a worker process: asked for, or user code in a projector set, or a time limit.

    A bare ``Projector`` object, or a set not made by ``load_projectors`` (no ``spec``), cannot
    be loaded again elsewhere, so it always runs here.
    """
    if projectors is not None and (not isinstance(projectors, ProjectorSet) or projectors.spec is None):
        return False  # not from load_projectors: it cannot be loaded again in a worker
    if isolate is not None:
        return isolate
    if time_limit is not None:
        return True
    return projectors is not None and projectors.isolated


def _request(kind: str, store: Any, projectors: ProjectorSet | None, cache: SnapshotCache | None,
             args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Request:
    spec = projectors.spec if projectors is not None else None
    path = projectors.path if projectors is not None else None
    return _Request(kind, store_spec(store), spec, path, CacheSpec.of(cache), args, kwargs)


def replay(store: Any, stream: str, *, at: Moment | None = None, projectors: Any = None,
           cache: SnapshotCache | None = None, use_store_snapshots: bool = True,
           cancel: CancelToken | None = None, progress: Progress | None = None,
           time_limit: float | None = None, isolate: bool | None = None) -> engine.ReplayResult:
    """``inspector.replay.replay``, in a worker process when it runs user code (``raw_state`` is then None).

    Raises ``Cancelled``, ``TimeLimitReached`` or ``WorkerDied`` besides the engine's own errors.
    """
    if not needs_worker(projectors, time_limit, isolate):
        return engine.replay(store, stream, at=at, projectors=projectors, cache=cache,
                             use_store_snapshots=use_store_snapshots, cancel=cancel, progress=progress)
    request = _request("replay", store, projectors, cache, (stream,),
                       {"at": at, "use_store_snapshots": use_store_snapshots})
    return pool().call(request, cancel, progress, time_limit)


def diff(store: Any, stream: str, a: Moment, b: Moment, *, projectors: Any = None,
         cache: SnapshotCache | None = None, cancel: CancelToken | None = None, progress: Progress | None = None,
         time_limit: float | None = None, isolate: bool | None = None) -> engine.StateDiff:
    """``inspector.replay.diff``, in a worker process when it runs user code."""
    if not needs_worker(projectors, time_limit, isolate):
        return engine.diff(store, stream, a, b, projectors=projectors, cache=cache, cancel=cancel, progress=progress)
    request = _request("diff", store, projectors, cache, (stream, a, b), {})
    return pool().call(request, cancel, progress, time_limit)


def steps_at(store: Any, stream: str, version: int, *, projectors: Any = None,
             cache: SnapshotCache | None = None, cancel: CancelToken | None = None,
             time_limit: float | None = None, isolate: bool | None = None) -> list[engine.EventStep]:
    """``inspector.replay.engine.steps_at``, in a worker process when it runs user code."""
    if not needs_worker(projectors, time_limit, isolate):
        return engine.steps_at(store, stream, version, projectors=projectors, cache=cache, cancel=cancel)
    request = _request("steps", store, projectors, cache, (stream, version), {})
    return pool().call(request, cancel, None, time_limit)


def bisect(store: Any, stream: str, when: str, *, projectors: Any = None, cache: SnapshotCache | None = None,
           cancel: CancelToken | None = None, progress: Progress | None = None,
           time_limit: float | None = None, isolate: bool | None = None) -> engine.BisectResult:
    """``inspector.replay.bisect``, in a worker process when it runs user code."""
    if not needs_worker(projectors, time_limit, isolate):
        return engine.bisect(store, stream, when, projectors=projectors, cache=cache, cancel=cancel,
                             progress=progress)
    request = _request("bisect", store, projectors, cache, (stream, when), {})
    return pool().call(request, cancel, progress, time_limit)



# --- whole-category runs, their results streamed back from a process of their own ----------------
#: ``(spec, path)`` for ``load_projectors``: what a worker process needs to load a projector set again
#: (``"generic"`` is the code-free projector that fits the store, as the window's choice loads it).
ProjectorSpec = tuple[str, str | None]

#: Live processes started by ``category_run`` (each ends with its run); for tests and status lines.
_CATEGORY_PROCESSES: set[Any] = set()
_category_lock = threading.Lock()


def category_processes() -> list[Any]:
    """The ``multiprocessing.Process`` of every whole-category run in progress in a worker process."""
    with _category_lock:
        return [process for process in _CATEGORY_PROCESSES if process.is_alive()]


def end_category_runs() -> None:
    """Terminate every whole-category worker process now (the window calls this when it closes: its
    process may end before the threads waiting on them get to do it)."""
    with _category_lock:
        found = list(_CATEGORY_PROCESSES)
    for process in found:
        if process.is_alive():
            process.terminate()
    for process in found:
        process.join(1.0)
        if process.is_alive():
            process.kill()
            process.join(1.0)  # reaped: gone when this returns


@dataclass(frozen=True)
class _CategoryRequest:
    kind: str  # "states" | "compare"
    store: StoreSpec
    projectors: tuple[ProjectorSpec, ...]  # states: one; compare: old, new
    kwargs: dict[str, Any]


def _load_spec(spec: ProjectorSpec, store: Any) -> ProjectorSet:
    name, path = spec
    if name == "generic":
        from inspector.replay.choices import generic_projectors

        return generic_projectors(store)
    return load_projectors(name, path=path, store=store)


def _serve_category(conn: Any, cancel_event: Any, request: _CategoryRequest) -> None:
    """A category worker: runs one ``replay_category``/``compare_category`` and sends each result
    as it is done: ``("item", result, totals)``, ``("progress", done, total)``, then one of
    ``("done", totals)``, ``("cancelled", totals)``, ``("error", exc)``."""
    from dataclasses import asdict

    from inspector.replay.category import compare_category, replay_category

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdout = sys.stderr
    mark_all_interrupts()
    token = _EventToken(cancel_event)
    _send(conn, ("ready",))
    run: Any = None
    try:
        store = request.store.open()
        try:
            sets = [_load_spec(spec, store) for spec in request.projectors]

            def progress(done: int, total: int | None = None) -> None:
                conn.send(("progress", done, total))

            def stream_started(stream: str, number: int, total: int | None) -> None:
                conn.send(("stream", stream, number, total))

            progress.stream_started = stream_started  # type: ignore[attr-defined]  # see category._starting

            if request.kind == "states":
                run = replay_category(store, projectors=sets[0], cancel=token, progress=progress, **request.kwargs)
            else:
                run = compare_category(store, old=sets[0], new=sets[1], cancel=token, progress=progress,
                                       **request.kwargs)
            for result in run:
                _send(conn, ("item", result, asdict(run.totals)))
        finally:
            store.close()
    except Cancelled:
        _send(conn, ("cancelled", None if run is None else asdict(run.totals)))
    except BaseException as exc:  # noqa: BLE001 - every failure is the caller's to report
        _send(conn, ("error", _portable(exc)))
    else:
        _send(conn, ("done", asdict(run.totals)))


def _category_results(request: _CategoryRequest, totals: Any, cancel: CancelToken | None,
                      progress: Progress | None) -> Any:
    """The caller's side: a spawned process runs ``request``; its results are yielded as they come.
    Cancel asks it to stop, and terminates it after ``GRACE_SECONDS`` (a projector stuck inside one
    event never looks at the token)."""
    context = multiprocessing.get_context("spawn")
    cancel_event = context.Event()
    conn, child = context.Pipe(duplex=False)
    process = context.Process(target=_serve_category, args=(child, cancel_event, request),
                              name="inspector-category", daemon=True)
    started = time.monotonic()
    process.start()
    child.close()
    with _category_lock:
        _CATEGORY_PROCESSES.add(process)
    asked: float | None = None
    ready = False

    def update(values: dict[str, Any] | None) -> None:
        if values:
            for key, value in values.items():
                setattr(totals, key, value)

    try:
        while True:
            if conn.poll(_POLL_SECONDS):
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    raise WorkerDied(f"the projector's worker process ended without an answer "
                                     f"(exit code {process.exitcode})") from None
                kind = message[0]
                if kind == "ready":
                    ready = True
                    told = getattr(progress, "worker_ready", None)
                    if told is not None:
                        told()
                elif kind == "stream":
                    starting = getattr(progress, "stream_started", None)
                    if starting is not None:
                        starting(*message[1:])
                elif kind == "item":
                    update(message[2])
                    yield message[1]
                elif kind == "progress":
                    if progress is not None:
                        progress(message[1], message[2])
                elif kind == "done":
                    update(message[1])
                    return
                elif kind == "cancelled":
                    update(message[1])
                    totals.partial = True
                    raise Cancelled("cancelled")
                else:
                    raise message[1]
            elif not process.is_alive() and not conn.poll(0):
                # a run's process ends right after its last message, which may have arrived after
                # the poll above gave up (this thread waited for the GIL in between): read it first
                raise WorkerDied(f"the projector's worker process ended without an answer (exit code {process.exitcode})")
            now = time.monotonic()
            if asked is None and cancel is not None and cancel.cancelled:
                cancel_event.set()
                asked = now
            if asked is not None and now - asked >= GRACE_SECONDS:
                totals.partial = True
                raise Cancelled("cancelled")
            if not ready and now - started >= START_SECONDS:
                raise WorkerDied(f"the projector's worker process did not start within {START_SECONDS:g} s")
    finally:
        if process.is_alive():
            cancel_event.set()
            process.terminate()
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join(1.0)
        else:
            process.join(0.5)
        conn.close()
        with _category_lock:
            _CATEGORY_PROCESSES.discard(process)


def _trusted_spec(spec: ProjectorSpec) -> bool:
    from inspector.replay.choices import DEMO_MODULE

    return spec[0] in ("generic", "demo", DEMO_MODULE)


def category_run(kind: str, store: Any, *, projectors: ProjectorSet | None = None,
                 specs: tuple[ProjectorSpec, ...] = (), cancel: CancelToken | None = None,
                 progress: Progress | None = None, isolate: bool | None = None, **kwargs: Any) -> Any:
    """``replay_category`` (``kind`` "states") or ``compare_category`` (``kind`` "compare", ``specs``
    = (old, new)) with user projectors in a spawned worker process of its own, its results streamed
    back one by one as they are done; the built-in projectors run in this thread.

    States take ``projectors`` (a set the caller loaded: in a worker when ``needs_worker`` says so,
    loaded there again from its ``spec``/``path``) or ``specs`` = (one,). ``kwargs`` are the core
    function's (``category``, ``match``, ``at``, ``where``, ``ever``). Returns a ``CategoryReplay``
    or ``CategoryComparison`` (iterate it; ``totals`` as the core's). Raises, from the iteration,
    ``Cancelled`` (the process is ended within ``GRACE_SECONDS`` even when a projector never
    returns), ``WorkerDied``, ``ProjectorError`` for a projector that does not load, the core's
    ``ExpressionError`` (at once, for a bad ``where``) and the store's errors.
    """
    from inspector.replay.category import (
        CategoryComparison,
        CategoryReplay,
        CategoryTotals,
        compare_category,
        compile_where,
        replay_category,
    )

    if kind not in ("states", "compare"):
        raise ValueError(f"unknown category run {kind!r}: states or compare")
    if kind == "states" and kwargs.get("where") is not None:
        compile_where(kwargs["where"])  # a bad expression is reported before a process starts
    if kind == "states" and projectors is not None:
        spread = needs_worker(projectors, isolate=isolate) if projectors.spec is not None else False
        if spread:
            specs = ((projectors.spec or "generic", projectors.path),)
    else:
        wanted = 1 if kind == "states" else 2
        if len(specs) != wanted:
            raise ValueError(f"{kind} takes {wanted} projector spec(s), got {len(specs)}")
        spread = isolate if isolate is not None else not all(_trusted_spec(spec) for spec in specs)
    if spread:
        try:
            target = store_spec(store)
        except TypeError:
            spread = False  # a store no other process can open: folded here (Cancel checks between events)
    if not spread:
        if kind == "states":
            chosen = projectors if projectors is not None else _load_spec(specs[0], store)
            return replay_category(store, projectors=chosen, cancel=cancel, progress=progress, **kwargs)
        old, new = (_load_spec(spec, store) for spec in specs)
        return compare_category(store, old=old, new=new, cancel=cancel, progress=progress, **kwargs)
    totals = CategoryTotals()
    results = _category_results(_CategoryRequest(kind, target, tuple(specs), dict(kwargs)), totals, cancel, progress)
    return (CategoryReplay if kind == "states" else CategoryComparison)(results, totals)

__all__ = [
    "GRACE_SECONDS",
    "MAX_PROCESSES",
    "StoreSpec",
    "TimeLimitReached",
    "WorkerDied",
    "WorkerPool",
    "bisect",
    "category_processes",
    "category_run",
    "end_category_runs",
    "diff",
    "needs_worker",
    "pool",
    "prestart",
    "replay",
    "shutdown",
    "store_spec",
]
