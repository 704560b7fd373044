"""Health checks over streams: version gaps, duplicates, time regressions, undecodable payloads.

Reads stream by stream through the port, holding one event of context at a time,
so a check of a large store streams rather than loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from inspector.core.cancel import CancelToken, Progress, check
from inspector.core.events import Event, StreamSummary, format_time

KINDS = ("version_gap", "duplicate_version", "time_regression", "undecodable_payload", "missing_version",
         "damaged_event", "stream_starts_late",
         # found with a projector (inspector.replay.snapshot_check)
         "unknown_type", "snapshot_drift", "unreadable_snapshot", "replay_stopped")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found: ``kind`` (one of ``KINDS``), where, and one line saying what.

    ``extra`` holds a kind's own JSON fields (``snapshot_drift``: ``recorded_at``,
    ``projector``, ``changes``; ``unknown_type``: ``type``, ``count``, ``projector``),
    written beside the four common ones.
    """

    kind: str
    #: None for a problem in no stream (a JSON Lines line that is no event)
    stream: str | None
    version: int | None
    detail: str
    extra: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        shape = {"kind": self.kind, "stream": self.stream, "version": self.version, "detail": self.detail}
        if self.extra:
            shape.update({key: value for key, value in self.extra.items() if key not in shape})
        return shape


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    streams_checked: int = 0
    #: further counts a check with a projector adds (``snapshots_checked``...), written beside ``streams_checked``
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"findings": [f.to_json() for f in self.findings], "streams_checked": self.streams_checked,
                **self.counts}


#: Layouts whose versions count from 0 (Message DB positions, Axon sequence numbers).
_FROM_ZERO_LAYOUTS = frozenset({"messagedb", "axon"})


def version_origin(layout_name: str | None, first_version: int | None) -> int:
    """The version a stream's first event has when its whole history is stored: 0 or 1.

    Message DB and Axon count from 0, eventsourcing, Marten and EventSauce from 1. A generic
    store or JSON Lines file says nothing: a stream that starts at v0 counts from 0, any other
    is taken to count from 1.
    """
    if layout_name in _FROM_ZERO_LAYOUTS or first_version == 0:
        return 0
    return 1


def late_start_text(first_version: int, origin: int, slice_note: str | None = None) -> str:
    """One line for a stream whose first stored event comes after its origin, e.g. ``the stream
    starts at v61 here: v1–v60 are not in this store (a slice?); states fold from v61``."""
    earlier = f"v{origin}" if first_version - 1 == origin else f"v{origin}\u2013v{first_version - 1}"
    verb = "is" if first_version - 1 == origin else "are"
    why = f" ({slice_note})" if slice_note else " (a slice?)"
    return (f"the stream starts at v{first_version} here: {earlier} {verb} not in this store{why}; "
            f"states fold from v{first_version}")


class _Readable(Protocol):
    def streams(self, *, match=None, category=None, after=None, limit=500) -> list[StreamSummary]: ...
    def read_stream(self, stream: str, *, cancel: CancelToken | None = None, **kwargs: Any) -> Iterable[Event]: ...


def check_events(stream: str, events: Iterable[Event], cancel: CancelToken | None = None,
                 layout_name: str | None = None) -> list[Finding]:
    """Findings for one stream's events, given in version order (NULL versions first).

    ``layout_name`` (the store's ``layout_name``) says where versions start (``version_origin``):
    a stream whose first versioned event comes later is a ``stream_starts_late`` finding at
    that first version (a slice exported with ``--since``, or a history cut short).
    """
    findings: list[Finding] = []
    previous: Event | None = None
    first_seen = False
    for count, event in enumerate(events):
        if count % 500 == 0:
            check(cancel)
        if event.problem and event.data is None and event.raw is not None:
            findings.append(Finding("undecodable_payload", stream, event.version,
                                    f"{event.type} at position {event.position}: {event.problem}"))
        elif event.problem and event.version is not None:
            # damage outside the payload: a time, a version, metadata the event cannot be read with
            findings.append(Finding("damaged_event", stream, event.version,
                                    f"{event.type} at position {event.position}: {event.problem}"))
        if event.version is None:
            findings.append(Finding("missing_version", stream, None,
                                    f"{event.type} at position {event.position} has no version"))
            continue
        if not first_seen:
            first_seen = True
            origin = version_origin(layout_name, event.version)
            if event.version > origin:
                findings.append(Finding("stream_starts_late", stream, event.version,
                                        late_start_text(event.version, origin)))
        if previous is not None and previous.version is not None:
            if event.version == previous.version:
                findings.append(Finding("duplicate_version", stream, event.version,
                                        f"positions {previous.position} and {event.position} both claim v{event.version}"))
            elif event.version > previous.version + 1:
                missing = event.version - previous.version - 1
                span = f"v{previous.version + 1}" if missing == 1 else f"v{previous.version + 1}..v{event.version - 1}"
                findings.append(Finding("version_gap", stream, previous.version + 1,
                                        f"{span} missing ({missing} version{'s' if missing > 1 else ''}) between v{previous.version} and v{event.version}"))
            if (event.recorded_at is not None and previous.recorded_at is not None
                    and event.recorded_at < previous.recorded_at):
                findings.append(Finding("time_regression", stream, event.version,
                                        f"v{event.version} recorded at {format_time(event.recorded_at)}, "
                                        f"before v{previous.version} at {format_time(previous.recorded_at)}"))
        previous = event
    return findings


def check_store(
    store: _Readable,
    *,
    stream: str | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
    page: int = 500,
) -> CheckReport:
    """Check one stream, or every stream page by page.

    A whole-store check also reports the store's lines that are no event (a JSON Lines file's
    ``unreadable_lines``: in no stream) as ``undecodable_payload`` findings whose ``stream`` is
    None, after the streams'."""
    report = CheckReport()
    layout = getattr(store, "layout_name", None)
    if stream is not None:
        report.findings.extend(check_events(stream, store.read_stream(stream, cancel=cancel), cancel, layout))
        report.streams_checked = 1
        return report
    after = None
    while True:
        summaries = store.streams(after=after, limit=page)
        for summary in summaries:
            check(cancel)
            report.findings.extend(check_events(summary.stream, store.read_stream(summary.stream, cancel=cancel), cancel,
                                                layout))
            report.streams_checked += 1
            if progress is not None:
                progress(report.streams_checked, None)
        if len(summaries) < page:
            break
        after = summaries[-1].stream
    report.findings.extend(outside_stream_findings(store, cancel))
    return report


def outside_stream_findings(store: Any, cancel: CancelToken | None = None) -> list[Finding]:
    """The store's lines that are no event (a JSON Lines file's ``unreadable_lines``), each an
    ``undecodable_payload`` finding whose ``stream`` and ``version`` are None; [] for a store
    without such lines. Every whole-store check adds them after the streams' findings."""
    unreadable = getattr(store, "unreadable_lines", None)
    if unreadable is None:
        return []
    return [Finding("undecodable_payload", None, None, f"{event.problem} (at position {event.position}; in no stream)")
            for event in unreadable(cancel=cancel)]
