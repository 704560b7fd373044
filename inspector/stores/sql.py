"""One EventStore adapter for every SQL layout: SQLAlchemy Core, keyset paging, work pushed into SQL."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any, Callable, Generator, Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.sql.visitors import ExternallyTraversible, replacement_traverse

from inspector.core.cancel import CancelToken, Progress, check
from inspector.core.decoding import decode_json, text_or_bytes
from inspector.core.events import Event, StreamSummary, actor_text, category_key, in_category
from inspector.core.matching import searchable_text
from inspector.core.terminal import quoted_name
from inspector.core.type_drift import DEFAULT_SAMPLE, TypeSurvey
from inspector.stores.base import (
    ACTOR_DECODED_ROWS,
    ACTOR_ROWS,
    ConnectionLost,
    EventFilter,
    Histogram,
    Snapshot,
    StoreError,
    StoreInfo,
    StoredRecord,
    count_actors,
    escape_like,
    glob_to_like,
)
from inspector.stores.connect import enforce_read_only_check, for_one_statement, plain_rows, redact, role_can_write
from inspector.stores.connect import streamed_plain_rows
from inspector.stores.identity import sqlite_file_of, store_identity_key
from inspector.stores.lazy import (
    FoldEvent,
    FoldView,
    LazyEvent,
    capped_columns,
    capped_row_event,
    fold_row_shape,
    full_event,
    lazy_events,
    left_out,
    widened,
)
from inspector.stores.layouts.base import (IsoTextForm, SqlLayout, Utf8mb4, epoch_seconds, exact_time_key,
                                           no_zone_in_digit_places, version_of)

PAGE = 1000
#: rows per driver round trip while a fold streams one stream's events
FOLD_BATCH = 2000
#: at most this many connections count one SQLite histogram's buckets side by side
HISTOGRAM_THREADS = 4
_UNKNOWN = object()
#: MySQL's and MariaDB's dialect names
_MYSQL = ("mysql", "mariadb")
#: ISO text read row by row: how far an instant may lie from the local date written first (a zone
#: offset under 16 hours, before the date's own midnight or after its last second)
_BEFORE_DATE = timedelta(hours=16)
_AFTER_DATE = timedelta(hours=40)
#: A UTC offset as ``datetime.isoformat()`` ends with it.
_OFFSET = re.compile(r"[+-][0-9][0-9]:[0-5][0-9]")


@dataclass(frozen=True)
class StoredTime:
    """The layout's time column as stored, with bounds written in its own form.

    ``after(t)`` is the smallest stored value at or after ``t`` and ``before(t)`` the
    largest at or before it (text rounds to the stored precision; timestamps and numbers
    compare as they are), so ``column >= after(a) AND column < after(b)`` holds exactly the
    rows timed in ``[a, b)``, and is an index range where the column is indexed.
    """

    column: sa.ColumnElement[Any]
    guard: sa.ColumnElement[bool] | None
    indexed: bool
    after: Any  # Callable[[datetime], Any]
    before: Any

    def at_least(self, instant: datetime) -> sa.ColumnElement[bool]:
        return self.column >= self.after(instant)

    def below(self, instant: datetime) -> sa.ColumnElement[bool]:
        return self.column < self.after(instant)

    def at_most(self, instant: datetime) -> sa.ColumnElement[bool]:
        return self.column <= self.before(instant)


def one_line(exc: BaseException) -> str:
    """The first line of a driver error, without SQL or parameters."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


def _no_time(_value: Any) -> None:
    return None


def _partial(index: sa.Index) -> bool:
    """Whether a reflected index covers only the rows of a WHERE clause (its uniqueness then
    says nothing of the other rows)."""
    return any(options.get("where") is not None for options in index.dialect_options.values())


class SqlEventStore:
    """Reads one SQL layout. Every call takes its own pooled connection, so workers may share the store."""

    def __init__(self, engine: Engine, layout: SqlLayout, location: str) -> None:
        self.engine = engine
        self.layout = layout
        self.layout_name = layout.name
        self.location = redact(location)
        self._epoch = epoch_seconds(layout)
        #: what first/last times are the MIN/MAX of where the time does not sort as stored: the
        #: epoch seconds exact to the microsecond (SQLite's julianday alone keeps milliseconds)
        exact = exact_time_key(layout)
        self._exact_epoch: sa.ColumnElement[Any] | None = None if exact is None else exact[0]
        self._read_exact: Callable[[Any], datetime | None] = _no_time if exact is None else exact[1]
        #: rows per round trip; tests shrink it to put page edges where they want them
        self.page_size = PAGE
        #: count histogram buckets as ranges of the indexed time column where the layout allows
        #: (``stored_time``); tests turn it off to compare with the epoch-seconds path
        self.histogram_by_index = True
        self._stored_time: Any = _UNKNOWN
        self._text_time: Any = _UNKNOWN
        self._iso_column: Any = _UNKNOWN  # ``_iso_text_column``
        self._form: Any = _UNKNOWN  # ``_form_pattern``
        self._form_fraction: str | None = None  # ``_form_pattern``'s sample where a zone could hide in its digits
        self._text_extremes: tuple[Any, Any] | None = None
        #: whether the event table's writes move the server's log position (asked once)
        self._logged: bool | None = None
        #: which event table opening chose where the database holds several, and how to read
        #: another (``open_store`` sets it; ``describe`` lists it first among the notes)
        self.choice_note: str | None = None
        #: the user's ``--layout`` picked the one store of that layout among several (``choice_note``)
        self.choice_asked = False
        #: how many event stores opening found in the database (PostgreSQL; 1 elsewhere)
        self.stores_here = 1
        self._order: tuple[sa.ColumnElement[Any], ...] | None = None
        self._short: dict[bool, Any] = {}  # ``_short_fold``, with the type and without
        self._span_statements: dict[str, sa.Select] = {}  # ``_fold_span_query``

    # --- plumbing ---------------------------------------------------------------------
    @contextmanager
    def _connect(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.DBAPIError as exc:
            if exc.connection_invalidated or _looks_disconnected(exc):
                raise ConnectionLost(f"connection to {self.location} lost: {one_line(exc)}") from None
            raise StoreError(f"{self.location}: {one_line(exc)}") from None
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"{self.location}: {one_line(exc)}") from None
        except sqlite3.Error as exc:  # rows read from the driver's cursor (``_plain_tuples``)
            raise StoreError(f"{self.location}: {one_line(exc)}") from None

    def _plain_tuples(self, query: sa.Select) -> bool:
        """Whether ``query``'s rows may be read from the driver's cursor as plain tuples that
        ``LazyEvent`` takes (SQLAlchemy's rows cost about 0.5 µs each: a tenth of a fold's time
        on SQLite): on SQLite, for a query of the layout's fold columns, none of which converts
        values on the way out, where the fold rows have a shape (``fold_row_shape``). On PostgreSQL
        likewise (``streamed_plain_rows``: a Row costs about 2.4k instructions of a fold's eight
        columns)."""
        dialect = self.engine.dialect
        if dialect.name not in ("sqlite", "postgresql"):
            return False
        shape = fold_row_shape(self.layout)
        columns = list(query.selected_columns)
        names = [getattr(column, "name", None) for column in columns]
        for short in (self._short_fold(), self._short_fold(typed=False)):
            if short is not None and names == short[1]:
                shape = fold_row_shape(short[0])  # a short fold's rows (``read_for_replay``)
        try:
            return (shape is not None and tuple(getattr(column, "name", None) for column in columns) == shape._fields
                    and all(column.type.dialect_impl(dialect).result_processor(dialect, None) is None
                            for column in columns))
        except Exception:  # a processor chosen by the type on the wire (PostgreSQL numerics): SQLAlchemy's rows
            return False

    def _rows(self, query: sa.Executable) -> list[Any]:
        """All rows of one bounded query, with the connection back in the pool before they are used."""
        with self._connect() as conn:
            return list(for_one_statement(conn).execute(query).all())

    def close(self) -> None:
        self.engine.dispose()

    # --- describe ---------------------------------------------------------------------
    def describe(self, *, counts: bool = True) -> StoreInfo:
        layout = self.layout
        with self._connect() as conn:
            server_version = ".".join(str(part) for part in (self.engine.dialect.server_version_info or ()))
            events = streams = None
            if counts:
                events = conn.execute(sa.select(sa.func.count()).select_from(layout.table)).scalar()
                streams = conn.execute(
                    sa.select(sa.func.count(sa.distinct(layout.stream_key()))).select_from(layout.table)
                ).scalar()
            notes = (*((self.choice_note,) if self.choice_note else ()), *layout.notes(conn))
        read_only = enforce_read_only_check(self.engine)
        table = layout.table
        can_write, role_note = role_can_write(self.engine, ((table.schema, table.name),))
        return StoreInfo(
            layout=layout.name,
            engine=self.engine.dialect.name,
            location=self.location,
            server_version=server_version or None,
            read_only=read_only,
            events=events,
            streams=streams,
            notes=notes,
            columns=tuple(layout.column_readings()),
            role_can_write=can_write,
            role_note=role_note,
        )

    # --- streams ----------------------------------------------------------------------
    def _time_key(self) -> sa.ColumnElement[Any] | None:
        """What MIN/MAX of the recorded time are taken over: the column as stored when it sorts
        as time (fast: one step down an index), else its epoch seconds exact to the microsecond
        (mixed text forms: ``exact_time_key``)."""
        layout = self.layout
        if layout.time is None:
            return None
        if layout.time_sorts_as_stored() or self._epoch is None:
            return layout.time
        return self._exact_epoch

    def _time_value(self, value: Any) -> datetime | None:
        """A MIN/MAX of ``_time_key`` as an aware datetime (None for no time)."""
        if value is None:
            return None
        if self._time_key() is self._exact_epoch:
            return self._read_exact(value)
        return self.layout.time_from_db(value)

    def _text_listing(self) -> bool:
        """Whether a listing's first/last times are its time text's MIN/MAX with their offsets
        (``time_text_sorts_within_a_zone``): no instant computed per row (eventsourcing's)."""
        return (self._exact_epoch is not None and self._time_key() is self._exact_epoch
                and self.layout.time_text_sorts_within_a_zone())

    def _iso_text_column(self) -> sa.ColumnElement[Any] | None:
        """The layout's time as a plain text column read row by row (a generic table's ISO text,
        ``exact_time_key``), whose listing is proved instead (``_listing_columns``); else None."""
        if self._iso_column is _UNKNOWN:
            layout, time = self.layout, self.layout.time
            found = None
            stored = time.clause if isinstance(time, sa.sql.elements.TypeCoerce) else time
            if (self._exact_epoch is not None and self._time_key() is self._exact_epoch
                    and not layout.time_text_sorts_within_a_zone()
                    and isinstance(stored, sa.Column) and stored.table is layout.table
                    and (layout.dialect == "sqlite" or isinstance(stored.type, sa.String))
                    and layout.dialect in ("sqlite", "postgresql", "mysql", "mariadb")):
                # the layout reads the column as ``epoch_seconds`` reads ISO text (no reading of its own)
                default, used = epoch_seconds(layout, use_custom=False), epoch_seconds(layout)
                if default is not None and used is not None and (
                        str(default.compile(self.engine)) == str(used.compile(self.engine))):
                    found = time
            self._iso_column = found
        return self._iso_column

    def _form_pattern(self) -> str | None:
        """A LIKE (GLOB on SQLite) pattern of the form the store's first timed row is written in
        (``_proof_columns``), or None where that row is no ISO text (every stream is then compared
        row by row). Digits are a digit on SQLite, any character elsewhere (where a fraction is written,
        ``_form_fraction`` is then the row, for ``no_zone_in_digit_places``), the rest and the zone as
        written; where the text has seconds and ends in a ``+HH:MM``/``-HH:MM`` offset, anything may
        stand between the seconds and the offset (a fraction of any length, or none)."""
        if self._form is _UNKNOWN:
            layout = self.layout
            time = layout.time
            assert time is not None
            query = (sa.select(sa.type_coerce(time, sa.String())).select_from(layout.table)
                     .where(time.is_not(None), *layout.scope()).limit(1))
            sample = next(iter(self._rows(query)), (None,))[0]
            form = IsoTextForm.of(sample) if isinstance(sample, str) and sample.isascii() else None
            pattern = None
            if form is not None and isinstance(sample, str):
                sqlite = layout.dialect == "sqlite"
                one, many = ("[0-9]", "*") if sqlite else ("_", "%")
                zone = form.zone
                head = sample[:len(sample) - len(zone)]
                if form.seconds and _OFFSET.fullmatch(zone):
                    pattern = "".join(one if ch.isdigit() else ch for ch in head[:19]) + many + zone
                else:
                    pattern = "".join(one if ch.isdigit() else ch for ch in head) + zone
                    if form.dot and not sqlite:  # '.1+0100' where '.123456' is written
                        self._form_fraction = sample
            self._form = pattern
        return self._form

    def _proof_columns(self, time: sa.ColumnElement[Any]) -> list[sa.ColumnElement[Any]]:
        """A listing's first/last times of ISO text with no instant computed per row: the
        stream's lowest and highest text (compared bytewise), each read as an instant by the
        exact reading once per stream, and whether every row of the stream is written in the
        store's form (``_form_pattern``: one LIKE or GLOB per row).

        Where every row is, the readable times all have one zone, one separator and seconds (or
        all none) at the same places, and either one length, or seconds and a ``+HH:MM`` offset with
        a fraction of any length or none between: what follows the seconds, ``.`` then digits,
        sorts above the ``+``/``-`` (and blanks) that end a shorter text, and digits compare as
        numbers. Their text order is then their time order, so the lowest and highest text that
        read as times are the first and last instants; rows that do not read as times are left
        out either way. ``_proved`` checks it; streams without that proof get their instants
        compared row by row (``_unproven_times``), as every stream was before."""
        dialect = self.layout.dialect
        exact = self._exact_epoch
        assert exact is not None
        pattern = self._form_pattern()
        if dialect == "sqlite":
            raw: sa.ColumnElement[Any] = sa.collate(time, "BINARY")
            in_form: sa.ColumnElement[Any] = raw.op("GLOB")(pattern)
        elif dialect == "postgresql":
            raw = sa.collate(time, "C")
            in_form = raw.like(pattern) if pattern is not None else sa.false()
        else:
            raw = sa.cast(time, sa.LargeBinary)
            in_form = raw.op("LIKE")(sa.literal((pattern or "").encode(), sa.LargeBinary))
        if pattern is None:  # no row is timed, or the first is no ISO text: no stream is proved
            in_form = sa.false()
        elif self._form_fraction is not None:
            in_form = sa.and_(in_form, no_zone_in_digit_places(raw, self._form_fraction, dialect))
        lowest, highest = sa.func.min(raw), sa.func.max(raw)

        def read(text: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
            value: sa.ColumnElement[Any] = Utf8mb4(text) if dialect in ("mysql", "mariadb") else text

            def swap(element: ExternallyTraversible, **_kw: Any) -> ExternallyTraversible | None:
                return value if element is time else None
            return replacement_traverse(exact, {}, swap)

        both_text = (sa.and_(sa.func.typeof(lowest) == "text", sa.func.typeof(highest) == "text")
                     if dialect == "sqlite" else sa.true())
        first, last = read(lowest), read(highest)
        if dialect in ("mysql", "mariadb"):
            # MariaDB computes each MIN written in the reading apart (about eight per end, every
            # row): the two texts are read as instants by ``_read_texts`` instead
            first, last = Utf8mb4(lowest), Utf8mb4(highest)
        return [
            first.label("first_at"),
            last.label("last_at"),
            (sa.func.min(sa.case((in_form, 1), else_=0)) if pattern is not None else sa.literal(0)).label("in_form"),
            sa.case((both_text, 1), else_=0).label("text_ends"),
            sa.case((lowest.is_(None), 1), else_=0).label("no_text"),
        ]

    @staticmethod
    def _proved(row: Any) -> bool:
        """Whether a listing row's ``_proof_columns`` prove its first/last times (see there)."""
        if row.no_text:
            return True  # no time in the stream: None, None as the row says
        return bool(row.in_form) and bool(row.text_ends) and row.first_at is not None and row.last_at is not None

    def _unproven_times(self, rows: Sequence[Any]) -> dict[str, tuple[datetime | None, datetime | None]]:
        """First and last instants, compared row by row, of the listed streams whose text times
        ``_proved`` does not cover: one statement per ``_DECODED_TIMES_CHUNK`` such streams (each
        stream's rows through the stream index), not one per stream."""
        if self._iso_text_column() is None:
            return {}
        layout, exact = self.layout, self._exact_epoch
        assert exact is not None
        found: dict[str, tuple[datetime | None, datetime | None]] = {}
        if self.engine.dialect.name in ("mysql", "mariadb"):
            names = [layout.stream_from_db(row.stream) for row in self._read_texts(rows, found) if not row.no_text]
        else:
            names = [layout.stream_from_db(row.stream) for row in rows if not self._proved(row)]
        for start in range(0, len(names), self._DECODED_TIMES_CHUNK):
            chunk = names[start:start + self._DECODED_TIMES_CHUNK]
            parts = [sa.select(sa.literal(index).label("i"), sa.func.min(exact).label("low"),
                               sa.func.max(exact).label("high"))
                     .select_from(layout.table).where(layout.stream_is(name), *layout.scope())
                     for index, name in enumerate(chunk)]
            query = parts[0] if len(parts) == 1 else sa.union_all(*parts)
            for row in self._rows(query):
                found[chunk[int(row.i)]] = (self._read_exact(row.low), self._read_exact(row.high))
        return found

    def _read_texts(self, rows: Sequence[Any],
                    found: dict[str, tuple[datetime | None, datetime | None]]) -> list[Any]:
        """MariaDB/MySQL: the listed streams' lowest and highest texts (``_proof_columns``) read as
        instants by the exact reading, one statement per ``_DECODED_TIMES_CHUNK`` streams; the proved
        ones go into ``found``, the others are returned (their instants are then compared row by row)."""
        layout, exact, time = self.layout, self._exact_epoch, self.layout.time
        assert exact is not None and time is not None

        def read(text: Any) -> sa.ColumnElement[Any]:
            value = sa.literal(text, sa.String())

            def swap(element: ExternallyTraversible, **_kw: Any) -> ExternallyTraversible | None:
                return value if element is time else None
            return replacement_traverse(exact, {}, swap)

        left: list[Any] = []
        timed = [row for row in rows if not row.no_text and row.in_form and row.first_at is not None
                 and row.last_at is not None]
        left.extend(row for row in rows if row.no_text or not (row.in_form and row.first_at is not None
                                                                and row.last_at is not None))
        for start in range(0, len(timed), self._DECODED_TIMES_CHUNK):
            chunk = timed[start:start + self._DECODED_TIMES_CHUNK]
            parts = [sa.select(sa.literal(index).label("i"), read(row.first_at).label("low"),
                               read(row.last_at).label("high")) for index, row in enumerate(chunk)]
            query = parts[0] if len(parts) == 1 else sa.union_all(*parts)
            for answer in self._rows(query):
                row = chunk[int(answer.i)]
                if answer.low is None or answer.high is None:
                    left.append(row)
                else:
                    found[layout.stream_from_db(row.stream)] = (self._read_exact(answer.low),
                                                                 self._read_exact(answer.high))
        return left

    def _listing_columns(self, stream: sa.ColumnElement[Any]) -> list[sa.ColumnElement[Any]]:
        layout = self.layout
        time = self._time_key()
        iso = self._iso_text_column()
        if iso is not None:
            return [
                stream.label("stream"),
                sa.func.count().label("count"),
                sa.func.min(layout.version_number()).label("first_version"),
                sa.func.max(layout.version_number()).label("last_version"),
                *self._proof_columns(iso),
                _or_null(layout.category_hint()).label("first_type"),
                *self._timed_apart_column(),
            ]
        zones: list[sa.ColumnElement[Any]] = [sa.null().label("first_zone"), sa.null().label("last_zone")]
        if self._text_listing():
            assert layout.time is not None
            time = sa.type_coerce(layout.time, sa.String())
            zone = sa.func.substr(time, -6) if self.engine.dialect.name == "sqlite" else sa.func.right(time, 6)
            zones = [sa.func.min(zone).label("first_zone"), sa.func.max(zone).label("last_zone")]
        return [
            stream.label("stream"),
            sa.func.count().label("count"),
            sa.func.min(layout.version_number()).label("first_version"),
            sa.func.max(layout.version_number()).label("last_version"),
            (sa.func.min(time) if time is not None else sa.null()).label("first_at"),
            (sa.func.max(time) if time is not None else sa.null()).label("last_at"),
            _or_null(layout.category_hint()).label("first_type"),
            *zones,
            *self._timed_apart_column(),
        ]

    def _timed_apart_column(self) -> list[sa.ColumnElement[Any]]:
        """``timed_apart``: 2 where a listed stream holds rows whose time only decoding tells
        (``timed_apart``), else 1 where it holds other rows SQL does not time (``unreadable_clause``:
        compressed or encrypted states), else 0; ``_listing_times`` then decodes those rows. No
        column where the layout has no such rows."""
        layout = self.layout
        apart, untimed = layout.timed_apart(), layout.unreadable_clause()
        if apart is None and untimed is None:
            return []
        if untimed is None:
            assert apart is not None
            return [sa.func.max(sa.case((apart, 2), else_=0)).label("timed_apart")]
        # ``timed_apart`` rows are among ``unreadable_clause``'s: asked only of those (rare), so a
        # row the library wrote is searched once, as for its time
        mark = sa.case((apart, 2), else_=1) if apart is not None else sa.literal(1)
        return [sa.func.max(sa.case((untimed, mark), else_=0)).label("timed_apart")]

    def _listing_times(self, name: str, row: Any, decoded: dict[str, tuple[datetime, datetime]],
                       unproven: dict[str, tuple[datetime | None, datetime | None]] | None = None,
                       ) -> tuple[datetime | None, datetime | None]:
        """A listing row's first and last times, exact to the microsecond: the text's MIN/MAX
        where every row of the stream has one offset (``_text_listing``), else the stream's
        instants compared (one aggregate over its rows, through the stream index), with the
        times of its rows SQL does not time (``decoded``, from ``_decoded_times``) taken in:
        the times shown cover every event, also where every row is compressed (as its events
        are timed; an encrypted state has no time)."""
        if unproven is not None and name in unproven:
            first, last = unproven[name]
        else:
            first, last = self._sql_listing_times(name, row)
        low, high = decoded.get(name, (None, None))
        if low is not None and high is not None:
            first = low if first is None or low < first else first
            last = high if last is None or high > last else last
        return first, last

    #: streams whose undecoded rows one ``_decoded_times`` statement reads
    _DECODED_TIMES_CHUNK = 100

    def _decoded_times(self, rows: Sequence[Any]) -> dict[str, tuple[datetime, datetime]]:
        """Per listed stream holding rows SQL does not time (``_timed_apart_column``: compressed
        or encrypted states, states whose time only decoding tells), the first and last time of
        those rows, decoded as reading the events decodes them: one statement per
        ``_DECODED_TIMES_CHUNK`` such streams of the page (their rows alone, through the stream
        index), not one per stream."""
        layout = self.layout
        # each such stream by its stored id as listed: its rows are those holding exactly that id
        stored = {_hashable(row.stream): row.stream for row in rows if getattr(row, "timed_apart", None)}
        untimed = layout.unreadable_clause()
        if untimed is None:  # rows only decoding times, none that SQL cannot read
            untimed = layout.timed_apart()
        times: dict[Any, tuple[datetime, datetime]] = {}
        ids = list(stored)
        for start in range(0, len(ids), self._DECODED_TIMES_CHUNK):
            chunk = [stored[key] for key in ids[start:start + self._DECODED_TIMES_CHUNK]]
            query = (sa.select(*layout.columns).select_from(layout.table)
                     .where(layout.stream.in_(chunk), *([] if untimed is None else [untimed]), *layout.scope()))
            for row in self._rows(query):
                key = _hashable(row.stream)
                at = layout.row_time(row) if key in stored else None  # not a twin under the collation
                if at is not None:
                    low, high = times.get(key, (at, at))
                    times[key] = (min(low, at), max(high, at))
        return {layout.stream_from_db(stored[key]): span for key, span in times.items()}

    def _sql_listing_times(self, name: str, row: Any) -> tuple[datetime | None, datetime | None]:
        if self._iso_text_column() is not None:  # proved (``_proved``); the others are in ``unproven``
            return self._read_exact(row.first_at), self._read_exact(row.last_at)
        if not self._text_listing():
            return self._time_value(row.first_at), self._time_value(row.last_at)
        if row.first_at is None:
            return None, None
        layout = self.layout
        if row.first_zone == row.last_zone and _OFFSET.fullmatch(str(row.first_zone)):
            first, last = layout.time_from_db(row.first_at), layout.time_from_db(row.last_at)
            if first is not None and last is not None:
                return first, last
        exact = self._exact_epoch
        assert exact is not None
        low, high = self._rows(sa.select(sa.func.min(exact), sa.func.max(exact)).select_from(layout.table)
                               .where(layout.stream_is(name), *layout.scope()))[0]
        return self._read_exact(low), self._read_exact(high)

    def _listing_where(self, query: sa.Select, match: str | None, category: str | None) -> sa.Select:
        layout = self.layout
        query = query.select_from(layout.table).where(layout.stream.is_not(None), *layout.scope())
        if match:
            query = query.where(layout.match_clause(match))
        if category:
            clause = layout.category_clause(category)
            if clause is not None:
                query = query.where(clause)
        return query

    def stream_listing_query(self, *, match: str | None = None, category: str | None = None,
                             after: str | None = None, limit: int = 500, inclusive: bool = False,
                             having: sa.ColumnElement[bool] | None = None) -> sa.Select:
        """One page of per-stream counts, grouped by the database.

        Relies on the layout's ``stream_index`` (stream, version): GROUP BY stream in index
        order with a keyset ``stream > :after`` reads only the page it returns.
        ``inclusive`` keeps the group equal to ``after`` (see ``_exact_listing_rows``);
        ``having`` narrows the groups by the layout's ``category_having``.
        """
        layout = self.layout
        query = self._listing_where(sa.select(*self._listing_columns(layout.stream)), match, category)
        if after is not None and layout.stream_exists_possibly(after):
            query = query.where(layout.listing_after(after, inclusive=inclusive))
        if having is not None:
            query = query.having(having)
        keys = layout.listing_keys()  # the stream column, or its key columns (Marten's tenant, id)
        dialect = self.engine.dialect.name
        if match and having is None and len(keys) == 1 and keys[0] is layout.stream and (
                dialect in ("mysql", "mariadb")):
            # the page's names first, from the stream index alone; only their rows are then read for
            # counts and times (MariaDB otherwise fetches every row before it tests the name: 90 s
            # at 10 M rows). Not on PostgreSQL, which tests the name on the row it reads anyway and
            # misjudges how many names match: the join back to the names ran 13x the plain query
            # at 1 M rows / 1,000 streams (4.9 s against 0.36 s). On MariaDB/MySQL text streams a
            # DISTINCT (or a GROUP BY with only MIN or MAX) runs as a loose index scan that tests the
            # byte-exact match on one name per collation group only, and loses groups whose first
            # name does not match ('Order-1' hides 'order-1' from '*order*'; MariaDB 10.11): a count
            # per group rules that plan out,
            # so every index entry is tested (a scan of the index, in its order, no row fetched).
            if dialect in ("mysql", "mariadb") and layout.exact_text_streams():
                names = self._listing_where(sa.select(layout.stream.label("stream"), sa.func.count().label("rows")),
                                            match, category).group_by(layout.stream)
            else:
                names = self._listing_where(sa.select(layout.stream.label("stream")).distinct(), match, category)
            if after is not None and layout.stream_exists_possibly(after):
                names = names.where(layout.listing_after(after, inclusive=inclusive))
            page = names.order_by(layout.stream).limit(limit).subquery("matching")
            query = query.where(layout.stream.in_(sa.select(page.c.stream)))
        return query.group_by(*keys).order_by(*keys).limit(limit)

    def stream_split_query(self, *, match: str | None = None, category: str | None = None,
                           after: str | None = None, upto: Any = None, limit: int = 500,
                           within: Sequence[Any] | None = None) -> sa.Select:
        """Per-stream counts grouped by the exact name, between ``after`` and ``upto`` in collation order.

        For MySQL/MariaDB text streams: ``upto`` bounds the rows read to the groups one
        ``stream_listing_query`` page found through the index, so the extra grouping by
        bytes (which no index orders) only sorts that page.
        """
        layout = self.layout
        key = layout.stream_key()
        query = self._listing_where(sa.select(*self._listing_columns(sa.func.min(layout.stream))), match, category)
        if after is not None:
            query = query.where(layout.stream >= after, sa.not_(sa.and_(layout.stream == after, key <= after.encode())))
        if upto is not None:
            query = query.where(layout.stream <= upto)
        if within is not None:  # the collation groups a listing query found (``_exact_listing_rows``)
            query = query.where(layout.stream.in_(list(within)))
        return query.group_by(layout.stream, key).order_by(layout.stream, key).limit(limit)

    def _exact_listing_rows(self, match: str | None, category: str | None, after: str | None,
                            limit: int) -> list[Any]:
        """A page of streams told apart by their bytes, in (collation, bytes) order after ``after``.

        The first query takes ``limit + 1`` collation groups from ``after`` on through the
        index; each holds at least one exact name and only the first may be used up, so they
        hold the page. The second splits just those groups by their bytes.
        """
        groups = self._rows(self.stream_listing_query(match=match, category=category, after=after,
                                                      limit=limit + 1, inclusive=True))
        if not groups:
            return []
        upto = groups[-1].stream if len(groups) > limit else None
        # the found groups by name (index lookups), not the stretch of the index between them
        within = [group.stream for group in groups] if match else None
        return self._rows(self.stream_split_query(match=match, category=category, after=after, upto=upto,
                                                  limit=limit, within=within))

    def streams(
        self,
        *,
        match: str | None = None,
        category: str | None = None,
        after: str | None = None,
        limit: int = 500,
    ) -> list[StreamSummary]:
        layout = self.layout
        in_sql = category is None or layout.category_clause(category) is not None
        # where only Python can tell the category, the database still leaves out most other streams
        having = None
        if not in_sql and category is not None and not layout.exact_text_streams():
            having = layout.category_having(category)
        result: list[StreamSummary] = []
        cursor = after
        # Category filters that only Python can apply may need more than one page.
        while len(result) < limit:
            page_size = limit - len(result) if in_sql else max(limit, self.page_size)
            if layout.exact_text_streams():
                rows = self._exact_listing_rows(match, category if in_sql else None, cursor, page_size)
            else:
                rows = self._rows(self.stream_listing_query(
                    match=match, category=category if in_sql else None, after=cursor, limit=page_size,
                    having=having))
            decoded = self._decoded_times(rows)
            unproven = self._unproven_times(rows)
            for row in rows:
                name = layout.stream_from_db(row.stream)
                of = layout.category_of(name, row.first_type)
                if not in_sql and category is not None and not in_category(of, category):
                    continue
                first_at, last_at = self._listing_times(name, row, decoded, unproven)
                summary = StreamSummary(
                    stream=name,
                    category=of,
                    count=int(row.count),
                    first_version=version_of(row.first_version)[0],
                    last_version=version_of(row.last_version)[0],
                    first_at=first_at,
                    last_at=last_at,
                )
                result.append(summary)
                if len(result) >= limit:
                    break
            if len(rows) < page_size:
                break
            cursor = layout.stream_from_db(rows[-1].stream)
        return result

    def stream_spelled(self, stream: str) -> str:
        """The name the stream ``stream`` spells is shown by: on a UUID-typed stream column any
        spelling of a UUID (``135BCE58-…``) is that id, shown lowercase and hyphenated
        (``SqlLayout.stream_spelled``); any other name as written. Never a query."""
        return self.layout.stream_spelled(stream)

    def category(self, stream: str) -> str | None:
        """The category ``streams`` lists for this stream (None when the stream has no rows).

        Where the layout tells it from the name (Message DB's rule) no query is needed; else
        only the layout's category hint is aggregated over the stream's rows (no counts, no
        times: a replay asks this before it starts).
        """
        layout = self.layout
        if not layout.stream_exists_possibly(stream):
            return None
        hint = layout.category_hint()
        if type(layout).category_of is SqlLayout.category_of or hint is None:
            return layout.category_of(stream, None)
        query = (self._listing_where(sa.select(hint.label("first_type")), None, None)
                 .where(layout.stream_is(stream)).group_by(*layout.listing_keys()).limit(1))
        rows = self._rows(query)
        if not rows:
            return None
        return layout.category_of(stream, rows[0].first_type)

    def categories(self) -> list[tuple[str, int]]:
        """Categories with their stream counts, sorted, each named as ``category_key`` spells it
        (``(none)``: the streams without one; ``\\(none)``: a category named ``(none)``), grouped
        by the database where the layout can say the category in SQL; by walking the stream
        listing where only Python can (topics)."""
        layout = self.layout
        per_stream = layout.stream_category_aggregate()
        if per_stream is not None:
            return self._categories_recorded(per_stream)
        expr = layout.category_expr()
        counts: dict[str, int] = {}
        if expr is not None and layout.exact_text_streams() and self.engine.dialect.name in ("mysql", "mariadb"):
            for value, count in self._exact_category_counts(expr):
                key = bytes(value).decode("utf-8", errors="replace") if value is not None else ""
                counts[category_key(key)] = counts.get(category_key(key), 0) + int(count)
            return sorted(counts.items())
        if expr is not None:
            exact = layout.exact_text_streams()
            # each stream once (grouped in the order of the stream index), then the category of
            # each: not a COUNT(DISTINCT) per category (every row sorted again) nor the category
            # computed for every row (Message DB's category() is a function call)
            names = sa.func.min(layout.stream) if exact else layout.stream  # one exact name per group
            streams = (
                sa.select(names.label("stream"))
                .select_from(layout.table)
                .where(layout.stream.is_not(None), *layout.scope())
                .group_by(layout.stream_key())
                .subquery("streams")
            )
            stream = layout.stream

            def by_stream(element: ExternallyTraversible, **_kw: Any) -> ExternallyTraversible | None:
                return streams.c.stream if element is stream else None
            per_stream = replacement_traverse(expr, {}, by_stream)
            group = sa.cast(per_stream, sa.LargeBinary) if exact else per_stream
            query = sa.select(group, sa.func.count()).select_from(streams).group_by(group)
            for value, count in self._rows(query):
                if isinstance(value, (bytes, bytearray, memoryview)):
                    value = bytes(value).decode("utf-8", errors="replace")
                key = category_key(value)
                counts[key] = counts.get(key, 0) + int(count)
            return sorted(counts.items())
        if layout.exact_text_streams():
            after = None
            while True:
                page = self.streams(after=after, limit=self.page_size)
                for summary in page:
                    key = category_key(summary.category)
                    counts[key] = counts.get(key, 0) + 1
                if len(page) < self.page_size:
                    break
                after = page[-1].stream
            return sorted(counts.items())
        # each stream's name and category hint only, a page at a time in the stream index's order:
        # a listing's counts and times are not needed here (a time inside a payload costs a
        # search of every row's bytes)
        keys = layout.listing_keys()
        hint = _or_null(layout.category_hint()).label("first_type")
        cursor: str | None = None
        while True:
            query = self._listing_where(sa.select(layout.stream.label("stream"), hint), None, None)
            if cursor is not None and layout.stream_exists_possibly(cursor):
                query = query.where(layout.listing_after(cursor))
            rows = self._rows(query.group_by(*keys).order_by(*keys).limit(self.page_size))
            for row in rows:
                key = category_key(layout.category_of(layout.stream_from_db(row.stream), row.first_type))
                counts[key] = counts.get(key, 0) + 1
            if len(rows) < self.page_size:
                break
            cursor = layout.stream_from_db(rows[-1].stream)
        return sorted(counts.items())

    def _categories_recorded(self, per_stream: sa.ColumnElement[Any]) -> list[tuple[str, int]]:
        """``categories`` where a column records them (``stream_category_aggregate``): one statement,
        each stream's category grouped by its exact name, then the streams per category, told
        apart by their bytes where a collation may not be exact (MySQL/MariaDB, and PostgreSQL
        when the stream column's collation is nondeterministic)."""
        layout = self.layout
        exact = layout.stream_category_exact()  # the form a category filter compares (one definition)
        if exact is not None and layout.exact_text_streams() and self.engine.dialect.name in ("mysql", "mariadb"):
            return self._categories_recorded_by_collation(exact)
        streams = (sa.select((per_stream if exact is None else exact).label("category")).select_from(layout.table)
                   .where(layout.stream.is_not(None), *layout.scope())
                   .group_by(layout.stream_key()).subquery("streams"))
        category: sa.ColumnElement[Any] = streams.c.category
        counts: dict[str, int] = {}
        for value, count in self._rows(sa.select(category, sa.func.count()).group_by(category)):
            if isinstance(value, (bytes, bytearray, memoryview)):
                value = bytes(value).decode("utf-8", errors="replace")
            key = category_key(None if value is None else str(value))
            counts[key] = counts.get(key, 0) + int(count)
        return sorted(counts.items())

    def _categories_recorded_by_collation(self, exact: sa.ColumnElement[Any]) -> list[tuple[str, int]]:
        """``_categories_recorded`` on MySQL/MariaDB, whose collation may hold several streams
        (``order``, ``Order``, ``order ``) in one group: rows are grouped by the stream column in
        its index's order, not by each row's bytes (a sort of every row: 6.7 s at 200k rows), and
        a group of one name (nearly all) gives its stream's category at once; only groups of
        several byte-distinct names are grouped again by their bytes, in a second pass over just
        those groups (as ``_exact_category_counts``)."""
        layout = self.layout
        where = [layout.stream.is_not(None), *layout.scope()]
        key = layout.stream_key()
        groups = (sa.select(exact.label("category"), sa.func.min(key).label("low"), sa.func.max(key).label("high"),
                            sa.func.min(layout.stream).label("stream"))
                  .select_from(layout.table).where(*where).group_by(layout.stream).subquery("groups"))
        single = sa.case((groups.c.low == groups.c.high, 1), else_=0)
        found: list[tuple[Any, int]] = []
        rows = self._rows(sa.select(groups.c.category, sa.func.sum(single), sa.func.sum(1 - single))
                          .group_by(groups.c.category))
        found.extend((value, int(singles or 0)) for value, singles, _several in rows)
        if any(int(several or 0) for _value, _singles, several in rows):
            names = [row[0] for row in self._rows(sa.select(groups.c.stream).where(groups.c.low != groups.c.high))]
            for start in range(0, len(names), 500):
                per_stream = (sa.select(exact.label("category")).select_from(layout.table)
                              .where(*where, layout.stream.in_(names[start:start + 500])).group_by(key)
                              .subquery("streams"))
                found.extend(self._rows(sa.select(per_stream.c.category, sa.func.count()).group_by(per_stream.c.category)))
        counts: dict[str, int] = {}
        for value, count in found:
            if isinstance(value, (bytes, bytearray, memoryview)):
                value = bytes(value).decode("utf-8", errors="replace")
            name = category_key(None if value is None else str(value))
            if int(count):
                counts[name] = counts.get(name, 0) + int(count)
        return sorted(counts.items())

    def _exact_category_counts(self, expr: sa.ColumnElement[Any]) -> list[tuple[Any, int]]:
        """``(category as bytes, streams)`` where streams are told apart by their bytes under a
        collation that is not exact (MySQL/MariaDB).

        Rows are grouped by the collation in the stream index's order (no sort of every row by
        its bytes) and each group's byte-distinct names counted: a group of one name (nearly
        all) gives its category at once; only groups holding several names (case, trailing
        spaces) are split by their bytes, with a second pass over just those groups."""
        layout = self.layout
        where = [layout.stream.is_not(None), *layout.scope()]
        key = layout.stream_key()
        groups = (
            sa.select(sa.func.min(layout.stream).label("stream"), sa.func.min(key).label("low"),
                      sa.func.max(key).label("high"))
            .select_from(layout.table).where(*where).group_by(layout.stream).subquery("groups")
        )
        stream = layout.stream

        def by_group(element: ExternallyTraversible, **_kw: Any) -> ExternallyTraversible | None:
            return groups.c.stream if element is stream else None
        # a group's category from its one name (groups of several names are counted apart below)
        group_category = sa.cast(replacement_traverse(expr, {}, by_group), sa.LargeBinary)
        single = sa.case((groups.c.low == groups.c.high, 1), else_=0)
        rows = self._rows(sa.select(group_category, sa.func.sum(single), sa.func.sum(1 - single))
                          .group_by(group_category))
        counts: dict[Any, int] = {}
        for value, singles, _several in rows:
            if int(singles or 0):
                name = None if value is None else bytes(value)
                counts[name] = counts.get(name, 0) + int(singles)
        category = sa.cast(expr, sa.LargeBinary)
        if any(int(several or 0) for _value, _singles, several in rows):
            several_names = [row[0] for row in self._rows(
                sa.select(groups.c.stream).where(groups.c.low != groups.c.high))]
            for start in range(0, len(several_names), 500):
                batch = several_names[start:start + 500]
                query = (sa.select(category, sa.func.count(sa.distinct(layout.stream_key())))
                         .select_from(layout.table).where(*where, layout.stream.in_(batch)).group_by(category))
                for value, count in self._rows(query):
                    name = None if value is None else bytes(value)
                    counts[name] = counts.get(name, 0) + int(count)
        return list(counts.items())

    def event_types(self) -> list[tuple[str, int]]:
        layout = self.layout
        if layout.type is None:
            return []
        query = (
            sa.select(layout.type, sa.func.count())
            .select_from(layout.table)
            .where(*layout.scope())
            .group_by(layout.type)
            .order_by(layout.type)
        )
        merged: dict[str, int] = {}
        for value, count in self._rows(query):
            name = layout.type_from_db(value)
            merged[name] = merged.get(name, 0) + int(count)
        return sorted(merged.items())

    # --- events -----------------------------------------------------------------------
    def stream_page_query(self, stream: str, *, after_version: int | None = None, after_position: Any = None,
                          to_version: int | None = None, limit: int = PAGE) -> sa.Select:
        """One page of a stream in (version, position) order; relies on the layout's ``stream_index``."""
        layout = self.layout
        query = sa.select(*layout.columns).select_from(layout.table).where(layout.stream_is(stream), *layout.scope())
        if after_version is not None:
            if after_position is None:
                query = query.where(layout.version > after_version)
            else:
                # (version, position) keyset: duplicate versions are not lost at a page edge. The
                # ``version >= v`` conjunct alone bounds the index range (an OR of the two cases
                # is not turned into one, and each page would read the stream from its start).
                query = query.where(
                    layout.version >= after_version,
                    sa.or_(layout.version > after_version, layout.position > after_position),
                )
        else:
            query = query.where(layout.version.is_not(None))
        if to_version is not None:
            query = query.where(layout.version <= to_version)
        return query.order_by(*self._stream_order()).limit(limit)

    def _stream_order(self) -> tuple[sa.ColumnElement[Any], ...]:
        """The ORDER BY of one stream's versioned rows: (version, position), written as version
        alone where the table holds at most one row per (stream, version), a primary key or
        unique index on exactly the layout's stream and version columns (Axon, Marten, Message
        DB, eventsourcing): the same order, and MariaDB then reads the stream index in order
        instead of sorting every row of the stream for a LIMIT (the first event of an Axon
        stream of 100,000 events on MariaDB took 80 to 110 ms that way). Decided once, from the
        reflected table."""
        if self._order is None:
            layout = self.layout
            stream, version, table = layout.stream, layout.version, layout.table
            pair = None
            if (isinstance(stream, sa.Column) and isinstance(version, sa.Column)
                    and stream.table is table and version.table is table):
                pair = {stream.name, version.name}
            keys: list[list[Any]] = [[column.name for column in table.primary_key.columns]]
            keys += [[e.name if isinstance(e, sa.Column) else None for e in index.expressions]
                     for index in getattr(table, "indexes", ()) if index.unique and not _partial(index)]
            keys += [[column.name for column in constraint.columns] for constraint in table.constraints
                     if isinstance(constraint, sa.UniqueConstraint)]
            unique = pair is not None and any(len(key) == 2 and set(key) == pair for key in keys)
            self._order = (version,) if unique else (version, layout.position)
        return self._order

    def _positions_never_null(self) -> bool:
        """Whether no row's position is NULL (then an event is found again by its version and
        position): a column of the layout's table that is its primary key or declared NOT NULL,
        or a position the layout computes from the row (never NULL: EventSauce without ``id``)."""
        position = self.layout.position
        if not isinstance(position, sa.Column):
            return True
        return position.primary_key or position.nullable is False

    def _versions_never_null(self) -> bool:
        """Whether the layout's version is a column its table declares NOT NULL (then no row
        of a stream lacks a version, and no query need look for one)."""
        version = self.layout.version
        return isinstance(version, sa.Column) and version.table is self.layout.table and version.nullable is False

    def read_stream(
        self,
        stream: str,
        *,
        from_version: int | None = None,
        to_version: int | None = None,
        limit: int | None = None,
        cancel: CancelToken | None = None,
        payload_cap: int | None = None,
    ) -> Iterator[Event]:
        """The stream's events in version order (rows without a version first), page by page;
        ``payload_cap``: as ``read_all``'s."""
        layout = self.layout
        check(cancel)
        if not layout.stream_exists_possibly(stream):
            return
        columns = None if payload_cap is None else capped_columns(layout, payload_cap)
        cap = payload_cap or 0

        def decoded(row: Any) -> Event:
            return layout.row_to_event(row) if columns is None else capped_row_event(layout, row, cap)

        yielded = 0
        if from_version is None and not self._versions_never_null():
            # Rows without a version cannot be paged by version: read them first, by the same index.
            query = (
                sa.select(*(columns or layout.columns))
                .select_from(layout.table)
                .where(layout.stream_is(stream), layout.version.is_(None), *layout.scope())
                .order_by(layout.position)
            )
            if limit is not None:
                query = query.limit(limit)
            for row in self._rows(query):
                yield decoded(row)
                yielded += 1
        last_version = None if from_version is None else from_version - 1
        last_position: Any = None
        while limit is None or yielded < limit:
            check(cancel)
            page = self.page_size if limit is None else min(self.page_size, limit - yielded)
            query = self.stream_page_query(
                stream, after_version=last_version, after_position=last_position, to_version=to_version, limit=page)
            rows = self._rows(query if columns is None else query.with_only_columns(*columns))
            for row in rows:
                yield decoded(row)
            yielded += len(rows)
            if len(rows) < page:
                return
            last_version, last_position = rows[-1].version, rows[-1].position

    # --- replay support ---------------------------------------------------------------
    def _fold_query(self, stream: str, after: int | None, upto: int | None,
                    columns: Sequence[sa.ColumnElement[Any]] | None = None) -> sa.Select:
        """The stream's versioned rows after ``after`` up to ``upto`` in (version, position) order:
        one range of the layout's ``stream_index``, exact whatever the collation. ``columns``:
        some of the layout's (default: all)."""
        layout = self.layout
        query = (sa.select(*(layout.columns if columns is None else columns)).select_from(layout.table)
                 .where(layout.stream_is(stream), *layout.scope()))
        query = query.where(layout.version > after) if after is not None else query.where(layout.version.is_not(None))
        if upto is not None:
            query = query.where(layout.version <= upto)
        return query.order_by(*self._stream_order())

    def _fold_span_query(self, stream: str) -> sa.Select:
        """The stream's rows from (version, position) ``(low, low_position)`` to ``(high,
        high_position)`` (bound parameters), both included, every column of the layout, in fold
        order (one range of the stream index). One statement per stream (the last few kept):
        SQLAlchemy compiles a statement object once."""
        statements = self._span_statements
        statement = statements.get(stream)
        if statement is None:
            layout = self.layout
            low: sa.BindParameter[Any] = sa.bindparam("low")
            high: sa.BindParameter[Any] = sa.bindparam("high")
            low_position: sa.BindParameter[Any] = sa.bindparam("low_position")
            high_position: sa.BindParameter[Any] = sa.bindparam("high_position")
            statement = (sa.select(*layout.columns).select_from(layout.table)
                         .where(layout.stream_is(stream), *layout.scope(), layout.version >= low,
                                layout.version <= high, sa.or_(layout.version > low, layout.position >= low_position),
                                sa.or_(layout.version < high, layout.position <= high_position))
                         .order_by(*self._stream_order()))
            if len(statements) >= 16:
                statements.clear()
            statements[stream] = statement
        return statement

    def read_for_replay(
        self,
        stream: str,
        *,
        after: int | None = None,
        upto: int | None = None,
        cancel: CancelToken | None = None,
        full: bool = False,
        reads_type: bool = True,
    ) -> Iterator[FoldEvent]:
        """The stream's versioned events after version ``after`` up to ``upto``, for a fold.

        One streamed query (not pages) over the stream's index; events are ``LazyEvent``s
        whose payload is decoded when the projector first reads it (``full``: plain Events,
        every field decoded, for diffs). Rows without a version are left out: a fold applies
        versions. Raises ``Cancelled`` between batches once ``cancel`` is set.

        ``reads_type=False`` (the projector is not expected to read event types): where the
        layout reads its type from a column of its own, the fold leaves it out too and an
        event's type is read, as its time is, only when asked (``_LeftOutColumns``).
        """
        if not full:
            for rows, view in self.fold_pages(stream, after=after, upto=upto, cancel=cancel, reads_type=reads_type):
                yield from lazy_events(rows, view, stream)
            return
        layout = self.layout
        check(cancel)
        if not layout.stream_exists_possibly(stream):
            return
        for rows in self._fold_rows(stream, after, upto, cancel):
            for row in rows:
                yield LazyEvent(row, layout, stream).event()  # a driver's plain tuple read by name too

    def fold_pages(self, stream: str, *, after: int | None = None, upto: int | None = None,
                   cancel: CancelToken | None = None, reads_type: bool = True) -> Iterator[tuple[Sequence[Any], Any]]:
        """``read_for_replay``'s rows (``full`` False), a page at a time, each with the layout its
        ``LazyEvent``s read it with (``lazy_events(rows, view, stream)`` are the page's events; a
        fold may read the rows through ``lazy.fold_page`` instead). Fold each page before asking
        for the next: an event's fields left out of the read are read while its page is current."""
        layout = self.layout
        check(cancel)
        if not layout.stream_exists_possibly(stream):
            return
        short = None if after is not None and upto is not None and upto - after <= FOLD_BATCH else (
            self._short_fold(typed=reads_type))
        if short is not None:
            yield from self._short_fold_pages(stream, after, upto, cancel, short)
            return
        for rows in self._fold_rows(stream, after, upto, cancel):
            yield rows, layout

    def _short_fold(self, *, typed: bool = True) -> tuple[Any, list[str], bool] | None:
        """(a ``FoldView`` of the columns a fold reads for every event, their labels, whether a
        column left out holds values) for a layout with ``fold_fields``, or None where a fold
        fetches every column. Left out: the columns not among ``fold_fields`` where the engine
        reads them again in the fold's own snapshot (SQLite, PostgreSQL, MySQL/MariaDB, whose fold
        reads keyset pages: ``_LeftOutColumns``), elsewhere only the layout's NULL placeholders
        (``NULL AS actor``), which need no read. ``typed=False``: the type too,
        where the layout reads it as ``SqlLayout.lazy_type`` does (from the row by name, else from
        the whole event) and the engine reads the others again (elsewhere: the typed fold's).
        Worked out once."""
        if typed not in self._short:
            layout, short = self.layout, None
            fields = layout.fold_fields()
            shape = fold_row_shape(layout)
            if not typed:
                if not (fields is not None and "type" in fields and self.engine.dialect.name in ("sqlite", "postgresql")
                        and type(layout).lazy_type is SqlLayout.lazy_type and not layout.lazy_reads_by_place):
                    self._short[typed] = self._short_fold()
                    return self._short[typed]
                fields = tuple(name for name in fields if name != "type")
            if fields is not None and shape is not None:
                # an event is read again by its (version, position): not where a position may be NULL
                again = self.engine.dialect.name in ("sqlite", "postgresql", *_MYSQL) and self._positions_never_null()
                kept = [column for column in layout.columns if column.name in fields
                        or not again and not isinstance(getattr(column, "element", None), sa.sql.elements.Null)]
                if 0 < len(kept) < len(layout.columns):
                    named = layout.fold_stream_fields()  # filled with the stream's name, not read
                    reads = any(not isinstance(getattr(column, "element", None), sa.sql.elements.Null)
                                for column in layout.columns if column not in kept and column.name not in named)
                    nulls = shape._make([None] * len(shape._fields))
                    short = (FoldView(layout, kept, partial(widened, whole=nulls, shape=shape)),
                             [column.name for column in kept], reads)
            self._short[typed] = short
        return self._short[typed]

    def _short_fold_pages(self, stream: str, after: int | None, upto: int | None, cancel: CancelToken | None,
                          short: tuple[Any, list[str], bool]) -> Iterator[tuple[Sequence[Any], Any]]:
        """``fold_pages``' pages of rows of the short fold's columns (``_short_fold``).
        Where a column left out holds values, an event's other fields are read in the fold's own
        read transaction, so from the same snapshot (``_LeftOutColumns``); once a projector asks
        for them often, the rest of the stream comes with every column."""
        template, _names, reads = short
        layout = self.layout
        if not reads:
            named = layout.fold_stream_fields()
            if named:  # the columns left out that hold values hold the stream's name (``fold_stream_fields``)
                shape = fold_row_shape(layout)
                assert shape is not None  # a short fold is only made for rows of a shape (``_short_fold``)
                whole = shape._make([stream if name in named else None for name in shape._fields])
                template = template.widened_by(partial(widened, whole=whole, shape=shape))
            for rows in self._fold_rows(stream, after, upto, cancel, columns=template.columns):
                yield rows, template
            return
        left = _LeftOutColumns(self, stream, template)
        view: Any = left.view  # a layout to ``lazy_events`` (``FoldView``)
        try:
            for rows in self._fold_rows(stream, after, upto, cancel, columns=template.columns,
                                        on_connection=left.attach):
                if left.eager:
                    whole = left.whole_batch(rows)
                    if whole is not None:
                        yield whole, layout
                        continue
                left.arrived(rows)
                yield rows, view
        finally:
            left.conn = None

    def _fold_rows(self, stream: str, after: int | None, upto: int | None,
                   cancel: CancelToken | None, query: sa.Select | None = None,
                   columns: Sequence[sa.ColumnElement[Any]] | None = None,
                   on_connection: Callable[[sa.Connection], Callable[[], None]] | None = None,
                   ) -> Iterator[Sequence[Any]]:
        """The rows of ``_fold_query`` (or of ``query``, whose order must be total, as a fold's
        is) in batches of ``FOLD_BATCH``, one streamed query.

        On SQLite the query runs with the driver's own UTF-8 decoder for TEXT (in C: about 0.25 µs
        a value less than ``text_or_bytes``, which keeps text that is not UTF-8 as bytes instead of
        failing the query, five values a row on the generic layout). Should a value not decode,
        the same query is read again with ``text_or_bytes``, past the rows already handed out
        (the order is total: version, then position), so every row is the one other reads give.

        ``columns``: of ``_fold_query`` (default: the layout's). ``on_connection(conn)`` is called
        with the connection before the query runs on it, and what it returns after the last
        batch, the connection still held (``_LeftOutColumns``).
        """
        handed = 0
        fast = self.engine.dialect.name == "sqlite"
        while True:
            try:
                with self._connect() as conn:
                    dbapi: Any = conn.connection.dbapi_connection if fast else None
                    previous = dbapi.text_factory if dbapi is not None else None
                    if dbapi is not None:
                        dbapi.text_factory = str
                    streamed: Generator[list[Any], None, None] | None = None
                    try:
                        finish = None if on_connection is None else on_connection(conn)
                        statement = self._fold_query(stream, after, upto, columns) if query is None else query
                        batches: Iterable[Sequence[Any]]
                        if fast and self._plain_tuples(statement):  # the driver streams SQLite rows itself
                            batches = iter(partial(conn.execute(statement).cursor.fetchmany, FOLD_BATCH), [])
                        elif query is None and after is not None and upto is not None and upto - after <= FOLD_BATCH:
                            # a short span (after a snapshot): one bounded read, no server-side cursor (on
                            # PostgreSQL BEGIN, DECLARE, two FETCHes, CLOSE and ROLLBACK were 6 round trips)
                            batches = [for_one_statement(conn).execute(statement).all()]
                        elif query is None and on_connection is not None and conn.dialect.name in _MYSQL:
                            # MySQL/MariaDB: a streamed result holds the connection the other fields are read
                            # on, so keyset pages, each read whole, in the snapshot ``on_connection`` took
                            batches = self._keyset_pages(conn, stream, after, upto, columns)
                        else:  # on PostgreSQL by the driver's own server-side cursor, as plain tuples
                            if self._plain_tuples(statement):
                                streamed = streamed_plain_rows(conn, statement, {}, FOLD_BATCH)
                            batches = streamed or conn.execution_options(
                                stream_results=True, yield_per=FOLD_BATCH).execute(statement).partitions()
                        skip = handed
                        for rows in batches:
                            check(cancel)
                            if skip:
                                if skip >= len(rows):
                                    skip -= len(rows)
                                    continue
                                rows, skip = rows[skip:], 0
                            handed += len(rows)
                            yield rows
                        if finish is not None:
                            finish()
                        return
                    finally:
                        if streamed is not None:  # its cursor closed on this connection, before the pool has it
                            streamed.close()
                        if dbapi is not None:
                            dbapi.text_factory = previous
            except StoreError as exc:
                if fast and "decode to UTF-8" in str(exc):
                    fast = False  # text that is not UTF-8 further on: read on the careful way
                    continue
                raise

    def _keyset_pages(self, conn: sa.Connection, stream: str, after: int | None, upto: int | None,
                      columns: Sequence[sa.ColumnElement[Any]] | None) -> Iterator[Sequence[Any]]:
        """``_fold_query``'s rows in pages of ``FOLD_BATCH``, each one bounded read on ``conn`` (a
        buffered result: the connection is free between pages), the next page after the last
        row's (version, position) in the fold's order (one range of the stream index, as
        ``stream_page_query`` pages). One snapshot for them all only inside a transaction that
        holds one (``_LeftOutColumns.attach``)."""
        layout = self.layout
        by_position = len(self._stream_order()) > 1
        rows = conn.execute(self._fold_query(stream, after, upto, columns).limit(FOLD_BATCH)).all()
        while rows:
            yield rows
            if len(rows) < FOLD_BATCH:
                return
            last = rows[-1]
            query = self._fold_query(stream, None, upto, columns)
            if by_position:
                query = query.where(layout.version >= last.version,
                                    sa.or_(layout.version > last.version, layout.position > last.position))
            else:
                query = query.where(layout.version > last.version)
            rows = conn.execute(query.limit(FOLD_BATCH)).all()

    def read_category_for_replay(self, *, category: str | None = None, match: str | None = None,
                                 upto: int | None = None, cancel: CancelToken | None = None,
                                 page: int | None = None) -> Iterator[tuple[str, Iterator[FoldEvent]]] | None:
        """Every stream of the category (or pattern) with its events, read in keyset pages of
        ``page`` rows (default ``category_read.CATEGORY_PAGE``) in stream index order: see
        ``inspector.stores.category_read.read_sql_category``."""
        from inspector.stores.category_read import CATEGORY_PAGE, read_sql_category

        return read_sql_category(self, category=category, match=match, upto=upto, cancel=cancel,
                                 page=page or CATEGORY_PAGE)

    def stored_records(self, stream: str, *, after: int | None = None, upto: int | None = None,
                       cancel: CancelToken | None = None) -> Iterator[StoredRecord]:
        """The stream's versioned rows as stored (type and payload undecoded), in version order."""
        layout = self.layout
        check(cancel)
        if not layout.stream_exists_possibly(stream):
            return
        shape = fold_row_shape(layout)
        for rows in self._fold_rows(stream, after, upto, cancel):
            for row in rows:  # a driver's plain tuple made a fold row (``stored_record`` reads by name)
                yield layout.stored_record(shape._make(row) if type(row) is tuple and shape is not None else row)

    def stored_snapshot_records(self, stream: str, upto: int | None) -> list[StoredRecord]:
        """The layout's snapshot rows at or before ``upto``, newest first, whose version the stream
        has, each with the stream's event at that version (a ``LazyEvent``): one statement."""
        layout = self.layout
        if not layout.stream_exists_possibly(stream):
            return []
        query = layout.snapshot_records_query(stream, upto)
        if query is None:
            return []
        statement, parameters = query
        try:
            rows: Sequence[Any] | None = plain_rows(self.engine, statement, parameters)  # SQLite: the driver alone
        except sa.exc.DBAPIError as exc:
            raise StoreError(f"{self.location}: {one_line(exc)}") from None
        if rows is None:
            with self._connect() as conn:
                rows = plain_rows(conn, statement, parameters)  # PostgreSQL: the driver, behind the engine's guard
                if rows is None:
                    rows = for_one_statement(conn).execute(statement, parameters).all()
        found: list[StoredRecord] = []
        for row in rows:
            version = int(row.snapshot_version)
            if found and found[-1].version == version:
                continue  # a second event at the snapshot's version: the later one came first
            kind, payload = row.snapshot_type, row.snapshot_payload
            found.append(StoredRecord(int(row.position), version, None if kind is None else str(kind),
                                      bytes(payload) if isinstance(payload, memoryview) else payload,
                                      LazyEvent(row, layout, stream)))
        return found

    def count_upto(self, stream: str, version: int) -> int:
        """How many versioned events the stream has at versions up to ``version``, counted by SQL."""
        layout = self.layout
        if not layout.stream_exists_possibly(stream):
            return 0
        query = (
            sa.select(sa.func.count()).select_from(layout.table)
            .where(layout.stream_is(stream), layout.version.is_not(None), layout.version <= version, *layout.scope())
        )
        return int(self._rows(query)[0][0])

    def change_mark(self) -> str | None:
        """A token that changes whenever anything may have been written to the store's server:
        PostgreSQL's transaction snapshot (next transaction id and those in progress: a write
        takes an id, a commit leaves the in-progress list), MariaDB/MySQL's last-update time of
        the event table (InnoDB keeps it per table, to the second). One round trip, whatever the store's size. None on SQLite (the file
        identity pins it), for tables whose writes the log does not see (unlogged or temporary
        PostgreSQL tables, non-InnoDB MySQL tables) and when the server will not say.

        A mark that moves without a write to the stream (another table written) costs a recount
        or a cold replay, never a wrong answer.
        """
        dialect = self.engine.dialect.name
        if dialect not in ("postgresql", "mysql", "mariadb"):
            return None
        try:
            with self._connect() as conn:
                if self._logged is None:
                    self._logged = self._table_is_logged(conn)
                if not self._logged:
                    return None
                if dialect == "postgresql":
                    # the transaction snapshot: the next transaction id and those still running;
                    # only writing transactions take ids, so reads (even page pruning) leave it be
                    value = conn.exec_driver_sql("SELECT txid_current_snapshot()::text").scalar()
                else:
                    value = self._mysql_update_mark(conn)
        except StoreError:
            return None
        return None if value is None else f"{dialect}:{value}"

    def _mysql_update_mark(self, conn: sa.Connection) -> str | None:
        """InnoDB's last-update time of the event table (set at each commit that wrote to it,
        to the second): a mark only once a second has passed since, so that a later write must
        show a later time. None while the last write is that recent."""
        table = self.layout.table
        row = conn.execute(
            sa.text("SELECT update_time, TIMESTAMPDIFF(MICROSECOND, update_time, NOW(6)) FROM information_schema.tables "
                    "WHERE table_schema = coalesce(:schema, database()) AND table_name = :name"),
            {"schema": getattr(table, "schema", None), "name": table.name},
        ).first()
        if row is None:
            return None
        updated, age_us = row
        if updated is None:
            return None  # no write since the server started (the time is not kept across restarts)
        if age_us is None or int(age_us) < 1_100_000:
            return None
        return str(updated)

    def unchanged_prefixes(self, stream: str, mark: str, counts: dict[int, int]) -> set[int] | None:
        """Of the versions in ``counts`` (each with the number of the stream's versioned events up
        to it when the store showed ``mark``), those none of whose events up to it was inserted,
        updated or deleted since: a set of versions, empty when none; None (cannot tell) on other
        engines and for marks of another kind.

        PostgreSQL: one pass over the stream's rows up to the highest version (its index range)
        that counts them, between each two versions asked, and looks for a row version written by
        a transaction the mark's snapshot did not see (``xmin`` at or after its next id, or among
        those then in progress); any insert, update or delete leaves one, or a different count.
        The pass grows with the highest version (about 0.3-0.5 µs a row), not with the number of
        versions asked: PostgreSQL shows a read-only session no exact per-table change evidence
        (statistics counters are flushed late), so the rows' own ``xmin`` is read.
        """
        if self.engine.dialect.name != "postgresql" or not mark.startswith("postgresql:") or not counts:
            return None
        parts = mark.split(":")
        if len(parts) != 4 or not parts[2].isdigit():
            return None
        layout = self.layout
        xmax = int(parts[2]) % 2**32  # the 32-bit id rows carry, in the same epoch-less space
        running = [int(x) % 2**32 for x in parts[3].split(",") if x.isdigit()]
        xmin: sa.ColumnElement[Any] = sa.literal_column("xmin")
        newer = sa.func.age(xmin) <= sa.func.age(sa.cast(sa.cast(str(xmax), sa.Text), _Xid()))
        if running:
            newer = sa.or_(newer, sa.cast(sa.cast(xmin, sa.Text), sa.BigInteger).in_(running))
        versions = sorted(counts)
        where = (layout.stream_is(stream), layout.version.is_not(None), layout.version <= versions[-1],
                 *layout.scope())
        if len(versions) == 1:
            query = sa.select(sa.func.count(), sa.func.count().filter(newer)).select_from(layout.table).where(*where)
        else:
            # rows between two versions asked share a bucket: bucket i holds versions[i-1] < v <= versions[i]
            bucket = sa.func.width_bucket(sa.cast(layout.version, sa.BigInteger),
                                          sa.cast(sa.literal([v + 1 for v in versions[:-1]], sa.ARRAY(sa.BigInteger)),
                                                  sa.ARRAY(sa.BigInteger))).label("bucket")
            query = (sa.select(bucket, sa.func.count(), sa.func.count().filter(newer))
                     .select_from(layout.table).where(*where).group_by(bucket))
        try:
            rows = self._rows(query)
        except StoreError:
            if len(versions) > 1:  # a version column width_bucket cannot take: the highest alone
                return self.unchanged_prefixes(stream, mark, {versions[-1]: counts[versions[-1]]})
            return None
        if len(versions) == 1:
            total, changed = rows[0]
            return set(versions) if int(total) == counts[versions[0]] and int(changed) == 0 else set()
        per_bucket = {int(row[0]): (int(row[1]), int(row[2])) for row in rows}
        proven: set[int] = set()
        total = 0
        for index, version in enumerate(versions):
            held, changed = per_bucket.get(index, (0, 0))
            if changed:
                break  # every prefix from here on holds the changed row
            total += held
            if total == counts[version]:
                proven.add(version)
        return proven

    def _table_is_logged(self, conn: sa.Connection) -> bool:
        """Whether writes to the event table move the server's log position (``change_mark``)."""
        table = self.layout.table
        schema = getattr(table, "schema", None)
        try:
            if self.engine.dialect.name == "postgresql":
                name = f'"{schema}"."{table.name}"' if schema else f'"{table.name}"'
                persistence = conn.execute(
                    sa.text("SELECT relpersistence FROM pg_class WHERE oid = to_regclass(:name)"), {"name": name}
                ).scalar()
                return persistence == "p"
            engine = conn.execute(
                sa.text("SELECT engine FROM information_schema.tables "
                        "WHERE table_schema = coalesce(:schema, database()) AND table_name = :name"),
                {"schema": schema, "name": table.name},
            ).scalar()
            return str(engine or "").lower() == "innodb"
        except sa.exc.SQLAlchemyError:
            return False

    def source_file(self) -> Path | None:
        """The SQLite file this store reads; None on servers."""
        if self.engine.dialect.name != "sqlite":
            return None
        return sqlite_file_of(self.location)

    def identity(self) -> str:
        """What makes this store this store for the snapshot cache (hashed, never a password):
        layout, redacted location and, for a file, the file's identity (``file_identity``)."""
        return store_identity_key(self.layout_name, self.location, self.source_file())

    def read_all(
        self,
        *,
        after_position: int | None = None,
        limit: int = 500,
        filters: EventFilter | None = None,
        cancel: CancelToken | None = None,
        descending: bool = False,
        payload_cap: int | None = None,
    ) -> list[Event]:
        """A page of events in global order after ``after_position``; ``payload_cap``: payloads
        longer than that many bytes are neither fetched nor decoded (``lazy.capped_columns``)."""
        filters = filters or EventFilter()
        where, python_filters = self._filter_clauses(filters)
        result: list[Event] = []
        for event in self._scan(where, python_filters, after_position, descending, cancel,
                                page=limit if not python_filters else max(self.page_size, limit),
                                payload_cap=payload_cap):
            result.append(event)
            if len(result) >= limit:
                break
        return result

    def _scan(self, where: list[Any], python_filters: list[Any], after_position: Any, descending: bool,
              cancel: CancelToken | None, page: int, payload_cap: int | None = None) -> Iterator[Event]:
        """Events in global order matching SQL ``where`` and the Python predicates, page by page
        (``payload_cap``: see ``read_all``; a Python predicate judges such an event read whole)."""
        layout = self.layout
        cursor = after_position
        columns = None if payload_cap is None else capped_columns(layout, payload_cap)
        while True:
            check(cancel)
            query = sa.select(*(columns or layout.columns)).select_from(layout.table).where(*where, *layout.scope())
            if cursor is not None:
                query = query.where(layout.position < cursor if descending else layout.position > cursor)
            order = layout.position.desc() if descending else layout.position
            rows = self._rows(query.order_by(order).limit(page))
            check(cancel)  # before decoding: a page of big payloads may take a while
            for accept in python_filters:
                if isinstance(accept, StreamsOfCategory):
                    accept.page(rows)
            for row in rows:
                if columns is None:
                    event = layout.row_to_event(row)
                    if all(accept(event) for accept in python_filters):
                        yield event
                    continue
                event = capped_row_event(layout, row, payload_cap or 0)
                judged = event if not python_filters or left_out(event) is None else full_event(self, event, cancel)
                if judged is not None and all(accept(judged) for accept in python_filters):
                    yield event
            if len(rows) < page:
                return
            cursor = rows[-1].position

    def _filter_clauses(self, filters: EventFilter) -> tuple[list[Any], list[Any]]:
        """SQL clauses for what the layout can push down, Python predicates for the rest.

        Layouts whose payload SQL cannot always read (compressed or encrypted state) give
        ``unreadable_clause``: such rows pass the SQL part and are judged in Python after decoding.
        """
        layout = self.layout
        unreadable = layout.unreadable_clause()
        where: list[Any] = []
        python: list[Any] = []
        if filters.types:
            clause = layout.type_clause(filters.types)
            if clause is not None:
                where.append(clause)
            else:
                wanted = set(filters.types)
                python.append(lambda event: event.type in wanted)
        if filters.streams:
            possible = [s for s in filters.streams if layout.stream_exists_possibly(s)]
            where.append(layout.stream_in(possible) if possible else sa.false())
        if filters.category:
            python.extend(self._category_filter(filters.category, where))
        if filters.since or filters.until:
            since, until = filters.since, filters.until
            if self._epoch is not None:
                bounds = self.text_time_window(since, until)  # an index range where there is one
                bounds += self._payload_time_window(since, until)  # a cheap test before the exact one
                if since:
                    bounds.append(self._time_clause(">=", since))  # exact in the column's own unit
                if until:
                    bounds.append(self._time_clause("<=", until))
                where.append(sa.and_(*bounds) if unreadable is None else sa.or_(sa.and_(*bounds), unreadable))
            if self._epoch is None or unreadable is not None:
                python.append(
                    lambda e: e.recorded_at is not None
                    and (since is None or e.recorded_at >= since)
                    and (until is None or e.recorded_at <= until)
                )
        if filters.actor:
            actor = filters.actor
            actor_sql = layout.actor_expr()
            judged = actor_sql is None or self.engine.dialect.name != "sqlite" and self.engine.dialect.name != "postgresql"
            if actor_sql is not None and _json_not_text(actor) is not None:
                # shown as JSON (a number, false, an object): the database's text of the value
                # may differ (``{"id": 5}``, ``0``); rows naming an actor, judged as shown
                where.append(actor_sql.is_not(None))
                judged = True
            elif actor_sql is not None:
                # a string equals only a string actor's text (a value not a string reads as JSON
                # text of no string); MariaDB's PAD SPACE collations also let 'bob ' equal 'bob'
                where.extend(self._actor_prefilter(actor))
                where.append(actor_sql == actor)
            if judged:
                python.append(lambda e: e.actor == actor)
        if filters.text:
            exprs = layout.text_exprs()
            needle = filters.text.lower()
            if exprs:
                pattern = glob_to_like(needle)
                # SQLite's LIKE already ignores ASCII case, the only case its lower() folds: the
                # same rows without a lower-cased copy of every payload (2.6x faster at 1 M rows)
                clause = sa.or_(*[
                    (sa.cast(expr, sa.Text) if self.engine.dialect.name == "sqlite"
                     else sa.func.lower(sa.cast(expr, sa.Text))).like(pattern, escape="\\") for expr in exprs])
                where.append(clause if unreadable is None else sa.or_(clause, unreadable))
            if not exprs or unreadable is not None:
                python.append(lambda e: needle in searchable_text(e))
        return where, python

    def _category_filter(self, category: str, where: list[Any]) -> list[Any]:
        """The events of ``category``'s streams, as ``streams(category=...)`` selects them: the
        layout's ``category_clause`` appended to ``where`` where SQL can tell the category (one
        index range on most layouts); else a Python predicate, returned in a list, that keeps a
        stream's events when ``in_category`` holds for the category ``streams`` lists for it:
        the categories of a page's streams not met before are asked in one statement per page
        (``StreamsOfCategory.page``, which ``_scan`` calls), not one per stream."""
        clause = self.layout.category_clause(category)
        if clause is not None:
            where.append(clause)
            return []
        return [self.streams_of_category(category)]

    def streams_of_category(self, category: str) -> StreamsOfCategory:
        """A predicate on events: whether an event's stream is of ``category`` (as ``category``
        and ``streams`` tell it), asking a page's new streams at once (``StreamsOfCategory``)."""
        return StreamsOfCategory(self, category)

    #: stored stream ids one ``categories_of_stored`` statement asks about
    _CATEGORIES_CHUNK = 200

    def categories_of_stored(self, stored: Sequence[Any]) -> dict[str, str | None]:
        """The category ``streams`` lists (``category``) for each stream of the stored ids
        ``stored`` (as rows hold them), by shown name: the layout's category hint grouped per
        stream over just those streams' rows (the stream index), one statement per
        ``_CATEGORIES_CHUNK`` ids. A stream without rows is left out."""
        layout = self.layout
        hint = _or_null(layout.category_hint()).label("first_type")
        names = (sa.func.min(layout.stream) if layout.exact_text_streams() else layout.stream).label("stream")
        found: dict[str, str | None] = {}
        ids = list(dict.fromkeys(_hashable(value) for value in stored))
        for start in range(0, len(ids), self._CATEGORIES_CHUNK):
            chunk = ids[start:start + self._CATEGORIES_CHUNK]
            query = (self._listing_where(sa.select(names, hint), None, None)
                     .where(layout.stream.in_(chunk)).group_by(*layout.listing_keys()))
            for row in self._rows(query):
                name = layout.stream_from_db(row.stream)
                found[name] = layout.category_of(name, row.first_type)
        return found

    def _actor_prefilter(self, actor: str) -> list[sa.ColumnElement[bool]]:
        """A cheap test every row naming ``actor`` passes, checked before its JSON is parsed.

        JSON writes a string as it is unless it escapes a character, and every escape holds a
        backslash: a row whose actor is ``actor`` holds the name's text or a backslash. Names
        JSON must escape (quotes, backslashes, control characters) get no such test. [] where
        the layout reads the actor without parsing text (``actor_source`` is None)."""
        source = self.layout.actor_source()
        if source is None or not actor or any(ch in actor for ch in '"\\') or any(ord(ch) < 0x20 for ch in actor):
            return []
        dialect = self.engine.dialect.name

        def holds(text: str) -> sa.ColumnElement[bool]:
            if dialect == "sqlite":
                return sa.func.instr(source, text) > 0
            if dialect == "postgresql":
                return sa.func.strpos(source, text) > 0
            return sa.func.locate(text, source) > 0
        return [sa.or_(holds(actor), holds("\\"))]

    # --- time -------------------------------------------------------------------------
    def _time_clause(self, op: str, instant: datetime) -> sa.ColumnElement[bool]:
        """``layout.time_clause``, for callers that checked the layout's times are read by SQL."""
        clause = self.layout.time_clause(op, instant)
        assert clause is not None, "the layout's times are not read by SQL"
        return clause

    def _unreadable_events(self, where: Sequence[Any] = (), python_filters: Sequence[Any] = (),
                           cancel: CancelToken | None = None) -> Iterator[Event]:
        """Rows whose time SQL cannot read (compressed/encrypted payloads), decoded page by page."""
        unreadable = self.layout.unreadable_clause()
        if unreadable is None:
            return iter(())
        return self._scan([*where, unreadable], list(python_filters), None, False, cancel, self.page_size)

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        layout = self.layout
        if layout.time is None and layout.unreadable_clause() is None:
            return None, None
        first = last = None
        time = self._time_key()
        if time is not None and time is layout.time:
            column = layout.stored_time()
            if column is not None and column[0].name in self._index_leaders():
                # Two queries, not one: alone, MIN and MAX each take one step down an index on the time column.
                bounds = [
                    self._rows(sa.select(aggregate(layout.time)).select_from(layout.table).where(*layout.scope()))[0][0]
                    for aggregate in (sa.func.min, sa.func.max)
                ]
            else:
                # no index on it (Message DB's default schema): one pass over the table, not two
                bounds = list(self._rows(sa.select(sa.func.min(layout.time), sa.func.max(layout.time))
                                         .select_from(layout.table).where(*layout.scope()))[0])
            first, last = self._time_value(bounds[0]), self._time_value(bounds[1])
        elif time is not None and self.text_time_column() is not None:
            first, last = self._text_time_range()
        elif time is not None and layout.time_text_sorts_within_a_zone() and (found := self._one_zone_text_range()):
            first, last, unreadable = found
            if not unreadable:
                return first, last  # that pass saw no row the readings below would add
        elif time is not None:
            # text in mixed forms or zones: compare instants; a row that is not a time has none.
            # Each row's instant once, in a subquery kept apart (see ``histogram_query``).
            timed = self._unmerged(sa.select(time.label("at")).select_from(layout.table).where(*layout.scope()))
            low, high = self._rows(sa.select(sa.func.min(timed.c.at), sa.func.max(timed.c.at)))[0]
            first, last = self._time_value(low), self._time_value(high)
        for event in self._unreadable_events():
            at = event.recorded_at
            if at is not None:
                first = at if first is None or at < first else first
                last = at if last is None or at > last else last
        return first, last

    def _one_zone_text_range(self) -> tuple[datetime | None, datetime | None, bool] | None:
        """``(first, last, unreadable)``: the first and last time as the text's MIN/MAX, when
        every timed row ends with one UTC offset (see ``SqlLayout.time_text_sorts_within_a_zone``),
        and whether any row is one the layout reads only after decoding (``unreadable_clause``):
        one pass, no per-row reading of instants, exact to the microsecond. None when the
        offsets differ or an extreme does not read as a time (the caller then compares instants)."""
        layout = self.layout
        head, cut = layout.time_text_parts()
        odd = layout.unreadable_clause()
        marks = sa.case((odd, 1), else_=0) if odd is not None else sa.literal(0)
        timed = self._unmerged(sa.select(sa.type_coerce(head, sa.String()).label("head"), marks.label("odd"))
                               .select_from(layout.table).where(*layout.scope()))
        # the time text from each row's head, once per row in a subquery of its own
        cuts = self._unmerged(sa.select(sa.type_coerce(cut(timed.c.head), sa.String()).label("at"),
                                        timed.c.odd), "cut")
        at = cuts.c.at
        zone = sa.func.substr(at, -6) if self.engine.dialect.name == "sqlite" else sa.func.right(at, 6)
        low, high, low_zone, high_zone, unreadable = self._rows(sa.select(
            sa.func.min(at), sa.func.max(at), sa.func.min(zone), sa.func.max(zone), sa.func.max(cuts.c.odd)))[0]
        if low is None:
            return None, None, bool(unreadable)
        if low_zone != high_zone or not _OFFSET.fullmatch(str(low_zone)):
            return None
        first, last = layout.time_from_db(low), layout.time_from_db(high)
        return (first, last, bool(unreadable)) if first is not None and last is not None else None

    def text_time_column(self) -> sa.ColumnElement[Any] | None:
        """The layout's ``iso_text_time`` column, as text, when an index starts with it (asked once):
        time filters, histograms and the time range then read a range of that index
        (``text_time_window``) instead of every row. None otherwise."""
        if self._text_time is _UNKNOWN:
            column = self.layout.iso_text_time()
            found = None
            if column is not None and self.layout.unreadable_clause() is None and column.name in self._index_leaders():
                # compared as text, whatever the declared type (a SQLite DATETIME column holds text)
                found = sa.type_coerce(column, sa.String())
            self._text_time = found
        return self._text_time

    @staticmethod
    def _date_window(since: datetime | None, until: datetime | None) -> tuple[str | None, str | None]:
        """``(low, high)``: ISO dates such that every time text read as an instant from ``since`` to
        ``until`` (either may be None) is written on a local date ``low <= date < high`` (its zone
        moves an instant under 16 hours from its written date); None for no bound."""
        low = high = None
        try:
            if since is not None:
                low = (since.astimezone(timezone.utc) - _AFTER_DATE).date().isoformat()
        except OverflowError:
            pass  # before year 1: no lower bound
        try:
            if until is not None:
                high = ((until.astimezone(timezone.utc) + _BEFORE_DATE).date() + timedelta(days=1)).isoformat()
        except OverflowError:
            pass  # past year 9999: no upper bound
        return low, high

    def _payload_time_window(self, since: datetime | None, until: datetime | None) -> list[sa.ColumnElement[bool]]:
        """Where the time is text read out of a payload (eventsourcing's ``state``), clauses on its
        first ten characters, the local date, that every row timed from ``since`` to ``until`` passes
        (``_date_window``): written before the exact comparison, they leave it (the whole reading of
        the text as an instant, costly per row) to the rows of those dates alone. [] elsewhere."""
        layout = self.layout
        time = layout.time
        if time is None or isinstance(time, sa.Column) or not layout.time_text_sorts_within_a_zone():
            return []
        low, high = self._date_window(since, until)
        if low is None and high is None:
            return []
        head, _ = layout.time_text_parts()
        dialect = self.engine.dialect.name
        date: sa.ColumnElement[Any]
        if dialect == "sqlite":
            date = sa.func.substr(head, 1, 10)
        elif dialect == "postgresql":
            date = sa.collate(sa.func.left(head, 10), "C")
        else:
            date = sa.cast(sa.func.left(head, 10), sa.LargeBinary)
        clauses = []
        if low is not None:
            # text led by blanks (read as a time, ``parse_time``) sorts below every date
            blank_led = date < (b"0" if dialect in ("mysql", "mariadb") else "0")
            clauses.append(sa.or_(date >= (low.encode() if dialect in ("mysql", "mariadb") else low), blank_led))
        if high is not None:
            clauses.append(date < (high.encode() if dialect in ("mysql", "mariadb") else high))
        return clauses

    def text_time_window(self, since: datetime | None, until: datetime | None) -> list[sa.ColumnElement[bool]]:
        """Clauses on the ISO text column (``text_time_column``) holding every row timed from
        ``since`` to ``until`` (either may be None): from the date of ``since - 40 h`` to the day
        after ``until + 16 h``, as text. They only narrow the rows the exact comparison of
        instants then reads, through the index; [] where there is no such column."""
        column = self.text_time_column()
        if column is None:
            return []
        low, high = self._date_window(since, until)
        if self._text_extremes is None:
            # the lowest and highest text stored (one step down each end of the index), asked once:
            # a window holding both reads every row anyway, faster in table order. Rows written
            # later only make the window worth less, never wrong.
            self._text_extremes = tuple(self._rows(sa.select(aggregate(column)).select_from(self.layout.table))[0][0]
                                        for aggregate in (sa.func.min, sa.func.max))
        stored_low, stored_high = self._text_extremes
        clauses = []
        if high is not None and (stored_high is None or high <= str(stored_high)):
            clauses.append(column < high)
        if low is not None and (stored_low is None or low > str(stored_low)):
            # a text led by blanks (read as a time, ``parse_time``) sorts below every date where
            # the collation orders blanks (C, SQLite's BINARY, ICU), and as its date where it
            # ignores them: the rows below '0' join the range (one more step down the index)
            clauses = [sa.or_(sa.and_(column >= low, *clauses), column < "0")]
        return clauses

    def _text_time_range(self) -> tuple[datetime | None, datetime | None]:
        """The first and last instants of ISO text times read row by row, by their index: the
        lowest and highest text that reads as a time (one walk down each end of the index), then
        the exact MIN (MAX) over the rows whose date may hold an earlier (later) instant."""
        layout, column, epoch = self.layout, self.text_time_column(), self._exact_epoch
        assert column is not None and epoch is not None
        valid = [epoch.is_not(None), *layout.scope()]
        ends = []
        for order in (column, column.desc()):
            rows = self._rows(sa.select(epoch).select_from(layout.table).where(*valid).order_by(order).limit(1))
            ends.append(None if not rows else self._read_exact(rows[0][0]))
        low, high = ends
        if low is None or high is None:
            return None, None
        first = self._rows(sa.select(sa.func.min(epoch)).select_from(layout.table)
                           .where(*layout.scope(), *self.text_time_window(None, low)))[0][0]
        last = self._rows(sa.select(sa.func.max(epoch)).select_from(layout.table)
                          .where(*layout.scope(), *self.text_time_window(high, None)))[0][0]
        return self._read_exact(first), self._read_exact(last)

    def _index_leaders(self) -> set[str]:
        """The first column of each index of the event table (and of its primary key), asked once."""
        cached = getattr(self, "_leaders", None)
        if cached is None:
            cached = self._leaders = self._reflect_index_leaders()
        return cached

    def _reflect_index_leaders(self) -> set[str]:
        table = self.layout.table
        with self._connect() as conn:
            inspector = sa.inspect(conn)
            schema = getattr(table, "schema", None)
            leading = {(index.get("column_names") or [None])[0]
                       for index in inspector.get_indexes(table.name, schema=schema)}
            primary = inspector.get_pk_constraint(table.name, schema=schema).get("constrained_columns") or []
        leading.update(primary[:1])
        return {name for name in leading if name}

    def version_at(self, stream: str, instant: datetime) -> Any:
        """The last version before the stream's first event recorded after ``instant``, by SQL.

        Two small aggregates over the stream's rows (index ``stream_index``) instead of decoding
        the stream up to the instant. ``NotImplemented`` when this layout's times cannot be read
        by SQL (no time column, or compressed payloads); the caller then reads the stream.
        With a duplicated version recorded on both sides of ``instant`` the answer is the version
        before it: replaying to a version applies all its events, and one of them is later.
        """
        layout = self.layout
        if self._epoch is None or layout.unreadable_clause() is not None:
            return NotImplemented
        in_stream = [layout.stream_is(stream), layout.version.is_not(None), *layout.scope()]
        number = layout.version_number()
        first_later = self._rows(
            sa.select(sa.func.min(number)).select_from(layout.table)
            .where(*in_stream, self._time_clause(">", instant))
        )[0][0]
        query = sa.select(sa.func.max(number)).select_from(layout.table).where(*in_stream)
        if first_later is not None:
            query = query.where(layout.version < first_later)
        value = self._rows(query)[0][0]
        if value is None:
            return None
        version, problem = version_of(value)
        return NotImplemented if problem else version  # an odd stored version: the caller reads the stream

    def _unmerged(self, query: sa.Select, name: str = "timed") -> sa.Subquery:
        """``query`` as a subquery the planner computes on its own rather than merging it into
        the outer query (which would compute its columns once per use there): SQLite ``LIMIT -1``,
        PostgreSQL ``OFFSET 0``, MariaDB/MySQL a LIMIT."""
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            query = query.limit(-1)
        elif dialect == "postgresql":
            query = query.offset(0)
        else:
            query = query.limit(2**62)
        return query.subquery(name)

    def histogram_query(self, start: datetime, end: datetime, buckets: int, where: list[Any]) -> sa.Select:
        """Counts per bucket, grouped by the database.

        Each row's epoch seconds are computed once, in a subquery the planner is told not to
        merge into the outer query (SQLite ``LIMIT -1``, PostgreSQL ``OFFSET 0``, MariaDB/MySQL
        a LIMIT): merged, a time read out of a payload would be computed once per use (bounds,
        offset, group), several times over. The rows are bounded by the times themselves,
        ``[start, end)``: an offset computed in floating point may round an event at ``end``
        into the last bucket; the caller clamps the bucket to ``[0, buckets)``. On SQLite a
        cast truncates where ``floor()`` is slow.
        """
        width = (end - start).total_seconds() / buckets
        start_s, end_s = round(start.timestamp(), 3), round(end.timestamp(), 3)
        epoch = self._epoch
        assert epoch is not None
        inner = (
            sa.select(epoch.label("at"))
            .select_from(self.layout.table)
            .where(*where, *self.text_time_window(start, end), *self.layout.scope())
        )
        time = self.layout.time
        if time is not None and not isinstance(time, sa.Column) and self.layout.time_text_sorts_within_a_zone():
            # a time read out of a payload: read once per row, below the epoch seconds, which use it
            # many times over (each use would search the payload again)
            texts = self._unmerged(
                sa.select(time.label("time_text")).select_from(self.layout.table)
                .where(*where, *self._payload_time_window(start, end), *self.layout.scope()), "time_texts")

            def read_once(element: ExternallyTraversible, **_kw: Any) -> ExternallyTraversible | None:
                return texts.c.time_text if element is time else None
            inner = sa.select(replacement_traverse(epoch, {}, read_once).label("at")).select_from(texts)
        dialect = self.engine.dialect.name
        at = self._unmerged(inner).c.at
        offset = (at - start_s) / width
        bucket = sa.cast(offset, sa.Integer) if dialect == "sqlite" else sa.func.floor(offset)
        return (
            sa.select(bucket.label("bucket"), sa.func.count())
            .where(at >= start_s, at < end_s)
            .group_by(bucket)
        )

    def stored_time(self) -> StoredTime | None:
        """The time column as stored, when histograms may count ranges of it: the layout's times
        sort as stored (``SqlLayout.stored_time``), an index starts with the column, and, for
        text, its first and last values are written in one ISO form (learned from them).
        Worked out once per store; None (the epoch-seconds path) otherwise."""
        if self._stored_time is _UNKNOWN:
            found = self._find_stored_time()
            if found is not _UNKNOWN:
                self._stored_time = found
            else:
                return None  # no rows yet: ask again later
        return self._stored_time

    def _find_stored_time(self) -> Any:
        layout = self.layout
        stored = layout.stored_time()
        if stored is None or layout.unreadable_clause() is not None:
            return None
        column, guard = stored
        table = column.table
        with self._connect() as conn:
            inspector = sa.inspect(conn)
            schema = getattr(table, "schema", None)
            leading = [(index.get("column_names") or [None])[0]
                       for index in inspector.get_indexes(table.name, schema=schema)]
            primary = inspector.get_pk_constraint(table.name, schema=schema).get("constrained_columns") or []
            leading.extend(primary[:1])
        indexed = column.name in leading
        if not indexed:
            return None
        numbers = layout.stored_time_numbers()  # epoch numbers: bounds in their unit (exact for integers)
        if numbers is not None:
            return StoredTime(column, guard, indexed, *numbers)
        native = isinstance(column.type, sa.DateTime) and self.engine.dialect.name != "sqlite"
        if native:
            aware = bool(getattr(column.type, "timezone", False))

            def stamp(instant: datetime) -> datetime:
                return instant if aware else instant.astimezone(timezone.utc).replace(tzinfo=None)
            return StoredTime(column, guard, indexed, stamp, stamp)
        # text: the first and the last value (one step down the index each) say the form
        where = [column.is_not(None), *([guard] if guard is not None else []), *layout.scope()]
        samples = [self._rows(sa.select(aggregate(column)).select_from(table).where(*where))[0][0]
                   for aggregate in (sa.func.min, sa.func.max)]
        if samples[0] is None:
            return _UNKNOWN
        forms = {IsoTextForm.of(sample) for sample in samples}
        form = forms.pop() if len(forms) == 1 else None
        if form is None:
            return None
        # compare as text, whatever type the column is declared with (SQLite DATETIME holds text)
        return StoredTime(sa.type_coerce(column, sa.String()), guard, indexed, form.at_or_after, form.at_or_before)

    @staticmethod
    def bucket_edges(start: datetime, end: datetime, buckets: int) -> list[datetime]:
        """``buckets + 1`` instants from ``start`` to ``end``: bucket ``i`` is ``[edges[i], edges[i+1])``."""
        return [start + (end - start) * i / buckets for i in range(buckets)] + [end]

    def histogram_range_query(self, start: datetime, end: datetime, buckets: int, where: Sequence[Any] = (),
                              only: list[int] | None = None) -> sa.Select | None:
        """One row of counts, one column per bucket: each a count over a range of the stored time
        column, so an index on it answers each bucket by counting its entries in that range
        (and a zoom reads only its own part of the index). ``where`` holds the other filters
        and the bounds from the filter's since/until; ``only`` picks buckets (default all).
        None when this store has no ``stored_time``."""
        stored = self.stored_time()
        if stored is None:
            return None
        edges = self.bucket_edges(start, end, buckets)
        scope = [*([stored.guard] if stored.guard is not None else []), *where, *self.layout.scope()]
        counts = [
            sa.select(sa.func.count()).select_from(self.layout.table)
            .where(stored.at_least(edges[i]), stored.below(edges[i + 1]), *scope).scalar_subquery()
            for i in (range(buckets) if only is None else only)
        ]
        return sa.select(*counts)

    def _histogram_by_ranges(self, stored: StoredTime, start: datetime, end: datetime, buckets: int,
                             filters: EventFilter, where: list[Any], cancel: CancelToken | None) -> list[int]:
        bounds = list(where)
        if filters.since:
            bounds.append(stored.at_least(filters.since))
        if filters.until:
            bounds.append(stored.at_most(filters.until))
        edges = self.bucket_edges(start, end, buckets)
        # buckets narrower than the stored precision hold nothing (their range is empty)
        wanted = [i for i in range(buckets) if stored.after(edges[i]) != stored.after(edges[i + 1])]
        counts = [0] * buckets
        if not wanted:
            return counts
        # SQLite counts in this process: a few connections side by side, buckets dealt out in turn
        threads = 1
        if self.engine.dialect.name == "sqlite":
            threads = max(1, min(HISTOGRAM_THREADS, os.cpu_count() or 1, len(wanted)))
        parts = [wanted[k::threads] for k in range(threads)]

        def count(part: list[int]) -> list[Any]:
            check(cancel)
            query = self.histogram_range_query(start, end, buckets, bounds, only=part)
            assert query is not None  # ``stored`` was found, so there is a query
            return list(self._rows(query)[0])

        if threads == 1:
            results = [count(parts[0])]
        else:
            with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="histogram") as pool:
                results = list(pool.map(count, parts))
        for part, values in zip(parts, results):
            for index, value in zip(part, values):
                counts[index] = int(value or 0)
        return counts

    def histogram(
        self, start: datetime, end: datetime, buckets: int, filters: EventFilter | None = None,
        cancel: CancelToken | None = None,
    ) -> Histogram:
        if buckets <= 0 or end <= start:
            return Histogram(start, end, [])
        counts = [0] * buckets
        width = (end - start) / buckets

        def add(at: datetime | None) -> None:
            if at is not None and start <= at < end:
                slot = int((at - start) / width)
                if 0 <= slot < buckets:
                    counts[slot] += 1

        filters = filters or EventFilter()
        unreadable = self.layout.unreadable_clause()
        if self._epoch is None and unreadable is None:
            raise StoreError(f"the {self.layout.name} layout keeps no time column: no histogram")
        since = max(filter(None, (filters.since, start)))
        until = min(filter(None, (filters.until, end)))
        where, python_filters = self._filter_clauses(replace(filters, since=since, until=until))
        if self._epoch is None:
            for event in self._scan(where, python_filters, None, False, cancel, self.page_size):
                add(event.recorded_at)
            return Histogram(start, end, counts)
        untimed_where, untimed_python = self._filter_clauses(replace(filters, since=None, until=None))
        readable = [] if unreadable is None else [sa.not_(unreadable)]
        stored = self.stored_time() if self.histogram_by_index and not untimed_python else None
        if (stored is not None and untimed_where and self.engine.dialect.name in ("mysql", "mariadb")
                and isinstance(stored.column.type, sa.DateTime)):
            # with other filters each row of a bucket's range is looked up by its primary key: over
            # a wide range slower on MariaDB than one grouped pass over native timestamps (2.4 s
            # against 1.9 s for 1 M rows), so that pass stays; ISO text is far slower to read there
            stored = None
        if stored is not None:
            # times that sort as stored, under an index: each bucket is a range of that index
            counts[:] = self._histogram_by_ranges(stored, start, end, buckets, filters, untimed_where, cancel)
        elif not untimed_python:
            # the epoch path: the database groups and counts; the buckets bound the time to
            # [start, end), so the filter's own bounds are added only when it has some
            bounded = where if filters.since or filters.until else untimed_where
            for index, count in self._rows(self.histogram_query(start, end, buckets, bounded + readable)):
                if index is not None:
                    counts[min(max(int(index), 0), buckets - 1)] += int(count)
        else:
            # a filter only Python can judge (an actor inside the payload): count what we read, page by page
            for event in self._scan(where + readable, python_filters, None, False, cancel, self.page_size):
                add(event.recorded_at)
        if unreadable is not None:
            # those rows' times are judged in Python (``python_filters`` holds the time bounds, and
            # ``add`` the buckets): the SQL time bounds, true of no such row, would only read every
            # other row's time again (35 s of a 48 s histogram over 1 M eventsourcing events)
            for event in self._scan(untimed_where + [unreadable], python_filters, None, False, cancel,
                                    self.page_size):
                add(event.recorded_at)
        return Histogram(start, end, counts)

    # --- snapshots, tail --------------------------------------------------------------
    def snapshots(self, stream: str) -> list[Snapshot]:
        with self._connect() as conn:
            return self.layout.snapshots(conn, stream)

    def type_survey(self, *, category: str | None = None, cancel: CancelToken | None = None,
                    sample: int = DEFAULT_SAMPLE, progress: Progress | None = None,
                    envelope: bool = False) -> TypeSurvey:
        """See ``EventStore.type_survey``; built in ``inspector.stores.survey``."""
        from inspector.stores.survey import survey_sql_store

        return survey_sql_store(self, category=category, cancel=cancel, sample=sample, progress=progress,
                                envelope=envelope)

    def actor_names(self, *, containing: str | None = None, limit: int = 200) -> list[str]:
        """See ``EventStore.actor_names``: one grouped query over the newest ``ACTOR_ROWS`` rows by
        position where SQL reads the actor; else the actors of the newest ``ACTOR_DECODED_ROWS``
        events, decoded (payloads over 64 KiB left out)."""
        layout = self.layout
        actor = layout.actor_expr()
        if actor is None:
            events = self.read_all(limit=ACTOR_DECODED_ROWS, descending=True, payload_cap=65_536)
            return count_actors((event.actor for event in events), containing, limit)
        newest = (sa.select(actor.label("actor")).select_from(layout.table).where(*layout.scope())
                  .order_by(layout.position.desc()).limit(ACTOR_ROWS).subquery("newest"))
        frequency = sa.func.count().label("events")
        grouped: Any = newest.c.actor
        if self.engine.dialect.name not in ("sqlite", "postgresql"):
            grouped = sa.func.binary(grouped)  # PAD SPACE collations would group 'bob ' with 'bob'
        query = (sa.select(sa.func.min(newest.c.actor).label("actor"), frequency)
                 .where(newest.c.actor.is_not(None)).group_by(grouped))
        if containing:
            text = sa.func.lower(sa.cast(newest.c.actor, sa.Text))
            query = query.where(text.like(f"%{escape_like(containing.lower())}%", escape="\\"))
        rows = self._rows(query.order_by(frequency.desc(), grouped).limit(limit))
        names: list[str] = []
        for row in rows:
            if row.actor in (None, ""):
                continue
            name = str(row.actor)
            value = _json_not_text(name)  # the engine's JSON text of a number or object: as shown
            names.append(name if value is None else (actor_text(value.value) or name))
        return list(dict.fromkeys(names))

    def latest_position(self) -> int | None:
        value = self._rows(
            sa.select(sa.func.max(self.layout.position)).select_from(self.layout.table).where(*self.layout.scope())
        )[0][0]
        return None if value is None else int(value)

    def explain(self, query: sa.Select) -> str:
        """The engine's plan for a query, as text (used by the index checks)."""
        compiled = str(query.compile(self.engine, compile_kwargs={"literal_binds": True}))
        if self.engine.dialect.paramstyle in ("format", "pyformat"):
            compiled = compiled.replace("%", "%%")  # literal percents, not placeholders
        prefix = {"sqlite": "EXPLAIN QUERY PLAN ", "postgresql": "EXPLAIN ", "mysql": "EXPLAIN ", "mariadb": "EXPLAIN "}
        with self._connect() as conn:
            rows = conn.exec_driver_sql(prefix.get(self.engine.dialect.name, "EXPLAIN ") + compiled).all()
        return "\n".join(" ".join(str(part) for part in row) for row in rows)


#: a short fold reads the rest of its stream whole once its projector has asked for the other
#: fields of this many events, more than one in ``_WHOLE_EVERY`` read (``_LeftOutColumns``)
_WHOLE_AFTER = 2
_WHOLE_EVERY = 64


class _LeftOutColumns:
    """The columns a short fold left out (``SqlEventStore._short_fold``), read for the events
    whose other fields are asked: ``view`` is the fold's ``FoldView``, whose ``widen`` this is.

    **Same snapshot.** ``attach`` is given the fold's connection before its query runs and
    opens one read transaction for everything read on it: on SQLite an explicit ``BEGIN`` (the
    fold's query and every later statement on that connection read the database as of the
    fold's first read, until the pool's rollback), on PostgreSQL a ``REPEATABLE READ``
    transaction (one snapshot for all its statements; read-only, it never fails to serialize;
    one more round trip a fold).
    An event's whole row is read on that connection by its (version, position), so it is the
    row the fold read, and the fields the fold read are kept as it read them (``widened``).
    The read's last row is read whole before the connection goes back to the pool (a replay
    always shows its last event's time). Once a projector asks for the other fields of more
    than an occasional event (``_WHOLE_AFTER`` events, more than one in ``_WHOLE_EVERY``), the
    rest of the batch and every later batch are read whole on that connection, each batch by
    one read of its (version, position) span.

    **After the read.** An event asked once its read has ended (the connection back in the
    pool: a fold closed early, an event a projector kept) is read again in a new transaction by
    its (version, position) and taken only where its type and payload as stored are the ones
    the fold read (a row gone or different is a ``StoreError``): its time, metadata and actor
    are then those stored at that read, which are the fold's unless that very row's time or
    metadata alone were rewritten in between (an event store writes each row once).
    """

    def __init__(self, store: "SqlEventStore", stream: str, template: FoldView) -> None:
        self.store = store
        self.stream = stream
        self.shape = fold_row_shape(store.layout)
        self.view = template.widened_by(self.widen)
        names = [column.name for column in template.columns]
        self.at_version, self.at_position = names.index("version"), names.index("position")
        self.conn: sa.Connection | None = None
        self.batch: Sequence[Any] = ()  # the short rows of the batch being folded
        self.whole: dict[tuple[Any, Any], Any] = {}  # (version, position) -> whole row, this batch's
        self.asked = 0
        self.handed = 0
        self.eager = False
        #: whether the fold's read transaction holds one snapshot (``attach``); else each event is read again
        self.exact = True

    def attach(self, conn: sa.Connection) -> Callable[[], None]:
        """Open the fold's read transaction on ``conn`` (its query not run yet); ``finish`` for after its last batch."""
        dbapi: Any = conn.connection.dbapi_connection
        if conn.dialect.name == "sqlite":
            self.exact = not dbapi.in_transaction
            if self.exact:
                dbapi.execute("BEGIN")  # ended by the pool's rollback
        elif conn.dialect.name in _MYSQL:
            # InnoDB's consistent snapshot, taken now and kept by every read of the transaction (REPEATABLE
            # READ, whatever the session's level; read-only as the session is); ended by the pool's rollback.
            # A session handed out inside a transaction (status flag 1) keeps it: every event is read again
            self.exact = not getattr(dbapi, "server_status", 1) & 1
            if self.exact:
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                conn.exec_driver_sql("START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT")
        else:
            # the transaction's first statement (it ends with the pool's rollback; nothing to set back); a
            # session handed out inside a transaction cannot change it: then every event is read again
            self.exact = getattr(getattr(dbapi, "info", None), "transaction_status", None) == 0  # idle
            if self.exact:
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        self.conn, self.batch, self.whole = conn, (), {}
        return self.finish

    def _key(self, row: Any) -> tuple[Any, Any]:
        return row[self.at_version], row[self.at_position]

    def arrived(self, rows: Sequence[Any]) -> None:
        """A batch of short rows is about to be folded."""
        self.batch, self.whole = rows, {}
        self.handed += len(rows)

    def finish(self) -> None:
        """The last batch was folded and the connection is still held: read the last row whole."""
        if self.batch and self.conn is not None and self.exact:
            key = self._key(self.batch[-1])
            if key not in self.whole:
                self.whole = {self._key_of(row): row for row in self._read(self.conn, key, key)}

    @staticmethod
    def _key_of(whole: Any) -> tuple[Any, Any]:
        return whole.version, whole.position

    def _within(self, key: tuple[Any, Any], rows: Sequence[Any]) -> bool:
        """Whether ``key`` is at or after the first row of ``rows`` (False where keys do not compare)."""
        try:
            return bool(key >= self._key(rows[0]))
        except TypeError:  # a NULL or odd position
            return False

    def widen(self, short: Any) -> Any:
        """The whole fold row of the short row ``short`` (fields by name), with ``short``'s values where it has them."""
        key = (short.version, short.position)
        whole = self.whole.get(key)
        if whole is None:
            conn = self.conn
            if conn is not None and not conn.closed and self.exact:
                self.asked += 1
                if not self.eager and self.asked >= _WHOLE_AFTER and self.asked * _WHOLE_EVERY > self.handed:
                    self.eager = True  # the later batches come whole (``whole_batch``); this one's rest now
                    if self.batch and self._within(key, self.batch):
                        self.whole.update((self._key_of(row), row)
                                          for row in self._read(conn, key, self._key(self.batch[-1])))
                        whole = self.whole.get(key)
                if whole is None:
                    whole = next((row for row in self._read(conn, key, key)), None)
            else:
                whole = self._read_again(short, key)
            if whole is None:
                raise StoreError(f"{self.store.location}: stream {quoted_name(self.stream)} has no event at v{key[0]} "
                                 f"(position {key[1]}) any more")
        return widened(short, whole, self.shape)

    def whole_batch(self, rows: Sequence[Any]) -> list[Any] | None:
        """The whole rows of a batch of short rows, read on the fold's connection (same span, same
        order); None where they cannot be (then the short rows are folded)."""
        conn = self.conn
        if not rows or conn is None or conn.closed or not self.exact:
            return None
        whole = self._read(conn, self._key(rows[0]), self._key(rows[-1]))
        if len(whole) != len(rows) or any(self._key_of(w) != self._key(r) for w, r in zip(whole, rows)):
            return None
        self.batch, self.whole = (), {}
        self.handed += len(rows)
        return whole

    def _read(self, conn: sa.Connection, first: tuple[Any, Any], last: tuple[Any, Any]) -> list[Any]:
        """The stream's whole rows from (version, position) ``first`` to ``last`` on ``conn``; on
        SQLite with the careful ``text_or_bytes`` (text that is not UTF-8 kept as bytes)."""
        query = self.store._fold_span_query(self.stream)
        values = {"low": first[0], "low_position": first[1], "high": last[0], "high_position": last[1]}
        dbapi: Any = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
        previous = None
        if dbapi is not None:
            previous, dbapi.text_factory = dbapi.text_factory, text_or_bytes
        try:
            # SQLite: the driver itself (no SQLAlchemy execution, ~60 µs a read); PostgreSQL through
            # SQLAlchemy, inside the fold's transaction (``plain_rows`` would run outside one)
            rows = plain_rows(conn, query, values) if dbapi is not None else None
            return list(conn.execute(query, values).all()) if rows is None else rows
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"{self.store.location}: {one_line(exc)}") from None
        finally:
            if dbapi is not None:
                dbapi.text_factory = previous

    def _read_again(self, short: Any, key: tuple[Any, Any]) -> Any:
        """The whole row of ``short`` read in a new transaction, when its type and payload are the ones read."""
        with self.store._connect() as conn:
            rows = self._read(conn, key, key)
        capped = self.store.layout.capped_payload()
        for row in rows:
            if all(getattr(row, name) == getattr(short, name) for name in short._fields
                   if capped is None or name != capped[0] or getattr(short, name) != capped[1]):
                return row
        if rows:
            raise StoreError(f"{self.store.location}: the event at v{key[0]} (position {key[1]}) of stream "
                             f"{quoted_name(self.stream)} changed while it was replayed")
        return None


class _Xid(sa.types.UserDefinedType[Any]):
    """PostgreSQL's 32-bit transaction id type, for ``age()`` comparisons."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid"


class StreamsOfCategory:
    """``event -> bool``: whether the event's stream is of ``category`` as ``streams`` lists it
    (``in_category`` of ``store.category``), for layouts where only Python tells a category.
    ``page(rows)`` asks the categories of a page's streams not met before in one statement
    (``categories_of_stored``); a stream not known by then is asked alone."""

    def __init__(self, store: SqlEventStore, category: str) -> None:
        self.store, self.category = store, category
        self.known: dict[str, bool] = {}
        self.stored: set[Any] = set()  # stored ids already asked about

    def page(self, rows: Sequence[Any]) -> None:
        new = [value for value in dict.fromkeys(_hashable(row.stream) for row in rows) if value not in self.stored]
        if not new:
            return
        self.stored.update(new)
        for name, found in self.store.categories_of_stored(new).items():
            self.known.setdefault(name, in_category(found, self.category))

    def __call__(self, event: Any) -> bool:
        found = self.known.get(event.stream)
        if found is None:
            found = self.known[event.stream] = in_category(self.store.category(event.stream), self.category)
        return found


@dataclass(frozen=True)
class _JsonValue:
    value: Any


def _json_not_text(text: str) -> _JsonValue | None:
    """The value ``text`` is the JSON of where that is a number, true, false, an object or an
    array (an actor no string, which ``actor_text`` shows as JSON); None for anything else,
    JSON null and text with spaces around it included."""
    if not text or text[0] not in "-0123456789tf{[" or text != text.strip():
        return None
    decoded = decode_json(text, allow_null=False)
    if decoded.problem is not None or decoded.value is None or isinstance(decoded.value, str):
        return None
    return _JsonValue(decoded.value)


def _hashable(value: Any) -> Any:
    """A stored stream id as a dictionary key (a driver may hand bytes back as a memoryview)."""
    return bytes(value) if isinstance(value, (memoryview, bytearray)) else value


def _or_null(expr: sa.ColumnElement[Any] | None) -> sa.ColumnElement[Any]:
    return sa.null() if expr is None else expr


def _looks_disconnected(exc: sa.exc.DBAPIError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return any(
        phrase in text
        for phrase in (
            "terminating connection",
            "server closed the connection",
            "connection was killed",
            "lost connection",
            "gone away",
            "connection is closed",
            "consuming input failed",
        )
    )


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def span(start: datetime, end: datetime, buckets: int) -> list[datetime]:
    """Bucket start times for a histogram, for plotting."""
    width = (end - start) / max(buckets, 1)
    return [start + width * i for i in range(buckets)]


__all__ = ["SqlEventStore", "one_line", "span", "utc_now"]
