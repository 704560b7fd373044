"""Message DB names a message's cause in its own metadata keys: causationMessageStreamName and
causationMessagePosition (the causing message's stream and its position in that stream), and its
correlation as correlationStreamName. ``audit --causes-of`` follows them back to the causing
messages and lists the messages sharing the correlation; a cause that is not stored is said."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from inspector.cli import main

from .servers import scratch_database
from .test_server_contract import MESSAGE_DB_DDL

MESSAGES: list[tuple[str, int, dict[str, Any]]] = [
    ("account:command-1", 0, {}),
    ("account-1", 0, {"causationMessageStreamName": "account:command-1", "causationMessagePosition": 0,
                      "causationMessageGlobalPosition": 1, "correlationStreamName": "customer-7"}),
    ("account-1", 1, {"causationMessageStreamName": "account-1", "causationMessagePosition": 0,
                      "causationMessageGlobalPosition": 2, "correlationStreamName": "customer-7"}),
    ("account-2", 0, {"causationMessageStreamName": "account:command-9", "causationMessagePosition": 3,
                      "correlationStreamName": "customer-8"}),
]


@pytest.fixture
def message_db(postgres_url: str) -> Iterator[str]:
    db = scratch_database(postgres_url, "mdbcause")
    with db.writer.begin() as conn:
        conn.exec_driver_sql(MESSAGE_DB_DDL.split("CREATE TABLE")[0].split("CREATE OR REPLACE")[0])
        conn.exec_driver_sql("CREATE OR REPLACE" + MESSAGE_DB_DDL.split("CREATE OR REPLACE")[1].split("CREATE TABLE")[0])
        for statement in ("CREATE TABLE" + MESSAGE_DB_DDL.split("CREATE TABLE", 1)[1]).split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        for index, (stream, position, metadata) in enumerate(MESSAGES):
            conn.exec_driver_sql(
                "INSERT INTO message_store.messages (id, stream_name, type, position, global_position, data, "
                "metadata, time) VALUES (gen_random_uuid(), %s, 'Deposited', %s, %s, '{}', %s, "
                "'2026-01-01 10:00:00')", (stream, position, index + 1, json.dumps(metadata)))
    yield db.url
    db.drop()


def causes(capsys: pytest.CaptureFixture[str], store: str, event: str) -> dict[str, Any]:
    assert main(["audit", store, "--causes-of", event, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_causing_messages_are_followed_by_stream_and_position(message_db: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    found = causes(capsys, message_db, "account-1@1")
    assert [(e["stream"], e["version"]) for e in found["chain"]] == [
        ("account:command-1", 0), ("account-1", 0), ("account-1", 1)]
    assert found["chain_end"] == "the first event has no causation id"
    assert [(e["stream"], e["version"]) for e in found["correlated"]] == [("account-1", 0), ("account-1", 1)]


def test_a_causing_message_not_stored_is_said(message_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    found = causes(capsys, message_db, "account-2@0")
    assert [(e["stream"], e["version"]) for e in found["chain"]] == [("account-2", 0)]
    assert found["chain_end"] == "caused by account:command-9/3 (no stored event)"
    assert main(["audit", message_db, "--causes-of", "account-2@0"]) == 0
    out = capsys.readouterr().out
    assert "its causing message account:command-9/3 is not stored" in out
    assert "no causation id" not in out


def test_a_correlation_stream_lists_its_messages(message_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", message_db, "--correlation", "customer-7", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    events = found["events"] if isinstance(found, dict) else found
    assert [(e["stream"], e["version"]) for e in events] == [("account-1", 0), ("account-1", 1)]
