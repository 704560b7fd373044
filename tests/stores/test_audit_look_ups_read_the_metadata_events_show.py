"""The audit look-ups (--correlation, --causes-of) and a text search (events --grep) read the
same fields an event shows in its metadata, on every layout that keeps metadata in columns of
its own: Marten's correlation_id, causation_id, headers and event id (mt_events.id), Axon's
eventIdentifier (the id a causation names), EventSauce's event_id column, a generic mapping's
actor column. Stores are written with each library's published DDL."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest
import sqlalchemy as sa

from inspector.cli import main

from .servers import scratch_database, writable_target
from .test_axon import JDBC_DDL, axon_time
from .test_eventsauce import EVENTSAUCE_MYSQL_DDL, EVENTSAUCE_PG_DDL, TABLE
from .test_marten import _ddl

# --- Marten: conjoined tenancy with the metadata columns opted in (Marten 8's DDL) -------------------
MARTEN_DDL = """
CREATE SEQUENCE mt_events_sequence;
CREATE TABLE mt_streams (
  tenant_id varchar NOT NULL DEFAULT '*DEFAULT*', id varchar NOT NULL, type varchar NULL, version bigint NULL,
  timestamp timestamptz NOT NULL DEFAULT (now()), snapshot jsonb NULL, snapshot_version integer NULL,
  created timestamptz NOT NULL DEFAULT (now()), is_archived bool NULL DEFAULT FALSE,
  CONSTRAINT pkey_mt_streams_tenant_id_id PRIMARY KEY (tenant_id, id));
CREATE TABLE mt_events (
  seq_id bigint NOT NULL, id uuid NOT NULL, stream_id varchar NULL, version bigint NOT NULL, data jsonb NOT NULL,
  type varchar(500) NOT NULL, timestamp timestamp with time zone NOT NULL DEFAULT '(now())',
  tenant_id varchar NULL DEFAULT '*DEFAULT*', mt_dotnet_type varchar NULL, correlation_id varchar NULL,
  causation_id varchar NULL, headers jsonb NULL, user_name varchar NULL, is_archived bool NULL DEFAULT FALSE,
  CONSTRAINT pkey_mt_events_seq_id PRIMARY KEY (seq_id));
ALTER TABLE mt_events ADD CONSTRAINT fkey_mt_events_stream_id_tenant_id FOREIGN KEY (stream_id, tenant_id)
  REFERENCES mt_streams (id, tenant_id) ON DELETE CASCADE;
CREATE UNIQUE INDEX pk_mt_events_stream_and_version ON mt_events USING btree (stream_id, version, tenant_id);
CREATE UNIQUE INDEX mt_events_default_unique_event_id ON mt_events USING btree (id)
"""
CAUSE = "5c2b1d7e-0000-4000-8000-000000000003"


@pytest.fixture(scope="module")
def marten(postgres_url: str) -> Iterator[str]:
    db = scratch_database(postgres_url, "martenaudit")
    with db.writer.begin() as conn:
        _ddl(conn, MARTEN_DDL)
        conn.exec_driver_sql("INSERT INTO mt_streams (tenant_id, id, type, version) VALUES "
                             "('acme', 'order-1', 'Shop.Order', 3), ('globex', 'order-1', 'Shop.Order', 2)")
        rows = [
            (1, str(uuid.uuid4()), "acme", 1, '{"Total": 10.50}', "order_placed", "corr-A", None, "ann", None),
            (2, str(uuid.uuid4()), "globex", 1, '{"Total": 99}', "order_placed", "corr-B", None, "gus", None),
            (3, CAUSE, "acme", 2, '{"Total": 20.50}', "item_added", "corr-A", None, "ann", None),
            (4, str(uuid.uuid4()), "acme", 3, '{"Status": "Paid"}', "order_paid", "corr-A", CAUSE, "ann",
             '{"ip": "1.2.3.4"}'),
            (5, str(uuid.uuid4()), "globex", 2, '{"Status": "Cancelled"}', "order_cancelled", "corr-B", None, "gus",
             None),
        ]
        for seq, event_id, tenant, version, data, kind, correlation, causation, user, headers in rows:
            conn.exec_driver_sql(
                "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, "
                "mt_dotnet_type, correlation_id, causation_id, user_name, headers) VALUES "
                "(%s, %s, 'order-1', %s, %s, %s, '2026-01-01 10:00:00+00', %s, 'Shop.Event, Shop', %s, %s, %s, %s)",
                (seq, event_id, version, data, kind, tenant, correlation, causation, user, headers))
    yield db.url
    db.drop()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_marten_events_sharing_a_correlation_id_are_found(marten: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "audit", marten, "--correlation", "corr-A", "--json")
    assert code == 0, out
    assert [event["position"] for event in json.loads(out)["events"]] == [1, 3, 4]


def test_marten_causes_of_follow_the_causation_id_to_the_event_with_that_id(
        marten: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "audit", marten, "--causes-of", "acme/order-1@3", "--json")
    assert code == 0, out
    found = json.loads(out)
    assert [event["position"] for event in found["chain"]] == [3, 4]
    assert found["chain_end"] == "the first event has no causation id"
    assert [event["position"] for event in found["correlated"]] == [1, 3, 4]


@pytest.mark.parametrize(("needle", "positions"), [("corr-b", [2, 5]), (CAUSE, [3, 4]), ("1.2.3.4", [4]),
                                                  ("gus", [2, 5])])
def test_marten_text_search_reads_the_metadata_columns(marten: str, capsys: pytest.CaptureFixture[str],
                                                       needle: str, positions: list[int]) -> None:
    code, out = run(capsys, "events", marten, "--grep", needle, "--json")
    assert code == 0, out
    assert [event["position"] for event in json.loads(out)] == positions


# --- Axon: a causation (metaData correlationId) names the cause's eventIdentifier -------------------
@pytest.fixture(params=["postgresql", "mysql"])
def axon(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    writer, url, clean = writable_target(request, request.param, tmp_path / "unused.db", "axonaudit")
    postgres = request.param == "postgresql"
    with writer.begin() as conn:
        _ddl(conn, JDBC_DDL.format(serial="BIGSERIAL" if postgres else "BIGINT AUTO_INCREMENT",
                                   blob="BYTEA" if postgres else "LONGBLOB"))
        table = "DomainEventEntry" if not postgres else "domainevententry"
        for sequence, (event_id, meta) in enumerate([("evt-first", {"traceId": "trace-1"}),
                                                     ("evt-second", {"traceId": "trace-1", "correlationId": "evt-first"})]):
            conn.execute(sa.text(
                f"INSERT INTO {table} (aggregateIdentifier, sequenceNumber, type, eventIdentifier, metaData, payload, "
                "payloadType, timeStamp) VALUES ('order-1', :s, 'Order', :e, :m, :p, 'com.acme.OrderEvent', :t)"),
                {"s": sequence, "e": event_id, "m": orjson.dumps(meta), "p": orjson.dumps({"n": sequence}),
                 "t": axon_time(datetime(2026, 1, 1, tzinfo=timezone.utc))})
    yield url
    clean()


def test_axon_causes_of_find_the_event_whose_identifier_the_causation_names(
        axon: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "audit", axon, "--causes-of", "order-1@1", "--json")
    assert code == 0, out
    found = json.loads(out)
    assert [event["metadata"]["event_id"] for event in found["chain"]] == ["evt-first", "evt-second"]
    code, out = run(capsys, "events", axon, "--grep", "evt-second", "--json")
    assert [event["version"] for event in json.loads(out)] == [1]  # its identifier is in no payload


# --- EventSauce: the event_id column (BINARY(16) on MariaDB, uuid on PostgreSQL) ---------------------
@pytest.fixture(params=["postgresql", "mysql"])
def eventsauce(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    writer, url, clean = writable_target(request, request.param, tmp_path / "unused.db", "sauceaudit")
    postgres = request.param == "postgresql"
    to_id: Any = uuid.UUID if postgres else (lambda text: uuid.UUID(text).bytes)
    root = str(uuid.uuid5(uuid.NAMESPACE_URL, "sauce/order"))
    first, second = (str(uuid.uuid5(uuid.NAMESPACE_URL, f"sauce/{n}")) for n in ("first", "second"))
    table = sa.table(TABLE, *(sa.column(n) for n in ("event_id", "aggregate_root_id", "version", "payload")))
    with writer.begin() as conn:
        _ddl(conn, EVENTSAUCE_PG_DDL if postgres else EVENTSAUCE_MYSQL_DDL)
        for version, event_id, extra in [(1, first, {}), (2, second, {"causation_id": first})]:
            # headers an application wrote itself, without the library's __event_id: the column holds the id
            headers = {"__event_type": "order.placed", "__aggregate_root_type": "order",
                       "__time_of_recording": "2026-01-01 10:00:00.000000+0000", **extra}
            conn.execute(table.insert().values(event_id=to_id(event_id), aggregate_root_id=to_id(root),
                                               version=version,
                                               payload=orjson.dumps({"headers": headers, "payload": {}}).decode()))
    yield url + "|" + root + "|" + first
    clean()


def test_eventsauce_causes_of_find_the_event_by_its_event_id_column(
        eventsauce: str, capsys: pytest.CaptureFixture[str]) -> None:
    url, root, first = eventsauce.split("|")
    code, out = run(capsys, "audit", url, "--causes-of", f"{root}@2", "--json")
    assert code == 0, out
    assert [event["metadata"]["event_id"] for event in json.loads(out)["chain"]][0] == first


# --- generic: an actor kept in a column of its own (actor = "column:NAME") ------------------------------
@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def generic_with_actor_column(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    writer, url, clean = writable_target(request, request.param, tmp_path / "audit.db", "genaudit")
    text = "TEXT" if request.param == "sqlite" else "VARCHAR(100)"
    with writer.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE audit_log (id INTEGER PRIMARY KEY, stream {text}, version INTEGER, "
                             f"type {text}, data {text}, who {text})")
        conn.exec_driver_sql("INSERT INTO audit_log VALUES (1, 'a-1', 1, 'T', '{}', 'zoe'), "
                             "(2, 'a-1', 2, 'T', '{}', 'max')")
    mapping = tmp_path / "audit.toml"
    mapping.write_text('table = "audit_log"\n[columns]\nposition = "id"\nstream = "stream"\nversion = "version"\n'
                       'type = "type"\ndata = "data"\n[codec]\nactor = "column:who"\n')
    yield url, mapping
    clean()


def test_a_text_search_reads_a_mapped_actor_column(generic_with_actor_column: tuple[str, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    url, mapping = generic_with_actor_column
    code, out = run(capsys, "events", url, "--mapping", str(mapping), "--grep", "zoe", "--json")
    assert code == 0, out
    assert [event["position"] for event in json.loads(out)] == [1]
