"""Whole-category reads for replay: every stream of a category read once, in (stream, version) order.

``read_sql_category`` is what ``SqlEventStore.read_category_for_replay`` runs. Instead of listing
the streams (an aggregate over every row) and then asking one query per stream, it reads the
category's rows in pages in the order of the layout's stream index, (stream keys, version,
position), keyset-paged after the last *finished* stream, and hands each stream's events to the
caller as one iterator before the next stream's:

* a page holds ``page`` rows; every stream in it but the last is complete and is yielded from
  the page;
* the last stream of a full page may go on: its rows in the page are yielded, then the rest of
  that stream is read by one streamed query over the stream index, keyset on (version,
  position) after the last row seen (duplicate versions are not lost at the edge);
* the next page starts after that stream (``listing_after``: the layout's keyset, Marten's
  (tenant, id) included).

Exact stream identity where the column's collation is not exact (MySQL/MariaDB text streams, a
PostgreSQL nondeterministic collation; ``SqlLayout.exact_text_streams``): the index orders and
compares names by the collation, so ``order-1`` and ``Order-1`` are one index group and their
rows interleave. Rows are told apart by the exact value the driver returns; within a page, each
exact name's rows are gathered (the page is bounded) and yielded one name after another. The
group at the end of a full page may go on in the next rows: its exact names are asked of the
database (grouped by their bytes, ``stream_key``), its rows are dropped from the page, and each
name is read whole by its own exact query (``stream_is``). The next page starts after the whole
group (``stream > group``, compared by the collation: no name of it is read twice or skipped).

A slice of the category (``after``/``until``: the streams after one name, up to and including
another, in the index's order) is read the same way; ``category_slices`` cuts a category into
slices of about as many rows each, at stream boundaries (whole collation groups where the
collation is not exact), so worker processes can read a slice each and never share a stream.

On SQLite, text is decoded by the driver's own UTF-8 decoder (in C) rather than the store's
careful ``text_or_bytes`` (which keeps text that is not UTF-8 as bytes, so one such row never
ends a read); a page in which a value does not decode is read again the careful way, and the
rest of a stream goes on the careful way from the row where its fast read failed
(``SqlEventStore._fold_rows``), so every row is the one other reads give.

Memory: at most one page of rows (plus the consumer's one stream iterator, streamed from the
database) is held, whatever the size of a stream or the category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Iterator

import sqlalchemy as sa

from inspector.core.cancel import CancelToken, check
from inspector.core.events import category_named
from inspector.stores.base import StoreError
from inspector.stores.lazy import FoldEvent, lazy_events

if TYPE_CHECKING:
    from inspector.stores.sql import SqlEventStore

#: Rows per page of a category read (one round trip each).
CATEGORY_PAGE = 5000

#: One stream of a category read: its name as shown and its events in (version, position) order.
StreamEvents = tuple[str, Iterator[FoldEvent]]


@dataclass(frozen=True)
class StoredName:
    """A stream bound whose shown name does not lead back to the stored value: SQLite text that
    is not UTF-8, read as bytes and shown as ``0x`` and its hex. Keysets and the stream's own
    rows compare the stored bytes as text (as the stream index orders them), not the shown name."""

    shown: str
    stored: bytes


#: where a category read or slice starts or ends: a stream's shown name, or a ``StoredName``
StreamBound = str | StoredName


def _bound(store: SqlEventStore, name: str, value: Any) -> StreamBound:
    """The bound for the stream shown as ``name`` whose stored value is ``value``."""
    if type(value) is bytes and store.engine.dialect.name == "sqlite" and store.layout.stream_to_db(name) != value:
        return StoredName(name, value)
    return name


def _stored_text(bound: StoredName) -> sa.ColumnElement[Any]:
    return sa.cast(sa.literal(bound.stored, sa.LargeBinary), sa.Text)


def _later(store: SqlEventStore, bound: StreamBound) -> sa.ColumnElement[bool]:
    """Streams after ``bound`` in the stream index's order (the layout's listing keyset)."""
    if isinstance(bound, StoredName):
        return store.layout.stream > _stored_text(bound)
    return store.layout.listing_after(bound)


def _stream_is(store: SqlEventStore, bound: StreamBound) -> sa.ColumnElement[bool]:
    if isinstance(bound, StoredName):
        return store.layout.stream == _stored_text(bound)
    return store.layout.stream_is(bound)


def _name_span(store: SqlEventStore, category: str, clause: sa.ColumnElement[bool]) -> tuple[str, str] | None:
    """Where the layout's ``category_clause`` selects the names equal to the category or starting
    with it and a ``-`` (its ``_named_category``, compared by its SQL and values) and every such
    name lies in the span ``[category, category + '.')`` of the stream index's order (``.``
    follows ``-``), that span; None elsewhere (a category read from anything but the name, a
    collation the span is not known to hold under). The span holds where the index orders names
    by their code points (SQLite; a PostgreSQL column whose collation is ``C``, ``POSIX``,
    ``C.UTF-8`` or the builtin provider's: ``_code_point_order``) and under the MySQL/MariaDB
    collations that weigh ``-`` below ``.`` and ignore neither (``_SPAN_COLLATIONS``: the binary,
    general and Unicode ones; their case folding and padding only widen what the span holds,
    and the clause, comparing bytes, still filters it)."""
    layout = store.layout
    named = category_named(category)
    dialect = store.engine.dialect
    if (not named or dialect.name not in ("sqlite", "postgresql", "mysql", "mariadb")
            or layout.listing_keys() != [layout.stream]):
        return None
    if dialect.name in ("sqlite", "postgresql") and (layout.exact_text_streams() or layout.stream_key() is not layout.stream):
        return None
    by_name = getattr(layout, "_named_category", None)
    if by_name is None:
        return None
    asked, names = clause.compile(dialect=dialect), by_name(named).compile(dialect=dialect)
    if str(asked) != str(names) or asked.params != names.params:
        return None
    if dialect.name == "postgresql" and not _code_point_order(store):
        return None
    if dialect.name in ("mysql", "mariadb") and not _span_collation(store):
        return None
    return named, named + "."


#: MySQL/MariaDB collations under which ``-`` weighs less than ``.`` and neither is ignored, with
#: no contraction or tailoring of ASCII letters: the names starting with ``category-`` sort
#: between ``category`` and ``category.`` (checked on MariaDB 10.11; others, the UCA 9.0 and 14.0
#: ones among them, keep the plan without the span)
_SPAN_COLLATIONS = re.compile(
    r"(utf8mb4|utf8mb3|utf8)_(bin|nopad_bin|general_ci|general_nopad_ci|unicode_ci|unicode_nopad_ci"
    r"|unicode_520_ci|unicode_520_nopad_ci)")


def _span_collation(store: SqlEventStore) -> bool:
    """Whether the MySQL/MariaDB stream column (a text column of a table) has a collation of
    ``_SPAN_COLLATIONS``. Asked once per layout; False when it cannot be told."""
    layout = store.layout
    known = layout.__dict__.get("_span_collation")
    if known is None:
        known = False
        column, table = layout.stream, getattr(layout.stream, "table", None)
        if isinstance(column, sa.Column) and isinstance(table, sa.Table) and isinstance(column.type, sa.String):
            query = sa.text(
                "SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE())"
                " AND TABLE_NAME = :table AND COLUMN_NAME = :column")
            try:
                with store.engine.connect() as conn:
                    found = conn.execute(query, {"schema": table.schema, "table": table.name,
                                                 "column": column.name}).scalar()
                known = isinstance(found, str) and _SPAN_COLLATIONS.fullmatch(found) is not None
            except sa.exc.SQLAlchemyError:
                known = False
        layout.__dict__["_span_collation"] = known
    return bool(known)


#: libc locales whose collation orders text by its code points (glibc's C.UTF-8 since 2.35, and
#: Debian's and Fedora's before that), as "C" and "POSIX" order it by its bytes
_CODE_POINT_LOCALES = frozenset({"C", "POSIX", "C.UTF-8", "C.utf8", "C.UTF8", "C.utf-8"})


def _code_point_order(store: SqlEventStore) -> bool:
    """Whether the PostgreSQL stream column (a text column of a table) orders names by their
    code points, so that the names starting with a prefix lie in one range of its index: its
    collation (or the database's, for ``default``) is a libc ``C``-like locale or the builtin
    provider's (PostgreSQL 17: ``C``, ``C.UTF-8``). Asked once per layout; False when it cannot
    be told (an expression, a view's column that cannot be looked up, an ICU or other locale)."""
    layout = store.layout
    known = layout.__dict__.get("_code_point_streams")
    if known is None:
        known = False
        column, table = layout.stream, getattr(layout.stream, "table", None)
        if isinstance(column, sa.Column) and isinstance(table, sa.Table) and isinstance(column.type, sa.String):
            name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
            of_column = sa.text(
                "SELECT c.collname, c.collprovider, c.collcollate FROM pg_attribute a"
                " JOIN pg_collation c ON c.oid = a.attcollation"
                " WHERE a.attrelid = to_regclass(:table) AND a.attname = :column")
            try:
                with store.engine.connect() as conn:
                    found = conn.execute(of_column, {"table": name, "column": column.name}).first()
                    if found is not None:
                        _, provider, locale = found
                        if provider == "d":  # the database's own collation
                            provider, locale = _database_collation(conn)
                        known = provider == "b" or (provider == "c" and locale in _CODE_POINT_LOCALES)
            except sa.exc.SQLAlchemyError:
                known = False
        layout.__dict__["_code_point_streams"] = known
    return bool(known)


def _database_collation(conn: sa.Connection) -> tuple[str, str | None]:
    """(provider, locale) of the current database's collation: ``datlocprovider`` where the
    server has it (PostgreSQL 15 and later: ``c`` libc, ``i`` ICU, ``b`` builtin), else libc."""
    if (conn.dialect.server_version_info or (0,)) >= (15,):
        query = "SELECT datlocprovider, datcollate FROM pg_database WHERE datname = current_database()"
    else:  # libc only
        query = "SELECT 'c', datcollate FROM pg_database WHERE datname = current_database()"
    found = conn.execute(sa.text(query)).first()
    if found is None:
        return "", None
    return str(found[0]), found[1]


def _category_rows(store: SqlEventStore, columns: list[Any], *, category: str | None, match: str | None,
                   upto: int | None, after: StreamBound | None, until: StreamBound | None) -> sa.Select | None:
    """``columns`` of the category's versioned rows of the streams after ``after`` up to and
    including ``until`` (None: no bound), in the layout's listing keyset; None when the
    category can be told only in Python."""
    layout = store.layout
    query = (sa.select(*columns).select_from(layout.table)
             .where(layout.stream.is_not(None), layout.version.is_not(None), *layout.scope()))
    if category:
        clause = layout.category_clause(category)
        if clause is None:
            return None
        span = _name_span(store, category, clause)
        if span is not None:
            # one range of the stream index, walked in its order (no sort); the clause itself only
            # filters (as an OR over two index ranges SQLite would read every row of the category
            # after ``after`` and sort them, for every page; PostgreSQL walked the index from its
            # first name, or from ``after`` to its last, filtering every other category's rows
            # on the way). The range starts after ``after`` when there is one (a row of the
            # category, so inside the span)
            low, high = span
            query = query.where(layout.stream < high)
            if after is None:
                query = query.where(layout.stream >= low)
            if store.engine.dialect.name == "sqlite":
                # inside the span, where names compare by their code points (and are text: a
                # blob sorts after every text), the category's names are the category itself and
                # those from ``category-`` on: two comparisons per row instead of a GLOB call
                clause = sa.or_(layout.stream == low, layout.stream >= low + "-")
            clause = sa.func.coalesce(clause, sa.false())
        query = query.where(clause)
    if match:
        query = query.where(layout.match_clause(match))
    if upto is not None:
        query = query.where(layout.version <= upto)
    if after is not None:
        query = query.where(_later(store, after))
    if until is not None:
        query = query.where(sa.not_(_later(store, until)))
    return query


def category_query(store: SqlEventStore, *, category: str | None, match: str | None, upto: int | None,
                   after: StreamBound | None, limit: int, until: StreamBound | None = None) -> sa.Select | None:
    """One page of the category's versioned rows after the stream ``after`` (the layout's listing
    keyset) up to and including the stream ``until`` (None: to the end), in (listing keys,
    version, position) order: the order of the stream index.

    None when the category can be told only in Python (``category_clause`` is None): the caller
    then reads stream by stream.
    """
    layout = store.layout
    query = _category_rows(store, list(layout.columns), category=category, match=match, upto=upto, after=after,
                           until=until)
    if query is None:
        return None
    return query.order_by(*layout.listing_keys(), layout.version, layout.position).limit(limit)


def slice_end_query(store: SqlEventStore, *, category: str | None, match: str | None, upto: int | None,
                    after: StreamBound | None, rows: int) -> sa.Select | None:
    """The stream of the row ``rows`` rows into the category after the stream ``after``, in the
    stream index's order; no row when fewer rows are left. Ordered by the stream keys alone:
    whichever row of a stream lies there, the stream is the same, and the index's keys answer
    (an index-only scan where the engine has one)."""
    layout = store.layout
    query = _category_rows(store, [layout.stream], category=category, match=match, upto=upto, after=after,
                           until=None)
    if query is None:
        return None
    return query.order_by(*layout.listing_keys()).offset(rows).limit(1)


def category_slices(store: SqlEventStore, *, category: str | None = None, match: str | None = None,
                    upto: int | None = None, rows: int,
                    cancel: CancelToken | None = None,
                    ) -> Iterator[tuple[StreamBound | None, StreamBound | None]] | None:
    """The category cut into slices of about ``rows`` rows each, as ``(after, until)`` pairs for
    ``read_sql_category`` (the first has ``after`` None, the last ``until`` None), in the stream
    index's order. A slice ends with a whole stream (a stream holding more than ``rows`` rows
    makes a larger slice) and, where the collation is not exact, a whole collation group (its
    bound compares by the collation, as the index does): no stream is in two slices, and
    together they hold every stream of the category once.

    Each bound costs one query that walks ``rows`` entries of the stream index, asked as the
    iteration goes. None when the category can be told only in Python.
    """
    if rows < 1:
        raise ValueError("a slice holds at least 1 row")
    if slice_end_query(store, category=category, match=match, upto=upto, after=None, rows=rows) is None:
        return None
    return _slices(store, category, match, upto, rows, cancel)


def _slices(store: SqlEventStore, category: str | None, match: str | None, upto: int | None, rows: int,
            cancel: CancelToken | None) -> Iterator[tuple[StreamBound | None, StreamBound | None]]:
    layout = store.layout
    after: StreamBound | None = None
    while True:
        check(cancel)
        query = slice_end_query(store, category=category, match=match, upto=upto, after=after, rows=rows)
        assert query is not None
        found = store._rows(query)
        if not found:
            yield after, None
            return
        until = _bound(store, layout.stream_from_db(found[0][0]), found[0][0])
        yield after, until
        after = until


def rest_of_stream_query(store: SqlEventStore, stream: StreamBound, *, after_version: Any, after_position: Any,
                         upto: int | None) -> sa.Select:
    """The stream's versioned rows after (``after_version``, ``after_position``) up to ``upto``, in
    (version, position) order: one range of the stream index (the ``version >= v`` conjunct bounds
    it; the OR alone would not)."""
    layout = store.layout
    query = (sa.select(*layout.columns).select_from(layout.table)
             .where(_stream_is(store, stream), *layout.scope(),
                    layout.version >= after_version,
                    sa.or_(layout.version > after_version, layout.position > after_position)))
    if upto is not None:
        query = query.where(layout.version <= upto)
    return query.order_by(layout.version, layout.position)


def whole_stream_query(store: SqlEventStore, stream: str, upto: int | None) -> sa.Select:
    """The stream's versioned rows up to ``upto`` in (version, position) order, exact by name."""
    layout = store.layout
    query = (sa.select(*layout.columns).select_from(layout.table)
             .where(layout.stream_is(stream), layout.version.is_not(None), *layout.scope()))
    if upto is not None:
        query = query.where(layout.version <= upto)
    return query.order_by(layout.version, layout.position)


def group_names_query(store: SqlEventStore, stream: str, *, category: str | None, match: str | None,
                      upto: int | None) -> sa.Select:
    """The exact names (one per byte string, in byte order) of the collation group ``stream``
    belongs to, among the rows a category read takes."""
    layout = store.layout
    key = layout.stream_key()
    query = (sa.select(sa.func.min(layout.stream)).select_from(layout.table)
             .where(layout.stream == layout.stream_to_db(stream), layout.version.is_not(None), *layout.scope()))
    if category:
        clause = layout.category_clause(category)
        if clause is not None:
            query = query.where(clause)
    if match:
        query = query.where(layout.match_clause(match))
    if upto is not None:
        query = query.where(layout.version <= upto)
    return query.group_by(key).order_by(key)


#: a stored stream value no row holds
_NO_VALUE = object()


def _streamed(store: SqlEventStore, query: sa.Select, stream: str,
              cancel: CancelToken | None) -> Iterator[FoldEvent]:
    """The query's rows (one stream, in (version, position) order) as lazy events, fetched in
    batches from a server-side cursor (SQLite: the driver's decoder first, the careful one from
    a row that does not decode, as a single-stream fold reads)."""
    layout = store.layout
    for rows in store._fold_rows(stream, None, None, cancel, query=query):
        yield from lazy_events(rows, layout, stream)


def _from_page(rows: list[Any], store: SqlEventStore, stream: str) -> Iterator[FoldEvent]:
    """The page's rows of one stream as lazy events (``lazy_events``)."""
    return lazy_events(rows, store.layout, stream)


#: what the driver's strict UTF-8 decoding raises (through ``SqlEventStore._connect``) on SQLite
_NOT_UTF8 = "decode to UTF-8"


def _page_rows(store: SqlEventStore, query: sa.Select) -> list[Any]:
    """All rows of one page. On SQLite the driver's own UTF-8 decoder reads the text (in C,
    strict); a page with a value that does not decode is read again with the connection's
    careful ``text_or_bytes``, which keeps such a value as bytes (an event with a problem).
    Rows of the layout's fold columns come as the driver's plain tuples where
    ``SqlEventStore._plain_tuples`` allows (``LazyEvent`` takes either)."""
    if store.engine.dialect.name != "sqlite":
        return store._rows(query)
    try:
        with store._connect() as conn:
            dbapi: Any = conn.connection.dbapi_connection
            previous = dbapi.text_factory
            dbapi.text_factory = str
            try:
                result = conn.execute(query)
                return list(result.cursor.fetchall() if store._plain_tuples(query) else result.all())
            finally:
                dbapi.text_factory = previous
    except StoreError as exc:
        if _NOT_UTF8 not in str(exc):
            raise
    return store._rows(query)


def _place(store: SqlEventStore, name: str) -> int:
    """The place of column ``name`` in the layout's fold rows (``select(*layout.columns)``): rows
    are read by place (they may be the driver's plain tuples, see ``_page_rows``)."""
    names = [getattr(column, "name", None) for column in store.layout.columns]
    return names.index(name)


def _chain(first: Iterator[FoldEvent], rest: Iterator[FoldEvent]) -> Iterator[FoldEvent]:
    try:
        yield from first
        yield from rest
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()  # a consumer that stops early releases the rest's cursor at once


def read_sql_category(store: SqlEventStore, *, category: str | None = None, match: str | None = None,
                      upto: int | None = None, cancel: CancelToken | None = None,
                      page: int = CATEGORY_PAGE, after: StreamBound | None = None,
                      until: StreamBound | None = None) -> Iterator[StreamEvents] | None:
    """Every stream of ``category`` and/or matching the stream pattern ``match`` (neither: every
    stream), each as ``(name, events)`` with its versioned events up to version ``upto`` (None:
    all) in (version, position) order, streams in the stream index's order. ``after``/``until``:
    only the streams after the one shown as ``after`` up to and including ``until`` in that
    order (a slice from ``category_slices``); None: from the first, to the last.

    Consume each stream's events before asking for the next stream: asking for the next one
    closes the previous iterator (its unread events are skipped, its cursor released). A stream
    with no versioned events up to ``upto`` is not yielded. Events are ``LazyEvent``s (payloads
    decoded when first read): a row that cannot be decoded is reported on its event, the read
    goes on. None when the category is known only in Python (the caller reads per stream).
    Raises ``Cancelled`` between pages and batches once ``cancel`` is set; ``StoreError``.
    """
    if page < 1:
        raise ValueError("page must be at least 1 row")
    if category_query(store, category=category, match=match, upto=upto, after=None, limit=page) is None:
        return None
    return _read(store, category, match, upto, cancel, page, after, until)


def _read(store: SqlEventStore, category: str | None, match: str | None, upto: int | None,
          cancel: CancelToken | None, page: int, after: StreamBound | None,
          until: StreamBound | None) -> Iterator[StreamEvents]:
    layout = store.layout
    exact_text = layout.exact_text_streams()
    stream_of = itemgetter(_place(store, "stream"))
    version_of, position_of = itemgetter(_place(store, "version")), itemgetter(_place(store, "position"))

    def hand_over(stream: str, events: Iterator[FoldEvent]) -> Iterator[StreamEvents]:
        try:
            yield stream, events
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()

    while True:
        check(cancel)
        query = category_query(store, category=category, match=match, upto=upto, after=after, limit=page,
                               until=until)
        assert query is not None
        rows = _page_rows(store, query)
        if not rows:
            return
        full = len(rows) >= page
        last_name = layout.stream_from_db(stream_of(rows[-1]))
        last = _bound(store, last_name, stream_of(rows[-1]))
        # rows per exact name, in order of first appearance (one contiguous run each where the
        # collation is exact; gathered from interleaved runs where it is not). A name is worked
        # out once per run of equal stored values, not per row.
        by_name: dict[str, list[Any]] = {}
        for value, equal in groupby(rows, stream_of):
            if type(value) is str or type(value) is bytes:  # equal to nothing of another type
                by_name.setdefault(layout.stream_from_db(value), []).extend(equal)
                continue
            run_value: Any = _NO_VALUE
            run: list[Any] = []
            for row in equal:  # 1 == 1.0 == True: equal values of other types are other names
                value = stream_of(row)
                if type(value) is not type(run_value) or value != run_value:
                    run = by_name.setdefault(layout.stream_from_db(value), [])
                    run_value = value
                run.append(row)
        group: list[str] = []
        if full and exact_text:
            group = [layout.stream_from_db(value) for (value,) in _page_rows(store,
                group_names_query(store, last_name, category=category, match=match, upto=upto))]
            for name in group:
                by_name.pop(name, None)
        for name, found in by_name.items():
            check(cancel)
            if full and not exact_text and name == last_name:
                tail = found[-1]
                rest = _streamed(store, rest_of_stream_query(store, last, after_version=version_of(tail),
                                                             after_position=position_of(tail), upto=upto), name, cancel)
                yield from hand_over(name, _chain(_from_page(found, store, name), rest))
            else:
                yield from hand_over(name, _from_page(found, store, name))
        for name in group:
            check(cancel)
            yield from hand_over(name, _streamed(store, whole_stream_query(store, name, upto), name, cancel))
        if not full:
            return
        after = last


__all__ = ["CATEGORY_PAGE", "StoredName", "StreamBound", "StreamEvents", "category_query", "category_slices", "read_sql_category",
           "rest_of_stream_query", "slice_end_query"]
