"""EventSauce (PHP, ``EventSaucePHP/MessageStorage``) on MySQL/MariaDB or PostgreSQL.

The application names the table, so it is found by its columns: ``id`` (global order),
``event_id``, ``aggregate_root_id`` (BINARY(16) on MySQL with the default
``BinaryUuidIdEncoder``, ``uuid`` on PostgreSQL, text in the string-id variants),
``version`` and ``payload`` = ``{"headers": {...}, "payload": {...}}``.

Everything else lives in the headers: ``__event_type`` is the type, ``__time_of_recording``
(``2021-08-20 16:00:44.182717+0400``, or ``+04:00`` with ``MySQL8DateFormatting``) the
time, ``__aggregate_root_type`` the category. They are read in SQL with the engine's JSON
functions, guarded so a row that is not JSON yields NULLs instead of failing the query;
the time is normalised to UTC in SQL so MIN/MAX and histograms compare instants, not
text in mixed offsets. No index covers them: such filters read every row (``notes``).
Index to rely on: ``reconstitution (aggregate_root_id, version)``, plus the ``id`` key.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from inspector.core.decoding import Decoded, as_bytes, decode_json
from inspector.core.events import Event, parse_time
from inspector.stores.base import glob_to_like
from inspector.stores.layouts.base import SqlLayout

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: ``Y-m-d H:i:s.uO`` with or without the colon in the offset; anything else is no time for SQL.
_PG_TIME_TEXT = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}:?\d{2}$"
#: Headers an application adds to name who acted (EventSauce has none of its own), in the order SQL and Python try them.
ACTOR_HEADERS = ("actor", "user", "user_id")
_BINARY_TYPES = (sa.LargeBinary, sa.BINARY, sa.VARBINARY)


class EventSauceLayout(SqlLayout):
    name = "eventsauce"
    stream_index = "reconstitution (aggregate_root_id, version)"

    def __init__(self, engine: Engine, table: sa.Table) -> None:
        super().__init__(engine)
        c = table.c
        self.table = table
        self.position = c.id
        self.stream = c.aggregate_root_id
        # the pre-1.0 schema named the version column aggregate_root_version
        self.version = c.version if "version" in c else c.aggregate_root_version
        self._payload = c.payload
        self._binary_ids = isinstance(c.aggregate_root_id.type, _BINARY_TYPES)
        self._uuid_ids = isinstance(c.aggregate_root_id.type, sa.Uuid)
        self._json_payload = isinstance(c.payload.type, sa.JSON)
        self.type = self.header("__event_type")
        self._aggregate_type = self.header("__aggregate_root_type")
        self.time = self._utc_time(self.header("__time_of_recording"))
        self.columns = [
            self.position.label("position"), self.stream.label("stream"), self.version.label("version"),
            c.event_id.label("event_id"), self._payload.label("payload"),
        ]

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "EventSauceLayout | None":
        if engine.dialect.name not in ("mysql", "mariadb", "postgresql"):
            return None
        for name in sorted(inspector.get_table_names()):
            columns = {col["name"] for col in inspector.get_columns(name)}
            if {"id", "event_id", "aggregate_root_id", "payload"} <= columns and (
                    "version" in columns or "aggregate_root_version" in columns):
                return cls(engine, sa.Table(name, sa.MetaData(), autoload_with=engine))
        return None

    # --- SQL over the headers ----------------------------------------------------------
    def header(self, key: str) -> sa.ColumnElement[Any]:
        """``payload.headers[key]`` as text; NULL for rows that are not JSON."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import JSON

            document = self._payload if self._json_payload else sa.cast(self._payload, JSON)
            return sa.func.json_extract_path_text(document, "headers", key)
        return sa.case(
            (sa.func.json_valid(self._payload) == 1,
             sa.func.json_unquote(sa.func.json_extract(self._payload, f"$.headers.{key}"))),
            else_=None,
        )

    def _utc_time(self, text: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """The recording time as a UTC timestamp, NULL when the text is not EventSauce's format."""
        if self.dialect == "postgresql":
            return sa.case((text.regexp_match(_PG_TIME_TEXT), sa.cast(text, sa.DateTime(timezone=True))), else_=None)
        # MySQL has no offset parser: read the 26-character local time, then shift it by '+0400' / '+04:00'
        local = sa.func.str_to_date(sa.func.left(text, 26), "%Y-%m-%d %H:%i:%s.%f")
        offset = sa.func.replace(sa.func.substr(text, 27), ":", "")
        zone = sa.func.concat(sa.func.substr(offset, 1, 3), ":", sa.func.substr(offset, 4, 2))
        return sa.type_coerce(sa.func.convert_tz(local, zone, "+00:00"), sa.DateTime())

    # --- ids ---------------------------------------------------------------------------
    def stream_from_db(self, value: Any) -> str:
        if value is None:
            return ""
        blob = as_bytes(value)
        if blob is not None:
            if len(blob) == 16:
                return str(uuid.UUID(bytes=blob))
            try:  # a text id compared by its bytes (exact stream keys on MySQL collations)
                return blob.decode("utf-8")
            except UnicodeDecodeError:
                return blob.hex()
        return str(value)

    def stream_exists_possibly(self, stream: str) -> bool:
        return bool(_UUID.match(stream)) or not (self._binary_ids or self._uuid_ids)

    def stream_to_db(self, stream: str) -> Any:
        if not _UUID.match(stream):
            return stream
        if self._binary_ids:
            return uuid.UUID(stream).bytes
        if self._uuid_ids:
            return uuid.UUID(stream)
        return stream

    def match_clause(self, pattern: str) -> sa.ColumnElement[bool]:
        """Match the name as shown: binary ids are spelled out as hyphenated UUIDs in SQL."""
        like = glob_to_like(pattern.lower())
        if self._binary_ids:
            shown = sa.func.lower(sa.func.hex(self.stream))
            for at in (21, 17, 13, 9):  # from the end, so earlier positions stay put
                shown = sa.func.insert(shown, at, 0, "-")
            return shown.like(like, escape="\\")
        if self._uuid_ids:
            return sa.cast(self.stream, sa.Text).like(like, escape="\\")
        return self.stream.like(glob_to_like(pattern), escape="\\")

    # --- categories, actor, text -------------------------------------------------------
    def category_hint(self) -> sa.ColumnElement[Any]:
        return sa.func.min(self._aggregate_type)

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        return first_type

    def category_clause(self, category: str) -> sa.ColumnElement[bool]:
        return self._aggregate_type == category

    def actor_expr(self) -> sa.ColumnElement[Any]:
        return sa.func.coalesce(*[self.header(key) for key in ACTOR_HEADERS])

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        return [self._payload]

    def time_from_db(self, value: Any):
        return parse_time(value)  # normalised to UTC by SQL; MySQL hands back a naive UTC datetime

    # --- decoding ----------------------------------------------------------------------
    def row_to_event(self, row: Row[Any]) -> Event:
        problems: list[str] = []
        if self._json_payload and row.payload is not None:
            decoded = Decoded(row.payload)  # a json column arrives parsed by the driver
        else:
            decoded = decode_json(row.payload, allow_null=False)
        envelope = decoded.value
        headers: dict[str, Any] = {}
        data: Any = None
        raw = decoded.raw
        if decoded.problem:
            problems.append(decoded.problem)
        elif isinstance(envelope, dict) and isinstance(envelope.get("headers"), dict):
            headers = envelope["headers"]
            data = envelope.get("payload")
        else:
            problems.append("payload is JSON but not EventSauce's {headers, payload} envelope")
            data, raw = envelope, None
        if row.version is None:
            problems.append("version is NULL")
        metadata: dict[str, Any] = dict(headers)
        event_id = self.stream_from_db(row.event_id) if row.event_id is not None else None
        if event_id:
            metadata["event_id"] = event_id
        actor = next((headers[key] for key in ACTOR_HEADERS if headers.get(key) is not None), None)
        if actor is not None:
            metadata["actor"] = actor if isinstance(actor, str) else str(actor)
        kind = headers.get("__event_type")
        recorded_at = parse_time(headers.get("__time_of_recording")) if headers else None
        return Event(
            position=int(row.position),
            stream=self.stream_from_db(row.stream),
            version=None if row.version is None else int(row.version),
            type=self.type_from_db(kind),
            recorded_at=recorded_at,
            data=data,
            metadata=metadata,
            raw=raw,
            problem="; ".join(problems) or None,
        )

    # --- notes -------------------------------------------------------------------------
    def notes(self, conn: sa.Connection) -> list[str]:
        inspector = sa.inspect(conn)
        indexes = [tuple(ix.get("column_names") or ()) for ix in inspector.get_indexes(self.table.name)]
        notes = []
        if not any(ix[:2] == (self.stream.name, self.version.name) for ix in indexes):
            notes.append(f"no index on {self.table.name} ({self.stream.name}, {self.version.name}) "
                         "(EventSauce's reconstitution): stream listing and stream reads scan the table")
        notes.append("event type, time, aggregate type and actor live in the payload's headers: filters by them, "
                     "type counts and histograms read every row's JSON in SQL (no index covers them)")
        if self.dialect == "postgresql" and not self._json_payload:
            notes.append("payload is text, not json: one row that is not JSON makes header filters fail")
        return notes
