"""Message DB (message-db 1.x, PostgreSQL): ``message_store.messages``.

Streams are named ``category-id``; ``position`` is the 0-based version within the
stream and ``global_position`` the global order (with gaps). ``time`` is a timestamp
without time zone that Message DB always writes in UTC. Indexes to rely on:
``messages_stream (stream_name, position)`` for streams, ``messages_category
(message_store.category(stream_name), global_position, ...)`` for categories, and
the primary key for ``$all``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from inspector.core.decoding import decode_json
from inspector.core.events import Event, parse_time
from inspector.stores.layouts.base import SqlLayout

SCHEMA = "message_store"
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
        self._has_category_function = has_category_function
        self.columns = [
            self.position.label("position"), self.stream.label("stream"), self.version.label("version"),
            self.type.label("type"), self.time.label("recorded_at"), self._data.label("data"),
            self._metadata.label("metadata"),
        ]

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "MessageDbLayout | None":
        if engine.dialect.name != "postgresql" or SCHEMA not in inspector.get_schema_names():
            return None
        if "messages" not in inspector.get_table_names(schema=SCHEMA):
            return None
        if not _COLUMNS <= {col["name"] for col in inspector.get_columns("messages", schema=SCHEMA)}:
            return None
        with engine.connect() as conn:
            has_function = bool(conn.exec_driver_sql(
                "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'message_store' AND p.proname = 'category'").first())
        messages = sa.Table("messages", sa.MetaData(), autoload_with=engine, schema=SCHEMA)
        return cls(engine, messages, has_function)

    def category_expr(self) -> sa.ColumnElement[Any]:
        """``message_store.category(stream_name)``: the expression the ``messages_category`` index is on."""
        if self._has_category_function:
            return sa.func.message_store.category(self.stream)
        return sa.func.split_part(self.stream, "-", 1)

    def category_clause(self, category: str) -> sa.ColumnElement[bool]:
        return self.category_expr() == category

    def actor_expr(self) -> sa.ColumnElement[Any]:
        return self.json_field(self._metadata, "actor")

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
            position=int(row.position), stream=str(row.stream), version=int(row.version), type=str(row.type),
            recorded_at=parse_time(row.recorded_at), data=data.value, metadata=metadata, raw=data.raw,
            problem="; ".join(problems) or None,
        )

    def notes(self, conn: sa.Connection) -> list[str]:
        notes = ["versions are Message DB positions: 0-based within each stream"]
        if not self._has_category_function:
            notes.append("no message_store.category() function: category filters cannot use messages_category")
        return notes
