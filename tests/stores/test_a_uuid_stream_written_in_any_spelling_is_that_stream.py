"""On a UUID-typed stream column, a stream given in any spelling of its UUID is that stream.

PostgreSQL's ``uuid`` type reads ``135BCE58-…``, ``{135bce58-…}`` and the 32 digits alone as the
same id; so does the inspector, wherever a stream is named (``events``, ``replay``, ``export``,
``audit --causes-of``, the window's stream filter), and it names the stream as it shows it
(lowercase, hyphenated). The column's type decides, read from the schema: on a text column (the
eventsourcing library's SQLite table) names are compared exactly. Stores written by the
eventsourcing library itself, Marten's tables with uuid ids and a generic table of uuid ids.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime, timezone

import pytest

from inspector.cli import main
from inspector.stores import open_store, stream_spelled

from tests.stores.servers import eventsourcing_target, imported_domain, scratch_database
from tests.stores.test_exact_numbers_marten import MARTEN_DDL

DOMAIN = """
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Ticket(Aggregate):
    @event("Opened")
    def __init__(self, title: str):
        self.title = title

    @event("Noted")
    def note(self, text: str):
        self.title = text


class Desk(Application):
    pass
"""


def _spellings(stream: str) -> list[str]:
    return [stream.upper(), "{" + stream + "}", stream.replace("-", ""), "urn:uuid:" + stream.upper()]


def _json(capsys, *argv: str):
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


@pytest.fixture(params=["postgresql", "sqlite"])
def desk(request, tmp_path, monkeypatch):
    """(what the inspector opens, the engine, the ticket's stream) of a store the library wrote."""
    pytest.importorskip("eventsourcing")
    domain = imported_domain(tmp_path / "domain", monkeypatch, DOMAIN, "desk")
    target, env, drop = eventsourcing_target(request, request.param, tmp_path / "desk.db", "uuidcase")
    app = domain.Desk(env=env)
    ticket = domain.Ticket("printer")
    ticket.note("printer on fire")
    app.save(ticket)
    yield target, request.param, str(ticket.id)
    app.close()
    drop()
    sys.modules.pop(domain.__name__, None)


def test_the_library_s_uuid_column_takes_any_spelling_and_a_text_column_none(desk, capsys, tmp_path):
    target, engine, stream = desk
    code, events, _ = _json(capsys, "events", target, "--stream", stream)
    assert code == 0 and [e["version"] for e in events] == [1, 2]
    for spelling in _spellings(stream):
        code, found, err = _json(capsys, "events", target, "--stream", spelling)
        if engine == "sqlite":  # TEXT: the library writes uuid.hex or raw text ids, compared exactly
            assert code != 0 and "no events in stream" in err, spelling
            continue
        assert code == 0 and found == events, spelling  # the same events, the stream named as shown
        code, state, _ = _json(capsys, "replay", target, "--stream", spelling, "--at", "v2")
        assert code == 0 and state["stream"] == stream and state["state"]["text"] == "printer on fire"
    if engine == "postgresql":
        out = tmp_path / "ticket.jsonl"
        assert main(["export", target, "--stream", stream.upper(), "--format", "jsonl", "-o", str(out)]) == 0
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [(row["stream"], row["version"]) for row in rows] == [(stream, 1), (stream, 2)]
        capsys.readouterr()
        code, causes, _ = _json(capsys, "audit", target, "--causes-of", f"{stream.upper()}@2")
        assert code == 0 and causes["event"]["stream"] == stream


def test_marten_and_generic_uuid_columns_take_any_spelling(postgres_url, capsys):
    stream = str(uuid.uuid4())
    at = datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc)
    marten = scratch_database(postgres_url, "uuidcase_marten")
    generic = scratch_database(postgres_url, "uuidcase_generic")
    try:
        with marten.writer.begin() as conn:
            for statement in MARTEN_DDL.split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
            conn.exec_driver_sql("INSERT INTO mt_streams (id, type, version) VALUES (%s, 'Ticket', 1)", (stream,))
            conn.exec_driver_sql(
                "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp) "
                "VALUES (nextval('mt_events_sequence'), %s, %s, 1, '{}'::jsonb, 'ticket_opened', %s)",
                (uuid.uuid4(), stream, at),
            )
        with generic.writer.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE events (position bigserial PRIMARY KEY, stream uuid NOT NULL, "
                "version bigint, type text, recorded_at timestamptz, data jsonb)"
            )
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data) VALUES (%s, 1, 'Opened', %s, '{}')",
                (stream, at),
            )
        for db in (marten, generic):
            for spelling in _spellings(stream):
                code, found, err = _json(capsys, "events", db.url, "--stream", spelling)
                assert code == 0 and [(e["stream"], e["version"]) for e in found] == [(stream, 1)], (db.url, err)
            store = open_store(db.url)
            try:
                assert stream_spelled(store, stream.upper()) == stream
                assert stream_spelled(store, "not-a-uuid") == "not-a-uuid"
            finally:
                store.close()
    finally:
        marten.writer.dispose()
        generic.writer.dispose()
        marten.drop()
        generic.drop()
