"""Native replay for stores of the Python ``eventsourcing`` library.

Rebuilds the aggregate with the user's own classes (resolved from the stored topics,
importable through ``--path DIR``) and the library's own mapper and ``mutate`` logic,
so the state equals what ``repository.get(id, version=N)`` returns. The state shown
is the aggregate's public attributes as JSON values.

This is the one place where the inspector imports classes a store names, and only
because the user asked for it (``--projector native`` or ``--path``). The
``eventsourcing`` package is an optional extra: without it this projector reports a
clear problem instead of failing at import time.

Spec forms: ``native`` (the library's standard transcodings) or
``native:package.module:Application`` (also that application's own transcodings).
"""

from __future__ import annotations

import dataclasses
import decimal
import enum
import functools
import importlib
import uuid
import zlib
from datetime import date, datetime, time as dtime
from typing import Any, Callable, Iterator

import orjson

from inspector.core.cancel import CancelToken
from inspector.core.decoding import MAX_INFLATED, MAX_NESTING
from inspector.core.events import Event, event_name_of_topic, parse_time
from inspector.stores.base import EventStore
from inspector.replay.projectors import Projector, ProjectorError, hash_text

_ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")
_PAGE = 2000
#: library snapshots tried, newest first, before a replay starts from the stream's first event
_SNAPSHOTS_TRIED = 5


class NativeEvent:
    """A stored event together with the domain event the library decoded from the same row.

    A fold needs only the domain event, the version and the position; the ``Event`` with the
    event's time, actor, topic and data (``event()``, and every other attribute) is made when
    first asked for, so folding costs the library's own decoding and little more. Its ``data``
    is the stored state decoded as the store's own reads decode it (``decode``: the layout's
    ``decode_state``, exact Decimals included), so a result's event shows what ``events`` shows;
    only events a result carries are decoded so.
    """

    __slots__ = ("position", "stream", "version", "domain", "_topic", "_event", "_state", "_decode")

    def __init__(self, position: int, stream: str, version: int, topic: str, domain: Any, state: Any = None,
                 decode: Callable[[Any], tuple[Any, str | None]] | None = None) -> None:
        self.position = position
        self.stream = stream
        self.version = version
        self.domain = domain
        self._topic = topic
        self._event: Event | None = None
        self._state = state
        self._decode = decode

    @property
    def type(self) -> str:
        return event_name_of_topic(self._topic)

    def event(self) -> Event:
        if self._event is None:
            domain, topic, state = self.domain, self._topic, self._state
            data: Any = None
            problem: str | None = None
            raw: Any = None
            if self._decode is not None and state is not None:
                data, problem = self._decode(state)
                if problem:
                    raw = bytes(state) if not isinstance(state, str) else state
            if isinstance(domain, _Broken):
                problem = domain.error
            timestamp = getattr(domain, "timestamp", None)
            if not isinstance(timestamp, datetime) and isinstance(data, dict):
                timestamp = parse_time(data.get("timestamp"))
            metadata: dict[str, Any] = {"topic": topic}
            if isinstance(data, dict):
                for key in ("actor", "correlation_id", "causation_id"):
                    if key in data:
                        metadata[key] = data[key]
            actor = getattr(domain, "actor", None)
            if isinstance(actor, str):
                metadata["actor"] = actor
            self._event = Event(
                position=self.position,
                stream=self.stream,
                version=self.version,
                type=event_name_of_topic(topic),
                recorded_at=timestamp if isinstance(timestamp, datetime) else None,
                data=data,
                metadata=metadata,
                raw=raw,
                problem=problem,
            )
        return self._event

    def __getattr__(self, name: str) -> Any:
        return getattr(self.event(), name)


class _Broken:
    """A stored event the library could not turn into a domain event; folding it stops the replay."""

    __slots__ = ("error",)

    def __init__(self, error: str) -> None:
        self.error = error


def _library() -> Any:
    try:
        import eventsourcing.domain  # noqa: F401
        import eventsourcing.persistence  # noqa: F401
    except ImportError:
        raise ProjectorError(
            "native replay needs the eventsourcing package: pip install 'event-stream-inspector[eventsourcing]'"
        ) from None
    import eventsourcing

    return eventsourcing


class NativeEventsourcingProjector(Projector):
    """Folds stored events with the aggregate classes' own ``mutate``."""

    uses_store_snapshots = True
    patterns = ("*",)
    #: applies to every stream of the store, whatever its category (the engine asks for none)
    applies_to_every_stream = True

    def __init__(self, path: str | None = None, application: str | None = None) -> None:
        lib = _library()
        from eventsourcing.persistence import JSONTranscoder, Mapper

        self.path = path
        self.name = "native eventsourcing"
        transcoder = _orjson_transcoder(JSONTranscoder)()
        app_class = _application_class(application) if application else None
        if app_class is not None:
            # The application's own transcodings (it calls super() for the standard ones).
            app_class.register_transcodings(object.__new__(app_class), transcoder)
            self.name = f"native eventsourcing ({app_class.__name__})"
        else:
            from eventsourcing.application import Application

            Application.register_transcodings(object.__new__(Application), transcoder)
        self.mapper: Any = Mapper(transcoder=transcoder)
        self.code_hash = hash_text("native", getattr(lib, "__version__", "?"), application or "", path or "")

    def applies_to(self, stream: str, category: str | None = None) -> bool:
        return True

    # --- folding ----------------------------------------------------------------------
    def initial(self) -> Any:
        return None

    def fold(self, state: Any, event: Any) -> Any:
        domain = event.domain
        if isinstance(domain, _Broken):
            raise ValueError(domain.error)
        return domain.mutate(state)

    def to_json(self, state: Any) -> Any:
        if state is None:
            return {}
        return aggregate_json(state)

    # --- cache ------------------------------------------------------------------------
    def dump(self, state: Any) -> bytes:
        if state is None:
            return b"null\n"
        from eventsourcing.domain import Snapshot

        snapshot_class = getattr(type(state), "Snapshot", None) or Snapshot
        stored = self.mapper.to_stored_event(snapshot_class.take(state))
        header = orjson.dumps({"id": str(stored.originator_id), "v": stored.originator_version, "topic": stored.topic})
        return header + b"\n" + bytes(stored.state)

    def load(self, blob: bytes) -> Any:
        header, _, body = blob.partition(b"\n")
        meta = orjson.loads(header)
        if meta is None:
            return None
        from eventsourcing.persistence import StoredEvent

        stored = StoredEvent(originator_id=_originator_id(meta["id"]), originator_version=meta["v"],
                             topic=meta["topic"], state=body)
        return self.mapper.to_domain_event(stored).mutate(None)

    def cacheable(self, state: Any) -> bool:
        try:
            return _comparable(self.load(self.dump(state))) == _comparable(state)
        except Exception:  # any failure to round-trip means: do not cache this aggregate
            return False

    def copy(self, state: Any) -> Any:
        return self.load(self.dump(state))

    # --- reading ----------------------------------------------------------------------
    def _check_layout(self, store: EventStore) -> None:
        if store.layout_name != "eventsourcing":
            raise ProjectorError(
                f"native replay reads eventsourcing stores only; this store's layout is {store.layout_name}"
            )

    def _stored(self, stream: str, version: int, topic: str, state: Any) -> Any:
        """The library's StoredEvent of a row whose state is compressed or not bytes; ``_Broken``
        when the state inflates beyond ``MAX_INFLATED`` (a small row can inflate to gigabytes: it is
        never inflated past the limit, as ``decode_json`` does for ``events``)."""
        from eventsourcing.persistence import StoredEvent

        blob = bytes(state) if not isinstance(state, str) else state.encode("utf-8")
        if blob.startswith(_ZLIB_HEADERS):
            try:
                inflated = zlib.decompressobj().decompress(blob, MAX_INFLATED + 1)
            except zlib.error:
                pass  # not compressed after all
            else:
                if len(inflated) > MAX_INFLATED:
                    return _Broken(f"compressed state inflates beyond {MAX_INFLATED // (1024 * 1024)} MiB, not decoded")
                blob = inflated
        return StoredEvent(originator_id=_originator_id(stream), originator_version=version, topic=topic, state=blob)

    def _domain(self, stored: Any) -> Any:
        self.mapper.transcoder.topic = stored.topic  # which of its plans to try (``_decoded``)
        try:
            return self.mapper.to_domain_event(stored)
        except Exception as exc:  # undecodable state: encrypted, custom transcoding, corrupt, or code not found
            if isinstance(exc, (ImportError, AttributeError)) or type(exc).__name__ == "TopicError":
                return _Broken(f"cannot import {stored.topic!r} ({exc}); "
                               "point --path at the folder with your domain code")
            return _Broken(f"cannot decode {stored.topic!r}: {type(exc).__name__}: {exc}")

    def read(
        self,
        store: EventStore,
        stream: str,
        *,
        after: int | None,
        upto: int | None,
        cancel: CancelToken | None,
        full: bool = False,
    ) -> Iterator[Any]:  # NativeEvent: an Event with the domain event beside it
        """The stream's events after ``after`` up to ``upto``, each with the domain event the
        library's mapper makes of the stored row."""
        self._check_layout(store)
        from eventsourcing.persistence import StoredEvent

        originator = _originator_id(stream)  # once per read, not per event
        domain_of = self._domain
        layout = getattr(store, "layout", None)
        decode = getattr(layout, "decode_state", None)  # a result's event: its data as ``events`` shows it
        for record in store.stored_records(stream, after=after, upto=upto, cancel=cancel):
            topic = record.type or ""
            state = record.payload
            if type(state) is not bytes or state.startswith(_ZLIB_HEADERS):
                stored = self._stored(stream, record.version, topic, state)
                domain = stored if isinstance(stored, _Broken) else domain_of(stored)
            else:  # the usual row: plain JSON bytes, given to the library as they are
                domain = domain_of(StoredEvent(originator_id=originator, originator_version=record.version,
                                               topic=topic, state=state))
            yield NativeEvent(record.position, stream, record.version, topic, domain, state, decode)

    def store_snapshot(self, store: EventStore, stream: str, upto: int | None) -> tuple[int, Any, Any] | None:
        """The latest library snapshot at or before ``upto`` that decodes and matches an event:
        ``(version, aggregate, event)``, ``event`` the stream's event at that version when the
        store read it with the snapshot (else None). One statement on SQL stores (they give the
        newest snapshot); one that cannot be restored is passed over for the one before it, up
        to ``_SNAPSHOTS_TRIED`` snapshots in all."""
        self._check_layout(store)
        tried = 0
        while True:
            records = store.stored_snapshot_records(stream, upto)
            for record in records:
                restored = self._restored(stream, record)
                if restored is not None:
                    return record.version, restored, record.event
                tried += 1
                if tried >= _SNAPSHOTS_TRIED:
                    return None
            if not records or records[-1].version <= 0:
                return None
            upto = records[-1].version - 1

    def _restored(self, stream: str, record: Any) -> Any:
        """The aggregate a snapshot row restores, or None when the library or the classes cannot
        restore it or it names another version."""
        stored = self._stored(stream, record.version, record.type or "", record.payload)
        snapshot = stored if isinstance(stored, _Broken) else self._domain(stored)
        if isinstance(snapshot, _Broken):
            return None
        try:
            aggregate = snapshot.mutate(None)
        except Exception:  # a snapshot the classes cannot restore: fall back to an older one
            return None
        if getattr(aggregate, "version", record.version) != record.version:
            return None
        return aggregate


#: digits as "0", everything else as a space: a run of ``_LONG_DIGITS`` "0" is a number orjson may
#: read otherwise than the json module (an integer past 64 bits comes back as a float)
_DIGIT_MARKS = bytes(ord("0") if chr(c).isdigit() and c < 128 else 32 for c in range(256))
_LONG_DIGITS = b"0" * 19
#: the key of the library's transcoded values, as written (its encoder writes no escapes in it)
_WRAPPER_KEY = b'"_type_"'
#: topics, and numbers of wrappers per topic, whose fields to decode a transcoder remembers at most
_TOPICS = 256
_PLANS = 16
#: states of a topic and number of wrappers that did not fit a plan decoded the long way before one is made again
_RELEARN_AFTER = 100


@functools.lru_cache(maxsize=None)
def _orjson_transcoder(base: type) -> type:
    """The library's ``JSONTranscoder`` (``base``) whose ``decode`` reads the usual state with
    orjson and decodes its transcoded fields with the registered transcodings, giving what the
    library's own ``decode`` gives; any other state is the library's to decode."""

    class OrjsonTranscoder(base):
        """``decode`` as the library's, the usual state read with orjson (``_decoded``)."""

        def __init__(self) -> None:
            super().__init__()
            #: topic -> number of ``"_type_"`` in a state -> its top-level fields holding them, or
            #: the states left to decode the long way before they are looked at again
            self.plans: dict[Any, dict[int, tuple[str, ...] | int]] = {}
            #: the topic of the state ``decode`` is given next (the mapper gives it the state alone):
            #: which plan to try; a wrong one (two replays at once) is only a plan that does not fit
            self.topic: Any = None

        def decode(self, data: bytes) -> Any:
            value = _decoded(self, data)
            return super().decode(data) if value is _LONG_WAY else value

    return OrjsonTranscoder


_LONG_WAY: Any = object()


def _decoded(transcoder: Any, data: Any, _loads: Any = orjson.loads,
             _refused: type[Exception] = orjson.JSONDecodeError) -> Any:
    """What the library's ``JSONTranscoder.decode(data)`` gives, read with orjson, for the usual
    state; ``_LONG_WAY`` for any other, which the library then decodes itself (the same value,
    or its own error).

    The usual state: bytes of a JSON object, no ``\\u`` escape (no key spelt otherwise), at most
    ``MAX_NESTING`` brackets (the json module's recursion limit is near), no run of 19 digits
    (orjson reads an integer past 64 bits as a float), that orjson reads (not NaN, Infinity,
    1e400, text that is not UTF-8 or not JSON: the json module reads some of those). Its
    transcoded values (``{"_type_": name, "_data_": ...}``: the library's ``object_hook`` turns
    such an object into ``transcoding.decode(_data_)``) are top-level fields, the same fields in
    every event of a kind: the fields that held one are remembered by topic and number of
    ``"_type_"`` in the text, and a state with that many has those decoded, each checked to be
    a wrapper (two keys, ``_type_`` a registered name). Every ``"_type_"`` of its text is then one
    of those wrappers' own, so the hook changes nothing else (each wrapper's ``_data_`` holds
    none). A wrapper deeper down, a ``"_type_"`` in a string, a state that is itself a wrapper,
    a decoding that fails: the long way (the library's own error, in its own order)."""
    if type(data) is not bytes or data[:1] != b"{" or b"\\u" in data:
        return _LONG_WAY
    if len(data) > MAX_NESTING and data.count(b"[") + data.count(b"{") > MAX_NESTING:
        return _LONG_WAY
    if data.translate(_DIGIT_MARKS).find(_LONG_DIGITS) >= 0:
        return _LONG_WAY
    try:
        value = _loads(data)
    except _refused:
        return _LONG_WAY
    wrapped = data.count(_WRAPPER_KEY)
    if not wrapped:
        return value
    topics = transcoder.plans
    plans = topics.get(transcoder.topic)
    if plans is None:
        if len(topics) >= _TOPICS:
            return _LONG_WAY
        plans = topics[transcoder.topic] = {}
    plan = plans.get(wrapped)
    if type(plan) is not tuple:
        if plan:  # states left to decode the long way
            plans[wrapped] = plan - 1
            return _LONG_WAY
        if plan is None and len(plans) >= _PLANS:
            return _LONG_WAY
        plan = tuple(key for key, item in value.items()
                     if type(item) is dict and len(item) == 2 and type(item.get("_type_")) is str and "_data_" in item)
        if len(plan) != wrapped or (len(value) == 2 and "_type_" in value and "_data_" in value):
            plans[wrapped] = _RELEARN_AFTER
            return _LONG_WAY
        plans[wrapped] = plan
    names = transcoder.names
    try:
        for key in plan:
            item = value[key]
            if type(item) is not dict or len(item) != 2 or "_data_" not in item:
                break
            value[key] = names[item["_type_"]].decode(item["_data_"])
        else:
            return value
    except Exception:  # not a wrapper after all, an unknown name, a value that does not decode
        pass
    plans.pop(wrapped, None)  # learnt again from the next state with that many
    return _LONG_WAY


def _application_class(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        obj: Any = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except Exception as exc:  # the user's module: report, do not crash
        raise ProjectorError(f"cannot load application {spec!r}: {type(exc).__name__}: {exc}") from None
    return obj


@functools.lru_cache(maxsize=1024)
def _originator_id(stream: str) -> Any:
    """The stream's name as the library's originator id: a UUID where it reads as one (kept per
    name: parsed once, not at every read of the stream)."""
    try:
        return uuid.UUID(stream)
    except ValueError:
        return stream


def _comparable(aggregate: Any) -> dict[str, Any]:
    state = dict(vars(aggregate))
    state.pop("_pending_events", None)
    return state


def aggregate_json(aggregate: Any) -> dict[str, Any]:
    """The aggregate's public attributes (plus id, version and times) as JSON values."""
    result: dict[str, Any] = {}
    for name in ("id", "version", "created_on", "modified_on"):
        try:
            value = getattr(aggregate, name)
        except Exception:  # a property that needs state this aggregate lacks
            continue
        if not callable(value):
            result[name] = to_jsonable(value)
    for name, value in vars(aggregate).items():
        if not name.startswith("_"):
            result[name] = to_jsonable(value)
    return result


#: the usual values' own types: shown as they are, or converted at once (no isinstance chain)
_AS_THEY_ARE = frozenset({str, int, float, bool, type(None), decimal.Decimal})
_CONVERTED: dict[type, Callable[[Any], str]] = {
    uuid.UUID: str, datetime: datetime.isoformat, date: date.isoformat, dtime: dtime.isoformat,
}


def to_jsonable(value: Any, depth: int = 0) -> Any:
    """Domain values (UUIDs, datetimes, decimals, enums, sets, value objects) as plain JSON.

    A ``Decimal`` stays a ``Decimal`` (a JSON number with its digits, as the eventsourcing
    layout decodes the library's ``decimal_str``); UUIDs, dates and times become their text."""
    kind = type(value)
    if kind in _AS_THEY_ARE:
        return value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if depth > 32:
        return repr(value)
    convert = _CONVERTED.get(kind)
    if convert is not None:
        return convert(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime, date, dtime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return decimal.Decimal(value)  # a number, its digits kept (a subclass as the Decimal it is)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value, depth + 1)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_jsonable(v, depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value)}
    if hasattr(value, "__dict__"):
        return {k: to_jsonable(v, depth + 1) for k, v in vars(value).items() if not k.startswith("_")}
    return repr(value)


__all__ = ["NativeEventsourcingProjector", "aggregate_json", "to_jsonable"]
