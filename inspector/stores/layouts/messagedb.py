"""Message DB (message-db 1.x, PostgreSQL; DDL of v1.3.0): ``message_store.messages``.

Streams are named ``category-id``; ``position`` is the 0-based version within the
stream and ``global_position`` the global order (with gaps). ``time`` is a timestamp
without time zone that Message DB always writes in UTC, read as UTC. ``data`` and
``metadata`` are jsonb (numbers kept exact); the actor is the first of ``metadata``'s actor
keys (``inspector.core.events.ACTOR_KEYS``) that is not empty. Stream
names are compared with ``=`` on ``text``, which PostgreSQL does byte for byte under
its deterministic collations: ``account-1``, ``Account-1`` and ``account-1 `` are three
streams.

The table is looked for in the ``message_store`` schema, else in any other schema
(``public`` in older installs, or a schema of its own) holding a ``messages`` table with
Message DB's columns; its ``category()`` function is used from the same schema when it is
there. Indexes to rely on: ``messages_stream (stream_name, position)`` for streams,
``messages_category (message_store.category(stream_name), global_position, ...)`` for
categories, and the primary key for ``$all``.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from inspector.core.decoding import decode_json, plain_document
from inspector.core.events import ACTOR_RULE, Event, category_named, parse_time
from inspector.stores.base import ColumnReading
from inspector.stores.layouts.base import SqlLayout, look_in, stored_json, version_into

SCHEMA = "message_store"
#: schema names ``sa.func.<schema>`` renders as written (others would need quoting)
_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_COLUMNS = {"global_position", "position", "time", "stream_name", "type", "data", "metadata"}


class MessageDbLayout(SqlLayout):
    name = "messagedb"
    stream_index = "messages_stream (stream_name, position)"

    def __init__(self, engine: Engine, messages: sa.Table, has_category_function: bool) -> None:
        super().__init__(engine)
        c = messages.c
        self.table = messages
        self.position = c.global_position
        self.stream = c.stream_name
        self.version = c.position
        self.type = c.type
        self.time = c.time
        self._data, self._metadata = c.data, c.metadata
        self.schema = messages.schema or SCHEMA
        self._has_category_function = has_category_function and bool(_PLAIN_NAME.match(self.schema))
        self.columns = [
            self.position.label("position"), self.stream.label("stream"), self.version.label("version"),
            # jsonb as its text: decoded when read (a fold reads the payload alone), not as fetched
            self.type.label("type"), self.time.label("recorded_at"), stored_json(self._data, self.dialect).label("data"),
            stored_json(self._metadata, self.dialect).label("metadata"),
        ]

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "MessageDbLayout | None":
        """``message_store.messages``, else a ``messages`` table with Message DB's columns in the
        default schema (``public``), else in the first other schema (by name) holding one."""
        if engine.dialect.name != "postgresql":
            return None
        default = inspector.default_schema_name
        for qualified, tables in look_in(engine, inspector, cls):
            if not tables:
                continue
            schema = default if qualified is None else qualified
            with engine.connect() as conn:
                has_function = bool(conn.exec_driver_sql(
                    "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = %(schema)s AND p.proname = 'category'", {"schema": schema}).first())
            messages = sa.Table("messages", sa.MetaData(), autoload_with=engine, schema=schema)
            return cls(engine, messages, has_function)
        return None

    @classmethod
    def search_order(cls, default: str | None, schemas: Sequence[str]) -> list[str | None]:
        """``message_store`` where it is, then the session's own schema, then the others by name."""
        first: list[str | None] = [SCHEMA] if SCHEMA in schemas or default == SCHEMA else []
        return first + [s for s in (default, *schemas) if s != SCHEMA]

    @classmethod
    def tables_in(cls, engine: Engine, inspector: sa.Inspector, schema: str | None) -> list[str]:
        """``messages`` with Message DB's columns (PostgreSQL)."""
        if engine.dialect.name != "postgresql" or "messages" not in inspector.get_table_names(schema=schema):
            return []
        return ["messages"] if _COLUMNS <= {col["name"] for col in inspector.get_columns("messages", schema=schema)} else []

    def category_expr(self) -> sa.ColumnElement[Any]:
        """``<schema>.category(stream_name)``: the expression the ``messages_category`` index is on
        (``split_part(stream_name, '-', 1)``, the same rule, where the function is missing)."""
        if self._has_category_function:
            return getattr(sa.func, self.schema).category(self.stream)
        return sa.func.split_part(self.stream, "-", 1)

    def category_clause(self, category: str) -> sa.ColumnElement[bool]:
        """Rows whose stream's category is ``category`` (as ``category_key`` spells it); ``(none)``:
        those with nothing before the first ``-`` (``categories`` counts them under it)."""
        return self.category_expr() == (category_named(category) or "")

    def actor_expr(self) -> sa.ColumnElement[Any]:
        return self.actor_in(self._metadata)

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        return [self._data, self._metadata]

    def time_from_db(self, value: Any):
        return parse_time(value)  # naive values are UTC, as Message DB writes them

    def row_to_event(self, row: Row[Any]) -> Event:
        problems = []
        data = decode_json(row.data, allow_null=False)
        if data.problem:
            problems.append(data.problem)
        meta = decode_json(row.metadata)
        metadata = meta.value if isinstance(meta.value, dict) else {}
        if meta.problem:
            problems.append(f"metadata: {meta.problem}")
        return Event(
            position=int(row.position), stream=str(row.stream), version=version_into(row.version, problems), type=str(row.type),
            recorded_at=parse_time(row.recorded_at), data=data.value, metadata=metadata, raw=data.raw,
            problem="; ".join(problems) or None,
        )

    def lazy_data(self, row: Row[Any], event: Any) -> Any:
        """The payload alone, as ``row_to_event`` decodes it (a fold reads nothing else)."""
        return decode_json(row.data, allow_null=False).value

    def fold_fields(self) -> tuple[str, ...] | None:
        """Position, version, type and the payload (``lazy_data`` decodes it alone): a fold leaves
        out the stream name, the time and the metadata."""
        return ("position", "version", "type", "data")

    def payload_decoder(self) -> Callable[[Any], Any]:
        """``plain_document`` (see ``SqlLayout``): ``data`` is JSON text (``jsonb`` read as text)."""
        return plain_document

    def capped_payload(self) -> tuple[str, Any]:
        """The payload (``data``) is a column of its own: a capped read may leave it out."""
        return "data", "{}"

    def column_readings(self) -> list[ColumnReading]:
        """Every column read, with its reflected type."""
        c = self.table.c
        table = self.shown_table()

        def reading(role: str, column: sa.Column[Any], how: str) -> ColumnReading:
            return ColumnReading(role=role, column=f"{table}.{column.name}", sql_type=self.sql_type_name(column),
                                 reading=how)

        kind = c.time.type
        aware = isinstance(kind, sa.DateTime) and bool(getattr(kind, "timezone", False))
        found = [
            reading("position", c.global_position, "global order (gaps are normal)"),
            reading("stream", c.stream_name, "text, compared exactly; category = text before the first '-'"),
            reading("version", c.position, "0-based position within the stream"),
            reading("type", c.type, "as stored"),
            reading("recorded_at", c.time,
                    "timestamp with time zone" if aware else "timestamp without time zone, read as UTC"),
            reading("data", c.data, "JSON, numbers kept exact"),
            reading("metadata", c.metadata, "JSON; the actor is " + ACTOR_RULE),
        ]
        return found

    def notes(self, conn: sa.Connection) -> list[str]:
        notes = ["versions are Message DB positions: 0-based within each stream"]
        if self.schema != SCHEMA:
            notes.append(f"messages table found in schema {self.schema!r}, not {SCHEMA!r}")
        if not self._has_category_function:
            notes.append(f"no {self.schema}.category() function: category filters cannot use messages_category")
        notes.extend(self.index_notes(conn, self.table.c.time, (self._metadata, "actor")))
        return notes
