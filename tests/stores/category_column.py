"""A generic ``events`` table that records each event's category in a column of its own
(``kind``), as the category-column tests build it on SQLite, PostgreSQL and MariaDB, and the
mapping that reads it (``category = "kind"``)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

MAPPING = """table = "events"
[columns]
position = "id"
stream = "stream"
version = "version"
type = "type"
recorded_at = "at"
data = "data"
category = "kind"
"""


def events_table(metadata: sa.MetaData, *, stream_collation: str | None = None,
                 kind_collation: str | None = None, kind_index: bool = True) -> sa.Table:
    """The table (id, stream, version, type, at as ISO text, data as JSON text, kind), unique on
    (stream, version), with an index on ``kind`` unless ``kind_index`` is False; a collation may be
    given to the stream or the kind column (a case-insensitive one, say)."""
    return sa.Table(
        "events", metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("stream", sa.String(100, collation=stream_collation), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("kind", sa.String(100, collation=kind_collation)),
        sa.Index("ix_events_stream_version", "stream", "version", unique=True),
        *([sa.Index("ix_events_kind", "kind")] if kind_index else []),
    )


def write_mapping(folder: Path) -> Path:
    """``MAPPING`` written as ``folder/mapping.toml``; returns its path."""
    path = folder / "mapping.toml"
    path.write_text(MAPPING, encoding="utf-8")
    return path
