"""Axon Framework 4.x (JPA or JDBC) on PostgreSQL or MySQL/MariaDB.

Tables ``domain_event_entry`` / ``snapshot_event_entry`` (Spring Boot's snake_case) or
``DomainEventEntry`` / ``SnapshotEventEntry`` (the JDBC ``EventSchema`` defaults; PostgreSQL
folds them to lower case). Columns are found by name ignoring case and underscores.

``global_index`` is the global order (a sequence, with gaps); ``sequence_number`` the
0-based version; ``payload_type`` the event class (the type shown), ``type`` the aggregate
type (the category). Every column is read by the type the schema declares for it, so the
schemas teams derive from Axon's DDL read as well as the default:

- ``time_stamp``: ISO-8601 UTC text (Axon's ``DateTimeUtils.formatInstant``, the default),
  SQL ``timestamp``/``timestamptz`` (PostgreSQL) or ``DATETIME(n)``/``TIMESTAMP(n)``
  (MariaDB/MySQL; zone-less values are UTC), or an epoch number whose unit (seconds,
  milliseconds, microseconds or nanoseconds) is told by the magnitude of the latest row.
- ``payload``/``meta_data``: bytes from the configured serializer (``bytea``, ``BLOB``,
  ``LONGBLOB``; Hibernate on PostgreSQL stores them as ``oid`` large objects, read with
  ``lo_get`` only when the object exists, so a dangling reference is a problem on one
  event rather than a failed query), or text, ``json``/``jsonb`` where a team changed
  the type. Jackson JSON is decoded; XStream XML (Axon 4's default serializer, starts with
  ``<``) is a format the inspector does not decode, not damage: the event keeps the XML
  text in ``raw`` with no problem (XML that is not well-formed is a problem).
- ``aggregate_identifier``: compared byte-exact, whatever the collation.

Indexes to rely on: unique ``(aggregate_identifier, sequence_number)`` and ``global_index``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any, Callable
from xml.parsers import expat

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row
from sqlalchemy.sql.sqltypes import _Binary

from inspector.core.decoding import as_bytes, decode_json, plain_document
from inspector.core.events import Event, actor_text, category_named, parse_time
from inspector.stores.base import ColumnReading, Snapshot
from inspector.stores.layouts.base import IsoTextForm, SqlLayout, epoch_seconds, version_into

#: column roles, keyed by the column name in lower case without underscores
_REQUIRED = ("globalindex", "aggregateidentifier", "sequencenumber", "type", "eventidentifier", "payload",
             "payloadtype", "timestamp")
_SNAPSHOT_REQUIRED = ("aggregateidentifier", "sequencenumber", "payload", "payloadtype")
#: Axon always writes ISO-8601 UTC; other text would make PostgreSQL's cast fail, so SQL sees it as no time
_ISO_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})$"
#: Metadata keys naming who acted, in the order they are tried (Axon itself records none).
ACTOR_KEYS = ("actor", "userId", "user_id", "username", "user")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: epoch units told by magnitude: (units per second, name, the smallest magnitude read in that unit).
#: 1e11 s is the year 5138 and 1e11 ms is March 1973, so each unit owns the range of plausible times.
_EPOCH_UNITS = ((10**9, "nanoseconds", 10**17), (10**6, "microseconds", 10**14), (1000, "milliseconds", 10**11),
                (1, "seconds", 0))
_NUMBER_TYPES = (sa.Integer, sa.Numeric, sa.Float)


def _key(name: str) -> str:
    return name.lower().replace("_", "")


def _columns(table: sa.Table) -> dict[str, sa.Column[Any]]:
    return {_key(column.name): column for column in table.columns}


def epoch_unit_of(sample: Any) -> tuple[int, str]:
    """(units per second, unit name) of an epoch number, told by its magnitude (milliseconds when None)."""
    if sample is None:
        return 1000, "milliseconds"
    magnitude = abs(Decimal(str(sample)))
    for scale, name, smallest in _EPOCH_UNITS:
        if magnitude >= smallest:
            return scale, name
    return 1, "seconds"


def instant_of_epoch(value: Any, scale: int) -> datetime | None:
    """An aware UTC datetime from an epoch number in units of ``1/scale`` s, exact to the microsecond
    (finer units are truncated); None for no value or an instant out of ``datetime``'s range."""
    if value is None or isinstance(value, bool):
        return None
    try:
        micros = (Decimal(str(value)) * 1_000_000 / scale).to_integral_value(rounding=ROUND_FLOOR)
        return _EPOCH + timedelta(microseconds=int(micros))
    except (InvalidOperation, OverflowError, ValueError, TypeError):
        return None


@dataclass(frozen=True)
class _TimeKind:
    """How one ``time_stamp`` column is read: ``iso`` text, ``native`` timestamps, ``epoch`` numbers or ``none``."""

    kind: str
    scale: int = 1  # units per second, for ``epoch``
    unit: str = ""  # "milliseconds", for ``epoch``
    told_by: str = ""  # how the unit was told, for ``info``

    @classmethod
    def of(cls, column: sa.Column[Any], sample: Any = None, empty: bool = False) -> "_TimeKind":
        kind = column.type
        if isinstance(kind, sa.DateTime):
            return cls("native")
        if isinstance(kind, _NUMBER_TYPES):
            scale, unit = epoch_unit_of(sample)
            told = "assumed: no rows to tell by magnitude" if empty else f"by magnitude of {sample}"
            return cls("epoch", scale, unit, told)
        if isinstance(kind, sa.String):
            return cls("iso")
        return cls("none")

    def read(self, value: Any) -> datetime | None:
        if value is None or self.kind == "none":
            return None
        if self.kind == "epoch":
            return instant_of_epoch(value, self.scale)
        if self.kind == "native" and not isinstance(value, datetime):
            return None  # a zero date a driver hands back as text or None
        return parse_time(value)

    def problem(self, column: str, value: Any) -> str:
        if self.kind == "epoch":
            return f"{column} {value} is not an instant in range (epoch {self.unit})"
        if self.kind == "native":
            return f"{column} {str(value)[:40]!r} is not an instant a datetime can hold (years 1 to 9999)"
        return f"{column} {str(value)[:40]!r} is not an ISO-8601 instant"


class _XmlCheck:
    """Whether serialized bytes are well-formed XML (XStream's output), and the text they hold."""

    class _Unchecked(Exception):
        pass

    @classmethod
    def text_of(cls, blob: bytes) -> tuple[str, str | None]:
        """(the XML as text, None) or (the text as far as readable, why it is not well-formed XML)."""
        parser = expat.ParserCreate()
        declared: list[str] = []

        def xml_decl(version: str, encoding: str | None, standalone: int) -> None:
            if encoding:
                declared.append(encoding)

        def doctype(*_: Any) -> None:
            raise cls._Unchecked  # entity declarations are not expanded here: shown raw, unchecked

        parser.XmlDeclHandler = xml_decl
        parser.StartDoctypeDeclHandler = doctype
        problem = None
        try:
            parser.Parse(blob, True)
        except cls._Unchecked:
            pass
        except expat.ExpatError as exc:
            problem = f"XML payload is not well-formed ({expat.ErrorString(exc.code)} at line {exc.lineno}, " \
                      f"column {exc.offset}), shown raw"
        try:
            text = blob.decode(declared[0] if declared else "utf-8")
        except (LookupError, UnicodeDecodeError):
            text = blob.decode("utf-8", "replace")
        return text, problem


def _looks_like_xml(blob: bytes) -> bool:
    return blob.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


class AxonLayout(SqlLayout):
    name = "axon"

    # Axon's own columns of ``domain_event_entry`` (found whatever their case)
    position: sa.Column[Any]
    stream: sa.Column[Any]
    version: sa.Column[Any]
    type: sa.Column[Any]

    def __init__(self, engine: Engine, events: sa.Table, snapshots: sa.Table | None,
                 time_kind: "_TimeKind | None" = None, snapshot_time_kind: "_TimeKind | None" = None) -> None:
        super().__init__(engine)
        c = _columns(events)
        self.table = events
        self.snapshot_table = snapshots
        self._c = c
        self.position = c["globalindex"]
        self.stream = c["aggregateidentifier"]
        self.version = c["sequencenumber"]
        self.type = c["payloadtype"]
        self._aggregate_type = c["type"]
        stamp = c["timestamp"]
        self._time_kind = time_kind or _TimeKind.of(stamp)
        self._snapshot_time_kind = snapshot_time_kind
        if self._time_kind.kind == "iso":
            self.time = sa.case((stamp.regexp_match(_ISO_TIME), stamp), else_=None)
        elif self._time_kind.kind == "native" and self.dialect == "postgresql":
            # PostgreSQL holds 'infinity', BC dates and years past 9999, which no driver hands back
            # as a datetime (the whole read would fail): SQL sees them as no time, as bad text
            self.time = sa.case((self._representable(stamp), stamp), else_=None)
        elif self._time_kind.kind in ("native", "epoch"):
            self.time = stamp
        else:
            self.time = None
        self._time_guard = None if self.time is None or self.time is stamp else self.time.is_not(None)
        #: ISO text: whether every timed row has one form and zone (``_text_in_one_form``), once asked
        self._one_form: bool | None = None
        recorded_at = (stamp if self.time is None or self._time_guard is None or self._time_kind.kind == "iso"
                       else self.time)
        unrepresentable = (sa.case((self._time_guard, sa.null()), else_=sa.cast(stamp, sa.Text))
                           if self._time_kind.kind == "native" and self._time_guard is not None else sa.null())
        self.stream_index = (f"the unique index of {events.name} ({self.stream.name}, {self.version.name})")
        self._payload = self._serialized(c["payload"])
        self._meta = self._serialized(c["metadata"]) if "metadata" in c else None
        self.columns = [
            self.position.label("position"), self.stream.label("stream"), self.version.label("version"),
            self.type.label("type"), recorded_at.label("recorded_at"), self._aggregate_type.label("aggregate"),
            c["eventidentifier"].label("event_id"),
            (c["payloadrevision"] if "payloadrevision" in c else sa.null()).label("revision"),
            self._payload.label("payload"),
            (c["payload"] if self._is_large_object(c["payload"]) else sa.null()).label("payload_ref"),
            (self._meta if self._meta is not None else sa.null()).label("meta"),
            unrepresentable.label("unrepresentable_time"),
        ]
        #: where the payload and its large-object reference are in a fold row: read by place
        names = [column.name for column in self.columns]
        self._payload_place, self._reference_place = names.index("payload"), names.index("payload_ref")

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "AxonLayout | None":
        tables = cls.tables_in(engine, inspector, None)
        if not tables:
            return None
        events, snapshots = tables[0], cls._entry_table(inspector, None, "snapshotevententry", _SNAPSHOT_REQUIRED)
        metadata = sa.MetaData()
        snapshot_table = sa.Table(snapshots, metadata, autoload_with=engine) if snapshots else None
        table = sa.Table(events, metadata, autoload_with=engine)
        order = _columns(table)["globalindex"]
        time_kind = cls._time_kind_of(engine, table, order)
        snapshot_kind = None
        if snapshot_table is not None and "timestamp" in _columns(snapshot_table):
            if time_kind.kind == "epoch" and isinstance(_columns(snapshot_table)["timestamp"].type, _NUMBER_TYPES):
                snapshot_kind = time_kind  # one entity class writes both tables: one unit
            else:
                snapshot_kind = cls._time_kind_of(engine, snapshot_table, None)
        return cls(engine, table, snapshot_table, time_kind, snapshot_kind)

    @classmethod
    def tables_in(cls, engine: Engine, inspector: sa.Inspector, schema: str | None) -> list[str]:
        """The domain event entry table (JPA ``domain_event_entry`` or JDBC ``DomainEventEntry``)
        with Axon's columns."""
        found = cls._entry_table(inspector, schema, "domainevententry", _REQUIRED)
        return [found] if found else []

    @staticmethod
    def _entry_table(inspector: sa.Inspector, schema: str | None, key: str, required: Any) -> str | None:
        """The last table (as listed) whose name is ``key`` in any spelling with the ``required`` columns."""
        found = None
        for name in inspector.get_table_names(schema=schema):
            if _key(name) == key and set(required) <= {_key(col["name"]) for col in inspector.get_columns(
                    name, schema=schema)}:
                found = name
        return found

    @staticmethod
    def _time_kind_of(engine: Engine, table: sa.Table, order: sa.Column[Any] | None) -> _TimeKind:
        """The time column's kind; for epoch numbers the unit, told by the magnitude of the latest
        row by ``order`` (one step down its index), or of any row without ``order``."""
        column = _columns(table)["timestamp"]
        if not isinstance(column.type, _NUMBER_TYPES):
            return _TimeKind.of(column)
        query = sa.select(column).where(column.is_not(None), column != 0)
        if order is not None:
            query = query.order_by(order.desc())
        with engine.connect() as conn:
            sample = conn.execute(query.limit(1)).scalar()
        return _TimeKind.of(column, sample, empty=sample is None)

    # --- time --------------------------------------------------------------------------
    def time_sorts_as_stored(self) -> bool:
        """True where MIN/MAX of ``time_stamp`` as stored are the first/last instants: timestamps
        and an epoch column (one unit) always; ISO text only where every timed row is proven to be
        written in one fixed-width form and zone (``_text_in_one_form``), as ``formatInstant`` writes
        it: text with an offset (``+01:00``) or fractions of several lengths among it does not sort
        as time, and its instants are then compared (the time range, histograms)."""
        if self.time is None:
            return False
        return self._time_kind.kind != "iso" or self._text_in_one_form()

    def _text_in_one_form(self) -> bool:
        """Whether every row's ``time_stamp`` read as a time has the length and the zone literal
        (``Z``, ``+01:00``, …) of the first one by ``global_index`` (the same bytes: case too), so
        that text order is time order. Asked once (one pass over the table, stopping at the first
        row that differs) once a row is timed; True while none is."""
        if self._one_form is None:
            stamp = self._c["timestamp"]
            timed = self.time.is_not(None)  # type: ignore[union-attr]  # iso text: ``time`` is set
            with self.engine.connect() as conn:
                first = conn.execute(sa.select(stamp).where(timed).order_by(self.position).limit(1)).scalar()
                form = IsoTextForm.of(first)
                if first is None:
                    return True  # no row timed yet: asked again later
                if form is None:
                    self._one_form = False
                    return False
                zone = form.zone
                text = sa.type_coerce(stamp, sa.String())
                if self.dialect == "sqlite":
                    end: sa.ColumnElement[Any] = sa.func.substr(text, -len(zone)) if zone else sa.literal("")
                    differs = sa.or_(sa.func.length(text) != len(first), end != zone)
                elif self.dialect == "postgresql":
                    end = sa.collate(sa.func.right(text, len(zone)), "C")
                    differs = sa.or_(sa.func.length(text) != len(first), end != zone)
                else:  # bytes compared: MariaDB's collations would take 'z' for 'Z'
                    end = sa.cast(sa.func.right(text, len(zone)), sa.LargeBinary)
                    differs = sa.or_(sa.func.length(text) != len(first),
                                     end != sa.literal(zone.encode(), sa.LargeBinary))
                # the regular expression (``timed``) only on rows that differ: in a CASE, so that
                # PostgreSQL does not take it first for every row (4.3 s against 0.6 s for 1 M rows)
                other = conn.execute(sa.select(sa.literal(1)).select_from(self.table).where(
                    stamp.is_not(None), sa.case((differs, timed), else_=sa.false())).limit(1)).first()
            self._one_form = other is None
        return self._one_form

    def stored_time(self) -> tuple[sa.Column[Any], sa.ColumnElement[bool] | None] | None:
        """``time_stamp`` itself; for text with a guard: where it reads as a time (as in ``time``)."""
        if not self.time_sorts_as_stored():
            return None
        stamp = self._c["timestamp"]
        return stamp, self._time_guard

    @staticmethod
    def _representable(stamp: sa.Column[Any]) -> sa.ColumnElement[bool]:
        """Timestamps a Python ``datetime`` can hold: years 1 to 9999 (in UTC for ``timestamptz``)."""
        aware = bool(getattr(stamp.type, "timezone", False))
        low, high = datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999)
        if aware:
            low, high = low.replace(tzinfo=timezone.utc), high.replace(tzinfo=timezone.utc)
        return sa.and_(stamp >= sa.literal(low, stamp.type), stamp <= sa.literal(high, stamp.type))

    def stored_time_scale(self) -> float | None:
        """Units per second of an epoch ``time_stamp`` (1000 for milliseconds); None otherwise."""
        return float(self._time_kind.scale) if self._time_kind.kind == "epoch" else None

    def epoch_expr(self) -> sa.ColumnElement[Any] | None:
        """Seconds since 1970 in SQL: epoch numbers scaled by their unit, else the engine's own reading."""
        if self._time_kind.kind == "epoch":
            stamp = self._c["timestamp"]
            return stamp * 1.0 if self._time_kind.scale == 1 else stamp / float(self._time_kind.scale)
        return epoch_seconds(self, use_custom=False)

    def time_from_db(self, value: Any) -> datetime | None:
        return self._time_kind.read(value)

    # --- serialized columns ------------------------------------------------------------
    def _is_large_object(self, column: sa.Column[Any]) -> bool:
        from sqlalchemy.dialects.postgresql import OID

        return self.dialect == "postgresql" and isinstance(column.type, OID)

    def _serialized(self, column: sa.Column[Any]) -> sa.ColumnElement[Any]:
        """The column's serialized form: ``lo_get`` for Hibernate's ``oid`` (guarded against missing
        objects), JSON types as their text (so numbers stay as written), bytes and text as stored."""
        if self._is_large_object(column):
            catalog = sa.table("pg_largeobject_metadata", sa.column("oid"), schema="pg_catalog")
            present = sa.select(sa.literal(1)).where(catalog.c.oid == column).exists()
            return sa.type_coerce(sa.case((present, sa.func.lo_get(column)), else_=None), sa.LargeBinary())
        if isinstance(column.type, sa.JSON):
            return sa.cast(column, sa.Text)
        return column

    def _exact(self, column: sa.ColumnElement[Any], value: str) -> sa.ColumnElement[bool]:
        """``column = value`` byte-exact: MySQL/MariaDB collations ignore case and trailing spaces."""
        clause = column == value
        if self.dialect in ("mysql", "mariadb") and isinstance(getattr(column, "type", None), sa.String):
            clause = sa.and_(clause, sa.cast(column, sa.LargeBinary) == value.encode())
        return clause

    # --- categories, types, text -------------------------------------------------------
    def category_hint(self) -> sa.ColumnElement[Any]:
        return sa.func.min(self._aggregate_type)

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        return first_type

    def category_clause(self, category: str) -> sa.ColumnElement[bool] | None:
        """(none): the streams whose MIN(type) is NULL or '' (few rows to group). A named category
        is told of whole streams by their MIN(type) (``category_hint``), not by each row's own
        type (an aggregate's rows of another type or none are its too): None here, so a listing
        keeps the groups ``category_having`` keeps and a read of events asks a page's streams at
        once (``StreamsOfCategory``)."""
        named = category_named(category)  # ``category`` as ``category_key`` spells it
        return self.streams_without_category(self._aggregate_type) if named is None else None

    def category_having(self, category: str) -> sa.ColumnElement[bool] | None:
        """The listing's groups whose MIN(type) is exactly the named category (by its bytes on
        MySQL/MariaDB)."""
        named = category_named(category)
        return None if named is None else self._exact(sa.func.min(self._aggregate_type), named)

    def type_clause(self, types: Any) -> sa.ColumnElement[bool] | None:
        clause: sa.ColumnElement[bool] = self.type.in_(list(types))
        if self.dialect in ("mysql", "mariadb") and isinstance(self.type.type, sa.String):
            clause = sa.and_(clause, sa.cast(self.type, sa.LargeBinary).in_([t.encode() for t in types]))
        return clause

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        """The payload and metadata, and the columns ``row_to_event`` puts in the event's metadata
        (the event identifier a causation id names, the aggregate type, the payload revision)."""
        c = self._c
        blobs = [self._payload] + ([self._meta] if self._meta is not None else [])
        columns: list[sa.ColumnElement[Any]] = [c["eventidentifier"], self._aggregate_type]
        if "payloadrevision" in c:
            columns.append(c["payloadrevision"])
        if self.dialect == "postgresql":
            # bytes as escaped text (valid for any bytes); text and JSON text as they are
            return [sa.func.encode(blob, "escape") if isinstance(blob.type, _Binary) else blob
                    for blob in blobs] + columns
        return [*(sa.cast(blob, sa.Text) for blob in blobs), *columns]

    # --- decoding ----------------------------------------------------------------------
    def _decode(self, value: Any, reference: Any, what: str) -> tuple[Any, Any, str | None]:
        """(data, raw, problem) for one serialized column.

        JSON is decoded; XStream XML is kept as text in ``raw`` with no problem (a format,
        not damage) unless it is not well-formed; a dangling large object is a problem.
        """
        if value is None and reference is not None and as_bytes(reference) is None and not isinstance(reference, str):
            return None, None, f"{what} large object {reference} does not exist"
        blob = as_bytes(value)
        if blob is None and isinstance(value, str):
            blob = value.encode("utf-8")
        if blob is not None and _looks_like_xml(blob):
            text, problem = _XmlCheck.text_of(blob)
            return None, text, problem
        decoded = decode_json(value, allow_null=what != "metadata")
        return decoded.value, decoded.raw, decoded.problem

    def row_to_event(self, row: Row[Any]) -> Event:
        problems: list[str] = []
        data, raw, problem = self._decode(row.payload, row.payload_ref, "payload")
        if problem:
            problems.append(problem)
        metadata: dict[str, Any] = {"event_id": row.event_id}
        if row.aggregate is not None:
            metadata["aggregate_type"] = row.aggregate
        if row.revision is not None:
            metadata["payload_revision"] = row.revision
        meta, meta_raw, meta_problem = self._decode(row.meta, None, "metadata")
        if meta_problem:
            problems.append(f"metadata: {meta_problem}")
        if meta_raw is not None:
            metadata["raw_metadata"] = meta_raw.decode("utf-8", "replace") if isinstance(meta_raw, bytes) else meta_raw
        elif isinstance(meta, dict):
            metadata.update(meta)
            # Axon's MessageOriginProvider: traceId is the root message, correlationId the direct cause
            if "traceId" in meta:
                metadata["correlation_id"] = meta["traceId"]
            if "correlationId" in meta:
                metadata["causation_id"] = meta["correlationId"]
            actor = next((actor_text(meta[key]) for key in ACTOR_KEYS if meta.get(key) not in (None, "")), None)
            if actor is not None:
                metadata["actor"] = actor
        recorded_at = self.time_from_db(row.recorded_at)
        stored = row.recorded_at if row.unrepresentable_time is None else row.unrepresentable_time
        if recorded_at is None and stored is not None and self._time_kind.kind != "none":
            problems.append(self._time_kind.problem(self._c["timestamp"].name, stored))
        return Event(
            position=int(row.position),
            stream=self.stream_from_db(row.stream),
            version=version_into(row.version, problems),
            type=self.type_from_db(row.type),
            recorded_at=recorded_at,
            data=data,
            metadata=metadata,
            raw=raw,
            problem="; ".join(problems) or None,
        )

    lazy_reads_by_place = True  # lazy_data and lazy_type read the row by place

    def lazy_data(self, row: Row[Any], event: Any) -> Any:
        """The payload alone, as ``row_to_event`` decodes it: the metadata, time and ids are not
        read (a fold needs none; the type is a column of the row)."""
        layout = event._layout
        if layout is self:
            return self._decode(row[self._payload_place], row[self._reference_place], "payload")[0]
        # a short fold's row (``fold_fields``): the payload where its ``FoldView`` has it, no large objects
        return self._decode(row[layout._lazy_event_places[3]], None, "payload")[0]

    def fold_fields(self) -> tuple[str, ...] | None:
        """Position, version, type and the payload (``lazy_data`` decodes it alone): a fold leaves
        out the time, the aggregate type, the event id, the revision and the metadata, read only
        for the events whose other fields are asked. Not for payloads in large objects (Hibernate's
        ``oid``), whose reference ``lazy_data`` reads to tell a dangling one: there a fold reads
        every column."""
        if self._is_large_object(self._c["payload"]):
            return None
        return ("position", "version", "type", "payload")

    def payload_decoder(self) -> Callable[[Any], Any]:
        """``plain_document`` (see ``SqlLayout``): a payload read as JSON text or bytes gives
        what ``lazy_data`` gives (XStream XML, a BOM, odd numbers, a dangling large object
        come back ``NOT_PLAIN`` or are not text, and go through ``lazy_data``); a page of such
        payloads has its numbers checked at once (``inspector.stores.lazy.lazy_events``)."""
        return plain_document

    def capped_payload(self) -> tuple[str, Any]:
        """The payload is a column of its own (the type, time, ids and metadata are others): a
        capped read may leave it out (a large object's size is measured on the server)."""
        return "payload", "{}"

    # --- snapshots ---------------------------------------------------------------------
    def snapshots(self, conn: sa.Connection, stream: str) -> list[Snapshot]:
        """Axon's own snapshots of the aggregate, oldest first (Axon usually keeps only the latest)."""
        if self.snapshot_table is None:
            return []
        c = _columns(self.snapshot_table)
        column = c.get("timestamp")
        kind = self._snapshot_time_kind or (_TimeKind.of(column) if column is not None else _TimeKind("none"))
        time: sa.ColumnElement[Any] | None = column
        if column is not None and kind.kind == "native" and self.dialect == "postgresql":
            time = sa.case((self._representable(column), column), else_=None)
        rows = conn.execute(
            sa.select(c["sequencenumber"], c["payloadtype"], self._serialized(c["payload"]),
                      c["payload"] if self._is_large_object(c["payload"]) else sa.null(),
                      time if time is not None else sa.null())
            .where(self._exact(c["aggregateidentifier"], stream))
            .order_by(c["sequencenumber"])
        )
        result = []
        for version, snapshot_type, payload, reference, at in rows:
            state, raw, problem = self._decode(payload, reference, "payload")
            if state is None and raw is not None and problem is None:
                problem = "XML snapshot (XStream), not decoded"
            result.append(Snapshot(stream=stream, version=int(version), type=str(snapshot_type), state=state,
                                   recorded_at=kind.read(at), problem=problem))
        return result

    # --- what ``info`` says ------------------------------------------------------------
    def column_readings(self) -> list[ColumnReading]:
        """Every column read, with the type found in the schema and how its values are read."""
        c = self._c
        table = self.shown_table()
        readings = [
            ColumnReading("position", f"{table}.{self.position.name}", self.sql_type_name(self.position),
                          "integer, the global order (from a sequence: gaps are normal)"),
            ColumnReading("stream", f"{table}.{self.stream.name}", self.sql_type_name(self.stream),
                          self.describe_reading("stream", self.stream)),
            ColumnReading("version", f"{table}.{self.version.name}", self.sql_type_name(self.version),
                          "integer, Axon's 0-based sequence number"),
            ColumnReading("type", f"{table}.{self.type.name}", self.sql_type_name(self.type),
                          "event class name (or alias), as stored"),
            ColumnReading("category", f"{table}.{self._aggregate_type.name}",
                          self.sql_type_name(self._aggregate_type), "aggregate type, as stored"),
            ColumnReading("recorded_at", f"{table}.{c['timestamp'].name}", self.sql_type_name(c["timestamp"]),
                          self._time_reading(self._time_kind, c["timestamp"], events=True)),
            ColumnReading("data", f"{table}.{c['payload'].name}", self.sql_type_name(c["payload"]),
                          self._serialized_reading(c["payload"])),
        ]
        if "metadata" in c:
            readings.append(ColumnReading("metadata", f"{table}.{c['metadata'].name}",
                                          self.sql_type_name(c["metadata"]), self._serialized_reading(c["metadata"])))
        readings.append(ColumnReading("metadata", f"{table}.{c['eventidentifier'].name}",
                                      self.sql_type_name(c["eventidentifier"]), "text, as metadata.event_id"))
        if "payloadrevision" in c:
            readings.append(ColumnReading("metadata", f"{table}.{c['payloadrevision'].name}",
                                          self.sql_type_name(c["payloadrevision"]),
                                          "text, as metadata.payload_revision"))
        if self.snapshot_table is not None:
            s = _columns(self.snapshot_table)
            name = self.snapshot_table.name
            readings.append(ColumnReading("snapshot", f"{name}.{s['payload'].name}", self.sql_type_name(s["payload"]),
                                          self._serialized_reading(s["payload"])))
            if "timestamp" in s:
                kind = self._snapshot_time_kind or _TimeKind.of(s["timestamp"])
                readings.append(ColumnReading("snapshot", f"{name}.{s['timestamp'].name}",
                                              self.sql_type_name(s["timestamp"]),
                                              self._time_reading(kind, s["timestamp"])))
        return readings

    def _time_reading(self, kind: _TimeKind, column: sa.Column[Any], events: bool = False) -> str:
        if kind.kind == "iso":
            if events and not self._text_in_one_form():
                return "ISO-8601 text in several zones or forms: each read as an instant, compared as instants"
            return ("ISO-8601 text in one form and zone (Axon's formatInstant): text order is time order" if events
                    else "ISO-8601 text (Axon's formatInstant)")
        if kind.kind == "native":
            if getattr(column.type, "timezone", False):
                return "timestamp with time zone"
            return "timestamp read as UTC"
        if kind.kind == "epoch":
            return f"epoch {kind.unit} ({kind.told_by})"
        return "not read as a time (a type neither text, timestamp nor number)"

    def _serialized_reading(self, column: sa.Column[Any]) -> str:
        formats = "JSON decoded, XStream XML shown raw"
        if self._is_large_object(column):
            return f"large object bytes read with lo_get: {formats}"
        if isinstance(column.type, sa.JSON):
            return "JSON, decoded from its text"
        if isinstance(column.type, _Binary):
            return f"serializer bytes: {formats}"
        if isinstance(column.type, sa.String):
            return f"serializer text: {formats}"
        return f"as stored: {formats}"

    # --- notes -------------------------------------------------------------------------
    def notes(self, conn: sa.Connection) -> list[str]:
        inspector = sa.inspect(conn)
        name = self.table.name
        indexes = [tuple(ix.get("column_names") or ()) for ix in inspector.get_indexes(name)]
        indexes += [tuple(u.get("column_names") or ()) for u in inspector.get_unique_constraints(name)]
        indexes.append(tuple(inspector.get_pk_constraint(name).get("constrained_columns") or ()))
        notes = ["versions are Axon sequence numbers: 0-based within each aggregate",
                 "the actor is read from decoded metadata (userId, username, …): actor filters decode each row"]
        if not any(ix[:2] == (self.stream.name, self.version.name) for ix in indexes):
            notes.append(f"no index on {name} ({self.stream.name}, {self.version.name}): "
                         "stream listing and stream reads scan the table")
        if self._is_large_object(self._c["payload"]):
            notes.append("payloads are PostgreSQL large objects (Hibernate oid), read with lo_get: the role needs "
                         "SELECT on them, and text search reads every payload")
        stamp = self._c["timestamp"]
        if self._time_kind.kind == "epoch":
            notes.append(f"{stamp.name} holds epoch {self._time_kind.unit} ({self._time_kind.told_by})")
        elif self._time_kind.kind == "none":
            notes.append(f"{stamp.name} is {self.sql_type_name(stamp)}, not read as a time: events have no time")
        first = conn.execute(sa.select(self._payload).order_by(self.position).limit(1)).scalar()
        sample = as_bytes(first) or (first.encode() if isinstance(first, str) else b"")
        if _looks_like_xml(sample):
            notes.append("payloads are XStream XML (Axon's default serializer): XML payload, shown raw, not decoded")
        if self.snapshot_table is None:
            notes.append("no snapshot_event_entry table: replays start from the first event or the inspector's cache")
        return notes
