"""Events for a fold: decoded only as far as the projector looks.

A replay touches every event of a stream once, so per-event work decides its speed.
``LazyEvent`` wraps one fetched row: position and version are read at once, the type on
first use, the payload (``data``) by the layout's ``lazy_data`` (the payload alone, not
times or metadata) and every other field by the layout's own ``row_to_event`` of the same
row, so each value is exactly the one a full read gives.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Union

from inspector.core.events import Event

if TYPE_CHECKING:
    from inspector.stores.layouts.base import SqlLayout

_UNSET: Any = object()
#: where a layout keeps the places of position, version and type in its fold rows (see ``_places``)
_PLACES = "_lazy_event_places"


def _places(layout: "SqlLayout") -> tuple[int, int, int]:
    """The places of ``position`` and ``version`` in the layout's fold rows, and of ``type`` where
    the layout reads the type as ``SqlLayout.lazy_type`` does (-1: ask the layout).

    A fold row is ``select(*layout.columns)``, so its fields come in the order of the layout's
    labelled columns. Reading a row by place costs a few nanoseconds, by name a few hundred:
    a replay reads two or three per event. Worked out once per layout.
    """
    places = getattr(layout, _PLACES, None)
    if places is None:
        from inspector.stores.layouts.base import SqlLayout

        names = [getattr(column, "name", None) for column in layout.columns]
        plain_type = type(layout).lazy_type is SqlLayout.lazy_type and "type" in names
        places = (names.index("position"), names.index("version"), names.index("type") if plain_type else -1)
        setattr(layout, _PLACES, places)
    return places


class LazyEvent:
    """An Event (same attributes) made from a row on demand; ``event()`` gives the plain Event."""

    __slots__ = ("position", "stream", "version", "_row", "_layout", "_type", "_data", "_full")

    def __init__(self, row: Any, layout: "SqlLayout", stream: str) -> None:
        self._row = row
        self._layout = layout
        self._type: Any = _UNSET
        self._data: Any = _UNSET
        self._full: Event | None = None
        self.stream = stream
        places = getattr(layout, _PLACES, None) or _places(layout)
        position, version = row[places[0]], row[places[1]]
        if type(position) is not int or (version is not None and type(version) is not int):
            # the layout converts odd keys (decimals, text) its own way
            full = self.event()
            position, version = full.position, full.version
        self.position = position
        self.version = version

    def event(self) -> Event:
        """The fully decoded Event, exactly as the layout's ``row_to_event`` makes it."""
        if self._full is None:
            self._full = self._layout.row_to_event(self._row)
        return self._full

    @property
    def type(self) -> str:
        kind = self._type
        if kind is _UNSET:
            layout = self._layout
            place = _places(layout)[2]
            if place >= 0:
                kind = self._type = layout.type_from_db(self._row[place])  # what SqlLayout.lazy_type reads
            else:
                kind = self._type = layout.lazy_type(self._row, self)
        return kind

    @property
    def data(self) -> Any:
        data = self._data
        if data is _UNSET:
            data = self._data = self._layout.lazy_data(self._row, self)
        return data

    @property
    def recorded_at(self) -> datetime | None:
        return self.event().recorded_at

    @property
    def metadata(self) -> dict[str, Any]:
        return self.event().metadata

    @property
    def raw(self) -> bytes | str | None:
        return self.event().raw

    @property
    def problem(self) -> str | None:
        return self.event().problem

    @property
    def actor(self) -> str | None:
        return self.event().actor

    @property
    def payload_text(self) -> bytes | str | None:
        """The payload as stored, for checkpoint fingerprints (no decoding needed); None when it
        is not text or bytes (a JSON column the driver parsed): then the decoded payload counts."""
        return self._layout.payload_print(self._row)

    def to_json(self) -> dict[str, Any]:
        return self.event().to_json()

    def __repr__(self) -> str:
        return f"LazyEvent({self.stream!r}, v{self.version}, {self.type!r})"


#: what a fold is given: a plain Event, or a LazyEvent with the same attributes
FoldEvent = Union[Event, LazyEvent]


def materialize(event: Any) -> Event:
    """A plain Event for results that outlive the replay (last event, events between)."""
    if isinstance(event, Event):
        return event
    return event.event()


__all__ = ["FoldEvent", "LazyEvent", "materialize"]
