"""Marten (JasperFx, PostgreSQL): ``mt_events`` + ``mt_streams``.

Schema versions read (DDL of Marten's ``EventsTable``/``StreamsTable``, v2/v3 to 9.x):

* v4-v8: ``stream_id`` uuid, or varchar under ``StreamIdentity.AsString``; ``version``
  bigint; ``timestamp`` timestamptz; per-stream ``snapshot``/``snapshot_version`` in
  ``mt_streams``; opt-in metadata columns ``correlation_id``, ``causation_id``,
  ``headers``, ``user_name``; ``is_archived``.
* 9.x: no snapshot columns in ``mt_streams``; binary events in ``bdata`` (``data = '{}'``),
  read as JSON where they are JSON and kept raw otherwise; ``is_skipped``.
* v2/v3: ``integer`` versions and ``timestamp without time zone`` times, read as UTC.

Column types are taken from the schema (reflected), not from the version.

``seq_id`` is the global order (from ``mt_events_sequence``, with gaps); ``type`` is the
event alias (``credits_granted``). The category is the aggregate type Marten keeps per
stream in ``mt_streams.type``: a stream listing looks it up once per listed stream through
the primary key of ``mt_streams`` instead of joining it into every event query.

**Tenants.** Under conjoined tenancy ``(tenant_id, stream_id)`` is the stream: two tenants
may hold streams with the same id and the same versions. When the store holds any
``tenant_id`` other than ``*DEFAULT*`` (decided when the store is opened), every stream is
shown as ``<tenant>/<stream id>`` (``acme/7f3c…``), listed by tenant then stream id, and every
read of a stream selects exactly that tenant and id (through the
``(tenant_id, stream_id, version)`` index Marten creates under conjoined tenancy). The form
is reversible: ``%`` and ``/`` inside a tenant are written ``%25`` and ``%2F``, and a NULL
tenant is ``%00``, so the first ``/`` always ends the tenant. Stores with only the default
tenant keep the plain stream ids as names.

Archived events (``is_archived``, Marten's ``ArchiveStream``) are read like any other event
and carry ``is_archived: true`` in their metadata: an inspector shows what is stored,
whereas Marten's own queries leave them out. Indexes to rely on: ``pk_mt_events_stream_and_version``
(``(stream_id, version)``, or ``(tenant_id, stream_id, version)`` when conjoined) for streams,
the ``seq_id`` primary key for the global order.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from inspector.core.decoding import as_bytes, decode_json, plain_document
from inspector.core.events import Event, actor_text, category_named, parse_time
from inspector.stores.base import ColumnReading, Snapshot, glob_to_like
from inspector.stores.layouts.base import SqlLayout, look_in, stored_instant, stored_json, version_into

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EVENT_COLUMNS = {"seq_id", "stream_id", "version", "data", "type", "timestamp"}
_STREAM_COLUMNS = {"id", "type"}
#: Columns copied into each event's metadata when the table has them (opt-in metadata in Marten).
_OPTIONAL = ("id", "tenant_id", "mt_dotnet_type", "correlation_id", "causation_id", "headers", "user_name",
             "is_archived", "is_skipped", "bdata")
#: Header keys that name the actor when ``user_name`` is empty, in the order SQL and Python both try them.
ACTOR_HEADERS = ("actor", "user", "user_name", "userName")

#: The tenant Marten writes when a store is not multi-tenanted.
DEFAULT_TENANT = "*DEFAULT*"
#: Ends the tenant part of a tenant-qualified stream name.
TENANT_SEPARATOR = "/"
#: The tenant part of a stream whose rows have a NULL ``tenant_id``.
NULL_TENANT = "%00"
_TENANT_ESCAPE = re.compile(r"%(25|2F)")


def tenant_stream_name(tenant: str | None, stream_id: str) -> str:
    """``acme``, ``7f3c…`` → ``acme/7f3c…``: the name a stream of a multi-tenant store is shown by.

    ``%`` and ``/`` in the tenant become ``%25`` and ``%2F``; a NULL tenant is ``%00``.
    """
    part = NULL_TENANT if tenant is None else tenant.replace("%", "%25").replace("/", "%2F")
    return f"{part}{TENANT_SEPARATOR}{stream_id}"


def split_tenant_stream_name(name: str) -> tuple[str | None, str]:
    """The inverse of ``tenant_stream_name``: ``(tenant or None, stream id)``.

    Raises ValueError for a name no tenant-qualified stream is shown by (no ``/``, or a
    ``%`` in the tenant part that is not one of the three escapes).
    """
    part, separator, stream_id = name.partition(TENANT_SEPARATOR)
    if not separator:
        raise ValueError(f"{name!r} is not tenant/stream")
    if part == NULL_TENANT:
        return None, stream_id
    tenant = _TENANT_ESCAPE.sub(lambda m: "%" if m[1] == "25" else "/", part)
    if tenant_stream_name(tenant, "") != part + TENANT_SEPARATOR:
        raise ValueError(f"{name!r} has a tenant part that is not written as the inspector writes it")
    return tenant, stream_id


class MartenLayout(SqlLayout):
    """Marten's events; ``tenants`` says whether stream names carry their tenant (see the module)."""

    name = "marten"
    stream_index = "pk_mt_events_stream_and_version (stream_id, version)"

    def __init__(self, engine: Engine, events: sa.Table, streams: sa.Table, *, tenants: bool = False) -> None:
        super().__init__(engine)
        c = events.c
        self.table = events
        self.streams_table = streams
        self.position = c.seq_id
        self._stream_id = c.stream_id
        self._tenant: sa.Column[Any] | None = c.tenant_id if "tenant_id" in c else None
        #: stream names are ``tenant/id``: the store holds tenants other than the default one
        self.tenants = bool(tenants and self._tenant is not None)
        self.stream = self._qualified_name() if self.tenants else c.stream_id
        if self.tenants:
            self.stream_index = "pk_mt_events_stream_and_version (tenant_id, stream_id, version)"
        self.version = c.version
        self.type = c.type
        self.time = c["timestamp"]
        self._uuid_ids = isinstance(c.stream_id.type, sa.Uuid)
        self.uuid_spellings = "any" if self._uuid_ids else None
        self._optional = [name for name in _OPTIONAL if name in c]
        self.columns = [
            self.position.label("position"), self.stream.label("stream"), self.version.label("version"),
            # jsonb as its text: decoded when read (a fold reads the payload alone), not as fetched
            self.type.label("type"), stored_instant(self.time, self.dialect).label("recorded_at"),
            stored_json(c.data, self.dialect).label("data"),
            *[stored_json(c[name], self.dialect).label(f"m_{name}") for name in self._optional],
        ]

    def _qualified_name(self) -> sa.ColumnElement[Any]:
        """``tenant_stream_name`` in SQL: NULL where ``stream_id`` is NULL, like the plain column."""
        assert self._tenant is not None
        escaped = sa.func.replace(sa.func.replace(self._tenant, "%", "%25"), "/", "%2F")
        tenant = sa.type_coerce(sa.func.coalesce(escaped, NULL_TENANT), sa.Text)
        return tenant.concat(TENANT_SEPARATOR).concat(sa.cast(self._stream_id, sa.Text))

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "MartenLayout | None":
        """``mt_events`` and ``mt_streams`` in the default schema, else in the first schema holding both."""
        if engine.dialect.name != "postgresql":
            return None
        for qualified, tables in look_in(engine, inspector, cls):
            if not tables:
                continue
            metadata = sa.MetaData()
            events = sa.Table("mt_events", metadata, autoload_with=engine, schema=qualified)
            streams = sa.Table("mt_streams", metadata, autoload_with=engine, schema=qualified)
            tenants = cls._has_tenants(engine, inspector, events, streams)
            return cls(engine, events, streams, tenants=tenants)
        return None

    @classmethod
    def search_order(cls, default: str | None, schemas: Sequence[str]) -> list[str | None]:
        """The session's own schema, then the others by name."""
        return [default, *schemas]

    @classmethod
    def tables_in(cls, engine: Engine, inspector: sa.Inspector, schema: str | None) -> list[str]:
        """``mt_events`` when it and ``mt_streams`` are there with Marten's columns (PostgreSQL)."""
        if engine.dialect.name != "postgresql" or not {"mt_events", "mt_streams"} <= set(
                inspector.get_table_names(schema=schema)):
            return []
        if not _EVENT_COLUMNS <= {col["name"] for col in inspector.get_columns("mt_events", schema=schema)}:
            return []
        if not _STREAM_COLUMNS <= {col["name"] for col in inspector.get_columns("mt_streams", schema=schema)}:
            return []
        return ["mt_events"]

    @staticmethod
    def _has_tenants(engine: Engine, inspector: sa.Inspector, events: sa.Table, streams: sa.Table) -> bool:
        """True when some stream belongs to a tenant other than ``*DEFAULT*`` (NULL included).

        Asked of ``mt_events`` when an index starts with ``tenant_id`` (conjoined tenancy: two
        steps down it), else of ``mt_streams`` (one row per stream, the same tenants as Marten
        writes them) where it has the column, so a large single-tenant store opens without
        reading every event.
        """
        if "tenant_id" not in events.c:
            return False
        indexes = inspector.get_indexes(events.name, schema=events.schema)
        primary = inspector.get_pk_constraint(events.name, schema=events.schema).get("constrained_columns") or []
        leading = {(ix.get("column_names") or [None])[0] for ix in indexes} | {primary[0] if primary else None}
        table = events if "tenant_id" in leading or "tenant_id" not in streams.c else streams
        tenant = table.c.tenant_id
        with engine.connect() as conn:
            low = conn.execute(sa.select(sa.func.min(tenant)).select_from(table)).scalar()
            high = conn.execute(sa.select(sa.func.max(tenant)).select_from(table)).scalar()
            if low not in (None, DEFAULT_TENANT) or high not in (None, DEFAULT_TENANT):
                return True
            return conn.execute(
                sa.select(sa.literal(1)).select_from(table).where(tenant.is_(None)).limit(1)).first() is not None

    # --- ids ---------------------------------------------------------------------------
    def _split(self, stream: str) -> tuple[str | None, str] | None:
        """``(tenant, stream id)`` of a tenant-qualified name the store could hold, else None.

        The id must be written as the store shows it (a uuid in its lowercase text form),
        so a name selects the same rows here as it does compared with the shown name in SQL.
        """
        try:
            tenant, stream_id = split_tenant_stream_name(stream)
        except ValueError:
            return None
        if self._uuid_ids and not (_UUID.match(stream_id) and str(uuid.UUID(stream_id)) == stream_id):
            return None
        return tenant, stream_id

    def _id_to_db(self, stream_id: str) -> Any:
        return uuid.UUID(stream_id) if self._uuid_ids and _UUID.match(stream_id) else stream_id

    def stream_exists_possibly(self, stream: str) -> bool:
        if self.tenants:
            return self._split(stream) is not None
        return not self._uuid_ids or bool(_UUID.match(stream))

    def stream_spelled(self, stream: str) -> str:
        """As ``SqlLayout.stream_spelled``; with tenants, of the id after ``tenant/``."""
        if not self.tenants:
            return super().stream_spelled(stream)
        part, separator, stream_id = stream.partition(TENANT_SEPARATOR)
        return part + separator + super().stream_spelled(stream_id) if separator else stream

    def stream_to_db(self, stream: str) -> Any:
        if self.tenants:
            return stream  # compared with the shown name (``self.stream``); reads use ``stream_is``
        return self._id_to_db(stream)

    def _tenant_is(self, tenant: str | None, column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        return column.is_(None) if tenant is None else column == tenant

    def stream_is(self, stream: str) -> sa.ColumnElement[bool]:
        """Rows of exactly this stream: with tenants, ``tenant_id = :t AND stream_id = :id`` (the
        columns of the conjoined stream index), never the shown name compared as text."""
        if not self.tenants:
            return super().stream_is(stream)
        split = self._split(stream)
        if split is None:
            return sa.false()
        tenant, stream_id = split
        assert self._tenant is not None
        return sa.and_(self._tenant_is(tenant, self._tenant), self._stream_id == self._id_to_db(stream_id))

    def stream_in(self, streams: Any) -> sa.ColumnElement[bool]:
        if not self.tenants:
            return super().stream_in(streams)
        return sa.or_(sa.false(), *[self.stream_is(stream) for stream in streams])

    def listing_keys(self) -> list[sa.ColumnElement[Any]]:
        """Listings group and order by tenant, then stream id: the order of the stream index."""
        if not self.tenants:
            return super().listing_keys()
        assert self._tenant is not None
        return [self._tenant, self._stream_id]

    def listing_after(self, after: str, *, inclusive: bool = False) -> sa.ColumnElement[bool]:
        """Streams listed after ``after`` in (tenant, stream id) order; NULL tenants come last."""
        if not self.tenants:
            return super().listing_after(after, inclusive=inclusive)
        split = self._split(after)
        if split is None:
            return sa.true()
        tenant, stream_id = split
        assert self._tenant is not None
        key = self._id_to_db(stream_id)
        later_id = self._stream_id >= key if inclusive else self._stream_id > key
        if tenant is None:
            return sa.and_(self._tenant.is_(None), later_id)
        later = sa.tuple_(self._tenant, self._stream_id) >= (tenant, key) if inclusive \
            else sa.tuple_(self._tenant, self._stream_id) > (tenant, key)
        return sa.or_(later, self._tenant.is_(None))

    def match_clause(self, pattern: str) -> sa.ColumnElement[bool]:
        """The pattern against the name as shown (``tenant/id`` with tenants), case-sensitively."""
        if self.tenants or self._uuid_ids:
            return sa.cast(self.stream, sa.Text).like(glob_to_like(pattern), escape="\\")
        return self.stream.like(glob_to_like(pattern), escape="\\")

    # --- categories: mt_streams.type ---------------------------------------------------
    def _stream_row(self, stream_id: Any, tenant: Any = None) -> list[sa.ColumnElement[bool]]:
        """``mt_streams`` rows of a stream (with ``tenant`` under tenants, as its primary key is)."""
        s = self.streams_table.c
        where = [s.id == stream_id]
        if self.tenants and "tenant_id" in s:
            where.append(self._tenant_is(tenant, s.tenant_id) if not isinstance(tenant, sa.ColumnElement)
                         else s.tenant_id == tenant)
        return where

    def category_hint(self) -> sa.ColumnElement[Any]:
        """The stream's aggregate type, looked up by ``mt_streams``' primary key per listed stream."""
        s = self.streams_table.c
        return sa.select(sa.func.min(s.type)).where(*self._stream_row(self._stream_id, self._tenant)).scalar_subquery()

    def category_of(self, stream: str, first_type: str | None) -> str | None:
        return first_type

    def category_clause(self, category: str) -> sa.ColumnElement[bool]:
        s = self.streams_table.c
        named = category_named(category)  # ``category`` as ``category_key`` spells it
        if named is None:  # ``category_hint`` (by mt_streams' key) NULL or ''
            return sa.func.coalesce(self.category_hint(), "") == ""
        category = named
        if self.tenants and "tenant_id" in s:
            assert self._tenant is not None
            return sa.tuple_(self._tenant, self._stream_id).in_(sa.select(s.tenant_id, s.id).where(s.type == category))
        return self._stream_id.in_(sa.select(s.id).where(s.type == category))

    # --- actor and text ----------------------------------------------------------------
    def actor_expr(self) -> sa.ColumnElement[Any] | None:
        """``user_name``, else the first actor-like header: the same order ``row_to_event`` uses."""
        c = self.table.c
        candidates: list[sa.ColumnElement[Any]] = []
        if "user_name" in c:
            candidates.append(sa.func.nullif(c.user_name, ""))
        if "headers" in c:
            candidates.extend(sa.func.nullif(self.json_field(c.headers, key), sa.literal_column("''"))
                              for key in ACTOR_HEADERS)
        if not candidates:
            return None
        return candidates[0] if len(candidates) == 1 else sa.func.coalesce(*candidates)

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        """The payload and every column ``row_to_event`` puts in the event's metadata (the event
        id, correlation and causation ids, headers, user name, .NET type, tenant), so a text search
        and the audit look-ups find what ``events --json`` shows in ``metadata``."""
        c = self.table.c
        metadata = [c[name] for name in ("id", "correlation_id", "causation_id", "headers", "user_name",
                                         "mt_dotnet_type", "tenant_id") if name in c]
        return [c.data, *metadata]

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
            elif data is None:  # jsonb 'null' (read as its text): it satisfies NOT NULL but holds no event
                problems.append("payload is NULL")
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
            version=version_into(row.version, problems),
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
            for key in ACTOR_HEADERS:  # the first not empty, as actor_expr reads them
                if headers.get(key) not in (None, ""):
                    return actor_text(headers[key])
        return None

    # --- snapshots ---------------------------------------------------------------------
    def snapshots(self, conn: sa.Connection, stream: str) -> list[Snapshot]:
        """Marten ≤ v8 keeps at most one snapshot per stream, in ``mt_streams.snapshot``
        (9.x has no such columns: no snapshots). With tenants, the stream's own tenant's row."""
        s = self.streams_table.c
        if "snapshot" not in s or "snapshot_version" not in s or not self.stream_exists_possibly(stream):
            return []
        if self.tenants:
            split = self._split(stream)
            assert split is not None
            tenant, stream_id = split
            where = self._stream_row(self._id_to_db(stream_id), tenant)
        else:
            where = self._stream_row(self._id_to_db(stream))
        rows = conn.execute(
            sa.select(s.snapshot_version, s.type, s.snapshot)
            .where(*where, s.snapshot.is_not(None), s.snapshot_version.is_not(None))
            .order_by(s.snapshot_version)
        )
        result = []
        for version, aggregate, body in rows:
            decoded = decode_json(body, allow_null=False)
            result.append(Snapshot(stream=stream, version=int(version), type=str(aggregate or "snapshot"),
                                   state=decoded.value, problem=decoded.problem))
        return result

    def lazy_data(self, row: Row[Any], event: Any) -> Any:
        """The payload alone, as ``row_to_event`` decodes it (a fold reads nothing else); a
        binary event (``bdata``) the long way."""
        if "bdata" in self._optional:
            return event.event().data
        return decode_json(row.data, allow_null=False).value

    def fold_fields(self) -> tuple[str, ...] | None:
        """Position, version, type and the payload (``lazy_data`` decodes it alone): a fold leaves
        out the stream id and event id (each a ``uuid.UUID`` per row), the time and the metadata
        columns. Where binary events are kept (``bdata``) the payload is made by ``row_to_event``,
        which reads every column: None."""
        return None if "bdata" in self._optional else ("position", "version", "type", "data")

    def payload_decoder(self) -> Callable[[Any], Any] | None:
        """``plain_document`` (see ``SqlLayout``) where no binary events (``bdata``) are kept."""
        return None if "bdata" in self._optional else plain_document

    def capped_payload(self) -> tuple[str, Any] | None:
        """The payload (``data``) may be left out by a capped read; not where binary events keep it in ``bdata``."""
        return None if "bdata" in self._optional else ("data", "{}")

    # --- what ``info`` says ------------------------------------------------------------
    def column_readings(self) -> list[ColumnReading]:
        """Every column read, with its reflected type; the tenant column says the name form."""
        c, s = self.table.c, self.streams_table.c
        events, streams = self.shown_table(), self.shown_table(self.streams_table)

        def reading(role: str, table: str, column: sa.Column[Any], how: str) -> ColumnReading:
            return ColumnReading(role=role, column=f"{table}.{column.name}", sql_type=self.sql_type_name(column),
                                 reading=how)

        id_form = "uuid, shown in its lowercase text form" if self._uuid_ids else "text, compared exactly"
        if self.tenants:
            id_form += "; the name shown is <tenant>/<stream id>"
        time_kind = c["timestamp"].type
        aware = isinstance(time_kind, sa.DateTime) and bool(getattr(time_kind, "timezone", False))
        found = [
            reading("position", events, c.seq_id, "global order (mt_events_sequence, gaps are normal)"),
            reading("stream", events, c.stream_id, id_form),
        ]
        if self._tenant is not None:
            if self.tenants:
                how = ("part of the stream: names are <tenant>/<stream id>, listed by tenant then id "
                       "('%' and '/' in a tenant written %25 and %2F, a NULL tenant %00)")
            else:
                how = f"only {DEFAULT_TENANT} when opened: names are the plain stream ids; tenant_id in metadata"
            found.append(reading("tenant", events, self._tenant, how))
        found += [
            reading("version", events, c.version, "integer, per stream from 1"),
            reading("type", events, c.type, "event alias as stored (e.g. credits_granted)"),
            reading("recorded_at", events, c["timestamp"],
                    "timestamp with time zone" if aware else "timestamp without time zone, read as UTC"),
            reading("data", events, c.data, "JSON, numbers kept exact"),
        ]
        if "bdata" in c:
            found.append(reading("data", events, c.bdata, "binary event body: JSON where it is JSON, else kept raw"))
        for name, role, how in (("id", "metadata", "event id (metadata event_id)"),
                                ("mt_dotnet_type", "metadata", "metadata dotnet_type"),
                                ("correlation_id", "metadata", "metadata correlation_id"),
                                ("causation_id", "metadata", "metadata causation_id"),
                                ("user_name", "actor", "the actor when not empty"),
                                ("headers", "actor", "JSON headers (metadata headers); actor from "
                                 + "/".join(ACTOR_HEADERS) + " when user_name is empty"),
                                ("is_archived", "archived", "archived events are shown, metadata is_archived = true"),
                                ("is_skipped", "metadata", "metadata is_skipped = true")):
            if name in c:
                found.append(reading(role, events, c[name], how))
        found.append(reading("category", streams, s.type, "the stream's aggregate type"))
        if "snapshot" in s and "snapshot_version" in s:
            found.append(reading("snapshot", streams, s.snapshot, "store-native snapshot (JSON)"))
            found.append(reading("snapshot", streams, s.snapshot_version, "the version the snapshot is at"))
        return found

    def notes(self, conn: sa.Connection) -> list[str]:
        """Missing indexes, tenants and archived events, so ``info`` says why a read may be slow and what is shown."""
        notes: list[str] = []
        inspector = sa.inspect(conn)
        schema = self.table.schema
        indexes = [tuple(ix.get("column_names") or ()) for ix in inspector.get_indexes("mt_events", schema=schema)]
        primary = tuple(inspector.get_pk_constraint("mt_events", schema=schema).get("constrained_columns") or ())
        indexes.append(primary)
        conjoined_index = any(ix[:3] == ("tenant_id", "stream_id", "version") for ix in indexes)
        if not any(ix[:2] == ("stream_id", "version") for ix in indexes):
            if conjoined_index and not self.tenants:
                notes.append("conjoined tenancy: the stream index starts with tenant_id, so reading one stream "
                             "across tenants cannot use it fully")
            elif not conjoined_index:
                notes.append("no index on mt_events (stream_id, version) (pk_mt_events_stream_and_version): "
                             "stream listing and stream reads scan the table")
        if primary != ("seq_id",):
            notes.append(f"mt_events primary key is ({', '.join(primary) or 'none'}), not seq_id: "
                         "seq_id may repeat across tenants (tenant-partitioned events)")
        if self.tenants:
            notes.append("tenants: each stream is a tenant and a stream id, shown as <tenant>/<stream id> "
                         "(e.g. acme/7f3c...); the same id in two tenants is two streams")
        if "is_archived" in self.table.c:
            archived = conn.execute(
                sa.select(sa.literal(1)).select_from(self.table).where(self.table.c.is_archived.is_(True)).limit(1)
            ).first()
            if archived is not None:
                notes.append("archived events (is_archived) are shown and replayed like the others, flagged "
                             "is_archived in their metadata (Marten's own queries leave them out)")
        if "bdata" in self.table.c:
            notes.append("binary events (bdata) are decoded as JSON where they are JSON, otherwise shown raw")
        if "headers" not in self.table.c and "user_name" not in self.table.c:
            notes.append("no user_name or headers columns (Marten metadata not enabled): events carry no actor")
        return notes
