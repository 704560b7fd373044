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
         "damaged_event",
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
    stream: str
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


class _Readable(Protocol):
    def streams(self, *, match=None, category=None, after=None, limit=500) -> list[StreamSummary]: ...
    def read_stream(self, stream: str, *, cancel: CancelToken | None = None, **kwargs: Any) -> Iterable[Event]: ...


def check_events(stream: str, events: Iterable[Event], cancel: CancelToken | None = None) -> list[Finding]:
    """Findings for one stream's events, given in version order (NULL versions first)."""
    findings: list[Finding] = []
    previous: Event | None = None
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
    """Check one stream, or every stream page by page."""
    report = CheckReport()
    if stream is not None:
        report.findings.extend(check_events(stream, store.read_stream(stream, cancel=cancel), cancel))
        report.streams_checked = 1
        return report
    after = None
    while True:
        summaries = store.streams(after=after, limit=page)
        for summary in summaries:
            check(cancel)
            report.findings.extend(check_events(summary.stream, store.read_stream(summary.stream, cancel=cancel), cancel))
            report.streams_checked += 1
            if progress is not None:
                progress(report.streams_checked, None)
        if len(summaries) < page:
            return report
        after = summaries[-1].stream
