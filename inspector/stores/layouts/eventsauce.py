"""EventSauce (PHP) message tables on MySQL/MariaDB or PostgreSQL, in every schema it has shipped.

The application names the table, so it is found by its columns: ``event_id``,
``aggregate_root_id``, ``payload`` and a version column. The schemas read (as written by
``EventSaucePHP/MessageStorage`` 1.x and by ``EventSaucePHP/DoctrineMessageRepository`` before 1.0):

- **1.x** (``DefaultTableSchema``): ``id`` (auto-increment, the global order), ``event_id``,
  ``aggregate_root_id``, ``version``, ``payload``. Ids are BINARY(16) on MySQL with the
  default ``BinaryUuidIdEncoder``, ``uuid`` on PostgreSQL, or text (``CHAR(36)``/``VARCHAR``)
  with the ``*UuidV4MessageRepository`` / ``StringIdEncoder`` variants. Tables made without
  the ``id`` column (MessageStorage's own test tables key on ``event_id``) read as well.
- **pre-1.0** (``LegacyTableSchema``): ``event_id``, ``event_type``, ``aggregate_root_id``,
  ``aggregate_root_version``, ``time_of_recording`` (``DATETIME(6)`` / ``timestamp``),
  ``payload`` (``JSON``), usually without ``id``; ids are ``VARCHAR(36)`` text (or binary).
- ``payload`` typed ``json`` / ``jsonb`` (PostgreSQL) or text (``varchar(16001)``,
  ``TEXT``, ``LONGTEXT``, MariaDB's ``JSON``), holding ``{"headers": {...}, "payload": {...}}``.

Every column is read by the type reflected from the schema, never by the engine's habit.

Headers: ``__event_type`` is the type (the ``event_type`` column where the table has it),
``__time_of_recording`` the time (``Y-m-d H:i:s.uO``, e.g. ``2021-08-20 16:00:44.182717+0400``,
or ``+04:00`` with ``MySQL8DateFormatting``), ``__aggregate_root_type`` the category. They
are read in SQL with the engine's JSON functions, guarded so a row that is not JSON yields
NULLs on MariaDB instead of failing the query. The time is normalised to UTC in SQL, so
MIN/MAX and histograms compare instants, not text in mixed offsets. Where the table also has
a ``time_of_recording`` column, the header (which keeps the offset the application wrote)
is preferred and the column (read as UTC when it has no zone) is used for rows whose header
is missing or not in EventSauce's format; SQL and Python apply the same rule.

A pre-1.0 row whose payload is the event's own JSON rather than the envelope is read with
that JSON as the data and the type and time from the columns.

**Global order without an ``id`` column.** MariaDB has no row id and PostgreSQL's ``ctid``
moves, so the position is computed from the row's own values: the exact integer
``((t * 2**33) + v) * 2**128 + e`` where ``t`` is the recording time in microseconds since
1970-01-01 UTC (clamped to +/-3e16, about the years 1019-2920; a row without a time takes
the lowest value), ``v`` the version shifted to be non-negative (``version + 2**31 + 1``;
NULL is 2**31) and ``e`` the event id as a 128-bit number (the UUID's bits; an event id that
is not a UUID contributes its MD5). It is a DECIMAL(65,0)/numeric in SQL and a Python ``int``
(up to 65 digits): ordering by it orders by (time, version, event id), it never changes for a
stored row, and it is unique while event ids are, so ``read_all`` pages by it exactly with
``position > :after``. No index can serve that expression: each page of a global read sorts
the whole table (``notes`` says so); reads of one stream still use the (stream, version) index.

Indexes relied on: ``reconstitution (aggregate_root_id, version)`` in 1.x,
``unique_id_and_version (aggregate_root_id, aggregate_root_version)`` before 1.0.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from inspector.core.decoding import NOT_PLAIN, as_bytes, decode_json, json_value, plain_in_checked_page
from inspector.core.events import ACTOR_KEYS, Event, actor_text, category_named, parse_time
from inspector.stores.base import ColumnReading, glob_to_like
from inspector.stores.layouts.base import (_DATE, _PLAIN_KEY, LeftOutPayload, SqlLayout, json_actor_value, json_path,
                                          version_into)

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: EventSauce's ``Y-m-d H:i:s.uO`` (the colon in the offset optional), with a real calendar date
#: and an offset up to 14 hours; SQL (PostgreSQL's cast, MariaDB's arithmetic) and Python read
#: exactly the texts this matches, anything else is no time.
_TIME_TEXT = (rf"^{_DATE} (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:[.][0-9]{{1,6}})?"
              r"[+-](?:0[0-9]|1[0-4]):?[0-5][0-9]$")
_TIME_TEXT_RE = re.compile(_TIME_TEXT)
#: A lowercase hyphenated UUID: event ids of this form give their own 128 bits to the position.
_LOWER_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
#: Headers an application adds to name who acted (EventSauce has none of its own), in the order SQL and Python try them.
ACTOR_HEADERS = ACTOR_KEYS  # read from the headers, first not empty, as actor_of reads metadata
_BINARY_TYPES = (sa.LargeBinary, sa.BINARY, sa.VARBINARY)

#: Bounds of the computed position's parts (see the module docstring).
_TIME_LIMIT = 3 * 10**16
_VERSION_SHIFT = 2**31 + 1
_VERSION_BITS = 33
_ID_BITS = 128

SCHEMA_1X = "1.x (MessageStorage DefaultTableSchema: id, event_id, aggregate_root_id, version, payload)"
SCHEMA_1X_NO_ID = "1.x columns without the id column (event_id, aggregate_root_id, version, payload)"
SCHEMA_LEGACY = ("pre-1.0 (LegacyTableSchema: event_id, event_type, aggregate_root_id, aggregate_root_version, "
                 "time_of_recording, payload)")


class _ExactInteger(sa.types.TypeDecorator):
    """A DECIMAL/numeric integer handed to Python as an exact ``int``."""

    impl = sa.Numeric
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else int(value)


class EventSauceLayout(SqlLayout):
    name = "eventsauce"
    stream_index = "reconstitution (aggregate_root_id, version)"

    # the stream and version are the table's own columns; the time is always read (header, else column)
    stream: sa.Column[Any]
    version: sa.Column[Any]
    time: sa.ColumnElement[Any]

    def __init__(self, engine: Engine, table: sa.Table) -> None:
        super().__init__(engine)
        c = table.c
        self.table = table
        self.stream = c.aggregate_root_id
        # the pre-1.0 schema named the version column aggregate_root_version
        self.version = c.version if "version" in c else c.aggregate_root_version
        self._event_id = c.event_id
        self._payload = c.payload
        self._type_column = c.event_type if "event_type" in c else None
        self._time_column = c.time_of_recording if "time_of_recording" in c else None
        self._has_id = "id" in c
        self._binary_ids = isinstance(c.aggregate_root_id.type, _BINARY_TYPES)
        self._uuid_ids = isinstance(c.aggregate_root_id.type, sa.Uuid)
        # bytes may hold text ids too: only a hyphenated UUID in another case
        self.uuid_spellings = "any" if self._uuid_ids else "hyphenated" if self._binary_ids else None
        self._json_payload = isinstance(c.payload.type, sa.JSON)
        self._jsonb_payload = self._json_payload and type(c.payload.type).__name__.upper() == "JSONB"
        if self.version.name == "aggregate_root_version":
            self.schema_version = SCHEMA_LEGACY
            self.stream_index = f"unique_id_and_version ({self.stream.name}, {self.version.name})"
        else:
            self.schema_version = SCHEMA_1X if self._has_id else SCHEMA_1X_NO_ID
        self.type = self._type_column if self._type_column is not None else self.header("__event_type")
        self._aggregate_type = self.header("__aggregate_root_type")
        self._header_time = self.header("__time_of_recording")
        self.time = self._recorded_time()
        self.position = c.id if self._has_id else sa.type_coerce(self._computed_position(), _ExactInteger())
        self.columns = [
            self.position.label("position"), self.stream.label("stream"), self.version.label("version"),
            c.event_id.label("event_id"), self._payload_as_read().label("payload"),
            (self._type_column if self._type_column is not None else sa.null()).label("type_column"),
            (self._time_column if self._time_column is not None else sa.null()).label("time_column"),
        ]
        #: where the payload and the type column are in a fold row (``select(*self.columns)``): read by place
        names = [column.name for column in self.columns]
        self._payload_place, self._type_place = names.index("payload"), names.index("type_column")
        self.checked_pages_at = self._payload_place  # ``lazy_data`` reads checked pages' envelopes at once
        #: (the columns of a short fold's rows, where the payload and the type column are in them):
        #: a ``FoldView``'s rows hold ``fold_fields`` alone, so their places are others (``_places_in``)
        self._short_places: tuple[Any, int, int] | None = None
        #: the last fold row whose payload was decoded, with its envelope: a fold that reads an
        #: event's type and then its data (both from the payload) decodes it once
        self._decoded: tuple[Any, Any] | None = None

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "EventSauceLayout | None":
        """The first table (by name) with EventSauce's columns, in any schema version it shipped."""
        tables = cls.tables_in(engine, inspector, None)
        return cls(engine, sa.Table(tables[0], sa.MetaData(), autoload_with=engine)) if tables else None

    @classmethod
    def tables_in(cls, engine: Engine, inspector: sa.Inspector, schema: str | None) -> list[str]:
        """The tables (by name) with EventSauce's columns (MySQL/MariaDB, PostgreSQL)."""
        if engine.dialect.name not in ("mysql", "mariadb", "postgresql"):
            return []
        found = []
        for name in sorted(inspector.get_table_names(schema=schema)):
            columns = {col["name"] for col in inspector.get_columns(name, schema=schema)}
            if {"event_id", "aggregate_root_id", "payload"} <= columns and (
                    "version" in columns or "aggregate_root_version" in columns):
                found.append(name)
        return found

    # --- SQL over the headers ----------------------------------------------------------
    def header(self, key: str) -> sa.ColumnElement[Any]:
        """``payload.headers[key]`` as text; NULL for rows that are not JSON (MariaDB) or lack it."""
        if self.dialect == "postgresql":
            if self._jsonb_payload:
                return sa.func.jsonb_extract_path_text(self._payload, "headers", key)
            from sqlalchemy.dialects.postgresql import JSON

            document = self._payload if self._json_payload else sa.cast(self._payload, JSON)
            return sa.func.json_extract_path_text(document, "headers", key)
        return sa.case(
            (sa.func.json_valid(self._payload) == 1,
             sa.func.json_unquote(sa.func.json_extract(self._payload, "$.headers." + (
                 key if _PLAIN_KEY.fullmatch(key) else '"' + key.replace('"', '\\"') + '"')))),
            else_=None,
        )

    def _payload_as_read(self) -> sa.ColumnElement[Any]:
        """The payload as text, so ``decode_json`` keeps every number exact (a json column's own
        text; jsonb's canonical text, whose numbers are exact)."""
        if self.dialect == "postgresql" and self._json_payload:
            return sa.cast(self._payload, sa.Text)
        return self._payload

    def _utc_time(self, text: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """EventSauce's time text as a UTC timestamp, NULL when the text is not in its format."""
        if self.dialect == "postgresql":
            return sa.case((text.regexp_match(_TIME_TEXT), sa.cast(text, sa.DateTime(timezone=True))), else_=None)
        # MySQL/MariaDB read no offsets: the local part is cast, then shifted back by the offset
        offset = sa.func.replace(sa.func.regexp_substr(text, "[+-][0-9]{2}:?[0-9]{2}$"), ":", "")
        local = sa.func.left(text, sa.func.length(text) - sa.func.length(sa.func.regexp_substr(
            text, "[+-][0-9]{2}:?[0-9]{2}$")))
        sign = sa.case((sa.func.left(offset, 1) == "-", 1), else_=-1)
        minutes = (sa.cast(sa.func.substr(offset, 2, 2), sa.Integer) * 60
                   + sa.cast(sa.func.substr(offset, 4, 2), sa.Integer))
        shifted = sa.func.timestampadd(sa.literal_column("MINUTE"), sign * minutes, _datetime6(local))
        return sa.type_coerce(sa.case((text.regexp_match(_TIME_TEXT), shifted), else_=None), sa.DateTime())

    def _recorded_time(self) -> sa.ColumnElement[Any]:
        """The header's time; where the table has a ``time_of_recording`` column, that column
        for rows whose header gives none."""
        from_header = self._utc_time(self._header_time)
        column = self._time_column
        if column is None:
            return from_header
        stored: sa.ColumnElement[Any]
        if isinstance(column.type, sa.DateTime):
            if self.dialect == "postgresql" and not getattr(column.type, "timezone", False):
                stored = sa.func.timezone("UTC", column)  # a zone-less timestamp is UTC
            else:
                stored = column
        else:  # text in EventSauce's own format
            stored = self._utc_time(column)
        return sa.type_coerce(sa.func.coalesce(from_header, stored),
                              sa.DateTime(timezone=self.dialect == "postgresql"))

    # --- the computed global order (tables without id) -----------------------------------
    def _computed_position(self) -> sa.ColumnElement[Any]:
        """((time µs clamped) * 2**33 + shifted version) * 2**128 + event id bits, exact (65 digits at most)."""
        decimal = sa.Numeric(65, 0)
        if self.dialect == "postgresql":
            micros = sa.func.floor(sa.extract("epoch", self.time) * 1000000)
        else:
            micros = sa.func.timestampdiff(sa.literal_column("MICROSECOND"),
                                           sa.literal_column("'1970-01-01 00:00:00'"), self.time)
        def number(value: int) -> sa.ColumnElement[Any]:
            return sa.literal_column(str(value), sa.Numeric(65, 0))

        low = number(-_TIME_LIMIT - 1)
        clamped = sa.func.least(sa.func.greatest(sa.func.coalesce(sa.cast(micros, decimal), low), low),
                                number(_TIME_LIMIT))
        shifted = sa.cast(sa.func.coalesce(self.version, -1), decimal) + number(_VERSION_SHIFT)
        version = sa.func.least(sa.func.greatest(shifted, number(0)), number(2**_VERSION_BITS - 1))
        time_part = sa.cast(clamped, decimal) * sa.literal_column(str(2**_VERSION_BITS)) + version
        return time_part * sa.literal_column(str(2**_ID_BITS)) + self._event_id_bits()

    def _event_id_bits(self) -> sa.ColumnElement[Any]:
        """The event id as a 128-bit number: a UUID's own bits, else the MD5 of the stored id."""
        e = self._event_id
        kind = e.type
        hexed: sa.ColumnElement[Any]
        if self.dialect == "postgresql":
            if isinstance(kind, sa.Uuid):
                hexed = sa.func.replace(sa.cast(e, sa.Text), "-", "")
            elif isinstance(kind, _BINARY_TYPES):
                hexed = sa.case((sa.func.length(e) == 16, sa.func.encode(e, "hex")), else_=sa.func.md5(e))
            else:
                text = sa.cast(e, sa.Text)
                hexed = sa.case((text.regexp_match(_LOWER_UUID), sa.func.replace(text, "-", "")),
                                else_=sa.func.md5(text))
            hexed = sa.func.coalesce(hexed, "0" * 32)
            from sqlalchemy.dialects.postgresql import BIT

            terms: list[sa.ColumnElement[Any]] = []
            for k in range(4):  # four 32-bit words, each read through bit(64) so it stays non-negative
                word = sa.cast(sa.cast(sa.literal("x") + sa.func.lpad(sa.func.substr(hexed, 1 + 8 * k, 8), 16, "0"),
                                       BIT(64)), sa.BigInteger)
                terms.append(sa.cast(word, sa.Numeric(65, 0)) * sa.literal_column(str(2 ** (32 * (3 - k)))))
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            return total
        if isinstance(kind, _BINARY_TYPES):
            hexed = sa.case((sa.func.length(e) == 16, sa.func.hex(e)), else_=sa.func.md5(e))
        else:
            text = sa.cast(e, sa.String())
            # compared as bytes: MariaDB's REGEXP ignores case under a _ci collation
            hexed = sa.case((_as_bytes(text).regexp_match(_LOWER_UUID), sa.func.replace(text, "-", "")),
                            else_=sa.func.md5(text))
        hexed = sa.func.coalesce(hexed, "0" * 32)
        high = sa.cast(sa.func.conv(sa.func.left(hexed, 16), 16, 10), sa.Numeric(65, 0))
        low = sa.cast(sa.func.conv(sa.func.right(hexed, 16), 16, 10), sa.Numeric(65, 0))
        return high * sa.literal_column(str(2**64)) + low

    # --- ids ---------------------------------------------------------------------------
    def stream_from_db(self, value: Any) -> str:
        if value is None:
            return ""
        blob = as_bytes(value)
        if blob is not None:
            if len(blob) == 16:
                return str(uuid.UUID(bytes=blob))
            try:  # a text id compared by its bytes (exact stream keys on MySQL collations)
                return blob.decode("utf-8")
            except UnicodeDecodeError:
                return blob.hex()
        return str(value)

    def stream_exists_possibly(self, stream: str) -> bool:
        return bool(_UUID.match(stream)) or not (self._binary_ids or self._uuid_ids)

    def stream_to_db(self, stream: str) -> Any:
        if not _UUID.match(stream):
            return stream
        if self._binary_ids:
            return uuid.UUID(stream).bytes
        if self._uuid_ids:
            return uuid.UUID(stream)
        return stream

    def match_clause(self, pattern: str) -> sa.ColumnElement[bool]:
        """Match the name exactly as shown, case included: binary ids are spelled out as
        lowercase hyphenated UUIDs in SQL; on MySQL/MariaDB text is compared as bytes, since
        their collations ignore case in LIKE."""
        like = glob_to_like(pattern)
        shown: sa.ColumnElement[Any]
        if self._binary_ids:
            shown = sa.func.lower(sa.func.hex(self.stream))
            for at in (21, 17, 13, 9):  # from the end, so earlier positions stay put
                shown = sa.func.insert(shown, at, 0, "-")
            return _as_bytes(shown).like(like.encode(), escape="\\")
        if self._uuid_ids:
            shown = sa.cast(self.stream, sa.Text)
            if self.dialect != "postgresql":
                return _as_bytes(sa.func.lower(shown)).like(like.encode(), escape="\\")
            return shown.like(like, escape="\\")
        if self.exact_text_streams():
            return self.stream_key().like(like.encode(), escape="\\")
        return self.stream.like(like, escape="\\")

    # --- categories, actor, text -------------------------------------------------------
    def category_hint(self) -> sa.ColumnElement[Any]:
        return sa.func.min(self._aggregate_type)

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        return first_type

    def category_clause(self, category: str) -> sa.ColumnElement[bool] | None:
        """(none): the streams whose MIN(aggregate root type) is NULL or '' (few rows to group). A
        named category is told of whole streams by that MIN (``category_hint``), not by each
        row's own header: None here, so a listing keeps the groups ``category_having`` keeps and
        a read of events asks a page's streams at once (``StreamsOfCategory``)."""
        named = category_named(category)  # ``category`` as ``category_key`` spells it
        return self.streams_without_category(self._aggregate_type) if named is None else None

    def category_having(self, category: str) -> sa.ColumnElement[bool] | None:
        """The listing's groups whose MIN(aggregate root type) is exactly the named category (by
        its bytes on MySQL/MariaDB)."""
        named = category_named(category)
        if named is None:
            return None
        smallest = sa.func.min(self._aggregate_type)
        if self.dialect in ("mysql", "mariadb"):
            return sa.and_(smallest == named, sa.cast(smallest, sa.LargeBinary) == named.encode())
        return smallest == named

    def actor_expr(self) -> sa.ColumnElement[Any]:
        if self.dialect != "postgresql":  # MariaDB: JSON null, "" and "  " told apart (json_actor_value)
            return sa.case((sa.func.json_valid(self._payload) == 1, sa.func.coalesce(*[
                json_actor_value(self._payload, json_path(key, "$.headers")) for key in ACTOR_HEADERS])), else_=None)
        return sa.func.coalesce(*[sa.func.nullif(self.header(key), sa.literal_column("''")) for key in ACTOR_HEADERS])

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        """The envelope (headers and payload) and the event id column, as ``metadata.event_id``
        shows it (16 bytes as a lowercase hyphenated UUID), which a causation id names."""
        return [self._payload, self._event_id_text()]

    def _event_id_text(self) -> sa.ColumnElement[Any]:
        e = self._event_id
        if not isinstance(e.type, _BINARY_TYPES):
            return e
        if self.dialect == "postgresql":
            spelled = sa.func.regexp_replace(sa.func.encode(e, "hex"), "^(.{8})(.{4})(.{4})(.{4})(.{12})$",
                                             "\\1-\\2-\\3-\\4-\\5")
            return sa.case((sa.func.length(e) == 16, spelled), else_=sa.func.encode(e, "escape"))
        shown: sa.ColumnElement[Any] = sa.func.lower(sa.func.hex(e))
        for at in (21, 17, 13, 9):  # from the end, so earlier positions stay put
            shown = sa.func.insert(shown, at, 0, "-")
        return sa.case((sa.func.length(e) == 16, shown), else_=e)

    def time_from_db(self, value: Any):
        return parse_time(value)  # normalised to UTC by SQL; MySQL hands back a naive UTC datetime

    # --- decoding ----------------------------------------------------------------------
    def row_to_event(self, row: Row[Any]) -> Event:
        problems: list[str] = []
        decoded = decode_json(row.payload, allow_null=False)
        envelope = decoded.value
        headers: dict[str, Any] = {}
        data: Any = None
        raw = decoded.raw
        if decoded.problem:
            problems.append(decoded.problem)
        elif isinstance(envelope, dict) and isinstance(envelope.get("headers"), dict):
            headers = envelope["headers"]
            data = envelope.get("payload")
        elif self._type_column is not None:
            data = envelope  # a pre-1.0 row holding the event's own JSON: type and time are columns
        else:
            problems.append("payload is JSON but not EventSauce's {headers, payload} envelope")
            data, raw = envelope, None
        if row.version is None:
            problems.append("version is NULL")
        metadata: dict[str, Any] = dict(headers)
        event_id = self.stream_from_db(row.event_id) if row.event_id is not None else None
        if event_id:
            metadata["event_id"] = event_id
        actor = next((actor_text(headers[key]) for key in ACTOR_HEADERS if headers.get(key) not in (None, "")), None)
        if actor is not None:
            metadata["actor"] = actor
        kind = row.type_column if self._type_column is not None else headers.get("__event_type")
        return Event(
            position=int(row.position),
            stream=self.stream_from_db(row.stream),
            version=version_into(row.version, problems),
            type=self.type_from_db(None if kind is None else str(kind)),
            recorded_at=self._time_of(headers.get("__time_of_recording"), row.time_column),
            data=data,
            metadata=metadata,
            raw=raw,
            problem="; ".join(problems) or None,
        )

    def _places_in(self, layout: Any) -> tuple[int, int]:
        """Where the payload and the type column are in the fold rows of ``layout``: this layout,
        or the ``FoldView`` of a short fold (``fold_fields``: the columns it kept, the same for
        every view of this layout)."""
        if layout is self:
            return self._payload_place, self._type_place
        memo = self._short_places
        if memo is None or memo[0] is not layout.columns:
            names = [column.name for column in layout.columns]
            memo = self._short_places = (layout.columns, names.index("payload"),
                                         names.index("type_column") if "type_column" in names else -1)
        return memo[1], memo[2]

    def fold_fields(self) -> tuple[str, ...]:
        """Position, version and the payload (the type too where a pre-1.0 table keeps it in a
        column): ``lazy_data`` and ``lazy_type`` read nothing else. A fold leaves out the stream
        and event ids (a ``uuid.UUID`` each per row on PostgreSQL) and the time column, read only
        for the events whose other fields are asked."""
        kept = ("position", "version", "payload")
        return kept + ("type_column",) if self._type_column is not None else kept

    def _envelope(self, row: Row[Any], checked: bool = False, layout: Any = None) -> Any:
        """The row's payload decoded as ``row_to_event`` decodes it; None when it is not JSON.
        ``checked``: the row's page passed ``page_reads_exactly`` (``LazyEvent._checked_page``),
        so a plain document goes straight to orjson (``plain_in_checked_page``). ``layout``: the
        one whose fold row ``row`` is (this layout when None, else a short fold's ``FoldView``)."""
        memo = self._decoded
        if memo is not None and memo[0] is row:
            return memo[1]
        if layout is None or layout is self:
            place = self._payload_place
        else:  # a short fold's row: where its view has the payload (``_places_in``, written out)
            short = self._short_places
            place = short[1] if short is not None and short[0] is layout.columns else self._places_in(layout)[0]
        payload = row[place]
        envelope = plain_in_checked_page(payload) if checked else NOT_PLAIN
        if envelope is NOT_PLAIN:
            envelope = json_value(payload, allow_null=False)
        self._decoded = (row, envelope)
        return envelope

    lazy_reads_by_place = True  # lazy_data and lazy_type read the row by place

    def lazy_data(self, row: Row[Any], event: Any) -> Any:
        """The event's own payload alone, as ``row_to_event`` gives it (the envelope's ``payload``;
        a pre-1.0 row's own JSON): the headers, times and ids are not read (a fold needs none)."""
        envelope = self._envelope(row, event._checked_page, event._layout)
        if isinstance(envelope, dict) and isinstance(envelope.get("headers"), dict):
            return envelope.get("payload")
        return envelope  # a row holding the event's own JSON, or None where the payload is not JSON

    def lazy_type(self, row: Row[Any], event: Any) -> str:
        """The type ``row_to_event`` gives: the ``event_type`` column where the table has one,
        else the envelope's ``__event_type`` header (the payload decoded once for type and data)."""
        if self._type_column is not None:
            kind = row[self._places_in(event._layout)[1]]
        else:
            envelope = self._envelope(row, False, event._layout)
            headers = envelope.get("headers") if isinstance(envelope, dict) else None
            kind = headers.get("__event_type") if isinstance(headers, dict) else None
        return self.type_from_db(None if kind is None else str(kind))

    def payload_left_out(self) -> LeftOutPayload:
        """A capped read leaves out a big payload whose headers SQL reads as an object (the
        engine's JSON functions; MariaDB's guarded by ``JSON_VALID``): the type, time, actor and
        every other header then come from the headers' text alone, exactly as from the whole
        payload. A payload whose headers are no object (a pre-1.0 row's own JSON, a bad row) is read whole."""
        headers: sa.ColumnElement[Any]
        readable: sa.ColumnElement[bool]
        inner: sa.ColumnElement[Any]
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import JSON

            document = self._payload if self._json_payload else sa.cast(self._payload, JSON)
            inner = document.op("->")(sa.literal("headers", sa.Text))
            kind = sa.func.jsonb_typeof(inner) if self._jsonb_payload else sa.func.json_typeof(inner)
            headers, readable = sa.cast(inner, sa.Text), kind == "object"
        else:
            valid = sa.func.json_valid(self._payload) == 1
            inner = sa.func.json_extract(self._payload, "$.headers")
            headers = sa.case((valid, inner), else_=None)
            readable = sa.and_(valid, sa.func.json_type(inner) == "OBJECT")
        return LeftOutPayload("payload", (headers.label("headers_text"),), readable, _envelope_of_headers)

    def _time_of(self, header: Any, column: Any):
        """The rule SQL's ``time`` applies: the header in EventSauce's format, else the column."""
        if isinstance(header, str) and _TIME_TEXT_RE.match(header):
            return parse_time(header)
        if column is None:
            return None
        if isinstance(column, str):
            return parse_time(column) if _TIME_TEXT_RE.match(column) else None
        return parse_time(column)

    # --- what ``info`` says ------------------------------------------------------------
    def _id_form(self, column: sa.Column[Any]) -> str:
        if isinstance(column.type, _BINARY_TYPES):
            return "16 bytes (BinaryUuidIdEncoder), shown as a hyphenated UUID"
        if isinstance(column.type, sa.Uuid):
            return "uuid, shown in its lowercase text form"
        if self.dialect in ("mysql", "mariadb"):
            return "text (string ids), compared byte-exact (the collation is not)"
        return "text (string ids), compared exactly"

    def column_readings(self) -> list[ColumnReading]:
        """Every column read, with the type found in the schema and how it is read."""
        table = self.shown_table()

        def reading(role: str, column: sa.Column[Any], how: str) -> ColumnReading:
            return ColumnReading(role=role, column=f"{table}.{column.name}", sql_type=self.sql_type_name(column),
                                 reading=how)

        payload_kind = ("jsonb" if self._jsonb_payload else "json") if self._json_payload else "text"
        payload_how = f"{payload_kind}: {{headers, payload}} envelope read as JSON text, numbers kept exact"
        if self._type_column is not None:
            payload_how += "; a row holding only the event's JSON is that JSON"
        header_sql = ("headers read in SQL with jsonb_extract_path_text" if self._jsonb_payload else
                      "headers read in SQL with json_extract_path_text" if self.dialect == "postgresql" else
                      "headers read in SQL with JSON_EXTRACT where JSON_VALID")
        found = []
        if self._has_id:
            found.append(reading("position", self.table.c.id, "integer, the global order (auto-increment)"))
        else:
            found.append(ColumnReading(
                "position", f"{table}.({self._time_source()}, {self.version.name}, {self._event_id.name})",
                "DECIMAL(65,0)" if self.dialect != "postgresql" else "numeric",
                "no id column: computed exact integer ordering by recording time (µs), version, event id"))
        found += [
            reading("stream", self.stream, self._id_form(self.stream)),
            reading("version", self.version, "integer, per aggregate root from 1"),
        ]
        if self._type_column is not None:
            found.append(reading("type", self._type_column, "text as stored (the __event_type header's copy)"))
        else:
            found.append(reading("type", self._payload, "payload.headers.__event_type (dot.separated.snake_case)"))
        time_how = "payload.headers.__time_of_recording, Y-m-d H:i:s.uO with its offset, as UTC"
        if self._time_column is not None:
            kind = self._time_column.type
            if isinstance(kind, sa.DateTime):
                stored = ("timestamp with time zone" if getattr(kind, "timezone", False)
                          else "timestamp without zone, read as UTC")
            else:
                stored = "text in Y-m-d H:i:s.uO, as UTC"
            found.append(reading("recorded_at", self._time_column,
                                 f"{stored}; used where the payload's __time_of_recording header is missing"))
        found.append(reading("recorded_at", self._payload, time_how))
        found += [
            reading("data", self._payload, payload_how),
            reading("metadata", self._payload, f"payload.headers (all of them; {header_sql})"),
            reading("category", self._payload, "payload.headers.__aggregate_root_type"),
            reading("metadata", self._event_id, "event id as metadata.event_id: " + self._id_form(self._event_id)),
        ]
        return found

    def _time_source(self) -> str:
        """What the computed position's time is read from, as ``info`` names it."""
        if self._time_column is not None:
            return f"recorded_at: headers.__time_of_recording, else {self._time_column.name}"
        return "recorded_at: headers.__time_of_recording"

    # --- notes -------------------------------------------------------------------------
    def notes(self, conn: sa.Connection) -> list[str]:
        inspector = sa.inspect(conn)
        indexes = [tuple(ix.get("column_names") or ()) for ix in inspector.get_indexes(self.table.name)]
        indexes += [tuple(uc.get("column_names") or ()) for uc in inspector.get_unique_constraints(self.table.name)]
        pk = tuple(inspector.get_pk_constraint(self.table.name).get("constrained_columns") or ())
        indexes.append(pk)
        notes = [f"EventSauce schema recognised: {self.schema_version}"]
        if not any(ix[:2] == (self.stream.name, self.version.name) for ix in indexes):
            notes.append(f"no index on {self.table.name} ({self.stream.name}, {self.version.name}) "
                         "(EventSauce's reconstitution): stream listing and stream reads scan the table")
        if not self._has_id:
            notes.append(f"no id column: the global order is computed from ({self._time_source()}, "
                         f"{self.version.name}, {self._event_id.name}) as one exact integer position; "
                         "no index serves it, so each page of all events sorts the whole table")
        if self._type_column is not None:
            notes.append("time, aggregate type and actor live in the payload's headers: filters by them and "
                         "histograms read every row's JSON in SQL (no index covers them)")
        else:
            notes.append("event type, time, aggregate type and actor live in the payload's headers: filters by "
                         "them, type counts and histograms read every row's JSON in SQL (no index covers them)")
        if self.dialect == "postgresql" and not self._json_payload:
            notes.append("payload is text, not json: one row that is not JSON makes header filters fail")
        return notes


def _envelope_of_headers(row: Row[Any]) -> str:
    """A capped row's stand-in payload: its headers (the JSON text SQL read) and an empty payload."""
    headers = row.headers_text
    if isinstance(headers, bytes):
        headers = headers.decode("utf-8", "replace")
    return '{"headers": ' + headers + ', "payload": {}}'


def _datetime6(value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """``CAST(x AS DATETIME(6))`` on MySQL/MariaDB: keeps the microseconds a plain DATETIME drops."""
    from sqlalchemy.dialects.mysql import DATETIME

    return sa.cast(value, DATETIME(fsp=6))


def _as_bytes(text: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """Text compared by its bytes on MySQL/MariaDB (LIKE then tells case apart), typed as text for LIKE."""
    return sa.type_coerce(sa.cast(text, sa.LargeBinary), sa.String)
