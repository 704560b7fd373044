"""The store contract on PostgreSQL and MariaDB: each layout with its library's DDL and realistic rows.

Every class writes into a scratch database of its own (see ``servers.py``) through a
writable engine, then opens it with the inspector's read-only ``open_store``.
"""

from __future__ import annotations

import uuid
import zlib
from datetime import datetime, timezone

import orjson
import sqlalchemy as sa
import sqlalchemy.dialects.postgresql

from inspector.stores import open_store

from .contract import (
    DRAFTS,
    STREAM_KEYS,
    BadRow,
    Built,
    EventStoreContract,
    LooseVersionsContract,
    SqlContract,
    balance,
)
from .servers import eventsourcing_postgres_env, scratch_database
from .test_sqlite_contract import (
    CATEGORIES,
    ES_CATEGORIES,
    LOOSE_READ,
    LOOSE_WRITES,
    es_broken_rows,
    es_type,
)


def _shown_type(draft) -> str:
    return draft.type


def _built_on(db, layout: str, **kwargs) -> Built:
    store = open_store(db.url)

    def cleanup() -> None:
        store.close()
        db.drop()

    return Built(store=store, layout=layout, cleanup=cleanup, **kwargs)


# --- generic ------------------------------------------------------------------------------
GENERIC_PG_DDL = """
CREATE TABLE events (
    position bigserial PRIMARY KEY,
    stream text NOT NULL,
    version bigint,
    type text,
    recorded_at timestamptz,
    data text,
    metadata jsonb
);
CREATE INDEX events_stream_version ON events (stream, version);
"""

GENERIC_MYSQL_DDL = """
CREATE TABLE events (
    position bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
    stream varchar(200) NOT NULL,
    version bigint NULL,
    type varchar(200) NULL,
    recorded_at datetime(6) NULL,
    data longblob NULL,
    metadata json NULL,
    KEY events_stream_version (stream, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
"""


def write_generic(writer: sa.Engine, ddl: str, bad_rows: list[tuple]) -> None:
    events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data", "metadata")))
    with writer.begin() as conn:
        for statement in ddl.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        for d in DRAFTS:
            conn.execute(events.insert().values(
                stream=d.key, version=d.version, type=d.type, recorded_at=d.at,
                data=orjson.dumps(d.data).decode(), metadata=orjson.dumps({"actor": d.actor}).decode()))
        for stream, version, kind, payload in bad_rows:
            conn.execute(events.insert().values(stream=stream, version=version, type=kind, data=payload))
        for version in LOOSE_WRITES:
            conn.execute(events.insert().values(stream="dup-1", version=version, type="Noted", data='{"note": "twice"}'))


PG_BAD = [("broken-1", 1, "Broken", '{"amount": 5,'), ("broken-1", 2, "Broken", None), ("broken-1", 3, None, '{"a": 1}')]
MYSQL_BAD = [
    ("broken-1", 1, "Broken", b'{"amount": 5,'),
    ("broken-1", 2, "Broken", None),
    ("broken-1", 3, "Broken", b"\x00\x01\x02\xffnot json"),
    ("broken-1", 4, "Broken", zlib.compress(b'{"amount": 9}')),
    ("broken-1", 5, None, b'{"a": 1}'),
]


class TestGenericLayoutOnPostgres(EventStoreContract, LooseVersionsContract, SqlContract):
    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("postgres_url"), "generic")
        write_generic(db.writer, GENERIC_PG_DDL, PG_BAD)
        return _built_on(
            db, "generic", streams={k: k for k in STREAM_KEYS}, type_name=_shown_type, categories=CATEGORIES,
            bad=[BadRow("broken-1", 1, "Broken", "malformed JSON"), BadRow("broken-1", 2, "Broken", "payload is NULL"),
                 BadRow("broken-1", 3, "(no type)", "type is NULL")],
            loose=("dup-1", LOOSE_READ),
        )


class TestGenericLayoutOnMariadb(EventStoreContract, LooseVersionsContract, SqlContract):
    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("mysql_url"), "generic")
        write_generic(db.writer, GENERIC_MYSQL_DDL, MYSQL_BAD)
        return _built_on(
            db, "generic", streams={k: k for k in STREAM_KEYS}, type_name=_shown_type, categories=CATEGORIES,
            bad=[BadRow("broken-1", 1, "Broken", "malformed JSON"), BadRow("broken-1", 2, "Broken", "payload is NULL"),
                 BadRow("broken-1", 3, "Broken", "binary payload"), BadRow("broken-1", 5, "(no type)", "type is NULL")],
            decodable=[("broken-1", 4, "Broken")],
            loose=("dup-1", LOOSE_READ),
        )


# --- eventsourcing -------------------------------------------------------------------------
class TestEventsourcingLayoutOnPostgres(EventStoreContract, SqlContract):
    """``shop_events``/``shop_snapshots`` written by the library's own PostgreSQL recorder."""

    def build(self, request, tmp_path) -> Built:
        from .shop import Shop, write_drafts

        db = scratch_database(request.getfixturevalue("postgres_url"), "es")
        url = sa.engine.make_url(db.url)
        app = Shop(env=eventsourcing_postgres_env(url, IS_SNAPSHOTTING_ENABLED="y"))
        ids = write_drafts(app, DRAFTS, {"wallet-a": [3, 6]})
        app.close()
        broken, rows, bad, decodable = es_broken_rows()
        with db.writer.begin() as conn:
            for version, topic, state in rows:
                conn.exec_driver_sql(
                    "INSERT INTO shop_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)",
                    (uuid.UUID(broken), version, topic, state))
        return _built_on(
            db, "eventsourcing", streams=ids, type_name=es_type, categories=ES_CATEGORIES,
            bad=bad, decodable=decodable,
            snapshots={ids["wallet-a"]: [(v, {"credits": balance("wallet-a", v)}) for v in (3, 6)]},
        )


# --- Message DB ----------------------------------------------------------------------------
MESSAGE_DB_DDL = """
CREATE SCHEMA message_store;
CREATE OR REPLACE FUNCTION message_store.category(stream_name varchar) RETURNS varchar AS $$
BEGIN
  RETURN SPLIT_PART(stream_name, '-', 1);
END;
$$ LANGUAGE plpgsql IMMUTABLE;
CREATE TABLE IF NOT EXISTS message_store.messages (
  global_position bigserial NOT NULL,
  position bigint NOT NULL,
  time TIMESTAMP WITHOUT TIME ZONE DEFAULT (now() AT TIME ZONE 'utc') NOT NULL,
  stream_name text NOT NULL,
  type text NOT NULL,
  data jsonb,
  metadata jsonb,
  id UUID NOT NULL DEFAULT gen_random_uuid()
);
ALTER TABLE message_store.messages ADD PRIMARY KEY (global_position);
CREATE UNIQUE INDEX messages_id ON message_store.messages (id);
CREATE UNIQUE INDEX messages_stream ON message_store.messages (stream_name, position);
CREATE INDEX messages_category ON message_store.messages (
  message_store.category(stream_name), global_position,
  message_store.category(metadata->>'correlationStreamName'))
"""


class TestMessageDbLayoutOnPostgres(EventStoreContract, SqlContract):
    """message_store.messages with Message DB's own DDL; positions are 0-based, time is UTC without zone."""

    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("postgres_url"), "mdb")
        jsonb = sa.dialects.postgresql.JSONB
        messages = sa.table("messages", *(sa.column(n) for n in ("position", "time", "stream_name", "type")),
                            sa.column("data", jsonb), sa.column("metadata", jsonb), schema="message_store")
        with db.writer.begin() as conn:
            conn.exec_driver_sql(MESSAGE_DB_DDL.split("CREATE TABLE")[0].split("CREATE OR REPLACE")[0])
            conn.exec_driver_sql("CREATE OR REPLACE" + MESSAGE_DB_DDL.split("CREATE OR REPLACE")[1].split("CREATE TABLE")[0])
            for statement in ("CREATE TABLE" + MESSAGE_DB_DDL.split("CREATE TABLE", 1)[1]).split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
            for d in DRAFTS:
                conn.execute(messages.insert().values(
                    position=d.version - 1, time=d.at.replace(tzinfo=None), stream_name=d.key, type=d.type,
                    data=d.data, metadata={"actor": d.actor, "correlationStreamName": "ui-1"}))
            conn.execute(messages.insert().values(position=0, time=datetime(2024, 2, 1), stream_name="broken-1",
                                                  type="Broken", data=sa.null(), metadata=sa.null()))
        return _built_on(
            db, "messagedb", streams={k: k for k in STREAM_KEYS}, type_name=_shown_type, categories=CATEGORIES,
            bad=[BadRow("broken-1", 0, "Broken", "payload is NULL")], version_offset=-1,
            extra_times=[datetime(2024, 2, 1, tzinfo=timezone.utc)],
        )
