"""Marten on PostgreSQL: the store contract with Marten's own DDL and rows as Marten writes them.

Three shapes: v8 with uuid stream ids, the opt-in metadata columns and a per-stream snapshot;
9.x in its own schema with string stream ids, ``headers`` only and binary events (``bdata``);
v8 under conjoined tenancy, shown by tenant-qualified names. More variants: test_marten_variants.py.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import orjson
import pytest
import sqlalchemy as sa

from inspector.stores import open_store

from .contract import DRAFTS, STREAM_KEYS, BadRow, Built, EventStoreContract, SqlContract, balance
from .servers import scratch_database

AGGREGATES = {"wallet": "Wallet", "job": "Job"}
#: when the bad rows were written: before every draft, as the contract wants
EARLY = datetime(2024, 2, 1, 8, 30, tzinfo=timezone.utc)

MARTEN_V8_DDL = """
CREATE SEQUENCE {schema}.mt_events_sequence;
CREATE TABLE {schema}.mt_streams (
  id {id_type} NOT NULL,
  type varchar NULL,
  version bigint NULL,
  timestamp timestamptz NOT NULL DEFAULT (now()),
  snapshot jsonb, snapshot_version integer,
  created timestamptz NOT NULL DEFAULT (now()),
  tenant_id varchar DEFAULT '*DEFAULT*',
  is_archived bool DEFAULT FALSE,
  PRIMARY KEY (id));
CREATE TABLE {schema}.mt_events (
  seq_id bigint NOT NULL PRIMARY KEY,
  id uuid NOT NULL,
  stream_id {id_type} REFERENCES {schema}.mt_streams(id) ON DELETE CASCADE,
  version bigint NOT NULL,
  data jsonb NOT NULL,
  type varchar(500) NOT NULL,
  timestamp timestamp with time zone NOT NULL DEFAULT (now()),
  tenant_id varchar DEFAULT '*DEFAULT*',
  mt_dotnet_type varchar NULL,
  correlation_id varchar, causation_id varchar, headers jsonb, user_name varchar,
  is_archived bool DEFAULT FALSE);
CREATE UNIQUE INDEX pk_mt_events_stream_and_version ON {schema}.mt_events (stream_id, version);
CREATE INDEX idx_mt_events_event_type_seq_id ON {schema}.mt_events (type, seq_id)
"""

#: 9.x: no snapshot columns on mt_streams, ``bdata`` for binary events, only ``headers`` opted in.
MARTEN_V9_DDL = (
    MARTEN_V8_DDL.replace("  snapshot jsonb, snapshot_version integer,\n", "")
    .replace("  data jsonb NOT NULL,\n", "  data jsonb NOT NULL,\n  bdata bytea NULL,\n")
    .replace("correlation_id varchar, causation_id varchar, headers jsonb, user_name varchar,", "headers jsonb,")
    .replace("is_archived bool DEFAULT FALSE);\nCREATE UNIQUE", "is_skipped bool DEFAULT FALSE,\n"
             "  is_archived bool DEFAULT FALSE);\nCREATE UNIQUE")
)


def alias(name: str) -> str:
    """Marten's default event alias: ``CreditsGranted`` → ``credits_granted``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def marten_type(draft) -> str:
    return alias(draft.type)


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def write_marten(conn: sa.Connection, schema: str, ids: dict[str, str], *, v9: bool) -> None:
    """Streams and events as Marten appends them: seq_id from the sequence, skipping a value now and then."""
    for key in STREAM_KEYS:
        mine = [d for d in DRAFTS if d.key == key]
        conn.exec_driver_sql(
            f"INSERT INTO {schema}.mt_streams (id, type, version, timestamp, created) VALUES (%s, %s, %s, %s, %s)",
            (ids[key], AGGREGATES[mine[0].category], len(mine), mine[-1].at, mine[0].at))
    for index, d in enumerate(DRAFTS):
        if index % 5 == 4:
            conn.exec_driver_sql(f"SELECT nextval('{schema}.mt_events_sequence')")  # a rolled-back append: a gap
        dotnet = f"Marketplace.{AGGREGATES[d.category]}s.{d.type}, Marketplace"
        if v9:
            conn.exec_driver_sql(
                f"INSERT INTO {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, "
                "mt_dotnet_type, headers) "
                f"VALUES (nextval('{schema}.mt_events_sequence'), %s, %s, %s, %s, %s, %s, %s, %s)",
                (uuid.uuid4(), ids[d.key], d.version, orjson.dumps(d.data).decode(), alias(d.type), d.at, dotnet,
                 orjson.dumps({"user": d.actor, "source": "web"}).decode()))
        else:
            conn.exec_driver_sql(
                f"INSERT INTO {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, "
                "mt_dotnet_type, correlation_id, causation_id, headers, user_name) "
                f"VALUES (nextval('{schema}.mt_events_sequence'), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (uuid.uuid4(), ids[d.key], d.version, orjson.dumps(d.data).decode(), alias(d.type), d.at, dotnet,
                 f"req-{index // 3}", f"cmd-{index}", orjson.dumps({"client": "web"}).decode(), d.actor))


def _built_on(db, **kwargs) -> Built:
    store = open_store(db.url)

    def cleanup() -> None:
        store.close()
        db.drop()

    return Built(store=store, layout="marten", type_name=marten_type, categories=AGGREGATES, cleanup=cleanup,
                 **kwargs)


class TestMartenLayoutOnPostgres(EventStoreContract, SqlContract):
    """Marten 8: uuid stream ids, correlation/causation/headers/user_name columns, a snapshot in mt_streams."""

    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("postgres_url"), "marten")
        ids = {key: str(uuid.uuid5(uuid.NAMESPACE_URL, f"marten/{key}")) for key in STREAM_KEYS}
        broken = str(uuid.uuid5(uuid.NAMESPACE_URL, "marten/broken"))
        with db.writer.begin() as conn:
            _ddl(conn, MARTEN_V8_DDL.format(schema="public", id_type="uuid"))
            write_marten(conn, "public", ids, v9=False)
            conn.exec_driver_sql(
                "UPDATE mt_streams SET snapshot = %s, snapshot_version = 3 WHERE id = %s",
                (orjson.dumps({"id": ids["wallet-a"], "owner": "alice", "credits": balance("wallet-a", 3)}).decode(),
                 ids["wallet-a"]))
            conn.exec_driver_sql("INSERT INTO mt_streams (id, type, version) VALUES (%s, 'Refund', 1)", (broken,))
            # jsonb 'null' satisfies NOT NULL but holds no event
            conn.exec_driver_sql(
                "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp) "
                "VALUES (nextval('mt_events_sequence'), %s, %s, 1, 'null'::jsonb, 'credits_granted', %s)",
                (uuid.uuid4(), broken, EARLY))
        return _built_on(
            db, streams=ids, bad=[BadRow(broken, 1, "credits_granted", "payload is NULL")],
            extra_times=[EARLY], snapshots={ids["wallet-a"]: [(3, {"credits": balance("wallet-a", 3)})]},
        )

    def test_metadata_columns_reach_the_event(self, built, store):
        (first,) = list(store.read_stream(built.streams["wallet-a"], limit=1))
        assert first.metadata["user_name"] == "alice@example.com"
        assert first.metadata["correlation_id"] == "req-0" and first.metadata["causation_id"] == "cmd-0"
        assert first.metadata["tenant_id"] == "*DEFAULT*"
        assert first.metadata["dotnet_type"] == "Marketplace.Wallets.Opened, Marketplace"
        assert uuid.UUID(first.metadata["event_id"])

    def test_positions_keep_the_sequence_gaps(self, store):
        positions = [e.position for e in store.read_all(limit=100)]
        assert positions != list(range(positions[0], positions[0] + len(positions)))

    def test_a_text_that_is_not_a_uuid_is_no_stream(self, store):
        assert list(store.read_stream("wallet-a")) == []
        assert store.snapshots("wallet-a") == []

    def test_info_has_no_index_warning_when_marten_made_its_indexes(self, store):
        assert not [note for note in store.describe().notes if "index" in note]


class TestMartenStringIdsInOwnSchemaOnPostgres(EventStoreContract, SqlContract):
    """Marten 9 in schema ``marketplace``: string stream ids, actor in headers, binary events in bdata."""

    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("postgres_url"), "marten9")
        ids = {key: f"{key}@marketplace" for key in STREAM_KEYS}
        with db.writer.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA marketplace")
            _ddl(conn, MARTEN_V9_DDL.format(schema="marketplace", id_type="varchar"))
            write_marten(conn, "marketplace", ids, v9=True)
            conn.exec_driver_sql("INSERT INTO marketplace.mt_streams (id, type, version) VALUES ('receipt-9', 'Receipt', 2)")
            insert = ("INSERT INTO marketplace.mt_events (seq_id, id, stream_id, version, data, bdata, type, timestamp) "
                      "VALUES (nextval('marketplace.mt_events_sequence'), %s, 'receipt-9', %s, '{}', %s, %s, %s)")
            # a protobuf body Marten stores as bytes, and a binary event that is UTF-8 JSON after all
            conn.exec_driver_sql(insert, (uuid.uuid4(), 1, b"\x08\x96\x01\x12\x07receipt\xff\x00", "receipt_printed",
                                          EARLY))
            conn.exec_driver_sql(insert, (uuid.uuid4(), 2, b'{"copies": 2}', "receipt_printed", EARLY))
        return _built_on(
            db, streams=ids, bad=[BadRow("receipt-9", 1, "receipt_printed", "binary event (bdata")],
            decodable=[("receipt-9", 2, "receipt_printed")], extra_times=[EARLY],
        )

    def test_binary_event_keeps_its_bytes(self, store):
        (event,) = [e for e in store.read_stream("receipt-9") if e.version == 1]
        assert event.data is None and event.raw == b"\x08\x96\x01\x12\x07receipt\xff\x00"

    def test_headers_give_the_actor_in_sql_and_in_python(self, built, store):
        from inspector.stores import EventFilter

        events = store.read_all(limit=100, filters=EventFilter(actor="chen@example.com"))
        assert [(e.stream, e.type) for e in events] == [(built.streams["job-x"], "completed")]
        assert events[0].metadata["headers"] == {"user": "chen@example.com", "source": "web"}

    def test_info_mentions_binary_events_and_no_missing_index(self, store):
        notes = store.describe().notes
        assert any("bdata" in note for note in notes)
        assert not [note for note in notes if "index" in note]


class TestMartenConjoinedTenantOnPostgres(EventStoreContract, SqlContract):
    """Marten 8 under conjoined tenancy, every stream in tenant ``marketplace``: the whole contract
    through tenant-qualified names (``marketplace/<uuid>``) and the (tenant_id, stream_id, version) index."""

    def build(self, request, tmp_path) -> Built:
        from .test_marten_variants import CONJOINED_V8_DDL

        db = scratch_database(request.getfixturevalue("postgres_url"), "martenconj")
        ids = {key: str(uuid.uuid5(uuid.NAMESPACE_URL, f"marten/conjoined/{key}")) for key in STREAM_KEYS}
        broken = str(uuid.uuid5(uuid.NAMESPACE_URL, "marten/conjoined/broken"))
        with db.writer.begin() as conn:
            _ddl(conn, CONJOINED_V8_DDL.format(
                id_type="uuid", snapshot="snapshot jsonb, snapshot_version integer,", bdata="",
                metadata="correlation_id varchar, causation_id varchar, headers jsonb, user_name varchar,"))
            # the tenant Marten's session writes for ``store.LightweightSession("marketplace")``
            for table in ("mt_streams", "mt_events"):
                conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN tenant_id SET DEFAULT 'marketplace'")
            write_marten(conn, "public", ids, v9=False)
            conn.exec_driver_sql(
                "UPDATE mt_streams SET snapshot = %s, snapshot_version = 3 WHERE id = %s",
                (orjson.dumps({"id": ids["wallet-a"], "owner": "alice", "credits": balance("wallet-a", 3)}).decode(),
                 ids["wallet-a"]))
            conn.exec_driver_sql("INSERT INTO mt_streams (id, type, version) VALUES (%s, 'Refund', 1)", (broken,))
            conn.exec_driver_sql(
                "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp) "
                "VALUES (nextval('mt_events_sequence'), %s, %s, 1, 'null'::jsonb, 'credits_granted', %s)",
                (uuid.uuid4(), broken, EARLY))
        shown = {key: f"marketplace/{value}" for key, value in ids.items()}
        return _built_on(
            db, streams=shown, bad=[BadRow(f"marketplace/{broken}", 1, "credits_granted", "payload is NULL")],
            extra_times=[EARLY], snapshots={shown["wallet-a"]: [(3, {"credits": balance("wallet-a", 3)})]},
        )

    def test_every_event_carries_its_tenant(self, store):
        assert {e.metadata["tenant_id"] for e in store.read_all(limit=100)} == {"marketplace"}

    def test_the_plain_stream_id_is_no_stream_of_a_tenanted_store(self, built, store):
        plain = built.streams["wallet-a"].split("/", 1)[1]
        assert list(store.read_stream(plain)) == [] and store.snapshots(plain) == []


def test_marten_tables_without_the_stream_index_are_reported(postgres_url):
    db = scratch_database(postgres_url, "martenix")
    try:
        with db.writer.begin() as conn:
            _ddl(conn, MARTEN_V8_DDL.format(schema="public", id_type="uuid")
                 .replace("CREATE UNIQUE INDEX pk_mt_events_stream_and_version ON public.mt_events (stream_id, version);",
                          ""))
        store = open_store(db.url)
        try:
            assert store.layout_name == "marten"
            assert any("pk_mt_events_stream_and_version" in note for note in store.describe().notes)
        finally:
            store.close()
    finally:
        db.drop()


def test_mt_events_without_mt_streams_is_not_taken_for_marten(postgres_url):
    db = scratch_database(postgres_url, "martenno")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE mt_events (seq_id bigint PRIMARY KEY, stream_id uuid, version bigint, "
                                 "data jsonb, type varchar, timestamp timestamptz)")
        from inspector.stores import StoreError

        with pytest.raises(StoreError, match="no known event store layout"):
            open_store(db.url)
    finally:
        db.drop()
