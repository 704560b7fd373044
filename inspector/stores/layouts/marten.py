"""Marten (JasperFx, PostgreSQL): ``mt_events`` + ``mt_streams``.

``seq_id`` is the global order (from ``mt_events_sequence``, with gaps); ``stream_id``
is a uuid, or varchar under ``StreamIdentity.AsString``; ``type`` is the event alias
(``credits_granted``). The category is the aggregate type Marten keeps per stream in
``mt_streams.type``: a stream listing looks it up once per listed stream through the
primary key of ``mt_streams`` instead of joining it into every event query, so reads,
filters and histograms touch ``mt_events`` alone.

Optional metadata columns (``correlation_id``, ``causation_id``, ``headers``,
``user_name``), ``tenant_id``, 9.x binary events (``bdata``) and the ≤ v8 per-stream
``snapshot`` are used when present. Indexes to rely on: ``pk_mt_events_stream_and_version
(stream_id, version)`` for streams, the ``seq_id`` primary key for the global order.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from inspector.core.decoding import as_bytes, decode_json
from inspector.core.events import Event, parse_time
from inspector.stores.base import Snapshot, glob_to_like
from inspector.stores.layouts.base import SqlLayout

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EVENT_COLUMNS = {"seq_id", "stream_id", "version", "data", "type", "timestamp"}
_STREAM_COLUMNS = {"id", "type"}
#: Columns copied into each event's metadata when the table has them (opt-in metadata in Marten).
_OPTIONAL = ("id", "tenant_id", "mt_dotnet_type", "correlation_id", "causation_id", "headers", "user_name",
             "is_archived", "is_skipped", "bdata")
#: Header keys that name the actor when ``user_name`` is empty, in the order SQL and Python both try them.
ACTOR_HEADERS = ("actor", "user", "user_name", "userName")


class MartenLayout(SqlLayout):
    name = "marten"
    stream_index = "pk_mt_events_stream_and_version (stream_id, version)"

    def __init__(self, engine: Engine, events: sa.Table, streams: sa.Table) -> None:
        super().__init__(engine)
        c = events.c
        self.table = events
        self.streams_table = streams
        self.position = c.seq_id
        self.stream = c.stream_id
        self.version = c.version
        self.type = c.type
        self.time = c["timestamp"]
        self._uuid_ids = isinstance(c.stream_id.type, sa.Uuid)
        self._optional = [name for name in _OPTIONAL if name in c]
        self.columns = [
            self.position.label("position"), self.stream.label("stream"), self.version.label("version"),
            self.type.label("type"), self.time.label("recorded_at"), c.data.label("data"),
            *[c[name].label(f"m_{name}") for name in self._optional],
        ]

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "MartenLayout | None":
        """``mt_events`` and ``mt_streams`` in the default schema, else in the first schema holding both."""
        if engine.dialect.name != "postgresql":
            return None
        default = inspector.default_schema_name
        others = sorted(s for s in inspector.get_schema_names()
                        if s != default and s not in ("information_schema",) and not s.startswith("pg_"))
        for schema in [default, *others]:
            tables = set(inspector.get_table_names(schema=schema))
            if not {"mt_events", "mt_streams"} <= tables:
                continue
            if not _EVENT_COLUMNS <= {col["name"] for col in inspector.get_columns("mt_events", schema=schema)}:
                continue
            if not _STREAM_COLUMNS <= {col["name"] for col in inspector.get_columns("mt_streams", schema=schema)}:
                continue
            metadata = sa.MetaData()
            qualified = None if schema == default else schema
            events = sa.Table("mt_events", metadata, autoload_with=engine, schema=qualified)
            streams = sa.Table("mt_streams", metadata, autoload_with=engine, schema=qualified)
            return cls(engine, events, streams)
        return None

    # --- ids ---------------------------------------------------------------------------
    def stream_exists_possibly(self, stream: str) -> bool:
        return not self._uuid_ids or bool(_UUID.match(stream))

    def stream_to_db(self, stream: str) -> Any:
        return uuid.UUID(stream) if self._uuid_ids and _UUID.match(stream) else stream

    def match_clause(self, pattern: str) -> sa.ColumnElement[bool]:
        if self._uuid_ids:
            return sa.cast(self.stream, sa.Text).like(glob_to_like(pattern.lower()), escape="\\")
        return self.stream.like(glob_to_like(pattern), escape="\\")

    # --- categories: mt_streams.type ---------------------------------------------------
    def category_hint(self) -> sa.ColumnElement[Any]:
        """The stream's aggregate type, looked up by ``mt_streams``' primary key per listed stream."""
        s = self.streams_table.c
        return sa.select(sa.func.min(s.type)).where(s.id == self.stream).scalar_subquery()

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        return first_type

    def category_clause(self, category: str) -> sa.ColumnElement[bool]:
        s = self.streams_table.c
        return self.stream.in_(sa.select(s.id).where(s.type == category))

    # --- actor and text ----------------------------------------------------------------
    def actor_expr(self) -> sa.ColumnElement[Any] | None:
        """``user_name``, else the first actor-like header: the same order ``row_to_event`` uses."""
        c = self.table.c
        candidates: list[sa.ColumnElement[Any]] = []
        if "user_name" in c:
            candidates.append(sa.func.nullif(c.user_name, ""))
        if "headers" in c:
            candidates.extend(self.json_field(c.headers, key) for key in ACTOR_HEADERS)
        if not candidates:
            return None
        return candidates[0] if len(candidates) == 1 else sa.func.coalesce(*candidates)

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        c = self.table.c
        return [c.data] + ([c.headers] if "headers" in c else [])

    # --- decoding ----------------------------------------------------------------------
    def row_to_event(self, row: Row[Any]) -> Event:
        extra = {name: getattr(row, f"m_{name}") for name in self._optional}
        problems: list[str] = []
        binary = as_bytes(extra.pop("bdata", None))
        if binary is not None:
            # 9.x binary events keep ``data = '{}'`` and the real payload in ``bdata``
            decoded = decode_json(binary)
            if decoded.problem:
                problems.append(f"binary event (bdata, {len(binary)} bytes) shown raw: {decoded.problem}")
            data, raw = decoded.value, decoded.raw
        else:
            decoded = decode_json(row.data, allow_null=False)
            data, raw = decoded.value, decoded.raw
            if decoded.problem:
                problems.append(decoded.problem)
        metadata: dict[str, Any] = {}
        if extra.get("id") is not None:
            metadata["event_id"] = str(extra["id"])
        for key, name in (("tenant_id", "tenant_id"), ("dotnet_type", "mt_dotnet_type"),
                          ("correlation_id", "correlation_id"), ("causation_id", "causation_id"),
                          ("user_name", "user_name")):
            if extra.get(name) is not None:
                metadata[key] = extra[name]
        for flag in ("is_archived", "is_skipped"):
            if extra.get(flag):
                metadata[flag] = True
        headers = decode_json(extra.get("headers"))
        if isinstance(headers.value, dict):
            metadata["headers"] = headers.value
        elif headers.problem:
            problems.append(f"headers: {headers.problem}")
        actor = self._actor(extra.get("user_name"), headers.value)
        if actor is not None:
            metadata["actor"] = actor
        return Event(
            position=int(row.position),
            stream=self.stream_from_db(row.stream),
            version=None if row.version is None else int(row.version),
            type=self.type_from_db(row.type),
            recorded_at=parse_time(row.recorded_at),
            data=data,
            metadata=metadata,
            raw=raw,
            problem="; ".join(problems) or None,
        )

    @staticmethod
    def _actor(user_name: Any, headers: Any) -> str | None:
        if user_name:
            return str(user_name)
        if isinstance(headers, dict):
            for key in ACTOR_HEADERS:
                if headers.get(key) is not None:
                    value = headers[key]
                    return value if isinstance(value, str) else str(value)
        return None

    # --- snapshots ---------------------------------------------------------------------
    def snapshots(self, conn: sa.Connection, stream: str) -> list[Snapshot]:
        """Marten ≤ v8 keeps at most one snapshot per stream, in ``mt_streams.snapshot``."""
        s = self.streams_table.c
        if "snapshot" not in s or "snapshot_version" not in s or not self.stream_exists_possibly(stream):
            return []
        rows = conn.execute(
            sa.select(s.snapshot_version, s.type, s.snapshot)
            .where(s.id == self.stream_to_db(stream), s.snapshot.is_not(None), s.snapshot_version.is_not(None))
            .order_by(s.snapshot_version)
        )
        result = []
        for version, aggregate, body in rows:
            decoded = decode_json(body, allow_null=False)
            result.append(Snapshot(stream=stream, version=int(version), type=str(aggregate or "snapshot"),
                                   state=decoded.value, problem=decoded.problem))
        return result

    # --- notes -------------------------------------------------------------------------
    def notes(self, conn: sa.Connection) -> list[str]:
        """Missing indexes and tenancy, so ``info`` says why a read may be slow or mixed."""
        notes: list[str] = []
        inspector = sa.inspect(conn)
        schema = self.table.schema
        indexes = [tuple(ix.get("column_names") or ()) for ix in inspector.get_indexes("mt_events", schema=schema)]
        primary = tuple(inspector.get_pk_constraint("mt_events", schema=schema).get("constrained_columns") or ())
        indexes.append(primary)
        if not any(ix[:2] == ("stream_id", "version") for ix in indexes):
            if any(ix[:3] == ("tenant_id", "stream_id", "version") for ix in indexes):
                notes.append("conjoined tenancy: the stream index starts with tenant_id, so reading one stream "
                             "across tenants cannot use it fully")
            else:
                notes.append("no index on mt_events (stream_id, version) (pk_mt_events_stream_and_version): "
                             "stream listing and stream reads scan the table")
        if primary != ("seq_id",):
            notes.append(f"mt_events primary key is ({', '.join(primary) or 'none'}), not seq_id: "
                         "seq_id may repeat across tenants (tenant-partitioned events)")
        if "tenant_id" in self.table.c:
            tenants = conn.execute(
                sa.select(sa.func.count()).select_from(
                    sa.select(self.table.c.tenant_id).distinct().limit(2).subquery())
            ).scalar()
            if tenants and tenants > 1:
                notes.append("events of several tenants are shown together; each event's tenant_id is in its metadata")
        if "bdata" in self.table.c:
            notes.append("binary events (bdata) are decoded as JSON where they are JSON, otherwise shown raw")
        if "headers" not in self.table.c and "user_name" not in self.table.c:
            notes.append("no user_name or headers columns (Marten metadata not enabled): events carry no actor")
        return notes
