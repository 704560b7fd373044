"""Axon Framework 4: the store contract with the JPA (Hibernate, snake_case) and JDBC (camelCase) tables.

Payloads and metadata are Jackson JSON bytes, except the planted XStream XML rows (a format
shown raw, not damage); on PostgreSQL the JPA variant keeps them as ``oid`` large objects
(``lo_from_bytea``), one of them dangling. Sequence numbers are 0-based, so the shown versions
are the drafts' minus one.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import orjson
import sqlalchemy as sa

from inspector.stores import EventFilter, open_store

from .contract import DRAFTS, STREAM_KEYS, BadRow, Built, EventStoreContract, SqlContract, balance
from .servers import scratch_database

AGGREGATES = {"wallet": "Wallet", "job": "Job"}
EARLY = datetime(2024, 2, 1, 8, 0, tzinfo=timezone.utc)

JPA_PG_DDL = """
CREATE SEQUENCE domain_event_entry_seq START 1 INCREMENT 50;
CREATE TABLE domain_event_entry (
  global_index bigint NOT NULL PRIMARY KEY,
  aggregate_identifier varchar(255) NOT NULL,
  sequence_number bigint NOT NULL,
  type varchar(255),
  event_identifier varchar(255) NOT NULL UNIQUE,
  meta_data oid,
  payload oid NOT NULL,
  payload_revision varchar(255),
  payload_type varchar(255) NOT NULL,
  time_stamp varchar(255) NOT NULL,
  CONSTRAINT uk8s1f994p4la2ipb13me2xqm1w UNIQUE (aggregate_identifier, sequence_number));
CREATE TABLE snapshot_event_entry (
  aggregate_identifier varchar(255) NOT NULL,
  sequence_number bigint NOT NULL,
  type varchar(255) NOT NULL,
  event_identifier varchar(255) NOT NULL UNIQUE,
  meta_data oid,
  payload oid NOT NULL,
  payload_revision varchar(255),
  payload_type varchar(255) NOT NULL,
  time_stamp varchar(255) NOT NULL,
  PRIMARY KEY (aggregate_identifier, sequence_number, type))
"""

JDBC_DDL = """
CREATE TABLE IF NOT EXISTS DomainEventEntry (
  globalIndex {serial} NOT NULL,
  aggregateIdentifier VARCHAR(255) NOT NULL,
  sequenceNumber BIGINT NOT NULL,
  type VARCHAR(255),
  eventIdentifier VARCHAR(255) NOT NULL,
  metaData {blob},
  payload {blob} NOT NULL,
  payloadRevision VARCHAR(255),
  payloadType VARCHAR(255) NOT NULL,
  timeStamp VARCHAR(255) NOT NULL,
  PRIMARY KEY (globalIndex),
  UNIQUE (aggregateIdentifier, sequenceNumber),
  UNIQUE (eventIdentifier));
CREATE TABLE IF NOT EXISTS SnapshotEventEntry (
  aggregateIdentifier VARCHAR(255) NOT NULL, sequenceNumber BIGINT NOT NULL,
  type VARCHAR(255) NOT NULL, eventIdentifier VARCHAR(255) NOT NULL,
  metaData {blob}, payload {blob} NOT NULL, payloadRevision VARCHAR(255),
  payloadType VARCHAR(255) NOT NULL, timeStamp VARCHAR(255) NOT NULL,
  PRIMARY KEY (aggregateIdentifier, sequenceNumber), UNIQUE (eventIdentifier))
"""

XSTREAM_PAYLOAD = (b"<com.acme.marketplace.refund.RefundIssued><refundId>r-1</refundId>"
                   b"<amount>5</amount></com.acme.marketplace.refund.RefundIssued>")
XSTREAM_META = b"<meta-data><entry><string>traceId</string><string>t-9</string></entry></meta-data>"


def payload_type(draft) -> str:
    return f"com.acme.marketplace.{draft.category}.{draft.type}"


def axon_time(at: datetime) -> str:
    """DateTimeUtils.formatInstant: UTC, at least three fraction digits."""
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def rows(ids: dict[str, str], broken: str) -> tuple[list[tuple], list[BadRow]]:
    """(aggregate id, sequence, aggregate type, payload type, payload, metadata, time) rows in write order,
    and the bad rows among them (the XML row is not one: see ``shown_raw``)."""
    result = []
    for index, d in enumerate(DRAFTS):
        meta = {"traceId": f"trace-{index // 3}", "correlationId": f"msg-{index}", "userId": d.actor}
        result.append((ids[d.key], d.version - 1, AGGREGATES[d.category], payload_type(d),
                       orjson.dumps({"id": ids[d.key], **d.data}), orjson.dumps(meta), axon_time(d.at)))
    refund = "com.acme.marketplace.refund.RefundIssued"
    result.append((broken, 0, "Refund", refund, XSTREAM_PAYLOAD, XSTREAM_META, axon_time(EARLY)))
    result.append((broken, 1, "Refund", refund, b'{"refundId": "r-1", "amount": 5}', b"{}", "yesterday noon"))
    bad = [BadRow(broken, 1, refund, "is not an ISO-8601 instant")]
    return result, bad


def shown_raw(broken: str) -> list[tuple[str, int, str, str]]:
    return [(broken, 0, "com.acme.marketplace.refund.RefundIssued", XSTREAM_PAYLOAD.decode())]


def snapshot_row(ids: dict[str, str]) -> tuple:
    state = {"id": ids["wallet-a"], "owner": "alice", "credits": balance("wallet-a", 3)}
    return (ids["wallet-a"], 2, "Wallet", "com.acme.marketplace.wallet.Wallet", orjson.dumps(state), b"{}",
            axon_time(DRAFTS[8].at))


def _ids() -> tuple[dict[str, str], str]:
    ids = {key: str(uuid.uuid5(uuid.NAMESPACE_URL, f"axon/{key}")) for key in STREAM_KEYS}
    return ids, str(uuid.uuid5(uuid.NAMESPACE_URL, "axon/refund"))


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def _built_on(db, ids, bad, **kwargs) -> Built:
    store = open_store(db.url)

    def cleanup() -> None:
        store.close()
        db.drop()

    return Built(store=store, layout="axon", streams=ids, type_name=payload_type, categories=AGGREGATES, bad=bad,
                 shown_raw=shown_raw(bad[0].stream), version_offset=-1, extra_times=[EARLY], cleanup=cleanup,
                 snapshots={ids["wallet-a"]: [(2, {"credits": balance("wallet-a", 3)})]}, **kwargs)


class AxonChecks:
    def test_metadata_gives_actor_correlation_and_causation(self, built, store):
        (first,) = list(store.read_stream(built.streams["wallet-a"], limit=1))
        assert first.actor == "alice@example.com"
        assert first.metadata["correlation_id"] == "trace-0" and first.metadata["causation_id"] == "msg-0"
        assert first.metadata["aggregate_type"] == "Wallet"
        assert first.data["id"] == built.streams["wallet-a"]

    def test_xml_payload_is_shown_raw_as_text_without_a_problem(self, built, store):
        broken = built.bad[0].stream
        (event,) = [e for e in store.read_stream(broken) if e.version == 0]
        assert event.data is None and event.raw == XSTREAM_PAYLOAD.decode() and event.problem is None
        assert event.metadata["raw_metadata"] == XSTREAM_META.decode()

    def test_actor_filter_is_judged_after_decoding(self, built, store):
        events = store.read_all(limit=100, filters=EventFilter(actor="chen@example.com"))
        assert [(e.stream, e.version) for e in events] == [(built.streams["job-x"], 2)]


class TestAxonJpaWithLargeObjectsOnPostgres(EventStoreContract, SqlContract, AxonChecks):
    """Spring Boot + Hibernate: snake_case tables, payloads as oid large objects, ids from a pooled sequence."""

    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("postgres_url"), "axonjpa")
        ids, broken = _ids()
        written, bad = rows(ids, broken)
        with db.writer.begin() as conn:
            _ddl(conn, JPA_PG_DDL)
            for index, (aggregate, seq, kind, ptype, payload, meta, at) in enumerate(written):
                conn.exec_driver_sql(
                    "INSERT INTO domain_event_entry (global_index, aggregate_identifier, sequence_number, type, "
                    "event_identifier, meta_data, payload, payload_type, time_stamp) "
                    "VALUES (%s, %s, %s, %s, %s, lo_from_bytea(0, %s), lo_from_bytea(0, %s), %s, %s)",
                    (1 + index * 3, aggregate, seq, kind, str(uuid.uuid4()), meta, payload, ptype, at))
            # a payload whose large object was removed (vacuumlo, a failed restore)
            conn.exec_driver_sql(
                "INSERT INTO domain_event_entry (global_index, aggregate_identifier, sequence_number, type, "
                "event_identifier, payload, payload_type, time_stamp) "
                "VALUES (1000, %s, 2, 'Refund', %s, lo_from_bytea(0, '{}'), 'com.acme.marketplace.refund.RefundIssued', %s)",
                (broken, str(uuid.uuid4()), axon_time(EARLY)))
            conn.exec_driver_sql("SELECT lo_unlink(payload) FROM domain_event_entry WHERE global_index = 1000")
            aggregate, seq, kind, ptype, payload, meta, at = snapshot_row(ids)
            conn.exec_driver_sql(
                "INSERT INTO snapshot_event_entry (aggregate_identifier, sequence_number, type, event_identifier, "
                "meta_data, payload, payload_type, time_stamp) "
                "VALUES (%s, %s, %s, %s, lo_from_bytea(0, %s), lo_from_bytea(0, %s), %s, %s)",
                (aggregate, seq, kind, str(uuid.uuid4()), meta, payload, ptype, at))
        bad = bad + [BadRow(broken, 2, "com.acme.marketplace.refund.RefundIssued", "large object")]
        return _built_on(db, ids, bad)

    def test_info_says_payloads_are_large_objects(self, store):
        notes = store.describe().notes
        assert any("lo_get" in note for note in notes)
        assert not [note for note in notes if note.startswith("no index")]


class TestAxonJdbcCamelCaseOnMariadb(EventStoreContract, SqlContract, AxonChecks):
    """The JDBC engine's DomainEventEntry/SnapshotEventEntry with blob payloads."""

    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("mysql_url"), "axonjdbc")
        return _build_jdbc(db, JDBC_DDL.format(serial="BIGINT AUTO_INCREMENT", blob="blob"))


class TestAxonJdbcOnPostgres(EventStoreContract, SqlContract, AxonChecks):
    """The JDBC DDL unquoted on PostgreSQL: names folded to lower case, bytea payloads."""

    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("postgres_url"), "axonjdbc")
        return _build_jdbc(db, JDBC_DDL.format(serial="BIGSERIAL", blob="bytea"))


def _build_jdbc(db, ddl: str) -> Built:
    ids, broken = _ids()
    written, bad = rows(ids, broken)
    names = ("aggregateIdentifier", "sequenceNumber", "type", "payloadType", "payload", "metaData", "timeStamp")
    lower = db.writer.dialect.name == "postgresql"
    columns = [n.lower() if lower else n for n in names]
    events = sa.table("domainevententry" if lower else "DomainEventEntry",
                      *(sa.column(n) for n in (*columns, "eventidentifier" if lower else "eventIdentifier")))
    snapshots = sa.table("snapshotevententry" if lower else "SnapshotEventEntry",
                         *(sa.column(n) for n in (*columns, "eventidentifier" if lower else "eventIdentifier")))
    event_id = "eventidentifier" if lower else "eventIdentifier"
    with db.writer.begin() as conn:
        _ddl(conn, ddl)
        for row in written:
            conn.execute(events.insert().values({**dict(zip(columns, row)), event_id: str(uuid.uuid4())}))
        conn.execute(snapshots.insert().values({**dict(zip(columns, snapshot_row(ids))), event_id: str(uuid.uuid4())}))
    return _built_on(db, ids, bad)


def test_axon_store_without_snapshots_says_replays_start_from_the_first_event(mysql_url):
    db = scratch_database(mysql_url, "axonnosnap")
    try:
        with db.writer.begin() as conn:
            _ddl(conn, JDBC_DDL.format(serial="BIGINT AUTO_INCREMENT", blob="blob").split("CREATE TABLE IF NOT EXISTS Snap")[0])
            conn.exec_driver_sql(
                "INSERT INTO DomainEventEntry (aggregateIdentifier, sequenceNumber, type, eventIdentifier, payload, "
                "payloadType, timeStamp) VALUES ('w-1', 0, 'Wallet', 'e-1', %s, 'com.acme.Opened', %s)",
                (XSTREAM_PAYLOAD, axon_time(EARLY)))
        store = open_store(db.url)
        try:
            notes = store.describe().notes
            assert any("snapshot_event_entry" in note for note in notes)
            assert any("XML payload, shown raw" in note for note in notes)
            assert store.snapshots("w-1") == []
        finally:
            store.close()
    finally:
        db.drop()
