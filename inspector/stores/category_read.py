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

Memory: at most one page of rows (plus the consumer's one stream iterator, streamed from the
database) is held, whatever the size of a stream or the category.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import sqlalchemy as sa

from inspector.core.cancel import CancelToken, check
from inspector.stores.lazy import FoldEvent, LazyEvent

if TYPE_CHECKING:
    from inspector.stores.sql import SqlEventStore

#: Rows per page of a category read (one round trip each).
CATEGORY_PAGE = 5000

#: One stream of a category read: its name as shown and its events in (version, position) order.
StreamEvents = tuple[str, Iterator[FoldEvent]]


def category_query(store: SqlEventStore, *, category: str | None, match: str | None, upto: int | None,
                   after: str | None, limit: int) -> sa.Select | None:
    """One page of the category's versioned rows after the stream ``after`` (the layout's listing
    keyset), in (listing keys, version, position) order: the order of the stream index.

    None when the category can be told only in Python (``category_clause`` is None): the caller
    then reads stream by stream.
    """
    layout = store.layout
    query = (sa.select(*layout.columns).select_from(layout.table)
             .where(layout.stream.is_not(None), layout.version.is_not(None), *layout.scope()))
    if category:
        clause = layout.category_clause(category)
        if clause is None:
            return None
        query = query.where(clause)
    if match:
        query = query.where(layout.match_clause(match))
    if upto is not None:
        query = query.where(layout.version <= upto)
    if after is not None:
        query = query.where(layout.listing_after(after))
    return query.order_by(*layout.listing_keys(), layout.version, layout.position).limit(limit)


def rest_of_stream_query(store: SqlEventStore, stream: str, *, after_version: Any, after_position: Any,
                         upto: int | None) -> sa.Select:
    """The stream's versioned rows after (``after_version``, ``after_position``) up to ``upto``, in
    (version, position) order: one range of the stream index (the ``version >= v`` conjunct bounds
    it; the OR alone would not)."""
    layout = store.layout
    query = (sa.select(*layout.columns).select_from(layout.table)
             .where(layout.stream_is(stream), *layout.scope(),
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
    """The query's rows as lazy events, fetched in batches from a server-side cursor."""
    from inspector.stores.sql import FOLD_BATCH

    layout = store.layout
    with store._connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=FOLD_BATCH).execute(query)
        for rows in result.partitions():
            check(cancel)
            for row in rows:
                yield LazyEvent(row, layout, stream)


def _from_page(rows: list[Any], store: SqlEventStore, stream: str) -> Iterator[FoldEvent]:
    layout = store.layout
    for row in rows:
        yield LazyEvent(row, layout, stream)


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
                      page: int = CATEGORY_PAGE) -> Iterator[StreamEvents] | None:
    """Every stream of ``category`` and/or matching the stream pattern ``match`` (neither: every
    stream), each as ``(name, events)`` with its versioned events up to version ``upto`` (None:
    all) in (version, position) order, streams in the stream index's order.

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
    return _read(store, category, match, upto, cancel, page)


def _read(store: SqlEventStore, category: str | None, match: str | None, upto: int | None,
          cancel: CancelToken | None, page: int) -> Iterator[StreamEvents]:
    layout = store.layout
    exact_text = layout.exact_text_streams()
    after: str | None = None

    def hand_over(stream: str, events: Iterator[FoldEvent]) -> Iterator[StreamEvents]:
        try:
            yield stream, events
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()

    while True:
        check(cancel)
        query = category_query(store, category=category, match=match, upto=upto, after=after, limit=page)
        assert query is not None
        rows = store._rows(query)
        if not rows:
            return
        full = len(rows) >= page
        last_name = layout.stream_from_db(rows[-1].stream)
        # rows per exact name, in order of first appearance (one contiguous run each where the
        # collation is exact; gathered from interleaved runs where it is not). A name is worked
        # out once per run of equal stored values, not per row.
        by_name: dict[str, list[Any]] = {}
        run_value: Any = _NO_VALUE
        run: list[Any] = []
        for row in rows:
            value = row.stream
            if value != run_value or type(value) is not type(run_value):
                name = layout.stream_from_db(value)
                run = by_name.setdefault(name, [])
                run_value = value
            run.append(row)
        group: list[str] = []
        if full and exact_text:
            group = [layout.stream_from_db(value) for (value,) in store._rows(
                group_names_query(store, last_name, category=category, match=match, upto=upto))]
            for name in group:
                by_name.pop(name, None)
        for name, found in by_name.items():
            check(cancel)
            if full and not exact_text and name == last_name:
                tail = found[-1]
                rest = _streamed(store, rest_of_stream_query(store, name, after_version=tail.version,
                                                             after_position=tail.position, upto=upto), name, cancel)
                yield from hand_over(name, _chain(_from_page(found, store, name), rest))
            else:
                yield from hand_over(name, _from_page(found, store, name))
        for name in group:
            check(cancel)
            yield from hand_over(name, _streamed(store, whole_stream_query(store, name, upto), name, cancel))
        if not full:
            return
        after = last_name


__all__ = ["CATEGORY_PAGE", "StreamEvents", "category_query", "read_sql_category", "rest_of_stream_query"]
