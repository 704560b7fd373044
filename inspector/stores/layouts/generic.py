"""The generic layout: any single event table, described by a column mapping.

Without a mapping file it recognises a table named ``events`` (or ``event_store``)
with the column names below; the demo store uses exactly this. A TOML mapping names
another table and other columns::

    table = "audit_events"
    [columns]
    position = "id"            # global order (optional on SQLite: falls back to the rowid)
    stream = "aggregate_id"
    version = "seq"
    type = "event_type"
    recorded_at = "created"    # optional
    data = "body"
    metadata = "meta"          # optional
    category = "kind"          # optional: the stream's category (else the text before its first '-')
    [codec]
    data = "json"              # json | text
    time = "auto"              # auto | iso | native | epoch_s | epoch_ms | epoch_us | epoch_ns
                               # "iso" also declares every row written in one ISO form and zone,
                               # so the first/last time come from the index on the column (checked
                               # when opened: where a row is not, times are read as with "auto")
    actor = "actor"            # key in metadata, or "column:NAME"

Every column's type is read from the schema (reflected), never assumed from the engine:

- ids (``stream``): text/varchar/char as stored; ``uuid`` (PostgreSQL, MariaDB 10.7+) shown as
  the canonical lower-case UUID text, and only that spelling names the stream (any other text
  matches no row, without an SQL error); binary ids (``bytea``, ``BINARY(16)``, ``VARBINARY``,
  ``BLOB``): 16 bytes are shown as a UUID, other bytes as their UTF-8 text, and bytes that are
  not UTF-8 text (or whose text looks like a UUID or starts with ``0x``) as ``0x`` + hex, so
  every stored value has exactly one name and every name maps back to exactly one value.
- payloads (``data``, ``metadata``): ``json``/``jsonb`` are read as their text (the server renders
  it; numbers stay as written, not parsed into floats by the driver); text, ``LONGTEXT`` (MariaDB's
  ``JSON`` is a ``LONGTEXT`` with a check) and binary columns holding UTF-8 JSON (maybe
  zlib-compressed) are decoded in Python; a payload that is not JSON is an event with a problem.
- times (``recorded_at``, codec ``auto``): native timestamps (PostgreSQL ``timestamp`` read as
  UTC, ``timestamptz``; MariaDB ``DATETIME(n)``/``TIMESTAMP(n)`` read as UTC, fractional seconds
  kept); text (and SQLite columns declared ``DATETIME``/``TIMESTAMP``, which hold text) as
  ISO-8601 (without a zone: UTC); numbers (integer, decimal, floating point) as epoch times.

Epoch numbers: the mapping may declare the unit (``epoch_s``, ``epoch_ms``, ``epoch_us``,
``epoch_ns``). Without one, the unit is told by magnitude when the store is opened, from the
median of the first and last few stored values (by position): below 1e11 seconds, below 1e14
milliseconds, below 1e17 microseconds, else nanoseconds (each unit reads dates from about 1973
to 5138 unambiguously; an empty table is read as seconds). ``info`` says which unit is used and
whether it was declared or assumed. Times are Python datetimes, which hold microseconds: integer
and decimal epochs finer than that are truncated to the microsecond, floating point ones rounded
to the nearest; every time comparison (filters, histograms, replay at an instant) is made in SQL
on that same reading with exact integer or decimal bounds, so a nanosecond ``BIGINT`` is never
compared through a double.
"""

from __future__ import annotations

import json
import math
import operator
import re
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Context, Decimal
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row
from sqlalchemy.sql.visitors import ExternallyTraversible, replacement_traverse

from inspector.core.decoding import (as_bytes, decimal_document, decode_json, decode_json_decimal, json_value,
                                     plain_document, whole_number)
from inspector.core.events import ACTOR_KEYS, NO_CATEGORY, Event, category_named, category_of_stream_name, parse_time, unread_time_problem
from inspector.stores.base import ColumnReading, StoreError, escape_glob, escape_like, sqlite_glob
from inspector.stores.layouts.base import (
    IsoTextForm,
    SqlLayout,
    Utf8mb4,
    epoch_seconds,
    no_zone_in_digit_places,
    rowid_column,
    stored_instant,
    stored_json,
    version_of,
)

DEFAULT_COLUMNS = {
    "position": "position",
    "stream": "stream",
    "version": "version",
    "type": "type",
    "recorded_at": "recorded_at",
    "data": "data",
    "metadata": "metadata",
    "category": "category",
}
REQUIRED = ("stream", "version", "type", "data")
DEFAULT_TABLES = ("events", "event_store")
DATA_CODECS = ("json", "text")
#: epoch codecs and their units per second
EPOCH_SCALE = {"epoch_s": 1, "epoch_ms": 10**3, "epoch_us": 10**6, "epoch_ns": 10**9}
TIME_CODECS = ("auto", "iso", "native", *EPOCH_SCALE)
EPOCH_UNIT_NAMES = {"epoch_s": "seconds", "epoch_ms": "milliseconds", "epoch_us": "microseconds",
                    "epoch_ns": "nanoseconds"}
#: how many values from each end of the table (by position) tell an epoch unit by magnitude
MAGNITUDE_SAMPLE = 16

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
_EXACT = Context(prec=80)
_CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ANY_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX_NAME = re.compile(r"^0x(?:[0-9a-f]{2})*$")


def epoch_unit_by_magnitude(values: list[Any]) -> str | None:
    """The epoch codec (``epoch_s`` ... ``epoch_ns``) that reads these stored numbers as dates.

    The median of the non-zero magnitudes decides: below 1e11 seconds, below 1e14
    milliseconds, below 1e17 microseconds, else nanoseconds. None when there is no number.
    """
    magnitudes = sorted(abs(float(v)) for v in values
                        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) and v)
    magnitudes = [m for m in magnitudes if math.isfinite(m)]
    if not magnitudes:
        return None
    median = magnitudes[len(magnitudes) // 2]
    for limit, codec in ((1e11, "epoch_s"), (1e14, "epoch_ms"), (1e17, "epoch_us")):
        if median < limit:
            return codec
    return "epoch_ns"


def epoch_to_datetime(value: Any, scale: int, *, nearest: bool = False) -> datetime | None:
    """A stored epoch number (``scale`` units per second) as an aware UTC datetime.

    Integers and decimals are truncated to the microsecond; floats (and values of a floating
    point column, ``nearest``, which some drivers hand over as decimals) rounded to the nearest.
    None for anything else (text, NaN) and for times a datetime cannot hold.
    """
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int):
            micros = value * 10**6 // scale
        elif isinstance(value, (Decimal, float)):
            number = Decimal(value)
            if not number.is_finite():
                return None
            exact = _EXACT.divide(_EXACT.multiply(number, 10**6), scale)
            micros = round(exact) if nearest or isinstance(value, float) else int(exact.to_integral_value(ROUND_FLOOR))
        else:
            return None
        return _EPOCH + timedelta(microseconds=micros)
    except (OverflowError, ValueError, ArithmeticError):
        return None


def _micros(instant: datetime) -> int:
    """Whole microseconds since 1970 of an aware (or naive UTC) instant, exactly."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return (instant - _EPOCH) // _MICROSECOND


#: The table a SQLite slice keeps its record in (``inspector.export.provenance``): the layout ignores it
SLICE_TABLE = "inspector_slice"


def _slice_of_decimals(engine: Engine) -> bool:
    """Whether the SQLite slice ``engine`` reads is read with its fractions as Decimals (its
    record: ``inspector.stores.slice_record.numbers_are_decimal``); False where it has none."""
    from inspector.stores.slice_record import numbers_are_decimal

    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text(f"SELECT value FROM {SLICE_TABLE} WHERE key = 'projector'")).first()
        record = json.loads(row[0]) if row is not None and isinstance(row[0], str) else None
    except (sa.exc.SQLAlchemyError, ValueError):
        return False
    return numbers_are_decimal(record if isinstance(record, dict) else None)


@dataclass
class ColumnMapping:
    table: str
    columns: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    schema: str | None = None
    data_codec: str = "json"
    time_codec: str = "auto"
    actor: str = "actor"

    @classmethod
    def load(cls, path: str | Path) -> "ColumnMapping":
        """Read a TOML mapping file; ``StoreError`` names the file and the key that is wrong."""
        where = f"the column mapping {path}"
        try:
            text = Path(path).read_bytes().decode("utf-8")
            doc = tomllib.loads(text)
        except OSError as exc:
            raise StoreError(f"cannot read {where}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise StoreError(f"{where} is not a TOML text file (not UTF-8)") from None
        except tomllib.TOMLDecodeError as exc:
            raise StoreError(f"{where} is not valid TOML: {exc}") from None
        if "table" not in doc:
            raise StoreError(f"{where} names no table (add: table = \"events\")")
        if not isinstance(doc["table"], str) or not doc["table"]:
            raise StoreError(f"{where}: table must be a table name in quotes, not {doc['table']!r}")
        if "schema" in doc and not isinstance(doc["schema"], str):
            raise StoreError(f"{where}: schema must be a name in quotes, not {doc['schema']!r}")
        raw_columns = doc.get("columns", {})
        if not isinstance(raw_columns, dict):
            raise StoreError(f"{where}: [columns] must be a table of field = \"column\" lines, not {raw_columns!r}")
        unknown = sorted(set(raw_columns) - set(DEFAULT_COLUMNS))
        if unknown:
            raise StoreError(f"{where}: unknown key(s) in [columns]: {', '.join(unknown)} "
                             f"(known: {', '.join(DEFAULT_COLUMNS)})")
        for key, value in raw_columns.items():
            if value and not isinstance(value, str):
                raise StoreError(f"{where}: columns.{key} must be a column name in quotes, not {value!r}")
        columns = {key: value for key, value in raw_columns.items() if value}
        missing = [key for key in REQUIRED if key not in columns]
        if missing:
            raise StoreError(f"{where} lacks columns for: {', '.join(missing)}")
        codec = doc.get("codec", {})
        if not isinstance(codec, dict):
            raise StoreError(f"{where}: [codec] must be a table (data, time, actor), not {codec!r}")
        data_codec, time_codec = codec.get("data", "json"), codec.get("time", "auto")
        if data_codec not in DATA_CODECS:
            raise StoreError(f"{where}: codec.data {data_codec!r} is not one of {', '.join(DATA_CODECS)}")
        if time_codec not in TIME_CODECS:
            raise StoreError(f"{where}: codec.time {time_codec!r} is not one of {', '.join(TIME_CODECS)}")
        actor = codec.get("actor", "actor")
        if not isinstance(actor, str) or not actor or actor == "column:":
            raise StoreError(f"{where}: codec.actor must be a metadata key or \"column:NAME\", not {actor!r}")
        return cls(
            table=doc["table"],
            columns=columns,
            schema=doc.get("schema"),
            data_codec=data_codec,
            time_codec=time_codec,
            actor=actor,
        )


def _is_binary(kind: sa.types.TypeEngine[Any]) -> bool:
    return isinstance(kind, (sa.LargeBinary, sa.types._Binary))


def _is_json(kind: sa.types.TypeEngine[Any]) -> bool:
    return isinstance(kind, sa.JSON)


class GenericLayout(SqlLayout):
    name = "generic"
    stream_index = "an index on (stream, version)"

    # reflected columns of ``table`` (position may be SQLite's rowid); ``version`` may be an expression
    position: sa.Column[Any]
    stream: sa.Column[Any]
    type: sa.Column[Any]

    def __init__(self, engine: Engine, mapping: ColumnMapping, reflected: sa.Table) -> None:
        super().__init__(engine)
        self.mapping = mapping
        cols = mapping.columns
        self.table = reflected
        c = reflected.c
        missing = [f"columns.{key} = {name!r}" for key, name in cols.items() if name not in c]
        if missing:
            raise StoreError(f"table {mapping.table} has no column named in the mapping's {', '.join(missing)} "
                             f"(its columns: {', '.join(col.name for col in reflected.columns)})")
        self.stream = c[cols["stream"]]
        #: the version column as reflected; ``version`` reads it as a number (see ``_version_expr``)
        self.version_column = c[cols["version"]]
        self._version_guarded = False  # True: text versions cast in SQL, the stored text read too
        self.version = self._version_expr(self.version_column)
        self.type = c[cols["type"]]
        self._data_column = c[cols["data"]]
        self._metadata_column = c[cols["metadata"]] if "metadata" in cols else None
        #: each row's stream category as recorded (a slice keeps its source's so), else None
        self._category_column = c[cols["category"]] if "category" in cols else None
        #: the time column as reflected (``time`` may wrap it so the driver hands back raw values)
        self.time_column = c[cols["recorded_at"]] if "recorded_at" in cols else None
        if "position" in cols:
            self.position = c[cols["position"]]
        elif engine.dialect.name == "sqlite":
            self.position = rowid_column(reflected)
        else:
            raise StoreError("the mapping needs a position column (a global order) on this engine")
        stream_type = self.stream.type
        self._id_kind = "uuid" if isinstance(stream_type, sa.Uuid) else "binary" if _is_binary(stream_type) else "text"
        # bytes may hold text ids too: only a hyphenated UUID (never a text name there) in another case
        self.uuid_spellings = {"uuid": "any", "binary": "hyphenated"}.get(self._id_kind)
        self._data = self._payload_expr(self._data_column)
        self._metadata = self._payload_expr(self._metadata_column) if self._metadata_column is not None else None
        self.time = self._time_expr()
        self._json_checked = self._json_checked_columns()
        #: how the time unit was settled: "declared", "magnitude" or "no values" (epoch codecs only)
        self._unit_source = "declared"
        self._time_codec = self._resolve_time_codec()
        self._scale = EPOCH_SCALE.get(self._time_codec)
        #: ``time = "iso"`` declared but a stored text not in the first one's form and zone (see
        #: ``_declared_form_broken``): what the store holds, said in ``notes``; times then read as ``auto``
        self.declared_form_broken: str | None = self._declared_form_broken()
        self._actor_column = None
        if mapping.actor.startswith("column:"):
            name = mapping.actor.split(":", 1)[1]
            if name not in c:
                raise StoreError(f"table {mapping.table} has no column {name!r} (the mapping's codec.actor "
                                 f"= \"column:{name}\"); its columns: {', '.join(col.name for col in reflected.columns)}")
            self._actor_column = c[name]
        self.columns = [
            self.position.label("position"),
            self.stream.label("stream"),
            self.version.label("version"),
            *([self._version_stored.label("stored_version")] if self._version_guarded else []),
            self.type.label("type"),
            (stored_instant(self.time, self.dialect) if self.time is not None else sa.null()).label("recorded_at"),
            self._data.label("data"),
            (self._metadata if self._metadata is not None else sa.null()).label("metadata"),
            (self._actor_column if self._actor_column is not None else sa.null()).label("actor"),
        ]

    # --- reading columns as their reflected types -------------------------------------------
    def _version_expr(self, column: sa.Column[Any]) -> sa.ColumnElement[Any]:
        """Versions in a text column, as numbers: text of up to 18 digits is cast to an integer
        in SQL (so versions sort and compare as numbers, v10 after v9), anything else is NULL
        there and an event with a problem in Python. Number columns are read as they are."""
        kind = column.type
        if self.dialect == "sqlite" and not isinstance(kind, (sa.Integer, sa.Numeric, sa.Float, sa.String)):
            # SQLite has no BOOLEAN or DATE storage: read what the column holds, not the declared type's
            # conversion (a BOOLEAN column's 0, 1, 2 would become False, True, True)
            column = sa.type_coerce(column, sa.types.NullType())  # type: ignore[assignment]
            kind = column.type
        if isinstance(kind, (sa.Integer, sa.Numeric, sa.Float)) or not isinstance(kind, (sa.String, sa.types.NullType)):
            return column
        self._version_guarded, self._version_stored = True, column
        if self.dialect == "sqlite":
            trimmed = sa.func.trim(column)
            digits = sa.and_(sa.func.typeof(column) == "text", trimmed.op("GLOB")("[0-9]*"),
                             sa.not_(trimmed.op("GLOB")("*[^0-9]*")), sa.func.length(trimmed) <= 18)
            return sa.case((sa.func.typeof(column).in_(("integer", "real")), column),
                           (digits, sa.cast(trimmed, sa.Integer)), else_=None)
        pattern = r"^[[:space:]]*[0-9]{1,18}[[:space:]]*$"
        return sa.case((column.regexp_match(pattern), sa.cast(sa.func.trim(column), sa.BigInteger)), else_=None)

    def _payload_expr(self, column: sa.Column[Any]) -> sa.ColumnElement[Any]:
        """The payload as its stored text or bytes: JSON columns are rendered as text by the server
        (PostgreSQL) or left unparsed (a JSON type elsewhere), so the driver never turns numbers into floats."""
        return stored_json(column, self.dialect)

    def _time_expr(self) -> sa.ColumnElement[Any] | None:
        """The time column; on SQLite without SQLAlchemy's own date parsing (SQLite has no
        timestamp type: a ``DATETIME`` column holds text, and a bad row must not end a read)."""
        column = self.time_column
        if column is None:
            return None
        if self.dialect == "sqlite" and not isinstance(column.type, (sa.Integer, sa.Float, sa.Numeric)):
            return sa.type_coerce(column, sa.types.NullType())
        return column

    def _stored_time_column(self) -> sa.Column[Any]:
        """The time column, where the time codec says times are read (epoch and native codecs need one)."""
        column = self.time_column
        assert column is not None, "a time codec is resolved only for a mapped time column"
        return column

    def _numeric_time(self) -> bool:
        return self.time_column is not None and isinstance(self.time_column.type, (sa.Integer, sa.Float, sa.Numeric))

    def _resolve_time_codec(self) -> str:
        codec = self.mapping.time_codec
        if self.time_column is None:
            return codec
        column_type = self.time_column.type
        native = isinstance(column_type, sa.DateTime) and self.dialect != "sqlite"
        if codec != "auto":
            # a declared codec must fit the column's reflected type: a wrong unit is worse than an error
            where = f"{self.mapping.table}.{self.time_column.name} is {self.sql_type_name(self.time_column)}"
            if codec in EPOCH_SCALE and not self._numeric_time() and not isinstance(column_type, sa.types.NullType):
                raise StoreError(f"the mapping reads times as {codec}, but {where}, not a number column")
            if codec in ("iso", "native") and self._numeric_time():
                raise StoreError(f"the mapping reads times as {codec}, but {where}: use an epoch codec")
            if codec == "native" and self.dialect == "sqlite":
                return "iso"  # SQLite has no timestamp type: its DATETIME columns hold text
            if codec == "native" and not native:
                raise StoreError(f"the mapping reads times as native timestamps, but {where}")
            if codec == "iso" and native:
                raise StoreError(f"the mapping reads times as ISO text, but {where}: use native")
            return codec
        if isinstance(column_type, sa.DateTime) and self.dialect != "sqlite":
            return "native"
        if self._numeric_time():
            found = epoch_unit_by_magnitude(self._time_sample())
            self._unit_source = "magnitude" if found else "no values"
            return found or "epoch_s"
        return "iso"

    def _declared_form_broken(self) -> str | None:
        """Whether the mapping's ``time = "iso"`` (every time written in one ISO form and zone, so
        text order is time order) holds for what is stored, checked once when the store is opened:
        every non-NULL time must be text of exactly the first timed row's shape (by position; the
        same length, every character but a digit the same, case too, and the zone (offset or Z) the
        first row's text exactly; a digit's place holds a digit on SQLite, any one character but
        + - : Z z elsewhere, one LIKE per row).
        None where it holds (or no row is timed yet); else a sentence naming the first row that
        breaks it. A declaration that does not hold would give wrong first/last times, time range
        and histogram counts (mixed offsets sort as text, not as time): the store then reads its
        times as ``auto`` does, every instant computed, and says so (``notes``)."""
        column = self.time_column
        if (self.mapping.time_codec != "iso" or column is None or self._time_codec != "iso"
                or self.dialect not in ("sqlite", "postgresql", "mysql", "mariadb")):
            return None
        present = [column.is_not(None), *self.scope()]
        with self.engine.connect() as conn:
            first = conn.execute(sa.select(self.position, sa.type_coerce(column, sa.types.NullType()))
                                 .select_from(self.table).where(*present).order_by(self.position).limit(1)).first()
            if first is None:
                return None
            sample = first[1]
            where = f"{self.mapping.table}.{column.name}"
            if not isinstance(sample, str) or not sample.isascii() or IsoTextForm.of(sample) is None:
                return (f"the mapping declares time = \"iso\" (one ISO-8601 form and zone), but the first timed row "
                        f"(position {first[0]}) holds {sample!r} in {where}, no ISO-8601 text")
            # one LIKE per row (a regular expression costs ~15 times as much on PostgreSQL): a digit
            # place takes any one character there; SQLite's GLOB asks for a digit. The zone (offset or
            # Z) is matched as the first row writes it: +01:00 and +02:00 text does not sort as time
            zone = IsoTextForm.of(sample).zone  # type: ignore[union-attr]
            head = sample[:len(sample) - len(zone)]
            shape = "".join("_" if ch.isdigit() else ch for ch in head) + zone  # ISO text holds no % _ or \\
            text = sa.type_coerce(column, sa.String())  # SQLite's DATETIME columns hold text too
            if self.dialect == "sqlite":
                glob = "".join("[0-9]" if ch.isdigit() else ch for ch in head) + zone
                matches = sa.and_(sa.func.typeof(column) == "text", text.op("GLOB")(glob))
            else:
                raw: sa.ColumnElement[Any]
                if self.dialect == "postgresql":
                    raw = sa.collate(text, "C")  # byte for byte: case too
                    matches = raw.like(shape)
                else:  # bytes compared: MariaDB's collations would take 'z' for 'Z'
                    raw = sa.cast(column, sa.LargeBinary)
                    matches = raw.op("LIKE", is_comparison=True)(sa.literal(shape.encode(), sa.LargeBinary))
                if "." in head or "," in head:  # a fraction's digit places could hold a zone of their own
                    matches = sa.and_(matches, no_zone_in_digit_places(raw, sample, self.dialect))
            other = conn.execute(sa.select(self.position, sa.type_coerce(column, sa.types.NullType()))
                                 .select_from(self.table).where(*present, sa.not_(matches))
                                 .order_by(self.position).limit(1)).first()
        if other is None:
            return None
        return (f"the mapping declares time = \"iso\" (every time in one ISO-8601 form and zone), but {where} "
                f"holds {other[1]!r} at position {other[0]}, not in the form of {sample!r} (position {first[0]}): "
                f"times are read as with time = \"auto\", each row's instant computed")

    def _time_sample(self) -> list[Any]:
        """A few stored time values from both ends of the table (by position: its key)."""
        column = self._stored_time_column()
        where = [column.is_not(None)]
        if self.dialect == "sqlite":
            where.append(sa.func.typeof(column).in_(("integer", "real")))
        values: list[Any] = []
        with self.engine.connect() as conn:
            for order in (self.position, self.position.desc()):
                query = sa.select(column).select_from(self.table).where(*where).order_by(order)
                values.extend(conn.execute(query.limit(MAGNITUDE_SAMPLE)).scalars())
        return values

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "GenericLayout | None":
        found = cls.tables_in(engine, inspector, None)
        if not found:
            return None
        name = found[0]
        names = {col["name"] for col in inspector.get_columns(name)}
        columns = {key: value for key, value in DEFAULT_COLUMNS.items() if value in names}
        # the demo store writes its times itself, all in one ISO form: they sort as text
        tables = inspector.get_table_names()
        time_codec = "iso" if name == "events" and "demo_info" in tables else "auto"
        layout = cls.from_mapping(engine, ColumnMapping(table=name, columns=columns, time_codec=time_codec))
        if SLICE_TABLE in tables and name == "events" and engine.dialect.name == "sqlite":
            layout.decimal_numbers = _slice_of_decimals(engine)
        return layout

    @classmethod
    def tables_in(cls, engine: Engine, inspector: sa.Inspector, schema: str | None) -> list[str]:
        """``events``, then ``event_store``, with the default columns (``stream``, ``version``, ``type``, ``data``)."""
        tables = set(inspector.get_table_names(schema=schema))
        return [name for name in DEFAULT_TABLES if name in tables and all(
            DEFAULT_COLUMNS[key] in {col["name"] for col in inspector.get_columns(name, schema=schema)}
            for key in REQUIRED)]

    @classmethod
    def from_mapping(cls, engine: Engine, mapping: ColumnMapping) -> "GenericLayout":
        try:
            table = sa.Table(mapping.table, sa.MetaData(), autoload_with=engine, schema=mapping.schema)
        except sa.exc.NoSuchTableError:
            raise StoreError(f"no table {mapping.table!r} in this database") from None
        return cls(engine, mapping, table)

    # --- ids ---------------------------------------------------------------------------
    def stream_from_db(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, uuid.UUID):
            return str(value)
        blob = as_bytes(value)
        if blob is None:
            return str(value)
        if len(blob) == 16:
            return str(uuid.UUID(bytes=blob))
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError:
            return "0x" + blob.hex()
        if _ANY_UUID.match(text) or text.startswith("0x"):
            return "0x" + blob.hex()  # shown apart from a 16-byte id and from hex names
        return text

    def stream_exists_possibly(self, stream: str) -> bool:
        if self._id_kind == "uuid":
            return bool(_CANONICAL_UUID.match(stream))
        if self._id_kind == "binary" and (_ANY_UUID.match(stream) or stream.startswith("0x")):
            return bool(_CANONICAL_UUID.match(stream) or _HEX_NAME.match(stream))
        return True

    def stream_to_db(self, stream: str) -> Any:
        if self._id_kind == "uuid":
            return uuid.UUID(stream) if _CANONICAL_UUID.match(stream) else stream
        if self._id_kind == "binary":
            if _CANONICAL_UUID.match(stream):
                return uuid.UUID(stream).bytes
            if _HEX_NAME.match(stream):
                return bytes.fromhex(stream[2:])
            return stream.encode("utf-8")
        return stream

    def stream_is(self, stream: str) -> sa.ColumnElement[bool]:
        if not self.stream_exists_possibly(stream):
            return sa.false()  # e.g. text that is not a UUID, for a uuid column: no row, no SQL error
        return super().stream_is(stream)

    def _shown_stream(self) -> sa.ColumnElement[Any]:
        """The stream name as ``stream_from_db`` shows it, in SQL (uuid and binary ids)."""
        column = self.stream
        if self._id_kind == "uuid":
            return sa.cast(column, sa.String)
        hexed: sa.ColumnElement[Any]
        text: sa.ColumnElement[Any]
        if self.dialect == "postgresql":
            hexed, text = sa.func.encode(column, "hex"), sa.func.encode(column, "escape")
        else:
            hexed, text = sa.func.lower(sa.func.hex(column)), sa.cast(column, sa.String)
        hexed = sa.type_coerce(hexed, sa.String)
        parts = [sa.func.substr(hexed, start, size) for start, size in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))]
        hyphenated: sa.ColumnElement[Any] = parts[0]
        for part in parts[1:]:
            hyphenated = hyphenated + "-" + part
        return sa.case((sa.func.length(column) == 16, hyphenated), else_=sa.type_coerce(text, sa.String))

    def match_clause(self, pattern: str) -> sa.ColumnElement[bool]:
        if self._id_kind == "text":
            return super().match_clause(pattern)
        return self.name_matches(self._shown_stream(), pattern)

    # --- categories: the text before the first '-' of text ids; uuid and binary ids have none ------
    # unless a category column records it: then a stream's smallest recorded category, rows
    # without one (NULL) falling back to the name's
    def category_hint(self) -> sa.ColumnElement[Any] | None:
        """The stream's smallest recorded category as text (a category column; '' is not
        recorded; smallest by its UTF-8 bytes on every engine), else the base's hint."""
        if self._category_column is not None:
            smallest = sa.func.min(self._recorded_category())
            return Utf8mb4(smallest) if self.dialect in ("mysql", "mariadb") else smallest
        return super().category_hint()

    def _recorded_category(self) -> sa.ColumnElement[Any]:
        """A row's recorded category, '' read as NULL (not recorded), in a form whose MIN is the
        smallest by bytes and whose comparisons are exact, whatever the column's collation: on
        MySQL/MariaDB its UTF-8 bytes (the column's collation would fold case, accents and
        trailing spaces, so MIN would give whichever of ``order``/``ORDER`` came first, and PAD
        SPACE takes ' ' for ''); on PostgreSQL its text under "C" (an ICU, nondeterministic or
        citext column would fold them too); on SQLite under BINARY (not a NOCASE or RTRIM column's)."""
        column = self._category_column
        assert column is not None
        if self.dialect in ("mysql", "mariadb"):
            return sa.func.nullif(sa.cast(Utf8mb4(column), sa.LargeBinary), b"")
        if self.dialect == "postgresql":
            return sa.func.nullif(sa.collate(sa.cast(column, sa.Text), "C"), "")
        if self.dialect == "sqlite":
            return sa.func.nullif(sa.collate(column, "BINARY"), "")
        return sa.func.nullif(column, "")

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        if self._category_column is not None and first_type is not None:
            return str(first_type)
        return category_of_stream_name(stream) if self._id_kind == "text" else None

    def category_clause(self, category: str) -> sa.ColumnElement[bool] | None:
        """Rows of the category's streams. Without a category column, by name (one index range).
        With one, whole streams: every row of each stream whose category (``stream_category_exact``,
        what ``categories`` counts) is exactly ``category``; ``(none)`` selects the streams
        ``categories`` counts under ``(none)`` (no category, or '').

        Only the streams that can be of the category are grouped (``_may_be_of``: found through
        the category column's index and the stream index), not every stream of the table: 1.4 s
        -> 0.03 s for a page of 500 streams of a category at 200k rows on MariaDB."""
        if self._category_column is None:
            return self._category_by_name(category)
        exact = self.stream_category_exact()
        assert exact is not None
        binary = self.dialect in ("mysql", "mariadb") or (self.dialect == "postgresql" and self.exact_text_streams())

        def spelled(text: str) -> Any:
            return text.encode() if binary else text
        named = category_named(category)
        having = sa.or_(exact.is_(None), exact == spelled("")) if named is None else exact == spelled(named)
        key = self.stream_key()
        where = [self.stream.is_not(None), *self.scope()]
        candidates = (sa.select(self.stream).select_from(self.table).where(*where, self._may_be_of(category))
                      .correlate(None))
        # each candidate stream's category over all its rows, told apart by the exact name
        of_category = (sa.select(key).select_from(self.table).where(*where, self.stream.in_(candidates))
                       .group_by(key).having(having).correlate(None))
        if not self.exact_text_streams():
            return key.in_(of_category)
        # each such stream's name beside its bytes: the stream index finds its rows (a name under the
        # collation), the bytes keep only that stream's (MariaDB then reads no other row)
        return sa.tuple_(self.stream, key).in_(of_category.with_only_columns(sa.func.min(self.stream), key))

    def _may_be_of(self, category: str) -> sa.ColumnElement[bool]:
        """Rows of every stream that can be of ``category`` (a category column; more may pass):
        a stream's category is a category one of its rows records, or, none recorded, its
        name's. So: rows recording ``category`` (the column's index; a collation that folds
        case or trailing spaces only adds streams), and rows whose name's category it can be
        (the stream index's range). ``(none)``: rows recording none or ''. ``category`` as
        ``category_key`` spells it."""
        column = self._category_column
        assert column is not None
        named = category_named(category)
        if named is None:
            return sa.or_(column.is_(None), column == "")
        category = named
        recorded = column == category
        if self._id_kind != "text":
            return recorded  # uuid and binary ids: no category in the name
        if self.exact_text_streams() and self.dialect == "postgresql":
            # a nondeterministic collation takes no LIKE: the name's bytes (exact, not through the index)
            return sa.or_(recorded, self._named_category(category))
        stream = self.stream
        by_name: sa.ColumnElement[Any]
        if self.dialect == "sqlite":
            # GLOB is case-sensitive and walks the index from the prefix (LIKE ignores ASCII case: no index)
            by_name = sqlite_glob(stream, escape_glob(category) + "-*")
        else:
            by_name = stream.like(escape_like(category) + "-%", escape="\\")
            if self.dialect == "postgresql" and self._stream_sorts_by_bytes():
                # the prefix as one range of the stream index: LIKE takes a btree index only under "C"
                by_name = sa.and_(stream >= category + "-", stream < category + ".", by_name)
        return sa.or_(recorded, stream == category, sa.type_coerce(by_name, sa.Boolean()))

    def _stream_sorts_by_bytes(self) -> bool:
        """PostgreSQL: whether the stream column's collation orders text by its bytes (C, POSIX,
        C.UTF-8; the database's own where the column has the default), so that the names
        starting with a prefix are one range of its index (asked once; False when unsure)."""
        cached: bool | None = getattr(self, "_by_bytes", None)
        if cached is None:
            cached = False
            column, table = self.stream, getattr(self.stream, "table", None)
            if self.dialect == "postgresql" and isinstance(column, sa.Column) and isinstance(table, sa.Table):
                name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
                query = sa.text(
                    "SELECT CASE WHEN c.collprovider = 'd' THEN d.datlocprovider = 'c' AND "
                    "(d.datcollate IN ('C', 'POSIX') OR d.datcollate LIKE 'C.%') "
                    "ELSE c.collprovider = 'c' AND (c.collcollate IN ('C', 'POSIX') OR c.collcollate LIKE 'C.%') END "
                    "FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
                    "JOIN pg_database d ON d.datname = current_database() "
                    "WHERE a.attrelid = to_regclass(:table) AND a.attname = :column")
                try:
                    with self.engine.connect() as conn:
                        cached = bool(conn.execute(query, {"table": name, "column": column.name}).scalar())
                except sa.exc.SQLAlchemyError:  # before PostgreSQL 15 (no datlocprovider): LIKE alone
                    cached = False
            self._by_bytes = cached
        return cached

    def stream_category_exact(self) -> sa.ColumnElement[Any] | None:
        """``stream_category_aggregate`` as compared exactly: its UTF-8 bytes on MySQL/MariaDB
        (and PostgreSQL under a nondeterministic stream collation), else the text itself."""
        if self._category_column is None:
            return None
        if self.dialect in ("mysql", "mariadb"):
            return self._stream_category_bytes()
        per_stream = self.stream_category_aggregate()
        if self.dialect == "postgresql" and self.exact_text_streams():
            return sa.func.convert_to(per_stream, "UTF8")
        return per_stream

    def _category_by_name(self, category: str) -> sa.ColumnElement[bool]:
        """Streams whose name's category is ``category``; uuid and binary ids have none, so
        ``(none)`` selects them all."""
        if self._id_kind != "text":
            return sa.true() if category == NO_CATEGORY else sa.false()
        return self._named_category(category_named(category) or "")  # (none): nothing before the first '-'

    def _named_category(self, category: str) -> sa.ColumnElement[bool]:
        key = self.stream_key()
        exact = self.exact_text_streams()
        if exact and self.dialect == "postgresql":
            # bytea LIKE cannot take ESCAPE '\' (not valid bytea text): compare the leading bytes
            head = f"{category}-".encode()
            return sa.or_(key == category.encode(), sa.func.substring(key, 1, len(head)) == head)
        if self.dialect == "sqlite":  # SQLite's LIKE ignores ASCII case: 'Order-1' is not of category 'order'
            return sa.or_(key == (category.encode() if exact else category), sqlite_glob(key, escape_glob(category) + "-*"))
        prefix = escape_like(category) + "-%"
        return sa.or_(key == (category.encode() if exact else category),
                      key.like(prefix.encode() if exact else prefix, escape="\\"))

    def category_expr(self) -> sa.ColumnElement[Any] | None:
        if self._category_column is not None:
            return None  # per stream, not per row: see ``stream_category_aggregate``
        return self._category_of_name()

    def stream_category_aggregate(self) -> sa.ColumnElement[Any] | None:
        """With a category column, as ``category_hint``/``category_of`` tell it: the stream's
        smallest recorded category, else (every row NULL) the text before its name's first '-'
        (NULL for uuid and binary ids)."""
        if self._category_column is None:
            return None
        if self.dialect in ("mysql", "mariadb"):
            return Utf8mb4(self._stream_category_bytes())
        if self._id_kind != "text":
            return sa.func.min(self._recorded_category())
        return sa.func.coalesce(sa.func.min(self._recorded_category()), self._stream_name_category())

    def _stream_name_category(self) -> sa.ColumnElement[Any]:
        """The category of a group's one name (text ids; a query grouped by ``stream_key``)."""
        stream = self.stream
        name = sa.func.min(stream)  # grouped by the exact name: its one name

        def by_name(element: ExternallyTraversible, **_kw: Any) -> ExternallyTraversible | None:
            return name if element is stream else None
        return replacement_traverse(self._category_of_name(), {}, by_name)

    def _stream_category_bytes(self) -> sa.ColumnElement[Any]:
        """MySQL/MariaDB: ``stream_category_aggregate`` as UTF-8 bytes (VARBINARY), the smallest
        recorded by its bytes, else its name's (NULL for uuid and binary ids)."""
        smallest = sa.func.min(self._recorded_category())
        if self._id_kind != "text":
            return smallest
        return sa.func.coalesce(smallest, sa.cast(Utf8mb4(self._stream_name_category()), sa.LargeBinary))

    def _category_of_name(self) -> sa.ColumnElement[Any]:
        if self._id_kind != "text":
            return sa.null()
        stream = self.stream
        if self.dialect == "postgresql":
            # a nondeterministic collation takes no substring search: split the name under "C"
            return sa.func.split_part(sa.collate(stream, "C") if self.exact_text_streams() else stream, "-", 1)
        if self.dialect in ("mysql", "mariadb"):
            return sa.func.substring_index(stream, "-", 1)
        dash = sa.func.instr(stream, "-")
        return sa.case((dash > 0, sa.func.substr(stream, 1, dash - 1)), else_=stream)

    # --- decoding ----------------------------------------------------------------------
    #: a SQLite slice of an ``eventsourcing`` store (``detect``): numbers with a fraction or exponent
    #: are read as the Decimals they were there (``decode_json_decimal``), digits and all
    decimal_numbers = False

    def row_to_event(self, row: Row[Any]) -> Event:
        problems: list[str] = []
        raw: bytes | str | None
        decode = decode_json_decimal if self.decimal_numbers else decode_json
        if self.mapping.data_codec == "text":
            data, raw = row.data, None
            blob = as_bytes(data)
            if blob is not None:
                try:
                    data = blob.decode("utf-8")
                except UnicodeDecodeError:
                    data, raw = None, blob
                    problems.append(f"binary payload ({len(blob)} bytes), not UTF-8 text")
        else:
            decoded = decode(row.data, allow_null=False)
            data, raw = decoded.value, decoded.raw
            if decoded.problem:
                problems.append(decoded.problem)
        metadata: dict[str, Any] = {}
        if row.metadata is not None:
            meta = decode(row.metadata)
            if isinstance(meta.value, dict):
                metadata = meta.value
            elif meta.problem:
                problems.append(f"metadata: {meta.problem}")
        if row.actor is not None:
            metadata = {**metadata, "actor": row.actor}
        elif self.mapping.actor != "actor" and metadata.get(self.mapping.actor) not in (None, ""):
            metadata = {**metadata, "actor": metadata[self.mapping.actor]}  # else actor_of reads on, as SQL does
        if row.stream is None:
            problems.append("stream is NULL")
        version, version_problem = version_of(row.stored_version if "stored_version" in row._fields else row.version)
        if version_problem:
            problems.append(version_problem)
        recorded_at = self.time_from_db(row.recorded_at)
        if recorded_at is None and row.recorded_at is not None:
            problems.append(unread_time_problem("recorded_at", row.recorded_at))
        position, position_problem = whole_number(row.position, "position")
        if position_problem:
            problems.append(position_problem)
        if row.type is None:
            problems.append("type is NULL")
        return Event(
            position=-1 if position is None else position,
            stream=self.stream_from_db(row.stream),
            version=version,
            type=str(row.type) if row.type is not None else "(no type)",
            recorded_at=recorded_at,
            data=data,
            metadata=metadata,
            raw=raw,
            problem="; ".join(problems) or None,
        )

    def lazy_data(self, row: Row[Any], event: Any) -> Any:
        """The payload alone, as ``row_to_event`` decodes it (a fold reads nothing else)."""
        if self.mapping.data_codec == "text":
            return event.event().data
        if self.decimal_numbers:
            return decode_json_decimal(row.data, allow_null=False).value
        return json_value(row.data, allow_null=False)  # decode_json(...).value without its Decoded

    def fold_fields(self) -> tuple[str, ...] | None:
        """Position, version, type and the payload, for JSON payloads (``lazy_data`` decodes them
        alone; a ``text`` payload is made by ``row_to_event``, which reads every column)."""
        return None if self.mapping.data_codec == "text" else ("position", "version", "type", "data")

    def payload_decoder(self) -> Callable[[Any], Any] | None:
        """JSON payloads (every codec but ``text``): ``plain_document`` (see ``SqlLayout``), or
        ``decimal_document`` where numbers are read as Decimals (``decimal_numbers``)."""
        if self.mapping.data_codec == "text":
            return None
        return decimal_document if self.decimal_numbers else plain_document

    def capped_payload(self) -> tuple[str, Any]:
        """The payload (``data``) is a column of its own: a capped read may leave it out."""
        return "data", "" if self.mapping.data_codec == "text" else "{}"

    # --- time ----------------------------------------------------------------------------
    def epoch_expr(self) -> sa.ColumnElement[Any] | None:
        """Seconds since 1970 in SQL (for histogram buckets); None when the table keeps no time."""
        if self.time is None:
            return None
        if self._scale is not None:
            seconds = self.time / float(self._scale) if self._scale != 1 else self.time * 1.0
            if self.dialect == "sqlite":  # a text value in a number column is no time
                return sa.case((sa.func.typeof(self.time).in_(("integer", "real")), seconds), else_=None)
            return seconds
        return epoch_seconds(self, use_custom=False)

    def time_from_db(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if self._scale is not None:
            return epoch_to_datetime(value, self._scale,
                                     nearest=isinstance(self._stored_time_column().type, sa.Float))
        if self._time_codec == "iso" and not isinstance(value, (str, datetime)):
            return None  # a number in a text time column is not a time (SQL reads it as none either)
        return parse_time(value)

    def time_sorts_as_stored(self) -> bool:
        """Numbers and native timestamps sort as time; text only when the mapping declares ``time = "iso"``."""
        if self.time is None:
            return False
        if self._scale is not None or (self._time_codec == "native" and self.dialect != "sqlite"):
            return True
        return self.mapping.time_codec == "iso" and not self.declared_form_broken

    def stored_time(self) -> tuple[sa.Column[Any], sa.ColumnElement[bool] | None] | None:
        if self.time_column is None or not self.time_sorts_as_stored():
            return None
        guard = None
        if self._scale is not None and self.dialect == "sqlite":
            guard = sa.func.typeof(self.time_column).in_(("integer", "real"))
        return self.time_column, guard

    def stored_time_scale(self) -> float | None:
        return None if self._scale is None else float(self._scale)

    def iso_text_time(self) -> sa.Column[Any] | None:
        """The time column when it holds ISO-8601 text read row by row (``epoch_seconds``, no
        declared form) on SQLite or PostgreSQL; see ``SqlLayout.iso_text_time``."""
        column = self.time_column
        if column is None or self._scale is not None or self.time_sorts_as_stored():
            return None
        if self.dialect == "sqlite" or (self.dialect == "postgresql" and isinstance(column.type, sa.String)):
            return column
        return None

    def _epoch_bound(self, micros: int) -> Any:
        """The stored number from which on values read as at or after ``micros`` (microseconds since 1970).

        Integers: the exact ceiling; decimals: the exact value; floats (rounded to the nearest
        microsecond when read): the midpoint below, as the nearest float.
        """
        scale = self._scale
        assert scale is not None, "epoch bounds are asked only of epoch codecs"
        kind = self._stored_time_column().type
        if isinstance(kind, sa.Float):
            return float(_EXACT.divide(_EXACT.multiply(Decimal(2 * micros - 1), scale), 2 * 10**6))
        if isinstance(kind, sa.Integer):
            return -((-micros * scale) // 10**6)
        return _EXACT.divide(Decimal(micros * scale), 10**6)

    def stored_time_numbers(self) -> tuple[Callable[[datetime], Any], Callable[[datetime], Any]] | None:
        """Exact bounds for times stored as numbers: ``column >= after(t)`` / ``column < after(t)``
        and ``column <= before(t)`` hold exactly for the rows read as at/after, before, at/before ``t``."""
        if self._scale is None:
            return None
        kind = self._stored_time_column().type

        def after(instant: datetime) -> Any:
            return self._epoch_bound(_micros(instant))

        def before(instant: datetime) -> Any:
            upper = self._epoch_bound(_micros(instant) + 1)
            if isinstance(kind, sa.Float):
                return math.nextafter(upper, -math.inf)
            if isinstance(kind, sa.Integer):
                return upper - 1
            return upper - Decimal("1e-40")

        return after, before

    def time_clause(self, op: str, instant: datetime) -> sa.ColumnElement[bool] | None:
        """``recorded time <op> instant`` in SQL, exact: epoch numbers against bounds in their unit,
        native timestamps against the instant itself; text keeps the adapter's epoch seconds."""
        if self.time is None:
            return None
        if self._scale is not None:
            micros = _micros(instant)
            # read times are whole microseconds: t > i  <=>  t >= i + 1us, t <= i  <=>  t < i + 1us
            lower, strict = {">=": (micros, False), ">": (micros + 1, False),
                             "<": (micros, True), "<=": (micros + 1, True)}[op]
            bound = self._epoch_bound(lower)
            column = self._stored_time_column()
            clause: sa.ColumnElement[bool] = column < bound if strict else column >= bound
            if self.dialect == "sqlite":
                clause = sa.and_(sa.func.typeof(column).in_(("integer", "real")), clause)
            return clause
        if self._time_codec == "native" and self.dialect != "sqlite":
            column = self._stored_time_column()
            aware = bool(getattr(column.type, "timezone", False))
            value = instant if aware else instant.astimezone(timezone.utc).replace(tzinfo=None)
            compare = {">=": operator.ge, ">": operator.gt, "<": operator.lt, "<=": operator.le}[op]
            return compare(column, value)
        if self.dialect in ("postgresql", "mysql", "mariadb"):
            # ISO text: the server reads it to the microsecond (exact decimals); bound likewise
            epoch = self.epoch_expr()
            assert epoch is not None, "these engines read ISO text times in SQL"
            compare = {">=": operator.ge, ">": operator.gt, "<": operator.lt, "<=": operator.le}[op]
            return compare(epoch, sa.literal(_EXACT.divide(Decimal(_micros(instant)), 10**6), sa.Numeric(30, 6)))
        return super().time_clause(op, instant)  # SQLite text: julianday, to the millisecond

    # --- filters -------------------------------------------------------------------------
    def actor_expr(self) -> sa.ColumnElement[Any] | None:
        if self._actor_column is not None:
            return self._actor_column
        column = self._metadata_column
        if self._metadata is None or column is None:
            return None
        if self.dialect == "postgresql" and not _is_json(column.type):
            return None  # a cast of text that is not JSON would fail the query: Python reads the actor
        return self.actor_in(column, self._actor_keys())

    def _actor_keys(self) -> tuple[str, ...]:
        """The metadata keys the actor is read from, first to last: the mapping's, then the usual ones."""
        return tuple(dict.fromkeys((self.mapping.actor, *ACTOR_KEYS)))

    def actor_source(self) -> sa.ColumnElement[Any] | None:
        column = self._metadata_column
        if self._actor_column is not None or column is None or self.actor_expr() is None:
            return None
        if isinstance(column.type, (sa.LargeBinary, sa.types._Binary)):
            return None  # bytes, maybe compressed: not searched as text
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return None if isinstance(column.type, JSONB) else sa.cast(column, sa.Text)
        return column

    def _searchable(self, expr: sa.ColumnElement[Any], column: sa.Column[Any]) -> sa.ColumnElement[Any]:
        if self.dialect == "postgresql" and _is_binary(column.type):
            return sa.func.encode(column, "escape")  # bytes as text (a cast would show hex); never fails
        return expr

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        exprs = [self._searchable(self._data, self._data_column)]
        if self._metadata is not None and self._metadata_column is not None:
            exprs.append(self._searchable(self._metadata, self._metadata_column))
        if self._actor_column is not None:  # actor = "column:NAME": shown as metadata.actor
            exprs.append(self._searchable(self._actor_column, self._actor_column))
        return exprs

    # --- what ``info`` says ------------------------------------------------------------
    def column_readings(self) -> list[ColumnReading]:
        """Every mapped column with its reflected type and how it is read."""
        roles: list[tuple[str, sa.Column[Any] | None]] = [
            ("position", self.position), ("stream", self.stream), ("version", self.version_column), ("type", self.type),
            ("recorded_at", self.time_column), ("data", self._data_column), ("metadata", self._metadata_column),
            ("category", self._category_column),
        ]
        if self._actor_column is not None:
            roles.append(("actor", self._actor_column))
        elif self._metadata_column is not None:
            roles.append(("actor", self._metadata_column))
        readings = []
        for role, column in roles:
            if column is None:
                continue
            name = "rowid" if column.name == "rowid" and self.mapping.columns.get("position") != "rowid" else column.name
            readings.append(ColumnReading(
                role=role, column=f"{self.shown_table()}.{name}",
                sql_type="INTEGER (rowid)" if name == "rowid" and role == "position" else self.sql_type_name(column),
                reading=self.describe_reading(role, column),
            ))
        return readings

    def describe_reading(self, role: str, column: sa.ColumnElement[Any]) -> str:
        kind = column.type
        if role == "position":
            if self.mapping.columns.get("position") is None and self.dialect == "sqlite":
                return "SQLite's rowid, the global order (the mapping names no position column)"
            return "integer, the global order"
        if role == "stream":
            if self._id_kind == "uuid":
                return "uuid shown as text (canonical lower-case; other spellings match no stream)"
            if self._id_kind == "binary":
                return "bytes: 16 shown as a UUID, others as UTF-8 text (0x-hex when not text)"
            return super().describe_reading(role, column)
        if role == "version":
            if isinstance(kind, sa.Integer):
                return "integer"
            if isinstance(kind, (sa.Numeric, sa.Float)):
                return "number; whole numbers are versions, others an event with a problem"
            return "text of digits read as an integer; other text an event with a problem"
        if role in ("type", "category"):
            return "text" if role == "type" else "text: the stream's category (NULL: the text before its first '-')"
        if role == "recorded_at":
            return self._describe_time()
        if role == "actor":
            if self._actor_column is not None:
                return "text (the mapping's actor column)"
            return ("the first of the metadata keys " + ", ".join(self._actor_keys()) + " that is not empty")
        assert isinstance(column, sa.Column), "payload readings are of mapped columns"
        if self.decimal_numbers:
            return (f"{self._describe_payload(role, column)}; a slice of an eventsourcing store: numbers with a "
                    "fraction or exponent as Decimals with the digits written (10.10 stays 10.10), as the library "
                    "decodes them")
        return self._describe_payload(role, column)

    def _describe_time(self) -> str:
        codec = self._time_codec
        column = self._stored_time_column()
        kind = column.type
        if self._scale is not None:
            unit = f"epoch {EPOCH_UNIT_NAMES[codec]}"
            precision = " (finer than microseconds: truncated)" if self._scale > 10**6 else ""
            if self._unit_source == "magnitude":
                return f"{unit}, assumed from magnitude{precision}"
            if self._unit_source == "no values":
                return f"{unit}, assumed (no values yet to tell the unit by)"
            return f"{unit}, declared in the mapping{precision}"
        if codec == "native":
            if getattr(kind, "timezone", False):
                return "timestamp with time zone"
            if self.dialect in ("mysql", "mariadb"):
                fsp = getattr(kind, "fsp", None)
                kept = f", {fsp} fractional digits kept" if fsp else ", whole seconds"
                return f"{self.sql_type_name(column).split('(')[0].lower()} read as UTC{kept}"
            return "timestamp read as UTC"
        declared = ", all in one form and zone (sorts as stored)" if self.time_sorts_as_stored() else ""
        if self.declared_form_broken:
            declared = ", declared in one form and zone but not all so: each row's instant computed"
        compared = "; time filters compare to the millisecond" if self.dialect == "sqlite" else ""
        return f"ISO-8601 text{declared}, without a zone read as UTC{compared}"

    def _describe_payload(self, role: str, column: sa.Column[Any]) -> str:
        kind = column.type
        if role == "data" and self.mapping.data_codec == "text":
            return "plain text, not decoded"
        if _is_json(kind):
            spelled = "jsonb" if self.sql_type_name(column).lower() == "jsonb" else "json"
            return f"{spelled}, read as its text (numbers kept as written)"
        if _is_binary(kind):
            return "bytes holding UTF-8 JSON (zlib-compressed read too)"
        if column.name in self._json_checked:
            return "JSON (MariaDB: LONGTEXT with a json_valid check), decoded as text"
        return "JSON text"

    def _json_checked_columns(self) -> set[str]:
        """Columns MariaDB declared ``JSON``: a LONGTEXT with a ``json_valid(column)`` check."""
        if self.dialect not in ("mysql", "mariadb"):
            return set()
        # column checks are not reflected by SQLAlchemy: MariaDB lists them in information_schema
        query = sa.text(
            "SELECT check_clause FROM information_schema.check_constraints"
            " WHERE constraint_schema = COALESCE(:schema, DATABASE()) AND table_name = :table")
        try:
            with self.engine.connect() as conn:
                clauses = [str(text).lower() for text in
                           conn.execute(query, {"schema": self.mapping.schema, "table": self.mapping.table}).scalars()]
        except sa.exc.SQLAlchemyError:  # MySQL's check_constraints has no table_name: its JSON is a type anyway
            return set()
        return {column.name for column in (self._data_column, self._metadata_column)
                if column is not None and f"json_valid(`{column.name.lower()}`)" in clauses}

    def notes(self, conn: sa.Connection) -> list[str]:
        notes = []
        inspector = sa.inspect(conn)
        stream_col, version_col = self.stream.name, self.version_column.name
        indexed = False
        for index in inspector.get_indexes(self.mapping.table, schema=self.mapping.schema):
            cols = index.get("column_names") or []
            if cols[:2] == [stream_col, version_col] or cols[:1] == [stream_col]:
                indexed = True
        pk = inspector.get_pk_constraint(self.mapping.table, schema=self.mapping.schema)
        if (pk.get("constrained_columns") or [])[:1] == [stream_col]:
            indexed = True
        for unique in inspector.get_unique_constraints(self.mapping.table, schema=self.mapping.schema):
            if (unique.get("column_names") or [])[:1] == [stream_col]:
                indexed = True
        if not indexed:
            notes.append(
                f"no index starts with {stream_col!r}: stream listing and stream reads scan the whole table"
            )
        if self._unit_source == "no values" and self._scale is not None:
            notes.append("the time column holds no number yet: read as epoch seconds until it does (reopen)")
        actor = None
        if self._actor_column is None and self._metadata_column is not None:
            actor = (self._metadata_column, self.mapping.actor)
        notes.extend(self.index_notes(conn, self.time_column, actor, inspector))
        text_time = self.iso_text_time()
        if self.declared_form_broken:
            notes.append(self.declared_form_broken)
        elif text_time is not None:
            notes.append(f"times are ISO text read row by row (no declared form): histograms compute every row's "
                         f"instant; if every time is written in one ISO form and zone, a mapping declaring "
                         f"time = \"iso\" counts them as ranges of an index on {text_time.name!r}")
        return notes
