"""Replay a stream to any moment, diff two moments with blame, bisect a predicate.

Reconstruction reads like the domain: take the latest snapshot at or before the
target (store-native or from our cache, whichever is later), read the events after
it, fold them. While folding, checkpoints are written to the cache every N versions
so the next replay anywhere in the stream starts close by.

Invariants:
* a snapshot is never after the target version;
* a cache entry is used only when the store still has the history it was taken from:
  the same file (for file stores, part of the store identity), the same first event,
  the same number of events up to the entry's version (counted by SQL on server
  stores) and the same events at that version; so a stale entry costs time, never
  correctness;
* a projector that raises stops the replay at that event, and the state returned is
  the state just before it;
* nothing is written to the inspected store (the cache is a separate file).
"""

from __future__ import annotations

import ast
import itertools
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator, cast

import orjson

from inspector.core import jsontext
from inspector.core.cancel import CancelToken, Cancelled, Progress, check
from inspector.core.diff import Blame, Change, diff_states, resolve, top_key, same_value
from inspector.core.events import Event, Moment, format_time, parse_time
from inspector.core.health import late_start_text, version_origin
from inspector.replay.cache import CacheEntry, SnapshotCache
from inspector.replay.key_reads import KeyReads
from inspector.stores.base import EventStore
from inspector.core.decoding import NOT_PLAIN
from inspector.stores.lazy import PAUSE_COLLECTION_ABOVE, fold_page, fold_page_type, left_out, materialize
from inspector.core.matching import StreamPattern
from inspector.core.terminal import quoted_name
from inspector.replay.projectors import (
    GENERIC_PROJECTOR,
    FunctionProjector,
    GenericProjector,
    Projector,
    ProjectorError,
    ProjectorSet,
    OddRowProjectorEvent,
    RowProjectorEvent,
    error_text,
    hash_text,
    private_copy,
    shown_state,
)

#: How often (in events) the loop looks at the cancel token and the clock.
_CHECK_EVERY = 256
_CHECK_MASK = _CHECK_EVERY - 1
#: Least time between two progress calls, so a UI is not flooded with signals.
_PROGRESS_SECONDS = 0.1
#: A replay that applied at least this many events leaves its final state in the cache too.
_KEEP_FINAL_AFTER = 100
#: Checkpoints kept in memory before they are written to the cache in one transaction.
_FLUSH_EVERY = 16
#: The share of a replay's time its cache writes may take: once a state's dump is large, a
#: checkpoint due (every ``SnapshotCache.every`` versions) is taken only when the replay folded
#: for at least 1 / share times the last checkpoint's cost since it, so a state whose dump grows
#: with it (a list of every event) is checkpointed further apart as it grows: its checkpoints
#: cost a cold replay at most about a quarter more (not a time quadratic in the stream), and a
#: warm replay folds from the nearest checkpoint for at most about 4 times a dump's time.
_CACHE_SHARE = 0.25
#: A state whose dump is smaller than this (bytes) is checkpointed every ``every`` versions
#: whatever the clock says (a dump of 256 KiB and its write take well under a millisecond
#: against the ~10 ms of folding 1,000 events): the clock only spaces large states.
_SMALL_STATE = 256 * 1024
#: At most this many events are listed between two moments, and blamed per path.
EVENTS_LIMIT = 10_000
BLAME_LIMIT = 1_000


# --- results -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StoppedAt:
    """The event whose projector raised, and what it raised."""

    version: int | None
    type: str
    error: str

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "type": self.type, "error": self.error}


@dataclass
class ReplayResult:
    """A stream's state at one moment, and how it was obtained."""

    stream: str
    version: int | None
    recorded_at: datetime | None
    state: Any
    projector: str
    snapshot_source: str | None = None  # "store" | "cache" | None
    snapshot_version: int | None = None
    events_applied: int = 0
    elapsed_ms: float = 0.0
    stopped: StoppedAt | None = None
    problem: str | None = None
    #: What had to change to show a state that is not plain JSON (tuple keys, cycles); None when nothing.
    state_note: str | None = None
    #: What the user must know to trust the state (one line each): a stream that starts after its
    #: first version (a slice), a version claimed by two events; empty when nothing.
    warnings: list[str] = field(default_factory=list)
    #: The projector's own state object (an aggregate for native replay); not part of the JSON.
    raw_state: Any = field(default=None, repr=False)
    #: The last event applied (or the snapshot's), for bisect predicates and the window.
    last_event: Event | None = field(default=None, repr=False)

    def describe(self) -> str:
        """One line saying how the state was obtained, e.g. ``snapshot v1200 from cache + 37 events, 2.1 ms``."""
        if self.problem:
            return self.problem
        noun = "event" if self.events_applied == 1 else "events"
        if self.snapshot_source is not None:
            where = "the store" if self.snapshot_source == "store" else "cache"
            text = f"snapshot v{self.snapshot_version} from {where} + {self.events_applied} {noun}"
        else:
            text = f"{self.events_applied} {noun} from the start"
        text += f", {self.elapsed_ms:.1f} ms"
        if self.stopped is not None:
            text += f"; stopped at v{self.stopped.version} ({self.stopped.type}): {self.stopped.error}"
        if self.state_note:
            text += f"; {self.state_note}"
        for warning in self.warnings:
            text += f"; warning: {warning}"
        return text

    def to_json(self) -> dict[str, Any]:
        """The ``replay --json`` shape of design.md §6 (plus ``problem``, null when all went well)."""
        return {
            "stream": self.stream,
            "version": self.version,
            "recorded_at": format_time(self.recorded_at),
            "state": self.state,
            "projector": self.projector,
            "snapshot": {"source": self.snapshot_source, "version": self.snapshot_version},
            "events_applied": self.events_applied,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "stopped": None if self.stopped is None else self.stopped.to_json(),
            "problem": self.problem,
            "state_note": self.state_note,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, slots=True)
class MomentRef:
    version: int | None
    recorded_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "recorded_at": format_time(self.recorded_at)}


@dataclass
class StateDiff:
    """What changed between two moments of one stream, and which events changed it."""

    stream: str
    from_: MomentRef
    to: MomentRef
    changes: list[Change] = field(default_factory=list)
    events_between: list[Event] = field(default_factory=list)
    events_between_total: int = 0
    projector: str = ""
    elapsed_ms: float = 0.0
    stopped: StoppedAt | None = None
    problem: str | None = None
    #: the replays' warnings (a stream that starts late, a duplicated version), each once
    warnings: list[str] = field(default_factory=list)
    before: Any = field(default=None, repr=False)
    after: Any = field(default=None, repr=False)
    #: the second moment resolved to a version before the first one's (``problem`` says so): a
    #: diff reads from the earlier moment to the later one, whatever kinds (vN, a time) they are
    reversed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "from": self.from_.to_json(),
            "to": self.to.to_json(),
            "changes": [change.to_json() for change in self.changes],
            "events_between": self.events_between_total,
            "projector": self.projector,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "stopped": None if self.stopped is None else self.stopped.to_json(),
            "problem": self.problem,
            "warnings": list(self.warnings),
        }


@dataclass
class BisectResult:
    """The first version at which a predicate over state holds."""

    stream: str
    expression: str
    found: bool
    version: int | None = None
    event: Event | None = None
    state_before: Any = None
    state_after: Any = None
    probes: int = 0
    elapsed_ms: float = 0.0
    problem: str | None = None
    #: e.g. a key the expression read that no state probed had (a misspelling?); None when nothing
    note: str | None = None
    #: whether the predicate holds at the stream's latest version (None: not known, a problem came first)
    holds_at_latest: bool | None = None
    #: the stream's latest version, the one probed first
    latest_version: int | None = None
    #: "binary" (it held at the latest version: versions were halved, assuming it stays true once
    #: it holds) or "scan" (it did not: every version was checked, in order, from the first)
    search: str = "binary"
    #: versions the scan checked (0 for a binary search)
    versions_scanned: int = 0
    #: the replays' warnings (a version claimed by two events, a stream that starts late), each once
    warnings: list[str] = field(default_factory=list)
    #: the errors ``when`` raised (other than a missing key), each counted as "does not hold" there:
    #: ``[{"error": "TypeError: ...", "count", "stream", "version"}]``, the first version it was
    #: raised at; empty when it raised none (``note`` says so in words; ``problem`` when it raised at
    #: every version checked)
    expression_errors: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "when": self.expression,
            "found": self.found,
            "version": self.version,
            "event": None if self.event is None else self.event.to_json(),
            "state_before": self.state_before,
            "state_after": self.state_after,
            "holds_at_latest": self.holds_at_latest,
            "latest_version": self.latest_version,
            "search": self.search,
            "versions_scanned": self.versions_scanned,
            "probes": self.probes,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "problem": self.problem,
            "note": self.note,
            "expression_errors": list(self.expression_errors),
            "warnings": list(self.warnings),
        }


# --- helpers -------------------------------------------------------------------------
class _Throttle:
    """Calls ``progress(done, total)`` at most every 0.1 s (and always at the end)."""

    def __init__(self, progress: Progress | None, total: int | None) -> None:
        self.progress = progress
        self.total = total
        self.last = 0.0

    def tick(self, done: int) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if now - self.last >= _PROGRESS_SECONDS:
            self.last = now
            self.progress(done, self.total)

    def finish(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done, self.total if self.total is not None else done)


def _event_print(event: Any) -> str:
    """What identifies an event's content: position, version, type and payload."""
    stored = getattr(event, "payload_text", None)
    if stored is not None:
        return hash_text(str(event.position), str(event.version), event.type, stored)
    try:
        data = jsontext.dumps_bytes(event.data, sort_keys=True)  # exact numbers: 10^30 and 10^30+1 differ
    except (TypeError, orjson.JSONEncodeError):
        data = repr(event.data).encode()
    return hash_text(str(event.position), event.type, format_time(event.recorded_at) or "", data,
                     event.raw if isinstance(event.raw, (bytes, str)) else b"")


def _fingerprint(prints: list[str]) -> str:
    return hash_text(*prints)


def _choose_projector(projectors: ProjectorSet | Projector | None, store: EventStore, stream: str,
                      first: Event | None) -> Projector:
    """The projector for the stream: given, or the first of a set that applies to the stream's
    name or to the category the store lists it under.

    The store is asked for the category only when a projector's choice depends on it (a plain
    word pattern): the native projector, the generic one and glob patterns decide from the name.
    """
    if isinstance(projectors, Projector):
        return projectors
    if projectors is None:
        from inspector.replay.projectors import load_projectors

        projectors = load_projectors(None, store=store)
    category: Any = _UNASKED
    for candidate in projectors.projectors:
        if _decides_by_name(candidate):
            if candidate.applies_to(stream, None):
                return candidate
            continue
        if category is _UNASKED:
            category = store.category(stream)
        if candidate.applies_to(stream, category):
            return candidate
    return projectors.fallback


_UNASKED: Any = object()


def _decides_by_name(projector: Projector) -> bool:
    """Whether ``projector.applies_to`` needs no category: one that applies everywhere (generic,
    native), or the standard rule with glob patterns only (a glob matches the name alone)."""
    if getattr(projector, "applies_to_every_stream", False) or type(projector).applies_to is GenericProjector.applies_to:
        return True
    return type(projector).applies_to is Projector.applies_to and all(
        StreamPattern(pattern).is_glob for pattern in projector.patterns)


#: a first event's payload longer than this (bytes) is not decoded to find the stream's first event
FIRST_EVENT_PAYLOAD_CAP = 1_000_000


def _first_event(store: EventStore, stream: str, cancel: CancelToken | None) -> Event | None:
    """The stream's first versioned event. Usually one row: the first event read is checked, and
    only a stream that starts with events without a version is read further. A payload over
    ``FIRST_EVENT_PAYLOAD_CAP`` is not decoded: that event is read again as a fold reads it
    (``read_for_replay``, decoded only if asked; its fingerprint is the payload as stored)."""
    def read(limit: int) -> Iterator[Event]:
        return iter(store.read_stream(stream, from_version=None, limit=limit, cancel=cancel,
                                      payload_cap=FIRST_EVENT_PAYLOAD_CAP))

    head = next(read(1), None)
    if head is None:
        return None
    first = head if head.version is not None else next((e for e in read(50) if e.version is not None), None)
    if first is None or left_out(first) is None:
        return first
    assert first.version is not None
    events = store.read_for_replay(stream, after=first.version - 1, upto=first.version, cancel=cancel)
    try:
        lazy = next(iter(events), None)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
    return cast(Event, lazy)  # a LazyEvent: every attribute of an Event, the payload decoded on use


def version_at(store: EventStore, stream: str, instant: datetime, *, cancel: CancelToken | None = None) -> int | None:
    """The last version recorded at or before ``instant``: the stream up to its first later event.

    Events are applied in version order, so the state at an instant is a prefix of the
    stream; an event recorded out of order (a clock that went back) does not pull later
    versions in. None when the stream's first event is already after the instant.
    """
    found = store.version_at(stream, instant)
    if found is not NotImplemented:
        return found
    last: int | None = None
    before_last: int | None = None  # the version before ``last``, for a duplicate recorded later
    for event in store.read_stream(stream, from_version=None, cancel=cancel):
        if event.version is None:
            continue
        if event.recorded_at is not None and event.recorded_at > instant:
            # Replaying to a version applies all its events: a later duplicate rules that version out.
            return before_last if event.version == last else last
        if event.version != last:
            before_last, last = last, event.version
    return last


def _resolve(store: EventStore, stream: str, moment: Moment | None, first: Event,
             cancel: CancelToken | None) -> tuple[int | None, bool]:
    """(target version, whether the moment lies before the stream's first event).

    The stream's own first version decides: Message DB counts from 0, most stores from 1,
    a slice exported with ``--since`` from wherever it starts.
    """
    if moment is None:
        return None, False
    if moment.version is not None:
        assert first.version is not None  # _first_event returns a versioned event
        return moment.version, moment.version < first.version
    assert moment.at is not None
    version = version_at(store, stream, moment.at, cancel=cancel)
    return (0, True) if version is None else (version, False)


# --- the fold ------------------------------------------------------------------------
class _Stale(Exception):
    """A cache entry's fingerprint no longer matches the store."""


@dataclass
class _Outcome:
    state: Any
    version: int | None
    recorded_at: datetime | None
    last_event: Event | None
    source: str | None
    snapshot_version: int | None
    applied: int
    stopped: StoppedAt | None = None


class _Run:
    """One reconstruction of one stream with one projector."""

    def __init__(
        self,
        store: EventStore,
        stream: str,
        projector: Projector,
        cache: SnapshotCache | None,
        use_store_snapshots: bool,
        cancel: CancelToken | None,
        progress: Progress | None,
        first: Event | None,
        found: Any = _UNASKED,
    ) -> None:
        self.store = store
        self.stream = stream
        self.projector = projector
        self.cache = cache
        self.use_store_snapshots = use_store_snapshots
        self.cancel = cancel
        self.progress = progress
        self.first = first
        #: On a server, the change mark read before any event is: an entry written under the same
        #: mark was taken from this very history (nothing at all was written since). A file
        #: store's history is pinned by its identity instead. A server table whose writes no
        #: mark shows (unlogged, non-InnoDB) is replayed without the cache: a right answer first.
        self.mark = store.change_mark() if cache is not None and store.source_file() is None else None
        self.server = cache is not None and store.source_file() is None
        if self.server and self.mark is None:
            self.cache = cache = None
        self.store_key = store.identity() if cache is not None else ""
        #: Every entry names the stream's first event.
        self.first_print = _event_print(first) if cache is not None else ""
        #: versioned events before the starting point (None: unknown, from a store snapshot), so
        #: each checkpoint records how many events it rests on, for ``unchanged_prefixes``
        self.base_count: int | None = 0
        self.pending: list[CacheEntry] = []
        #: names this replay's entries: they rest on one read of the stream (``_verify_prefix``)
        self.run_id = uuid.uuid4().hex
        self.cache_writable = cache is not None
        #: the last checkpoint's cost in seconds (dump, prints, the cache write when it flushed
        #: the queue) and size in bytes, and when it ended; before one, the cache entry's load
        #: time and size as their estimate, and the run's start
        self.last_checkpoint_cost = 0.0
        self.last_checkpoint_size = 0
        self.last_checkpoint_end = time.perf_counter()
        self.cache_checked = False
        #: (version, position before, position) for each event folded at the version of the one before it
        self.duplicates: list[tuple[int, Any, Any]] = []
        #: the store snapshot ``projector.store_snapshot`` gave before the run (``replay`` asks
        #: first), used once; and the stream's event at the snapshot's version when the store
        #: read it with the snapshot
        self.found = found
        self.store_event: Any = None

    # --- starting point ---------------------------------------------------------------
    def start(self, upto: int | None, *, skip_cache: bool = False) -> tuple[Any, int | None, str | None, CacheEntry | None, datetime | None]:
        """(state, version, source, cache entry to verify, recorded_at) to fold from."""
        best_store = None
        if self.use_store_snapshots and self.projector.uses_store_snapshots:
            found, self.found = self.found, _UNASKED  # a fold changes the state it starts from: once
            best_store = self.projector.store_snapshot(self.store, self.stream, upto) if found is _UNASKED else found
        entry = None
        if self.cache is not None and not skip_cache:
            entry = self.cache.latest(self.store_key, self.stream, self.projector.code_hash, upto)
        if entry is not None and (best_store is None or entry.version > best_store[0]):
            loading = time.perf_counter()
            try:
                state = self.projector.load(entry.state)
                # the state's dump costs about as much as its load
                self.last_checkpoint_cost, self.last_checkpoint_size = time.perf_counter() - loading, len(entry.state)
            except Exception:  # an unreadable entry is a miss
                self.cache.discard(self.store_key, self.stream, self.projector.code_hash, entry.version)  # type: ignore[union-attr]
                return self.start(upto, skip_cache=skip_cache)
            return state, entry.version, "cache", entry, parse_time(entry.recorded_at)
        if best_store is not None:
            version, state = best_store[0], best_store[1]
            self.store_event = next(iter(best_store[2:]), None)  # (version, state) or (version, state, event)
            return state, version, "store", None, None
        return self.projector.initial(), None, None, None, None

    # --- folding ----------------------------------------------------------------------
    def run(self, upto: int | None, *, stop_before: Any = None) -> _Outcome:
        skip_cache = False
        for attempt in range(4):
            try:
                return self._run_once(upto, skip_cache=skip_cache, stop_before=stop_before)
            except _Stale:
                skip_cache = attempt >= 2  # a cache that keeps going stale is bypassed
        return self._run_once(upto, skip_cache=True, stop_before=stop_before)

    def _run_once(self, upto: int | None, *, skip_cache: bool, stop_before: Any) -> _Outcome:
        projector = self.projector
        state, start_version, source, verify, recorded_at = self.start(upto, skip_cache=skip_cache)
        # A cache entry is checked first: the stream's first event and the number of events
        # up to it, then its own version is read again and fingerprinted.
        if verify is not None:
            self._verify_prefix(verify)
        after = start_version if verify is None else verify.version - 1
        if verify is not None:
            self.base_count = verify.prefix_count  # the events at its version are checked, not folded again
        else:
            self.base_count = 0 if start_version is None else None
        # Events up to the starting point, so each checkpoint can record its own prefix count.
        every = self.cache.every if self.cache is not None else 0
        next_checkpoint: float = ((start_version or 0) // every + 1) * every if every else float("inf")
        group_version: int | None = None
        group_events: list[Any] = []
        applied = 0
        last_event: Any = None
        throttle = _Throttle(self.progress, None if upto is None else max(upto - (start_version or 0), 0))
        fold = projector.fold
        cancel = self.cancel
        writes_cache = self.cache_writable
        events: Iterator[Any]
        if verify is None and start_version is not None and upto is not None and start_version >= upto:
            events = iter(())  # a store snapshot at the target itself: no event can follow it
        elif (verify is None and stop_before is None and type(projector) is GenericProjector
              and getattr(self.store, "fold_pages", None) is not None):
            return self._fold_generic(state, start_version, source, recorded_at, after, upto, next_checkpoint)
        elif (verify is None and stop_before is None and type(projector) is FunctionProjector and not projector.trusted
              and getattr(self.store, "fold_pages", None) is not None):
            return self._fold_user(state, start_version, source, recorded_at, after, upto, next_checkpoint)
        else:
            events = projector.read(self.store, self.stream, after=after, upto=upto, cancel=cancel)
        try:
            if verify is not None:
                events, last_event = self._verify(verify, events)
            event = None
            for event in events:
                version = event.version
                if version != group_version:
                    if version is None:
                        continue  # rows without a version cannot be placed in the stream's order
                    # The previous version is complete: maybe keep a checkpoint of it.
                    if group_version is not None and group_version >= next_checkpoint:
                        if writes_cache and self._checkpoint_affordable():
                            writes_cache = self._checkpoint(state, group_version, group_events, last_event, applied)
                        next_checkpoint = (group_version // every + 1) * every
                    group_version = version
                    if writes_cache:
                        group_events = []
                elif last_event is not None and last_event.version == version:
                    self.duplicates.append((version, last_event.position, event.position))
                    writes_cache = False  # no checkpoint past it: every replay folds it again, and says so
                if stop_before is not None and event.position == stop_before.position and version == stop_before.version:
                    break
                if writes_cache:
                    group_events.append(event)
                try:
                    state = fold(state, event)
                except Cancelled:
                    raise
                except Exception as exc:  # the user's projector: its error ends the replay, not the program
                    return self._stopped(event, exc)
                last_event = event
                applied += 1
                if not applied & _CHECK_MASK:
                    check(cancel)
                    throttle.tick(applied)
            if (writes_cache and group_version is not None and applied >= _KEEP_FINAL_AFTER and stop_before is None
                    and self._checkpoint_affordable()):
                self._checkpoint(state, group_version, group_events, last_event, applied)
        finally:
            self._flush()
        throttle.finish(applied)
        return self._outcome(state, start_version, source, recorded_at, last_event, applied)

    def _outcome(self, state: Any, start_version: int | None, source: str | None, recorded_at: datetime | None,
                 last_event: Any, applied: int) -> _Outcome:
        """The run's outcome once its fold ended: the last event folded as a plain Event, else the
        stream's event at the starting point's version."""
        cancel = self.cancel
        version = start_version if last_event is None else last_event.version
        if last_event is None and version is not None:
            # Started from a store snapshot at the target itself: show that event's time (read
            # with the snapshot where the store could).
            if self.store_event is not None and self.store_event.version == version:
                last_event = self.store_event
            else:
                for found in self.store.read_stream(self.stream, from_version=version, to_version=version,
                                                    cancel=cancel):
                    last_event = found
        if last_event is not None:
            last_event = materialize(last_event)
            recorded_at = last_event.recorded_at
        return _Outcome(state, version, recorded_at, last_event, source, start_version, applied)

    def _fold_generic(self, state: Any, start_version: int | None, source: str | None, recorded_at: datetime | None,
                      after: int | None, upto: int | None, next_checkpoint: float) -> _Outcome:
        """``_run_once``'s fold for the generic projector, from the store's pages of rows
        (``fold_pages``): each row's payload read as its event's ``data`` would be (``fold_page``)
        and merged into the state, with no event made but for the rows whose payload goes the
        event's way, the events of a checkpoint and the last one. Versions, duplicates,
        checkpoints, cancel and progress as in ``_run_once``'s loop."""
        stream, cancel = self.stream, self.cancel
        every = self.cache.every if self.cache is not None else 0
        writes_cache = self.cache_writable
        throttle = _Throttle(self.progress, None if upto is None else max(upto - (start_version or 0), 0))
        group_version: int | None = None
        group_rows: list[tuple[Any, Any, Any]] = []  # (row, view, kind) of the events at group_version
        last: tuple[Any, Any, Any] | None = None  # (row, view, kind) of the last event folded
        last_row: Any = None
        last_position: Any = None
        applied = 0
        update = state.update  # what ``GenericProjector.fold`` does, to the one state it returns
        pause_above = PAUSE_COLLECTION_ABOVE
        not_plain = NOT_PLAIN
        refused = orjson.JSONDecodeError
        loads = orjson.loads
        mask = _CHECK_MASK
        pages = self.store.fold_pages(stream, after=after, upto=upto, cancel=cancel, reads_type=False)  # type: ignore[attr-defined]
        try:
            for rows, view in pages:
                kind, at_position, at_version, at_payload, decode = fold_page(rows, view)
                clean = decode is loads  # ``fold_page``'s decoder of a clean page
                before = applied
                for row in rows:
                    version, position = row[at_version], row[at_position]
                    event = None
                    if type(position) is not int or type(version) is not int:
                        event = kind(row, view, stream)  # the layout converts odd keys its own way
                        version, position = event.version, event.position
                        if version is None:
                            continue  # rows without a version cannot be placed in the stream's order
                    if version != group_version:
                        if group_version is not None and group_version >= next_checkpoint:
                            if writes_cache and self._checkpoint_affordable():
                                events = [made(row_, view_, stream) for row_, view_, made in group_rows]
                                writes_cache = self._checkpoint(state, group_version, events, None, applied)
                            next_checkpoint = (group_version // every + 1) * every
                        group_version = version
                        if writes_cache:
                            group_rows = []
                    else:  # the event folded before it is of this version too
                        self.duplicates.append((version, last_position, position))
                        writes_cache = False  # no checkpoint past it: every replay folds it again, and says so
                    if writes_cache:
                        group_rows.append((row, view, kind))
                    if clean and event is None:  # JSON text of at most MAX_NESTING characters, checked
                        try:
                            data = loads(row[at_payload])
                        except refused:  # orjson refuses it: the event's way says why
                            data = kind(row, view, stream).data
                    else:
                        data = not_plain
                        if decode is not None and event is None:
                            payload = row[at_payload]
                            if (type(payload) is str or type(payload) is bytes) and len(payload) <= pause_above:
                                data = decode(payload)
                        if data is not_plain:
                            data = (event or kind(row, view, stream)).data
                    if type(data) is dict:
                        update(data)
                    last_row, last_position = row, position
                    applied += 1
                    if not applied & mask:
                        check(cancel)
                        throttle.tick(applied)
                if applied != before:
                    last = (last_row, view, kind)
            if (writes_cache and group_version is not None and applied >= _KEEP_FINAL_AFTER
                    and self._checkpoint_affordable()):
                events = [made(row_, view_, stream) for row_, view_, made in group_rows]
                self._checkpoint(state, group_version, events, None, applied)
        finally:
            self._flush()
        throttle.finish(applied)
        last_event = None if last is None else last[2](last[0], last[1], stream)
        return self._outcome(state, start_version, source, recorded_at, last_event, applied)

    def _fold_user(self, state: Any, start_version: int | None, source: str | None, recorded_at: datetime | None,
                   after: int | None, upto: int | None, next_checkpoint: float) -> _Outcome:
        """``_run_once``'s fold for a user's ``@projector`` function (``FunctionProjector``, not
        trusted), from the store's pages of rows (``fold_pages``) with no event made per row: the
        function gets a ``RowProjectorEvent`` of each row, whose payload is decoded from the
        row ahead where the projector's source reads ``data`` (``reads_data``: its own value, as
        ``ProjectorEvent.data`` makes it: ``orjson.loads`` of a clean page, the page-checked or
        plain decoder, else the row's event's ``fresh_data``), whose type is read with the row
        where the projector reads types and the row's event reads it as stored
        (``fold_page_type``), and whose other fields come from the row's ``LazyEvent``, made
        when one is asked. What the function raises stops the replay there, as ``fold`` says
        it (``_stopped``: the state just before that event). Versions, duplicates,
        checkpoints, cancel and progress as in ``_run_once``'s loop.

        The usual row (a whole-number version after the last one's, no checkpoint due after the
        version before it) takes the quick way: the view, its payload and type, the call, a count;
        any other is looked at as ``_run_once`` looks at an event (odd keys, rows without a
        version, duplicates and their positions, checkpoints)."""
        stream, cancel = self.stream, self.cancel
        projector = cast(FunctionProjector, self.projector)
        fn = projector.fn
        error_of = projector.error_of
        every = self.cache.every if self.cache is not None else 0
        writes_cache = self.cache_writable
        throttle = _Throttle(self.progress, None if upto is None else max(upto - (start_version or 0), 0))
        group_version: int | None = None
        group_rows: list[tuple[Any, Any, Any]] = []  # (row, view, kind) of the events at group_version
        # the last row folded, and the layout view, event class and position place of its page
        last_row: Any = None
        last_view: Any = None
        last_kind: Any = None
        last_at_position = 0
        applied = 0
        #: a row of a version above this is looked at: a checkpoint may be due after the version before it
        due = int(next_checkpoint) if writes_cache and next_checkpoint != float("inf") else _NO_CHECKPOINT
        ahead = projector.reads_data
        reads_type = projector.reads_type
        odd_shows = OddRowProjectorEvent.kinds[ahead]
        refused = orjson.JSONDecodeError
        loads = orjson.loads
        fresh = private_copy
        new = object.__new__
        mask = _CHECK_MASK
        pages = self.store.fold_pages(stream, after=after, upto=upto, cancel=cancel,  # type: ignore[attr-defined]
                                      reads_type=reads_type)
        try:
            for rows, view in pages:
                kind, at_position, at_version, at_payload, decode = fold_page(rows, view)
                at_type = fold_page_type(view) if reads_type else -1
                typed = at_type >= 0
                shows = RowProjectorEvent.kinds[ahead][typed]
                page = (kind, view, stream, at_position, at_version)
                clean = ahead and decode is loads  # ``fold_page``'s decoder of a clean page
                before = applied
                type_from_db = view.type_from_db
                carried = (last_row, last_view, last_kind, last_at_position)  # the page before's last row
                for row in rows:
                    version = row[at_version]
                    if type(version) is int and version != group_version and version <= due:
                        # the usual row: a whole-number version after the last one, no checkpoint due
                        group_version = version
                        if writes_cache:
                            group_rows = [(row, view, kind)]
                        event = None
                        shown = new(shows)
                        if ahead:
                            if clean:
                                try:
                                    shown._data = loads(row[at_payload])
                                except refused:  # orjson refuses it: the event's way says why
                                    shown._data = kind(row, view, stream).fresh_data(fresh)
                            else:
                                shown._data = _own_data(row, at_payload, decode, kind, view, stream)
                        if typed:
                            stored = row[at_type]
                            shown._type = stored if type(stored) is str else type_from_db(stored)
                    else:  # looked at as ``_run_once`` does
                        position = row[at_position]
                        if type(position) is not int or type(version) is not int:
                            event = kind(row, view, stream)  # the layout converts odd keys its own way
                            version, position = event.version, event.position
                            if version is None:
                                continue  # rows without a version cannot be placed in the stream's order
                        else:
                            event = None
                        if version != group_version:
                            if group_version is not None and group_version >= next_checkpoint:
                                if writes_cache and self._checkpoint_affordable():
                                    events = [made(row_, view_, stream) for row_, view_, made in group_rows]
                                    writes_cache = self._checkpoint(state, group_version, events, None, applied)
                                next_checkpoint = (group_version // every + 1) * every
                                due = next_checkpoint if writes_cache else _NO_CHECKPOINT
                            group_version = version
                            if writes_cache:
                                group_rows = []
                        else:  # the event folded before it is of this version too: named by both positions
                            before_row, before_view, before_kind, at_before = (
                                carried if last_row is carried[0] else (last_row, view, kind, at_position))
                            last_position = before_row[at_before]
                            if type(last_position) is not int:
                                last_position = before_kind(before_row, before_view, stream).position
                            self.duplicates.append((version, last_position, position))
                            writes_cache = False  # no checkpoint past it: every replay folds it again, and says so
                            due = _NO_CHECKPOINT
                        if writes_cache:
                            group_rows.append((row, view, kind))
                        if event is None:
                            shown = new(shows)
                            if typed:
                                stored = row[at_type]
                                shown._type = stored if type(stored) is str else type_from_db(stored)
                        else:
                            shown = new(odd_shows)
                            shown._made = event
                        if ahead:
                            shown._data = (event.fresh_data(fresh) if event is not None
                                           else _own_data(row, at_payload, decode, kind, view, stream))
                    shown._row = row
                    shown._page = page
                    try:
                        result = fn(state, shown)
                    except Cancelled:
                        raise
                    except Exception as exc:  # the user's projector: its error ends the replay, not the program
                        return self._stopped(event or kind(row, view, stream), exc)
                    except BaseException as exc:  # SystemExit and the like: the projector's error, as ``fold`` says
                        return self._stopped(event or kind(row, view, stream), error_of(exc))
                    if result is not None:  # a function that changes the state in place returns None
                        state = result
                    last_row = row
                    applied += 1
                    if not applied & mask:
                        check(cancel)
                        throttle.tick(applied)
                if applied != before:
                    last_view, last_kind, last_at_position = view, kind, at_position
            if (writes_cache and group_version is not None and applied >= _KEEP_FINAL_AFTER
                    and self._checkpoint_affordable()):
                events = [made(row_, view_, stream) for row_, view_, made in group_rows]
                self._checkpoint(state, group_version, events, None, applied)
        finally:
            self._flush()
        throttle.finish(applied)
        last_event = None if last_row is None else last_kind(last_row, last_view, stream)
        return self._outcome(state, start_version, source, recorded_at, last_event, applied)

    def _verify(self, entry: CacheEntry, events: Iterator[Any]) -> tuple[Iterator[Any], Any]:
        """Check the events at the cache entry's version against its fingerprint; the rest follow."""
        prints: list[str] = []
        last = None
        for event in events:
            if event.version is None:
                continue
            if event.version == entry.version:
                prints.append(_event_print(event))
                last = event
                continue
            if _fingerprint(prints) != entry.fingerprint:
                self._stale(entry)
            return itertools.chain((event,), events), last
        if not prints or _fingerprint(prints) != entry.fingerprint:
            self._stale(entry)
        return iter(()), last

    def _verify_prefix(self, entry: CacheEntry) -> None:
        """The entry was taken from this history: the same first event and, on a server, nothing
        written since (the same change mark), or the store vouches that none of the stream's
        events up to the entry was inserted, updated or deleted since its mark. Then the entry is
        confirmed under the new mark, and with it every earlier entry the same replay took under
        the same mark: that replay read the events up to each as it read those up to this one,
        and no later replay moved one of them (the next replay to another version finds it
        confirmed: one pass serves every replay until the next write). Otherwise the stream's
        earlier entries under that mark are proven one by one in one more pass (each: no event
        up to it changed, as many as it rests on) and those the pass vouches for are kept, every
        other entry under an older mark goes (any may rest on an event changed since), and the
        replay starts again from the latest entry left: before the changed event, or none."""
        if entry.first != self.first_print:
            self._stale(entry)
        if not self.server or entry.mark == self.mark:
            return
        assert self.cache is not None and self.mark is not None
        if entry.mark is not None and entry.prefix_count is not None:
            key = (self.store_key, self.stream, self.projector.code_hash)
            proven = self.store.unchanged_prefixes(self.stream, entry.mark, {entry.version: entry.prefix_count})
            if proven and entry.version in proven:
                if entry.run is not None:
                    self.cache.confirm_run(*key, entry.run, entry.mark, entry.version, self.mark)
                self.cache.confirm(*key, [entry.version], self.mark)
                return
            earlier = self.cache.prefix_counts(*key, entry.mark, entry.version - 1) if proven is not None else {}
            kept = self.store.unchanged_prefixes(self.stream, entry.mark, earlier) if earlier else None
            if kept:
                self.cache.confirm(*key, sorted(kept), self.mark)
        self.pending.clear()
        self.cache.discard_older_marks(self.store_key, self.stream, self.projector.code_hash, self.mark)
        raise _Stale()

    def _stale(self, entry: CacheEntry) -> None:
        assert self.cache is not None
        self.pending.clear()
        self.cache.discard(self.store_key, self.stream, self.projector.code_hash, entry.version)
        raise _Stale()

    def _checkpoint_affordable(self) -> bool:
        """Whether a checkpoint due now keeps the cache's share of this run under ``_CACHE_SHARE``:
        always for a small state (``_SMALL_STATE``), else once the replay folded for 1 / share
        times the last checkpoint's cost since it ended."""
        if self.last_checkpoint_size < _SMALL_STATE:
            return True
        return time.perf_counter() - self.last_checkpoint_end >= self.last_checkpoint_cost / _CACHE_SHARE

    def _checkpoint(self, state: Any, version: int, events: list[Any], last_event: Any, applied: int) -> bool:
        """Queue the state at ``version`` for the cache; False when this state cannot be cached."""
        began = time.perf_counter()
        try:
            return self._queue_checkpoint(state, version, events, last_event, applied)
        finally:
            self.last_checkpoint_end = time.perf_counter()
            self.last_checkpoint_cost = self.last_checkpoint_end - began

    def _queue_checkpoint(self, state: Any, version: int, events: list[Any], last_event: Any, applied: int) -> bool:
        if not self.cache_checked:
            self.cache_checked = True
            if not self.projector.cacheable(state):
                self.cache_writable = False
                return False
        try:
            blob = self.projector.dump(state)
        except Exception:  # a state that stopped being serialisable: stop caching it
            self.cache_writable = False
            return False
        # No time is kept: a replay that starts here reads the events at this version again
        # (``_verify``) and shows their time; asking it now would cost an event read without its
        # time (``read_for_replay``) one more read for each checkpoint (12 of 19 s of a 1M cold
        # replay on a loaded PostgreSQL).
        recorded = None
        prints = [_event_print(event) for event in events]
        count = None if self.base_count is None else self.base_count + applied
        self.last_checkpoint_size = len(blob)
        self.pending.append(CacheEntry(version, _fingerprint(prints), recorded, blob, self.first_print, count,
                                       self.mark, self.run_id))
        if len(self.pending) >= _FLUSH_EVERY or len(blob) >= _SMALL_STATE:
            self._flush()  # a large state is written at once: its cost is this checkpoint's, and not held
        return True

    def _flush(self) -> None:
        if self.cache is not None and self.pending:
            entries, self.pending = self.pending, []
            self.cache.put_many(self.store_key, self.stream, self.projector.code_hash, entries)

    def _stopped(self, event: Any, exc: Exception) -> _Outcome:
        """Rebuild the state just before the failing event (the projector may have half-changed it)."""
        self._flush()  # checkpoints taken before the failing event are sound
        self.cache_writable = False
        again = _Run(self.store, self.stream, self.projector, self.cache, self.use_store_snapshots, self.cancel, None,
                     self.first)
        again.cache_writable = False
        before = again.run(event.version, stop_before=event)
        before.stopped = StoppedAt(event.version, event.type, error_text(exc))
        return before


#: ``_Run._fold_user``'s ``due`` where no checkpoint is written: the largest one-digit int of CPython
#: (the quick comparison of two such ints); a row of a later version is only looked at
_NO_CHECKPOINT = (1 << 30) - 1


def _own_data(row: Any, at_payload: int, decode: Any, kind: Any, layout: Any, stream: str) -> Any:
    """The payload of a row of a fold's page for a user's projector alone (``_Run._fold_user``),
    the value ``kind(row, layout, stream).fresh_data(private_copy)`` gives, with no event made
    for the usual row: ``decode`` being ``fold_page``'s decoder of the page (``orjson.loads``
    for a clean page, the page-checked or plain decoder, None: the event's way)."""
    if decode is orjson.loads:
        try:
            return orjson.loads(row[at_payload])
        except orjson.JSONDecodeError:  # NaN, 1e400, not JSON: the event's way says which
            return kind(row, layout, stream).fresh_data(private_copy)
    if decode is not None:
        payload = row[at_payload]
        if (type(payload) is str or type(payload) is bytes) and len(payload) <= PAUSE_COLLECTION_ABOVE:
            data = decode(payload)
            if data is not NOT_PLAIN:
                return data
    return kind(row, layout, stream).fresh_data(private_copy)


# --- public API ----------------------------------------------------------------------
def replay(
    store: EventStore,
    stream: str,
    *,
    at: Moment | None = None,
    projectors: ProjectorSet | Projector | None = None,
    cache: SnapshotCache | None = None,
    use_store_snapshots: bool = True,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> ReplayResult:
    """The stream's state at ``at`` (a version or an instant; None = its latest version).

    To a version, a projector that starts from store snapshots asks for one first: a snapshot
    at or before the target that the store read beside the stream's event at its version
    needs nothing else (not the stream's first event: the stream has events up to there; not
    the cache: no entry can be later than a snapshot at the target itself, and without a
    cache none is asked), so such a replay is that one statement plus the events after it.
    """
    started = time.perf_counter()
    projector: Projector | None = None
    found: Any = _UNASKED
    if at is not None and at.version is not None and use_store_snapshots:
        projector, found = _store_snapshot_first(store, stream, projectors, at.version)
    late: str | None = None
    first: Event | None = None
    upto: int | None
    if (at is not None and at.version is not None and found is not _UNASKED and found is not None
            and len(found) > 2 and found[2] is not None and (cache is None or found[0] == at.version)):
        assert projector is not None
        upto, cache = at.version, None
    else:
        first = _first_event(store, stream, cancel)
        if first is None:
            name = projectors.name if isinstance(projectors, Projector) else GENERIC_PROJECTOR.name
            return ReplayResult(stream, None, None, {}, name, problem=f"no events in stream {quoted_name(stream)}",
                                elapsed_ms=_ms(started))
        if projector is None:
            projector = _choose_projector(projectors, store, stream, first)
        upto, before_start = _resolve(store, stream, at, first, cancel)
        assert first.version is not None
        origin = version_origin(getattr(store, "layout_name", None), first.version)
        late = late_start_text(first.version, origin) if first.version > origin else None
        refused = _before_the_stream(at, before_start, first, origin, late)
        if refused is not None:
            return ReplayResult(stream, None, None, projector.to_json(projector.initial()), projector.name,
                                problem=refused, elapsed_ms=_ms(started))
        if before_start:
            initial = projector.initial()
            return ReplayResult(stream, None, None, projector.to_json(initial), projector.name,
                                raw_state=initial, elapsed_ms=_ms(started))
    run = _Run(store, stream, projector, cache, use_store_snapshots, cancel, progress, first, found)
    try:
        outcome = run.run(upto)
        result_duplicates = _duplicate_warnings(run.duplicates)
    except ProjectorError as exc:
        return ReplayResult(stream, None, None, None, projector.name, problem=str(exc), elapsed_ms=_ms(started))
    result = _result(stream, projector, outcome, started)
    if late is not None and outcome.source != "store":
        result.warnings.append(late)
    result.warnings.extend(result_duplicates)
    if at is not None and at.version is not None and outcome.stopped is None and outcome.version != upto:
        # never answer another version silently: the state shown is the one before, named as such
        nearest = "" if outcome.version is None else f"; the last version before it is v{outcome.version}"
        result.problem = f"stream {quoted_name(stream)} has no event at v{upto}{nearest}"
    return result


def _store_snapshot_first(store: EventStore, stream: str, projectors: ProjectorSet | Projector | None,
                          version: int) -> tuple[Projector, Any]:
    """The stream's projector and the store snapshot it would start from at ``version``
    (``projector.store_snapshot``); ``_UNASKED`` when it uses none or cannot read this store
    (the replay then says why, as without this look)."""
    projector = _choose_projector(projectors, store, stream, None)
    if not projector.uses_store_snapshots:
        return projector, _UNASKED
    try:
        return projector, projector.store_snapshot(store, stream, version)
    except ProjectorError:
        return projector, _UNASKED


def _duplicate_warnings(duplicates: list[tuple[int, Any, Any]]) -> list[str]:
    """One line per version claimed by more than one of the events folded, naming their positions,
    e.g. ``v2 is claimed by two events (positions 2093 and 2839): both were applied, in position order``."""
    positions: dict[int, list[Any]] = {}
    for version, before, after in duplicates:
        claimed = positions.setdefault(version, [before])
        if claimed[-1] != before:
            claimed.append(before)
        claimed.append(after)
    lines = []
    for version, claimed in positions.items():
        count = "two" if len(claimed) == 2 else str(len(claimed))
        listed = " and ".join(str(position) for position in claimed) if len(claimed) == 2 else ", ".join(
            str(position) for position in claimed)
        lines.append(f"v{version} is claimed by {count} events (positions {listed}): "
                     f"{'both' if len(claimed) == 2 else 'all'} were applied, in position order")
    return lines


def _before_the_stream(at: Moment | None, before_start: bool, first: Event, origin: int,
                       late: str | None) -> str | None:
    """Why a moment before the stream's first stored event has no state to show, or None.

    ``v{origin - 1}`` (v0 where versions start at 1) is the state before the first event, the
    projector's initial state. Below that no version exists. On a stream that starts after its
    origin (``late``: a slice), every moment before its first stored event is refused: the
    events before it are not in the store, so no state there can be rebuilt.
    """
    if at is None:
        return None
    assert first.version is not None
    if at.version is not None:
        if late is not None and at.version < first.version:
            return f"v{at.version} is not in this store: {late}"
        if at.version < max(origin - 1, 0) or at.version < 0:
            before = " (v0: the state before the first event)" if origin == 1 else ""
            return f"version {at.version} does not exist: versions start at {origin}{before}"
        return None
    if before_start and late is not None:
        return (f"{format_time(at.at)} is before the first event stored here (v{first.version} at "
                f"{format_time(first.recorded_at)}): {late}")
    return None


def _result(stream: str, projector: Projector, outcome: _Outcome, started: float) -> ReplayResult:
    problem: str | None = None
    note: str | None = None
    try:
        state = projector.to_json(outcome.state)
    except Exception as exc:  # a native aggregate whose attributes cannot be shown
        state, problem = None, f"state cannot be shown as JSON: {type(exc).__name__}: {exc}"
    else:
        state, note = shown_state(state, in_pieces=True)  # tuple keys, cycles: shown as far as JSON allows, and said
    return ReplayResult(
        stream=stream,
        version=outcome.version,
        recorded_at=outcome.recorded_at,
        state=state,
        projector=projector.name,
        snapshot_source=outcome.source,
        snapshot_version=outcome.snapshot_version,
        events_applied=outcome.applied,
        elapsed_ms=_ms(started),
        stopped=outcome.stopped,
        problem=problem,
        state_note=note,
        raw_state=outcome.state,
        last_event=outcome.last_event,
    )


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


class _BlameTracker:
    """Watches the changed top-level fields while folding from A to B and blames each event that moved one."""

    def __init__(self, projector: Projector, state_a: Any, changes: list[Change]) -> None:
        self.projector = projector
        self.groups: dict[Any, list[Change]] = {}
        for change in changes:
            self.groups.setdefault(top_key(change.path), []).append(change)
        self.root_only = not isinstance(state_a, dict)
        self.seen: dict[Any, Any] = {}
        for key in self.groups:
            self.seen[key] = _detach(self._value(state_a, key))
        #: keys whose ``seen`` value is still the state's own: copied by ``settle`` before a fold
        self.unsettled: list[Any] = []
        self.events: list[Event] = []
        self.total = 0
        self.truncated = False

    @staticmethod
    def _value(state: Any, key: Any) -> Any:
        if key is None:
            return state
        if isinstance(state, dict):
            if key in state:
                return state[key]
            return resolve(state, "/" + key.replace("~", "~0").replace("/", "~1"), _ABSENT)
        return _ABSENT

    def observe(self, raw_state: Any, event: Event) -> None:
        self.total += 1
        if len(self.events) < EVENTS_LIMIT:
            self.events.append(materialize(event))
        if not self.groups:
            return
        state = self.projector.to_json(raw_state)
        groups: Any = self.groups
        if type(raw_state) is _TrackedState:
            # Only the fields the projector wrote (or reached into) can have changed.
            touched = raw_state.take_touched()
            if touched is not None:
                groups = [(key, self.groups[key]) for key in touched if key in self.groups]
            else:
                groups = self.groups.items()
        else:
            groups = self.groups.items()
        blame = None
        for key, changes in groups:
            new = self._value(state, key)
            old = self.seen[key]
            if new is old or same_value(new, old):
                continue
            if blame is None:
                blame = Blame(event.version, event.type, event.recorded_at, event.actor)
            old_doc = old if key is None else {key: old}
            new_doc = new if key is None else {key: new}
            for change in changes:
                path = change.path if key is not None else change.path
                if not same_value(resolve(old_doc, path, _ABSENT), resolve(new_doc, path, _ABSENT)):
                    change.events.append(blame)
                    if len(change.events) >= 2 * BLAME_LIMIT:
                        # keep the latest: the last change of a path is what a user asks about
                        dropped = len(change.events) - BLAME_LIMIT
                        del change.events[:dropped]
                        change.events_omitted += dropped
                        self.truncated = True
            self.seen[key] = new  # the state's own: ``settle`` copies it if another event follows
            self.unsettled.append(key)

    def settle(self) -> None:
        """Copy the values the last event changed, before the next fold may change them in place
        (after the last event no copy is made: a 27 MB value took 1.3 s to copy)."""
        for key in self.unsettled:
            self.seen[key] = _detach(self.seen[key])
        self.unsettled.clear()


_ABSENT = object()
_CONTAINERS = (dict, list, set)


class _TrackedState(dict):
    """A state dict that remembers which top-level fields a fold wrote or reached into.

    Blame then compares only those fields after each event instead of all of them,
    which keeps a diff of a 10,000-field state fast. Iterating values or items hands out
    nested containers we cannot follow, so it marks every field as touched.
    """

    __slots__ = ("touched", "everything")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.touched: set[Any] = set()
        self.everything = False

    def take_touched(self) -> set[Any] | None:
        touched, everything = self.touched, self.everything
        self.touched, self.everything = set(), False
        return None if everything else touched

    def __setitem__(self, key: Any, value: Any) -> None:
        self.touched.add(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.touched.add(key)
        super().__delitem__(key)

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        if isinstance(value, _CONTAINERS):
            self.touched.add(key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        value = super().get(key, default)
        if isinstance(value, _CONTAINERS):
            self.touched.add(key)
        return value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.touched.add(key)
        return super().setdefault(key, default)

    def pop(self, key: Any, *default: Any) -> Any:
        self.touched.add(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[Any, Any]:
        key, value = super().popitem()
        self.touched.add(key)
        return key, value

    def update(self, *args: Any, **kwargs: Any) -> None:
        other = dict(*args, **kwargs)
        self.touched.update(other)
        super().update(other)

    def __ior__(self, other: Any) -> "_TrackedState":  # type: ignore[misc]  # dict's |= takes any mapping
        self.update(other)
        return self

    def clear(self) -> None:
        self.touched.update(self.keys())
        super().clear()

    def values(self) -> Any:
        self.everything = True
        return super().values()

    def items(self) -> Any:
        self.everything = True
        return super().items()


def _detach(value: Any) -> Any:
    """A copy that later in-place changes of the state cannot reach (scalars are shared)."""
    if isinstance(value, (dict, list)):
        return jsontext.exact_copy(value)  # big ints, Decimals and NaN survive (deepcopy for those)
    return value


def _order(version: int | None) -> float:
    """A moment's place in the stream: None (before its first event) comes before every version, 0 included."""
    return float("-inf") if version is None else version


def resolved_text(moment: Moment, version: int | None) -> str:
    """A moment as given with the version it resolved to: ``v10``, ``2026-09-01T00:00:00Z (v132)``,
    ``2026-01-01T00:00:00Z (before the stream's first event)``."""
    if moment.version is not None and version == moment.version:
        return f"v{version}"
    where = "before the stream's first event" if version is None else f"v{version}"
    return f"{moment} ({where})"


def diff(
    store: EventStore,
    stream: str,
    a: Moment,
    b: Moment,
    *,
    projectors: ProjectorSet | Projector | None = None,
    cache: SnapshotCache | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> StateDiff:
    """The state at ``b`` against the state at ``a``, each changed path blamed on the events between."""
    started = time.perf_counter()
    first = _first_event(store, stream, cancel)
    if first is None:
        return StateDiff(stream, MomentRef(None, None), MomentRef(None, None),
                         problem=f"no events in stream {quoted_name(stream)}", elapsed_ms=_ms(started))
    projector = _choose_projector(projectors, store, stream, first)
    at_a = replay(store, stream, at=a, projectors=projector, cache=cache, cancel=cancel)
    at_b = replay(store, stream, at=b, projectors=projector, cache=cache, cancel=cancel)
    for side in (at_a, at_b):
        if side.problem:
            return StateDiff(stream, MomentRef(at_a.version, at_a.recorded_at), MomentRef(at_b.version, at_b.recorded_at),
                             projector=projector.name, problem=side.problem, elapsed_ms=_ms(started))
    if _order(at_b.version) < _order(at_a.version):  # moments of any kinds, once resolved to versions
        return StateDiff(stream, MomentRef(at_a.version, at_a.recorded_at), MomentRef(at_b.version, at_b.recorded_at),
                         projector=projector.name, reversed=True, elapsed_ms=_ms(started),
                         problem=f"the second moment, {resolved_text(b, at_b.version)}, comes before the first, "
                                 f"{resolved_text(a, at_a.version)}: a diff reads from the earlier moment to the later one")
    changes = diff_states(at_a.state, at_b.state)
    low, high = (at_a, at_b) if _order(at_a.version) <= _order(at_b.version) else (at_b, at_a)
    tracker = _BlameTracker(projector, low.state, changes)
    stopped = at_a.stopped or at_b.stopped
    if _order(high.version) > _order(low.version):
        # Fold from the earlier moment to the later one, watching the changed fields.
        state = projector.copy(low.raw_state)
        if type(state) is dict:
            state = _TrackedState(state)
        after = low.version
        fold_upto = high.version
        assert fold_upto is not None and first.version is not None  # high is after low, so it has a version
        throttle = _Throttle(progress, fold_upto - (first.version - 1 if after is None else after))
        for count, event in enumerate(projector.read(store, stream, after=after, upto=fold_upto, cancel=cancel, full=True), 1):
            if event.version is None:
                continue
            tracker.settle()
            try:
                state = projector.fold(state, event)
            except Exception as exc:  # reported in the result, as replay does
                stopped = StoppedAt(event.version, event.type, error_text(exc))
                break
            tracker.observe(state, event)
            if count % _CHECK_EVERY == 0:
                check(cancel)
                throttle.tick(count)
        throttle.finish(tracker.total)
    for change in changes:
        if len(change.events) > BLAME_LIMIT:
            dropped = len(change.events) - BLAME_LIMIT
            del change.events[:dropped]
            change.events_omitted += dropped
    return StateDiff(
        stream=stream,
        from_=MomentRef(at_a.version, at_a.recorded_at),
        to=MomentRef(at_b.version, at_b.recorded_at),
        changes=changes,
        events_between=tracker.events,
        events_between_total=tracker.total,
        projector=projector.name,
        elapsed_ms=_ms(started),
        stopped=stopped,
        warnings=list(dict.fromkeys(at_a.warnings + at_b.warnings)),
        before=at_a.state,
        after=at_b.state,
    )


# --- the events that share one version, one at a time -----------------------------------
@dataclass
class EventStep:
    """What one of the events stored at a version changed on its own: ``changes`` from the
    state just before it (after the events before it at that version, by position) to the
    state just after it. ``state``: that state as JSON values (as ``ReplayResult.state`` shows
    one; not part of ``to_json``), None when the projector raised. ``problem``: the projector
    raised on it (no changes given, and the events after it are not applied)."""

    position: Any
    type: str
    changes: list[Change] = field(default_factory=list)
    problem: str | None = None
    state: Any = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """``{"position", "type", "changes": [{path, op, before, after}], "problem"}``."""
        return {"position": self.position, "type": self.type, "problem": self.problem,
                "changes": [{key: value for key, value in change.to_json().items()
                             if key in ("path", "op", "before", "after")} for change in self.changes]}


def steps_at(
    store: EventStore,
    stream: str,
    version: int,
    *,
    projectors: ProjectorSet | Projector | None = None,
    cache: SnapshotCache | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> list[EventStep]:
    """Each event stored at ``stream`` v``version``, in position order, with what it changed on
    its own: the state before the version (a replay to ``version - 1``, through the cache) is
    folded with one event at a time and diffed after each. Empty when the stream has no event
    there or the state before it cannot be computed (the projector raised before it).
    ``progress`` is not called (a replay to the version before, then a few events)."""
    first = _first_event(store, stream, cancel)
    if first is None:
        return []
    projector = _choose_projector(projectors, store, stream, first)
    before = replay(store, stream, at=Moment(version=version - 1), projectors=projector, cache=cache,
                    cancel=cancel)
    if before.stopped is not None:
        return []
    if before.version is None:  # before the stream's first event: the projector's initial state
        raw = projector.initial()
    elif before.raw_state is None:
        return []
    else:
        raw = before.raw_state
    state = projector.copy(raw)
    shown = _detach(projector.to_json(state))
    steps: list[EventStep] = []
    for event in projector.read(store, stream, after=before.version, upto=version, cancel=cancel, full=True):
        if event.version != version:
            continue
        try:
            state = projector.fold(state, event)
        except Exception as exc:  # said in the step, as replay says it
            steps.append(EventStep(event.position, event.type, problem=error_text(exc)))
            break
        now = _detach(projector.to_json(state))
        steps.append(EventStep(event.position, event.type, diff_states(shown, now), state=shown_state(now)[0]))
        shown = now
    return steps


# --- bisect --------------------------------------------------------------------------
_SAFE_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in (
        "abs", "all", "any", "bool", "dict", "float", "int", "isinstance", "len", "list",
        "max", "min", "round", "set", "sorted", "str", "sum", "tuple", "None", "True", "False",
    )
}


class _Predicate:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        tree = ast.parse(expression, "<when>", "eval")
        loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        self.unknown = sorted(loaded - bound - set(_SAFE_BUILTINS) - {"state", "event"})
        # the expression as the body of ``lambda state, event: ...`` with only the safe builtins:
        # the same evaluation as ``eval`` with those names, at the cost of a call (``states
        # --ever`` asks it after every version of every stream)
        arguments = ast.arguments(posonlyargs=[], args=[ast.arg("state"), ast.arg("event")], kwonlyargs=[],
                                  kw_defaults=[], defaults=[])
        function = ast.fix_missing_locations(ast.Expression(ast.Lambda(arguments, tree.body)))
        self.holds = eval(compile(function, "<when>", "eval"), {"__builtins__": _SAFE_BUILTINS})
        #: the keys it read that states lacked, to say when one was missing from every state
        self.reads = KeyReads()

    def __call__(self, state: Any, event: Event | None) -> bool:
        self.reads.evaluated += 1
        try:
            return bool(self.holds(state, event))
        except KeyError as exc:  # a field not written yet: "does not hold" (a key no state had is noted)
            self.reads.missed(exc, state)
            return False
        except Exception as exc:  # anything else is reported with where it was raised, never a silent False
            self.reads.failed(exc, event)
            return False


def bisect(
    store: EventStore,
    stream: str,
    when: str,
    *,
    projectors: ProjectorSet | Projector | None = None,
    cache: SnapshotCache | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> BisectResult:
    """The first version at which ``when`` (a Python expression over ``state`` and ``event``) holds.

    The latest version is probed first. When the predicate holds there: binary search over
    versions, each probe a replay that starts from the nearest snapshot, so it assumes the
    predicate stays true once it became true (an invariant that broke and was never
    repaired); a predicate that comes and goes may be answered with any version where it
    became true. When it does not hold at the latest version, binary search cannot tell
    "never" from "held once, then stopped": every version is checked in order, folding the
    stream once from its first event, and the first version where it held is answered with
    ``holds_at_latest`` False, or ``found`` False when it held at none. Without a cache, an
    in-memory one is used so the probes share checkpoints.

    A missing key means ``when`` does not hold there; any other error it raises counts as not
    holding and is reported: ``expression_errors`` and ``note`` (the error, how often, the first
    version), or ``problem`` when it raised at every version checked.
    """
    started = time.perf_counter()
    try:
        predicate = _Predicate(when)
    except SyntaxError as exc:
        return BisectResult(stream, when, False, problem=f"--when is not a Python expression: {exc.msg}",
                            elapsed_ms=_ms(started))
    if predicate.unknown:
        return BisectResult(stream, when, False, elapsed_ms=_ms(started),
                            problem=f"--when may use only state and event; unknown name(s): {', '.join(predicate.unknown)}")
    first = _first_event(store, stream, cancel)
    if first is None:
        return BisectResult(stream, when, False, problem=f"no events in stream {quoted_name(stream)}", elapsed_ms=_ms(started))
    projector = _choose_projector(projectors, store, stream, first)
    assert first.version is not None
    origin = version_origin(getattr(store, "layout_name", None), first.version)
    late = late_start_text(first.version, origin) if first.version > origin else None
    probe_cache = cache if cache is not None else SnapshotCache(":memory:", every=max(1, 200))
    probes = 0

    def probe(version: int | None) -> ReplayResult:
        nonlocal probes
        probes += 1
        check(cancel)
        result = replay(store, stream, at=None if version is None else Moment(version=version),
                        projectors=projector, cache=probe_cache, cancel=cancel)
        if progress is not None:
            progress(probes, None)
        return result

    try:
        latest = probe(None)
        if latest.problem or latest.stopped:
            return _bisect_stopped(stream, when, latest, probes, started)
        if not predicate(latest.state, latest.last_event):
            predicate.reads = KeyReads()  # the scan asks it of every version again, the latest included
            scan = _scan(store, stream, when, projector, predicate, latest, probes, started, late, cancel, progress)
            if scan.found and scan.version is not None:
                assert first.version is not None
                before_scan = probe(scan.version - 1) if scan.version - 1 >= first.version else None
                scan.state_before = (before_scan.state if before_scan is not None
                                     else projector.to_json(projector.initial()))
                scan.probes = probes
            scan.warnings = list(latest.warnings)  # the scan folded the stream up to the latest version
            scan.expression_errors = predicate.reads.errors_json()
            if not scan.problem and predicate.reads.raised_everywhere():
                scan.problem = predicate.reads.error_note("versions checked", subject="--when")
            return scan
        assert first.version is not None and latest.version is not None
        low, high = first.version - 1, latest.version  # predicate false at ``low`` (before the stream), true at ``high``
        high_result = latest
        assert low is not None and high is not None
        while high - low > 1:
            middle = (low + high) // 2
            result = probe(middle)
            if result.problem or result.stopped:
                return _bisect_stopped(stream, when, result, probes, started)
            if predicate(result.state, result.last_event):
                high, high_result = result.version if result.version is not None else middle, result
            else:
                low = middle
        before = probe(high - 1) if high - 1 >= first.version else None
    finally:
        if cache is None:
            probe_cache.close()
    return BisectResult(
        stream=stream,
        expression=when,
        found=True,
        version=high,
        event=high_result.last_event,
        state_before=before.state if before is not None else projector.to_json(projector.initial()),
        state_after=high_result.state,
        probes=probes,
        elapsed_ms=_ms(started),
        note="; ".join(n for n in (predicate.reads.error_note("versions checked"), late) if n) or None,
        expression_errors=predicate.reads.errors_json(),
        holds_at_latest=True,
        latest_version=latest.version,
        # those of the replay to the version found: a duplicated version there names both events
        warnings=list(dict.fromkeys(high_result.warnings + (before.warnings if before is not None else []))),
    )


def _scan(store: EventStore, stream: str, when: str, projector: Projector, predicate: _Predicate,
          latest: ReplayResult, probes: int, started: float, late: str | None, cancel: CancelToken | None,
          progress: Progress | None) -> BisectResult:
    """The first version where ``predicate`` held, checked version by version from the stream's
    first event up to ``latest`` (where it does not hold): one fold, the predicate asked of
    the state after each whole version (every event claiming it applied) and of its last event.
    The state before the version found is left to the caller (a replay to the version before)."""
    state = projector.initial()
    to_json = projector.to_json
    group: int | None = None
    last_event: Any = None
    scanned = 0
    found: int | None = None
    found_event: Any = None
    after_json: Any = None
    stopped: StoppedAt | None = None
    events = projector.read(store, stream, after=None, upto=latest.version, cancel=cancel, full=True)

    def holds() -> bool:
        nonlocal scanned, after_json
        scanned += 1
        if progress is not None and not scanned & _CHECK_MASK:
            progress(scanned, latest.version)
        now = to_json(state)
        if predicate(now, last_event):
            after_json = now  # the fold ends here: nothing changes it afterwards
            return True
        return False

    try:
        for count, event in enumerate(events, 1):
            version = event.version
            if version is None:
                continue
            if version != group:
                if group is not None and holds():
                    found, found_event = group, last_event
                    break
                group = version
            try:
                state = projector.fold(state, event)
            except Cancelled:
                raise
            except Exception as exc:  # the user's projector (it did not raise on the way to the latest version)
                stopped = StoppedAt(version, event.type, error_text(exc))
                break
            last_event = event
            if not count & _CHECK_MASK:
                check(cancel)
        else:
            if group is not None and holds():
                found, found_event = group, last_event
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
    note = "; ".join(n for n in (predicate.reads.note() if found is None else None,
                                 predicate.reads.error_note("versions checked"), late) if n) or None
    result = BisectResult(stream, when, found is not None, probes=probes, elapsed_ms=_ms(started), note=note,
                          holds_at_latest=False, latest_version=latest.version, search="scan",
                          versions_scanned=scanned, state_after=latest.state)
    if stopped is not None:
        result.problem = (f"the projector raised at v{stopped.version} ({stopped.type}): {stopped.error}; "
                          "bisect cannot look past it")
        return result
    if found is not None:
        result.version = found
        result.event = materialize(found_event) if found_event is not None else None
        result.state_after = shown_state(after_json)[0]
    return result


def _bisect_stopped(stream: str, when: str, result: ReplayResult, probes: int, started: float) -> BisectResult:
    if result.problem:
        problem = result.problem
    else:
        assert result.stopped is not None
        problem = (f"the projector raised at v{result.stopped.version} ({result.stopped.type}): "
                   f"{result.stopped.error}; bisect cannot look past it")
    return BisectResult(stream, when, False, probes=probes, elapsed_ms=_ms(started), problem=problem,
                        state_after=result.state)


__all__ = [
    "BisectResult",
    "EventStep",
    "MomentRef",
    "ReplayResult",
    "StateDiff",
    "StoppedAt",
    "bisect",
    "diff",
    "replay",
    "steps_at",
    "version_at",
]
