"""Events decoded only as far as their reader looks: for a fold, and for pages of big payloads.

A replay touches every event of a stream once, so per-event work decides its speed.
``LazyEvent`` wraps one fetched row: position and version are read at once, the type on
first use, the payload (``data``) by the layout's ``lazy_data`` (the payload alone, not
times or metadata) and every other field by the layout's own ``row_to_event`` of the same
row, so each value is exactly the one a full read gives.

A page for a table or a timeline needs no payload above a size: a *capped* read
(``read_all(payload_cap=...)``) leaves a longer payload in the store and gives the event with a
``PayloadLeftOut`` (the payload's size in bytes) as its ``data``, every other field as a full
read gives it; ``full_event`` reads such an event again, whole, when something needs its payload.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections import namedtuple
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from datetime import datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any, Callable, Union

import orjson

from inspector.core.decoding import (MAX_NESTING, NOT_PLAIN, big_text_as_bytes, decode_json, page_reads_exactly, plain_document,
                                     plain_in_checked_page)
from inspector.core.events import Event
from inspector.core.json_pieces import PIECEWISE_ABOVE, cycle_collection_paused  # the pause big decodes share

if TYPE_CHECKING:
    import sqlalchemy as sa

    from inspector.core.cancel import CancelToken
    from inspector.stores.layouts.base import SqlLayout

_UNSET: Any = object()
_loads = orjson.loads
_Refused = orjson.JSONDecodeError
#: payloads longer than this (bytes or characters) are decoded with the cyclic collector paused
PAUSE_COLLECTION_ABOVE = 1_000_000


def _places(layout: "SqlLayout") -> tuple[int, int, int, int, Any, bool, Any, bool, Any]:
    """The places of ``position`` and ``version`` in the layout's fold rows, of ``type`` where
    the layout reads the type as ``SqlLayout.lazy_type`` does (-1: ask the layout), of the
    payload where it is a column of its own (``SqlLayout.capped_payload``, else
    ``SqlLayout.fold_payload``; -1: none), the layout's ``payload_decoder`` (or
    ``fold_payload``'s; None: ask ``lazy_data``), whether a stored type that is
    text is shown as it is (the layout keeps ``SqlLayout.type_from_db``), the fold rows' shape
    (``fold_row_shape``) and whether the layout's ``lazy_data``/``lazy_type`` read rows by place
    alone (``SqlLayout.lazy_reads_by_place``: a driver's plain tuple is handed to them as it is),
    and the decoder for payloads of a page whose numbers were checked at once (``lazy_events``).

    A fold row is ``select(*layout.columns)``, so its fields come in the order of the layout's
    labelled columns. Reading a row by place costs a few nanoseconds, by name a few hundred:
    a replay reads two or three per event. Worked out once per layout.
    """
    places = layout._lazy_event_places
    if places is None:
        from inspector.stores.layouts.base import SqlLayout

        names = [getattr(column, "name", None) for column in layout.columns]
        kind: Any = type(getattr(layout, "full_layout", layout))  # a ``FoldView``'s layout decodes its rows
        plain_type = kind.lazy_type is SqlLayout.lazy_type and "type" in names
        capped = layout.capped_payload()
        own = layout.fold_payload() if capped is None else None  # (label, decode, decode for checked pages)
        label = capped[0] if capped is not None else None if own is None else own[0]
        payload = names.index(label) if label is not None and label in names else -1
        places = (names.index("position"), names.index("version"), names.index("type") if plain_type else -1, payload,
                  (layout.payload_decoder() if own is None else own[1]) if payload >= 0 else None,
                  kind.type_from_db is SqlLayout.type_from_db, fold_row_shape(layout),
                  layout.lazy_reads_by_place)
        places += (own[2] if own is not None and payload >= 0
                   else plain_in_checked_page if places[4] is plain_document else places[4],)
        layout._lazy_event_places = places
    return places


def fold_row_shape(layout: "SqlLayout") -> Any | None:
    """A named-tuple class with the fields of the layout's fold rows (``select(*layout.columns)``,
    by name and by place, as its ``row_to_event`` reads them), or None when a label is not a
    plain name. A store may hand ``LazyEvent`` the driver's plain tuples of such rows: each
    becomes one of these only when something reads it by name (most events of a fold never)."""
    names = tuple(getattr(column, "name", None) or "" for column in layout.columns)
    shape = _FOLD_ROW_SHAPES.get(names, _UNSET)
    if shape is _UNSET:
        try:
            shape = _named_tuple("FoldRow", names)
        except ValueError:  # not a name, a keyword, a leading underscore, twice the same
            shape = None
        _FOLD_ROW_SHAPES[names] = shape
    return shape


_FOLD_ROW_SHAPES: dict[tuple[str, ...], Any] = {}
_named_tuple: Any = namedtuple  # field names known only when the layout is


class FoldView:
    """A layout as a fold that fetched only some of its columns sees it (``SqlLayout.fold_fields``):
    ``LazyEvent``s of such rows read position, version, type and payload from them as from any
    fold row, and every other field (time, metadata, actor, the stream as stored, raw, problem)
    from the whole row ``widen`` gives: ``widen(row)`` takes the short row (fields by name) and
    returns the layout's fold row with the same values in the fields the short row has (see
    ``SqlEventStore.read_for_replay`` for where the others are read). Any other attribute is the
    layout's own.

    ``columns``: the short row's columns, a subset of ``layout.columns`` in their order."""

    def __init__(self, layout: "SqlLayout", columns: list[Any], widen: Callable[[Any], Any]) -> None:
        self.full_layout = layout
        self.columns = columns
        self.widen = widen
        # read once or twice per event (``LazyEvent.type``/``data`` of a layout that decodes its own): no ``__getattr__``
        self.lazy_data, self.lazy_type = layout.lazy_data, layout.lazy_type
        self._lazy_event_places: Any = None
        #: the place in these rows of the column the layout's ``lazy_data`` reads checked pages of
        #: (``lazy_events``; None where it reads none, or this view left it out)
        at = layout.checked_pages_at
        self.checked_pages_at = None if at is None else next(
            (place for place, column in enumerate(columns) if column is layout.columns[at]), None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.full_layout, name)

    def widened_by(self, widen: Callable[[Any], Any]) -> "FoldView":
        """A view of the same columns whose other fields ``widen`` reads (the row places worked out once)."""
        view = FoldView(self.full_layout, self.columns, widen)
        view._lazy_event_places = self._lazy_event_places or _places(self)  # type: ignore[arg-type]
        return view

    def row_to_event(self, row: Any) -> Event:
        """The layout's Event of the whole row ``widen`` gives for ``row``."""
        return self.full_layout.row_to_event(self.widen(row))


def widened(short: Any, whole: Any, shape: Any) -> Any:
    """The fold row of ``shape`` (a named-tuple class of a layout's fold row fields, or None:
    ``whole``'s own fields) with ``short``'s value in each field ``short`` has and ``whole``'s in
    the others: the fields a fold read stay exactly the ones it read."""
    names = tuple(whole._fields) if shape is None else shape._fields
    if shape is None:
        shape = _ROW_SHAPES.get(names)
        if shape is None:
            shape = _ROW_SHAPES[names] = namedtuple("WideRow", names)
    have = set(short._fields)
    return shape._make([getattr(short, name) if name in have else getattr(whole, name) for name in names])


class FromFullEvent:
    """The fields a fold seldom reads, taken from the fully decoded ``event()`` (the subclass's):
    ``recorded_at``, ``metadata``, ``raw``, ``problem``, ``actor`` and ``to_json()``."""

    __slots__ = ()

    def event(self) -> Event:
        raise NotImplementedError

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

    def to_json(self) -> dict[str, Any]:
        return self.event().to_json()


class LazyEvent(FromFullEvent):
    """An Event (same attributes) made from a row on demand; ``event()`` gives the plain Event.

    ``row``: a fold row of ``layout`` (a SQLAlchemy row, or the driver's plain tuple of one,
    see ``fold_row_shape``)."""

    __slots__ = ("position", "stream", "version", "_row", "_layout", "_type", "_data", "_full")
    #: whether the numbers of this event's page were checked at once (``lazy_events``)
    _checked_page = False

    def __init__(self, row: Any, layout: "SqlLayout", stream: str) -> None:
        # ``lazy_events`` makes a page's events without this call (``_made``): set a new slot there too
        self._row = row
        self._layout = layout
        self._type = self._data = _UNSET
        self._full: Event | None = None
        self.stream = stream
        places = layout._lazy_event_places or _places(layout)
        position, version = row[places[0]], row[places[1]]
        if type(position) is not int or (version is not None and type(version) is not int):
            # the layout converts odd keys (decimals, text) its own way
            full = self.event()
            position, version = full.position, full.version
        self.position = position
        self.version = version

    def event(self) -> Event:
        """The fully decoded Event, exactly as the layout's ``row_to_event`` makes it. A payload
        ``data`` decoded already is not decoded again where the layout's payload is a column of
        its own (``SqlLayout.capped_payload``): the other fields come from the row with a
        stand-in payload (a value means the payload had no problem: ``decode_json``)."""
        if self._full is None:
            data, layout, row = self._data, self._layout, self._named()
            capped = None if data is _UNSET or data is None else layout.capped_payload()
            if capped is not None and capped[0] in row._fields:
                stand_in = layout.row_to_event(_with_payload(row, *capped))
                self._full = dataclasses.replace(stand_in, data=data)
            else:
                self._full = layout.row_to_event(row)
        return self._full

    def _named(self) -> Any:
        """The row, with its fields by name too (a driver's plain tuple made a fold row once)."""
        row = self._row
        if type(row) is tuple:
            shape = self._layout._lazy_event_places[6]  # set by __init__
            assert shape is not None, "plain tuples only for layouts with a fold row shape"
            row = self._row = shape._make(row)
        return row

    def _row_for_layout(self) -> Any:
        """The row as the layout's ``lazy_data``/``lazy_type`` take it: as it is where they read
        by place, else with its fields by name (``_named``)."""
        return self._row if self._layout._lazy_event_places[7] else self._named()

    @property
    def type(self) -> str:
        kind = self._type
        if kind is _UNSET:
            layout = self._layout
            places = layout._lazy_event_places  # set by __init__
            place = places[2]
            if place >= 0:  # what SqlLayout.lazy_type reads
                stored = self._row[place]
                kind = self._type = stored if places[5] and type(stored) is str else layout.type_from_db(stored)
            else:
                kind = self._type = layout.lazy_type(self._row_for_layout(), self)
        return kind

    @property
    def data(self) -> Any:
        data = self._data
        if data is _UNSET:
            # ``_decode``'s usual case written out here: the payload column through the layout's
            # ``payload_decoder`` (a replay reads this once per event: a call less is ~6 % of it)
            places = self._layout._lazy_event_places  # set by __init__
            decode = places[8] if self._checked_page else places[4]
            if decode is not None:
                payload = self._row[places[3]]
                kind = type(payload)
                if (kind is str or kind is bytes) and len(payload) <= PAUSE_COLLECTION_ABOVE:
                    data = decode(payload)
                    if data is not NOT_PLAIN:
                        self._data = data
                        return data
            data = self._data = self._decode()
        return data

    def fresh_data(self, copy: Callable[[Any], Any]) -> Any:
        """The payload for the caller alone, a value nothing else holds (a user's projector may
        change it): decoded from the row once more when ``data`` was not read yet (no copy
        needed), else ``copy(data)`` (a deep copy such as ``private_copy``)."""
        data = self._data
        if data is not _UNSET:
            return copy(data)
        # ``_decode``'s usual case written out, as in ``data`` (a user's projector reads this once per event)
        places = self._layout._lazy_event_places  # set by __init__
        decode = places[8] if self._checked_page else places[4]
        if decode is not None:
            payload = self._row[places[3]]
            kind = type(payload)
            if (kind is str or kind is bytes) and len(payload) <= PAUSE_COLLECTION_ABOVE:
                data = decode(payload)
                if data is not NOT_PLAIN:
                    return data
        return self._decode()

    def _decode(self) -> Any:
        """The payload as ``layout.lazy_data`` decodes it; through the layout's
        ``payload_decoder`` where it has one (no row read by name, no extra call), with the
        cyclic collector paused for a payload over ``PAUSE_COLLECTION_ABOVE``."""
        layout, row = self._layout, self._row
        places = layout._lazy_event_places  # set by __init__
        place = places[3]
        if place >= 0:
            payload = row[place]
            if type(payload) is str or type(payload) is bytes:
                if len(payload) > PAUSE_COLLECTION_ABOVE:
                    with cycle_collection_paused():
                        return layout.lazy_data(self._row_for_layout(), self)
                decode = places[8] if self._checked_page else places[4]
                if decode is not None:
                    value = decode(payload)
                    if value is not NOT_PLAIN:
                        return value
        return layout.lazy_data(self._row_for_layout(), self)

    @property
    def payload_text(self) -> bytes | str | None:
        """The payload as stored, for checkpoint fingerprints (no decoding needed); None when it
        is not text or bytes (a JSON column the driver parsed): then the decoded payload counts."""
        return self._layout.payload_print(self._named())

    def __repr__(self) -> str:
        return f"LazyEvent({self.stream!r}, v{self.version}, {self.type!r})"


class _CheckedPageEvent(LazyEvent):
    """A ``LazyEvent`` of a page whose payloads ``page_reads_exactly`` passed: its payload is
    handed to orjson without a look at its numbers (``plain_in_checked_page``)."""

    __slots__ = ()
    _checked_page = True


class _TypedEvent(LazyEvent):
    """A ``LazyEvent`` whose ``type`` was read with its row (``lazy_events``, for a layout whose
    type is a column shown as stored: what ``LazyEvent.type`` would read): a plain attribute, so a
    fold that reads it about once per event calls nothing for it."""

    __slots__ = ("type",)


class _TypedCheckedPageEvent(_TypedEvent):
    """A ``_TypedEvent`` of a page whose payloads ``page_reads_exactly`` passed (as ``_CheckedPageEvent``)."""

    __slots__ = ()
    _checked_page = True


class _CleanPageEvent(LazyEvent):
    """A ``LazyEvent`` of a page of JSON text payloads (``payload_decoder`` ``plain_document``)
    that ``page_reads_exactly`` passed, none longer than ``MAX_NESTING`` characters (so none
    nests deeper): its payload is what ``orjson.loads`` makes of it, as ``plain_in_checked_page``
    would hand it there, and anything orjson refuses goes the long way (``_decode``)."""

    __slots__ = ()
    _checked_page = True

    @property
    def data(self) -> Any:
        data = self._data
        if data is _UNSET:
            try:
                data = _loads(self._row[self._layout._lazy_event_places[3]])
            except _Refused:  # NaN, Infinity, 1e400, not JSON: the long way says which
                data = self._decode()
            self._data = data
        return data

    def fresh_data(self, copy: Callable[[Any], Any]) -> Any:
        data = self._data
        if data is not _UNSET:
            return copy(data)
        try:
            return _loads(self._row[self._layout._lazy_event_places[3]])
        except _Refused:
            return self._decode()


class _TypedCleanPageEvent(_TypedEvent):
    """A ``_TypedEvent`` of a page as ``_CleanPageEvent``'s."""

    __slots__ = ()
    _checked_page = True
    data = _CleanPageEvent.data
    fresh_data = _CleanPageEvent.fresh_data


#: the class of a page's events: [type read with the row][payloads: 0 each checked, 1 numbers
#: checked for the page, 2 clean: see ``_CleanPageEvent``]
_PAGE_KINDS: tuple[tuple[type[LazyEvent], ...], ...] = (
    (LazyEvent, _CheckedPageEvent, _CleanPageEvent), (_TypedEvent, _TypedCheckedPageEvent, _TypedCleanPageEvent))


def lazy_events(rows: Sequence[Any], layout: "SqlLayout", stream: str) -> Iterator[LazyEvent]:
    """``LazyEvent``s of a page of one stream's fold rows (a plain ``map``: no generator frame
    per event). Where the layout's payloads are plain JSON documents (its ``payload_decoder`` is
    ``plain_document``) the page's numbers are checked for orjson at once, not per payload: the
    same values either way, about a tenth less time per event of a replay."""
    places = layout._lazy_event_places or _places(layout)
    checked = _page_checked(rows, layout, places)
    if len(rows) > MADE_UP_TO:  # a long page: each event made as it is folded, gone once folded
        return map(_PAGE_KINDS[0][checked], rows, repeat(layout), repeat(stream))
    typed = places[2] >= 0 and places[5]  # ``LazyEvent.type`` would read the row's type as stored
    return iter(_made(_PAGE_KINDS[typed][checked], rows, layout, stream, places))


def _page_checked(rows: Sequence[Any], layout: "SqlLayout", places: Any) -> int:
    """How a page's payloads were checked (``lazy_events``): 0 each on its own, 1 the page's
    numbers at once (``page_reads_exactly``), 2 as 1 and all JSON text of at most ``MAX_NESTING``
    characters (``_CleanPageEvent``)."""
    if not rows:
        return 0
    # the payload column, or the column the layout's ``lazy_data`` reads checked pages of
    plain = places[4] is plain_document
    place = places[3] if plain else layout.checked_pages_at
    if place is None:
        return 0
    payloads = [row[place] for row in rows]
    if not page_reads_exactly(payloads):
        return 0
    # all text when the first is (``page_reads_exactly`` joins them as text or as bytes)
    return 2 if plain and type(payloads[0]) is str and max(map(len, payloads)) <= MAX_NESTING else 1


def fold_page(rows: Sequence[Any], layout: "SqlLayout") -> tuple[type[LazyEvent], int, int, int, Any]:
    """How to fold a page of one stream's fold rows without an event per row, reading each row's
    payload as its ``LazyEvent``'s ``data`` would: ``(kind, position place, version place, payload
    place, decode)``. ``kind(row, layout, stream)`` is the row's ``LazyEvent`` (for the rows that
    need one, and for anything but the payload). ``decode``: ``orjson.loads`` for a clean page
    (``_CleanPageEvent``: what it refuses goes the event's way), else the layout's decoder for a
    payload of text or bytes up to ``PAUSE_COLLECTION_ABOVE`` (``NOT_PLAIN``: the event's way),
    or None (every payload the event's way)."""
    places = layout._lazy_event_places or _places(layout)
    checked = _page_checked(rows, layout, places)
    kind = _PAGE_KINDS[0][checked]
    decode = None if places[4] is None or places[3] < 0 else (_loads if checked == 2 else places[8] if checked else places[4])
    return kind, places[0], places[1], places[3], decode


def fold_page_type(layout: "SqlLayout") -> int:
    """The place of the type in ``layout``'s fold rows where a row's ``LazyEvent.type`` is the
    text stored there as it is (else ``layout.type_from_db`` of it), as ``_TypedEvent``s read
    it; -1 where the event reads its type another way (the layout's ``lazy_type``, a type left
    out of the fold's read, a layout that converts text types)."""
    places = layout._lazy_event_places or _places(layout)
    return places[2] if places[2] >= 0 and places[5] else -1


#: Pages of at most this many rows (a stream of a category read, most often) get their events made
#: at once (``_made``: less Python per event, the type read with the row); a longer page (a long
#: stream's batch of ``FOLD_BATCH`` rows) one at a time as it is folded: held a whole batch long,
#: its events cost the cyclic collector more than ``_made`` saves (callgrind, 2,000-row batches).
MADE_UP_TO = 256


def _made(kind: type[LazyEvent], rows: Sequence[Any], layout: "SqlLayout", stream: str, places: Any,
          _new: Any = object.__new__, _unset: Any = _UNSET) -> list[LazyEvent]:
    """``[kind(row, layout, stream) for row in rows]`` with ``LazyEvent.__init__``'s work written
    out for the usual row (whole-number position and version): no ``__init__`` call per event.
    Every slot ``__init__`` sets is set here too; a ``_TypedEvent``'s ``type`` is what
    ``LazyEvent.type`` would read (text as stored, else the layout's ``type_from_db``)."""
    at_position, at_version = places[0], places[1]
    at_type = places[2] if issubclass(kind, _TypedEvent) else -1
    made: list[Any] = []
    append = made.append
    event: Any  # a ``_TypedEvent``'s ``type`` is a plain attribute
    for row in rows:
        position, version = row[at_position], row[at_version]
        if type(position) is not int or (version is not None and type(version) is not int):
            event = kind(row, layout, stream)  # the layout converts odd keys its own way
        else:
            event = _new(kind)
            event._row = row
            event._layout = layout
            event.stream = stream
            event._type = event._data = _unset
            event._full = None
            event.position = position
            event.version = version
        if at_type >= 0:
            stored = row[at_type]
            event.type = stored if type(stored) is str else layout.type_from_db(stored)
        append(event)
    return made


#: what a fold is given: a plain Event, or a LazyEvent with the same attributes
FoldEvent = Union[Event, LazyEvent]


def materialize(event: Any) -> Event:
    """A plain Event for results that outlive the replay (last event, events between)."""
    if isinstance(event, Event):
        return event
    return event.event()


# --- capped reads: big payloads left in the store ---------------------------------------
@dataclasses.dataclass(frozen=True, slots=True)
class PayloadLeftOut:
    """An event's ``data`` in a capped read: the payload was longer than the cap and was neither
    fetched nor decoded. ``size`` is its length in bytes as stored (JSON text, or bytes)."""

    size: int

    def __str__(self) -> str:
        return f"{size_text(self.size)} payload, not read"


def size_text(size: int) -> str:
    """``52.4 MB``, ``840 KB``, ``12 bytes``: a size in bytes for people (1 MB = 1,000,000 bytes)."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    if size >= 1_000:
        return f"{size / 1_000:.0f} KB"
    return f"{size} bytes"


def left_out(event: Any) -> PayloadLeftOut | None:
    """The marker when ``event`` came from a capped read that left its payload out, else None."""
    data = getattr(event, "data", None)
    return data if isinstance(data, PayloadLeftOut) else None


#: the label of a capped read's extra column: the payload's size in bytes
SIZE_LABEL = "payload_size"
_ROW_SHAPES: dict[tuple[str, ...], Any] = {}


def capped_columns(layout: "SqlLayout", cap: int) -> list["sa.ColumnElement[Any]"] | None:
    """``_capped_columns(layout, cap)``, built once per layout and cap (building the SQL of a
    layout that reads fields of a big payload took about 5 ms: every replay's first-event read
    and every page of the window asks for it). The columns are immutable SQL expressions."""
    built = layout.__dict__.get("_capped_columns_by_cap")
    if built is None:
        built = layout.__dict__.setdefault("_capped_columns_by_cap", {})
    if cap not in built:
        built[cap] = _capped_columns(layout, cap)
    columns = built[cap]
    return None if columns is None else list(columns)


def _capped_columns(layout: "SqlLayout", cap: int) -> list["sa.ColumnElement[Any]"] | None:
    """The layout's columns with its payload read only up to ``cap`` bytes (NULL above) and its
    size in bytes appended (labelled ``SIZE_LABEL``); None when the layout cannot leave its
    payload out (it reads other fields from it: see ``SqlLayout.capped_payload``). A layout that
    reads other fields from its payload (``SqlLayout.payload_left_out``) leaves out only payloads
    its SQL can read those fields of (the others are read whole: a size over ``cap`` beside the
    payload), and has them read, for big payloads only, as the extra columns it names."""
    import sqlalchemy as sa

    capped = layout.capped_payload()
    left = layout.payload_left_out() if capped is None else None
    if capped is None and left is None:
        return None
    label = capped[0] if capped is not None else left.label  # type: ignore[union-attr]
    columns = list(layout.columns)
    names = [getattr(column, "name", None) for column in columns]
    if label not in names:
        return None
    place = names.index(label)
    payload = columns[place].element  # the labelled expression
    if layout.dialect == "sqlite":
        size = sa.func.length(sa.cast(payload, sa.LargeBinary))  # bytes of text or blob alike
    elif layout.dialect == "postgresql":
        kind = getattr(payload, "type", None)
        size = sa.func.octet_length(payload if isinstance(kind, (sa.String, sa.LargeBinary)) else sa.cast(payload, sa.Text))
    else:  # MySQL/MariaDB: LENGTH counts bytes
        size = sa.func.length(payload)
    if left is None:
        kept = sa.type_coerce(sa.case((size > cap, sa.null()), else_=payload), payload.type)
        columns[place] = kept.label(label)
        columns.append(size.label(SIZE_LABEL))
        return columns
    # a big payload is left out where its column is NULL: ``readable`` is asked there alone
    over = size > cap if left.readable is None else sa.and_(size > cap, left.readable)
    columns[place] = sa.type_coerce(sa.case((over, sa.null()), else_=payload), payload.type).label(label)
    columns.append(sa.case((size > cap, size), else_=sa.null()).label(SIZE_LABEL))
    safe = over if left.fields_safe is None else sa.and_(size > cap, left.fields_safe)
    columns.extend(sa.case((safe, field.element), else_=sa.null()).label(field.name) for field in left.fields)
    return columns


def capped_row_event(layout: "SqlLayout", row: Any, cap: int) -> Event:
    """The Event of a row of ``capped_columns``: as ``row_to_event`` gives it, or, for a payload
    over ``cap`` bytes, every field but the payload, whose ``data`` is a ``PayloadLeftOut`` (as
    read whole where the layout's own look at the payload finds it cannot leave it out:
    ``LeftOutPayload.stand_in``)."""
    size = getattr(row, SIZE_LABEL)
    if size is None or int(size) <= cap:
        return layout.row_to_event(row)
    capped = layout.capped_payload()
    if capped is None:  # a payload other fields come from: a stand-in built from what SQL read of it
        left = layout.payload_left_out()
        assert left is not None, "capped rows come from capped_columns"
        if getattr(row, left.label) is not None:
            return layout.row_to_event(row)  # a big payload the layout's SQL cannot read the fields of
        stand_in = left.stand_in(row)
        if isinstance(stand_in, Event):
            return stand_in  # the layout found it could not leave this payload out: read whole
        capped = (left.label, stand_in)
    event = layout.row_to_event(_with_payload(row, *capped))  # the stand-in is decoded in no time
    return dataclasses.replace(event, data=PayloadLeftOut(int(size)), raw=None)


def _with_payload(row: Any, label: str, value: Any) -> Any:
    """``row`` (fields by name and place, as ``row_to_event`` reads them) with ``value`` as its ``label`` field."""
    fields = tuple(row._fields)
    shape = _ROW_SHAPES.get(fields)
    if shape is None:
        shape = _ROW_SHAPES[fields] = namedtuple("CappedRow", fields)
    values = list(row)
    values[fields.index(label)] = value
    return shape(*values)


def full_event(store: Any, event: Any, cancel: "CancelToken | None" = None) -> Any:
    """``event`` with its payload: itself unless a capped read left the payload out, else the
    event at its position read again, whole (None when the store no longer holds it).

    A JSON payload (the layout's ``payload_decoder`` is ``plain_document``: its text and that
    text's UTF-8 bytes decode alike) over ``PIECEWISE_ABOVE`` bytes on SQLite is parsed from the
    bytes stored, never built as a 50 MB ``str`` and encoded again (two C calls of 60-90 ms each
    holding the GIL): on a generic-layout table read by blob I/O (``_stored_payload_bytes``, no
    query fetches it), the event then being the capped read's with that payload where it is a
    JSON object or array that decodes without a problem; else fetched by the query as bytes
    (``big_text_as_bytes``) and kept only when every field but the payload, its problem
    included, is the capped read's (``event``'s). A payload that is not UTF-8 or not JSON is
    read again as any read reads it (as is an event where another big column came as bytes)."""
    marker = left_out(event)
    if marker is None:
        return materialize(event)
    from inspector.core.matching import EventFilter

    def read() -> Any:
        found = store.read_all(after_position=event.position - 1, limit=1,
                               filters=EventFilter(streams=(event.stream,)), cancel=cancel)
        return found[0] if found and found[0].position == event.position else None

    with cycle_collection_paused() if marker.size > PAUSE_COLLECTION_ABOVE else nullcontext():
        layout = getattr(store, "layout", None)
        if (marker.size <= PIECEWISE_ABOVE or not isinstance(event, Event) or layout is None
                or layout.payload_decoder() is not plain_document):
            return read()
        blob = _stored_payload_bytes(store, event.position, marker.size)
        if blob is not None and blob[:1] in (b"{", b"["):
            decoded = decode_json(blob, allow_null=False)
            if decoded.problem is None:  # what row_to_event makes of it: every other field is the capped read's
                return dataclasses.replace(event, data=decoded.value)
        with big_text_as_bytes() as handed:
            whole = read()
            as_bytes = handed()
        if not as_bytes or (whole is not None and dataclasses.replace(whole, data=event.data, raw=event.raw) == event):
            return whole
        return read()


def _stored_payload_bytes(store: Any, position: int, size: int) -> bytes | None:
    """The payload of the generic-layout SQLite event at ``position`` as stored, read by SQLite's
    incremental blob I/O (``Connection.blobopen``): the driver fills a buffer with the GIL released,
    where a query's fetch builds the 50 MB value holding it (30-130 ms seen). None where that
    cannot be done (another engine or layout, a payload column that is an expression, a view, a
    table without rowids) or the row is not the one of ``size`` bytes the capped read saw. Its
    rowid, its size and its bytes are read in one read transaction (one snapshot)."""
    import sqlalchemy as sa

    from inspector.stores.layouts.generic import GenericLayout

    layout = getattr(store, "layout", None)
    engine = getattr(store, "engine", None)
    if not isinstance(layout, GenericLayout) or engine is None or engine.dialect.name != "sqlite":
        return None
    table = layout.table
    payload = next((getattr(column, "element", None) for column in layout.columns
                    if getattr(column, "name", None) == "data"), None)
    if not isinstance(table, sa.Table) or not isinstance(payload, sa.Column) or payload.table is not table:
        return None
    query = (sa.select(sa.literal_column("rowid"), sa.func.length(sa.cast(payload, sa.LargeBinary)))
             .select_from(table).where(layout.position == position))
    try:
        with engine.connect() as conn:
            dbapi = conn.connection.dbapi_connection
            dbapi.execute("BEGIN")  # ended by the pool's rollback when the connection goes back
            found = conn.execute(query).all()
            if len(found) != 1 or found[0][1] != size:
                return None
            with dbapi.blobopen(table.name, payload.name, found[0][0], readonly=True,
                                name=table.schema or "main") as handle:
                blob = handle.read()
    except (sa.exc.SQLAlchemyError, sqlite3.Error, AttributeError):
        return None
    return blob if len(blob) == size else None


__all__ = ["FoldEvent", "FoldView", "FromFullEvent", "LazyEvent", "PayloadLeftOut", "capped_columns", "capped_row_event",
           "cycle_collection_paused", "fold_page", "full_event", "left_out", "materialize", "size_text"]
