"""The store contract on SQLite files and JSON Lines: generic (default and mapped), eventsourcing, jsonl."""

from __future__ import annotations

import os
import sqlite3
import uuid
import zlib
from pathlib import Path

import orjson

from inspector.core.events import format_time
from inspector.stores import open_store

from .contract import (
    DRAFTS,
    STREAM_KEYS,
    BadRow,
    Built,
    EventStoreContract,
    FileContract,
    LooseVersionsContract,
    SqlContract,
    balance,
)

GENERIC_DDL = """
CREATE TABLE events (
    position INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    version INTEGER,
    type TEXT,
    recorded_at TEXT,
    data TEXT,
    metadata TEXT
);
CREATE INDEX events_stream_version ON events (stream, version);
"""

MAPPED_DDL = """
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    aggregate TEXT NOT NULL,
    seq INTEGER,
    kind TEXT,
    created_ms INTEGER,
    who TEXT,
    body BLOB,
    meta TEXT
);
CREATE UNIQUE INDEX audit_log_aggregate_seq ON audit_log (aggregate, seq);
"""

MAPPING = """
table = "audit_log"
[columns]
position = "id"
stream = "aggregate"
version = "seq"
type = "kind"
recorded_at = "created_ms"
data = "body"
metadata = "meta"
[codec]
data = "json"
time = "epoch_ms"
actor = "column:who"
"""


def _shown_type(draft) -> str:
    return draft.type


CATEGORIES = {"wallet": "wallet", "job": "job"}


def generic_bad_rows() -> list[tuple[str, int | None, str | None, str | None, bytes | str | None]]:
    """(stream, version, type, time, payload) of rows every generic store plants."""
    return [
        ("broken-1", 1, "Broken", None, '{"amount": 5,'),
        ("broken-1", 2, "Broken", None, None),
        ("broken-1", 3, "Broken", None, b"\x00\x01\x02\xffnot json at all"),
        ("broken-1", 4, "Broken", None, zlib.compress(b'{"amount": 9}')),
        ("broken-1", 5, None, None, '{"amount": 1}'),
    ]


GENERIC_BAD = [
    BadRow("broken-1", 1, "Broken", "malformed JSON"),
    BadRow("broken-1", 2, "Broken", "payload is NULL"),
    BadRow("broken-1", 3, "Broken", "binary payload"),
    BadRow("broken-1", 5, "(no type)", "type is NULL"),
]
GENERIC_DECODABLE = [("broken-1", 4, "Broken")]
#: a stream without a unique key: duplicate 2 across a page edge, a NULL version
LOOSE_WRITES = [1, 2, 2, 3, None]
LOOSE_READ = [None, 1, 2, 2, 3]


class TestGenericLayoutOnSqlite(EventStoreContract, LooseVersionsContract, SqlContract, FileContract):
    def build(self, request, tmp_path: Path) -> Built:
        path = tmp_path / "generic.db"
        db = sqlite3.connect(path)
        db.executescript(GENERIC_DDL)
        insert = "INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?,?,?,?,?,?)"
        for d in DRAFTS:
            db.execute(insert, (d.key, d.version, d.type, format_time(d.at), orjson.dumps(d.data).decode(),
                                orjson.dumps({"actor": d.actor}).decode()))
        for stream, version, kind, at, payload in generic_bad_rows():
            db.execute(insert, (stream, version, kind, at, payload, None))
        for version in LOOSE_WRITES:
            db.execute(insert, ("dup-1", version, "Noted", None, '{"note": "twice"}', None))
        db.commit()
        db.close()
        return Built(
            store=open_store(str(path)),
            layout="generic",
            streams={key: key for key in STREAM_KEYS},
            type_name=_shown_type,
            categories=CATEGORIES,
            bad=GENERIC_BAD,
            decodable=GENERIC_DECODABLE,
            loose=("dup-1", LOOSE_READ),
            files=[path],
        )


class TestGenericMappedLayoutOnSqlite(EventStoreContract, SqlContract, FileContract):
    """Another table and other column names, described by a TOML mapping; times as epoch ms."""

    def build(self, request, tmp_path: Path) -> Built:
        path = tmp_path / "mapped.sqlite"
        db = sqlite3.connect(path)
        db.executescript(MAPPED_DDL)
        insert = "INSERT INTO audit_log (aggregate, seq, kind, created_ms, who, body, meta) VALUES (?,?,?,?,?,?,?)"
        for d in DRAFTS:
            db.execute(insert, (d.key, d.version, d.type, int(d.at.timestamp() * 1000), d.actor,
                                orjson.dumps(d.data), orjson.dumps({"correlation_id": str(uuid.uuid4())}).decode()))
        for stream, version, kind, _at, payload in generic_bad_rows():
            db.execute(insert, (stream, version, kind, None, None, payload, "not json"))
        db.commit()
        db.close()
        mapping = tmp_path / "mapping.toml"
        mapping.write_text(MAPPING, encoding="utf-8")
        return Built(
            store=open_store(str(path), mapping=mapping),
            layout="generic",
            streams={key: key for key in STREAM_KEYS},
            type_name=_shown_type,
            categories=CATEGORIES,
            bad=GENERIC_BAD + [BadRow("broken-1", 4, "Broken", "metadata: malformed JSON")],
            decodable=[],
            files=[path],
        )


def es_type(draft) -> str:
    return f"{draft.category.capitalize()}.{draft.type}"


ES_CATEGORIES = {"wallet": "Wallet", "job": "Job"}
#: wallet-a is snapshotted by the library at versions 3 and 6
ES_SNAPSHOTS = {"wallet-a": [3, 6]}


def es_broken_rows() -> tuple[str, list[tuple[int, str, bytes]], list[BadRow], list[tuple[str, int, str]]]:
    """Rows the library could have written with other settings: AES-GCM output, a torn write, plain JSON."""
    broken = uuid.uuid4()
    topic = "shop.ledger:Ledger.Corrected"
    # AES-GCM output is nonce(12) + tag(16) + ciphertext: random-looking bytes
    encrypted = os.urandom(12) + os.urandom(16) + os.urandom(40)
    rows = [
        (1, topic, encrypted),
        (2, topic, b'{"timestamp":{"_type_":"datetime_iso","_data_":"2024-03-0'),
        (3, topic, orjson.dumps({"amount": {"_type_": "decimal_str", "_data_": "1.50"}})),
        (4, topic, zlib.compress(orjson.dumps({"amount": {"_type_": "decimal_str", "_data_": "2.50"}}))),
    ]
    bad = [
        BadRow(str(broken), 1, "Ledger.Corrected", "encrypted"),
        BadRow(str(broken), 2, "Ledger.Corrected", "malformed JSON"),
    ]
    return str(broken), rows, bad, [(str(broken), 3, "Ledger.Corrected"), (str(broken), 4, "Ledger.Corrected")]


class TestEventsourcingLayoutOnSqlite(EventStoreContract, SqlContract, FileContract):
    """Written by the eventsourcing library itself, zlib-compressed, with its snapshots."""

    def build(self, request, tmp_path: Path) -> Built:
        from .shop import Shop, write_drafts

        path = tmp_path / "shop.sqlite"
        app = Shop(env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
            "IS_SNAPSHOTTING_ENABLED": "y",
        })
        ids = write_drafts(app, DRAFTS, ES_SNAPSHOTS)
        app.close()
        broken, rows, bad, decodable = es_broken_rows()
        db = sqlite3.connect(path)
        for version, topic, state in rows:
            db.execute("INSERT INTO stored_events VALUES (?,?,?,?)", (uuid.UUID(broken).hex, version, topic, state))
        db.commit()
        db.close()
        wallet_a = ids["wallet-a"]
        return Built(
            store=open_store(str(path)),
            layout="eventsourcing",
            streams=ids,
            type_name=es_type,
            categories=ES_CATEGORIES,
            bad=bad,
            decodable=decodable,
            snapshots={wallet_a: [(v, {"credits": balance("wallet-a", v), "owner": "alice"}) for v in ES_SNAPSHOTS["wallet-a"]]},
            files=[path],
        )


class TestJsonLines(EventStoreContract, LooseVersionsContract, FileContract):
    def build(self, request, tmp_path: Path) -> Built:
        path = tmp_path / "slice.jsonl"
        lines: list[bytes] = []

        def add(doc) -> None:
            if isinstance(doc, dict):
                doc = {"position": len(lines), **doc}
                lines.append(orjson.dumps(doc))
            else:
                lines.append(doc)

        for d in DRAFTS:
            add({"stream": d.key, "version": d.version, "type": d.type, "recorded_at": format_time(d.at),
                 "actor": d.actor, "data": d.data, "metadata": {"actor": d.actor}})
        add(b'{"stream": "broken-1", "version": 1, "type": "Broken", "data": {"amount": ')
        add({"stream": "broken-1", "version": "two", "type": "Broken", "data": {}})
        for version in LOOSE_WRITES:
            add({"stream": "dup-1", "version": version, "type": "Noted", "data": {"note": "twice"}})
        path.write_bytes(b"\n".join(lines) + b"\n")
        return Built(
            store=open_store(str(path)),
            layout="jsonl",
            streams={key: key for key in STREAM_KEYS},
            type_name=_shown_type,
            categories=CATEGORIES,
            # the malformed line is no event: in no stream (test_a_line_that_is_no_event_is_a_problem_in_no_stream)
            bad=[BadRow("broken-1", None, "Broken", "is not a number")],
            loose=("dup-1", LOOSE_READ),
            files=[path],
        )

    def test_a_line_that_is_no_event_is_a_problem_in_no_stream(self, store):
        (line,) = [e for e in store.read_all(limit=1000) if e.problem and "malformed JSON" in e.problem]
        assert line.version is None and line.stream not in {s.stream for s in store.streams(limit=1000)}
        assert [e.position for e in store.unreadable_lines()] == [line.position]
        assert store.describe().notes[0].startswith("1 line(s) are not readable events")
