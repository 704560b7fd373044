"""A capped page (``read_all(payload_cap=...)``) leaves a payload longer than the cap in the store:
the event carries the payload's size in bytes instead, every other field as a full read gives it,
and ``full_event`` reads it whole when something needs it. On every engine and layout the window
reads: the generic layout on SQLite, PostgreSQL (text, jsonb) and MariaDB (JSON, LONGTEXT),
Message DB and Marten on PostgreSQL, and JSON Lines files."""

from __future__ import annotations

import gc
import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from inspector.stores import EventFilter, open_store
from inspector.stores.lazy import LazyEvent, PayloadLeftOut, cycle_collection_paused, full_event, left_out, materialize

from .servers import scratch_database
from .test_server_contract import MESSAGE_DB_DDL

CAP = 100_000
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
#: about 240 KB of JSON, with characters of two and three bytes in UTF-8 and a word found nowhere else
BIG = {"rows": [{"id": i, "name": "Zoë – ünïcode", "note": "x" * 40} for i in range(3000)], "tag": "needle-in-big"}
SMALL = {"amount": 5, "who": "Zoë"}
#: (stream, version, type, data) in position order
EVENTS = [("import-1", 1, "ImportStarted", SMALL), ("wallet-1", 1, "Opened", SMALL),
          ("import-1", 2, "ItemsImported", BIG), ("import-1", 3, "ImportFinished", {"ok": True})]


def _text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _rows() -> Iterator[tuple[str, int, str, datetime, str, str]]:
    for minute, (stream, version, kind, data) in enumerate(EVENTS):
        yield stream, version, kind, T0 + timedelta(minutes=minute), _text(data), json.dumps({"actor": f"{kind}@x"})


def _sqlite(tmp_path: Path, request) -> tuple[str, Callable[[], None]]:
    path = tmp_path / "capped.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    conn.executemany("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                     [(s, v, k, at.isoformat(), d, m) for s, v, k, at, d, m in _rows()])
    conn.commit()
    conn.close()
    return str(path), lambda: None


def _generic_on(server: str, data_type: str):
    def build(tmp_path: Path, request) -> tuple[str, Callable[[], None]]:
        db = scratch_database(request.getfixturevalue(server), "capped")
        key = "bigserial PRIMARY KEY" if server == "postgres_url" else "BIGINT AUTO_INCREMENT PRIMARY KEY"
        stamp = "timestamptz" if server == "postgres_url" else "DATETIME(6)"
        with db.writer.begin() as conn:
            conn.exec_driver_sql(f"CREATE TABLE events (position {key}, stream VARCHAR(100) NOT NULL, version BIGINT, "
                                 f"type VARCHAR(100), recorded_at {stamp}, data {data_type}, metadata {data_type})")
            for stream, version, kind, at, data, metadata in _rows():
                conn.exec_driver_sql(
                    "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (stream, version, kind, at if server == "postgres_url" else at.replace(tzinfo=None), data, metadata))
        return db.url, db.drop
    return build


def _messagedb(tmp_path: Path, request) -> tuple[str, Callable[[], None]]:
    db = scratch_database(request.getfixturevalue("postgres_url"), "cappedmdb")
    with db.writer.begin() as conn:
        conn.exec_driver_sql(MESSAGE_DB_DDL.split("CREATE TABLE")[0].split("CREATE OR REPLACE")[0])
        conn.exec_driver_sql("CREATE OR REPLACE" + MESSAGE_DB_DDL.split("CREATE OR REPLACE")[1].split("CREATE TABLE")[0])
        for statement in ("CREATE TABLE" + MESSAGE_DB_DDL.split("CREATE TABLE", 1)[1]).split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        for global_position, (stream, version, kind, at, data, metadata) in enumerate(_rows(), start=1):
            conn.exec_driver_sql(
                "INSERT INTO message_store.messages (global_position, position, time, stream_name, type, data, metadata) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (global_position, version - 1, at.replace(tzinfo=None), stream, kind, data, metadata))
    return db.url, db.drop


def _marten(tmp_path: Path, request) -> tuple[str, Callable[[], None]]:
    from .test_marten import MARTEN_V8_DDL, _ddl

    db = scratch_database(request.getfixturevalue("postgres_url"), "cappedmarten")
    with db.writer.begin() as conn:
        _ddl(conn, MARTEN_V8_DDL.format(schema="public", id_type="varchar"))
        for stream in ("import-1", "wallet-1"):
            conn.exec_driver_sql("INSERT INTO mt_streams (id, type, version) VALUES (%s, 'Import', 3)", (stream,))
        for seq, (stream, version, kind, at, data, _metadata) in enumerate(_rows(), start=1):
            conn.exec_driver_sql(
                "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp, user_name) "
                "VALUES (%s, gen_random_uuid(), %s, %s, %s, %s, %s, %s)",
                (seq, stream, version, data, kind, at, f"{kind}@x"))
    return db.url, db.drop


def _jsonl(tmp_path: Path, request) -> tuple[str, Callable[[], None]]:
    path = tmp_path / "capped.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for position, (stream, version, kind, at, data, metadata) in enumerate(_rows(), start=1):
            handle.write(json.dumps({"position": position, "stream": stream, "version": version, "type": kind,
                                     "recorded_at": at.isoformat(), "data": json.loads(data),
                                     "metadata": json.loads(metadata)}, ensure_ascii=False) + "\n")
    return str(path), lambda: None


BUILDERS = {
    "generic-sqlite": _sqlite,
    "generic-postgresql-text": _generic_on("postgres_url", "text"),
    "generic-postgresql-jsonb": _generic_on("postgres_url", "jsonb"),
    "generic-mariadb-json": _generic_on("mysql_url", "JSON"),
    "generic-mariadb-longtext": _generic_on("mysql_url", "LONGTEXT"),
    "messagedb-postgresql": _messagedb,
    "marten-postgresql": _marten,
    "jsonl": _jsonl,
}


@pytest.fixture(params=sorted(BUILDERS))
def store(request, tmp_path):
    location, drop = BUILDERS[request.param](tmp_path, request)
    opened = open_store(location)
    opened.built_as = request.param  # type: ignore[attr-defined]
    try:
        yield opened
    finally:
        opened.close()
        drop()


def test_a_capped_page_leaves_the_big_payload_out_and_keeps_every_other_field(store):
    whole = store.read_all(limit=10)
    capped = store.read_all(limit=10, payload_cap=CAP)
    assert [e.position for e in capped] == [e.position for e in whole] and len(capped) == len(EVENTS)
    big_at = [e.type for e in whole].index("ItemsImported")
    for index, (full, page) in enumerate(zip(whole, capped)):
        if index != big_at:
            assert page == full  # payloads under the cap are read as a full read gives them
            assert left_out(page) is None
            continue
        marker = left_out(page)
        assert isinstance(page.data, PayloadLeftOut) and marker is page.data  # no decoded payload in the page
        assert marker.size > CAP
        if store.built_as not in ("jsonl", "generic-postgresql-jsonb", "marten-postgresql"):
            # the stored text's size in bytes, not in characters (jsonb renders a text of its own,
            # a JSON Lines line holds the other fields too)
            assert marker.size == len(_text(BIG).encode()) > len(_text(BIG))
        assert (page.stream, page.version, page.type, page.recorded_at, page.metadata, page.actor, page.problem) == (
            full.stream, full.version, full.type, full.recorded_at, full.metadata, full.actor, full.problem)
        assert full.data == BIG


def test_the_full_event_of_a_capped_page_is_the_event_read_whole(store):
    capped = store.read_all(limit=10, payload_cap=CAP)
    big = next(event for event in capped if left_out(event) is not None)
    whole = full_event(store, big)
    assert whole is not None and whole.data == BIG and whole.position == big.position and whole.type == "ItemsImported"
    small = capped[0]
    assert full_event(store, small) is small  # nothing left out: nothing read again


def test_a_text_filter_finds_words_inside_a_payload_the_page_leaves_out(store):
    found = store.read_all(limit=10, payload_cap=CAP, filters=EventFilter(text="needle-in-big"))
    assert [event.type for event in found] == ["ItemsImported"] and left_out(found[0]) is not None
    assert store.read_all(limit=10, payload_cap=CAP, filters=EventFilter(text="needle-nowhere")) == []


def test_a_cap_above_every_payload_changes_nothing(store):
    assert store.read_all(limit=10, payload_cap=10 * CAP) == store.read_all(limit=10)


def test_a_fold_event_read_whole_after_its_payload_keeps_the_payload_it_decoded(store):
    whole = list(store.read_stream("import-1"))
    folded = list(store.read_for_replay("import-1"))
    assert len(folded) == len(whole) == 3
    for lazy, full in zip(folded, whole):
        data = lazy.data
        event = materialize(lazy)  # a replay's last event: every field
        assert event == full
        assert event.data is data  # the payload was decoded once, not again for the other fields
    assert any(isinstance(event, LazyEvent) for event in folded) or store.built_as == "jsonl"


def test_the_collector_pauses_while_big_payloads_are_decoded_and_resumes_after_the_last():
    assert gc.isenabled()
    with cycle_collection_paused():
        assert not gc.isenabled()
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an outer (or another thread's) decode is still under way
    assert gc.isenabled()
