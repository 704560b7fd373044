"""Whole-category replay: every stream of a category (or a stream pattern) folded to one moment.

Two questions a single-stream replay cannot answer:

* **Which aggregates are in a given state?** ``replay_category`` replays each stream to the
  moment (default: its latest version) and yields its state, or only whether a predicate over
  it holds (the ``bisect`` expression language: ``state`` and ``event``); with ``ever=True`` it
  scans each stream's fold version by version for the *first* version where the predicate
  held (a scan, not a binary search: the predicate need not stay true once it became true).
* **Will my projector change alter anything?** ``compare_category`` folds each stream with two
  projector sets and yields the streams whose states differ, with the changed paths in the
  shape ``diff`` uses (``inspector.core.diff.Change``).

How it reads the store: where the store can pick the streams itself
(``EventStore.read_category_for_replay``: SQL stores whose layout selects the category in SQL,
JSON Lines), the whole category is read once in (stream, version) order by keyset pages, with no
stream listing and no query per stream, and each stream is folded as its rows arrive; a moment
given as a time (``--at TIME``), or a projector set that needs each stream's category from the
store, falls back to listing the streams by keyset pages (``EventStore.streams``) and reading each
one by ``read_for_replay``. A run spread over processes cuts the one-pass read into slices of
whole streams (``category_slices``), read and folded a slice per process at a time; where there is
no one-pass read, its workers get pages of listed streams. Either way events are lazy (a payload is decoded only when the
projector looks at it), and ``compare_category`` folds both projectors from the same read when
both read events the ordinary way. Every fold starts from the stream's first
event: neither the snapshot cache nor store-native snapshots are used, so the answer is what the
events say, and nothing is written anywhere.

Memory stays bounded: a run is an iterator that yields one result per stream as it is done and
keeps no state of earlier streams (only counts); a stream's state is kept in a result only when
the caller gets it (a match, a difference).

Invariants:

* a stream is folded in (version, position) order; every event of a version is applied before
  the predicate looks at that version (a duplicated version counts as one moment);
* a projector that raises stops that stream only: the run goes on with the next stream and the
  stopped one is reported with the event's version, type and the error (``StoppedAt``);
* with a moment, a stream that did not exist yet (its first version is later, or its first
  event was recorded after the instant) is left out: it is neither replayed nor counted.

Cancellation: the token is checked between streams and every 256 events; once it is set the
iteration raises ``Cancelled``, and the run's ``totals`` say what was done (``partial`` True).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Iterator, Self

from inspector.core.cancel import CancelToken, Cancelled, Progress, check
from inspector.core.diff import Change, diff_states, same_value
from inspector.core.events import Moment, StreamSummary, format_time
from inspector.replay.engine import StoppedAt, _Predicate, version_at
from inspector.replay.key_reads import KeyReads
from inspector.core.health import version_origin
from inspector.replay.projectors import (_IMMUTABLE, _UNREAD, AheadProjectorEvent, FunctionProjector, Projector,
                                         ProjectorError, ProjectorSet, _new_view, error_text, private_copy, shown_state)
from inspector.stores.base import EventStore
from inspector.stores.lazy import LazyEvent, materialize

#: Streams asked for per page of the store's stream listing.
STREAM_PAGE = 500
#: How often (in events) a fold looks at the cancel token.
_CHECK_MASK = 256 - 1
#: A stream whose recorded times all lie this far before (after) an instant is taken whole (left
#: out) without asking the store for its version at that instant; closer calls ask it, so the
#: rounding of a listing's times never decides an answer.
_TIME_MARGIN = timedelta(seconds=1)

Projectors = ProjectorSet | Projector


class ExpressionError(ValueError):
    """The ``where`` expression is not usable: not a Python expression, or a name other than
    ``state`` and ``event`` (and a few builtins). The message is one line a user can act on."""


# --- results -------------------------------------------------------------------------
@dataclass
class StreamOutcome:
    """One stream of a category replay.

    ``version``/``recorded_at``: the moment the state is at (the last version applied; with
    ``ever``, the first version where the predicate held). ``matched``: the predicate held there
    (always True without a predicate; False for a stream that stopped before any match).
    ``state``: the state as JSON values when ``matched``, else None (not kept). ``stopped``: the
    event whose projector raised, when one did (the stream was not folded further).
    ``events_applied``: events folded for this stream (with ``ever``: up to the first match).
    """

    stream: str
    version: int | None
    recorded_at: datetime | None
    matched: bool
    state: Any = None
    projector: str = ""
    events_applied: int = 0
    stopped: StoppedAt | None = None
    #: what had to change to show a state that is not plain JSON (tuple keys, cycles); None when nothing
    state_note: str | None = None
    #: the stream's first stored version when it comes after the version its history starts at
    #: (a slice: the state folds from there, not from the stream's beginning); None otherwise
    starts_late_at: int | None = None
    #: the moment is a version vN this stream never reached: its last version (< N). It has no
    #: state at vN, so it is not a match (never another version's state in silence); None otherwise
    ends_before: int | None = None

    def match_json(self) -> dict[str, Any]:
        """``{"stream", "version", "recorded_at", "state"}``: one entry of ``states --json``'s ``matches``."""
        return {"stream": self.stream, "version": self.version, "recorded_at": format_time(self.recorded_at),
                "state": self.state}

    def stopped_json(self) -> dict[str, Any]:
        """``{"stream", "version", "type", "error"}``: one entry of ``states --json``'s ``stopped``."""
        assert self.stopped is not None
        return {"stream": self.stream, **self.stopped.to_json()}


@dataclass
class StreamDifference:
    """One stream whose state differs between two projector sets (``compare_category``).

    ``changes``: every changed path, ``before`` = the old projector's value, ``after`` = the new
    one's (``Change``, with no blame: ``events`` stays empty). ``old_stopped``/``new_stopped``: the
    event where that side's projector raised; a side that stopped has no state to compare, so such
    a stream is a difference with no paths unless both stopped at the same event with the same error
    (then it is no difference and is reported in ``stopped`` only).
    """

    stream: str
    version: int | None
    recorded_at: datetime | None
    old_projector: str
    new_projector: str
    changes: list[Change] = field(default_factory=list)
    old_stopped: StoppedAt | None = None
    new_stopped: StoppedAt | None = None
    events_applied: int = 0
    #: True when both sides stopped alike: reported, but not a difference
    differs: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "version": self.version,
            "recorded_at": format_time(self.recorded_at),
            "projector": self.old_projector,
            "against": self.new_projector,
            "changes": [change.to_json() for change in self.changes],
            "stopped": {
                "projector": None if self.old_stopped is None else self.old_stopped.to_json(),
                "against": None if self.new_stopped is None else self.new_stopped.to_json(),
            },
        }


@dataclass
class CategoryTotals:
    """What a run has done so far: updated as it goes, final once iteration ends.

    ``streams``: streams replayed (left-out streams that did not exist at the moment, or that
    end before a version asked for, are not counted: ``ended_before`` counts the latter);
    ``events_applied``: events folded over all of them (both sides of a compare count once: they
    fold the same events); ``elapsed_ms``: wall time since the run started, in
    milliseconds; ``matches``/``stopped``/``differences``: how many such results were yielded;
    ``partial``: the run was cancelled before it got through every stream; ``total``: how many
    streams there are to replay, when known cheaply (else None).
    """

    streams: int = 0
    events_applied: int = 0
    elapsed_ms: float = 0.0
    matches: int = 0
    stopped: int = 0
    differences: int = 0
    partial: bool = False
    total: int | None = None
    #: streams left out because the moment is a version they never reached (``ends_before``)
    ended_before: int = 0
    #: with a ``where``: the keys it read that states lacked (``where_note()`` names those no state had)
    #: and the errors it raised, counted as not holding (``where_note()`` names them, ``where_errors()`` lists them)
    reads: KeyReads | None = None
    #: the ``processes`` a run over several processes used, once it has started: the number asked
    #: for, lowered to the slices (or pages) of streams there are to fold (``spread_note`` says so)
    processes: int = 1
    #: why ``processes`` is lower than the number asked for (``"the streams make 1 slice to fold (a slice
    #: holds about 20,000 events)"``), or None
    spread_note: str | None = None

    def count(self, outcome: "StreamOutcome") -> None:
        """Add one stream's outcome of a states run (every way of running one counts alike)."""
        self.streams += outcome.ends_before is None  # one that never reached the moment is not replayed to it
        self.events_applied += outcome.events_applied
        self.matches += outcome.matched
        self.stopped += outcome.stopped is not None
        self.ended_before += outcome.ends_before is not None

    def where_note(self) -> str | None:
        """A line naming a key the ``where`` expression read that no state had (a misspelling?) and
        the errors it raised (each counted as not holding, with the stream and version), or None."""
        if self.reads is None:
            return None
        return "; ".join(n for n in (self.reads.note(), self.reads.error_note()) if n) or None

    def where_errors(self) -> list[dict[str, Any]]:
        """``[{"error", "count", "stream", "version"}]``: each distinct error the ``where`` expression
        raised (``KeyReads.errors_json``); empty without one."""
        return [] if self.reads is None else self.reads.errors_json()


class _Run:
    """An iterator over results with live ``totals``; ``close()`` ends it early."""

    def __init__(self, results: Iterator[Any], totals: CategoryTotals) -> None:
        self._results = results
        self.totals = totals

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Any:
        return next(self._results)

    def close(self) -> None:
        close = getattr(self._results, "close", None)
        if close is not None:
            close()


class CategoryReplay(_Run):
    """``replay_category``'s run: yields ``StreamOutcome``; ``totals`` is a ``CategoryTotals``."""

    def __next__(self) -> StreamOutcome:
        return next(self._results)


class CategoryComparison(_Run):
    """``compare_category``'s run: yields ``StreamDifference``; ``totals`` is a ``CategoryTotals``."""

    def __next__(self) -> StreamDifference:
        return next(self._results)


# --- choosing the streams ------------------------------------------------------------
def category_streams(store: EventStore, *, category: str | None = None, match: str | None = None,
                     cancel: CancelToken | None = None, page: int = STREAM_PAGE) -> Iterator[StreamSummary]:
    """Every stream of ``category`` (as ``streams`` lists it) and/or matching the stream pattern
    ``match`` (``inspector.core.matching``: ``*``, ``?``, else a substring), in name order, read
    page by page after the last name (keyset). Neither given: every stream of the store."""
    after: str | None = None
    while True:
        check(cancel)
        summaries = store.streams(match=match or None, category=category or None, after=after, limit=page)
        yield from summaries
        if len(summaries) < page:
            return
        after = summaries[-1].stream


def _stream_total(store: EventStore, category: str | None, match: str | None) -> int | None:
    """How many streams a run will list, when one cheap question answers it: a category alone
    (the store counts streams per category); with a pattern, unknown."""
    if match or not category:
        return None
    try:
        return dict(store.categories()).get(category, 0)
    except Exception:  # a count is only for progress: never a reason to fail the run
        return None


def _projector_for(projectors: Projectors, summary: StreamSummary) -> Projector:
    if isinstance(projectors, Projector):
        return projectors
    return projectors.for_stream(summary.stream, summary.category)


def _upto(store: EventStore, summary: StreamSummary, at: Moment | None,
          cancel: CancelToken | None) -> tuple[bool, int | None]:
    """(whether the stream existed at the moment, the last version to apply: None = all)."""
    if at is None:
        return True, None
    if at.version is not None:
        if summary.first_version is not None and summary.first_version > at.version:
            return False, None
        return True, at.version
    instant = at.at
    assert instant is not None
    # The listing's first and last times settle most streams without another query.
    if summary.first_at is not None and summary.first_at - _TIME_MARGIN > instant:
        return False, None
    if summary.last_at is not None and summary.last_at + _TIME_MARGIN <= instant:
        return True, None
    found = version_at(store, summary.stream, instant, cancel=cancel)
    return (found is not None), found


def _events(projector: Projector, store: EventStore, stream: str, upto: int | None,
            cancel: CancelToken | None) -> Iterator[Any]:
    return projector.read(store, stream, after=None, upto=upto, cancel=cancel)


class _StreamRead:
    """One stream of a whole-category read: its summary (name and the category asked for) and its
    events, already being read; ``for_projector`` hands them to a projector that reads the
    ordinary way, or closes them and lets a projector that reads its own way (native replay) read."""

    __slots__ = ("summary", "events", "_store", "_upto", "_cancel")

    def __init__(self, summary: StreamSummary, events: Iterator[Any], store: EventStore, upto: int | None,
                 cancel: CancelToken | None) -> None:
        self.summary = summary
        self.events = events
        self._store = store
        self._upto = upto
        self._cancel = cancel

    def for_projector(self, projector: Projector) -> Iterator[Any]:
        if _reads_the_ordinary_way(projector):
            return self.events
        self.close()
        return _events(projector, self._store, self.summary.stream, self._upto, self._cancel)

    def close(self) -> None:
        _close(self.events)


def _needs_category(*projectors: Projectors) -> bool:
    """Whether which projector a stream gets may depend on its category (a set with patterns)."""
    return any(isinstance(p, ProjectorSet) and bool(p.projectors) for p in projectors)


def _streams_to_fold(store: EventStore, whole: Iterator[_StreamRead] | None, category: str | None,
                     match: str | None, at: Moment | None, cancel: CancelToken | None,
                     ) -> Iterator[tuple[StreamSummary, bool, int | None, _StreamRead | None]]:
    """The streams a run folds, each as (summary, whether it has events by ``at``, the version to
    fold to, its events already being read or None): from the one whole-category read when
    there is one (``_read_whole_category``), else from the stream listing, each stream's bound
    worked out by ``_upto``."""
    if whole is not None:
        upto = None if at is None else at.version
        for read in whole:
            yield read.summary, True, upto, read
        return
    for summary in category_streams(store, category=category, match=match, cancel=cancel):
        exists, upto = _upto(store, summary, at, cancel)
        yield summary, exists, upto, None


def _read_whole_category(store: EventStore, needs_category: bool, category: str | None, match: str | None,
                         at: Moment | None, cancel: CancelToken | None) -> Iterator[_StreamRead] | None:
    """Each stream of one read of the whole category (``read_category_for_replay``), in order;
    None when that read cannot serve the run: a moment given as a time (worked out per stream by
    ``_upto``), projectors chosen by a category the run did not fix (the listing tells each
    stream's), a store that cannot pick the category's streams itself."""
    if at is not None and at.version is None:
        return None
    if needs_category and not category:
        return None
    read = getattr(store, "read_category_for_replay", None)
    if read is None:
        return None
    upto = None if at is None else at.version
    streams = read(category=category or None, match=match or None, upto=upto, cancel=cancel)
    if streams is None:
        return None
    return (_StreamRead(StreamSummary(stream=name, category=category or None, count=0, first_version=None,
                                      last_version=None), events, store, upto, cancel)
            for name, events in streams)


def _close(events: Iterator[Any]) -> None:
    """End a read early (the store's cursor is released at once, not when garbage collected)."""
    close = getattr(events, "close", None)
    if close is not None:
        close()


def _shown(projector: Projector, state: Any) -> tuple[Any, str | None]:
    """The state as JSON values, and a note on what had to change to show it."""
    try:
        return shown_state(projector.to_json(state))
    except Exception as exc:  # a native aggregate whose attributes cannot be shown
        return None, f"state cannot be shown as JSON: {type(exc).__name__}: {exc}"


def _time_of(event: Any) -> datetime | None:
    return None if event is None else materialize(event).recorded_at


# --- states --------------------------------------------------------------------------
def compile_where(expression: str) -> Callable[[Any, Any], bool]:
    """``expression`` as a predicate ``(state, event) -> bool``, by ``bisect``'s rules: a Python
    expression over ``state`` and ``event``; a missing key means "does not hold", and any other
    error it raises counts as not holding and is tallied in its ``reads`` (``KeyReads.failed``:
    reported by the run, never a silent False). Raises ``ExpressionError`` for a syntax error or
    an unknown name."""
    try:
        predicate = _Predicate(expression)
    except SyntaxError as exc:
        raise ExpressionError(f"--where is not a Python expression: {exc.msg}") from None
    if predicate.unknown:
        raise ExpressionError(f"--where may use only state and event; unknown name(s): {', '.join(predicate.unknown)}")
    return predicate


def _json_is_state(projector: Projector) -> bool:
    """Whether the projector's state is its JSON (``to_json`` not overridden)."""
    return getattr(type(projector).to_json, "__func__", type(projector).to_json) is Projector.to_json


def _decodes_ahead(projector: Projector) -> bool:
    """Whether a fold decodes each payload for ``projector`` before its turn and hands it over
    (``FunctionProjector.fold_with_data``): a user's projector whose source reads ``data``. The
    payload it gets is its own either way (``LazyEvent.fresh_data`` with ``private_copy``, as
    ``ProjectorEvent.data`` makes it); decoded ahead, its view reads it with no call. Only the
    lazy events of a store's read are decoded ahead (the fold checks a stream's first event)."""
    kind = type(projector)
    return (isinstance(projector, FunctionProjector) and not projector.trusted and projector.reads_data
            # the fold calls the function itself (``fold_with_data`` written out): not for a
            # subclass folding its own way
            and kind.fold is FunctionProjector.fold
            and getattr(kind, "fold_with_data", None) is FunctionProjector.fold_with_data)


def _asker(where: Callable[[Any, Any], bool], projector: Projector) -> Callable[[Any, Any], bool]:
    """``where(projector.to_json(state), event)`` as one call: ``where`` itself where the
    projector's state is its JSON (``to_json`` not overridden), no call in between."""
    if _json_is_state(projector):
        return where
    to_json = projector.to_json
    return lambda state, event: where(to_json(state), event)


def replay_stream_states(store: EventStore, summary: StreamSummary, projector: Projector, *,
                         upto: int | None = None, where: Callable[[Any, Any], bool] | None = None,
                         ever: bool = False, cancel: CancelToken | None = None,
                         events: Iterator[Any] | None = None) -> StreamOutcome:
    """One stream folded from its first event up to version ``upto`` (None: its latest).

    ``events``: the stream's events up to ``upto`` already being read (a whole-category read);
    None: the projector reads them.

    Without ``ever`` the predicate (if any) is asked once, of the final state; with ``ever`` it is
    asked after each version, and the fold ends at the first version where it holds.
    """
    stream = summary.stream
    state = projector.initial()
    ahead = _decodes_ahead(projector) and (not ever or where is None
                                           or (isinstance(where, _Predicate) and _json_is_state(projector)))
    fold: Callable[..., Any] = projector.fold
    # decoded ahead: ``fold_with_data`` written out, the user's function called with an
    # ``AheadProjectorEvent`` (a Python frame less per event, ``data`` read with no call)
    fn: Any = getattr(projector, "fn", None)
    error_of = FunctionProjector.error_of
    to_json = projector.to_json
    applied = 0
    group: int | None = None
    last_event: Any = None
    found: int | None = None
    stopped: StoppedAt | None = None
    first_version: int | None = None
    asked = 0  # versions the predicate was asked of in the written-out ``--ever`` loop
    if events is None:
        events = _events(projector, store, stream, upto, cancel)
    try:
        if not ever or where is None:
            # the predicate (if any) is asked of the final state only: nothing to do between versions
            for event in events:
                version = event.version
                if version is None:
                    continue  # rows without a version cannot be placed in the stream's order
                if first_version is None:
                    first_version = version
                    if ahead and not isinstance(event, LazyEvent):  # plain events: each view copies its payload
                        ahead = False
                try:
                    if ahead:
                        view = _new_view(AheadProjectorEvent)
                        view._event = event
                        view._data = event.fresh_data(private_copy)
                        view._metadata = _UNREAD
                        result = fn(state, view)
                        if result is not None:  # a function that mutates in place may return None
                            state = result
                    else:
                        state = fold(state, event)
                except Cancelled:
                    raise
                except Exception as exc:  # the user's projector: it stops this stream, not the run
                    stopped = StoppedAt(version, event.type, error_text(exc))
                    break
                except BaseException as exc:  # the function's own, as ``fold`` reports it (a Ctrl+C goes on up)
                    if not ahead:
                        raise
                    stopped = StoppedAt(version, event.type, error_text(error_of(exc)))
                    break
                last_event = event
                applied += 1
                if not applied & _CHECK_MASK:
                    check(cancel)
        elif isinstance(where, _Predicate) and _json_is_state(projector):
            # ``where(state, last_event)`` written out: the expression's function asked at once,
            # its errors tallied as ``_Predicate.__call__`` tallies them (a frame less per version)
            test, reads = where.holds, where.reads
            try:
                for event in events:
                    version = event.version
                    if version is None:
                        continue
                    if version != group:
                        # the previous version is complete: ask the predicate of it
                        if group is not None:
                            asked += 1
                            try:
                                if test(state, last_event):
                                    found = group
                                    break
                            except KeyError as exc:  # a field not written yet: does not hold
                                reads.missed(exc, state)
                            except Exception as exc:  # reported with where it was raised
                                reads.failed(exc, last_event)
                        else:
                            first_version = version
                            if ahead and not isinstance(event, LazyEvent):  # as above
                                ahead = False
                        group = version
                    try:
                        if ahead:  # as above
                            view = _new_view(AheadProjectorEvent)
                            view._event = event
                            view._data = event.fresh_data(private_copy)
                            view._metadata = _UNREAD
                            result = fn(state, view)
                            if result is not None:
                                state = result
                        else:
                            state = fold(state, event)
                    except Cancelled:
                        raise
                    except Exception as exc:  # the user's projector: it stops this stream, not the run
                        stopped = StoppedAt(version, event.type, error_text(exc))
                        break
                    except BaseException as exc:  # as above
                        if not ahead:
                            raise
                        stopped = StoppedAt(version, event.type, error_text(error_of(exc)))
                        break
                    last_event = event
                    applied += 1
                    if not applied & _CHECK_MASK:
                        check(cancel)
                else:
                    if group is not None:
                        found = group if where(state, last_event) else None
            finally:
                reads.evaluated += asked
        else:
            holds = _asker(where, projector)
            for event in events:
                version = event.version
                if version is None:
                    continue
                if version != group:
                    # the previous version is complete: ask the predicate of it
                    if group is not None and holds(state, last_event):
                        found = group
                        break
                    if group is None:
                        first_version = version
                    group = version
                try:
                    state = fold(state, event)
                except Cancelled:
                    raise
                except Exception as exc:  # the user's projector: it stops this stream, not the run
                    stopped = StoppedAt(version, event.type, error_text(exc))
                    break
                last_event = event
                applied += 1
                if not applied & _CHECK_MASK:
                    check(cancel)
            else:
                if group is not None and holds(state, last_event):
                    found = group
    finally:
        _close(events)
    if ever:
        matched = found is not None
    elif stopped is not None:
        matched = False  # the state at the moment is not known: the fold could not get there
    else:
        matched = where is None or where(to_json(state), last_event)
    version = found if found is not None else (None if last_event is None else last_event.version)
    ends_before = None
    if not ever and stopped is None and upto is not None and version is not None and version < upto:
        ends_before, matched = version, False  # no state at v{upto}: the stream ends at v{version}
    outcome = StreamOutcome(stream, version, None, matched, projector=projector.name, events_applied=applied,
                            stopped=stopped, ends_before=ends_before)
    if first_version is not None and first_version > version_origin(getattr(store, "layout_name", None), first_version):
        outcome.starts_late_at = first_version
    if matched:
        outcome.state, outcome.state_note = _shown(projector, state)
        outcome.recorded_at = _time_of(last_event)
    return outcome


def replay_category(
    store: EventStore,
    *,
    projectors: Projectors,
    category: str | None = None,
    match: str | None = None,
    at: Moment | None = None,
    where: str | None = None,
    ever: bool = False,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
    processes: int = 1,
) -> CategoryReplay:
    """Replay every stream of ``category`` and/or matching ``match`` to ``at`` (None: latest).

    Returns an iterator of ``StreamOutcome``, one per stream replayed, in stream name order, as each
    is done; its ``totals`` (``CategoryTotals``) count what was done so far. ``where``: a ``bisect``
    expression over ``state`` and ``event`` (the last event applied); an outcome's ``matched`` says
    whether it held (and only matched outcomes carry their state). ``ever``: whether it held at
    *any* version up to the moment, ``version`` being the first such version (needs ``where``).
    ``projectors``: a set (each stream gets the one for its name or category) or one projector.
    ``progress(streams_done, streams_total_or_None)`` is called after each stream (with
    ``processes``, after each page of streams).

    ``processes`` > 1 spreads the work over that many processes, results still in the order of a
    run in one process; only for a set made by ``load_projectors`` on a SQL or JSON Lines store,
    else the run stays in this process. Workers are spawned; each opens the store again and loads
    the projectors again from the spec they were loaded with. Where the category is read in one
    pass (a SQL store, no moment given as a time), it is cut into slices of about ``SLICE_ROWS``
    events at stream boundaries and this process plus ``processes - 1`` workers read and fold a
    slice each at a time (a stream is never split between processes); otherwise ``processes``
    workers fold pages of listed streams. ``processes`` is lowered to the slices (or pages) there
    are, so no process starts with nothing to fold; with one slice the run stays in this process
    (``totals.processes`` and ``totals.spread_note`` say so). It is not lowered to the CPUs:
    ``usable_processes`` does that for a caller that wants it (the CLI). Cancel ends the workers
    at once: the slices or pages they were folding are not reported.

    Raises ``ExpressionError`` for a bad ``where`` (at once, before anything is read), ``ValueError``
    for ``ever`` without ``where``, ``Cancelled`` from the iteration once ``cancel`` is set, and the
    store's ``StoreError``. A projector that raises stops its stream only (``outcome.stopped``).
    """
    predicate = compile_where(where) if where is not None else None
    if ever and predicate is None:
        raise ValueError("ever needs a where expression: the versions where it held are searched for")
    totals = CategoryTotals(reads=None if predicate is None else KeyReads())
    if predicate is not None:
        predicate.reads = totals.reads  # type: ignore[attr-defined]  # a _Predicate; spread runs merge theirs
    if processes > 1 and _can_spread(store, projectors):
        assert isinstance(projectors, ProjectorSet)
        return CategoryReplay(_replay_spread(store, projectors, category, match, at, where, predicate, ever, cancel,
                                             progress, totals, processes), totals)
    return CategoryReplay(_replay_all(store, projectors, category, match, at, predicate, ever, cancel, progress,
                                      totals), totals)


def _starting(progress: Progress | None, stream: str, number: int, totals: CategoryTotals) -> None:
    """Tell a ``progress`` that has a ``stream_started(stream, number, total)`` (a window's run)
    which stream is being folded now, before its first event: a projector that never returns
    inside it is then seen to be in that stream (one in-process run; not over several processes)."""
    started = getattr(progress, "stream_started", None)
    if started is not None:
        started(stream, number, totals.total)


@contextmanager
def _counted(totals: CategoryTotals, started: float) -> Iterator[None]:
    """A run's counting: a cancel marks ``totals`` partial (what was found so far is kept), and
    its elapsed time is set however the run ends."""
    try:
        yield
    except Cancelled:
        totals.partial = True
        raise
    finally:
        totals.elapsed_ms = _ms(started)


def _replay_all(store: EventStore, projectors: Projectors, category: str | None, match: str | None,
                at: Moment | None, predicate: Callable[[Any, Any], bool] | None, ever: bool,
                cancel: CancelToken | None, progress: Progress | None, totals: CategoryTotals) -> Iterator[StreamOutcome]:
    started = time.perf_counter()
    if progress is not None:
        totals.total = _stream_total(store, category, match)
    done = 0
    whole = _read_whole_category(store, _needs_category(projectors), category, match, at, cancel)
    with _counted(totals, started):
        for summary, exists, upto, read in _streams_to_fold(store, whole, category, match, at, cancel):
            check(cancel)
            done += 1
            if exists:
                _starting(progress, summary.stream, done, totals)
                projector = _projector_for(projectors, summary)
                outcome = replay_stream_states(store, summary, projector, upto=upto, where=predicate, ever=ever,
                                               cancel=cancel,
                                               events=None if read is None else read.for_projector(projector))
                totals.count(outcome)
                totals.elapsed_ms = _ms(started)
                yield outcome
            if progress is not None:
                progress(done, totals.total)


# --- runs over several processes (states and compare) -------------------------------
def available_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system tells it, else the
    machine's count), at least 1."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        return max(1, os.cpu_count() or 1)


def usable_processes(requested: int) -> int:
    """``requested`` processes (``--processes N``) lowered to ``available_cpus()``: every
    process more than the CPUs only adds its start (about half a second of CPU each, to import
    the inspector, open the store and load the projectors) and shares a CPU with another."""
    return max(1, min(requested, available_cpus()))


#: Streams sent to a worker process at a time (the listing's way, see ``_spread_listed``).
PROCESS_PAGE = 100
#: Rows (events) per slice of the category handed to one process at a time (the one-pass way).
SLICE_ROWS = 20_000


class WorkerLoadError(ProjectorError):
    """A worker process of a run over several processes could not load a projector set that loaded
    in this process (code that behaves differently in a fresh process, a module importable here
    only, ...). ``side``: which set, 0 for ``states``' projectors or compare's ``old``, 1 for
    compare's ``new``. The message names the projector and the worker's error in one line; a run
    in one process does not meet it."""

    def __init__(self, message: str, side: int = 0) -> None:
        super().__init__(message, side)  # both in args: the error pickles back from a worker
        self.side = side

    def __str__(self) -> str:
        return str(self.args[0])


def _can_spread(store: EventStore, projectors: Projectors) -> bool:
    """Whether a worker process can open this store and load these projectors by itself."""
    if not isinstance(projectors, ProjectorSet) or projectors.spec is None:
        return False
    from inspector.replay.worker import store_spec

    try:
        store_spec(store)
    except TypeError:
        return False
    return True


#: A worker process's store and projector sets (in the run's order), opened and loaded once by
#: ``_start_worker``; or the ``error`` that kept it from doing so.
_WORKER: dict[str, Any] = {}


def _start_worker(spec: Any, sides: tuple[tuple[str, str | None], ...]) -> None:
    import signal
    import sys

    from inspector.replay.projectors import load_projectors, mark_all_interrupts

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal: the caller stops us
    sys.stdout = sys.stderr  # a projector's print() never reaches the caller's output
    mark_all_interrupts()
    # an error is raised by the first slice or page instead: a pool restarts a worker whose start fails, forever
    try:
        store = spec.open()
    except Exception as exc:
        _WORKER["error"] = exc
        return
    _WORKER["store"] = store
    sets = []
    for side, (name, path) in enumerate(sides):
        try:
            sets.append(load_projectors(name, path=path, store=store))
        except Exception as exc:
            why = str(exc) if isinstance(exc, ProjectorError) else error_text(exc)
            why = why.removeprefix(f"{name}: ")  # a file's error begins with its path
            _WORKER["error"] = WorkerLoadError(
                f"a worker process could not load {name} (it loads in this process): {why}", side)
            return
    _WORKER["projectors"] = sets


def _worker_sets() -> tuple[EventStore, list[ProjectorSet]]:
    """In a worker: its store and projector sets, or the error that kept it from loading them."""
    if "error" in _WORKER:
        raise _WORKER["error"]
    return _WORKER["store"], _WORKER["projectors"]


def _slice_reads(store: EventStore, bounds: tuple[Any, Any], category: str | None, match: str | None,
                 upto: int | None, cancel: CancelToken | None) -> Iterator[_StreamRead]:
    """Each stream of one slice of the category (``category_slices``' ``(after, until)``), read in
    one pass (``read_sql_category``), in order."""
    from inspector.stores.category_read import read_sql_category
    from inspector.stores.sql import SqlEventStore

    assert isinstance(store, SqlEventStore)  # ``_slices_of`` cuts slices of SQL stores only
    after, until = bounds
    streams = read_sql_category(store, category=category, match=match, upto=upto, cancel=cancel,
                                after=after, until=until)
    assert streams is not None  # the parent cut the slices: the category is told in SQL
    for name, events in streams:
        check(cancel)
        summary = StreamSummary(stream=name, category=category or None, count=0, first_version=None,
                                last_version=None)
        yield _StreamRead(summary, events, store, upto, cancel)


def _fold_slice(store: EventStore, projectors: Projectors, bounds: tuple[Any, Any], category: str | None,
                match: str | None, upto: int | None, predicate: Callable[[Any, Any], bool] | None, ever: bool,
                cancel: CancelToken | None) -> list[StreamOutcome]:
    """Each stream of one slice of the category read in one pass and replayed in order (states)."""
    results: list[StreamOutcome] = []
    for read in _slice_reads(store, bounds, category, match, upto, cancel):
        projector = _projector_for(projectors, read.summary)
        results.append(replay_stream_states(store, read.summary, projector, upto=upto, where=predicate, ever=ever,
                                            cancel=cancel, events=read.for_projector(projector)))
    return results


def _replay_slice(bounds: tuple[Any, Any], category: str | None, match: str | None, upto: int | None,
                  where: str | None, ever: bool) -> tuple[list[StreamOutcome], KeyReads | None]:
    """In a worker: ``_fold_slice`` with the worker's store and projectors, and the ``where``
    expression's key reads over the slice."""
    store, sets = _worker_sets()
    predicate = compile_where(where) if where is not None else None
    results = _fold_slice(store, sets[0], bounds, category, match, upto, predicate, ever, None)
    return results, None if predicate is None else predicate.reads  # type: ignore[attr-defined]


def _replay_page(page: list[StreamSummary], at: Moment | None, where: str | None,
                 ever: bool) -> tuple[list[StreamOutcome | None], KeyReads | None]:
    """In a worker: each stream of the page replayed (None for one that did not exist at ``at``),
    and the ``where`` expression's key reads over them."""
    store, sets = _worker_sets()
    predicate = compile_where(where) if where is not None else None
    results: list[StreamOutcome | None] = []
    for summary in page:
        exists, upto = _upto(store, summary, at, None)
        results.append(replay_stream_states(store, summary, _projector_for(sets[0], summary), upto=upto,
                                            where=predicate, ever=ever) if exists else None)
    return results, None if predicate is None else predicate.reads  # type: ignore[attr-defined]


#: One stream of a compare over processes: (``_compare_stream``'s answer, events applied)
_Compared = tuple[Any, int]


def _compare_slice_here(store: EventStore, old: Projectors, new: Projectors, bounds: tuple[Any, Any],
                        category: str | None, match: str | None, upto: int | None,
                        cancel: CancelToken | None) -> list[_Compared]:
    """Each stream of one slice of the category read in one pass and folded by both sides (compare)."""
    results: list[_Compared] = []
    for read in _slice_reads(store, bounds, category, match, upto, cancel):
        summary = read.summary
        results.append(_compare_stream(store, summary, _projector_for(old, summary), _projector_for(new, summary),
                                       upto, cancel, read))
    return results


def _compare_slice(bounds: tuple[Any, Any], category: str | None, match: str | None,
                   upto: int | None) -> tuple[list[_Compared], None]:
    """In a worker: ``_compare_slice_here`` with the worker's store and its two projector sets."""
    store, (old, new) = _worker_sets()
    return _compare_slice_here(store, old, new, bounds, category, match, upto, None), None


def _compare_page(page: list[StreamSummary], at: Moment | None) -> tuple[list[_Compared | None], None]:
    """In a worker: each stream of the page folded by both sides (None for one that did not exist at ``at``)."""
    store, (old, new) = _worker_sets()
    results: list[_Compared | None] = []
    for summary in page:
        exists, upto = _upto(store, summary, at, None)
        results.append(_compare_stream(store, summary, _projector_for(old, summary), _projector_for(new, summary),
                                       upto, None) if exists else None)
    return results, None


def _pages(summaries: Iterator[StreamSummary], size: int) -> Iterator[list[StreamSummary]]:
    page: list[StreamSummary] = []
    for summary in summaries:
        page.append(summary)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def _slices_of(store: EventStore, sets: tuple[Projectors, ...], category: str | None, match: str | None,
               at: Moment | None, cancel: CancelToken | None) -> Iterator[tuple[Any, Any]] | None:
    """The category cut into slices of about ``SLICE_ROWS`` rows at stream boundaries, when a
    one-pass read can serve the run (as ``_read_whole_category`` decides) on a SQL store that
    tells the category in SQL; else None."""
    from inspector.stores.category_read import category_slices
    from inspector.stores.sql import SqlEventStore

    if not isinstance(store, SqlEventStore):
        return None
    if (at is not None and at.version is None) or (_needs_category(*sets) and not category):
        return None
    return category_slices(store, category=category or None, match=match or None,
                           upto=None if at is None else at.version, rows=SLICE_ROWS, cancel=cancel)


@dataclass(frozen=True)
class _Spread:
    """What a run over several processes does with each slice or page (``states`` or ``compare``).

    ``sets``: the projector sets every worker loads again, in this order. ``slice_task(bounds,
    *slice_args)`` and ``page_task(page, *page_args)``: module-level functions run in a worker,
    each answering ``(items, key reads or None)``, one item per stream (None for a listed stream
    left out). ``fold_here(bounds)``: a slice's items folded in this process. ``count(totals,
    item)``: the item counted into the totals; answers the result to yield, or None.
    ``run_here()``: the whole run in this process, as without processes (listed streams making
    one page: a worker would only cost its start).
    """

    sets: tuple[ProjectorSet, ...]
    slice_task: Callable[..., tuple[list[Any], KeyReads | None]]
    slice_args: tuple[Any, ...]
    page_task: Callable[..., tuple[list[Any], KeyReads | None]]
    page_args: tuple[Any, ...]
    fold_here: Callable[[tuple[Any, Any]], list[Any]]
    count: Callable[[CategoryTotals, Any], Any]
    run_here: Callable[[], Iterator[Any]]


def _count_outcome(totals: CategoryTotals, outcome: StreamOutcome | None) -> StreamOutcome | None:
    if outcome is not None:
        totals.count(outcome)
    return outcome


def _count_compared(totals: CategoryTotals, item: _Compared | None) -> StreamDifference | None:
    return None if item is None else _count_difference(totals, *item)


def _replay_spread(store: EventStore, projectors: ProjectorSet, category: str | None, match: str | None,
                   at: Moment | None, where: str | None, predicate: Callable[[Any, Any], bool] | None, ever: bool,
                   cancel: CancelToken | None, progress: Progress | None, totals: CategoryTotals,
                   processes: int) -> Iterator[StreamOutcome]:
    """``_replay_all`` spread over ``processes`` processes (see ``_spread``)."""
    upto = None if at is None else at.version
    spread = _Spread(
        sets=(projectors,),
        slice_task=_replay_slice, slice_args=(category, match, upto, where, ever),
        page_task=_replay_page, page_args=(at, where, ever),
        # this process's predicate counts its key reads into ``totals.reads`` itself
        fold_here=lambda bounds: _fold_slice(store, projectors, bounds, category, match, upto, predicate, ever,
                                             cancel),
        count=_count_outcome,
        run_here=lambda: _replay_all(store, projectors, category, match, at, predicate, ever, cancel, progress,
                                     totals))
    return _spread(store, spread, category, match, at, cancel, progress, totals, processes)


def _compare_spread(store: EventStore, old: ProjectorSet, new: ProjectorSet, category: str | None,
                    match: str | None, at: Moment | None, cancel: CancelToken | None, progress: Progress | None,
                    totals: CategoryTotals, processes: int) -> Iterator[StreamDifference]:
    """``_compare_all`` spread over ``processes`` processes (see ``_spread``): every worker loads
    both sides."""
    upto = None if at is None else at.version
    spread = _Spread(
        sets=(old, new),
        slice_task=_compare_slice, slice_args=(category, match, upto),
        page_task=_compare_page, page_args=(at,),
        fold_here=lambda bounds: _compare_slice_here(store, old, new, bounds, category, match, upto, cancel),
        count=_count_compared,
        run_here=lambda: _compare_all(store, old, new, category, match, at, cancel, progress, totals))
    return _spread(store, spread, category, match, at, cancel, progress, totals, processes)


def _spread(store: EventStore, spread: _Spread, category: str | None, match: str | None, at: Moment | None,
            cancel: CancelToken | None, progress: Progress | None, totals: CategoryTotals,
            processes: int) -> Iterator[Any]:
    """A run spread over ``processes`` processes: this one and ``processes - 1`` workers.

    Where the category can be read in one pass, it is cut into slices of about ``SLICE_ROWS``
    rows at stream boundaries (``category_slices``; no stream is in two slices), and each slice
    is read in one pass and folded by a worker or, while the next slice due is not done yet, by
    this process. Results come in slice order; at most two slices per worker and
    ``4 * processes`` slices in all are in flight or waiting, so memory stays bounded. Otherwise
    the streams are listed and folded page by page by ``processes`` workers (``_spread_listed``).
    """
    slices = _slices_of(store, spread.sets, category, match, at, cancel)
    if slices is None:
        return _spread_listed(store, spread, category, match, cancel, progress, totals, processes)
    return _spread_sliced(store, spread, slices, category, match, cancel, progress, totals, processes)


def _worker_pool(store: EventStore, sets: tuple[ProjectorSet, ...], workers: int) -> Any:
    """``workers`` spawned processes, each with the store opened and ``sets`` loaded again (``_start_worker``)."""
    import multiprocessing

    from inspector.replay.worker import store_spec

    context = multiprocessing.get_context("spawn")  # never fork: the window has Qt loaded
    return context.Pool(workers, initializer=_start_worker,
                        initargs=(store_spec(store), tuple((s.spec, s.path) for s in sets)))


#: seconds a pool is given to stop before this process goes on without waiting for its threads
POOL_STOP_WAIT = 10.0


def _stop_pool(pool: Any) -> None:
    """``pool.terminate()`` and ``join()``, bounded. The pool's workers are terminated first thing
    either way; its own threads are then joined, and CPython's ``Pool.terminate`` can wait on them
    forever (seen: its task thread blocked on the task queue's lock after a worker's failure). Done
    on a daemon thread given ``POOL_STOP_WAIT`` seconds: a run never hangs in its teardown."""
    import threading

    def stop() -> None:
        pool.terminate()
        pool.join()

    stopper = threading.Thread(target=stop, name="stop-pool", daemon=True)
    stopper.start()
    stopper.join(POOL_STOP_WAIT)


def _spread_sliced(store: EventStore, spread: _Spread, slices: Iterator[tuple[Any, Any]], category: str | None,
                   match: str | None, cancel: CancelToken | None, progress: Progress | None,
                   totals: CategoryTotals, processes: int) -> Iterator[Any]:
    import itertools
    from collections import deque

    started = time.perf_counter()
    if progress is not None:
        totals.total = _stream_total(store, category, match)
    # no more processes than slices: a process with no slice to fold would only cost its start
    ahead = list(itertools.islice(slices, processes))
    if len(ahead) < processes:
        processes = max(1, len(ahead))
        totals.spread_note = f"the streams make {len(ahead)} slice{'' if len(ahead) == 1 else 's'} to fold " \
                             f"(a slice holds about {SLICE_ROWS:,} events)"
    totals.processes = processes
    if processes == 1:
        yield from _fold_slices_here(spread, itertools.chain(ahead, slices), cancel, progress, totals, started)
        return
    slices = itertools.chain(ahead, slices)
    workers = max(1, processes - 1)
    pool = _worker_pool(store, spread.sets, workers)
    # each entry: (True, a worker's pending answer) or (False, this process's answer for a slice)
    pending: deque[tuple[bool, Any]] = deque()
    busy = 0  # slices handed to the workers and not yet taken back
    done = 0
    remaining: Iterator[tuple[Any, Any]] | None = slices

    def take() -> tuple[Any, Any] | None:
        nonlocal remaining
        if remaining is None:
            return None
        bounds = next(remaining, None)
        if bounds is None:
            remaining = None
        return bounds

    def report(items: list[Any], reads: KeyReads | None) -> Iterator[Any]:
        nonlocal done
        done += len(items)
        if reads is not None and totals.reads is not None:
            totals.reads.merge(reads)
        for item in items:
            result = spread.count(totals, item)
            totals.elapsed_ms = _ms(started)
            if result is not None:
                yield result
        if progress is not None:
            progress(done, totals.total)

    try:
        while True:
            check(cancel)
            while busy < 2 * workers and len(pending) < 4 * processes:
                bounds = take()
                if bounds is None:
                    break
                pending.append((True, pool.apply_async(spread.slice_task, (bounds, *spread.slice_args))))
                busy += 1
            if not pending:
                return
            remote, head = pending[0]
            if not remote:
                pending.popleft()
                yield from report(head, None)
                continue
            if head.ready():
                pending.popleft()
                busy -= 1
                yield from report(*head.get())
                continue
            # the next slice due is still being folded: fold one here rather than wait
            bounds = take() if len(pending) < 4 * processes else None
            if bounds is not None:
                pending.append((False, spread.fold_here(bounds)))
            else:
                head.wait(0.05)
    except Cancelled:
        totals.partial = True
        raise
    finally:
        _stop_pool(pool)
        totals.elapsed_ms = _ms(started)


def _fold_slices_here(spread: _Spread, slices: Iterator[tuple[Any, Any]], cancel: CancelToken | None,
                      progress: Progress | None, totals: CategoryTotals, started: float) -> Iterator[Any]:
    """Every slice folded in this process, in order (a run over processes with one slice to fold)."""
    done = 0
    with _counted(totals, started):
        for bounds in slices:
            check(cancel)
            items = spread.fold_here(bounds)
            done += len(items)
            for item in items:
                result = spread.count(totals, item)
                totals.elapsed_ms = _ms(started)
                if result is not None:
                    yield result
            if progress is not None:
                progress(done, totals.total)


def _spread_listed(store: EventStore, spread: _Spread, category: str | None, match: str | None,
                   cancel: CancelToken | None, progress: Progress | None, totals: CategoryTotals,
                   processes: int) -> Iterator[Any]:
    """A run with the folding done by ``processes`` worker processes on pages of listed streams, at
    most two pages per process in flight (memory stays bounded: the listing is read only as far
    as the work goes). Streams making one page are folded in this process, no worker started
    (``spread.run_here``)."""
    import itertools
    from collections import deque

    started = time.perf_counter()
    if progress is not None:
        totals.total = _stream_total(store, category, match)
    pages = _pages(category_streams(store, category=category, match=match, cancel=cancel), PROCESS_PAGE)
    # no more workers than pages: a worker with no page to fold would only cost its start
    ahead = list(itertools.islice(pages, processes))
    if ahead and len(ahead) < processes:
        processes = len(ahead)
        totals.spread_note = f"the streams make {len(ahead)} page{'' if len(ahead) == 1 else 's'} to fold " \
                             f"(a page holds {PROCESS_PAGE} streams)"
    totals.processes = processes
    if not ahead:
        totals.elapsed_ms = _ms(started)
        return
    if processes == 1:
        # one page to fold: the run goes in this process, as without processes (a spawned worker
        # costs its start, the store opened and the projectors loaded again: 5-100x the run)
        yield from spread.run_here()
        return
    pool = _worker_pool(store, spread.sets, processes)
    pending: deque[tuple[int, Any]] = deque()
    done = 0

    def finished(size: int, answer: Any) -> Iterator[Any]:
        nonlocal done
        while not answer.ready():
            answer.wait(0.05)
            check(cancel)
        done += size
        items, reads = answer.get()
        if reads is not None and totals.reads is not None:
            totals.reads.merge(reads)
        for item in items:
            result = spread.count(totals, item)
            totals.elapsed_ms = _ms(started)
            if result is not None:
                yield result
        if progress is not None:
            progress(done, totals.total)

    try:
        for page in itertools.chain(ahead, pages):
            check(cancel)
            pending.append((len(page), pool.apply_async(spread.page_task, (page, *spread.page_args))))
            while len(pending) >= 2 * processes:
                yield from finished(*pending.popleft())
        while pending:
            yield from finished(*pending.popleft())
    except Cancelled:
        totals.partial = True
        raise
    finally:
        _stop_pool(pool)
        totals.elapsed_ms = _ms(started)


# --- compare -------------------------------------------------------------------------
def _reads_the_ordinary_way(projector: Projector) -> bool:
    return getattr(type(projector).read, "__func__", type(projector).read) is Projector.read


def _fold_both(old: Projector, new: Projector, events: Iterator[Any], cancel: CancelToken | None,
               ) -> tuple[list[tuple[Any, StoppedAt | None, Any]], int]:
    """``_fold_two`` from one read: each event folded by ``old`` then by ``new`` while both go on;
    once one raises (it stops there), the other alone on the rest (``_fold_rest``).

    Where both are user projectors reading ``data`` (``_decodes_ahead``) and the events are a
    store's lazy events, each payload is decoded once for both: ``old`` gets it (its own, as
    ``fresh_data`` makes it), ``new`` a copy made before either folds: no
    projector sees what the other does to its payload."""
    ahead = _decodes_ahead(old) and _decodes_ahead(new)
    old_fold, new_fold = old.fold, new.fold
    # decoded ahead, both are users' functions: ``fold_with_data`` written out (each gets an
    # ``AheadProjectorEvent`` of its own, what it raises that is no ``Exception`` as ``fold``
    # reports it: ``error_of``), two Python frames less per event
    old_fn: Any = getattr(old, "fn", None)
    new_fn: Any = getattr(new, "fn", None)
    error_of = FunctionProjector.error_of
    view_kind = AheadProjectorEvent
    old_state, new_state = old.initial(), new.initial()
    old_stop: StoppedAt | None = None
    new_stop: StoppedAt | None = None
    old_last: Any = None
    new_last: Any = None
    applied = 0
    events = iter(events)
    for event in events:
        if event.version is None:
            continue
        if ahead:
            if not isinstance(event, LazyEvent):  # plain events: each view copies its own payload
                ahead = False
            else:
                data = event.fresh_data(private_copy)
                # the other's copy: an object of immutable values (the usual event) by one C call,
                # anything else by ``private_copy`` (lists and objects inside copied too)
                other = (data.copy() if type(data) is dict and _IMMUTABLE.issuperset(map(type, data.values()))
                         else private_copy(data))
                view = _new_view(view_kind)
                view._event = event
                view._data = data
                view._metadata = _UNREAD
                try:
                    result = old_fn(old_state, view)
                except Cancelled:
                    raise
                except Exception as exc:  # that projector stops; the other goes on
                    old_stop = StoppedAt(event.version, event.type, error_text(exc))
                except BaseException as exc:  # SystemExit and the like; a Ctrl+C goes on up
                    old_stop = StoppedAt(event.version, event.type, error_text(error_of(exc)))
                else:
                    if result is not None:  # a function that mutates in place may return None
                        old_state = result
                view = _new_view(view_kind)
                view._event = event
                view._data = other
                view._metadata = _UNREAD
                try:
                    result = new_fn(new_state, view)
                except Cancelled:
                    raise
                except Exception as exc:
                    new_stop = StoppedAt(event.version, event.type, error_text(exc))
                except BaseException as exc:
                    new_stop = StoppedAt(event.version, event.type, error_text(error_of(exc)))
                else:
                    if result is not None:
                        new_state = result
        if not ahead:
            try:
                old_state = old_fold(old_state, event)
            except Cancelled:
                raise
            except Exception as exc:  # that projector stops; the other goes on
                old_stop = StoppedAt(event.version, event.type, error_text(exc))
            try:
                new_state = new_fold(new_state, event)
            except Cancelled:
                raise
            except Exception as exc:
                new_stop = StoppedAt(event.version, event.type, error_text(exc))
        if old_stop is None and new_stop is None:
            old_last = new_last = event
            applied += 1
            if not applied & _CHECK_MASK:
                check(cancel)
            continue
        if old_stop is None:
            old_last = event
        elif new_stop is None:
            new_last = event
        else:
            break  # both have stopped
        applied += 1  # one side folded it
        if not applied & _CHECK_MASK:
            check(cancel)
        if old_stop is None:
            old_state, old_stop, old_last, applied = _fold_rest(old_fold, old_state, old_last, events, applied, cancel)
        else:
            new_state, new_stop, new_last, applied = _fold_rest(new_fold, new_state, new_last, events, applied, cancel)
        break
    return [(old_state, old_stop, old_last), (new_state, new_stop, new_last)], applied


def _fold_rest(fold: Callable[[Any, Any], Any], state: Any, last: Any, events: Iterator[Any], applied: int,
               cancel: CancelToken | None) -> tuple[Any, StoppedAt | None, Any, int]:
    """One side of a compare folding the rest of ``events`` alone (the other side stopped):
    (state, where it stopped or None, the last event it folded, events applied so far)."""
    for event in events:
        if event.version is None:
            continue
        try:
            state = fold(state, event)
        except Cancelled:
            raise
        except Exception as exc:
            return state, StoppedAt(event.version, event.type, error_text(exc)), last, applied
        last = event
        applied += 1
        if not applied & _CHECK_MASK:
            check(cancel)
    return state, None, last, applied


def _fold_two(store: EventStore, summary: StreamSummary, old: Projector, new: Projector, upto: int | None,
              cancel: CancelToken | None, shared: _StreamRead | None = None,
              ) -> tuple[list[tuple[Any, StoppedAt | None, Any]], int]:
    """Both projectors' (state, stopped, last event) for the stream, and the events read.

    When both read events the ordinary way (``read_for_replay``) the rows are read once and each
    event is folded by both (a projector's view of an event is its own: user projectors get
    read-only copies of payloads); otherwise each side reads for itself.
    """
    if _reads_the_ordinary_way(old) and _reads_the_ordinary_way(new):
        events = shared.events if shared is not None else _events(old, store, summary.stream, upto, cancel)
        try:
            return _fold_both(old, new, events, cancel)
        finally:
            _close(events)
    if shared is not None:
        shared.close()  # each side reads for itself: the shared read is not used
    results = []
    applied = 0
    for projector in (old, new):
        state, stopped, last, count = projector.initial(), None, None, 0
        events = _events(projector, store, summary.stream, upto, cancel)
        try:
            for event in events:
                if event.version is None:
                    continue
                try:
                    state = projector.fold(state, event)
                except Cancelled:
                    raise
                except Exception as exc:
                    stopped = StoppedAt(event.version, event.type, error_text(exc))
                    break
                last = event
                count += 1
                if not count & _CHECK_MASK:
                    check(cancel)
        finally:
            _close(events)
        results.append((state, stopped, last))
        applied = max(applied, count)
    return results, applied


class _EndsBefore:
    """``_compare_stream``'s answer for a stream that never reached the version compared at: one
    object, the same after a trip through pickle (from a worker process)."""

    def __reduce__(self) -> str:
        return "_ENDS_BEFORE"


_ENDS_BEFORE: Any = _EndsBefore()


def _same_stop(a: StoppedAt | None, b: StoppedAt | None) -> bool:
    return a is not None and b is not None and (a.version, a.type, a.error) == (b.version, b.type, b.error)


def compare_stream(store: EventStore, summary: StreamSummary, old: Projector, new: Projector, *,
                   upto: int | None = None, cancel: CancelToken | None = None) -> StreamDifference | None:
    """The stream folded by both projectors up to ``upto`` (None: latest): a ``StreamDifference``
    when the states (or where the projectors stopped) differ, one with ``differs`` False when both
    stopped alike, else None."""
    found = _compare_stream(store, summary, old, new, upto, cancel)[0]
    return None if found is _ENDS_BEFORE else found


def _compare_stream(store: EventStore, summary: StreamSummary, old: Projector, new: Projector,
                    upto: int | None, cancel: CancelToken | None,
                    shared: _StreamRead | None = None) -> tuple[StreamDifference | None, int]:
    sides, applied = _fold_two(store, summary, old, new, upto, cancel, shared)
    (old_state, old_stop, old_last), (new_state, new_stop, new_last) = sides
    last = new_last if new_last is not None else old_last
    if (upto is not None and old_stop is None and new_stop is None and last is not None
            and last.version is not None and last.version < upto):
        return _ENDS_BEFORE, applied  # no state at v{upto}: not compared (counted as ``ended_before``)
    difference = StreamDifference(summary.stream, None if last is None else last.version, None, old.name, new.name,
                                  old_stopped=old_stop, new_stopped=new_stop, events_applied=applied)
    if old_stop is not None or new_stop is not None:
        difference.differs = not _same_stop(old_stop, new_stop)
    else:
        before, _ = _shown(old, old_state)
        after, _ = _shown(new, new_state)
        if same_value(before, after):
            return None, applied
        difference.changes = diff_states(before, after)
    difference.recorded_at = _time_of(last)
    return difference, applied


def compare_category(
    store: EventStore,
    *,
    old: Projectors,
    new: Projectors,
    category: str | None = None,
    match: str | None = None,
    at: Moment | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
    processes: int = 1,
) -> CategoryComparison:
    """Every stream of ``category`` and/or matching ``match``, folded by ``old`` and by ``new``
    up to ``at`` (None: latest); yields a ``StreamDifference`` for each stream whose state
    differs (``differs`` True) or where both projectors raised alike (``differs`` False, so a
    caller can report it as stopped), in stream name order, as each is done.

    ``changes`` hold ``before`` (old) and ``after`` (new) per changed path, compared as JSON
    values (``same_value``: ``1`` is not ``True``, ``1.50`` is ``1.5``). ``totals`` counts the
    streams compared and the differences. Raises ``Cancelled`` from the iteration once ``cancel``
    is set, and the store's ``StoreError``.

    ``processes`` > 1 spreads the work as ``replay_category`` does (slices of whole streams folded
    by this process and ``processes - 1`` spawned workers, else pages of listed streams), results
    in the order of a run in one process. Every worker opens the store and loads both sides again
    from the spec they were loaded with, so both must be sets made by ``load_projectors`` on a SQL
    or JSON Lines store: else ``ValueError`` naming the side, at once. A side that a worker cannot
    load raises ``WorkerLoadError`` (``side`` 0: ``old``, 1: ``new``) from the iteration.
    """
    totals = CategoryTotals()
    if processes > 1:
        for side, name in ((old, "old"), (new, "new")):
            if not _can_spread(store, side):
                raise ValueError(f"the {name} projector cannot be loaded again in a worker process (only a set "
                                 "made by load_projectors on a SQL or JSON Lines store can): compare in one process")
        assert isinstance(old, ProjectorSet) and isinstance(new, ProjectorSet)
        return CategoryComparison(_compare_spread(store, old, new, category, match, at, cancel, progress, totals,
                                                  processes), totals)
    return CategoryComparison(_compare_all(store, old, new, category, match, at, cancel, progress, totals), totals)


def _compare_all(store: EventStore, old: Projectors, new: Projectors, category: str | None, match: str | None,
                 at: Moment | None, cancel: CancelToken | None, progress: Progress | None,
                 totals: CategoryTotals) -> Iterator[StreamDifference]:
    started = time.perf_counter()
    if progress is not None:
        totals.total = _stream_total(store, category, match)
    done = 0
    whole = _read_whole_category(store, _needs_category(old, new), category, match, at, cancel)
    with _counted(totals, started):
        for summary, exists, upto, read in _streams_to_fold(store, whole, category, match, at, cancel):
            check(cancel)
            done += 1
            if exists:
                _starting(progress, summary.stream, done, totals)
                difference = _count_difference(totals, *_compare_stream(
                    store, summary, _projector_for(old, summary), _projector_for(new, summary), upto, cancel, read))
                totals.elapsed_ms = _ms(started)
                if difference is not None:
                    yield difference
            if progress is not None:
                progress(done, totals.total)


def _count_difference(totals: CategoryTotals, difference: Any, applied: int) -> StreamDifference | None:
    """One stream's ``_compare_stream`` answer counted into ``totals`` (every way of running a
    compare counts alike); the difference to report, or None."""
    totals.events_applied += applied
    if difference is _ENDS_BEFORE:  # never reached the moment: not compared, counted apart
        totals.ended_before += 1
        return None
    totals.streams += 1
    if difference is not None:
        if difference.differs:
            totals.differences += 1
        else:
            totals.stopped += 1
    return difference


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


__all__ = [
    "PROCESS_PAGE",
    "SLICE_ROWS",
    "STREAM_PAGE",
    "CategoryComparison",
    "CategoryReplay",
    "CategoryTotals",
    "ExpressionError",
    "StreamDifference",
    "StreamOutcome",
    "WorkerLoadError",
    "category_streams",
    "compare_category",
    "compare_stream",
    "compile_where",
    "replay_category",
    "replay_stream_states",
]
