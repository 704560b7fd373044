"""One rule for an event's actor: the first of metadata's actor, user, user_id, userId, user_name,
userName, $user, __actor that is not empty. The table shows it, ``--actor`` (events, audit) finds
it in SQL on every engine, ``info`` says it; an actor that is no string (a number, an object) is
shown as JSON, never as a Python repr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest

from inspector.cli import main

from .servers import scratch_database, writable_target
from .test_server_contract import MESSAGE_DB_DDL

METADATA = [
    {"userId": "zoe"},
    {"user": "zoe"},
    {"actor": "", "user_name": "zoe"},
    {"actor": "ann", "user": "zoe"},  # the actor key comes first: ann
    {"$user": "zoe"},
    {"actor": {"id": 5}},
    {"userId": 7},
    {},
]
SHOWN = ["zoe", "zoe", "zoe", "ann", "zoe", '{"id":5}', "7", None]


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def generic(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    writer, url, clean = writable_target(request, request.param, tmp_path / "actors.db", "actors")
    text = "TEXT" if request.param == "sqlite" else "VARCHAR(100)"
    meta = {"sqlite": "TEXT", "postgresql": "JSONB", "mysql": "LONGTEXT"}[request.param]
    with writer.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE events (position INTEGER PRIMARY KEY, stream {text}, version INTEGER, "
                             f"type {text}, data {text}, metadata {meta})")
        for index, metadata in enumerate(METADATA):
            conn.exec_driver_sql("INSERT INTO events VALUES (%s, 'a-1', %s, 'T', '{}', %s)"
                                 if request.param != "sqlite" else "INSERT INTO events VALUES (?, 'a-1', ?, 'T', '{}', ?)",
                                 (index + 1, index + 1, json.dumps(metadata)))
    yield url
    clean()


def listed(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    assert main([*args, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    return found["events"] if isinstance(found, dict) else found


def test_the_actor_is_shown_and_filtered_by_one_rule(generic: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert [event["actor"] for event in listed(capsys, "events", generic)] == SHOWN
    assert [event["position"] for event in listed(capsys, "events", generic, "--actor", "zoe")] == [1, 2, 3, 5]
    assert [event["position"] for event in listed(capsys, "audit", generic, "--actor", "zoe")] == [1, 2, 3, 5]
    assert [event["position"] for event in listed(capsys, "events", generic, "--actor", "ann")] == [4]
    assert [event["position"] for event in listed(capsys, "events", generic, "--actor", "7")] == [7]


def test_an_actor_that_is_no_string_is_shown_as_json(generic: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", generic]) == 0
    out = capsys.readouterr().out
    assert '{"id":5}' in out and "{'id': 5}" not in out


@pytest.fixture
def message_db(postgres_url: str) -> Iterator[str]:
    db = scratch_database(postgres_url, "mdbactor")
    with db.writer.begin() as conn:
        conn.exec_driver_sql(MESSAGE_DB_DDL.split("CREATE TABLE")[0].split("CREATE OR REPLACE")[0])
        conn.exec_driver_sql("CREATE OR REPLACE" + MESSAGE_DB_DDL.split("CREATE OR REPLACE")[1].split("CREATE TABLE")[0])
        for statement in ("CREATE TABLE" + MESSAGE_DB_DDL.split("CREATE TABLE", 1)[1]).split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        for position, metadata in enumerate([{"userId": "zoe"}, {"actor": "ann"}, {}]):
            conn.exec_driver_sql(
                "INSERT INTO message_store.messages (id, stream_name, type, position, global_position, data, "
                "metadata, time) VALUES (gen_random_uuid(), 'account-1', 'Deposited', %s, %s, '{}', %s, "
                "'2026-01-01 10:00:00')", (position, position + 1, json.dumps(metadata)))
    yield db.url
    db.drop()


def test_message_db_reads_the_actor_by_the_same_rule(message_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert [event["actor"] for event in listed(capsys, "events", message_db)] == ["zoe", "ann", None]
    assert [event["version"] for event in listed(capsys, "events", message_db, "--actor", "zoe")] == [0]
    assert [event["version"] for event in listed(capsys, "audit", message_db, "--actor", "zoe")] == [0]
    assert main(["info", message_db, "--json"]) == 0
    readings = [column["reading"] for column in json.loads(capsys.readouterr().out)["columns"]
                if column["column"].endswith("metadata")]
    assert readings == ["JSON; the actor is the first of metadata actor, user, user_id, userId, user_name, "
                        "userName, $user, __actor that is not empty"]


#: Actors whose stored form differs from the text shown, or that SQL could take for empty: a
#: JSON null passed over, a blank name (an actor: only null and "" are empty, on every engine), trailing spaces,
#: the text "null", and values no string (shown as JSON, compact, numbers whole).
TRICKY = [
    {"actor": "bob"},
    {"user": None, "userId": "bob"},
    {"$user": "bob", "user": "  "},
    {"user": False},
    {"user": 10000000000000000000001},
    {"user": {"id": 5}},
    {"user": "null"},
    {"user": "", "user_id": "bob "},
    {"user": "Bob"},
    {"user": None},
]
TRICKY_SHOWN = ["bob", "bob", "  ", "false", "10000000000000000000001", '{"id":5}', "null", "bob ", "Bob", None]


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def tricky(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    writer, url, clean = writable_target(request, request.param, tmp_path / "tricky.db", "tricky_actors")
    text = "TEXT" if request.param == "sqlite" else "VARCHAR(100)"
    meta = {"sqlite": "TEXT", "postgresql": "JSONB", "mysql": "LONGTEXT"}[request.param]
    mark = "?" if request.param == "sqlite" else "%s"
    with writer.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE events (position INTEGER PRIMARY KEY, stream {text}, version INTEGER, "
                             f"type {text}, data {text}, metadata {meta})")
        for index, metadata in enumerate(TRICKY):
            conn.exec_driver_sql(f"INSERT INTO events VALUES ({mark}, 'a-1', {mark}, 'T', '{{}}', {mark})",
                                 (index + 1, index + 1, json.dumps(metadata)))
    yield url
    clean()


def test_every_actor_shown_finds_exactly_the_events_showing_it(tricky: str, capsys: pytest.CaptureFixture[str]) -> None:
    shown = [event["actor"] for event in listed(capsys, "events", tricky)]
    assert shown == TRICKY_SHOWN
    for actor in dict.fromkeys(a for a in shown if a is not None and a.strip()):  # --actor refuses blank text
        showing = [index + 1 for index, a in enumerate(shown) if a == actor]
        assert [e["position"] for e in listed(capsys, "events", tricky, "--actor", actor)] == showing, actor
        assert [e["position"] for e in listed(capsys, "audit", tricky, "--actor", actor)] == showing, actor


def test_the_actor_list_names_the_actors_as_shown(tricky: str) -> None:
    from inspector.stores import open_store

    store = open_store(tricky)
    try:
        assert sorted(store.actor_names()) == sorted(set(a for a in TRICKY_SHOWN if a is not None))
    finally:
        store.close()


@pytest.fixture(params=["postgresql", "mysql"])
def eventsauce_tricky(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """EventSauce with the tricky actors in its headers (the library's DDL; headers an application adds)."""
    import uuid

    import sqlalchemy as sa

    from .test_eventsauce import EVENTSAUCE_MYSQL_DDL, EVENTSAUCE_PG_DDL, TABLE
    from .test_marten import _ddl

    writer, url, clean = writable_target(request, request.param, tmp_path / "unused.db", "sauceactors")
    postgres = request.param == "postgresql"
    root = uuid.uuid5(uuid.NAMESPACE_URL, "sauce/actors")
    table = sa.table(TABLE, *(sa.column(n) for n in ("event_id", "aggregate_root_id", "version", "payload")))
    with writer.begin() as conn:
        _ddl(conn, EVENTSAUCE_PG_DDL if postgres else EVENTSAUCE_MYSQL_DDL)
        for version, actor in enumerate(TRICKY, start=1):
            event_id = uuid.uuid5(uuid.NAMESPACE_URL, f"sauce/actors/{version}")
            headers = {"__event_type": "order.placed", "__aggregate_root_type": "order",
                       "__time_of_recording": "2026-01-01 10:00:00.000000+0000", **actor}
            conn.execute(table.insert().values(
                event_id=event_id if postgres else event_id.bytes, aggregate_root_id=root if postgres else root.bytes,
                version=version, payload=json.dumps({"headers": headers, "payload": {}})))
    yield url
    clean()


def test_eventsauce_headers_name_the_actor_by_the_same_rule(eventsauce_tricky: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    shown = [event["actor"] for event in listed(capsys, "events", eventsauce_tricky)]
    assert shown == TRICKY_SHOWN
    for actor in dict.fromkeys(a for a in shown if a is not None and a.strip()):
        showing = [index + 1 for index, a in enumerate(shown) if a == actor]
        assert [e["version"] for e in listed(capsys, "events", eventsauce_tricky, "--actor", actor)] == showing, actor
