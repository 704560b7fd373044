"""What a SQL layout tells the generic SQL adapter about its tables."""

from __future__ import annotations

from typing import Any, ClassVar, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from inspector.core.events import Event, category_of_stream_name
from inspector.stores.base import Snapshot


class SqlLayout:
    """Maps one library's event table onto the Event model.

    Subclasses set the column expressions in ``__init__`` and decode rows in
    ``row_to_event``. Expressions are SQLAlchemy Core, so one adapter serves
    SQLite, PostgreSQL and MariaDB.
    """

    name: ClassVar[str] = "abstract"

    #: The event table and the expressions for each Event field.
    table: sa.FromClause
    position: sa.ColumnElement[Any]
    stream: sa.ColumnElement[Any]
    version: sa.ColumnElement[Any]
    type: sa.ColumnElement[Any] | None = None
    #: The recorded time as stored (timestamp or sortable text), or None when the layout keeps it in the payload.
    time: sa.ColumnElement[Any] | None = None
    #: Columns fetched for each event row, in ``row_to_event``'s order.
    columns: Sequence[sa.ColumnElement[Any]] = ()
    #: Name of the index that keeps ``(stream, version)`` reads fast, for EXPLAIN checks and ``info``.
    stream_index: ClassVar[str | None] = None

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    # --- detection -------------------------------------------------------------------
    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "SqlLayout | None":
        """Return a configured layout when the database holds this layout's tables."""
        return None

    # --- mapping ---------------------------------------------------------------------
    def row_to_event(self, row: Row[Any]) -> Event:
        raise NotImplementedError  # abstract: every layout decodes its own rows

    def stream_to_db(self, stream: str) -> Any:
        """The stored value for a stream name shown to the user."""
        return stream

    def stream_exists_possibly(self, stream: str) -> bool:
        """False when no row could hold this name (text that is not a UUID, for a uuid column)."""
        return True

    def stream_from_db(self, value: Any) -> str:
        return "" if value is None else str(value)

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        return category_of_stream_name(stream)

    def match_clause(self, pattern: str) -> sa.ColumnElement[bool]:
        """Streams whose shown name matches a glob (``*``, ``?``) or contains the text."""
        from inspector.stores.base import glob_to_like

        return self.stream.like(glob_to_like(pattern), escape="\\")

    def scope(self) -> list[sa.ColumnElement[bool]]:
        """Conditions every query carries (e.g. rows of one tenant); none by default."""
        return []

    def unreadable_clause(self) -> sa.ColumnElement[bool] | None:
        """Rows whose payload SQL cannot look into (compressed, encrypted): None when SQL reads every row.

        Time and text filters let such rows through and judge them in Python after decoding.
        """
        return None

    def category_clause(self, category: str) -> sa.ColumnElement[bool] | None:
        """A WHERE clause selecting the category's streams, or None to filter in Python."""
        return sa.or_(self.stream == category, self.stream.like(category.replace("%", r"\%") + "-%", escape="\\"))

    def type_from_db(self, value: Any) -> str:
        """The type as events show it (layouts may shorten stored type names)."""
        return "(no type)" if value is None else str(value)

    def type_clause(self, types: Sequence[str]) -> sa.ColumnElement[bool] | None:
        """A WHERE clause for events of these (displayed) types, or None to filter in Python."""
        return None if self.type is None else self.type.in_(list(types))

    def actor_expr(self) -> sa.ColumnElement[Any] | None:
        """SQL for the actor, or None when it can only be read after decoding."""
        return None

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        """Columns a text search looks in (payload and metadata)."""
        return []

    def time_from_db(self, value: Any):
        from inspector.core.events import parse_time

        return parse_time(value)

    # --- snapshots and notes ---------------------------------------------------------
    def snapshots(self, conn: sa.Connection, stream: str) -> list[Snapshot]:
        return []

    def notes(self, conn: sa.Connection) -> list[str]:
        """What a user should know about this store (missing indexes, undecodable codecs)."""
        return []

    # --- helpers for subclasses ------------------------------------------------------
    def json_field(self, column: sa.ColumnElement[Any], key: str) -> sa.ColumnElement[Any]:
        """``column ->> key`` on every engine, for JSON stored as text or native JSON."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return sa.func.jsonb_extract_path_text(sa.cast(sa.cast(column, sa.Text), JSONB), key)
        if self.dialect in ("mysql", "mariadb"):
            return sa.func.json_unquote(sa.func.json_extract(column, f"$.{key}"))
        return sa.case((sa.func.json_valid(column) == 1, sa.func.json_extract(column, f"$.{key}")), else_=None)


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
        # julianday is a double: round to the millisecond so a bound equal to an event's time matches it
        return sa.func.round((sa.func.julianday(time) - 2440587.5) * 86400.0, 3)
    if layout.dialect == "postgresql":
        value = time if native else sa.cast(time, sa.DateTime(timezone=True))
        return sa.extract("epoch", value)
    if layout.dialect in ("mysql", "mariadb"):
        if native:
            return sa.func.unix_timestamp(time)
        # ISO text such as 2024-01-01T12:00:00.123Z: MySQL reads the first 26 characters
        return sa.func.unix_timestamp(sa.func.str_to_date(sa.func.left(time, 26), "%Y-%m-%dT%H:%i:%s.%f"))
    return None


def rowid_column(table: sa.Table) -> sa.ColumnElement[Any]:
    """SQLite's implicit rowid as a column of ``table`` (the global order of tables without one)."""
    if "rowid" not in table.c:
        table.append_column(sa.Column("rowid", sa.Integer, key="rowid"))
    return table.c.rowid
