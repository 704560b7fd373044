"""Audit look-ups over any EventStore: who did what, what caused an event, what shares its correlation.

Qt-free and blocking (the window runs them on its task runner, the CLI in the foreground).
Every look-up pages by key with ``read_all`` (a text filter narrows the pages on the server)
and is capped, so a huge store never makes one unbounded:

- ``causation_chain(store, event)`` -> ``(events root first, how the chain ended)``:
  follows ``metadata.causation_id`` back to the first cause, at most ``CHAIN_LIMIT`` events;
- ``correlated_events(store, event)`` / ``events_with_correlation(store, id)`` -> events sharing
  ``metadata.correlation_id``, in global order, at most ``CORRELATED_LIMIT``;
- ``events_by_actor(store, actor)`` -> one page of the events whose actor is ``actor``;
  ``actor_page(store, actor)`` -> the same as an ``ActorPage`` that knows whether more follow;
- ``event_at(store, stream, version)`` -> the event at that version, or None.

A look-up for an id reads at most ``SEARCH_PAGES`` pages of ``PAGE`` events that mention the
id; a miss beyond that reads as "no stored event". ``store`` is anything with the EventStore
port's ``read_all(after_position=, limit=, filters=, cancel=)`` and ``read_stream(...)``.
Errors: whatever the store raises (``StoreError``), ``Cancelled`` when ``cancel`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from inspector.core.cancel import CancelToken, check
from inspector.core.events import Event
from inspector.core.matching import EventFilter

#: How far a causation chain is followed, and how many correlated events are listed.
CHAIN_LIMIT = 25
CORRELATED_LIMIT = 200
#: Pages read while looking for one id (a text search; the cap bounds a miss).
SEARCH_PAGES = 20
PAGE = 500


def meta(event: Event, key: str) -> str | None:
    """``event.metadata[key]`` as text, or None when absent or empty."""
    value = event.metadata.get(key) if isinstance(event.metadata, dict) else None
    return None if value in (None, "") else str(value)


#: Message DB's own metadata names the cause by its stream and position in that stream, and the
#: correlation by a stream name (Eventide's ``causationMessageStreamName``, ...).
CAUSE_STREAM_KEY = "causationMessageStreamName"
CAUSE_POSITION_KEY = "causationMessagePosition"
CORRELATION_STREAM_KEY = "correlationStreamName"


def cause_named(event: Event) -> str | None:
    """What ``event``'s metadata names as its cause: its ``causation_id``, else Message DB's
    ``STREAM/POSITION`` (``causationMessageStreamName``/``causationMessagePosition``); None."""
    cause_id = meta(event, "causation_id")
    if cause_id is not None:
        return cause_id
    place = _cause_place(event)
    return None if place is None else f"{place[0]}/{place[1]}"


def _cause_place(event: Event) -> tuple[str, int] | None:
    """Message DB's causing message as (stream, position in it), when the metadata names both."""
    if not isinstance(event.metadata, dict) or meta(event, "causation_id") is not None:
        return None
    stream, position = event.metadata.get(CAUSE_STREAM_KEY), event.metadata.get(CAUSE_POSITION_KEY)
    if not isinstance(stream, str) or not stream or not isinstance(position, int) or isinstance(position, bool):
        return None
    return (stream, position) if position >= 0 else None


def correlation_of(event: Event) -> str | None:
    """``event``'s correlation: its ``correlation_id``, else Message DB's ``correlationStreamName``."""
    return meta(event, "correlation_id") or meta(event, CORRELATION_STREAM_KEY)


def _matching(store: Any, needle: str, cancel: CancelToken | None, pages: int = SEARCH_PAGES) -> Iterator[Event]:
    """Events whose payload or metadata mention ``needle``, page by page, at most ``pages`` pages."""
    after = None
    for _ in range(pages):
        page = store.read_all(after_position=after, limit=PAGE, filters=EventFilter(text=needle), cancel=cancel)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].position


def find_by_event_id(store: Any, event_id: str, cancel: CancelToken | None = None) -> Event | None:
    """The event whose ``metadata.event_id`` is ``event_id`` (None when the store has none)."""
    return next((e for e in _matching(store, event_id, cancel) if meta(e, "event_id") == event_id), None)


def event_at(store: Any, stream: str, version: int, cancel: CancelToken | None = None) -> Event | None:
    """The event at ``stream`` v``version`` (exact stream name), or None when there is none."""
    return next(iter(store.read_stream(stream, from_version=version, to_version=version, limit=1,
                                       cancel=cancel)), None)


def causation_chain(store: Any, event: Event, *, limit: int = CHAIN_LIMIT,
                    cancel: CancelToken | None = None) -> tuple[list[Event], str]:
    """``event`` and the events that caused it, root first (``event`` last), and how the chain ended:
    ``"the first event has no causation id"``, ``"stopped after N events"``, ``"the chain loops back
    on itself"`` or ``"caused by ID (its correlation id | no stored event)"``."""
    chain = [event]
    seen = {meta(event, "event_id")}
    positions = {event.position}
    current = event
    while True:
        check(cancel)
        cause_id = cause_named(current)
        if cause_id is None:
            return chain[::-1], "the first event has no causation id"
        if len(chain) >= limit:
            return chain[::-1], f"stopped after {limit} events"
        if cause_id in seen:
            return chain[::-1], "the chain loops back on itself"
        place = _cause_place(current)
        cause = find_by_event_id(store, cause_id, cancel) if place is None else event_at(store, *place, cancel)
        if cause is None:
            # A causation id that names no event is usually the command or request that
            # started it all (the demo uses the correlation id for that).
            origin = "its correlation id" if cause_id == correlation_of(current) else "no stored event"
            return chain[::-1], f"caused by {cause_id} ({origin})"
        if cause.position in positions:
            return chain[::-1], "the chain loops back on itself"
        chain.append(cause)
        seen.add(cause_id)
        positions.add(cause.position)
        current = cause


def events_with_correlation(store: Any, correlation: str, *, limit: int = CORRELATED_LIMIT,
                            cancel: CancelToken | None = None) -> list[Event]:
    """Events whose correlation (``correlation_of``: ``metadata.correlation_id``, or Message DB's
    ``correlationStreamName``) is ``correlation``, in global order (at most ``limit``)."""
    found = []
    for other in _matching(store, correlation, cancel):
        if correlation_of(other) == correlation:
            found.append(other)
            if len(found) >= limit:
                break
    return found


def correlated_events(store: Any, event: Event, *, limit: int = CORRELATED_LIMIT,
                      cancel: CancelToken | None = None) -> list[Event]:
    """Events sharing ``event``'s correlation id, in global order (at most ``limit``; [] without one)."""
    correlation = correlation_of(event)
    if correlation is None:
        return []
    return events_with_correlation(store, correlation, limit=limit, cancel=cancel)


def events_by_actor(store: Any, actor: str, *, limit: int = PAGE, after_position: int | None = None,
                    cancel: CancelToken | None = None, payload_cap: int | None = None) -> list[Event]:
    """One page of the events ``actor`` caused, across streams, in global order after ``after_position``.
    ``payload_cap``: payloads longer (bytes) are left out (``read_all``'s: a listing's summaries)."""
    return store.read_all(after_position=after_position, limit=limit, filters=EventFilter(actor=actor),
                          cancel=cancel, payload_cap=payload_cap)


@dataclass
class ActorPage:
    """One page of an actor's events, oldest first, and whether more follow it.

    ``more``: the store holds events of the actor after this page (one row past the page was
    read to know it, none counted). ``after_position``: where the page starts (None: the first
    page). Counts of streams are of this page only, and ``headline`` says so.
    """

    actor: str
    events: list[Event]
    more: bool
    after_position: int | None = None

    @property
    def next_after(self) -> int | None:
        """The ``after_position`` that continues the listing; None when nothing follows."""
        return self.events[-1].position if self.more and self.events else None

    def headline(self) -> str:
        """One line that never passes a page off as the whole: ``alice: 12 events in 3 streams, oldest
        first`` when the page holds all of them, ``alice: first 5 events shown (oldest first), in 1
        stream; more exist`` when it does not, ``... after position 420 ...`` on a later page."""
        count = len(self.events)
        streams = len({event.stream for event in self.events})
        events = f"{count:,} event{'s' if count != 1 else ''}"
        in_streams = f"in {streams:,} stream{'s' if streams != 1 else ''}"
        if self.after_position is None and not self.more:
            return f"{self.actor}: {events} {in_streams}, oldest first"
        which = "first" if self.after_position is None else "next"
        after = "" if self.after_position is None else f" after position {self.after_position}"
        if self.more:
            return f"{self.actor}: {which} {events} shown{after} (oldest first), {in_streams}; more exist"
        return f"{self.actor}: the last {events}{after} (oldest first), {in_streams}"


def actor_page(store: Any, actor: str, *, limit: int = PAGE, after_position: int | None = None,
               cancel: CancelToken | None = None, payload_cap: int | None = None) -> ActorPage:
    """At most ``limit`` of the events ``actor`` caused after ``after_position``, in global order,
    and whether more follow (one event past the page is read, none counted). ``payload_cap``:
    payloads longer (bytes) are left out, as ``read_all`` leaves them (a listing in text)."""
    page = events_by_actor(store, actor, limit=limit + 1, after_position=after_position, cancel=cancel,
                           payload_cap=payload_cap)
    return ActorPage(actor, page[:limit], len(page) > limit, after_position)


@dataclass
class CausesOf:
    """What led to one event: its causation chain (root first, the event last) and its correlated events."""

    event: Event
    chain: list[Event]
    chain_end: str
    correlated: list[Event] = field(default_factory=list)
    #: whether more events share the correlation id than ``correlated`` lists (None: not known,
    #: then a full list of ``CORRELATED_LIMIT`` is taken to be cut)
    correlated_more: bool | None = None

    @property
    def correlation_id(self) -> str | None:
        return correlation_of(self.event)

    @property
    def correlated_capped(self) -> bool:
        """Whether the correlated events listed are only the first ones."""
        if self.correlated_more is not None:
            return self.correlated_more
        return len(self.correlated) >= CORRELATED_LIMIT

    @property
    def causes(self) -> int:
        """How many stored events led to the event (the chain without the event itself)."""
        return len(self.chain) - 1

    def chain_end_words(self) -> str:
        """How the chain ends, in a sentence a reader of the list understands, e.g. ``the first
        cause's causation id 35f2... is the correlation id: the request or command that started
        it, not a stored event`` (``chain_end`` is the short form the JSON keeps)."""
        root = self.chain[0]
        whose = "the first cause's" if self.causes else "its"
        cause_id = cause_named(root)
        if cause_id is None:
            return f"{whose} metadata has no causation id"
        if not self.chain_end.startswith("caused by "):
            return self.chain_end  # stopped after N events, or a loop
        if _cause_place(root) is not None:
            return f"{whose} causing message {cause_id} is not stored"
        if cause_id == correlation_of(root):
            return (f"{whose} causation id {cause_id} is the correlation id: the request or command "
                    "that started it, not a stored event")
        return f"{whose} causation id {cause_id} names no stored event"


def causes_of(store: Any, event: Event, *, cancel: CancelToken | None = None) -> CausesOf:
    """``event``'s causation chain and correlated events in one call (the Audit tab's selection)."""
    chain, end = causation_chain(store, event, cancel=cancel)
    correlated = correlated_events(store, event, limit=CORRELATED_LIMIT + 1, cancel=cancel)  # one more: are there more?
    return CausesOf(event, chain, end, correlated[:CORRELATED_LIMIT], len(correlated) > CORRELATED_LIMIT)


__all__ = [
    "ActorPage",
    "CHAIN_LIMIT",
    "CORRELATED_LIMIT",
    "PAGE",
    "SEARCH_PAGES",
    "CausesOf",
    "actor_page",
    "causation_chain",
    "cause_named",
    "correlation_of",
    "causes_of",
    "correlated_events",
    "event_at",
    "events_by_actor",
    "events_with_correlation",
    "find_by_event_id",
    "meta",
]
