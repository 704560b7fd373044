"""Checks that need a projector: stored snapshots against the events, and event types it does not handle.

``check_with_projectors`` runs the damage checks of ``inspector.core.health`` stream by
stream and adds, for each stream, what the projector in force there tells:

* ``unknown_type``: the projector declares the types it folds (``@projector(..., handles=[...])``)
  and the stream holds others; one finding per (stream, type), at the type's first version,
  with how many events carry it. The types are counted from the events the damage check reads
  anyway, so this costs no second read of the stream.
* with ``snapshots``: every store-native snapshot of the stream (eventsourcing ``*_snapshots``,
  Axon ``snapshot_event_entry``, Marten's ``mt_streams.snapshot``) against the state the
  projector folds from the stream's first event to the snapshot's version. One pass over the
  stream reaches every snapshot in turn (never starting from a snapshot, never from the
  inspector's cache, which may rest on one). Findings:

  - ``snapshot_drift``: the paths where the stored snapshot and the replayed state differ
    (``changes``: ``path``, ``op`` as in ``diff`` read from the snapshot to the replay —
    ``add`` is a path only the replay has —, ``stored``, ``replayed``), or a snapshot at a
    version the stream has no event at;
  - ``unreadable_snapshot``: a snapshot that cannot be decoded or restored;
  - ``replay_stopped``: the projector raised before a snapshot's version: the snapshots from
    there on are not checked.

What "the same" means per projector:

* native eventsourcing: the library restores the snapshot (its mapper and ``Snapshot.mutate``,
  as ``repository.get`` would) and the two aggregates are compared as the ``replay`` state
  shows them (``id``, ``version``, ``created_on``, ``modified_on`` and the public attributes)
  plus their other private attributes under their own names (``_pending_events`` left out).
  The library takes ``_id`` and ``_version`` from the snapshot row's columns, not its body,
  so they are compared as it reads them.
* any other projector: its state as JSON values against the snapshot's decoded body; on an
  ``eventsourcing`` store the body's public attributes (the library's ``_created_on``,
  ``_modified_on`` and envelope fields left out, as the code-free projector shows them).
* the code-free projectors (generic, generic eventsourcing) rebuild no aggregate: a snapshot
  check with them is refused (``snapshot_projector_problem``), and a stream only they apply to
  is skipped (``snapshots_skipped``).

Memory: one stream's state and its list of snapshots at a time (the port gives snapshots per
stream); streams are paged by key. Blocks; takes a CancelToken and a progress callback.
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Any, Iterable, Iterator

from inspector.core import jsontext
from inspector.core.cancel import CancelToken, Cancelled, Progress, check
from inspector.core.diff import Change, diff_states
from inspector.core.events import Event, format_time
from inspector.core.health import CheckReport, Finding, check_events, outside_stream_findings
from inspector.replay.eventsourcing_state import ENVELOPE_FIELDS, EventsourcingStateProjector
from inspector.replay.projectors import GenericProjector, Projector, ProjectorSet, error_text, shown_state
from inspector.stores.base import EventStore, Snapshot

#: How many changed paths a finding's one-line detail names (``changes`` holds them all).
_PATHS_IN_DETAIL = 3
#: Private attributes the native view leaves out or shows under their public names.
_AGGREGATE_OWN = frozenset({"_pending_events", "_id", "_version", "_created_on", "_modified_on"})


def code_free(projector: Projector) -> bool:
    """Whether ``projector`` is one of the inspector's code-free ones (it rebuilds no aggregate)."""
    return isinstance(projector, (GenericProjector, EventsourcingStateProjector))


def snapshot_projector_problem(projectors: ProjectorSet) -> str | None:
    """Why ``projectors`` cannot check snapshots (one line), or None when it can."""
    if any(not code_free(p) for p in [*projectors.projectors, projectors.fallback]):
        return None
    return ("check --snapshots compares each stored snapshot with the state a projector rebuilds from the "
            f"events; the {projectors.label} projector rebuilds no aggregate: give --projector FILE_OR_MODULE "
            "with your @projector functions, or on an eventsourcing store --projector native --path DIR "
            "(the folder with your domain code)")


def check_with_projectors(
    store: EventStore,
    projectors: ProjectorSet,
    *,
    stream: str | None = None,
    snapshots: bool = False,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
    page: int = 500,
) -> CheckReport:
    """The damage checks of one stream (or every stream, page by page), plus ``unknown_type``
    findings and, with ``snapshots``, the snapshot findings (see the module docstring). A
    whole-store check ends with the store's lines that are no event, as ``check_store``'s does
    (``outside_stream_findings``: ``undecodable_payload``, stream None).

    The report's ``counts`` hold ``snapshots_checked`` (compared with a replay) and
    ``snapshots_skipped`` (in streams only a code-free projector applies to) when ``snapshots``.
    Raises Cancelled, StoreError, and ProjectorError for a projector that cannot read this
    store (native replay of another layout).
    """
    report = CheckReport()
    layout = getattr(store, "layout_name", None)
    if snapshots:
        report.counts.update(snapshots_checked=0, snapshots_skipped=0)

    def one(name: str, category: str | None) -> None:
        check(cancel)
        projector = projectors.for_stream(name, category)
        events: Iterable[Event] = store.read_stream(name, cancel=cancel)
        tally = _TypeTally(projector.handles) if projector.handles is not None else None
        if tally is not None:
            events = tally.counted(events)
        report.findings.extend(check_events(name, events, cancel, layout))  # where versions start: as check_store
        if tally is not None:
            report.findings.extend(tally.findings(name, projector))
        if snapshots:
            report.findings.extend(_snapshot_findings(store, name, projector, report.counts, cancel))
        report.streams_checked += 1
        if progress is not None:
            progress(report.streams_checked, None)

    if stream is not None:
        one(stream, store.category(stream))
        return report
    after = None
    while True:
        summaries = store.streams(after=after, limit=page)
        for summary in summaries:
            one(summary.stream, summary.category)
        if len(summaries) < page:
            report.findings.extend(outside_stream_findings(store, cancel))
            return report
        after = summaries[-1].stream


# --- unknown types ---------------------------------------------------------------------
class _TypeTally:
    """The types a stream holds outside the projector's ``handles``: count and first version."""

    def __init__(self, handles: frozenset[str]) -> None:
        self.handles = handles
        self.found: dict[str, list[Any]] = {}  # type -> [count, first version (None: unversioned only)]

    def counted(self, events: Iterable[Event]) -> Iterator[Event]:
        handles, found = self.handles, self.found
        for event in events:
            kind = event.type
            if kind not in handles:
                seen = found.get(kind)
                if seen is None:
                    found[kind] = [1, event.version]
                else:
                    seen[0] += 1
                    if event.version is not None and (seen[1] is None or event.version < seen[1]):
                        seen[1] = event.version
            yield event

    def findings(self, stream: str, projector: Projector) -> list[Finding]:
        result = []
        for kind, (count, first) in sorted(self.found.items(), key=lambda item: (item[1][1] is None, item[1][1] or 0)):
            where = f"first at v{first}" if first is not None else "without a version"
            noun = "event" if count == 1 else "events"
            result.append(Finding(
                "unknown_type", stream, first,
                f"{count} {noun} of type {kind} ({where}) that projector {projector.name} does not declare "
                "in handles=",
                {"type": kind, "count": count, "projector": projector.name},
            ))
        return result


# --- snapshots -------------------------------------------------------------------------
def _snapshot_findings(store: EventStore, stream: str, projector: Projector, counts: dict[str, int],
                       cancel: CancelToken | None) -> list[Finding]:
    """Every stored snapshot of the stream against the projector's replay, in one pass."""
    stored = store.snapshots(stream)
    if not stored:
        return []
    if code_free(projector):
        counts["snapshots_skipped"] += len(stored)
        return []
    pending = deque(sorted(stored, key=lambda s: s.version))
    findings: list[Finding] = []
    state = projector.initial()
    folded: int | None = None  # the version of the events folded last
    events = projector.read(store, stream, after=None, upto=pending[-1].version, cancel=cancel)
    try:
        for applied, event in enumerate(events):
            version = event.version
            if version is None:
                continue  # rows without a version have no place in the stream's order
            while pending and pending[0].version < version:
                _add(findings, _compare(store, stream, projector, pending.popleft(), state, folded, counts))
            if not pending:
                break
            try:
                state = projector.fold(state, event)
            except Cancelled:
                raise
            except Exception as exc:  # the user's projector: its error ends this stream's check, not the run
                findings.append(_stopped(stream, projector, event, exc, pending))
                return findings
            folded = version
            if not applied & 255:
                check(cancel)
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()  # a fold left early leaves no cursor open
    while pending:
        _add(findings, _compare(store, stream, projector, pending.popleft(), state, folded, counts))
    return findings


def _add(findings: list[Finding], finding: Finding | None) -> None:
    if finding is not None:
        findings.append(finding)


def _stopped(stream: str, projector: Projector, event: Any, exc: Exception, pending: deque[Snapshot]) -> Finding:
    versions = [s.version for s in pending]
    shown = ", ".join(f"v{v}" for v in versions[:5]) + (f" and {len(versions) - 5} more" if len(versions) > 5 else "")
    return Finding(
        "replay_stopped", stream, event.version,
        f"projector {projector.name} raised at v{event.version} ({event.type}): {error_text(exc)}; "
        f"snapshot(s) {shown} not checked",
        {"type": event.type, "error": error_text(exc), "projector": projector.name, "snapshots_unchecked": versions},
    )


def _compare(store: EventStore, stream: str, projector: Projector, snapshot: Snapshot, state: Any,
             folded: int | None, counts: dict[str, int]) -> Finding | None:
    """The finding for one snapshot, given the state folded up to version ``folded`` (None when
    the snapshot is what the events say)."""
    at = format_time(snapshot.recorded_at)
    when = f" (taken {at})" if at else ""
    extra: dict[str, Any] = {"recorded_at": at, "projector": projector.name}
    if folded != snapshot.version:
        counts["snapshots_checked"] += 1
        ends = "the stream has no earlier event" if folded is None else f"the events before it end at v{folded}"
        return Finding("snapshot_drift", stream, snapshot.version,
                       f"stored snapshot v{snapshot.version}{when} is of a version the stream has no event at "
                       f"({ends})", {**extra, "changes": []})
    stored, problem = _stored_view(store, stream, projector, snapshot)
    if problem is not None:
        return Finding("unreadable_snapshot", stream, snapshot.version,
                       f"stored snapshot v{snapshot.version}{when} cannot be read: {problem}",
                       {**extra, "problem": problem})
    try:
        replayed = _replayed_view(projector, state)
    except Exception as exc:  # a native aggregate whose attributes cannot be shown
        return Finding("replay_stopped", stream, snapshot.version,
                       f"the state {projector.name} rebuilt at v{snapshot.version} cannot be shown as JSON: "
                       f"{error_text(exc)}", {"projector": projector.name, "error": error_text(exc)})
    counts["snapshots_checked"] += 1
    changes = diff_states(stored, replayed)
    if not changes:
        return None
    return Finding("snapshot_drift", stream, snapshot.version,
                   f"stored snapshot v{snapshot.version}{when} differs from the state {projector.name} replays "
                   f"from the events at {len(changes)} path(s): {_paths_text(changes)}",
                   {**extra, "changes": [_change_json(change) for change in changes]})


def _paths_text(changes: list[Change]) -> str:
    def value(text: Any) -> str:
        try:
            shown = jsontext.dumps(text)
        except (TypeError, RecursionError):
            shown = "(nested too deep)"
        return shown if len(shown) <= 40 else shown[:37] + "..."

    parts = []
    for change in changes[:_PATHS_IN_DETAIL]:
        if change.op == "add":
            parts.append(f"{change.path or '/'} only in the replay ({value(change.after)})")
        elif change.op == "remove":
            parts.append(f"{change.path or '/'} only in the snapshot ({value(change.before)})")
        else:
            parts.append(f"{change.path or '/'} stored {value(change.before)}, replayed {value(change.after)}")
    more = len(changes) - _PATHS_IN_DETAIL
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _change_json(change: Change) -> dict[str, Any]:
    # copies: the replayed state goes on being folded after this finding is made
    return {"path": change.path, "op": change.op,
            "stored": None if change.op == "add" else copy.deepcopy(change.before),
            "replayed": None if change.op == "remove" else copy.deepcopy(change.after)}


def _native(projector: Projector) -> bool:
    from inspector.replay.native import NativeEventsourcingProjector

    return isinstance(projector, NativeEventsourcingProjector)


def _stored_view(store: EventStore, stream: str, projector: Projector, snapshot: Snapshot) -> tuple[Any, str | None]:
    """``(the snapshot as JSON values, None)`` or ``(None, why it cannot be read)``."""
    if _native(projector):
        return _library_snapshot(store, stream, projector, snapshot.version)
    if snapshot.problem:
        return None, snapshot.problem
    body = snapshot.state
    if store.layout_name == "eventsourcing" and isinstance(body, dict):
        body = {key: value for key, value in body.items()
                if isinstance(key, str) and not key.startswith("_") and key not in ENVELOPE_FIELDS}
    return shown_state(body)[0], None


def _library_snapshot(store: EventStore, stream: str, projector: Any, version: int) -> tuple[Any, str | None]:
    """The aggregate the library restores from its snapshot row at ``version``, as the native view."""
    rows = [row for row in store.stored_snapshot_records(stream, version) if row.version == version]
    if not rows:
        return None, "the snapshot row could not be read again"
    row = rows[0]
    # the native projector's own decoding (mapper, transcodings, zlib), as its replays use it
    domain = projector._domain(projector._stored(stream, row.version, row.type or "", row.payload))
    if not hasattr(domain, "mutate"):  # the library could not decode the row: its reason
        return None, str(getattr(domain, "error", "the library cannot decode it"))
    try:
        aggregate = domain.mutate(None)
    except Exception as exc:  # the classes cannot restore it (changed since, upcasting missing)
        return None, f"the aggregate classes cannot restore it: {error_text(exc)}"
    return _aggregate_view(aggregate), None


def _replayed_view(projector: Projector, state: Any) -> Any:
    if _native(projector):
        return {} if state is None else _aggregate_view(state)
    return shown_state(projector.to_json(state))[0]


def _aggregate_view(aggregate: Any) -> dict[str, Any]:
    """An eventsourcing aggregate as ``replay`` shows it, plus its other private attributes."""
    from inspector.replay.native import aggregate_json, to_jsonable

    view = aggregate_json(aggregate)
    for name, value in vars(aggregate).items():
        if name.startswith("_") and name not in _AGGREGATE_OWN:
            view[name] = to_jsonable(value)
    return view


__all__ = ["check_with_projectors", "code_free", "snapshot_projector_problem"]
