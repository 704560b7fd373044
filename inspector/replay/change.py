"""What one event changed: a stream's state just before and just after the event at a version.

``event_change(store, stream, version, projectors=, cache=)`` replays the stream to ``version``
and to the version before it (both through the snapshot cache, so the second replay costs a
few events) and diffs the two states with ``diff_states``. The window's State tab highlights
these changes; ``event-inspector changed`` prints them.

Replays run through ``inspector.replay.worker``: user projectors run in a worker process
that Cancel (or ``time_limit``, per replay) can stop, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inspector.core.cancel import CancelToken, Progress
from inspector.core.diff import Change, diff_states
from inspector.core.events import Event, Moment, format_time
from inspector.replay import worker
from inspector.replay.cache import SnapshotCache
from inspector.replay.engine import ReplayResult


@dataclass
class EventChange:
    """The state around one event.

    ``after`` is the replay to the asked version (its ``problem`` says when the stream has no
    event there; its ``stopped`` when the projector raised). ``before`` is the replay to the
    version before it: for the stream's first event, the projector's initial state; None when
    ``after`` could not be computed. ``changes`` are the JSON-pointer changes from ``before``'s
    state to ``after``'s (``Change.events`` is empty: one event made them all). ``problem`` is
    None when both states were computed; else one line saying why no changes are given.
    """

    stream: str
    version: int
    after: ReplayResult
    before: ReplayResult | None = None
    changes: list[Change] = field(default_factory=list)
    problem: str | None = None

    @property
    def event(self) -> Event | None:
        """The event at ``version`` (None when the stream has none there)."""
        last = self.after.last_event
        return last if last is not None and last.version == self.version and self.after.problem is None else None

    def to_json(self) -> dict[str, Any]:
        """``{"stream", "version", "event": {type, recorded_at, actor, position} | null, "projector",
        "state_before", "state_after", "changes": [{path, op, before, after}], "problem", "stopped"}``."""
        event = self.event
        return {
            "stream": self.stream,
            "version": self.version,
            "event": None if event is None else {
                "type": event.type,
                "recorded_at": format_time(event.recorded_at),
                "actor": event.actor,
                "position": event.position,
            },
            "projector": self.after.projector,
            "state_before": None if self.before is None else self.before.state,
            "state_after": self.after.state,
            "changes": [{key: value for key, value in change.to_json().items() if key in
                         ("path", "op", "before", "after")} for change in self.changes],
            "problem": self.problem,
            "stopped": None if self.after.stopped is None else self.after.stopped.to_json(),
        }


def event_change(store: Any, stream: str, version: int, *, projectors: Any = None,
                 cache: SnapshotCache | None = None, cancel: CancelToken | None = None,
                 progress: Progress | None = None, time_limit: float | None = None,
                 isolate: bool | None = None) -> EventChange:
    """What the event at ``stream`` v``version`` changed in the projected state.

    Two replays (to ``version`` and to ``version - 1``; the second ends at the last event
    before it, whatever the gap) and one ``diff_states``. ``projectors``: a ProjectorSet or
    Projector (None: the generic one). ``progress(done, total)`` follows the first replay.
    ``time_limit`` (seconds) and ``isolate`` are passed to each replay (see ``worker.replay``).
    Raises ``Cancelled``, ``TimeLimitReached``, ``WorkerDied`` and store errors; a stream or
    version that does not exist, or a projector that raises, is told in ``problem``.
    """
    after = worker.replay(store, stream, at=Moment(version=version), projectors=projectors, cache=cache,
                          cancel=cancel, progress=progress, time_limit=time_limit, isolate=isolate)
    change = EventChange(stream, version, after)
    if after.problem is not None or after.stopped is not None or after.version is None:
        change.problem = after.problem or (
            f"the projector raised at v{after.stopped.version}: {after.stopped.error}" if after.stopped is not None
            else f"stream {stream!r} has no event at v{version}")
        return change
    before = worker.replay(store, stream, at=Moment(version=after.version - 1), projectors=projectors,
                           cache=cache, cancel=cancel, time_limit=time_limit, isolate=isolate)
    change.before = before
    # Before the first event the engine answers the projector's initial state (with a problem
    # naming the version that does not exist, for streams that start at 0): that is the state
    # the first event changed. A state that could not be computed gives no changes.
    if before.stopped is not None:
        change.problem = (f"the projector raised at v{before.stopped.version} before this event: "
                          f"{before.stopped.error}")
    elif before.state is None:
        change.problem = before.problem or "the state before this event could not be computed"
    else:
        change.changes = diff_states(before.state, after.state)
    return change


__all__ = ["EventChange", "event_change"]
