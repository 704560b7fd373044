"""Event types and the payload fields seen per type over time, and where their schema drifted.

A *type survey* (``TypeSurvey``) says, per event type: how many events, when the first and
last were recorded, and per top-level payload field how many of the type's events carry it,
with which JSON types and when each was first and last seen. Stores build it (counted by the
database where it has JSON functions, else from a sample: ``method`` says which); this module
holds the value objects, the accumulator that builds one from decoded events or from grouped
rows, and the drift analysis: which fields **appeared** (absent from every earlier event of
the type), **disappeared** (absent from every later one) or **changed JSON type** (one type
last seen before the next was first seen), and when.

JSON types are named as JSON Schema names them: ``string``, ``number``, ``boolean``, ``null``,
``object``, ``array``. Times are aware UTC datetimes (None where the store keeps no time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from inspector.core.events import Event, format_time
from inspector.core.terminal import shown_name

#: The JSON types, in the order lists show them when they were first seen at the same time.
JSON_TYPES = ("object", "array", "string", "number", "boolean", "null")
#: How many events a sampled survey reads by default (spread over the store's history).
DEFAULT_SAMPLE = 20_000


@dataclass(frozen=True, slots=True)
class JsonTypeSeen:
    """One JSON type a field was seen with: in ``count`` events, first and last at these times."""

    json_type: str
    count: int
    first_at: datetime | None
    last_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.json_type, "count": self.count,
                "first_at": format_time(self.first_at), "last_at": format_time(self.last_at)}


@dataclass(frozen=True, slots=True)
class FieldSeen:
    """A top-level payload field of one event type: in ``count`` of the type's surveyed
    events, first and last at these times, with its JSON types ordered by when first seen."""

    name: str
    count: int
    first_at: datetime | None
    last_at: datetime | None
    json_types: tuple[JsonTypeSeen, ...]

    def type_names(self) -> list[str]:
        return [seen.json_type for seen in self.json_types]


@dataclass(frozen=True, slots=True)
class TypeSeen:
    """One event type.

    ``count``, ``first_at`` and ``last_at`` cover all the type's events in the store (or
    category) when ``count_exact``; ``surveyed`` is how many of them had their payload looked
    into (all of them when the database counted, the sampled ones otherwise), of which
    ``objects`` were JSON objects (their fields are in ``fields``), ``not_objects`` other JSON
    (an array, a string...) and ``unreadable`` not JSON at all (bad rows: counted, never
    surveyed). ``surveyed_first_at``/``surveyed_last_at`` bound the object payloads looked
    into: a field first seen after ``surveyed_first_at`` is absent from the earlier ones.
    """

    name: str
    count: int
    first_at: datetime | None
    last_at: datetime | None
    surveyed: int
    objects: int
    not_objects: int
    unreadable: int
    surveyed_first_at: datetime | None
    surveyed_last_at: datetime | None
    fields: tuple[FieldSeen, ...]
    count_exact: bool = True


@dataclass(frozen=True, slots=True)
class TypeSurvey:
    """Every event type of a store (or of one category) with its payload fields.

    ``method`` is ``"sql"`` (every payload counted by the database), ``"decoded"`` (every
    payload decoded in Python: counted in full, no sample) or ``"sample"`` (``sampled`` events
    decoded in Python, spread over the history; counts and times of fields are the sample's);
    ``method_detail`` says how in one line. ``sampled`` is None unless a sample was read;
    ``sampled_from`` then is how many events it was drawn from (the store's, or the category's).
    ``complete`` is False when the survey was cancelled part way: what it holds is what was
    counted so far.
    """

    method: str
    method_detail: str
    types: tuple[TypeSeen, ...]
    category: str | None = None
    sampled: int | None = None
    complete: bool = True
    sampled_from: int | None = None

    @property
    def events(self) -> int:
        """The events counted: all of the store's (or category's), or the sample's when
        ``counts_are_the_sample_s``."""
        return sum(kind.count for kind in self.types)

    @property
    def counts_are_the_sample_s(self) -> bool:
        """Whether the counts per type (and ``events``) are the sample's, not the store's."""
        return self.sampled is not None and any(not kind.count_exact for kind in self.types)

    def scope_line(self) -> str:
        """``3 event type(s) of category wallet, 4,743 event(s)``; where the counts are a
        sample's, ``3 event type(s) of category wallet in a sample of 100 of the category's 4,743
        events``."""
        scope = f" of category {shown_name(self.category)}" if self.category else ""
        kinds = f"{len(self.types):,} event type(s){scope}"
        if not self.counts_are_the_sample_s:
            return f"{kinds}, {self.events:,} event(s)"
        whose = "the category's" if self.category else "the store's"
        if self.sampled_from is None:
            return f"{kinds} in a sample of {self.events:,} event(s)"
        return f"{kinds} in a sample of {self.events:,} of {whose} {self.sampled_from:,} events"

    @property
    def unreadable(self) -> int:
        return sum(kind.unreadable for kind in self.types)


@dataclass(frozen=True, slots=True)
class Drift:
    """One mark on a field: ``kind`` is ``appeared``, ``disappeared``, ``type_changed`` or
    ``mixed_types``; ``at`` when (the first time seen after the change; for ``disappeared``
    the last time the field was seen); ``detail`` one line for people."""

    kind: str
    at: datetime | None
    detail: str
    before: str | None = None
    after: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": format_time(self.at), "detail": self.detail,
                "from": self.before, "to": self.after}

    @property
    def sign(self) -> str:
        return {"appeared": "+", "disappeared": "-"}.get(self.kind, "~")


def json_type_of(value: Any) -> str:
    """The JSON type name of a decoded value (``Decimal`` and non-finite floats are numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return "string"  # any other decoded scalar is written as text


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


@dataclass
class _Span:
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None

    def add(self, count: int, first: datetime | None, last: datetime | None) -> None:
        self.count += count
        self.first = _earlier(self.first, first)
        self.last = _later(self.last, last)


@dataclass
class _TypeTally:
    total: _Span = field(default_factory=_Span)
    surveyed: int = 0
    objects: _Span = field(default_factory=_Span)
    not_objects: int = 0
    unreadable: int = 0
    fields: dict[tuple[str, str], _Span] = field(default_factory=dict)
    #: the times of the sampled events (whatever their payload), for totals the store cannot time
    sampled: _Span = field(default_factory=_Span)


class SurveyBuilder:
    """Accumulates a survey from grouped rows (a database's counts, part by part) or from
    decoded events (a sample), then ``build``s the ``TypeSurvey``. Memory grows with the
    number of types and fields, never with the number of events."""

    def __init__(self, left_out: frozenset[str] = frozenset()) -> None:
        """``left_out``: top-level keys that are not payload fields (the ``eventsourcing``
        library's envelope): never listed, whether counted by a database or sampled."""
        self._types: dict[str, _TypeTally] = {}
        self._exact_totals = True
        self.left_out = left_out

    def _tally(self, name: str) -> _TypeTally:
        tally = self._types.get(name)
        if tally is None:
            tally = self._types[name] = _TypeTally()
        return tally

    # --- from a database's grouped counts --------------------------------------------------
    def add_totals(self, name: str, count: int, first: datetime | None, last: datetime | None) -> None:
        """``count`` events of type ``name`` recorded between ``first`` and ``last``."""
        self._tally(name).total.add(count, first, last)

    def add_surveyed(self, name: str, *, surveyed: int, objects: int, unreadable: int,
                     objects_first: datetime | None, objects_last: datetime | None) -> None:
        """Of ``surveyed`` events of the type whose payload was looked into: ``objects`` JSON
        objects (recorded between the two times), ``unreadable`` not JSON, the rest other JSON."""
        tally = self._tally(name)
        tally.surveyed += surveyed
        tally.objects.add(objects, objects_first if objects else None, objects_last if objects else None)
        tally.unreadable += unreadable
        tally.not_objects += surveyed - objects - unreadable

    def add_field(self, name: str, key: str, json_type: str, count: int,
                  first: datetime | None, last: datetime | None) -> None:
        """``count`` object payloads of type ``name`` have ``key`` holding a ``json_type`` value."""
        if key in self.left_out:
            return
        span = self._tally(name).fields.setdefault((key, json_type), _Span())
        span.add(count, first, last)

    def events_counted(self) -> int:
        """How many events ``add_totals`` has counted so far."""
        return sum(tally.total.count for tally in self._types.values())

    def totals_are_sampled(self) -> None:
        """Type counts and times come from the sample alone (the store cannot count them)."""
        self._exact_totals = False

    # --- from decoded events ---------------------------------------------------------------
    def add_event(self, event: Event, *, count_total: bool = False) -> None:
        """One decoded event of a sample (``count_total``: it also counts as one of the type's events)."""
        tally = self._tally(event.type)
        at = event.recorded_at
        if count_total:
            tally.total.add(1, at, at)
        tally.sampled.add(1, at, at)
        tally.surveyed += 1
        data = event.data
        if event.problem and data is None:
            tally.unreadable += 1
            return
        if not isinstance(data, dict):
            tally.not_objects += 1
            return
        tally.objects.add(1, at, at)
        for key, value in data.items():
            if key in self.left_out:
                continue
            span = tally.fields.setdefault((str(key), json_type_of(value)), _Span())
            span.add(1, at, at)

    def build(self, *, method: str, method_detail: str, category: str | None = None,
              sampled: int | None = None, complete: bool = True, sampled_from: int | None = None) -> TypeSurvey:
        types = []
        for name in sorted(self._types):
            tally = self._types[name]
            by_field: dict[str, list[JsonTypeSeen]] = {}
            for (key, json_type), span in tally.fields.items():
                by_field.setdefault(key, []).append(JsonTypeSeen(json_type, span.count, span.first, span.last))
            fields = []
            for key in sorted(by_field):
                seen = sorted(by_field[key], key=_seen_order)
                first = last = None
                for one in seen:
                    first, last = _earlier(first, one.first_at), _later(last, one.last_at)
                # one JSON type per field per event: the counts of its types add up to the events having it
                fields.append(FieldSeen(key, sum(one.count for one in seen), first, last, tuple(seen)))
            total = tally.total if tally.total.count else None
            # a store that counts but cannot time its events: the sample's times
            timed = total if total is not None and (total.first or total.last) else tally.sampled
            types.append(TypeSeen(
                name=name,
                count=total.count if total else tally.surveyed,
                first_at=timed.first,
                last_at=timed.last,
                surveyed=tally.surveyed, objects=tally.objects.count, not_objects=tally.not_objects,
                unreadable=tally.unreadable, surveyed_first_at=tally.objects.first,
                surveyed_last_at=tally.objects.last, fields=tuple(fields),
                count_exact=self._exact_totals and total is not None,
            ))
        return TypeSurvey(method=method, method_detail=method_detail, types=tuple(types), category=category,
                          sampled=sampled, complete=complete, sampled_from=sampled_from)


def _seen_order(seen: JsonTypeSeen) -> tuple[int, datetime | str, int]:
    rank = JSON_TYPES.index(seen.json_type) if seen.json_type in JSON_TYPES else len(JSON_TYPES)
    # untimed types sort after timed ones; ``str`` keeps the tuple comparable
    return (0, seen.first_at, rank) if seen.first_at is not None else (1, "", rank)


# --- drift ------------------------------------------------------------------------------------
def field_drift(kind: TypeSeen, seen: FieldSeen) -> list[Drift]:
    """The drift marks of one field of one event type, oldest first.

    - ``appeared``: first seen after the type's first surveyed object payload, so every
      surveyed event of the type before ``at`` lacks it;
    - ``disappeared``: last seen (``at``) before the type's last surveyed object payload, so
      every surveyed event after it lacks it;
    - ``type_changed``: one JSON type last seen before the next was first seen (``null``
      aside: a field may be null now and then in any version);
    - ``mixed_types``: non-null JSON types seen over overlapping times (no clean change).

    Times that are None (a store without times) give no marks.
    """
    marks: list[Drift] = []
    start, end = kind.surveyed_first_at, kind.surveyed_last_at
    if seen.first_at is not None and start is not None and seen.first_at > start:
        marks.append(Drift("appeared", seen.first_at,
                           f"appeared {format_time(seen.first_at)} (absent from the earlier events of the type)"))
    typed = [one for one in seen.json_types if one.json_type != "null" and one.first_at is not None]
    if len(typed) > 1:
        clean = all(a.last_at is not None and b.first_at is not None and a.last_at < b.first_at
                    for a, b in zip(typed, typed[1:]))
        if clean:
            for a, b in zip(typed, typed[1:]):
                marks.append(Drift("type_changed", b.first_at,
                                   f"type {a.json_type}\u2192{b.json_type} at {format_time(b.first_at)}",
                                   before=a.json_type, after=b.json_type))
        else:
            spans = ", ".join(f"{one.json_type} {format_time(one.first_at)}..{format_time(one.last_at)}"
                              for one in typed)
            marks.append(Drift("mixed_types", typed[1].first_at, f"types overlap: {spans}"))
    if seen.last_at is not None and end is not None and seen.last_at < end:
        marks.append(Drift("disappeared", seen.last_at,
                           f"disappeared after {format_time(seen.last_at)} (absent from the later events of the type)"))
    marks.sort(key=lambda mark: (mark.at is None, mark.at.timestamp() if mark.at is not None else 0.0))
    return marks


def drift_of(survey: TypeSurvey) -> dict[str, dict[str, list[Drift]]]:
    """``{event type: {field: marks}}`` for the fields with at least one mark."""
    result: dict[str, dict[str, list[Drift]]] = {}
    for kind in survey.types:
        for seen in kind.fields:
            marks = field_drift(kind, seen)
            if marks:
                result.setdefault(kind.name, {})[seen.name] = marks
    return result


def survey_to_json(survey: TypeSurvey) -> dict[str, Any]:
    """The ``types --json`` document: the method, then every type with its fields and drift marks."""
    return {
        "method": survey.method,
        "method_detail": survey.method_detail,
        "sample_size": survey.sampled,
        "sampled_from": survey.sampled_from,
        "category": survey.category,
        "complete": survey.complete,
        "events": survey.events,
        "unreadable": survey.unreadable,
        "types": [
            {
                "type": kind.name,
                "count": kind.count,
                "count_exact": kind.count_exact,
                "first_at": format_time(kind.first_at),
                "last_at": format_time(kind.last_at),
                "surveyed": kind.surveyed,
                "objects": kind.objects,
                "not_objects": kind.not_objects,
                "unreadable": kind.unreadable,
                "fields": [
                    {
                        "field": seen.name,
                        "count": seen.count,
                        "of": kind.objects,
                        "first_at": format_time(seen.first_at),
                        "last_at": format_time(seen.last_at),
                        "json_types": [one.to_json() for one in seen.json_types],
                        "drift": [mark.to_json() for mark in field_drift(kind, seen)],
                    }
                    for seen in kind.fields
                ],
            }
            for kind in survey.types
        ],
    }

