"""The Python ``eventsourcing`` library's tables (9.x).

SQLite: ``stored_events`` + ``stored_snapshots``, ids as 32-char hex, position = rowid.
PostgreSQL: ``<app>_events`` + ``<app>_snapshots``, uuid ids, ``notification_id``.
eventsourcing-sqlalchemy: the same names with an ``id`` column as the position.

``state`` is JSON made by the library's JSONTranscoder, maybe zlib-compressed, maybe
AES-GCM encrypted (then undecodable without the key, and reported as such). The event
time lives inside ``state`` (``timestamp``), not in a column.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from inspector.core.decoding import decode_json, untranscode
from inspector.core.events import Event, parse_time
from inspector.stores.base import Snapshot, escape_like, glob_to_like
from inspector.stores.layouts.base import SqlLayout, rowid_column

_HEX_ID = re.compile(r"^[0-9a-fA-F]{32}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_PG_TIMESTAMP = r'"timestamp":\{"_type_":"datetime_iso","_data_":"([^"]+)"'
_EVENT_COLUMNS = {"originator_id", "originator_version", "topic", "state"}


def aggregate_of_topic(topic: str | None) -> str | None:
    """``shop.domain:Wallet.CreditsGranted`` → ``Wallet``."""
    if not topic:
        return None
    qualname = topic.split(":", 1)[-1]
    return qualname.rsplit(".", 1)[0] if "." in qualname else qualname


def event_name_of_topic(topic: str | None) -> str:
    """``shop.domain:Wallet.CreditsGranted`` → ``Wallet.CreditsGranted`` (the full topic stays in metadata)."""
    if not topic:
        return "(no topic)"
    return topic.split(":", 1)[-1]


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
        self._uuid_column = not isinstance(c.originator_id.type, (sa.String, sa.Text)) or self.dialect == "postgresql"
        self._binary_ids = isinstance(c.originator_id.type, (sa.LargeBinary, sa.BINARY, sa.VARBINARY))
        # The time lives inside ``state``: read it with SQL where the state is plain JSON;
        # compressed or encrypted rows (``unreadable_clause``) are judged after decoding.
        self.time = None
        if self.dialect == "sqlite":
            text_state = sa.cast(self._state, sa.Text)
            self.time = sa.case(
                (sa.func.json_valid(text_state) == 1, sa.func.json_extract(text_state, "$.timestamp._data_")),
                else_=None,
            )
        elif self.dialect == "postgresql":
            # a regular expression on the escaped bytes never fails, whatever the bytes are; the text
            # found is cast only by ``epoch_seconds``, which checks it first (a bad time is no time)
            self.time = sa.func.substring(sa.func.encode(self._state, "escape"), _PG_TIMESTAMP, type_=sa.Text)
        elif self.dialect in ("mysql", "mariadb"):
            text_state = sa.func.convert(self._state, sa.literal_column("utf8mb4"))
            self.time = sa.case(
                (sa.func.json_valid(text_state) == 1,
                 sa.func.json_unquote(sa.func.json_extract(text_state, "$.timestamp._data_"))),
                else_=None,
            )
        self.columns = [
            self.position.label("position"),
            self.stream.label("stream"),
            self.version.label("version"),
            self.type.label("type"),
            self._state.label("state"),
        ]

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "EventsourcingLayout | None":
        names = inspector.get_table_names()
        candidates = [n for n in names if n == "stored_events"] + sorted(
            n for n in names if n.endswith("_events") and n != "stored_events"
        )
        for name in candidates:
            columns = {col["name"] for col in inspector.get_columns(name)}
            if not _EVENT_COLUMNS <= columns:
                continue
            metadata = sa.MetaData()
            events = sa.Table(name, metadata, autoload_with=engine)
            snap_name = name[: -len("_events")] + "_snapshots"
            snapshots = sa.Table(snap_name, metadata, autoload_with=engine) if snap_name in names else None
            return cls(engine, events, snapshots)
        return None

    # --- ids ---------------------------------------------------------------------------
    def stream_from_db(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, (bytes, bytearray, memoryview)) and len(bytes(value)) == 16:
            return str(uuid.UUID(bytes=bytes(value)))
        text = str(value)
        if _HEX_ID.match(text):
            return str(uuid.UUID(hex=text))
        return text

    def stream_exists_possibly(self, stream: str) -> bool:
        return bool(_UUID.match(stream)) or not (self._binary_ids or self._uuid_column)

    def stream_to_db(self, stream: str) -> Any:
        if not _UUID.match(stream):
            return stream
        if self._binary_ids:
            return uuid.UUID(stream).bytes
        if self._uuid_column:
            return uuid.UUID(stream)
        return uuid.UUID(stream).hex

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        return aggregate_of_topic(first_type)

    def match_clause(self, pattern: str) -> sa.ColumnElement[bool]:
        """Match the shown (hyphenated UUID) name against however the id is stored."""
        if self._binary_ids:
            return sa.func.lower(sa.func.hex(self.stream)).like(
                glob_to_like(pattern.replace("-", "").lower()), escape="\\")
        if self._uuid_column:
            return sa.cast(self.stream, sa.Text).like(glob_to_like(pattern.lower()), escape="\\")
        # SQLite stores uuid.hex: no hyphens; other text ids are matched as they are
        hexed = pattern.replace("-", "").lower()
        return sa.or_(self.stream.like(glob_to_like(hexed), escape="\\"),
                      self.stream.like(glob_to_like(pattern), escape="\\"))

    def unreadable_clause(self) -> sa.ColumnElement[bool] | None:
        """States that do not start with ``{``: zlib-compressed (0x78) or encrypted."""
        if self.dialect == "postgresql":
            first = sa.func.encode(sa.func.substring(self._state, 1, 1), "hex")
        else:
            first = sa.func.lower(sa.func.hex(sa.func.substr(self._state, 1, 1)))
        return sa.or_(self._state.is_(None), first != "7b")

    def type_from_db(self, value: Any) -> str:
        return event_name_of_topic(value)

    def type_clause(self, types):  # noqa: ANN001 - same as the base
        return sa.or_(*[self.type.like(f"%:{escape_like(name)}", escape="\\") for name in types])

    def category_clause(self, category: str) -> sa.ColumnElement[bool] | None:
        return None  # the category is the aggregate class in the topic: filtered per page

    def category_having(self, category: str) -> sa.ColumnElement[bool] | None:
        """Streams whose first topic names the aggregate: ``…Wallet.Event`` or a bare ``…Wallet``.

        A superset (``MyWallet.X`` also matches ``%Wallet.%``): ``category_of`` decides.
        """
        hint = self.category_hint()
        if hint is None:
            return None
        name = escape_like(category)
        return sa.or_(hint.like(f"%{name}.%", escape="\\"), hint.like(f"%{name}", escape="\\"))

    # --- decoding ----------------------------------------------------------------------
    def decode_state(self, state: Any) -> tuple[Any, str | None]:
        decoded = decode_json(state, allow_null=False)
        if decoded.problem:
            if "not UTF-8" in decoded.problem or "binary" in decoded.problem:
                return None, f"{decoded.problem}; encrypted state (CIPHER_KEY) cannot be read by the inspector"
            return None, decoded.problem
        return untranscode(decoded.value), None

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
            stream=self.stream_from_db(row.stream),
            version=int(row.version) if row.version is not None else None,
            type=event_name_of_topic(row.type),
            recorded_at=recorded_at,
            data=data,
            metadata=metadata,
            raw=bytes(row.state) if problem and row.state is not None and not isinstance(row.state, str) else (row.state if problem else None),
            problem=problem,
        )

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        if self.dialect == "postgresql":
            return [sa.func.encode(self._state, "escape")]
        return [sa.cast(self._state, sa.Text)]

    # --- snapshots ---------------------------------------------------------------------
    def snapshots(self, conn: sa.Connection, stream: str) -> list[Snapshot]:
        if self.snapshot_table is None or not self.stream_exists_possibly(stream):
            return []
        c = self.snapshot_table.c
        rows = conn.execute(
            sa.select(c.originator_version, c.topic, c.state)
            .where(c.originator_id == self.stream_to_db(stream))
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
