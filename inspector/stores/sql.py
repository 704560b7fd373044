"""One EventStore adapter for every SQL layout: SQLAlchemy Core, keyset paging, work pushed into SQL."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from inspector.core.cancel import CancelToken, check
from inspector.core.events import Event, StreamSummary
from inspector.stores.base import (
    ConnectionLost,
    EventFilter,
    Histogram,
    Snapshot,
    StoreError,
    StoreInfo,
    glob_to_like,
)
from inspector.stores.connect import enforce_read_only_check, redact
from inspector.stores.layouts.base import SqlLayout, epoch_seconds

PAGE = 1000


def one_line(exc: BaseException) -> str:
    """The first line of a driver error, without SQL or parameters."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


class SqlEventStore:
    """Reads one SQL layout. Every call takes its own pooled connection, so workers may share the store."""

    def __init__(self, engine: Engine, layout: SqlLayout, location: str) -> None:
        self.engine = engine
        self.layout = layout
        self.layout_name = layout.name
        self.location = redact(location)
        self._epoch = epoch_seconds(layout)

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
                streams = conn.execute(sa.select(sa.func.count(sa.distinct(layout.stream)))).scalar()
            notes = tuple(layout.notes(conn))
        read_only = enforce_read_only_check(self.engine)
        return StoreInfo(
            layout=layout.name,
            engine=self.engine.dialect.name,
            location=self.location,
            server_version=server_version or None,
            read_only=read_only,
            events=events,
            streams=streams,
            notes=notes,
        )

    # --- streams ----------------------------------------------------------------------
    def streams(
        self,
        *,
        match: str | None = None,
        category: str | None = None,
        after: str | None = None,
        limit: int = 500,
    ) -> list[StreamSummary]:
        layout = self.layout
        category_sql = layout.category_clause(category) if category else None
        result: list[StreamSummary] = []
        cursor = after
        # Category filters that only Python can apply may need more than one page.
        while len(result) < limit:
            query = sa.select(
                layout.stream.label("stream"),
                sa.func.count().label("count"),
                sa.func.min(layout.version).label("first_version"),
                sa.func.max(layout.version).label("last_version"),
                (sa.func.min(layout.time) if layout.time is not None else sa.null()).label("first_at"),
                (sa.func.max(layout.time) if layout.time is not None else sa.null()).label("last_at"),
                (sa.func.min(layout.type) if layout.type is not None else sa.null()).label("first_type"),
            ).where(layout.stream.is_not(None))
            if cursor is not None:
                query = query.where(layout.stream > layout.stream_to_db(cursor))
            if match:
                query = query.where(layout.stream.like(glob_to_like(match), escape="\\"))
            if category_sql is not None:
                query = query.where(category_sql)
            page_size = limit - len(result) if category is None or category_sql is not None else max(limit, PAGE)
            query = query.group_by(layout.stream).order_by(layout.stream).limit(page_size)
            with self._connect() as conn:
                rows = conn.execute(query).all()
            for row in rows:
                name = layout.stream_from_db(row.stream)
                summary = StreamSummary(
                    stream=name,
                    category=layout.category_of(name, row.first_type),
                    count=int(row.count),
                    first_version=row.first_version,
                    last_version=row.last_version,
                    first_at=layout.time_from_db(row.first_at),
                    last_at=layout.time_from_db(row.last_at),
                )
                if category and category_sql is None and summary.category != category:
                    continue
                result.append(summary)
                if len(result) >= limit:
                    break
            if len(rows) < page_size:
                break
            cursor = layout.stream_from_db(rows[-1].stream)
        return result

    def categories(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        after = None
        while True:
            page = self.streams(after=after, limit=PAGE)
            for summary in page:
                key = summary.category or "(none)"
                counts[key] = counts.get(key, 0) + 1
            if len(page) < PAGE:
                break
            after = page[-1].stream
        return sorted(counts.items())

    def event_types(self) -> list[tuple[str, int]]:
        layout = self.layout
        if layout.type is None:
            return []
        query = sa.select(layout.type, sa.func.count()).group_by(layout.type).order_by(layout.type)
        with self._connect() as conn:
            rows = conn.execute(query).all()
        merged: dict[str, int] = {}
        for value, count in rows:
            name = layout.type_from_db(value)
            merged[name] = merged.get(name, 0) + int(count)
        return sorted(merged.items())

    # --- events -----------------------------------------------------------------------
    def read_stream(
        self,
        stream: str,
        *,
        from_version: int | None = None,
        to_version: int | None = None,
        limit: int | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[Event]:
        layout = self.layout
        key = layout.stream_to_db(stream)
        yielded = 0
        if from_version is None:
            # Rows without a version cannot be paged by version: read them first, by the same index.
            query = (
                sa.select(*layout.columns)
                .where(layout.stream == key, layout.version.is_(None))
                .order_by(layout.position)
            )
            with self._connect() as conn:
                for row in conn.execute(query).all():
                    yield layout.row_to_event(row)
                    yielded += 1
        last_version = None if from_version is None else from_version - 1
        last_position: Any = None
        while limit is None or yielded < limit:
            check(cancel)
            page = PAGE if limit is None else min(PAGE, limit - yielded)
            query = sa.select(*layout.columns).where(layout.stream == key)
            if last_version is not None:
                if last_position is None:
                    query = query.where(layout.version > last_version)
                else:
                    # (version, position) keyset: duplicate versions are not lost at a page edge.
                    query = query.where(
                        sa.or_(
                            layout.version > last_version,
                            sa.and_(layout.version == last_version, layout.position > last_position),
                        )
                    )
            else:
                query = query.where(layout.version.is_not(None))
            if to_version is not None:
                query = query.where(layout.version <= to_version)
            query = query.order_by(layout.version, layout.position).limit(page)
            with self._connect() as conn:
                rows = conn.execute(query).all()
            for row in rows:
                yield layout.row_to_event(row)
            yielded += len(rows)
            if len(rows) < page:
                return
            last_version, last_position = rows[-1].version, rows[-1].position

    def read_all(
        self,
        *,
        after_position: int | None = None,
        limit: int = 500,
        filters: EventFilter | None = None,
        cancel: CancelToken | None = None,
        descending: bool = False,
    ) -> list[Event]:
        layout = self.layout
        filters = filters or EventFilter()
        where, python_filters = self._filter_clauses(filters)
        result: list[Event] = []
        cursor = after_position
        while len(result) < limit:
            check(cancel)
            page = limit - len(result) if not python_filters else max(PAGE, limit)
            query = sa.select(*layout.columns).where(*where)
            if cursor is not None:
                query = query.where(layout.position < cursor if descending else layout.position > cursor)
            order = layout.position.desc() if descending else layout.position
            query = query.order_by(order).limit(page)
            with self._connect() as conn:
                rows = conn.execute(query).all()
            for row in rows:
                event = layout.row_to_event(row)
                if all(accept(event) for accept in python_filters):
                    result.append(event)
                    if len(result) >= limit:
                        break
            if len(rows) < page:
                break
            cursor = rows[-1].position
        return result

    def _filter_clauses(self, filters: EventFilter) -> tuple[list[Any], list[Any]]:
        """SQL clauses for what the layout can push down, Python predicates for the rest."""
        layout = self.layout
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
            where.append(layout.stream.in_([layout.stream_to_db(s) for s in filters.streams]))
        if filters.since or filters.until:
            if self._epoch is not None:
                if filters.since:
                    where.append(self._epoch >= filters.since.timestamp())
                if filters.until:
                    where.append(self._epoch <= filters.until.timestamp())
            else:
                since, until = filters.since, filters.until
                python.append(
                    lambda e: e.recorded_at is not None
                    and (since is None or e.recorded_at >= since)
                    and (until is None or e.recorded_at <= until)
                )
        if filters.actor:
            actor_sql = layout.actor_expr()
            if actor_sql is not None:
                where.append(actor_sql == filters.actor)
            else:
                actor = filters.actor
                python.append(lambda e: e.actor == actor)
        if filters.text:
            exprs = layout.text_exprs()
            if exprs:
                pattern = glob_to_like(filters.text)
                where.append(sa.or_(*[sa.cast(expr, sa.Text).like(pattern, escape="\\") for expr in exprs]))
            else:
                needle = filters.text.lower()
                python.append(lambda e: needle in orjson.dumps([e.data, e.metadata], default=str).decode().lower())
        return where, python

    # --- time -------------------------------------------------------------------------
    def time_range(self) -> tuple[datetime | None, datetime | None]:
        layout = self.layout
        if layout.time is None:
            return None, None
        with self._connect() as conn:
            row = conn.execute(sa.select(sa.func.min(layout.time), sa.func.max(layout.time))).one()
        return layout.time_from_db(row[0]), layout.time_from_db(row[1])

    def histogram(
        self, start: datetime, end: datetime, buckets: int, filters: EventFilter | None = None
    ) -> Histogram:
        if buckets <= 0 or end <= start:
            return Histogram(start, end, [])
        width = (end - start).total_seconds() / buckets
        counts = [0] * buckets
        filters = filters or EventFilter()
        if self._epoch is None:
            raise StoreError(f"the {self.layout.name} layout keeps no time column: no histogram")
        where, python_filters = self._filter_clauses(filters)
        if python_filters:
            raise StoreError("this filter cannot be counted by the database for this layout")
        start_s, end_s = start.timestamp(), end.timestamp()
        bucket = sa.func.floor((self._epoch - start_s) / width)
        query = (
            sa.select(bucket.label("bucket"), sa.func.count())
            .where(self._epoch >= start_s, self._epoch < end_s, *where)
            .group_by(bucket)
        )
        with self._connect() as conn:
            for index, count in conn.execute(query):
                if index is None:
                    continue
                slot = int(index)
                if 0 <= slot < buckets:
                    counts[slot] += int(count)
        return Histogram(start, end, counts)

    # --- snapshots, tail --------------------------------------------------------------
    def snapshots(self, stream: str) -> list[Snapshot]:
        with self._connect() as conn:
            return self.layout.snapshots(conn, stream)

    def latest_position(self) -> int | None:
        with self._connect() as conn:
            value = conn.execute(sa.select(sa.func.max(self.layout.position))).scalar()
        return None if value is None else int(value)

    def explain(self, query: sa.Select) -> str:
        """The engine's plan for a query, as text (used by the index checks)."""
        compiled = query.compile(self.engine, compile_kwargs={"literal_binds": True})
        prefix = {"sqlite": "EXPLAIN QUERY PLAN ", "postgresql": "EXPLAIN ", "mysql": "EXPLAIN ", "mariadb": "EXPLAIN "}
        with self._connect() as conn:
            rows = conn.exec_driver_sql(prefix.get(self.engine.dialect.name, "EXPLAIN ") + str(compiled)).all()
        return "\n".join(" ".join(str(part) for part in row) for row in rows)


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
