"""A small generic-layout ``events`` table on a server (PostgreSQL), written by a separate
writable engine, for tests that check the window's core look-ups on a server engine too."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from tests.stores.servers import ScratchDatabase, scratch_database

START = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def write_generic_server_store(server_url: str, rows: list[dict[str, Any]]) -> ScratchDatabase:
    """A scratch database holding ``rows`` (stream, version, type, data, metadata dicts), one
    minute apart in the order given; the caller drops it."""
    db = scratch_database(server_url, "change")
    with db.writer.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, version bigint NOT NULL, "
            "type varchar(100) NOT NULL, recorded_at timestamptz, data jsonb, metadata jsonb)")
        conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
        insert = sa.text("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES "
                         "(:stream, :version, :type, :at, CAST(:data AS jsonb), CAST(:metadata AS jsonb))")
        for index, row in enumerate(rows):
            conn.execute(insert, {"stream": row["stream"], "version": row["version"], "type": row["type"],
                                  "at": START + timedelta(minutes=index), "data": json.dumps(row["data"]),
                                  "metadata": json.dumps(row.get("metadata", {}))})
    return db
