"""check with a projector says the same about a stream that starts late as check without one, on
the layouts whose versions count from 0 (Message DB positions, Axon sequence numbers): a stream
whose first stored event is at v2 is missing v0–v1, not v1. Stores are written with each
product's published DDL."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import orjson
import pytest
import sqlalchemy as sa

from inspector.cli import main

from .servers import scratch_database, writable_target
from .test_axon import JDBC_DDL, axon_time
from .test_marten import _ddl
from .test_server_contract import MESSAGE_DB_DDL

LATE = "the stream starts at v2 here: v0\u2013v1 are not in this store (a slice?); states fold from v2"


@pytest.fixture
def message_db(postgres_url: str) -> Iterator[str]:
    db = scratch_database(postgres_url, "mdblate")
    with db.writer.begin() as conn:
        conn.exec_driver_sql(MESSAGE_DB_DDL.split("CREATE TABLE")[0].split("CREATE OR REPLACE")[0])
        conn.exec_driver_sql("CREATE OR REPLACE" + MESSAGE_DB_DDL.split("CREATE OR REPLACE")[1].split("CREATE TABLE")[0])
        for statement in ("CREATE TABLE" + MESSAGE_DB_DDL.split("CREATE TABLE", 1)[1]).split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        for position in (2, 3):  # v0 and v1 are not here (a slice)
            conn.exec_driver_sql(
                "INSERT INTO message_store.messages (id, stream_name, type, position, global_position, data, "
                "metadata, time) VALUES (gen_random_uuid(), 'account-1', 'Deposited', %s, %s, %s, '{}', "
                "'2026-01-01 10:00:00')", (position, position + 1, json.dumps({"amount": position})))
    yield db.url
    db.drop()


@pytest.fixture(params=["postgresql", "mysql"])
def axon(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    writer, url, clean = writable_target(request, request.param, tmp_path / "unused.db", "axonlate")
    postgres = request.param == "postgresql"
    with writer.begin() as conn:
        _ddl(conn, JDBC_DDL.format(serial="BIGSERIAL" if postgres else "BIGINT AUTO_INCREMENT",
                                   blob="BYTEA" if postgres else "LONGBLOB"))
        for sequence in (2, 3):
            conn.execute(sa.text(
                "INSERT INTO DomainEventEntry (aggregateIdentifier, sequenceNumber, type, eventIdentifier, metaData, "
                "payload, payloadType, timeStamp) VALUES ('account-1', :s, 'Account', :e, :m, :p, "
                "'com.acme.Deposited', :t)"),
                {"s": sequence, "e": f"evt-{sequence}", "m": b"{}", "p": orjson.dumps({"amount": sequence}),
                 "t": axon_time(datetime(2026, 1, 1, tzinfo=timezone.utc))})
    yield url
    clean()


def late_starts(capsys: pytest.CaptureFixture[str], *args: str) -> list[tuple[int, str]]:
    code = main(["check", *args, "--json"])
    out = capsys.readouterr().out
    assert code != 2, out  # findings set a non-zero status; the report is on stdout either way
    return [(finding["version"], finding["detail"]) for finding in json.loads(out)["findings"]
            if finding["kind"] == "stream_starts_late"]


@pytest.mark.parametrize("projector", [[], ["--projector", "generic"]])
def test_a_message_db_stream_starting_late_misses_v0_and_v1(message_db: str, capsys: pytest.CaptureFixture[str],
                                                             projector: list[str]) -> None:
    assert late_starts(capsys, message_db, *projector) == [(2, LATE)]


@pytest.mark.parametrize("projector", [[], ["--projector", "generic"]])
def test_an_axon_stream_starting_late_misses_v0_and_v1(axon: str, capsys: pytest.CaptureFixture[str],
                                                       projector: list[str]) -> None:
    assert late_starts(capsys, axon, *projector) == [(2, LATE)]
