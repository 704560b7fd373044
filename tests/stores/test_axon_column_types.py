"""Axon stores whose columns a team retyped: every column is read by the type the schema declares.

Each store is Axon's own DDL (the JPA entity's snake_case table as Hibernate creates it, or the
JDBC ``EventSchema``'s camelCase table) with only ``time_stamp`` retyped (SQL timestamps, epoch
numbers) or the payload retyped (text, ``jsonb``, ``JSON``), on PostgreSQL and MariaDB. The
data is the issue's: aggregate ``order-9`` at 2024-01-09 13:25:50.872 (seq 0) and 13:26:10.001
(seq 1), plus an XStream XML event (``refund-3``) and one whose XML was cut short (``refund-4``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

import pytest

from inspector.cli import main
from inspector.stores import EventFilter, open_store

from . import test_axon as axon_tables
from .servers import scratch_database

UTC = timezone.utc
PLACED_AT = datetime(2024, 1, 9, 13, 25, 50, 872000, tzinfo=UTC)
PAID_AT = datetime(2024, 1, 9, 13, 26, 10, 1000, tzinfo=UTC)
REFUND_AT = datetime(2024, 1, 9, 13, 20, 0, tzinfo=UTC)
CUT_AT = datetime(2024, 1, 9, 13, 21, 0, tzinfo=UTC)
BETWEEN = "2024-01-09T13:26:00Z"
PLACED = {"orderId": "order-9", "status": "placed", "total": "12.50"}
CUT_XML = b"<com.acme.order.RefundIssued><refundId>r-4</refundId><amo"


def at(hour: int, minute: int, second: int, micro: int = 0) -> datetime:
    return datetime(2024, 1, 9, hour, minute, second, micro, tzinfo=UTC)


@dataclass(frozen=True)
class Variant:
    """One retyped Axon table: engine, naming, the SQL types of time_stamp and payload/meta_data."""

    id: str
    server: str  # fixture name: postgres_url | mysql_url
    naming: str  # "jpa" (snake_case) | "jdbc" (camelCase)
    time_type: str
    blob_type: str
    time_value: Callable[[datetime], Any]
    #: (fragment of the type info reports, fragment of how it is read) for time_stamp and payload
    time_info: tuple[str, str]
    payload_info: tuple[str, str]
    index_time: bool = False  # a team's index on time_stamp: histograms count ranges of it

    @property
    def holds_xml(self) -> bool:
        return "json" not in self.blob_type.lower()


def naive(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None)


def millis(instant: datetime) -> int:
    return round(instant.timestamp() * 1000)


def seconds_text(instant: datetime) -> str:
    return f"{instant.timestamp():.3f}"


VARIANTS = [
    Variant("postgres-jpa-timestamp-oid", "postgres_url", "jpa", "timestamp", "oid", naive,
            ("TIMESTAMP WITHOUT TIME ZONE", "timestamp read as UTC"), ("OID", "lo_get")),
    Variant("postgres-jpa-timestamptz-bytea", "postgres_url", "jpa", "timestamptz", "bytea", lambda i: i,
            ("TIMESTAMP WITH TIME ZONE", "timestamp with time zone"), ("BYTEA", "serializer bytes"),
            index_time=True),
    Variant("postgres-jdbc-timestamp3-bytea", "postgres_url", "jdbc", "timestamp(3)", "bytea", naive,
            ("TIMESTAMP(3) WITHOUT TIME ZONE", "timestamp read as UTC"), ("BYTEA", "serializer bytes"),
            index_time=True),
    Variant("postgres-jdbc-bigint-millis", "postgres_url", "jdbc", "BIGINT", "bytea", millis,
            ("BIGINT", "epoch milliseconds (by magnitude"), ("BYTEA", "serializer bytes"), index_time=True),
    Variant("postgres-jdbc-numeric-seconds", "postgres_url", "jdbc", "NUMERIC(16,3)", "bytea", seconds_text,
            ("NUMERIC(16, 3)", "epoch seconds (by magnitude"), ("BYTEA", "serializer bytes")),
    Variant("postgres-jpa-text-time-jsonb-payload", "postgres_url", "jpa", "varchar(255)", "jsonb",
            lambda i: axon_tables.axon_time(i), ("VARCHAR(255)", "ISO-8601 text"), ("JSONB", "JSON")),
    Variant("postgres-jpa-timestamptz-text-payload", "postgres_url", "jpa", "timestamptz", "text", lambda i: i,
            ("TIMESTAMP WITH TIME ZONE", "timestamp with time zone"), ("TEXT", "serializer text")),
    Variant("mariadb-jpa-datetime3-longblob", "mysql_url", "jpa", "DATETIME(3)", "longblob", naive,
            ("DATETIME", "timestamp read as UTC"), ("LONGBLOB", "serializer bytes")),
    Variant("mariadb-jdbc-timestamp3-blob", "mysql_url", "jdbc", "TIMESTAMP(3)", "blob", naive,
            ("TIMESTAMP", "timestamp read as UTC"), ("BLOB", "serializer bytes"), index_time=True),
    Variant("mariadb-jpa-bigint-millis", "mysql_url", "jpa", "BIGINT", "longblob", millis,
            ("BIGINT", "epoch milliseconds (by magnitude"), ("LONGBLOB", "serializer bytes"), index_time=True),
    Variant("mariadb-jdbc-datetime3-longtext", "mysql_url", "jdbc", "DATETIME(3)", "LONGTEXT", naive,
            ("DATETIME", "timestamp read as UTC"), ("LONGTEXT", "serializer text"), index_time=True),
    Variant("mariadb-jpa-datetime6-json", "mysql_url", "jpa", "DATETIME(6)", "JSON", naive,
            ("DATETIME", "timestamp read as UTC"), ("TEXT", "JSON")),
]


def jpa_ddl(variant: Variant) -> str:
    """Hibernate's domain_event_entry/snapshot_event_entry, retyped (the sequence is left out)."""
    ddl = axon_tables.JPA_PG_DDL.split(";", 1)[1]
    return (ddl.replace("meta_data oid", f"meta_data {variant.blob_type}")
            .replace("payload oid", f"payload {variant.blob_type}")
            .replace("time_stamp varchar(255)", f"time_stamp {variant.time_type}"))


def jdbc_ddl(variant: Variant, dialect: str) -> str:
    serial = "BIGSERIAL" if dialect == "postgresql" else "BIGINT AUTO_INCREMENT"
    return (axon_tables.JDBC_DDL.format(serial=serial, blob=variant.blob_type)
            .replace("timeStamp VARCHAR(255)", f"timeStamp {variant.time_type}"))


def serialized(variant: Variant, value: bytes) -> tuple[str, Any]:
    """The SQL placeholder and parameter that store ``value`` in a payload column of this type."""
    kind = variant.blob_type.lower()
    if kind == "oid":
        return "lo_from_bytea(0, %s)", value
    if kind == "jsonb":
        return "CAST(%s AS jsonb)", value.decode()
    if kind in ("text", "longtext", "json"):
        return "%s", value.decode()
    return "%s", value


def event_rows(variant: Variant) -> list[tuple[str, int, str, str, bytes, bytes, datetime]]:
    """(aggregate, seq, aggregate type, payload type, payload, metadata, time) in write order."""
    rows = []
    if variant.holds_xml:
        rows.append(("refund-3", 0, "Refund", "com.acme.order.RefundIssued", axon_tables.XSTREAM_PAYLOAD,
                     axon_tables.XSTREAM_META, REFUND_AT))
        rows.append(("refund-4", 0, "Refund", "com.acme.order.RefundIssued", CUT_XML, b"{}", CUT_AT))
    rows.append(("order-9", 0, "Order", "com.acme.order.OrderPlaced", json.dumps(PLACED).encode(),
                 b'{"traceId": "t-1", "userId": "ana"}', PLACED_AT))
    rows.append(("order-9", 1, "Order", "com.acme.order.OrderPaid", b'{"status": "paid"}',
                 b'{"traceId": "t-1", "userId": "ana"}', PAID_AT))
    return rows


def build(variant: Variant, server_url: str):
    db = scratch_database(server_url, "axontypes")
    dialect = db.writer.dialect.name
    jpa = variant.naming == "jpa"
    names = (("domain_event_entry", "snapshot_event_entry", "global_index", "aggregate_identifier",
              "sequence_number", "type", "event_identifier", "meta_data", "payload", "payload_type", "time_stamp")
             if jpa else
             ("DomainEventEntry", "SnapshotEventEntry", "globalIndex", "aggregateIdentifier", "sequenceNumber",
              "type", "eventIdentifier", "metaData", "payload", "payloadType", "timeStamp"))
    events, snapshots, index, aggregate, seq, kind, event_id, meta, payload, ptype, stamp = names
    with db.writer.begin() as conn:
        if dialect != "postgresql":
            conn.exec_driver_sql("SET time_zone = '+00:00'")  # TIMESTAMP columns store UTC from this session
        axon_tables._ddl(conn, jpa_ddl(variant) if jpa else jdbc_ddl(variant, dialect))
        if variant.index_time:
            conn.exec_driver_sql(f"CREATE INDEX ix_time ON {events} ({stamp})")
        for number, (agg, sequence, agg_type, payload_type, body, metadata, instant) in enumerate(
                event_rows(variant)):
            body_sql, body_value = serialized(variant, body)
            meta_sql, meta_value = serialized(variant, metadata)
            columns = [aggregate, seq, kind, event_id, meta, payload, ptype, stamp]
            values = [agg, sequence, agg_type, str(uuid.uuid4()), meta_value, body_value, payload_type,
                      variant.time_value(instant)]
            marks = ["%s", "%s", "%s", "%s", meta_sql, body_sql, "%s", "%s"]
            if jpa:  # Hibernate's pooled sequence: ids with gaps
                columns.insert(0, index)
                values.insert(0, 1 + 50 * number)
                marks.insert(0, "%s")
            conn.exec_driver_sql(f"INSERT INTO {events} ({', '.join(columns)}) VALUES ({', '.join(marks)})",
                                 tuple(values))
        state_sql, state_value = serialized(variant, json.dumps(PLACED).encode())
        meta_sql, meta_value = serialized(variant, b"{}")
        conn.exec_driver_sql(
            f"INSERT INTO {snapshots} ({aggregate}, {seq}, {kind}, {event_id}, {meta}, {payload}, {ptype}, {stamp}) "
            f"VALUES (%s, %s, %s, %s, {meta_sql}, {state_sql}, %s, %s)",
            ("order-9", 0, "Order", str(uuid.uuid4()), meta_value, state_value, "com.acme.order.Order",
             variant.time_value(PLACED_AT)))
    return db


@pytest.fixture(scope="module", params=VARIANTS, ids=[v.id for v in VARIANTS])
def axon_store(request):
    """(variant, URL of the inspected database, its store)."""
    variant: Variant = request.param
    db = build(variant, request.getfixturevalue(variant.server))
    store = open_store(db.url)
    try:
        yield variant, db.url, store
    finally:
        store.close()
        db.drop()


def cli(capsys, *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code in (0, 1, 3), err
    return code, json.loads(out) if out.strip() else None


def instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- the issue, through the CLI ----------------------------------------------------------
def test_last_activity_of_the_aggregate_is_its_second_events_time(axon_store, capsys):
    _, url, _ = axon_store
    code, listed = cli(capsys, "streams", url, "--json")
    assert code == 0
    (order,) = [row for row in listed if row["stream"] == "order-9"]
    assert (order["count"], order["first_version"], order["last_version"]) == (2, 0, 1)
    assert instant(order["first_at"]) == PLACED_AT
    assert instant(order["last_at"]) == PAID_AT
    assert order["last_at"].startswith("2024-01-09T13:26:10.001")


def test_events_since_an_instant_between_the_two_return_the_second(axon_store, capsys):
    _, url, _ = axon_store
    code, events = cli(capsys, "events", url, "--since", BETWEEN, "--json")
    assert code == 0
    assert [(e["stream"], e["version"], e["type"]) for e in events] == [("order-9", 1, "com.acme.order.OrderPaid")]
    assert instant(events[0]["recorded_at"]) == PAID_AT
    assert events[0]["data"] == {"status": "paid"} and events[0]["problem"] is None


def test_replay_at_an_instant_before_the_second_event_answers_v0(axon_store, capsys):
    _, url, _ = axon_store
    code, result = cli(capsys, "replay", url, "--stream", "order-9", "--at", BETWEEN, "--no-cache", "--json")
    assert code == 0
    assert result["version"] == 0
    assert instant(result["recorded_at"]) == PLACED_AT
    assert result["state"]["status"] == "placed"


def test_info_lists_each_column_with_the_type_found_and_how_it_is_read(axon_store, capsys):
    variant, url, _ = axon_store
    code, info = cli(capsys, "info", url, "--json")
    assert code == 0
    columns = {row["role"]: row for row in info["columns"] if row["role"] in ("recorded_at", "data", "version")}
    time_type, time_reading = variant.time_info
    assert columns["recorded_at"]["column"].lower().endswith(("time_stamp", "timestamp"))
    assert time_type in columns["recorded_at"]["type"].upper()
    assert time_reading in columns["recorded_at"]["reading"]
    payload_type, payload_reading = variant.payload_info
    assert payload_type in columns["data"]["type"].upper()
    assert payload_reading in columns["data"]["reading"]
    assert "0-based" in columns["version"]["reading"]
    stream = next(row for row in info["columns"] if row["role"] == "stream")
    if variant.server == "mysql_url":
        assert "byte-exact" in stream["reading"]


def test_a_stream_differing_only_in_case_is_another_stream(axon_store, capsys):
    variant, url, store = axon_store
    code = main(["events", url, "--stream", "ORDER-9", "--json"])
    out, err = capsys.readouterr()
    # another stream with no events: said, with the one in the other case offered, never merged
    assert code == 1 and out == "" and "no events in stream 'ORDER-9'; did you mean 'order-9'?" in err
    assert list(store.read_stream("order-9 ")) == []
    assert store.snapshots("ORDER-9") == []
    assert store.read_all(filters=EventFilter(types=("com.acme.order.orderpaid",))) == []
    assert [s.stream for s in store.streams(category="order")] == []
    assert [s.stream for s in store.streams(category="Order")] == ["order-9"]
    (snapshot,) = store.snapshots("order-9")
    assert (snapshot.version, snapshot.state, snapshot.recorded_at, snapshot.problem) == (0, PLACED, PLACED_AT, None)


def test_check_reports_cut_xml_but_not_xstream_xml(axon_store, capsys):
    variant, url, store = axon_store
    if not variant.holds_xml:
        assert [e.problem for e in store.read_all(limit=10)] == [None, None]
        return
    (xml,) = store.read_stream("refund-3")
    assert (xml.problem, xml.data, xml.raw) == (None, None, axon_tables.XSTREAM_PAYLOAD.decode())
    assert xml.metadata["raw_metadata"] == axon_tables.XSTREAM_META.decode()
    assert xml.recorded_at == REFUND_AT
    (cut,) = store.read_stream("refund-4")
    assert cut.data is None and cut.raw == CUT_XML.decode() and "not well-formed" in cut.problem
    code, report = cli(capsys, "check", url, "--json")
    assert [(f["kind"], f["stream"], f["version"]) for f in report["findings"]] == [
        ("undecodable_payload", "refund-4", 0)]


# --- the store API for native and numeric times -----------------------------------------
@pytest.mark.parametrize("by_index", [True, False], ids=["ranges of the time column", "epoch seconds"])
def test_histogram_counts_each_event_in_its_bucket(axon_store, by_index, monkeypatch):
    variant, _, store = axon_store
    monkeypatch.setattr(store, "histogram_by_index", by_index)
    assert store.histogram(at(13, 25, 0), at(13, 27, 0), 4).counts == [0, 1, 1, 0]
    assert store.histogram(PAID_AT, at(13, 26, 10, 2000), 1).counts == [1]
    filtered = store.histogram(at(13, 0, 0), at(14, 0, 0), 2, EventFilter(types=("com.acme.order.OrderPaid",)))
    assert filtered.counts == [1, 0]
    if by_index and variant.index_time:
        assert store.stored_time() is not None  # the buckets were ranges of the team's index


@pytest.mark.parametrize("by_index", [True, False], ids=["ranges of the time column", "epoch seconds"])
def test_a_bucket_ending_exactly_at_an_event_leaves_it_out(axon_store, by_index, monkeypatch):
    variant, _, store = axon_store
    monkeypatch.setattr(store, "histogram_by_index", by_index)
    assert store.histogram(at(13, 26, 10), PAID_AT, 1).counts == [0]
    assert store.histogram(at(13, 25, 40, 1000), PAID_AT, 1).counts == [1]  # v0 only
    assert store.histogram(PLACED_AT, PAID_AT, 1).counts == [1]


def test_time_range_and_version_at_read_the_native_times(axon_store):
    variant, _, store = axon_store
    first = REFUND_AT if variant.holds_xml else PLACED_AT
    assert store.time_range() == (first, PAID_AT)
    assert store.version_at("order-9", at(13, 26, 0)) == 0
    assert store.version_at("order-9", PAID_AT) == 1
    assert store.version_at("order-9", at(13, 25, 50, 871000)) is None
    since = store.read_all(filters=EventFilter(since=PAID_AT))
    assert [(e.stream, e.version) for e in since] == [("order-9", 1)]
    until = store.read_all(filters=EventFilter(until=PLACED_AT, streams=("order-9",)))
    assert [(e.stream, e.version, e.recorded_at) for e in until] == [("order-9", 0, PLACED_AT)]


def test_epoch_numbers_tell_their_unit_by_magnitude():
    from inspector.stores.layouts.axon import epoch_unit_of, instant_of_epoch

    assert epoch_unit_of(1704806770) == (1, "seconds")
    assert epoch_unit_of(1704806770001) == (1000, "milliseconds")
    assert epoch_unit_of(1704806770001000) == (10**6, "microseconds")
    assert epoch_unit_of(1704806770001000000) == (10**9, "nanoseconds")
    assert instant_of_epoch(1704806770001, 1000) == PAID_AT
    assert instant_of_epoch("1704806770.001", 1) == PAID_AT
    assert instant_of_epoch(10**30, 1000) is None


def test_an_empty_epoch_column_is_read_as_milliseconds_and_info_says_so(mysql_url):
    variant = next(v for v in VARIANTS if v.id == "mariadb-jpa-bigint-millis")
    db = scratch_database(mysql_url, "axonempty")
    try:
        with db.writer.begin() as conn:
            axon_tables._ddl(conn, jpa_ddl(variant))
        store = open_store(db.url)
        try:
            (reading,) = [c for c in store.describe().columns if c.role == "recorded_at"]
            assert reading.reading == "epoch milliseconds (assumed: no rows to tell by magnitude)"
            assert store.time_range() == (None, None)
        finally:
            store.close()
    finally:
        db.drop()


def test_text_search_looks_into_every_payload_type(axon_store, capsys):
    variant, url, store = axon_store
    found = store.read_all(filters=EventFilter(text="paid"))
    assert [(e.stream, e.version) for e in found] == [("order-9", 1)]
    code, events = cli(capsys, "events", url, "--grep", "12.50", "--json")
    assert [(e["stream"], e["version"], e["data"]) for e in events] == [("order-9", 0, PLACED)]
    if variant.holds_xml:
        assert [e.stream for e in store.read_all(filters=EventFilter(text="r-1"))] == ["refund-3"]


def test_a_postgres_timestamp_no_datetime_can_hold_is_one_event_without_time(postgres_url, capsys):
    """'infinity', BC dates and years past 9999 fit a PostgreSQL timestamp but not a datetime."""
    variant = next(v for v in VARIANTS if v.id == "postgres-jpa-timestamp-oid")
    db = build(variant, postgres_url)
    try:
        with db.writer.begin() as conn:
            for number, value in enumerate(("infinity", "0044-03-15 12:00 BC", "20000-01-01 00:00")):
                conn.exec_driver_sql(
                    "INSERT INTO domain_event_entry (global_index, aggregate_identifier, sequence_number, type, "
                    "event_identifier, payload, payload_type, time_stamp) "
                    "VALUES (%s, 'order-9', %s, 'Order', %s, lo_from_bytea(0, '{}'), 'com.acme.order.OrderNoted', "
                    "CAST(%s AS timestamp))", (1000 + number, 2 + number, str(uuid.uuid4()), value))
        store = open_store(db.url)
        try:
            events = list(store.read_stream("order-9"))
            assert [(e.version, e.recorded_at) for e in events] == [
                (0, PLACED_AT), (1, PAID_AT), (2, None), (3, None), (4, None)]
            assert "'infinity' is not an instant a datetime can hold" in events[2].problem
            assert store.time_range() == (REFUND_AT, PAID_AT)
            (order,) = [s for s in store.streams() if s.stream == "order-9"]
            assert (order.count, order.last_at) == (5, PAID_AT)
            assert store.version_at("order-9", at(13, 26, 0)) == 0
            assert store.histogram(at(13, 25, 0), at(13, 27, 0), 2).counts == [1, 1]
        finally:
            store.close()
        code, result = cli(capsys, "replay", db.url, "--stream", "order-9", "--at", BETWEEN, "--no-cache", "--json")
        assert (code, result["version"]) == (0, 0)
    finally:
        db.drop()
