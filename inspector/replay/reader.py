"""Reading a stream for replay: one streaming query, rows decoded only as far as the projector looks.

A replay touches every event of a stream once, so per-event overhead decides its
speed. ``store.read_stream`` pages by key and decodes every field of every row (times,
metadata, actors), which is right for browsing but costs a replay several times the
bare driver's time. For SQL stores this reader runs one ordered query over the
version range on the stream's index and yields ``LazyEvent``s: ``data`` is decoded on
first access, the other decoded fields only if something asks for them. Every value
it returns is the one ``layout.row_to_event`` would give (it delegates to it).
Other stores are read through the port unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterator

import orjson
import sqlalchemy as sa

from inspector.core.cancel import CancelToken, check
from inspector.core.events import Event

_YIELD_PER = 2000


class LazyEvent:
    """An Event (same attributes) whose payload and other decoded fields are computed on first use.

    The replay query fetches only position, version, type and payload; the rest of the
    row is fetched by position (the table's key) if something asks for it.
    """

    __slots__ = ("position", "stream", "version", "type", "_payload", "_reader", "_data", "_full")

    def __init__(self, position: Any, version: Any, kind: Any, payload: Any, reader: "_Reader") -> None:
        self.position = position
        self.stream = reader.stream
        self.version = version
        self.type = kind
        self._payload = payload
        self._reader = reader
        self._data = _UNSET
        self._full: Event | None = None

    def event(self) -> Event:
        """The fully decoded Event, exactly as the store's adapter makes it."""
        if self._full is None:
            self._full = self._reader.full_event(self.position)
        return self._full

    @property
    def data(self) -> Any:
        data = self._data
        if data is _UNSET:
            raw = self._payload
            kind = type(raw)
            if kind is str:
                try:
                    data = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    data = self.event().data
            elif kind is dict or kind is list:
                data = raw  # a native JSON column the driver already parsed
            else:
                data = self.event().data
            self._data = data
        return data

    @property
    def payload_text(self) -> Any:
        """The payload as stored (for fingerprints: no decoding needed)."""
        return self._payload

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

    def __repr__(self) -> str:
        return f"LazyEvent({self.stream!r}, v{self.version}, {self.type!r})"


class _Reader:
    def __init__(self, store: Any, layout: Any, stream: str) -> None:
        self.store = store
        self.layout = layout
        self.stream = stream

    def connect(self) -> Any:
        connect = getattr(self.store, "_connect", None)
        return connect() if callable(connect) else self.store.engine.connect()

    def full_event(self, position: Any) -> Event:
        layout = self.layout
        with self.connect() as conn:
            row = conn.execute(sa.select(*layout.columns).where(layout.position == position)).first()
        if row is None:  # the row went away since the replay read it: say so instead of guessing
            return Event(position, self.stream, None, "(gone)", problem="the event is no longer in the store")
        return layout.row_to_event(row)


_UNSET = object()


def materialize(event: Any) -> Event:
    """A plain Event for results that outlive the replay (last event, events between)."""
    if isinstance(event, Event):
        return event
    return event.event()


def _fast_layout(store: Any) -> Any:
    """The store's SQL layout when rows can be decoded lazily (JSON text payloads of the generic layout)."""
    layout = getattr(store, "layout", None)
    engine = getattr(store, "engine", None)
    if layout is None or engine is None:
        return None
    from inspector.stores.layouts.generic import GenericLayout

    if isinstance(layout, GenericLayout) and layout.mapping.data_codec == "json":
        return layout
    return None


def read_for_replay(
    store: Any,
    stream: str,
    *,
    after: int | None,
    upto: int | None,
    cancel: CancelToken | None,
    full: bool = False,
) -> Iterator[Any]:
    """The stream's versioned events after ``after`` up to ``upto``, in (version, position) order.

    ``full`` reads whole rows (for diffs, which show every event's time and actor).
    """
    layout = _fast_layout(store)
    if layout is None:
        from_version = None if after is None else after + 1
        yield from store.read_stream(stream, from_version=from_version, to_version=upto, cancel=cancel)
        return
    columns = list(layout.columns)
    # position, stream, version, type, recorded_at, data, metadata, actor (GenericLayout's order)
    selected = columns if full else [columns[0], columns[2], columns[3], columns[5]]
    query = sa.select(*selected).where(layout.stream == layout.stream_to_db(stream))
    query = query.where(layout.version > after) if after is not None else query.where(layout.version.is_not(None))
    if upto is not None:
        query = query.where(layout.version <= upto)
    # Relies on the (stream, version) index the layout names in ``stream_index``.
    query = query.order_by(layout.version, layout.position)
    reader = _Reader(store, layout, stream)
    with reader.connect() as conn:
        if layout.dialect == "sqlite" and not full:
            # SQLite's cursor already steps through rows lazily; reading the driver's
            # cursor directly skips per-row Result bookkeeping (the columns need no conversion).
            result = conn.execute(query)
        else:
            result = conn.execution_options(stream_results=True, yield_per=_YIELD_PER).execute(query)
        if full:
            for rows in result.partitions():
                check(cancel)
                for row in rows:
                    yield layout.row_to_event(row)
            return
        for rows in _batches(result, layout):
            check(cancel)
            for position, version, kind, payload in rows:
                if type(position) is not int or type(kind) is not str:
                    yield reader.full_event(position)
                    continue
                yield LazyEvent(position, version, kind, payload, reader)


def _batches(result: Any, layout: Any) -> Iterator[Any]:
    """Row batches; on SQLite straight from the driver's cursor (the columns need no conversion)."""
    if layout.dialect == "sqlite" and getattr(result, "cursor", None) is not None:
        cursor = result.cursor
        while True:
            rows = cursor.fetchmany(_YIELD_PER)
            if not rows:
                return
            yield rows
    else:
        yield from result.partitions()


__all__ = ["LazyEvent", "materialize", "read_for_replay"]
