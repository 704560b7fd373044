"""Axon Framework 4.x (JPA or JDBC) on PostgreSQL or MySQL/MariaDB.

Tables ``domain_event_entry`` / ``snapshot_event_entry`` (Spring Boot's snake_case) or
``DomainEventEntry`` / ``SnapshotEventEntry`` (the JDBC ``EventSchema`` defaults; PostgreSQL
folds them to lower case). Columns are found by name ignoring case and underscores.

``global_index`` is the global order (a sequence, with gaps); ``sequence_number`` the
0-based version; ``payload_type`` the event class (the type shown), ``type`` the aggregate
type (the category); ``time_stamp`` ISO-8601 text in UTC. Payload and metadata are bytes
from the configured serializer: Jackson JSON is decoded, XStream XML (Axon 4's default,
starts with ``<``) is shown raw with a problem. Hibernate on PostgreSQL stores them as
``oid`` large objects, read with ``lo_get`` only when the object exists, so a dangling
reference is a problem on one event rather than a failed query.
Indexes to rely on: unique ``(aggregate_identifier, sequence_number)`` and ``global_index``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from inspector.core.decoding import as_bytes, decode_json
from inspector.core.events import Event, parse_time
from inspector.stores.base import Snapshot
from inspector.stores.layouts.base import SqlLayout

#: column roles, keyed by the column name in lower case without underscores
_REQUIRED = ("globalindex", "aggregateidentifier", "sequencenumber", "type", "eventidentifier", "payload",
             "payloadtype", "timestamp")
_SNAPSHOT_REQUIRED = ("aggregateidentifier", "sequencenumber", "payload", "payloadtype")
#: Axon always writes ISO-8601 UTC; other text would make PostgreSQL's cast fail, so SQL sees it as no time
_ISO_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})$"
#: Metadata keys naming who acted, in the order they are tried (Axon itself records none).
ACTOR_KEYS = ("actor", "userId", "user_id", "username", "user")


def _key(name: str) -> str:
    return name.lower().replace("_", "")


def _columns(table: sa.Table) -> dict[str, sa.Column[Any]]:
    return {_key(column.name): column for column in table.columns}


class AxonLayout(SqlLayout):
    name = "axon"

    def __init__(self, engine: Engine, events: sa.Table, snapshots: sa.Table | None) -> None:
        super().__init__(engine)
        c = _columns(events)
        self.table = events
        self.snapshot_table = snapshots
        self._c = c
        self.position = c["globalindex"]
        self.stream = c["aggregateidentifier"]
        self.version = c["sequencenumber"]
        self.type = c["payloadtype"]
        self._aggregate_type = c["type"]
        self.time = sa.case((c["timestamp"].regexp_match(_ISO_TIME), c["timestamp"]), else_=None)
        self.stream_index = (f"the unique index of {events.name} ({self.stream.name}, {self.version.name})")
        self._payload = self._bytes(c["payload"])
        self._meta = self._bytes(c["metadata"]) if "metadata" in c else None
        self.columns = [
            self.position.label("position"), self.stream.label("stream"), self.version.label("version"),
            self.type.label("type"), c["timestamp"].label("recorded_at"), self._aggregate_type.label("aggregate"),
            c["eventidentifier"].label("event_id"),
            (c["payloadrevision"] if "payloadrevision" in c else sa.null()).label("revision"),
            self._payload.label("payload"),
            (c["payload"] if self._is_large_object(c["payload"]) else sa.null()).label("payload_ref"),
            (self._meta if self._meta is not None else sa.null()).label("meta"),
        ]

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "AxonLayout | None":
        names = inspector.get_table_names()
        events = snapshots = None
        for name in names:
            if _key(name) == "domainevententry":
                columns = {_key(col["name"]) for col in inspector.get_columns(name)}
                if set(_REQUIRED) <= columns:
                    events = name
            elif _key(name) == "snapshotevententry":
                columns = {_key(col["name"]) for col in inspector.get_columns(name)}
                if set(_SNAPSHOT_REQUIRED) <= columns:
                    snapshots = name
        if events is None:
            return None
        metadata = sa.MetaData()
        snapshot_table = sa.Table(snapshots, metadata, autoload_with=engine) if snapshots else None
        return cls(engine, sa.Table(events, metadata, autoload_with=engine), snapshot_table)

    def time_sorts_as_stored(self) -> bool:
        """Axon writes every ``time_stamp`` as UTC ISO-8601 (``DateTimeUtils.formatInstant``): text order is time order."""
        return True

    def stored_time(self) -> tuple[sa.Column[Any], sa.ColumnElement[bool] | None]:
        """``time_stamp`` itself, where it reads as a time (text that does not is no time, as in ``time``)."""
        return self._c["timestamp"], self.time.is_not(None)

    # --- large objects -----------------------------------------------------------------
    def _is_large_object(self, column: sa.Column[Any]) -> bool:
        from sqlalchemy.dialects.postgresql import OID

        return self.dialect == "postgresql" and isinstance(column.type, OID)

    def _bytes(self, column: sa.Column[Any]) -> sa.ColumnElement[Any]:
        """The column's bytes: ``lo_get`` for Hibernate's ``oid``, guarded against missing objects."""
        if not self._is_large_object(column):
            return column
        catalog = sa.table("pg_largeobject_metadata", sa.column("oid"), schema="pg_catalog")
        present = sa.select(sa.literal(1)).where(catalog.c.oid == column).exists()
        return sa.type_coerce(sa.case((present, sa.func.lo_get(column)), else_=None), sa.LargeBinary())

    # --- categories, text --------------------------------------------------------------
    def category_hint(self) -> sa.ColumnElement[Any]:
        return sa.func.min(self._aggregate_type)

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        return first_type

    def category_clause(self, category: str) -> sa.ColumnElement[bool]:
        return self._aggregate_type == category

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        blobs = [self._payload] + ([self._meta] if self._meta is not None else [])
        if self.dialect == "postgresql":
            return [sa.func.encode(blob, "escape") for blob in blobs]
        return [sa.cast(blob, sa.Text) for blob in blobs]

    # --- decoding ----------------------------------------------------------------------
    def _decode(self, value: Any, reference: Any, what: str) -> tuple[Any, Any, str | None]:
        """(data, raw, problem) for one serialized column; a dangling large object is a problem."""
        if value is None and reference is not None and as_bytes(reference) is None and not isinstance(reference, str):
            return None, None, f"{what} large object {reference} does not exist"
        decoded = decode_json(value, allow_null=what != "metadata")
        return decoded.value, decoded.raw, decoded.problem

    def row_to_event(self, row: Row[Any]) -> Event:
        problems: list[str] = []
        data, raw, problem = self._decode(row.payload, row.payload_ref, "payload")
        if problem:
            problems.append(problem)
        metadata: dict[str, Any] = {"event_id": row.event_id}
        if row.aggregate is not None:
            metadata["aggregate_type"] = row.aggregate
        if row.revision is not None:
            metadata["payload_revision"] = row.revision
        meta, meta_raw, meta_problem = self._decode(row.meta, None, "metadata")
        if meta_problem:
            problems.append(f"metadata: {meta_problem}")
            metadata["raw_metadata"] = meta_raw.decode("utf-8", "replace") if isinstance(meta_raw, bytes) else meta_raw
        elif isinstance(meta, dict):
            metadata.update(meta)
            # Axon's MessageOriginProvider: traceId is the root message, correlationId the direct cause
            if "traceId" in meta:
                metadata["correlation_id"] = meta["traceId"]
            if "correlationId" in meta:
                metadata["causation_id"] = meta["correlationId"]
            actor = next((meta[key] for key in ACTOR_KEYS if meta.get(key) is not None), None)
            if actor is not None:
                metadata["actor"] = actor if isinstance(actor, str) else str(actor)
        recorded_at = parse_time(row.recorded_at)
        if recorded_at is None and row.recorded_at is not None:
            problems.append(f"time_stamp {str(row.recorded_at)[:40]!r} is not an ISO-8601 instant")
        return Event(
            position=int(row.position),
            stream=self.stream_from_db(row.stream),
            version=None if row.version is None else int(row.version),
            type=self.type_from_db(row.type),
            recorded_at=recorded_at,
            data=data,
            metadata=metadata,
            raw=raw,
            problem="; ".join(problems) or None,
        )

    # --- snapshots ---------------------------------------------------------------------
    def snapshots(self, conn: sa.Connection, stream: str) -> list[Snapshot]:
        """Axon's own snapshots of the aggregate, oldest first (Axon usually keeps only the latest)."""
        if self.snapshot_table is None:
            return []
        c = _columns(self.snapshot_table)
        time = c.get("timestamp")
        rows = conn.execute(
            sa.select(c["sequencenumber"], c["payloadtype"], self._bytes(c["payload"]),
                      c["payload"] if self._is_large_object(c["payload"]) else sa.null(),
                      time if time is not None else sa.null())
            .where(c["aggregateidentifier"] == stream)
            .order_by(c["sequencenumber"])
        )
        result = []
        for version, kind, payload, reference, at in rows:
            state, _, problem = self._decode(payload, reference, "payload")
            result.append(Snapshot(stream=stream, version=int(version), type=str(kind), state=state,
                                   recorded_at=parse_time(at), problem=problem))
        return result

    # --- notes -------------------------------------------------------------------------
    def notes(self, conn: sa.Connection) -> list[str]:
        inspector = sa.inspect(conn)
        name = self.table.name
        indexes = [tuple(ix.get("column_names") or ()) for ix in inspector.get_indexes(name)]
        indexes += [tuple(u.get("column_names") or ()) for u in inspector.get_unique_constraints(name)]
        indexes.append(tuple(inspector.get_pk_constraint(name).get("constrained_columns") or ()))
        notes = ["versions are Axon sequence numbers: 0-based within each aggregate",
                 "the actor is read from decoded metadata (userId, username, …): actor filters decode each row"]
        if not any(ix[:2] == (self.stream.name, self.version.name) for ix in indexes):
            notes.append(f"no index on {name} ({self.stream.name}, {self.version.name}): "
                         "stream listing and stream reads scan the table")
        if self._is_large_object(self._c["payload"]):
            notes.append("payloads are PostgreSQL large objects (Hibernate oid), read with lo_get: the role needs "
                         "SELECT on them, and text search reads every payload")
        first = conn.execute(sa.select(self._payload).order_by(self.position).limit(1)).scalar()
        sample = as_bytes(first) or (first.encode() if isinstance(first, str) else b"")
        if sample.lstrip().startswith(b"<"):
            notes.append("payloads are XStream XML (Axon's default serializer): XML payload, shown raw, not decoded")
        if self.snapshot_table is None:
            notes.append("no snapshot_event_entry table: replays start from the first event or the inspector's cache")
        return notes
