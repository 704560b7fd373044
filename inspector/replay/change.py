"""What one event changed: a stream's state just before and just after the event at a version.

``event_change(store, stream, version, projectors=, cache=)`` replays the stream to ``version``
and to the version before it (both through the snapshot cache, so the second replay costs a
few events) and diffs the two states with ``diff_states``. The window's State tab highlights
these changes; ``event-inspector changed`` prints them.

Replays run through ``inspector.replay.worker``: user projectors run in a worker process
that Cancel (or ``time_limit``, per replay) can stop, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from inspector.core.cancel import CancelToken, Progress
from inspector.core.diff import Change, diff_states
from inspector.core.events import Event, Moment, format_time
from inspector.core.json_pieces import cycle_collection_paused, settle_new_objects
from inspector.core.terminal import quoted_name
from inspector.replay import worker
from inspector.replay.cache import SnapshotCache
from inspector.replay.engine import FIRST_EVENT_PAYLOAD_CAP, EventStep, ReplayResult


@dataclass
class EventChange:
    """The state around one event.

    ``after`` is the replay to the asked version (its ``problem`` says when the stream has no
    event there; its ``stopped`` when the projector raised). ``before`` is the replay to the
    version before it: for the stream's first event, the projector's initial state; None when
    ``after`` could not be computed. ``events`` are the events stored at ``version``, in
    position order (read from the store whether or not their payloads can be read: more than
    one when several claim the version). ``changes`` are the JSON-pointer changes from
    ``before``'s state to ``after``'s (``Change.events`` is empty: the events at ``version``
    made them all, together when there are several; ``steps`` says what each made on its own,
    and ``changed_by`` which of them changed a path). ``problem`` is None when both states were
    computed; else one line saying why no changes are given (an event whose payload cannot be
    read is named as such). ``warnings``: the replays' warnings (a version claimed by two
    events, a stream that starts late), each once.
    """

    stream: str
    version: int
    after: ReplayResult
    before: ReplayResult | None = None
    changes: list[Change] = field(default_factory=list)
    problem: str | None = None
    events: list[Event] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: what each event at the version changed on its own, in position order (one step holding
    #: ``changes`` when one event owns it; empty when ``problem`` is set)
    steps: list[EventStep] = field(default_factory=list)

    @property
    def event(self) -> Event | None:
        """The (last, by position) event stored at ``version``; None when the stream has none there."""
        return self.events[-1] if self.events else None

    @property
    def shared(self) -> bool:
        """Whether more than one event claims ``version`` (the changes are then theirs together)."""
        return len(self.events) > 1

    def shared_text(self) -> str | None:
        """One line saying which events share the version and whose the changes are, or None, e.g.
        ``v2 is claimed by 2 events: JobAssigned (position 2093), JobCompleted (position 2839); the
        changes shown are what they made together, applied in position order, each traced to the
        events that changed it``."""
        if not self.shared:
            return None
        named = ", ".join(f"{event.type} (position {event.position})" for event in self.events)
        return (f"v{self.version} is claimed by {len(self.events)} events: {named}; the changes shown are what "
                "they made together, applied in position order, each traced to the events that changed it")

    def just_after(self, position: Any = None) -> tuple[ReplayResult, list[Change], int | None]:
        """The state just after one event at ``version`` and what that event changed on its own,
        as ``(result, changes, index)``: what the window's State tab shows for a selected event.

        On a version several events claim (with ``steps``), ``result`` is ``after`` with the state,
        time, last event and events applied of the event at ``position`` (None, or a position
        not among them: the last of them); the replay's warning that both were applied gives way
        to one line naming which event it is, e.g. ``v2 is claimed by 2 events: this is the state
        just after the 1st, JobAssigned (position 2093), before JobCompleted (position 2839)``;
        ``changes`` are that event's own and ``index`` its place in ``steps``. Otherwise
        ``(after, changes, None)``: the version's state and every change to it."""
        steps = self.steps
        if not self.shared or not steps or self.problem is not None:
            return self.after, self.changes, None
        index = next((i for i, step in enumerate(steps) if step.position == position), len(steps) - 1)
        step = steps[index]
        if step.problem is not None:
            return self.after, self.changes, None
        event = next((each for each in self.events if each.position == step.position), None)
        later = [f"{each.type} (position {each.position})" for each in steps[index + 1:]]
        earlier = [f"{each.type} (position {each.position})" for each in steps[:index]]
        line = (f"v{self.version} is claimed by {len(self.events)} events: this is the state just after the "
                f"{_ordinal(index + 1)}, {step.type} (position {step.position})")
        if earlier:
            line += ", after " + ", ".join(earlier)
        if later:
            line += (", and " if earlier else ", ") + "before " + ", ".join(later)
        claimed = f"v{self.version} is claimed by "
        result = replace(
            self.after, state=step.state,
            recorded_at=event.recorded_at if event is not None else self.after.recorded_at,
            last_event=event if event is not None and later else self.after.last_event,
            events_applied=max(self.after.events_applied - len(later), 0),
            warnings=[line] + [warning for warning in self.after.warnings if not warning.startswith(claimed)],
            raw_state=None if later else self.after.raw_state)
        return result, list(step.changes), index

    def changed_by(self, change: Change) -> list[EventStep]:
        """The events (``steps``) whose own changes touched ``change``'s path, a path inside it or
        one holding it, in position order (the one event when one owns the version). A few set
        look-ups per change, whatever the number of changes (an event adding 150,000 paths)."""
        paths = self.__dict__.get("_paths_of_steps")
        if paths is None or len(paths) != len(self.steps):
            paths = self.__dict__["_paths_of_steps"] = [(step, _paths_of(step)) for step in self.steps]
        path = change.path
        return [step for step, own in paths if _touches(path, own)]

    def to_json(self) -> dict[str, Any]:
        """``{"stream", "version", "event": {type, recorded_at, actor, position} | null, "projector",
        "state_before", "state_after", "changes": [{path, op, before, after}], "problem", "stopped",
        "events": [{type, recorded_at, actor, position, problem}] (every event stored at the version),
        "shared": one line or null, "warnings": [line], "by_event": [{position, type, changes, problem}]}``.
        ``event`` is the last of ``events``. Each of ``changes`` also has ``changed_by`` (the
        positions of the events that changed its path: the one event's when one owns the
        version) and ``by_event`` gives each event's own changes (one entry, holding ``changes``,
        when one event owns the version; empty when ``problem`` is set). ``state_after`` is null
        when the projector raised (``stopped``): the state after the event is not known."""
        event = self.event
        return {
            "stream": self.stream,
            "version": self.version,
            "event": None if event is None else _event_json(event),
            "events": [_event_json(each) for each in self.events],
            "shared": self.shared_text(),
            "warnings": list(self.warnings),
            "projector": self.after.projector,
            "state_before": None if self.before is None else self.before.state,
            # the projector raised at or before this version: the state after it is not known
            "state_after": None if self.after.stopped is not None else self.after.state,
            "changes": [self._change_json(change) for change in self.changes],
            "by_event": [step.to_json() for step in self.steps],
            "problem": self.problem,
            "stopped": None if self.after.stopped is None else self.after.stopped.to_json(),
        }


    def _change_json(self, change: Change) -> dict[str, Any]:
        shown = {key: value for key, value in change.to_json().items() if key in ("path", "op", "before", "after")}
        shown["changed_by"] = [step.position for step in self.changed_by(change)]
        return shown


def _ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th')}"


def _paths_of(step: Any) -> tuple[frozenset[str], frozenset[str]]:
    """``(own, holders)`` of a step's own changes: their paths, and every path that holds one of
    them (``/a`` and ``""`` for ``/a/b``)."""
    own = frozenset(change.path for change in step.changes)
    holders = set()
    for path in own:
        while path:
            path = path.rpartition("/")[0]
            holders.add(path)
    return own, frozenset(holders)


def _touches(path: str, paths: tuple[frozenset[str], frozenset[str]]) -> bool:
    """Whether JSON pointer ``path`` is one of ``own``, holds one of them, or lies inside one."""
    own, holders = paths
    if not own:
        return False
    if path in own or path in holders or "" in own:
        return True
    while path:
        path = path.rpartition("/")[0]
        if path in own:
            return True
    return False


def _event_json(event: Event) -> dict[str, Any]:
    return {"type": event.type, "recorded_at": format_time(event.recorded_at), "actor": event.actor,
            "position": event.position, "problem": event.problem}


#: more changes than this are settled in the collector's oldest generation (``settle_new_objects``)
_MANY_CHANGES = 10_000


def events_at(store: Any, stream: str, version: int, cancel: CancelToken | None = None) -> list[Event]:
    """The events stored at ``stream`` v``version``, in position order (a payload over
    ``FIRST_EVENT_PAYLOAD_CAP`` bytes is not decoded: its type, time and actor are what is shown)."""
    events = list(store.read_stream(stream, from_version=version, to_version=version, cancel=cancel,
                                    payload_cap=FIRST_EVENT_PAYLOAD_CAP))
    return sorted(events, key=lambda event: (event.position is None, event.position))


def _stopped_text(change: EventChange, store: Any, cancel: CancelToken | None) -> str:
    """Why the projector stopped at or before the asked version: an event whose payload (or
    another field) cannot be read is named as existing and unreadable, not as missing."""
    stopped = change.after.stopped
    assert stopped is not None
    here = stopped.version == change.version
    events = change.events if here or stopped.version is None else events_at(store, change.stream, stopped.version,
                                                                                cancel)
    damaged = next((event for event in events if event.problem), None)
    if damaged is None:
        return f"the projector raised at v{stopped.version} ({stopped.type}): {stopped.error}"
    what = "its payload cannot be read" if damaged.data is None else "it is damaged"
    which = f"the event at v{stopped.version} ({damaged.type}, position {damaged.position})"
    if here:
        return (f"{which} exists but {what}: {damaged.problem}; the projector cannot apply it, so what it "
                "changed cannot be shown")
    return (f"{which}, before this one, exists but {what}: {damaged.problem}; the projector cannot apply it, so "
            f"the state at v{change.version} cannot be rebuilt")


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
    change = EventChange(stream, version, after, events=events_at(store, stream, version, cancel),
                         warnings=list(after.warnings))
    if after.stopped is not None and change.events:
        change.problem = _stopped_text(change, store, cancel)
        return change
    if after.problem is not None or after.stopped is not None or after.version is None:
        change.problem = after.problem or (
            f"the projector raised at v{after.stopped.version}: {after.stopped.error}" if after.stopped is not None
            else f"stream {quoted_name(stream)} has no event at v{version}")
        return change
    before = worker.replay(store, stream, at=Moment(version=after.version - 1), projectors=projectors,
                           cache=cache, cancel=cancel, time_limit=time_limit, isolate=isolate)
    change.before = before
    change.warnings = list(dict.fromkeys(change.warnings + before.warnings))
    # Before the first event the engine answers the projector's initial state (with a problem
    # naming the version that does not exist, for streams that start at 0): that is the state
    # the first event changed. A state that could not be computed gives no changes.
    if before.stopped is not None:
        change.problem = (f"the projector raised at v{before.stopped.version} before this event: "
                          f"{before.stopped.error}")
    elif before.state is None:
        change.problem = before.problem or "the state before this event could not be computed"
    else:
        # 150,000 changed paths are 450,000 new objects: with the collector on they start full
        # collections (each walks every object alive, 0.1-0.2 s holding the GIL beside a big
        # state); paused, and the many put in the oldest generation at once (no walk), as big
        # decodes do
        with cycle_collection_paused():
            change.changes = diff_states(before.state, after.state)
        if len(change.changes) > _MANY_CHANGES:
            settle_new_objects()
        if change.shared:
            change.steps = worker.steps_at(store, stream, version, projectors=projectors, cache=cache,
                                           cancel=cancel, time_limit=time_limit, isolate=isolate)
        elif change.events:  # one event owns the version: its own changes are all of them
            event = change.events[0]
            change.steps = [EventStep(event.position, event.type, list(change.changes), state=after.state)]
    return change


__all__ = ["EventChange", "event_change", "events_at"]
