"""What a SQL layout tells the generic SQL adapter about its tables."""

from __future__ import annotations

import operator
import re
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, ClassVar, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from inspector.core.decoding import whole_number
from inspector.core.events import (ACTOR_KEYS, TIME_BLANKS, Event, category_named, category_of_stream_name,
                                   parse_time)
from inspector.stores.base import ColumnReading, Snapshot, StoredRecord, escape_glob, escape_like, sqlite_glob

_DATE = (
    r"(?:(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-"
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)"
)
_ZONE = r"(?:[Zz]|[+-](?:0[0-9]|1[0-5])(?::?[0-5][0-9])?)?"
_CLOCK = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?"
#: The grammar of stored times (``inspector.core.events.STORED_TIME``, its date and clock
#: checked too) for text with its blanks trimmed; PostgreSQL casts only text it matches, so one
#: bad row never fails a query.
ISO_TIME_PG = rf"^{_DATE}[Tt ]{_CLOCK}{_ZONE}$"
#: The same for the text as stored, blanks around it included (MySQL/MariaDB).
ISO_TIME_MYSQL = rf"^[{TIME_BLANKS}]*{_DATE}[Tt ]{_CLOCK}{_ZONE}[{TIME_BLANKS}]*$"


@dataclass(frozen=True)
class LeftOutPayload:
    """How a capped read (``inspector.stores.lazy.capped_columns``) leaves out a payload that other
    fields are read from (``SqlLayout.payload_left_out``).

    ``label``: the payload's label in the layout's ``columns``. ``fields``: labelled SQL
    expressions read in its stead, for rows whose payload is left out only (small: the headers,
    a time). ``readable``: the rows those fields describe exactly (say, payloads that are JSON
    objects); the others are read whole, however big. ``stand_in(row)``: a small payload, built
    from the fields, that ``row_to_event`` reads every field but the payload from exactly as it
    reads them from the whole payload; or, for a layout whose ``readable`` is only a first cut
    (the server cannot tell in the page's statement which payloads its SQL reads), the row's
    ``Event`` read whole where its own look at that payload failed. ``fields_safe``: where
    ``readable`` is costly, a cheaper test of the big payloads whose ``fields`` SQL reads
    without failing the statement (they are read for those rows, and used only where
    ``readable`` holds: ``readable`` is then asked once per row); None: ``readable``."""

    label: str
    fields: tuple[sa.Label[Any], ...]
    readable: sa.ColumnElement[bool] | None
    stand_in: Callable[[Any], Any]
    fields_safe: sa.ColumnElement[bool] | None = None


def uuid_spelled(name: str, spellings: str | None) -> str:
    """``name`` as the lowercase hyphenated UUID it spells, where ``spellings`` takes its form
    (``SqlLayout.uuid_spellings``: ``"any"`` every form Python's ``uuid.UUID`` reads: any case,
    hyphens or none, braces, ``urn:uuid:``; ``"hyphenated"`` the 36-character form in any case;
    None none); else ``name`` unchanged."""
    if spellings is None or len(name) > 45 or (spellings == "hyphenated" and len(name) != 36):
        return name
    try:
        return str(uuid.UUID(name))
    except ValueError:
        return name


class SqlLayout:
    """Maps one library's event table onto the Event model.

    Subclasses set the column expressions in ``__init__`` and decode rows in
    ``row_to_event``. Expressions are SQLAlchemy Core, so one adapter serves
    SQLite, PostgreSQL and MariaDB.
    """

    name: ClassVar[str] = "abstract"

    #: The event table and the expressions for each Event field.
    table: sa.Table
    position: sa.ColumnElement[Any]
    stream: sa.ColumnElement[Any]
    version: sa.ColumnElement[Any]
    type: sa.ColumnElement[Any] | None = None
    #: The recorded time as stored (timestamp or sortable text), or None when the layout keeps it in the payload.
    time: sa.ColumnElement[Any] | None = None
    #: Columns fetched for each event row, in ``row_to_event``'s order.
    columns: Sequence[sa.ColumnElement[Any]] = ()
    #: Name of the index that keeps ``(stream, version)`` reads fast, for EXPLAIN checks and ``info``
    #: (a class default; layouts name the index they found per instance).
    stream_index: str | None = None
    #: Where a lazy event finds its fields in this layout's fold rows: worked out on first use
    #: by ``inspector.stores.lazy`` (a plain attribute: read once per event, it must be cheap).
    _lazy_event_places: Any = None  # a tuple once worked out
    #: Whether ``lazy_data`` and ``lazy_type`` read a fold row by place only (never by name):
    #: then a fold hands them the driver's plain tuple as it is, with no named row made per event.
    lazy_reads_by_place: ClassVar[bool] = False
    #: For a layout whose ``lazy_data`` reads one JSON column with ``plain_in_checked_page``
    #: when the event's page passed ``page_reads_exactly`` (``LazyEvent._checked_page``): that
    #: column's place in the fold rows; None (the default): no page is checked for it.
    checked_pages_at: int | None = None

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    # --- detection -------------------------------------------------------------------
    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "SqlLayout | None":
        """Return a configured layout when the database holds this layout's tables."""
        return None

    @classmethod
    def tables_in(cls, engine: Engine, inspector: sa.Inspector, schema: str | None) -> list[str]:
        """The event tables of this layout in ``schema`` (None: the session's own), told by table
        and column names, in the order ``detect`` takes them (it reads the first)."""
        return []

    @classmethod
    def search_order(cls, default: str | None, schemas: Sequence[str]) -> list[str | None]:
        """The schemas ``detect`` looks in, first to last, given the session's own (``default``)
        and the others there are (``other_schemas``): the session's own only, by default."""
        return [default]

    # --- mapping ---------------------------------------------------------------------
    def row_to_event(self, row: Row[Any]) -> Event:
        raise NotImplementedError  # abstract: every layout decodes its own rows

    def version_number(self) -> sa.ColumnElement[Any]:
        """The version for MIN/MAX aggregates (listings, replay at an instant): only values that
        are whole numbers, NULL for anything else a column may hold (SQLite keeps text in an
        INTEGER column, and text sorts above every number there)."""
        version = self.version
        if self.dialect == "sqlite":
            kind = sa.func.typeof(version)
            return sa.case((kind == "integer", version),
                           (sa.and_(kind == "real", version == sa.cast(version, sa.Integer)), version), else_=None)
        return version

    # --- rows for a fold (``inspector.stores.lazy.LazyEvent``) ------------------------
    def lazy_type(self, row: Row[Any], event: Any) -> str:
        """The type ``row_to_event`` would give, from the row alone when it has a ``type`` column."""
        if "type" in row._fields:
            return self.type_from_db(row.type)
        return event.event().type

    def lazy_data(self, row: Row[Any], event: Any) -> Any:
        """The decoded payload of ``row`` (what ``row_to_event(row).data`` is); layouts that can
        decode the payload alone, without times and metadata, override this."""
        return event.event().data

    def payload_decoder(self) -> Callable[[Any], Any] | None:
        """For a payload that is a column of its own (``capped_payload``): a function of its
        stored text or bytes alone giving what ``lazy_data`` gives, or
        ``inspector.core.decoding.NOT_PLAIN`` where ``lazy_data`` must read it (a replay's
        per-event fast path: no row read by name, no layout call). None (the default): every
        payload through ``lazy_data``."""
        return None

    def fold_payload(self) -> tuple[str, Callable[[Any], Any], Callable[[Any], Any]] | None:
        """For a layout whose other fields come from its payload (``capped_payload`` is None) but
        whose ``lazy_data`` reads the payload column alone: ``(label, decode, decode_checked)``,
        the column's label and two functions of its stored text or bytes giving what
        ``lazy_data`` gives, or ``inspector.core.decoding.NOT_PLAIN`` where ``lazy_data`` must
        read it; ``decode_checked`` for a payload of a page whose numbers were checked at once
        (``checked_pages_at``). A fold then decodes payloads as it does a payload column's
        (``inspector.stores.lazy.fold_page``). None (the default): ``capped_payload``'s column
        through ``payload_decoder``."""
        return None

    def capped_payload(self) -> tuple[str, Any] | None:
        """``(label, stand-in)`` for capped reads (``inspector.stores.lazy.capped_columns``): the
        label of the payload column a page may leave unread above a size, and a value
        ``row_to_event`` decodes in its place at once; None (the default) where other fields come
        from the payload (the type or time in its headers), so the payload is always read."""
        return None

    def payload_left_out(self) -> "LeftOutPayload | None":
        """For a layout whose other fields come from its payload (``capped_payload`` is None): how
        a capped read leaves a big payload in the store all the same, SQL reading those fields
        (``LeftOutPayload``). None (the default): the payload is always read."""
        return None

    def fold_fields(self) -> tuple[str, ...] | None:
        """The labels of ``columns`` a fold reads for every event, where the layout reads its
        rows by name and its ``lazy_type``, ``lazy_data``, ``payload_print`` and
        ``stored_record`` need no others: a fold then fetches those columns alone and reads the
        rest only for the events whose other fields are asked (``inspector.stores.lazy.FoldView``).
        None (the default): a fold fetches every column."""
        return None

    def fold_stream_fields(self) -> tuple[str, ...]:
        """The labels of ``columns`` left out by a fold (not in ``fold_fields``) whose value in each
        of its rows is the stream's name as the fold was asked for it (the shown name of the one
        stored id its rows are picked by, which ``row_to_event`` gives back unchanged): a fold
        fills them with that name instead of reading them again. None of them (the default):
        every column left out is read again for the events whose other fields are asked."""
        return ()

    def payload_print(self, row: Row[Any]) -> bytes | str | None:
        """The payload as stored when it is text or bytes (for checkpoint fingerprints), else None."""
        for name in ("data", "state", "payload"):
            if name in row._fields:
                value = getattr(row, name)
                if isinstance(value, memoryview):
                    return bytes(value)
                return value if isinstance(value, (bytes, str)) else None
        return None

    def stored_record(self, row: Row[Any]) -> StoredRecord:
        """The row as stored: position, version, type and payload undecoded (native replay)."""
        payload = None
        for name in ("data", "state", "payload"):
            if name in row._fields:
                payload = getattr(row, name)
                payload = bytes(payload) if isinstance(payload, memoryview) else payload
                break
        kind = row.type if "type" in row._fields else None
        return StoredRecord(int(row.position), int(row.version), None if kind is None else str(kind), payload)

    def snapshot_records_query(self, stream: str, upto: int | None) -> tuple[sa.Select, dict[str, Any]] | None:
        """``(statement, parameters)`` for the layout's own snapshots of the stream at or before
        ``upto`` that the stream has an event at, newest first (a few), each beside that event:
        rows of ``self.columns`` (the event, in its fold-row places, several events at one
        version the last by position first) followed by ``snapshot_version``, ``snapshot_type``
        and ``snapshot_payload``. The stream's values come as parameters, so one statement
        object serves every call (SQLAlchemy keys its compiled form by the object: a statement
        bound anew each call costs ~0.1 ms more). None when the layout keeps no snapshots this way."""
        return None

    def stream_to_db(self, stream: str) -> Any:
        """The stored value for a stream name shown to the user."""
        return stream

    def stream_exists_possibly(self, stream: str) -> bool:
        """False when no row could hold this name (text that is not a UUID, for a uuid column)."""
        return True

    #: How a name may spell a stream id of a UUID-typed stream column (read from the schema) other
    #: than as shown (``uuid_spelled``): None, names are exact (text columns); ``"any"``, every
    #: spelling of a UUID (a native ``uuid`` column, or 16 bytes where no text id can be stored);
    #: ``"hyphenated"``, the 36-character form in any case (16-byte columns that may hold text ids too).
    uuid_spellings: str | None = None

    def stream_spelled(self, stream: str) -> str:
        """The name ``stream`` is shown by where the user wrote it otherwise: on a UUID-typed stream
        column a UUID in another case or form (``135BCE58-…``, ``{…}``, without hyphens, per
        ``uuid_spellings``) is that id, shown lowercase and hyphenated; any other name as written.
        Never a query (the window asks it on its own thread)."""
        return uuid_spelled(stream, self.uuid_spellings)

    def stream_from_db(self, value: Any) -> str:
        return "" if value is None else str(value)

    # --- exact stream names ----------------------------------------------------------
    def exact_text_streams(self) -> bool:
        """True where the engine compares stream names by a collation that is not exact.

        MySQL/MariaDB's default ``utf8mb4_general_ci`` ignores case and trailing spaces
        (even ``utf8mb4_bin`` pads spaces), so ``order-1``, ``Order-1`` and ``order-1 ``
        would be one stream; on PostgreSQL a column under a nondeterministic (ICU,
        case-insensitive) collation does the same. Such columns also compare their bytes.
        """
        if not isinstance(getattr(self.stream, "type", None), sa.String):
            return False
        if self.dialect in ("mysql", "mariadb"):
            return True
        return self.dialect == "postgresql" and self._nondeterministic_stream_collation()

    def _nondeterministic_stream_collation(self) -> bool:
        """Whether the PostgreSQL stream column's collation is nondeterministic (asked once)."""
        cached = getattr(self, "_nondeterministic", None)
        if cached is None:
            cached = False
            column, table = self.stream, getattr(self.stream, "table", None)
            if isinstance(column, sa.Column) and isinstance(table, sa.Table):
                name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
                query = sa.text(
                    "SELECT NOT c.collisdeterministic FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
                    "WHERE a.attrelid = to_regclass(:table) AND a.attname = :column")
                try:
                    with self.engine.connect() as conn:
                        cached = bool(conn.execute(query, {"table": name, "column": column.name}).scalar())
                except sa.exc.SQLAlchemyError:  # PostgreSQL before 12 has no nondeterministic collations
                    cached = False
            self._nondeterministic = cached
        return cached

    def stream_key(self) -> sa.ColumnElement[Any]:
        """The stream as compared exactly: its UTF-8 bytes where the collation is not exact
        (``exact_text_streams``), else the column. Compare it with ``name.encode()``."""
        if not self.exact_text_streams():
            return self.stream
        # typed as text for SQL operators (LIKE); the driver still hands back bytes
        if self.dialect == "postgresql":
            return sa.type_coerce(sa.func.convert_to(self.stream, "UTF8"), sa.String)
        return sa.type_coerce(sa.cast(self.stream, sa.LargeBinary), sa.String)

    def stream_is(self, stream: str) -> sa.ColumnElement[bool]:
        """Rows of exactly this stream; the plain ``=`` stays first so the stream index is still used."""
        value = self.stream_to_db(stream)
        clause = self.stream == value
        if self.exact_text_streams():
            clause = sa.and_(clause, self.stream_key() == str(value).encode())
        return clause

    def stream_in(self, streams: Sequence[str]) -> sa.ColumnElement[bool]:
        """Rows of exactly these streams (names the column cannot hold are left out by the caller)."""
        values = [self.stream_to_db(s) for s in streams]
        clause: sa.ColumnElement[bool] = self.stream.in_(values)
        if self.exact_text_streams():
            clause = sa.and_(clause, self.stream_key().in_([str(v).encode() for v in values]))
        return clause

    def listing_keys(self) -> list[sa.ColumnElement[Any]]:
        """What a stream listing groups and orders by: the stream column by default; a layout
        whose streams have a key of several columns (Marten's tenant and id) gives them, in
        the order of its stream index, and ``stream`` is then an expression of them."""
        return [self.stream]

    def listing_after(self, after: str, *, inclusive: bool = False) -> sa.ColumnElement[bool]:
        """The keyset condition of a listing that goes on after the stream shown as ``after``
        (``inclusive`` keeps that stream), in ``listing_keys`` order."""
        key = self.stream_to_db(after)
        return self.stream >= key if inclusive else self.stream > key

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        return category_of_stream_name(stream)

    def match_clause(self, pattern: str) -> sa.ColumnElement[bool]:
        """Streams whose shown name matches a stream pattern (``inspector.core.matching``'s rule)."""
        return self.name_matches(self.stream, pattern)

    def name_matches(self, text: sa.ColumnElement[Any], pattern: str) -> sa.ColumnElement[bool]:
        """``text`` (the name as shown, as SQL text) matched case-sensitively by a stream pattern.

        SQLite: ``GLOB`` (case-sensitive, by character; ``LIKE`` there ignores ASCII case).
        PostgreSQL: ``LIKE``, exact under the deterministic collations PostgreSQL creates by default.
        MariaDB/MySQL: ``LIKE`` under ``utf8mb4_bin`` after converting to utf8mb4, so neither the
        column's case-insensitive collation nor its emoji folding applies and ``_`` is one character.
        """
        from inspector.stores.base import glob_to_like, glob_to_sqlite_glob

        if self.dialect == "sqlite":
            return sa.type_coerce(text, sa.Text).op("GLOB")(glob_to_sqlite_glob(pattern))
        if self.dialect in ("mysql", "mariadb"):
            return sa.collate(Utf8mb4(text), "utf8mb4_bin").like(glob_to_like(pattern), escape="\\")
        if not isinstance(getattr(text, "type", None), sa.String):
            text = sa.cast(text, sa.Text)
        if self.dialect == "postgresql":
            # "C" compares code points whatever the column's collation (a nondeterministic one
            # would refuse LIKE, a case-insensitive one would fold case)
            text = sa.collate(text, "C")
        return text.like(glob_to_like(pattern), escape="\\")

    def scope(self) -> list[sa.ColumnElement[bool]]:
        """Conditions every query carries (e.g. rows of one tenant); none by default."""
        return []

    def unreadable_clause(self) -> sa.ColumnElement[bool] | None:
        """Rows whose payload SQL cannot look into (compressed, encrypted): None when SQL reads every row.

        Time and text filters let such rows through and judge them in Python after decoding.
        """
        return None

    def row_time(self, row: Row[Any]) -> datetime | None:
        """The time ``row_to_event`` gives a row of ``columns`` (None: none), for a listing's rows
        SQL does not time (``unreadable_clause``); a layout may read it without the whole event."""
        return self.row_to_event(row).recorded_at

    def timed_apart(self) -> sa.ColumnElement[bool] | None:
        """Rows whose payload SQL reads but whose time only decoding tells exactly (they are
        among ``unreadable_clause``): a stream listing decodes a stream's such rows for its first
        and last times. None (the default): SQL times every row it reads."""
        return None

    def category_hint(self) -> sa.ColumnElement[Any] | None:
        """What a stream listing (grouped by stream) hands ``category_of`` as ``first_type``.

        By default the stream's smallest event type, which names the aggregate in topic-style
        types; layouts that keep the aggregate type elsewhere (Marten's ``mt_streams.type``,
        Axon's ``type`` column) return their own expression, valid in a GROUP BY stream query.
        """
        return None if self.type is None else sa.func.min(self.type)

    def category_clause(self, category: str) -> sa.ColumnElement[bool] | None:
        """A WHERE clause selecting the category's streams, or None to filter in Python."""
        if type(self).category_of is not SqlLayout.category_of:
            return None  # a subclass names categories its own way and must say how to select them
        return self._named_category(category_named(category) or "")  # (none): nothing before the first '-'

    def _named_category(self, category: str) -> sa.ColumnElement[bool]:
        """Names whose text before the first ``-`` is exactly ``category`` (one index range)."""
        key = self.stream_key()
        exact = category.encode() if self.exact_text_streams() else category
        if self.dialect == "sqlite":  # SQLite's LIKE ignores ASCII case
            return sa.or_(key == exact, sqlite_glob(key, escape_glob(category) + "-*"))
        prefix = escape_like(category) + "-%"
        return sa.or_(key == exact, key.like(prefix.encode() if self.exact_text_streams() else prefix, escape="\\"))

    def streams_without_category(self, recorded: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        """Rows of the streams whose category hint, ``MIN(recorded)`` over the stream's rows, is
        NULL or '': the streams ``categories`` counts under ``(none)`` where the
        hint is that MIN (Axon's and EventSauce's aggregate type). Only the streams holding such
        a row are grouped; the hint is compared by its bytes on MySQL/MariaDB (whose collations
        ignore trailing spaces)."""
        key = self.stream_key()
        where = [self.stream.is_not(None), *self.scope()]

        def none_of(value: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
            if self.dialect in ("mysql", "mariadb"):
                return sa.or_(value.is_(None), sa.cast(value, sa.LargeBinary) == b"")
            return sa.or_(value.is_(None), value == "")
        candidates = sa.select(key).select_from(self.table).where(*where, none_of(recorded))
        return key.in_(sa.select(key).select_from(self.table).where(*where, key.in_(candidates))
                       .group_by(key).having(none_of(sa.func.min(recorded))).correlate(None))

    def category_having(self, category: str) -> sa.ColumnElement[bool] | None:
        """For layouts without a ``category_clause``: a HAVING clause on a listing grouped by
        stream that keeps at least every stream of the category (Python still checks each one),
        so a category listing reads a page of candidates, not every stream. None: no narrowing."""
        return None

    def category_expr(self) -> sa.ColumnElement[Any] | None:
        """The category in SQL, for grouping in the database; None where only Python can tell it.

        The default is Message DB's rule, the text before the first ``-``, as ``category_of``;
        a layout that overrides ``category_of`` gets None unless it overrides this as well.
        """
        if type(self).category_of is not SqlLayout.category_of:
            return None
        stream = self.stream
        if self.dialect == "postgresql":
            return sa.func.split_part(stream, "-", 1)
        if self.dialect in ("mysql", "mariadb"):
            return sa.func.substring_index(stream, "-", 1)
        if self.dialect == "sqlite":
            dash = sa.func.instr(stream, "-")
            return sa.case((dash > 0, sa.func.substr(stream, 1, dash - 1)), else_=stream)
        return None

    def stream_category_aggregate(self) -> sa.ColumnElement[Any] | None:
        """A stream's category as an aggregate over its rows (in a query grouped by ``stream_key``),
        where a column records it per row; None (the default) where ``category_expr`` or Python
        tells it."""
        return None

    def stream_category_exact(self) -> sa.ColumnElement[Any] | None:
        """``stream_category_aggregate`` in the form compared exactly (bytes where a collation is
        not exact): what ``categories`` groups by and a category filter compares; None with it."""
        return None

    def type_from_db(self, value: Any) -> str:
        """The type as events show it (layouts may shorten stored type names)."""
        return "(no type)" if value is None else str(value)

    def type_clause(self, types: Sequence[str]) -> sa.ColumnElement[bool] | None:
        """A WHERE clause for events of these (displayed) types, or None to filter in Python."""
        return None if self.type is None else self.type.in_(list(types))

    def actor_expr(self) -> sa.ColumnElement[Any] | None:
        """SQL for the actor, or None when it can only be read after decoding."""
        return None

    def actor_source(self) -> sa.ColumnElement[Any] | None:
        """The JSON text ``actor_expr`` reads the actor out of, where each row's JSON is parsed for it
        (text and MariaDB/SQLite JSON columns; not PostgreSQL jsonb, read as it is): an actor filter
        first looks for the name in that text, a far cheaper test than the parse. None: no such text."""
        return None

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        """Columns a text search looks in (payload and metadata)."""
        return []

    def time_from_db(self, value: Any):
        from inspector.core.events import parse_time

        return parse_time(value)

    def time_sorts_as_stored(self) -> bool:
        """True when MIN/MAX of ``time`` as stored is the first/last instant.

        Native timestamps do; text does only when every row is written in one ISO-8601
        form and zone (Axon's, a generic mapping that declares ``time = "iso"``). Otherwise
        offsets and mixed forms make text order wrong, and the adapter compares epoch seconds.
        """
        return isinstance(getattr(self.time, "type", None), sa.DateTime)

    def time_text_sorts_within_a_zone(self) -> bool:
        """True when ``time`` is ISO-8601 text that one writer puts in one fixed-width form
        (``datetime.isoformat()``: ``YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM``), so that among rows
        written with the same UTC offset, text order is time order. The time range is then the
        text's MIN/MAX, read exactly to the microsecond in one pass, whenever every row ends
        with the same offset (checked in that pass; else instants are compared)."""
        return False

    def time_text_parts(self) -> tuple[sa.ColumnElement[Any], Callable[[sa.ColumnElement[Any]], Any]]:
        """``(head, cut)``: ``time`` as two steps, so a query can compute the costly one once per row
        in a subquery: ``head`` over the table's columns, and ``cut(head's column)`` giving the
        time text. By default ``time`` itself and no cut (only asked where ``time`` is set)."""
        assert self.time is not None
        return self.time, lambda column: column

    def stored_time(self) -> tuple[sa.Column[Any], sa.ColumnElement[bool] | None] | None:
        """The table column holding the time as stored, for range tests an index on it answers.

        Only where the layout's times sort as stored and ``time`` is that column itself (or,
        with the guard returned next to it, the column where it reads as a time: Axon's).
        A range ``lo <= column < hi`` with bounds in the column's own form then selects
        exactly the rows whose time lies in the range. None: times are only compared as
        epoch seconds (mixed text, times inside a payload).
        """
        time = self.time
        if not self.time_sorts_as_stored() or not isinstance(time, sa.Column) or time.table is not self.table:
            return None
        return time, None

    def iso_text_time(self) -> sa.Column[Any] | None:
        """The table column of times held as ISO-8601 text and read row by row (forms and zones
        may be mixed: ``epoch_seconds``'s SQLite and PostgreSQL readings), else None.

        Every time those readings accept is written date first (after any blanks, which sort
        below every digit), ``YYYY-MM-DD`` in its own zone, with an offset under 16 hours, so the
        rows timed from ``a`` to ``b`` all lie in the text range from the date of ``a - 40 h`` to
        the day after ``b + 16 h``, or below '0': ranges of an index on the column, which
        ``SqlEventStore`` adds to time filters, histograms and the time range.
        """
        time = self.time
        if self.dialect not in ("sqlite", "postgresql") or getattr(self, "epoch_expr", None) is not None:
            return None
        if not isinstance(time, sa.Column) or time.table is not self.table or self.time_sorts_as_stored():
            return None
        if self.dialect == "postgresql" and not isinstance(time.type, sa.String):
            return None
        return time

    def stored_time_scale(self) -> float | None:
        """For times stored as numbers: units per second (1 for epoch seconds, 1000 for
        milliseconds), so range bounds can be written as numbers. None for text and timestamps."""
        return None

    def stored_time_numbers(self) -> tuple[Callable[[datetime], Any], Callable[[datetime], Any]] | None:
        """For times stored as numbers: ``(after, before)``, the bounds ``stored_time`` ranges use:
        ``column >= after(t)`` (and ``column < after(t)``), ``column <= before(t)`` select the rows
        timed at or after (before, at or before) ``t``. Layouts that know the column's number type
        give exact bounds (integers, decimals); by default ``t`` in seconds times ``stored_time_scale``."""
        scale = self.stored_time_scale()
        if scale is None:
            return None

        def number(instant: datetime) -> float:
            return instant.timestamp() * scale
        return number, number

    def time_clause(self, op: str, instant: datetime) -> sa.ColumnElement[bool] | None:
        """Rows whose recorded time is ``op`` (``>=``, ``>``, ``<=``, ``<``) the instant, in SQL.

        By default epoch seconds (``epoch_seconds``) against the instant, exactly: on SQLite
        integer microseconds (``exact_time_key``); layouts that can compare exactly in the
        column's own form (epoch integers, native timestamps) override it.
        None when SQL cannot read the layout's times.
        """
        epoch = epoch_seconds(self)
        if epoch is None:
            return None
        compare = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}[op]
        if self.dialect == "sqlite":
            exact = exact_time_key(self)
            assert exact is not None, "SQLite reads this layout's times (epoch_seconds)"
            return compare(exact[0], exact_micros(instant))
        # PostgreSQL and MariaDB read the microseconds: the bound is exact too (a rounded one would
        # leave out, or let in, the events of the same millisecond on the wrong side of it)
        return compare(epoch, exact_epoch(instant))

    # --- what ``info`` says about the columns ----------------------------------------
    def column_readings(self) -> list[ColumnReading]:
        """Each column this layout reads, with its type as reflected from the schema and how it is read.

        The default covers the expressions that are plain table columns; layouts add what
        only they know (payload codecs, times inside a payload, tenants) by overriding.
        """
        readings = []
        for role in ("position", "stream", "version", "type", "time"):
            expr = getattr(self, role, None)
            if isinstance(expr, sa.Column) and expr.table is not None:
                readings.append(ColumnReading(
                    role="recorded_at" if role == "time" else role,
                    column=f"{self.shown_table(table) if isinstance(table := expr.table, sa.Table) else getattr(table, 'name', '?')}.{expr.name}",
                    sql_type=self.sql_type_name(expr),
                    reading=self.describe_reading(role, expr),
                ))
        return readings

    def shown_table(self, table: sa.Table | None = None) -> str:
        """``table`` (this layout's event table by default) as ``info`` names it: on PostgreSQL
        always with its schema (``public.events``; the session's own, the first of the
        ``search_path``, where it was found there), elsewhere by its name alone."""
        table = self.table if table is None else table
        if self.dialect == "postgresql":
            schema = table.schema or self.engine.dialect.default_schema_name
            if schema:
                return f"{schema}.{table.name}"
        return table.fullname

    def sql_type_name(self, column: sa.ColumnElement[Any]) -> str:
        """The column's type as this engine spells it (``uuid``, ``DATETIME(3)``, ``jsonb``)."""
        try:
            return str(column.type.compile(dialect=self.engine.dialect))
        except Exception:  # a type the dialect cannot render (reflected NullType): say what SQLAlchemy saw
            return type(column.type).__name__

    def describe_reading(self, role: str, column: sa.ColumnElement[Any]) -> str:
        """One line on how a column of this role and type is read (layouts refine it)."""
        kind = column.type
        if role == "stream":
            if self.exact_text_streams():
                return "text, compared byte-exact (the collation is not)"
            return "text" if isinstance(kind, sa.String) else f"{type(kind).__name__.lower()} shown as text"
        if role == "time":
            if isinstance(kind, sa.DateTime):
                return "timestamp with time zone" if getattr(kind, "timezone", False) else "timestamp read as UTC"
            return "ISO-8601 text" if isinstance(kind, sa.String) else "as stored"
        return "integer" if isinstance(kind, sa.Integer) else "as stored"

    # --- snapshots and notes ---------------------------------------------------------
    def snapshots(self, conn: sa.Connection, stream: str) -> list[Snapshot]:
        return []

    def index_notes(self, conn: sa.Connection, time_column: sa.Column[Any] | None,
                    actor: tuple[sa.Column[Any], str] | None, inspector: sa.Inspector | None = None) -> list[str]:
        """What ``info`` says where an index would serve the window and the filters, with the
        statement that creates it: on the time column (time range, histograms, time filters
        read every row without one) and, on PostgreSQL, on the actor read from a ``jsonb``
        column ``(column ->> 'key')`` (actor filters then read the index, not every row).
        ``actor`` is ``(column, key)``; nothing is said for what is already indexed. ``inspector``:
        the caller's reflection of ``conn``, whose answers it keeps."""
        table = self.table
        try:
            inspector = inspector or sa.inspect(conn)
            indexes = inspector.get_indexes(table.name, schema=table.schema)
            primary = inspector.get_pk_constraint(table.name, schema=table.schema)
        except sa.exc.SQLAlchemyError:
            return []
        leaders = {(index.get("column_names") or [None])[0] for index in indexes}
        leaders.update((primary.get("constrained_columns") or [])[:1])
        preparer = self.engine.dialect.identifier_preparer
        qualified = preparer.format_table(table)
        notes = []
        if time_column is not None and time_column.name not in leaders:
            name = preparer.quote(f"{table.name}_{time_column.name}")
            notes.append(f"no index starts with {time_column.name!r}: the time range, histograms and time filters "
                         f"read every row; an index would serve them: CREATE INDEX {name} ON {qualified} "
                         f"({preparer.quote(time_column.name)})")
        if actor is not None and self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            column, key = actor
            if isinstance(column.type, JSONB):
                keys = tuple(dict.fromkeys((key, *ACTOR_KEYS)))
                shapes = [f"{column.name} ->> '{k}'" for k in keys]
                expressions = [str(e).replace('"', "").replace("::text", "").replace("(", "").replace(")", "")
                               for index in indexes for e in (index.get("expressions") or [])]
                if not any(all(shape in e for shape in shapes) for e in expressions):
                    name = preparer.quote(f"{table.name}_actor")
                    read = str(self.actor_in(column, keys).compile(dialect=self.engine.dialect,
                                                                   compile_kwargs={"literal_binds": True}))
                    notes.append(f"actor filters read the actor ({', '.join(keys)}: the first not empty) from "
                                 f"{column.name} row by row; an expression index would serve them: CREATE INDEX "
                                 f"{name} ON {qualified} (({read}))")
        return notes

    def notes(self, conn: sa.Connection) -> list[str]:
        """What a user should know about this store (missing indexes, undecodable codecs)."""
        return []

    # --- helpers for subclasses ------------------------------------------------------
    def actor_in(self, column: sa.ColumnElement[Any], keys: Sequence[str] = ACTOR_KEYS) -> sa.ColumnElement[Any]:
        """The actor ``actor_of`` reads from the JSON metadata in ``column``: the first of ``keys``
        whose value is not JSON null, missing or the empty string (a blank string is an actor), as
        text: a string as it is, anything else as the engine's JSON text of it, which need not be
        the JSON ``actor_text`` shows (``{"id": 5}``, ``0`` for false): a filter on such an actor
        is judged in Python (``SqlEventStore._filter_clauses``). The empty string is written as a
        constant, so an expression index on this very expression serves it."""
        empty: sa.ColumnElement[Any] = sa.literal_column("''")
        if self.dialect in ("mysql", "mariadb"):
            values = [json_actor_value(column, json_path(key)) for key in keys]
        elif self.dialect == "sqlite":
            values = []
            for key in keys:
                path = json_path(key)
                # json_extract gives false as 0 and a JSON null as NULL; ``->`` gives JSON text
                values.append(sa.case(
                    (sa.func.json_type(column, path) == "text", sa.func.nullif(sa.func.json_extract(column, path), empty)),
                    (sa.func.json_type(column, path) == "null", sa.null()),
                    else_=sa.type_coerce(column.op("->")(path), sa.Text)))
            found = values[0] if len(values) == 1 else sa.func.coalesce(*values)
            return sa.case((sa.func.json_valid(column) == 1, found), else_=None)
        else:
            values = [sa.func.nullif(self.json_field(column, key), empty) for key in keys]
        return values[0] if len(values) == 1 else sa.func.coalesce(*values)

    def json_field(self, column: sa.ColumnElement[Any], key: str) -> sa.ColumnElement[Any]:
        """``column ->> key`` on every engine, for JSON stored as text or native JSON."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            if isinstance(getattr(column, "type", None), JSONB):
                # jsonb as it is: ``->>`` with the key written out, the shape an expression index
                # on ``(column ->> 'key')`` has (a cast to text and back costs a parse per row)
                quoted = "'" + key.replace("'", "''") + "'"
                return sa.type_coerce(column.op("->>")(sa.literal_column(quoted)), sa.Text)
            return sa.func.jsonb_extract_path_text(sa.cast(sa.cast(column, sa.Text), JSONB), key)
        path = f"$.{key}" if _PLAIN_KEY.fullmatch(key) else '$."' + key.replace('"', '\\"') + '"'
        if self.dialect in ("mysql", "mariadb"):
            return sa.func.json_unquote(sa.func.json_extract(column, path))
        return sa.case((sa.func.json_valid(column) == 1, sa.func.json_extract(column, path)), else_=None)


def json_path(key: str, prefix: str = "$") -> str:
    """The JSON path of ``key`` under ``prefix`` (``$.actor``, ``$."$user"``)."""
    return f"{prefix}.{key}" if _PLAIN_KEY.fullmatch(key) else prefix + '."' + key.replace('"', '\\"') + '"'


def json_actor_value(column: sa.ColumnElement[Any], path: str) -> sa.ColumnElement[Any]:
    """MariaDB/MySQL: the value at ``path`` as text; NULL where it is missing, JSON null or the
    empty string. Tested on the JSON text (``null``, ``""``) before unquoting: JSON_UNQUOTE
    gives a JSON null as 'null', and ``NULLIF(x, '')`` would drop a blank string (PAD SPACE
    collations compare '  ' equal to ''); the cast to text keeps MariaDB from comparing the
    JSON value ``"null"`` equal to 'null'."""
    text = sa.cast(sa.func.json_extract(column, path), sa.Text)
    return sa.func.json_unquote(sa.func.nullif(sa.func.nullif(text, sa.literal_column("'null'")),
                                               sa.literal_column("'\"\"'")))


#: a key a JSON path names without quotes (``$.actor``); others are quoted (``$."$user"``)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def other_schemas(engine: Engine, inspector: sa.Inspector) -> list[str]:
    """The PostgreSQL schemas besides the session's own that may hold a store, by name (not the
    system's: ``information_schema``, ``pg_*``); none elsewhere (a MySQL schema is another database)."""
    if engine.dialect.name != "postgresql":
        return []
    default = inspector.default_schema_name
    return sorted(s for s in inspector.get_schema_names()
                  if s != default and s != "information_schema" and not s.startswith("pg_"))


#: While set (``only_in_schemas``): the only schemas ``look_in`` looks in (a search_path's)
_ONLY_SCHEMAS: ContextVar[tuple[str, ...] | None] = ContextVar("only_schemas", default=None)


@contextmanager
def only_in_schemas(schemas: Sequence[str] | None) -> Iterator[None]:
    """Within it, detection (``look_in``) looks in ``schemas`` alone (None: everywhere)."""
    token = _ONLY_SCHEMAS.set(None if schemas is None else tuple(schemas))
    try:
        yield
    finally:
        _ONLY_SCHEMAS.reset(token)


def set_search_path(engine: Engine) -> list[str] | None:
    """The schemas of the session's ``search_path`` when it was set (in the URL's ``options``,
    ``PGOPTIONS``, or for the role or database), those that exist, in its order; None where it
    is the server's default or off PostgreSQL."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        source = conn.exec_driver_sql("SELECT source FROM pg_settings WHERE name = 'search_path'").scalar()
        if source in (None, "default"):
            return None
        return [str(name) for name in conn.exec_driver_sql("SELECT unnest(current_schemas(false))").scalars()]


def look_in(engine: Engine, inspector: sa.Inspector, layout: "type[SqlLayout]") -> Iterator[tuple[str | None, list[str]]]:
    """``(schema, event tables)`` for each schema ``layout.detect`` looks in, in its order, with
    the tables it recognises there (``tables_in``); the session's own schema is given as None.
    Within ``only_in_schemas`` only those schemas."""
    default = inspector.default_schema_name
    only = _ONLY_SCHEMAS.get()
    for schema in layout.search_order(default, other_schemas(engine, inspector)):
        if only is not None and (schema or default) not in only:
            continue
        qualified = None if schema == default else schema
        yield qualified, layout.tables_in(engine, inspector, qualified)


class Utf8mb4(FunctionElement[str]):
    """MySQL/MariaDB ``CONVERT(expr USING utf8mb4)``: text in one character set, whatever the column's."""

    type = sa.String()
    name = "convert_using_utf8mb4"
    inherit_cache = True


@compiles(Utf8mb4)
def _compile_utf8mb4(element: Utf8mb4, compiler: Any, **kw: Any) -> str:
    return f"CONVERT({compiler.process(element.clauses, **kw)} USING utf8mb4)"


def stored_json(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """A payload column as its stored text or bytes, for reading: a column of a JSON type (its
    type as reflected: ``json``/``jsonb``, MySQL's JSON) is rendered as text by PostgreSQL and left
    unparsed elsewhere, so the driver neither parses every row as it is fetched (a fold decodes
    the payloads it reads, when it reads them: ``LazyEvent``) nor turns numbers into floats.
    Other columns are read as they are."""
    if isinstance(column.type, sa.JSON):
        if dialect == "postgresql":
            return sa.cast(column, sa.Text)
        return sa.type_coerce(column, sa.types.NullType())
    return column


def stored_instant(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """A time column as selected for reading: a PostgreSQL ``timestamptz`` as its UTC wall time
    (``timezone('UTC', column)``, a ``timestamp``), which psycopg reads as a naive datetime and
    the layouts take as UTC (``parse_time``): the same instant, to the microsecond. psycopg turns
    each ``timestamptz`` into a datetime of the session's zone (``astimezone`` per value): about
    1,800 instructions a row in the inspector's UTC sessions, against 400 for a ``timestamp``
    (a fold reads every row's time and uses the last event's alone). A value no datetime holds
    ('infinity', years past 9999, BC) fails the read either way. Other columns are read as
    they are."""
    kind = getattr(column, "type", None)
    if dialect == "postgresql" and isinstance(kind, sa.DateTime) and kind.timezone:
        return sa.func.timezone(sa.literal_column("'UTC'"), column, type_=sa.DateTime(timezone=False))
    return column


def version_of(value: Any) -> tuple[int | None, str | None]:
    """A stored version as ``(int, None)``, or ``(None, problem)`` when it is no whole number
    within 64 bits (text such as ``'three'``, ``1.5``, a boolean, ``1e300``, NULL): every layout's
    ``row_to_event`` reads versions through it, so an odd value is an event with a problem."""
    return whole_number(value, "version")


def version_into(value: Any, problems: list[str]) -> int | None:
    """``version_of`` for a ``row_to_event`` that collects problems: the version, or None with
    the reason appended to ``problems`` (NULL is left to the layout: None, nothing appended)."""
    if value is None:
        return None
    version, problem = version_of(value)
    if problem:
        problems.append(problem)
    return version


def exact_epoch(instant: datetime) -> Decimal:
    """Seconds since 1970 of an aware instant, exactly, to the microsecond."""
    delta = instant - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds).scaleb(-6)


def exact_micros(instant: datetime) -> int:
    """Microseconds since 1970 of an aware instant, exactly."""
    delta = instant - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def epoch_seconds(layout: SqlLayout, *, use_custom: bool = True) -> sa.ColumnElement[Any] | None:
    """Seconds since 1970 for the layout's time column, on the layout's engine.

    Histograms and time filters compare numbers, so text times (ISO-8601 in SQLite,
    Axon's text columns) and native timestamps work alike.
    """
    custom = getattr(layout, "epoch_expr", None) if use_custom else None
    if custom is not None:
        return custom()
    time = layout.time
    if time is None:
        return None
    native = isinstance(getattr(time, "type", None), sa.DateTime)
    if layout.dialect == "sqlite":
        # microseconds exact (``sqlite_iso_micros``), as seconds; time filters compare the
        # microseconds themselves (``exact_time_key``, ``SqlLayout.time_clause``)
        return sqlite_iso_micros(time, layout.engine) / 1_000_000.0
    if layout.dialect == "postgresql":
        if native:
            return sa.extract("epoch", time)
        return postgresql_iso_epoch(time)
    if layout.dialect in ("mysql", "mariadb"):
        if native:
            return sa.func.unix_timestamp(time)
        return mysql_iso_epoch(time)
    return None


def exact_time_key(layout: SqlLayout) -> tuple[sa.ColumnElement[Any], Callable[[Any], datetime | None]] | None:
    """``(key, read)``: a number per row whose MIN/MAX are the first/last instants exactly to the
    microsecond, and how to read such a MIN/MAX back as an aware datetime (None for no time).
    None where SQL reads no time (``epoch_seconds`` is None).

    PostgreSQL and MariaDB: ``epoch_seconds``, which reads the microseconds already. SQLite:
    integer microseconds since 1970 (``sqlite_iso_micros`` for text): an integer holds every
    microsecond of years 1-9999 (a double would not past 2255). Time filters on SQLite compare
    these integers too (``SqlLayout.time_clause``).
    """
    epoch = epoch_seconds(layout)
    time = layout.time
    if epoch is None or time is None:
        return None
    if layout.dialect != "sqlite":
        return epoch, _read_epoch_seconds
    # text is read to the microsecond (``sqlite_iso_micros``); epoch numbers (a generic layout's,
    # Axon's) come to the nearest microsecond
    return sa.case((sa.func.typeof(time) == "text", sqlite_iso_micros(time, layout.engine)),
                   else_=sa.cast(sa.func.round(epoch * 1_000_000), sa.Integer)), _read_epoch_micros


#: ``TIME_BLANKS`` as a SQL string literal (the characters themselves between quotes: SQLite,
#: PostgreSQL and MariaDB take them so)
_BLANKS_SQL = "'" + TIME_BLANKS + "'"
#: one digit (GLOB)
_D = "[0-9]"


def sqlite_iso_micros(time: sa.ColumnElement[Any], engine: Any = None) -> sa.ColumnElement[Any]:
    """SQLite: microseconds since 1970 of a text time in the grammar of stored times
    (``inspector.core.events.STORED_TIME``), exactly as ``parse_time`` reads it; NULL for any
    other value.

    Text in the form ``julianday`` reads (``YYYY-MM-DD`` ``T`` or space ``HH:MM``, optional
    ``:SS`` and fraction, ``Z`` or ``+HH:MM``, and no blank where ``julianday`` would skip one)
    is read by it: its whole seconds, and the
    fraction's first six digits as written (``julianday`` rounds to the millisecond). It also
    reads hour 24, year 0 and 30 February (as 2 March): the GLOB and the day check leave those
    out, and the first and last years (where an offset may leave the years a datetime holds) go
    the other way. Every other row (lower case, blanks, commas, ``+HHMM``, ``+HH``, offsets of 15
    hours, the first and last years, no time at all) is read by ``parse_time`` itself through
    ``TIME_FUNCTION`` on the inspector's own connections (``has_time_function(engine)``), else by
    a reading in SQL alone (``_sqlite_iso_micros_in_sql``, some 40 times as costly a row)."""
    from inspector.stores.connect import TIME_FUNCTION, has_time_function

    raw = sa.cast(time, sa.Text)
    day = sa.func.substr(raw, 1, 10)
    julian_form = sa.and_(
        raw.op("GLOB")(f"{_D * 4}-[01]{_D}-[0-3]{_D}[T ][0-2]{_D}:[0-5]{_D}*"),
        # julianday skips blanks before a zone ('Z', '+HH:MM') and at the end, where the grammar has
        # none: no blank (each sorts at or below ' ') last, before a 'Z' or before a '+HH:MM'
        sa.func.substr(raw, -1) > " ", sa.func.substr(raw, -2, 1) > " ",
        sa.or_(sa.func.substr(raw, -7, 1) > " ", sa.func.length(raw) == 17),
        sa.func.substr(raw, 12, 2) <= "23", sa.func.substr(raw, 1, 4).between("0002", "9998"),
        sa.or_(sa.func.substr(raw, 17, 1) != ":", sa.func.substr(raw, 18, 2) <= "59"),
        sa.or_(sa.func.substr(raw, 9, 2) <= "28", sa.func.date(sa.func.julianday(day)) == day),
    )
    # '0' and the point and six digits after the seconds read as a number: '0.082813' ('0.5Z' as 0.5);
    # in this form what stands there otherwise reads as 0 ('0+01:00', '0Z', '0:00' without seconds, '0')
    fraction = sa.cast(sa.literal_column("'0'").concat(sa.func.substr(raw, 20, 7)), sa.Float)
    epoch = (sa.func.julianday(raw) - 2440587.5) * 86400.0
    read = (sa.cast(sa.func.round(epoch - fraction), sa.Integer) * 1_000_000
            + sa.cast(sa.func.round(fraction * 1_000_000), sa.Integer))
    if has_time_function(engine):
        apart = getattr(sa.func, TIME_FUNCTION)(sa.cast(raw, sa.LargeBinary), type_=sa.Integer())
    else:
        apart = _sqlite_iso_micros_in_sql(time)
    return sa.case((julian_form, sa.func.coalesce(read, apart)), else_=apart)


def _sqlite_iso_micros_in_sql(time: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """SQLite, in SQL alone: microseconds since 1970 of a text time in the grammar of stored times
    (``inspector.core.events.STORED_TIME``), exactly as ``parse_time`` reads it; NULL for any
    other value. Blanks around it are trimmed, ``t``/``z`` read as ``T``/``Z`` (upper case), a
    comma as the fraction's point; the fraction's first six digits are the microseconds (the
    rest cut off, as Python does); the whole seconds are ``julianday``'s of the text without its
    fraction and zone (a double, exact to far below a second), less the offset. ``julianday``
    also reads 'now', bare numbers, 30 February (as 2 March), year 0 and hour 24: the GLOBs and
    the day check leave those without a time. Past 9999 or before year 1 in UTC: no time."""
    text = sa.func.upper(sa.func.replace(sa.func.trim(sa.cast(time, sa.Text), sa.literal_column(_BLANKS_SQL)),
                                         ",", "."), type_=sa.String())
    zone_length = sa.case((sa.func.substr(text, -1) == "Z", 1),
                          (sa.func.substr(text, -6).op("GLOB")(f"[+-]{_D}{_D}:{_D}{_D}"), 6),
                          (sa.func.substr(text, -5).op("GLOB")(f"[+-]{_D}{_D}{_D}{_D}"), 5),
                          (sa.func.substr(text, -3).op("GLOB")(f"[+-]{_D}{_D}"), 3), else_=0)
    local_length = sa.func.length(text) - zone_length
    day = sa.func.substr(text, 1, 10)
    shaped = sa.and_(
        sa.func.substr(text, 1, 16).op("GLOB")(f"{_D * 4}-[01]{_D}-[0-3]{_D}[T ][0-2]{_D}:[0-5]{_D}"),
        sa.func.substr(text, 12, 2) <= "23", sa.func.substr(text, 1, 4) != "0000",
        sa.or_(local_length == 16,
               sa.and_(local_length == 19, sa.func.substr(text, 17, 3).op("GLOB")(f":[0-5]{_D}")),
               sa.and_(local_length >= 21, sa.func.substr(text, 17, 4).op("GLOB")(f":[0-5]{_D}."),
                       sa.not_(sa.func.substr(text, 21, local_length - 20).op("GLOB")("*[^0-9]*")))),
        # zone hours under 16, minutes under 60
        sa.or_(zone_length < 3, sa.and_(sa.func.substr(text, local_length + 2, 2) <= "15",
                                        sa.or_(zone_length == 3, sa.func.substr(text, -2) <= "59"))),
        sa.or_(sa.func.substr(text, 9, 2) <= "28", sa.func.date(sa.func.julianday(day)) == day),
    )
    whole = sa.func.julianday(day.concat(" ").concat(
        sa.func.substr(text, 12, sa.case((local_length >= 19, 8), else_=5))))
    seconds = sa.cast(sa.func.round((whole - 2440587.5) * 86400.0), sa.Integer)
    sign = sa.case((sa.func.substr(text, local_length + 1, 1) == "-", -1), else_=1)
    offset = sa.case((zone_length < 3, 0), else_=sign * (
        sa.cast(sa.func.substr(text, local_length + 2, 2), sa.Integer) * 3600
        + sa.case((zone_length > 3, sa.cast(sa.func.substr(text, -2), sa.Integer) * 60), else_=0)))
    fraction = sa.case((local_length >= 21, sa.cast(sa.func.substr(
        sa.func.substr(text, 21, sa.func.min(local_length - 20, 6)).concat("000000"), 1, 6), sa.Integer)), else_=0)
    micros = (seconds - offset) * 1_000_000 + fraction
    return sa.case((sa.and_(shaped, micros >= _FIRST_MICROS, micros < _PAST_MICROS), micros), else_=None)


#: microseconds since 1970 of 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: times Python holds
_FIRST_MICROS = -62135596800 * 1_000_000
_PAST_MICROS = 253402300800 * 1_000_000
#: the same in seconds, written into the statement (a bound parameter would be typed as a 32-bit integer)
_FIRST_SECOND: sa.ColumnElement[Any] = sa.literal_column("-62135596800")
_PAST_SECOND: sa.ColumnElement[Any] = sa.literal_column("253402300800")


def _read_epoch_seconds(value: Any) -> datetime | None:
    """Epoch seconds as PostgreSQL and MariaDB give them (exact decimals; floats elsewhere) as
    an aware datetime, to the microsecond (a float of the last microsecond of 9999 is past it)."""
    if value is None:
        return None
    if isinstance(value, float):
        return parse_time(value)
    try:
        return _read_epoch_micros(int(Decimal(value).scaleb(6).to_integral_value(ROUND_HALF_EVEN)))
    except (ArithmeticError, ValueError):
        return None


def _read_epoch_micros(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(value))
    except OverflowError:
        return None


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def postgresql_iso_epoch(time: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """Epoch seconds (exact numeric) of text in the grammar of stored times on PostgreSQL, as
    ``parse_time`` reads it; NULL for any other value. A failed cast would end the whole query:
    only text the pattern takes (blanks around it trimmed) is cast, with a comma read as the
    fraction's point and the fraction cut to six digits (the cast would round the seventh).
    Text without a zone is UTC because the session's TimeZone is UTC (connect.py). Past 9999 or
    before year 1 in UTC (an offset moving a first or last day over): no time, as in Python."""
    text = sa.func.btrim(sa.cast(time, sa.Text), sa.literal_column(_BLANKS_SQL), type_=sa.String())
    points = sa.func.translate(text, ",", ".", type_=sa.String())
    # a fraction follows seconds, from the 21st character: digits past its 6th are cut
    cut = sa.case((sa.func.ascii(sa.func.substr(text, 27, 1)).between(48, 57),
                   sa.func.regexp_replace(points, "^(.{19}[.][0-9]{6})[0-9]+", "\\1")), else_=points)
    epoch = sa.extract("epoch", sa.cast(cut, sa.DateTime(timezone=True)))
    edge = sa.func.left(text, 4).in_(("0001", "9999"))
    in_range = sa.case((sa.and_(epoch >= _FIRST_SECOND, epoch < _PAST_SECOND), epoch), else_=None)
    return sa.case((sa.not_(text.regexp_match(ISO_TIME_PG)), None), (edge, in_range), else_=epoch)


def mysql_iso_epoch(time: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """Epoch seconds (exact decimal) of text in the grammar of stored times on MySQL/MariaDB, as
    ``parse_time`` reads it; NULL for any other value.

    ``str_to_date`` neither reads offsets nor optional fractions, so the parts are read
    apart: the date and time by position (seconds 0 where there are none), the fraction's
    first six digits and the zone by pattern, on the text with its blanks trimmed (``TRIM``
    takes spaces only: the other blanks become spaces first, the pattern having allowed
    them only around the text). ``TIMESTAMPDIFF`` from 1970 does not depend on the session
    time zone or 2038. Past 9999 or before year 1 in UTC: no time, as in Python.
    """
    spaced: sa.ColumnElement[Any] = time
    for blank in TIME_BLANKS[1:]:
        spaced = sa.func.replace(spaced, sa.literal_column(f"'{blank}'"), sa.literal_column("' '"))
    # text led by a digit and ending in no blank (ASCII above 32) is read as it is, the rest trimmed
    bare = sa.and_(sa.func.ascii(time).between(48, 57), sa.func.ascii(sa.func.right(time, 1)) > 32)
    text = sa.case((bare, time), else_=sa.func.trim(spaced))
    clock = sa.func.concat(sa.func.substring(text, 12, 5), ":",
                           sa.case((sa.func.substring(text, 17, 1) == ":", sa.func.substring(text, 18, 2)),
                                   else_="00"))
    base = sa.func.str_to_date(sa.func.concat(sa.func.left(text, 10), " ", clock), "%Y-%m-%d %H:%i:%s")
    seconds = sa.func.timestampdiff(sa.literal_column("SECOND"), sa.literal("1970-01-01 00:00:00"), base)
    digits = sa.func.substring(sa.func.nullif(sa.func.regexp_substr(text, "[.,][0-9]+"), ""), 2, 6)
    fraction = sa.func.coalesce(sa.cast(sa.func.concat("0.", sa.func.rpad(digits, 6, "0")), sa.Numeric(7, 6)), 0)
    zone = sa.func.replace(sa.func.nullif(sa.func.regexp_substr(text, "[+-][0-9]{2}(:?[0-9]{2})?$"), ""), ":", "")
    sign = sa.case((sa.func.left(zone, 1) == "-", -1), else_=1)
    minutes = sa.case((sa.func.length(zone) == 5, sa.cast(sa.func.substring(zone, 4, 2), sa.Integer)), else_=0)
    offset = sa.func.coalesce(sign * (sa.cast(sa.func.substring(zone, 2, 2), sa.Integer) * 3600 + minutes * 60), 0)
    epoch = seconds + fraction - offset
    edge = sa.func.left(text, 4).in_(("0001", "9999"))
    in_range = sa.case((sa.and_(epoch >= _FIRST_SECOND, epoch < _PAST_SECOND), epoch), else_=None)
    return sa.case((sa.not_(sa.type_coerce(time, sa.String()).regexp_match(ISO_TIME_MYSQL)), None),
                   (edge, in_range), else_=epoch)


_ISO_FORM = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})(?P<sep>[T ])(?P<hm>\d{2}:\d{2})(?P<sec>:\d{2})?"
    r"(?:(?P<dot>[.,])(?P<frac>\d{1,9}))?(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)


#: the characters that begin or make up a zone (``+01:00``, ``-0100``, ``Z``) in ISO-8601 text
ZONE_MARKS = "+-:Zz"


def no_zone_in_digit_places(text: sa.ColumnElement[Any], sample: str, dialect: str) -> sa.ColumnElement[bool]:
    """For ``text`` (compared bytewise: COLLATE "C" on PostgreSQL, a binary cast on MariaDB) already
    LIKE ``sample`` with every digit's place as ``_``: that no digit's place holds a zone's mark
    (where ``.123456`` is written, ``.1+0100`` and ``.12345Z`` have the length and every other
    character): as many ``+ - : Z z`` as ``sample`` has, the other places being ``sample``'s own.
    One nested REPLACE and a length per row; SQLite's GLOB asks ``[0-9]`` instead."""
    def mark(value: str) -> Any:
        return value if dialect == "postgresql" else sa.literal(value.encode(), sa.LargeBinary)
    left: sa.ColumnElement[Any] = text
    for ch in ZONE_MARKS:
        left = sa.func.replace(left, mark(ch), mark(""))
    return sa.func.length(left) == len(sample) - sum(sample.count(ch) for ch in ZONE_MARKS)


@dataclass(frozen=True)
class IsoTextForm:
    """The one ISO-8601 form a column's text times are written in, learned from a stored value.

    Bounds written in that form compare with the stored text as the instants compare, so
    a time range is a range of the column (and of its index). ``at_or_after`` rounds up to
    the stored precision and ``at_or_before`` down: for a value ``v`` on that grid,
    ``v >= at_or_after(t)`` exactly when ``v >= t``, and ``v <= at_or_before(t)`` when ``v <= t``.
    """

    sep: str
    seconds: bool
    dot: str
    digits: int
    zone: str  # '' (UTC, as naive text is read), 'Z'/'z', or an offset as written ('+02:00', '+0200', '+02')

    @classmethod
    def of(cls, sample: Any) -> "IsoTextForm | None":
        if not isinstance(sample, str):
            return None
        match = _ISO_FORM.match(sample)
        if match is None:
            return None
        frac = match["frac"] or ""
        return cls(sep=match["sep"], seconds=bool(match["sec"]), dot=match["dot"] or "", digits=len(frac),
                   zone=match["zone"] or "")

    def _offset(self) -> timedelta:
        if self.zone in ("", "Z", "z"):
            return timedelta(0)
        sign = -1 if self.zone[0] == "-" else 1
        digits = self.zone[1:].replace(":", "")
        return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))

    def _step(self) -> timedelta:
        if not self.seconds:
            return timedelta(minutes=1)
        return timedelta(microseconds=10 ** max(0, 6 - self.digits))

    def _render(self, local: datetime) -> str:
        text = f"{local.year:04d}-{local.month:02d}-{local.day:02d}{self.sep}{local.hour:02d}:{local.minute:02d}"
        if self.seconds:
            text += f":{local.second:02d}"
        if self.digits:
            text += self.dot + f"{local.microsecond:06d}{'0' * 3}"[: self.digits]
        return text + self.zone

    def _local(self, instant: datetime) -> datetime:
        return (instant.astimezone(timezone.utc) + self._offset()).replace(tzinfo=None)

    def at_or_before(self, instant: datetime) -> str:
        local = self._local(instant)
        step = self._step()
        floored = local - (local - datetime.min) % step
        return self._render(floored)

    def at_or_after(self, instant: datetime) -> str:
        local = self._local(instant)
        step = self._step()
        rest = (local - datetime.min) % step
        return self._render(local + (step - rest) if rest else local)


def rowid_column(table: sa.Table) -> sa.Column[Any]:
    """SQLite's implicit rowid as a column of ``table`` (the global order of tables without one)."""
    if "rowid" not in table.c:
        table.append_column(sa.Column("rowid", sa.Integer, key="rowid"))
    return table.c.rowid
