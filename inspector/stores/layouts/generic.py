"""The generic layout: any single event table, described by a column mapping.

Without a mapping file it recognises a table named ``events`` (or ``event_store``)
with the column names below; the demo store uses exactly this. A TOML mapping names
another table and other columns::

    table = "audit_events"
    [columns]
    position = "id"            # global order (optional: falls back to stream+version)
    stream = "aggregate_id"
    version = "seq"
    type = "event_type"
    recorded_at = "created"    # optional
    data = "body"
    metadata = "meta"          # optional
    [codec]
    data = "json"              # json | text
    time = "auto"              # auto | iso | epoch_s | epoch_ms | native
                               # "iso" also declares every row written in one ISO form and zone,
                               # so the first/last time come from the index on the column
    actor = "actor"            # key in metadata, or "column:NAME"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Row

from inspector.core.decoding import decode_json
from inspector.core.events import Event, actor_of, parse_time
from inspector.stores.base import StoreError
from inspector.stores.layouts.base import SqlLayout, rowid_column

DEFAULT_COLUMNS = {
    "position": "position",
    "stream": "stream",
    "version": "version",
    "type": "type",
    "recorded_at": "recorded_at",
    "data": "data",
    "metadata": "metadata",
}
REQUIRED = ("stream", "version", "type", "data")
DEFAULT_TABLES = ("events", "event_store")


@dataclass
class ColumnMapping:
    table: str
    columns: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    schema: str | None = None
    data_codec: str = "json"
    time_codec: str = "auto"
    actor: str = "actor"

    @classmethod
    def load(cls, path: str | Path) -> "ColumnMapping":
        try:
            doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(f"cannot read the column mapping {path}: {exc}") from None
        if "table" not in doc:
            raise StoreError(f"the column mapping {path} names no table (add: table = \"events\")")
        columns = {key: value for key, value in doc.get("columns", {}).items() if value}
        missing = [key for key in REQUIRED if key not in columns]
        if missing:
            raise StoreError(f"the column mapping {path} lacks columns for: {', '.join(missing)}")
        codec = doc.get("codec", {})
        return cls(
            table=doc["table"],
            columns=columns,
            schema=doc.get("schema"),
            data_codec=codec.get("data", "json"),
            time_codec=codec.get("time", "auto"),
            actor=codec.get("actor", "actor"),
        )


class GenericLayout(SqlLayout):
    name = "generic"
    stream_index = "an index on (stream, version)"

    def __init__(self, engine: Engine, mapping: ColumnMapping, reflected: sa.Table) -> None:
        super().__init__(engine)
        self.mapping = mapping
        cols = mapping.columns
        self.table = reflected
        c = reflected.c
        missing = [name for name in cols.values() if name not in c]
        if missing:
            raise StoreError(f"table {mapping.table} has no column(s) {', '.join(missing)} named in the mapping")
        self.stream = c[cols["stream"]]
        self.version = c[cols["version"]]
        self.type = c[cols["type"]]
        self._data = c[cols["data"]]
        self._metadata = c[cols["metadata"]] if "metadata" in cols else None
        self.time = c[cols["recorded_at"]] if "recorded_at" in cols else None
        if "position" in cols:
            self.position = c[cols["position"]]
        elif engine.dialect.name == "sqlite":
            self.position = rowid_column(reflected)
        else:
            raise StoreError("the mapping needs a position column (a global order) on this engine")
        self._time_codec = self._resolve_time_codec()
        self._actor_column = None
        if mapping.actor.startswith("column:"):
            self._actor_column = c[mapping.actor.split(":", 1)[1]]
        self.columns = [
            self.position.label("position"),
            self.stream.label("stream"),
            self.version.label("version"),
            self.type.label("type"),
            (self.time if self.time is not None else sa.null()).label("recorded_at"),
            self._data.label("data"),
            (self._metadata if self._metadata is not None else sa.null()).label("metadata"),
            (self._actor_column if self._actor_column is not None else sa.null()).label("actor"),
        ]

    def _resolve_time_codec(self) -> str:
        codec = self.mapping.time_codec
        if codec != "auto" or self.time is None:
            return codec
        column_type = self.time.type
        if isinstance(column_type, sa.DateTime):
            return "native"
        if isinstance(column_type, (sa.Integer, sa.Float, sa.Numeric)):
            return "epoch_s"
        return "iso"

    @classmethod
    def detect(cls, engine: Engine, inspector: sa.Inspector) -> "GenericLayout | None":
        tables = set(inspector.get_table_names())
        for name in DEFAULT_TABLES:
            if name not in tables:
                continue
            names = {col["name"] for col in inspector.get_columns(name)}
            if all(DEFAULT_COLUMNS[key] in names for key in REQUIRED):
                columns = {key: value for key, value in DEFAULT_COLUMNS.items() if value in names}
                # the demo store writes its times itself, all in one ISO form: they sort as text
                time_codec = "iso" if name == "events" and "demo_info" in tables else "auto"
                return cls.from_mapping(engine, ColumnMapping(table=name, columns=columns, time_codec=time_codec))
        return None

    @classmethod
    def from_mapping(cls, engine: Engine, mapping: ColumnMapping) -> "GenericLayout":
        try:
            table = sa.Table(mapping.table, sa.MetaData(), autoload_with=engine, schema=mapping.schema)
        except sa.exc.NoSuchTableError:
            raise StoreError(f"no table {mapping.table!r} in this database") from None
        return cls(engine, mapping, table)

    # --- decoding ----------------------------------------------------------------------
    def row_to_event(self, row: Row[Any]) -> Event:
        problems: list[str] = []
        if self.mapping.data_codec == "text":
            data, raw = row.data, None
        else:
            decoded = decode_json(row.data, allow_null=False)
            data, raw = decoded.value, decoded.raw
            if decoded.problem:
                problems.append(decoded.problem)
        metadata: dict[str, Any] = {}
        if row.metadata is not None:
            meta = decode_json(row.metadata)
            if isinstance(meta.value, dict):
                metadata = meta.value
            elif meta.problem:
                problems.append(f"metadata: {meta.problem}")
        if row.actor is not None:
            metadata = {**metadata, "actor": row.actor}
        elif self.mapping.actor != "actor" and self.mapping.actor in metadata:
            metadata = {**metadata, "actor": metadata[self.mapping.actor]}
        if row.stream is None:
            problems.append("stream is NULL")
        if row.version is None:
            problems.append("version is NULL")
        if row.type is None:
            problems.append("type is NULL")
        return Event(
            position=int(row.position) if row.position is not None else -1,
            stream=self.stream_from_db(row.stream),
            version=int(row.version) if row.version is not None else None,
            type=str(row.type) if row.type is not None else "(no type)",
            recorded_at=self.time_from_db(row.recorded_at),
            data=data,
            metadata=metadata,
            raw=raw,
            problem="; ".join(problems) or None,
        )

    def epoch_expr(self) -> sa.ColumnElement[Any] | None:
        """Seconds since 1970 in SQL for epoch codecs; None lets ``epoch_seconds`` handle text and native times."""
        if self.time is None:
            return None
        if self._time_codec == "epoch_ms":
            return self.time / 1000.0
        if self._time_codec == "epoch_s":
            return self.time * 1.0
        from inspector.stores.layouts.base import epoch_seconds

        return epoch_seconds(self, use_custom=False)

    def time_from_db(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if self._time_codec in ("epoch_s", "epoch_ms"):
            try:
                seconds = float(value) / (1000.0 if self._time_codec == "epoch_ms" else 1.0)
            except (TypeError, ValueError):
                return None
            return parse_time(seconds)  # guards times out of the platform's range
        return parse_time(value)

    def time_sorts_as_stored(self) -> bool:
        """Numbers and native timestamps sort as time; text only when the mapping declares ``time = "iso"``."""
        if self.time is None:
            return False
        return self._time_codec in ("epoch_s", "epoch_ms", "native") or self.mapping.time_codec == "iso"

    def stored_time_scale(self) -> float | None:
        return {"epoch_s": 1.0, "epoch_ms": 1000.0}.get(self._time_codec)

    def actor_expr(self) -> sa.ColumnElement[Any] | None:
        if self._actor_column is not None:
            return self._actor_column
        if self._metadata is None:
            return None
        return self.json_field(self._metadata, self.mapping.actor)

    def text_exprs(self) -> list[sa.ColumnElement[Any]]:
        exprs = [self._data]
        if self._metadata is not None:
            exprs.append(self._metadata)
        return exprs

    def notes(self, conn: sa.Connection) -> list[str]:
        notes = []
        inspector = sa.inspect(conn)
        stream_col, version_col = self.stream.name, self.version.name
        indexed = False
        for index in inspector.get_indexes(self.mapping.table, schema=self.mapping.schema):
            cols = index.get("column_names") or []
            if cols[:2] == [stream_col, version_col] or cols[:1] == [stream_col]:
                indexed = True
        pk = inspector.get_pk_constraint(self.mapping.table, schema=self.mapping.schema)
        if (pk.get("constrained_columns") or [])[:1] == [stream_col]:
            indexed = True
        for unique in inspector.get_unique_constraints(self.mapping.table, schema=self.mapping.schema):
            if (unique.get("column_names") or [])[:1] == [stream_col]:
                indexed = True
        if not indexed:
            notes.append(
                f"no index starts with {stream_col!r}: stream listing and stream reads scan the whole table"
            )
        return notes
