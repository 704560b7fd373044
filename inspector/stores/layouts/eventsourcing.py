"""The Python ``eventsourcing`` library's tables (9.x) and eventsourcing-sqlalchemy's.

Tables: ``stored_events`` + ``stored_snapshots`` (SQLite; position = rowid) or
``<app>_events`` + ``<app>_snapshots`` (PostgreSQL; position = ``notification_id``);
eventsourcing-sqlalchemy uses the same names with an ``id`` column as the position.

Stream ids (``originator_id``) are read by the column's type as reflected from the schema
(on SQLite, as declared: its reflection turns ``BINARY(16)`` into NUMERIC):

* ``uuid`` (PostgreSQL default): shown as the canonical lowercase hyphenated UUID; any
  other spelling of it (``135BCE58-…``, braces, no hyphens) names the same stream
  (``stream_spelled``); a name that is no UUID cannot be a stream and is never sent to the server.
* ``BINARY(16)``/``BLOB``/``bytea`` (eventsourcing-sqlalchemy's ``UUIDType`` on SQLite
  and MySQL/MariaDB): 16 bytes shown as a hyphenated UUID, other lengths as lowercase hex.
* text on SQLite (``TEXT``, always) and PostgreSQL (``ORIGINATOR_ID_TYPE=text``, 9.4+):
  the library writes the raw string for str ids and ``uuid.hex`` for UUID ids (SQLite's
  default; also what a text column on PostgreSQL receives for a UUID id) into the same
  column, so the rule looks at each stored value. A value of exactly 32 lowercase hex
  digits is shown as the hyphenated UUID, unless that hyphenated spelling is itself stored
  as an id: then the two are two streams and the hex one is shown as stored. Every other
  value (``ticket-A17``, a UUID written as text) is shown exactly as stored. Back the other
  way, a hyphenated name is the stored hyphenated value when there is one, else its hex;
  a 32-hex name is a stream only beside its hyphenated twin. Every shown name thus maps
  back to exactly one stored value, and no two stored values share a shown name.
* text on MySQL/MariaDB (the library writes none; a table made by hand) and any other
  type: shown as stored.

``state`` is JSON made by the library's JSONTranscoder, maybe zlib-compressed, maybe
AES-GCM encrypted (then undecodable without the key, and reported as such). The event
time lives inside ``state`` (``timestamp``), not in a column.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable, Sequence

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.engine import Engine, Row

from inspector.core.decoding import (MAX_NESTING, NOT_PLAIN, decode_json, json_value,
                                     untranscode)
from inspector.core.events import Event, aggregate_of_topic, category_named, event_name_of_topic, parse_time
from inspector.core.json_pieces import PIECEWISE_ABOVE
from inspector.core.matching import StreamPattern
from inspector.stores.base import ColumnReading, Snapshot, StoredRecord, escape_glob, escape_like, sqlite_glob
from inspector.stores.connect import UTF8_FUNCTION, for_one_statement
from inspector.stores.layouts.base import LeftOutPayload, SqlLayout, Utf8mb4, look_in, rowid_column
from inspector.stores.lazy import SIZE_LABEL

#: What ``uuid.UUID.hex`` writes: 32 lowercase hex digits.
_UUID_HEX = re.compile(r"^[0-9a-f]{32}$")
_EVEN_HEX = re.compile(r"^(?:[0-9a-f]{2})+$")
_REPROBE_ROWS = 1000  # event rows of one uuid.hex id shown before its twin is probed again
_SHOWN_MEMO = 4096  # uuid.hex ids remembered at most
_TIME_MARKER = b'"timestamp":{"_type_":"datetime_iso","_data_":"'
#: the key ``timestamp`` anywhere in a state (a key: JSON escapes the quotes of a string's text)
_TIME_KEY = b'"timestamp"'
_EVENT_COLUMNS = {"originator_id", "originator_version", "topic", "state"}
#: the nesting SQLite's ``json_valid`` follows (JSON_MAX_DEPTH)
_SQLITE_JSON_DEPTH = 2000

#: How ``originator_id`` is stored, from its reflected (SQLite: declared) type; see the module docstring.
ID_UUID = "uuid"  # a native uuid column
ID_BINARY = "binary"  # 16 raw bytes (BINARY(16), BLOB, bytea)
ID_TEXT = "text"  # text: uuid.hex or raw strings, told apart per value
ID_AS_STORED = "as stored"  # any other type: shown as its text

_ID_READINGS = {
    ID_UUID: "uuid, shown as the lowercase hyphenated UUID",
    ID_BINARY: "16 bytes shown as a hyphenated UUID (other lengths as hex)",
    ID_TEXT: "text: raw ids as stored (ORIGINATOR_ID_TYPE=text); 32 lowercase hex digits (uuid.hex)"
             " shown as a hyphenated UUID unless that spelling is stored too",
    ID_AS_STORED: "as stored, shown as text",  # MySQL/MariaDB text, or a type the library does not write
}


def canonical_uuid(name: str) -> uuid.UUID | None:
    """The UUID a name spells in canonical form (lowercase, hyphenated), else None."""
    if len(name) != 36:
        return None
    try:
        value = uuid.UUID(name)
    except ValueError:
        return None
    return value if str(value) == name else None


def _sqlite_declared_type(engine: Engine, table: str, column: str) -> str:
    """The type text a SQLite column was declared with (reflection keeps only its affinity:
    ``BINARY(16)`` comes back as NUMERIC)."""
    quoted = '"' + table.replace('"', '""') + '"'
    with engine.connect() as conn:
        for row in conn.exec_driver_sql(f"PRAGMA table_info({quoted})"):
            if row[1] == column:
                return str(row[2] or "")
    return ""


def _reflect(engine: Engine, metadata: sa.MetaData, name: str, schema: str | None = None) -> sa.Table:
    """The table (in ``schema``, None: the default one) with ``originator_id`` typed as SQLite
    declared it (bytes or text)."""
    if engine.dialect.name != "sqlite":
        return sa.Table(name, metadata, autoload_with=engine, schema=schema)
    table = sa.Table(name, metadata, autoload_with=engine)
    if "originator_id" in table.c:
        declared = _sqlite_declared_type(engine, name, "originator_id")
        column = table.c.originator_id
        column.type = sa.LargeBinary() if any(word in declared.upper() for word in ("BLOB", "BINARY")) else sa.Text()
        column.info["declared"] = declared
    return table


def id_kind(column: sa.Column[Any], dialect: str) -> str:
    """How a table's ``originator_id`` column stores ids: ``ID_UUID``, ``ID_BINARY``, ``ID_TEXT`` or ``ID_AS_STORED``."""
    kind = column.type
    if isinstance(kind, sa.Uuid):
        return ID_UUID
    if isinstance(kind, sa.types._Binary):
        return ID_BINARY
    if dialect in ("mysql", "mariadb"):
        # the library writes no MySQL/MariaDB text ids: such a column (made by hand) is shown as stored,
        # which keeps the byte-exact listing there (it pages on stored names) exact
        return ID_AS_STORED
    if isinstance(kind, sa.String) or dialect == "sqlite":
        return ID_TEXT
    return ID_AS_STORED


def _hyphenated(hex32: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """SQL for 32 hex digits written as ``8-4-4-4-12`` (``||``, or ``concat`` on MySQL)."""
    dash = sa.literal_column("'-'", sa.String())
    parts = [sa.func.substr(hex32, start, length, type_=sa.String())
             for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))]
    shown: sa.ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        shown = shown + dash + part
    return shown


_MISSING: Any = object()
#: the state's fields ``row_to_event`` reads (the time and three metadata keys)
_STATE_FIELDS = ("timestamp", "actor", "correlation_id", "causation_id")


def _state_of_fields(row: Row[Any]) -> str:
    """A capped row's stand-in state: the fields SQL read (their JSON text; absent ones left out)."""
    parts = []
    for key in _STATE_FIELDS:
        text = getattr(row, f"state_{key}")
        if text is not None:
            text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
            parts.append(f'"{key}": {text}')
    return "{" + ", ".join(parts) + "}"


def untranscoded_state(value: Any, _dict: Any = dict, _list: Any = list, _str: Any = str,
                       _decimal: Any = Decimal) -> Any:
    """``untranscode(value)`` for a state decoded for the caller alone, made in place: the
    library writes a state's custom values (times, decimals, UUIDs) as top-level fields
    ``{"_type_": name, "_data_": text}``, which become their text (a UUID's hex hyphenated,
    a decimal the ``Decimal`` of ``transcoded_decimal``) in the state's own dict, with no new
    dict built and no search of the text first (each cost more than the unwrapping itself).
    Other containers at the top level are untranscoded as ``untranscode`` does them; a state
    that is itself a wrapper is ``untranscode``'s. (``transcoded_decimal`` written out, and
    the pair's two keys read with ``get``: the replay's hot path, per field.)"""
    if type(value) is not _dict or (len(value) == 2 and "_type_" in value and "_data_" in value):
        return untranscode(value)
    for key, item in value.items():  # values replaced, keys kept: the iteration goes on
        kind = type(item)
        if kind is _dict:
            if len(item) == 2:
                data = item.get("_data_")
                name = item.get("_type_", _MISSING)
                if type(data) is _str and name is not _MISSING:
                    if name == "decimal_str":
                        try:
                            number = _decimal(data)
                        except ArithmeticError:  # decimal.InvalidOperation: the text as stored
                            pass
                        else:
                            if not number.is_snan():  # no comparison takes a signalling NaN: the text
                                data = number
                    elif name == "uuid_hex" and len(data) == 32:
                        data = f"{data[:8]}-{data[8:12]}-{data[12:16]}-{data[16:20]}-{data[20:]}"
                    value[key] = data
                    continue
            value[key] = untranscode(item)
        elif kind is list:
            value[key] = untranscode(item)
    return value


def plain_state(state: Any) -> Any:
    """A state as ``row_to_event`` decodes it, where it is plain JSON (bytes of a JSON object):
    parsed (``json_value``) and its transcoded values unwrapped in place (``untranscoded_state``);
    ``NOT_PLAIN`` for any other (compressed, encrypted, odd), which only the long way reads."""
    if type(state) is bytes and state[:1] == b"{":
        value = json_value(state)  # an object, or None when it is not JSON after all
        if value is not None:
            return untranscoded_state(value)  # a value decoded for this call alone
    return NOT_PLAIN


def plain_state_of_checked_page(state: Any, _loads: Any = orjson.loads,
                                _refused: type[Exception] = orjson.JSONDecodeError) -> Any:
    """``plain_state`` for a state of a page whose numbers were checked at once
    (``inspector.stores.lazy.lazy_events``): straight to orjson, unless it might nest too deep
    (``plain_in_checked_page``, written out) or orjson refuses it (then ``json_value`` as there)."""
    if type(state) is bytes and state[:1] == b"{":
        value = NOT_PLAIN
        size = len(state)
        if size <= MAX_NESTING or (size <= PIECEWISE_ABOVE
                                   and state.count(b"[") + state.count(b"{") <= MAX_NESTING):
            try:
                value = _loads(state)
            except _refused:  # NaN, Infinity, 1e400, not JSON, not UTF-8: json_value says which
                pass
        if value is NOT_PLAIN:
            value = json_value(state)  # an object, or None when it is not JSON after all
        if value is not None:
            return untranscoded_state(value)
    return NOT_PLAIN


class BytesPosition(FunctionElement[int]):
    """PostgreSQL ``position(needle IN haystack)`` on bytea: where the needle starts (1-based), 0 if absent."""

    type = sa.Integer()
    name = "bytes_position"
    inherit_cache = True


@compiles(BytesPosition)
def _compile_bytes_position(element: BytesPosition, compiler: Any, **kw: Any) -> str:
    needle, haystack = list(element.clauses)
    return f"position({compiler.process(needle, **kw)} IN {compiler.process(haystack, **kw)})"


class EventsourcingLayout(SqlLayout):
    name = "eventsourcing"

    def __init__(self, engine: Engine, events: sa.Table, snapshots: sa.Table | None) -> None:
        super().__init__(engine)
        self.table = events
        self.snapshot_table = snapshots
        c = events.c
        self.stream = c.originator_id
        self.version = c.originator_version
        self.type = c.topic
        self._state = c.state
        if "notification_id" in c:
            self.position = c.notification_id
        elif "id" in c:
            self.position = c.id
        else:
            self.position = rowid_column(events)
        self.stream_index = f"the primary key of {events.name} (originator_id, originator_version)"
        self.id_kind = id_kind(c.originator_id, self.dialect)
        self._probe: sa.Select | None = None  # built on first use by ``_stored``
        self._apart: sa.TextClause | None = None  # built on first use by ``_apart_statement``
        self._strict_utf8: bool | None = None  # SQLite: whether the connections have UTF8_FUNCTION
        # event rows of text ids: stored uuid.hex -> (shown name, rows left before it is probed again)
        self._shown: dict[str, tuple[str, int]] = {}
        #: ``snapshot_records_query``'s statements by form, built on first use
        self._snapshot_statements: dict[tuple[bool, bool, bool], sa.Select] = {}
        self.snapshot_id_kind = (
            None if snapshots is None or "originator_id" not in snapshots.c
            else id_kind(snapshots.c.originator_id, self.dialect))
        # The time lives inside ``state``: read it with SQL where the state is plain JSON;
        # compressed or encrypted rows (``unreadable_clause``) are judged after decoding.
        self.time = None
        # The transcoded timestamp is read by comparing bytes, on every engine: it never fails,
        # whatever the bytes (a JSON function would refuse the NaN/Infinity tokens the library's
        # transcoder writes, and take such events out of time filters), and it is far cheaper than
        # a regular expression or a JSON parse per row. The library writes ``timestamp`` as the
        # state's first key (``{"timestamp":{"_type_":"datetime_iso","_data_":"...``): where the
        # state starts so and holds no other ``"timestamp"`` (a nested object's, a repeated key:
        # the decoder keeps the last), that is the top-level time; the few bytes after it are cut
        # at the closing quote, and the text is cast only by ``epoch_seconds``, which checks its
        # form first (a bad time is no time). Any other state holding ``"timestamp"`` is judged
        # after decoding, as compressed or encrypted states are (``unreadable_clause``).
        top = sa.literal(b"{" + _TIME_MARKER, sa.LargeBinary)
        key = sa.literal(_TIME_KEY, sa.LargeBinary)
        start = len(_TIME_MARKER) + 2  # where the time text starts in such a state (1-based)
        after: sa.ColumnElement[Any]
        head: sa.ColumnElement[Any]
        time: sa.ColumnElement[Any]
        state = self._state
        #: the state's time is its first key, the only ``"timestamp"`` in it (the engines below)
        self._top_time: sa.ColumnElement[bool] = sa.false()
        self._time_key_anywhere: sa.ColumnElement[bool] | None = None
        #: the bytes after the marker (NULL where the state is not read by SQL)
        self._time_head: sa.ColumnElement[Any] | None = None
        if self.dialect == "sqlite":
            self._top_time = sa.and_(sa.cast(sa.func.substr(state, 1, start - 1), sa.LargeBinary) == top,
                                     sa.func.instr(sa.func.substr(state, start), key) == 0)
            self._time_key_anywhere = sa.func.instr(state, key) > 0
            head = sa.cast(sa.func.substr(state, start, 40), sa.Text)
            after = sa.cast(sa.func.substr(state, start, 64), sa.Text)
            time = sa.func.substr(after, 1, sa.func.instr(after, '"') - 1)
        elif self.dialect == "postgresql":
            self._top_time = sa.and_(sa.func.substring(state, 1, start - 1) == top,
                                     BytesPosition(key, sa.func.substring(state, start)) == 0)
            self._time_key_anywhere = BytesPosition(key, state) > 0
            head = sa.func.encode(sa.func.substring(state, start, 40), "escape")
            time = sa.func.split_part(sa.func.encode(sa.func.substring(state, start, 64), "escape"), '"', 1)
        elif self.dialect in ("mysql", "mariadb"):
            self._top_time = sa.and_(sa.cast(sa.func.substring(state, 1, start - 1), sa.LargeBinary) == top,
                                     sa.func.locate(key, state, start) == 0)
            self._time_key_anywhere = sa.func.locate(key, state) > 0
            head = Utf8mb4(sa.func.substring(state, start, 40))
            time = Utf8mb4(sa.func.substring_index(sa.func.substring(state, start, 64), '"', 1))
        if self._time_key_anywhere is not None:
            self._time_head = sa.case((self._top_time, head), else_=None)
            self.time = sa.case((self._top_time, time), else_=None)
        self.columns = [
            self.position.label("position"),
            self.stream.label("stream"),
            self.version.label("version"),
            self.type.label("type"),
            self._state.label("state"),
        ]
        #: where ``state`` is in a fold row (``select(*self.columns)``): read by place, not by name;
        #: the last column (``lazy_data`` reads it so in a short fold's rows too, ``fold_fields``)
        self._state_place = len(self.columns) - 1
        self.checked_pages_at = self._state_place  # ``lazy_data`` reads checked pages' states at once
        assert [column.name for column in self.columns][:4] == ["position", "stream", "version", "type"]

    def time_text_sorts_within_a_zone(self) -> bool:
        """The library writes ``timestamp`` with ``datetime.isoformat()`` (eventsourcing 9.x's
        ``datetime_iso`` transcoding), in the zone of its ``TZINFO`` (UTC unless configured)."""
        return True

    def time_text_parts(self) -> tuple[sa.ColumnElement[Any], Callable[[sa.ColumnElement[Any]], Any]]:
        """The search for the marker in ``state`` (the costly step) apart from the cut at the
        closing quote, which a subquery's outer level then does on at most 40 characters."""
        head = self._time_head
        if head is None:
            return super().time_text_parts()
        if self.dialect == "sqlite":
            return head, lambda text: sa.func.substr(text, 1, sa.func.instr(text, '"') - 1)
        if self.dialect == "postgresql":
            return head, lambda text: sa.func.split_part(text, '"', 1)
        return head, lambda text: sa.func.substring_index(text, '"', 1)

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "EventsourcingLayout | None":
        """``stored_events`` or the first ``<app>_events`` (by name) with the library's columns, and
        its ``_snapshots`` beside it, in the default schema; on PostgreSQL, failing that, in the
        first other schema (by name) holding one: the library's ``POSTGRES_SCHEMA`` puts its
        tables there (``<schema>.<app>_events``), and the table is then read schema-qualified."""
        for schema, tables in look_in(engine, inspector, cls):
            if tables:
                metadata = sa.MetaData()
                events = _reflect(engine, metadata, tables[0], schema)
                snap_name = tables[0][: -len("_events")] + "_snapshots"
                snapshots = (_reflect(engine, metadata, snap_name, schema)
                             if snap_name in inspector.get_table_names(schema=schema) else None)
                return cls(engine, events, snapshots)
        return None

    @classmethod
    def search_order(cls, default: str | None, schemas: Sequence[str]) -> list[str | None]:
        """The session's own schema, then the others by name (the library's ``POSTGRES_SCHEMA``)."""
        return [default, *schemas]

    @classmethod
    def tables_in(cls, engine: Engine, inspector: sa.Inspector, schema: str | None) -> list[str]:
        """``stored_events``, then each ``<app>_events`` by name, with the library's columns."""
        names = inspector.get_table_names(schema=schema)
        candidates = [n for n in names if n == "stored_events"] + sorted(
            n for n in names if n.endswith("_events") and n != "stored_events")
        return [name for name in candidates
                if _EVENT_COLUMNS <= {col["name"] for col in inspector.get_columns(name, schema=schema)}]

    # --- ids ---------------------------------------------------------------------------
    def _same_id(self, column: sa.ColumnElement[Any], value: Any) -> sa.ColumnElement[bool]:
        """``column`` holds exactly ``value``: ``=`` (indexed) plus, where the collation is not
        exact (MySQL/MariaDB text), the same bytes."""
        clause = column == value
        if self.exact_text_streams():
            as_bytes = value.encode() if isinstance(value, str) else sa.cast(value, sa.LargeBinary())
            clause = sa.and_(clause, sa.cast(column, sa.LargeBinary) == as_bytes)
        return clause

    def _stored(self, value: str) -> bool:
        """True when some event row has exactly this ``originator_id`` (one primary-key probe).

        Stream listings ask this for each ``uuid.hex`` row, so SQLite probes through the
        driver (about 0.1 ms each) and servers through one statement built once.
        """
        if self.dialect == "sqlite":
            quoted = '"' + self.table.name.replace('"', '""') + '"'
            raw = self.engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute(f"SELECT 1 FROM {quoted} WHERE originator_id = ? LIMIT 1", (value,))
                found = cursor.fetchone() is not None
                cursor.close()
                return found
            finally:
                raw.close()
        if self._probe is None:
            value_param = sa.bindparam("value", type_=sa.Text())
            self._probe = (sa.select(sa.literal(1)).select_from(self.table)
                           .where(self._same_id(self.stream, value_param)).limit(1))
        with self.engine.connect() as conn:
            return conn.execute(self._probe, {"value": value}).first() is not None

    def stream_from_db(self, value: Any) -> str:
        """The shown name of a stored id (see the module docstring for each column type);
        a shown name given back is returned unchanged."""
        if value is None:
            return ""
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            raw = bytes(value)
            return str(uuid.UUID(bytes=raw)) if len(raw) == 16 else raw.hex()
        text = str(value)
        if self.id_kind == ID_TEXT and _UUID_HEX.match(text):
            shown = str(uuid.UUID(hex=text))
            return text if self._stored(shown) else shown
        return text

    def _event_stream(self, value: Any) -> str:
        """``stream_from_db`` for event rows, which repeat one id for a whole stream: a stored
        ``uuid.hex`` is probed for its twin once and then again after ``_REPROBE_ROWS`` rows,
        as often as a stream page (1000 rows) is queried again, so a twin written while a
        stream is read shows up no later than on the next page."""
        if self.id_kind != ID_TEXT or not isinstance(value, str) or not _UUID_HEX.match(value):
            return self.stream_from_db(value)
        memo = self._shown.get(value)
        if memo is not None and memo[1] > 0:
            self._shown[value] = (memo[0], memo[1] - 1)
            return memo[0]
        shown = self.stream_from_db(value)
        if len(self._shown) >= _SHOWN_MEMO:
            self._shown.clear()
        self._shown[value] = (shown, _REPROBE_ROWS - 1)
        return shown

    def stream_exists_possibly(self, stream: str) -> bool:
        kind = self.id_kind
        if kind == ID_UUID:
            return canonical_uuid(stream) is not None
        if kind == ID_BINARY:
            return canonical_uuid(stream) is not None or (len(stream) != 32 and bool(_EVEN_HEX.match(stream)))
        if kind == ID_TEXT and _UUID_HEX.match(stream):
            # a stored uuid.hex is shown hyphenated, and as stored only beside its hyphenated twin
            return self._stored(str(uuid.UUID(hex=stream)))
        return True

    def stream_spelled(self, stream: str) -> str:
        """As ``SqlLayout.stream_spelled``: on a uuid column, or 16 bytes (whose names are UUIDs or
        hex of other lengths), any spelling of a UUID is that id; on text, names are exact."""
        from inspector.stores.layouts.base import uuid_spelled

        return uuid_spelled(stream, "any" if self.id_kind in (ID_UUID, ID_BINARY) else None)

    def stream_to_db(self, stream: str) -> Any:
        """The stored ``originator_id`` for a shown name; None (matches no row) for a name
        the column cannot hold, so a caller that skips ``stream_exists_possibly`` reads nothing."""
        return self._to_db(self.id_kind, stream)

    def _to_db(self, kind: str, stream: str) -> Any:
        if kind == ID_AS_STORED:
            return stream
        found = canonical_uuid(stream)
        if kind == ID_UUID:
            return found
        if kind == ID_BINARY:
            if found is not None:
                return found.bytes
            return bytes.fromhex(stream) if len(stream) != 32 and _EVEN_HEX.match(stream) else None
        # ID_TEXT: a hyphenated name is the hyphenated text when that is stored, else the library's uuid.hex
        if found is not None and not self._stored(stream):
            return found.hex
        return stream

    def stream_is(self, stream: str) -> sa.ColumnElement[bool]:
        """The event rows of the stream shown as ``stream``; for a text column and a hyphenated
        name, which spelling is stored is decided inside the statement (``_text_key``), so a
        stream's query is one statement, not a probe and then the query."""
        value = self._key(self.id_kind, stream)
        return sa.false() if value is None else self._same_id(self.stream, value)

    def _key(self, kind: str, stream: str) -> Any:
        """The stored id for a shown name in a column of ``kind``: a value, or for a text column
        and a canonical UUID the SQL choice between its two spellings; None when the column
        cannot hold the name."""
        found = canonical_uuid(stream) if kind == ID_TEXT else None
        if found is None:
            return self._to_db(kind, stream)
        return self._text_key(sa.literal(stream, sa.Text()), sa.literal(found.hex, sa.Text()))

    def _text_key(self, hyphenated: sa.ColumnElement[Any], hexed: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """SQL: the hyphenated spelling of a UUID when some event row has it as its id, else its
        ``uuid.hex`` (what ``_to_db`` works out with a probe of its own): one primary-key probe
        the database runs once per statement."""
        spelled = self.table.alias("spelled")
        stored = (sa.select(sa.literal(1)).select_from(spelled)
                  .where(self._same_id(spelled.c.originator_id, hyphenated)).exists())
        return sa.case((stored, hyphenated), else_=hexed)

    def stream_in(self, streams: Sequence[str]) -> sa.ColumnElement[bool]:
        values = [value for value in map(self.stream_to_db, streams) if value is not None]
        if not values:
            return sa.false()
        clause: sa.ColumnElement[bool] = self.stream.in_(values)
        if self.exact_text_streams():
            clause = sa.and_(clause, sa.cast(self.stream, sa.LargeBinary).in_([v.encode() for v in values]))
        return clause

    def _uuid_hex(self, stored: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        """SQL: the stored text is 32 lowercase hex digits (what ``uuid.hex`` writes)."""
        if self.dialect == "sqlite":
            return sa.and_(sa.func.typeof(stored) == "text", sa.func.length(stored) == 32,
                           stored.op("NOT GLOB", is_comparison=True)("*[^0-9a-f]*"))
        if self.dialect in ("mysql", "mariadb"):
            return sa.collate(Utf8mb4(stored), "utf8mb4_bin").regexp_match("^[0-9a-f]{32}$")
        return sa.cast(stored, sa.Text).regexp_match("^[0-9a-f]{32}$")

    def _twin_stored(self, hyphenated: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        """SQL: some event row has the hyphenated spelling as its id (a primary-key probe per row)."""
        twin = self.table.alias("twin")
        return (sa.select(sa.literal(1)).select_from(twin)
                .where(self._same_id(twin.c.originator_id, hyphenated)).correlate_except(twin).exists())

    def shown_stream(self) -> sa.ColumnElement[Any]:
        """The shown name in SQL, row by row: what ``stream_from_db`` gives for the stored id."""
        stored = self.stream
        kind = self.id_kind
        if kind == ID_BINARY:
            hexed = (sa.func.encode(stored, "hex", type_=sa.String()) if self.dialect == "postgresql"
                     else sa.func.lower(sa.func.hex(stored, type_=sa.String()), type_=sa.String()))
            return sa.case((sa.func.length(stored) == 16, _hyphenated(hexed)), else_=hexed)
        if kind != ID_TEXT:
            return sa.cast(stored, sa.Text)
        hyphenated = _hyphenated(stored)
        return sa.case((sa.and_(self._uuid_hex(stored), sa.not_(self._twin_stored(hyphenated))), hyphenated),
                       else_=stored)

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        return aggregate_of_topic(first_type)

    def match_clause(self, pattern: str) -> sa.ColumnElement[bool]:
        """The stream-pattern rule (``name_matches``) applied to the shown name, not to the stored id.

        For text ids the hyphenated spelling is built (string concatenation is slow on a big
        table) only for ``uuid.hex`` rows that pass a cheaper test first: a name that matches
        the pattern still matches it with every ``-`` taken out of both and ``?`` read as ``*``,
        so that loose pattern on the stored hex keeps every row that can match. The twin probe
        runs only where the two spellings disagree about the pattern.
        """
        if self.id_kind != ID_TEXT:
            return self.name_matches(self.shown_stream(), pattern)
        stored = self.stream
        hyphenated = _hyphenated(stored)
        loose = pattern.replace("-", "")
        if StreamPattern(pattern).is_glob:
            loose = loose.replace("?", "*")
        def matches(text: sa.ColumnElement[Any], glob: str) -> sa.ColumnElement[bool]:
            return sa.type_coerce(self.name_matches(text, glob), sa.Boolean())  # SQLite's GLOB is typed as text

        can_match = matches(stored, loose) if loose else sa.true()
        as_stored = matches(stored, pattern)
        as_hyphenated = sa.and_(can_match, matches(hyphenated, pattern))
        twin = self._twin_stored(hyphenated)
        uuid_hex = self._uuid_hex(stored)
        return sa.or_(
            sa.and_(sa.not_(uuid_hex), as_stored),
            sa.and_(uuid_hex, as_stored, sa.or_(as_hyphenated, twin)),
            sa.and_(uuid_hex, as_hyphenated, sa.not_(as_stored), sa.not_(twin)),
        )

    def unreadable_clause(self) -> sa.ColumnElement[bool] | None:
        """States that do not start with ``{`` (zlib-compressed, 0x78, or encrypted), and states
        whose time SQL does not read exactly: holding ``"timestamp"`` elsewhere than as the
        library's first key, or more than once (``time`` is NULL for them)."""
        # the first byte compared as bytes (half the cost of spelling it in hex, on every row)
        first: sa.ColumnElement[Any]
        if self.dialect == "postgresql":
            first = sa.func.substring(self._state, 1, 1)
        else:
            first = sa.cast(sa.func.substr(self._state, 1, 1), sa.LargeBinary)
        clauses = [self._state.is_(None), first != sa.literal(b"{", sa.LargeBinary)]
        if self._time_key_anywhere is not None:
            clauses.append(sa.and_(sa.not_(self._top_time), self._time_key_anywhere))
        return sa.or_(*clauses)

    def timed_apart(self) -> sa.ColumnElement[bool] | None:
        """Plain JSON states holding ``"timestamp"`` that SQL does not time (``unreadable_clause``)."""
        if self._time_key_anywhere is None:
            return None
        first: sa.ColumnElement[Any]
        if self.dialect == "postgresql":
            first = sa.func.substring(self._state, 1, 1)
        else:
            first = sa.cast(sa.func.substr(self._state, 1, 1), sa.LargeBinary)
        return sa.and_(first == sa.literal(b"{", sa.LargeBinary), sa.not_(self._top_time), self._time_key_anywhere)

    def type_from_db(self, value: Any) -> str:
        return event_name_of_topic(value)

    def type_clause(self, types):  # noqa: ANN001 - same as the base
        if self.dialect == "sqlite":  # SQLite's LIKE ignores ASCII case: 'noted' is not 'Noted'
            return sa.or_(*[sqlite_glob(self.type, f"*:{escape_glob(name)}") for name in types])
        return sa.or_(*[self.type.like(f"%:{escape_like(name)}", escape="\\") for name in types])

    def category_clause(self, category: str) -> sa.ColumnElement[bool] | None:
        return None  # the category is the aggregate class in the topic: filtered per page

    def category_having(self, category: str) -> sa.ColumnElement[bool] | None:
        """Streams whose first topic names the aggregate: ``…Wallet.Event`` or a bare ``…Wallet``.

        A superset (``MyWallet.X`` also matches ``%Wallet.%``): ``category_of`` decides.
        None (no narrowing) for ``(none)``: the topics naming no aggregate take no one pattern.
        """
        hint, named = self.category_hint(), category_named(category)  # ``category`` as ``category_key`` spells it
        if hint is None or named is None:
            return None
        name = escape_like(named)
        return sa.or_(hint.like(f"%{name}.%", escape="\\"), hint.like(f"%{name}", escape="\\"))

    # --- decoding ----------------------------------------------------------------------
    def decode_state(self, state: Any) -> tuple[Any, str | None]:
        decoded = decode_json(state, allow_null=False)
        if decoded.problem:
            if "not UTF-8" in decoded.problem or "binary" in decoded.problem:
                return None, f"{decoded.problem}; encrypted state (CIPHER_KEY) cannot be read by the inspector"
            return None, decoded.problem
        return untranscode(decoded.value), None

    # lazy_data reads the row's last column (by place, whole or short row), lazy_type is the base's
    # (by name): so a fold for the generic projector may leave the topic out too (``fold_pages``,
    # ``reads_type=False``), read for the events whose type is asked. A plain state is decoded
    # without either (``fold_payload``), so rows are made named only for the odd ones.
    lazy_reads_by_place = False

    def fold_fields(self) -> tuple[str, ...]:
        """Position, version, topic and state: ``lazy_data`` reads the state alone (the last
        column of a fold row, whole or short), ``type_from_db`` the topic. The stored id is left
        out (a ``uuid.UUID`` per row on PostgreSQL, a 32-character text on SQLite): it is the
        same for every row of the stream (``fold_stream_fields``)."""
        return ("position", "version", "type", "state")

    def fold_stream_fields(self) -> tuple[str, ...]:
        """``stream``: a fold's rows are picked by one stored id (``stream_is``), whose shown name
        is the name asked for, and ``row_to_event`` gives a shown name back unchanged
        (``stream_from_db``), as the snapshot statement's rows say it too."""
        return ("stream",)

    def fold_payload(self) -> tuple[str, Callable[[Any], Any], Callable[[Any], Any]]:
        """The state, decoded alone (``plain_state``; ``plain_state_of_checked_page`` for a page
        whose numbers were checked at once): a fold decodes each state with no event made."""
        return "state", plain_state, plain_state_of_checked_page

    def lazy_data(self, row: Row[Any], event: Any) -> Any:
        """The state alone, as ``row_to_event`` decodes it: a plain JSON state as ``fold_payload``
        decodes it, anything else (compressed, encrypted, odd) the long way."""
        state = row[-1]  # the last column of a fold row, whole or short (``fold_fields``)
        value = plain_state_of_checked_page(state) if event._checked_page else plain_state(state)
        return event.event().data if value is NOT_PLAIN else value  # row_to_event says why

    def stored_record(self, row: Row[Any]) -> StoredRecord:
        """The row as stored (native replay's hot path): read by place, not by name (``row._fields``
        builds a tuple on every call, three times per event in the generic ``stored_record``)."""
        values: Any = row  # position, stream, version, type, state (checked in ``__init__``)
        state, kind = values[self._state_place], values[3]
        return StoredRecord(int(values[0]), int(values[2]), None if kind is None else str(kind),
                            bytes(state) if type(state) is memoryview else state)

    def row_time(self, row: Row[Any]) -> datetime | None:
        """``row_to_event``'s time alone: the decoded state's ``timestamp``."""
        data, _problem = self.decode_state(row.state)
        return parse_time(data.get("timestamp")) if isinstance(data, dict) else None

    def row_to_event(self, row: Row[Any]) -> Event:
        data, problem = self.decode_state(row.state)
        recorded_at = None
        metadata: dict[str, Any] = {"topic": row.type}
        if isinstance(data, dict):
            recorded_at = parse_time(data.get("timestamp"))
            for key in ("actor", "correlation_id", "causation_id"):
                if key in data:
                    metadata[key] = data[key]
        return Event(
            position=int(row.position),
            stream=self._event_stream(row.stream),
            version=int(row.version) if row.version is not None else None,
            type=event_name_of_topic(row.type),
            recorded_at=recorded_at,
            data=data,
            metadata=metadata,
            raw=bytes(row.state) if problem and row.state is not None and not isinstance(row.state, str) else (row.state if problem else None),
            problem=problem,
        )

    def payload_left_out(self) -> LeftOutPayload | None:
        """A capped read leaves out a big state whose fields ``row_to_event`` reads
        (``timestamp``, ``actor``, ``correlation_id``, ``causation_id``, top-level keys) the
        server reads alone, as their JSON text: they give the same time and metadata as the
        whole state. Only a state the whole read decodes as a JSON object with no problem is
        left out; any other (compressed, encrypted, not UTF-8, NaN or Infinity, malformed,
        nested deeper than the decoder reads, the library's transcoded wrapper at top level)
        is read whole, however big.

        SQLite 3.38+ and MySQL/MariaDB judge it in the page's own statement (``json_valid``),
        SQLite with the tests of ``_sqlite_readable`` (where SQLite's JSON functions read a
        state otherwise than the decoder: bytes that are not UTF-8, 201 to 2000 levels of
        nesting, a repeated or escaped field key, the transcoded wrapper at top level), and
        only on the inspector's own connections (``UTF8_FUNCTION``; elsewhere None).
        PostgreSQL has no JSON test that cannot fail (``pg_input_is_valid`` is 16+) and its
        casts fail the whole statement on one bad state, so the page only picks the big states
        that start with ``{`` and ``_state_read_apart`` asks for each one's fields in a
        statement of its own, which on any refusal reads that row whole instead."""
        import sqlite3

        keys = _STATE_FIELDS
        fields: list[sa.ColumnElement[Any]]
        if self.dialect == "sqlite" and sqlite3.sqlite_version_info >= (3, 38):
            if not self._has_strict_utf8():
                return None  # an engine not opened by the inspector: capped pages read every state whole
            readable, inside, padded = self._sqlite_readable()
            fields = [padded.op("->")(sa.literal(f"{inside}.{key}", sa.Text)) for key in keys]
            labelled = tuple(field.label(f"state_{key}") for field, key in zip(fields, keys))
            return LeftOutPayload("state", labelled, readable, _state_of_fields,
                                  fields_safe=sa.func.json_valid(padded) == 1)
        elif self.dialect in ("mysql", "mariadb"):
            # json_valid refuses more than 32 levels on MariaDB, 100 on MySQL (below MAX_NESTING);
            # MariaDB's json_extract finds a key as written and its first value, so a state with
            # a repeated top-level key (json_keys lists each once), a key spelt with an escape,
            # or a ``_type_`` or ``_data_`` key (``untranscode`` unwraps that pair) is read whole
            listed = sa.func.json_keys(self._state)
            # UTF-8 as the decoder takes it: converting changes no byte (bad bytes become '?')
            # and, on MariaDB, which lets them by, no UTF-16 surrogate (ED A0-BF); MySQL's REGEXP
            # refuses binary strings, so there only ASCII is read apart
            same = sa.cast(Utf8mb4(self._state), sa.LargeBinary) == self._state
            utf8 = (sa.and_(same, self._state.op("NOT REGEXP", is_comparison=True)(
                        sa.literal(r"\xED[\xA0-\xBF]", sa.Text)))
                    if getattr(self.engine.dialect, "is_mariadb", False)
                    else sa.and_(same, sa.func.char_length(Utf8mb4(self._state)) == sa.func.length(self._state)))
            readable = sa.and_(sa.func.json_valid(self._state) == 1, sa.func.json_type(self._state) == "OBJECT", utf8,
                               sa.func.json_length(self._state) == sa.func.json_length(listed),
                               sa.func.locate("\\", listed) == 0,
                               sa.func.json_contains_path(self._state, "one", "$._type_", "$._data_") == 0)
            fields = [Utf8mb4(sa.func.json_extract(self._state, f"$.{key}")) for key in keys]
        elif self.dialect == "postgresql":
            # the first byte alone (a slice: the big state is not read): zlib (0x78) and most
            # encrypted states are read whole in the page; the rest are judged one by one
            starts = sa.func.substring(self._state, 1, 1) == sa.literal(b"{", sa.LargeBinary)
            return LeftOutPayload("state", (), starts, self._state_read_apart)
        else:
            return None
        labelled = tuple(field.label(f"state_{key}") for field, key in zip(fields, keys))
        return LeftOutPayload("state", labelled, readable, _state_of_fields)

    def _has_strict_utf8(self) -> bool:
        """Whether this SQLite engine's connections have ``UTF8_FUNCTION`` (the inspector's own
        read-only connections do); asked once."""
        known = self._strict_utf8
        if known is None:
            try:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql(f"SELECT {UTF8_FUNCTION}(x'7b7d')").first()
                known = True
            except sa.exc.OperationalError:
                known = False
            self._strict_utf8 = known
        return known

    def _sqlite_readable(self) -> tuple[sa.ColumnElement[bool], str, sa.ColumnElement[Any]]:
        """The big states whose fields SQLite's ``->`` reads exactly as ``row_to_event`` reads them
        from the whole state (``payload_left_out``), cheapest and surest tests first:

        * strict UTF-8 (``UTF8_FUNCTION``: SQLite takes any bytes as text);
        * valid JSON nested at most ``MAX_NESTING`` levels: ``json_valid`` follows 2000 levels,
          so the state is asked about inside ``2000 - MAX_NESTING`` arrays of its own (which
          also makes a state with a NUL byte invalid: SQLite's text ends there, before the
          closing brackets);
        * a JSON object with no top-level ``_type_`` key (``untranscode`` unwraps a
          ``_type_``/``_data_`` pair; a ``_type_`` spelt with escapes is the next test's);
        * no ``\\u`` escape that could spell a character of those keys or of the fields'
          (``\\u005x`` to ``\\u007x``): ``->`` finds a key only as written;
        * no field key twice at the top level: ``->`` takes the first, the decoder the last.
          The key's text is looked for twice (``GLOB``, a byte search); only a state holding it
          twice is asked whether it still has that key once the first is removed
          (``json_remove``).

        A state failing any test is read whole. Every test but ``json_valid`` runs after the
        state was found valid (``->`` and ``json_type`` fail the statement on malformed JSON).

        Also the path of the state inside the extra arrays, and the state in them: asked about
        there, the state is parsed once per row (SQLite keeps a statement's parses of the same
        text), not once for the depth and once for the fields."""
        state = self._state
        data = sa.cast(state, sa.LargeBinary)
        text = sa.cast(state, sa.Text)
        levels = _SQLITE_JSON_DEPTH - MAX_NESTING
        padded = sa.literal("[" * levels, sa.Text).op("||")(text).op("||")(sa.literal("]" * levels, sa.Text))
        inside = "$" + "[0]" * levels


        def holds(*texts: str) -> sa.ColumnElement[bool]:
            # GLOB (no wildcard in these texts but a class) skips to each text's first byte at C speed
            return text.op("GLOB", is_comparison=True)(sa.literal("*" + "*".join(texts) + "*", sa.Text))

        def once(key: str) -> sa.ColumnElement[bool]:
            removed = sa.func.json_remove(padded, f"{inside}.{key}")
            return sa.or_(sa.not_(holds(f'"{key}"', f'"{key}"')),
                          sa.func.json_type(removed, f"{inside}.{key}").is_(None))

        escaped = sa.not_(holds("\\u00[567]"))  # a GLOB class: \u005x, \u006x or \u007x
        readable = sa.and_(
            sa.func.json_valid(padded) == 1,
            sa.func.json_type(padded, inside) == "object",
            sa.func.json_type(padded, f"{inside}._type_").is_(None),
            escaped,
            getattr(sa.func, UTF8_FUNCTION)(data) == 1,
            *(once(key) for key in _STATE_FIELDS))
        return readable, inside, padded

    def _state_read_apart(self, row: Row[Any]) -> str | Event:
        """For a big state of a PostgreSQL capped page (``payload_left_out``): a stand-in state
        holding the fields ``row_to_event`` reads, as the server read them from the whole state
        in a statement of its own (``_apart_statement``); or the row's ``Event`` read whole
        where the server refuses the state (not UTF-8, not a JSON object, NaN, ``\\u0000``,
        a number past ``numeric``, ...), finds it nested deeper than ``MAX_NESTING`` levels or
        holding the library's transcoded wrapper at top level (``untranscode`` unwraps it), or
        the row changed since the page was read. A refusal fails that statement only (it runs
        in autocommit: no transaction is spoilt); a lost connection is raised."""
        found = None
        try:
            with self.engine.connect() as conn:
                found = for_one_statement(conn).execute(self._apart_statement(), {"position": row.position}).first()
        except sa.exc.DBAPIError as exc:
            if exc.connection_invalidated:
                raise
        if (found is not None and found.size == getattr(row, SIZE_LABEL) and found.shallow
                and not (found.wrapper and found.top_keys == 2)):
            texts = [(key, getattr(found, f"state_{key}")) for key in _STATE_FIELDS]
            return "{" + ", ".join(f'"{key}": {text}' for key, text in texts if text is not None) + "}"
        with self.engine.connect() as conn:
            whole = for_one_statement(conn).execute(
                sa.select(*self.columns).where(self.position == row.position, *self.scope())).first()
        return self.row_to_event(whole if whole is not None else row)

    def _apart_statement(self) -> sa.TextClause:
        """``_state_read_apart``'s statement (built once; ``:position`` the row's): the state's
        size; whether it nests at most ``MAX_NESTING`` levels (``shallow``: no item
        ``MAX_NESTING`` levels below the top, so no container at the decoder's level
        ``MAX_NESTING + 1``); its number of distinct top-level keys and whether ``_type_`` and
        ``_data_`` are among them (``untranscode`` unwraps such a pair); and each field
        ``row_to_event`` reads as JSON text (``state_<key>``, NULL where absent; the last of a
        repeated key, as in the decoder).

        One parse (``jsonb``) answers it all. ``jsonb`` writes a value normalised (numbers by
        their value, object keys sorted), so a field's text is taken from it only where that
        cannot change what the decoder gives: a string, null, true or false, or the library's
        transcoded ``{"_type_", "_data_": string}`` (which ``untranscode`` turns into its
        string); any other field is cut from the text as written (``json``, a second parse).
        Fails, as a statement, on a state the server does not read as a JSON object."""
        if self._apart is None:
            quote = self.engine.dialect.identifier_preparer
            fields = []
            for key in _STATE_FIELDS:
                value = f"b.jb -> '{key}'"
                fields.append(f"""
                    CASE WHEN NOT b.jb ? '{key}' THEN NULL
                         WHEN jsonb_typeof({value}) IN ('string', 'null', 'boolean') THEN ({value})::text
                         WHEN jsonb_typeof({value}) = 'object' THEN CASE
                             WHEN ({value}) - '_type_' - '_data_' = '{{}}'::jsonb AND ({value}) ? '_type_'
                                  AND jsonb_typeof({value} -> '_data_') = 'string' THEN ({value})::text
                             ELSE (c.doc::json -> '{key}')::text END
                         ELSE (c.doc::json -> '{key}')::text END AS state_{key}""")
            self._apart = sa.text(f"""
                SELECT c.size, j.shallow, j.top_keys, j.wrapper, {", ".join(fields)}
                FROM {quote.format_table(self.table)} AS t
                CROSS JOIN LATERAL (SELECT octet_length(t.state) AS size,
                                           convert_from(t.state, 'UTF8') AS doc OFFSET 0) AS c
                CROSS JOIN LATERAL (SELECT c.doc::jsonb AS jb OFFSET 0) AS b
                CROSS JOIN LATERAL (
                    SELECT NOT jsonb_path_exists(b.jb, 'strict $.**{{{MAX_NESTING}}}') AS shallow,
                           (SELECT count(*) FROM jsonb_object_keys(b.jb)) AS top_keys,
                           b.jb ? '_type_' AND b.jb ? '_data_' AS wrapper
                    OFFSET 0) AS j
                WHERE t.{quote.quote(self.position.name)} = :position""")
        return self._apart

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        if self.dialect == "postgresql":
            return [sa.func.encode(self._state, "escape")]
        return [sa.cast(self._state, sa.Text)]

    # --- snapshots ---------------------------------------------------------------------
    def snapshot_records_query(self, stream: str, upto: int | None) -> tuple[sa.Select, dict[str, Any]] | None:
        """The newest of the library's ``*_snapshots`` rows of the stream at or before ``upto``
        that the stream has an event at, beside that event: one statement (see ``SqlLayout.snapshot_records_query`` for
        the row's shape), built once per layout and form, with this stream's values as its parameters."""
        if self.snapshot_table is None or self.snapshot_id_kind is None or not self.stream_exists_possibly(stream):
            return None
        kind = self.snapshot_id_kind
        found = canonical_uuid(stream) if self.id_kind == ID_TEXT else None
        values: dict[str, Any] = {"es_name": stream, "es_upto": upto}
        if found is not None:  # the spelling is chosen in the statement (``_text_key``)
            values["es_hex"] = found.hex
            if kind != ID_TEXT:
                values["es_snapshot_key"] = self._to_db(kind, stream)
        else:
            values["es_event_key"] = self._to_db(self.id_kind, stream)
            values["es_snapshot_key"] = (values["es_event_key"] if kind in (self.id_kind, ID_TEXT)
                                         else self._to_db(kind, stream))
            if values["es_event_key"] is None:
                return None  # no row can hold the name
        if values.get("es_snapshot_key", "") is None:
            return None
        form = (found is not None, "es_snapshot_key" in values, upto is None)
        statement = self._snapshot_statements.get(form)
        if statement is None:
            statement = self._snapshot_statements[form] = self._snapshot_statement(*form)
        return statement, values

    def _snapshot_statement(self, spelled: bool, snapshot_key: bool, latest: bool) -> sa.Select:
        """``snapshot_records_query``'s statement with its values as bound parameters: ``es_name``
        (the stream's shown name), ``es_hex`` (its ``uuid.hex`` where the spelling is chosen in
        SQL) or ``es_event_key``, ``es_snapshot_key`` (where the snapshot table's id is given
        apart) and ``es_upto`` (unless ``latest``)."""
        table = self.snapshot_table
        assert table is not None
        s = table.c
        name = sa.bindparam("es_name", type_=sa.Text())
        event_key: Any
        if spelled:
            event_key = self._text_key(name, sa.bindparam("es_hex", type_=sa.Text()))
        else:
            event_key = sa.bindparam("es_event_key", type_=self.stream.type)
        key = sa.bindparam("es_snapshot_key", type_=s.originator_id.type) if snapshot_key else event_key
        # the newest snapshot whose event the stream has (the snapshot index walked newest first,
        # an event probe each, nearly always one), then that event by primary key
        present = (sa.select(sa.literal(1)).select_from(self.table)
                   .where(self._same_id(self.stream, event_key), self.version == s.originator_version,
                          *self.scope()).exists())
        newest = sa.select(s.originator_version.label("snapshot_version"), s.topic.label("snapshot_type"),
                           s.state.label("snapshot_payload")).where(s.originator_id == key, present)
        if not latest:
            newest = newest.where(s.originator_version <= sa.bindparam("es_upto", type_=sa.Integer()))
        snapshot = newest.order_by(s.originator_version.desc()).limit(1).subquery("snapshot")
        # the event's own columns first, in their fold-row places; its stream is the name asked
        # for (the shown name of the stored id the rows are picked by), so no probe reads it back
        columns = [name.label("stream") if getattr(column, "name", None) == "stream" else column
                   for column in self.columns]
        return (
            sa.select(*columns, snapshot.c.snapshot_version, snapshot.c.snapshot_type, snapshot.c.snapshot_payload)
            .select_from(snapshot.join(self.table, sa.and_(self._same_id(self.stream, event_key),
                                                           self.version == snapshot.c.snapshot_version)))
            .where(*self.scope())
            .order_by(snapshot.c.snapshot_version.desc(), self.position.desc())
        )

    def snapshot_key(self, stream: str) -> Any:
        """The snapshot table's ``originator_id`` for a shown name (a value, or SQL choosing the
        spelling for a text column), or None when it cannot hold it."""
        if self.snapshot_table is None or self.snapshot_id_kind is None or not self.stream_exists_possibly(stream):
            return None
        kind = self.snapshot_id_kind
        # the library writes a snapshot's id as it writes the events' (SQLite: the spelling the events use)
        return self._key(self.id_kind, stream) if kind in (self.id_kind, ID_TEXT) else self._to_db(kind, stream)

    def snapshots(self, conn: sa.Connection, stream: str) -> list[Snapshot]:
        key, table = self.snapshot_key(stream), self.snapshot_table
        if key is None or table is None:  # a key is only given where there is a snapshot table
            return []
        c = table.c
        rows = conn.execute(
            sa.select(c.originator_version, c.topic, c.state)
            .where(c.originator_id == key)
            .order_by(c.originator_version)
        )
        result = []
        for version, topic, state in rows:
            data, problem = self.decode_state(state)
            body = data.get("state") if isinstance(data, dict) else None
            result.append(
                Snapshot(
                    stream=stream,
                    version=int(version),
                    type=str(topic),
                    state=body if isinstance(body, dict) else data,
                    recorded_at=parse_time(data.get("timestamp")) if isinstance(data, dict) else None,
                    problem=problem,
                )
            )
        return result

    def notes(self, conn: sa.Connection) -> list[str]:
        notes = ["event times live inside the state blob: time filters and histograms decode payloads"]
        if self.dialect == "sqlite":
            notes = ["event times live inside the state blob: time filters read them with json_extract (not for compressed state)"]
        if self.snapshot_table is None:
            notes.append("no snapshot table: replays start from version 1 or the inspector's own cache")
        return notes

    # --- what ``info`` says about the columns ------------------------------------------
    def _declared(self, column: sa.Column[Any]) -> str:
        """The type as the schema spells it (SQLite: as declared, e.g. ``BINARY(16)``)."""
        declared = column.info.get("declared")
        return declared if declared is not None else self.sql_type_name(column)

    def column_readings(self) -> list[ColumnReading]:
        """``originator_id`` with its type and how it is read, the version, the topic, the
        ``state`` payload, and the time inside it; the snapshot table's id when it has one
        (tables outside the default schema named with their schema, ``billing.bank_events``)."""
        name = self.shown_table()
        c = self.table.c
        position = self.position
        if position.name == "rowid":
            reading = ColumnReading("position", f"{name}.rowid", "INTEGER (rowid)",
                                    "SQLite's rowid: the library's notification id")
        else:
            what = "notification id" if position.name == "notification_id" else "id (eventsourcing-sqlalchemy)"
            reading = ColumnReading("position", f"{name}.{position.name}", self.sql_type_name(position),
                                    f"integer: the library's {what}, the global order")
        stream_reading = _ID_READINGS[self.id_kind]
        if self.exact_text_streams():
            stream_reading += ", compared byte-exact (the collation is not)"
        state_type = self._declared(c.state)
        readings = [
            reading,
            ColumnReading("stream", f"{name}.originator_id", self._declared(c.originator_id), stream_reading),
            ColumnReading("version", f"{name}.originator_version", self.sql_type_name(c.originator_version),
                          "integer"),
            ColumnReading("type", f"{name}.topic", self.sql_type_name(c.topic),
                          "topic 'module:Class.Event': the type shown is the class path after ':'"),
            ColumnReading("data", f"{name}.state", state_type,
                          "JSON from the library's JSONTranscoder (zlib-compressed state is inflated;"
                          " AES-GCM encrypted state is not readable without the key)"),
            ColumnReading("recorded_at", f"{name}.state", state_type,
                          "state.timestamp (inside the payload): the library's datetime_iso, UTC"),
        ]
        snapshots = self.snapshot_table
        if snapshots is not None and "originator_id" in snapshots.c and self.snapshot_id_kind is not None:
            readings.append(ColumnReading(
                "snapshot", f"{self.shown_table(snapshots)}.originator_id", self._declared(snapshots.c.originator_id),
                _ID_READINGS[self.snapshot_id_kind]))
        return readings
