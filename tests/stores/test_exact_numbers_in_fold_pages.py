"""A fold reads every number exactly, however its page of rows was checked.

A replay checks a page's payloads for numbers orjson would read inexactly once for the whole
page (``page_reads_exactly``) and then hands each payload of a clean page straight to orjson.
Whatever the page holds — an integer no double holds, a decimal with more digits than a double
keeps, a tiny exponent, NaN, a NULL, nesting deeper than the limit, text that is not JSON — each
event's payload must be exactly what a full read decodes, value and type, in single-stream
replays and whole-category reads, with page edges falling anywhere. On every engine the generic
layout lives on.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from inspector.core.decoding import NOT_PLAIN, decode_json, page_reads_exactly, plain_document
from inspector.stores import open_store
from inspector.stores.lazy import materialize

from .exact import typed
from .servers import scratch_database

BIG = 2**70
PRICE = "0.1000000000000000000001"
DEEP = "[" * 205 + "]" * 205

#: numbers a double does not hold, among plain payloads of one stream (by version)
ODD = {
    4: f'{{"big": {BIG}}}',
    9: f'{{"price": {PRICE}}}',
    13: '{"tiny": 1e-400}',
    30: '{"ok": 1.5, "id": "3f2a9c1e-4e5b-4000-8123-12345678"}',
}
#: payloads that are no plain JSON document, among plain ones of another stream
BAD = {
    5: '{"not_a_number": NaN}',
    11: None,
    18: DEEP,
    27: "not json at all",
}


def payloads(stream: str) -> list[str | None]:
    plain = [f'{{"n": {version}, "stream": "{stream}", "amount": {version * 7}, "note": "top-up"}}'
             for version in range(1, 33)]
    odd = {"wallet-odd": ODD, "wallet-bad": BAD}.get(stream, {})
    return [odd.get(version, text) for version, text in enumerate(plain, start=1)]


STREAMS = ["wallet-a", "wallet-bad", "wallet-odd", "wallet-z"]


ENGINES = [("sqlite", "TEXT"), ("sqlite", "BLOB"), ("postgresql", "text"), ("postgresql", "json"),
           ("mariadb", "LONGTEXT")]


@pytest.fixture(scope="module", params=ENGINES, ids=[f"{e}-{t}" for e, t in ENGINES])
def store_target(request, tmp_path_factory):
    engine, kind = request.param
    rows = [{"stream": stream, "version": version, "type": "Deposited",
             "data": text.encode() if (text is not None and kind == "BLOB") else text}
            for stream in STREAMS for version, text in enumerate(payloads(stream), start=1)]
    if engine == "sqlite":
        path = Path(tmp_path_factory.mktemp("pages")) / "store.db"
        db = sqlite3.connect(path)
        db.execute(f"CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER,"
                   f" type TEXT, recorded_at TEXT, data {kind}, metadata TEXT)")
        db.execute("CREATE INDEX events_stream_version ON events (stream, version)")
        db.executemany("INSERT INTO events (stream, version, type, recorded_at, data) VALUES"
                       " (:stream, :version, :type, '2026-01-01T00:00:00Z', :data)", rows)
        db.commit()
        db.close()
        yield str(path)
        return
    url = request.getfixturevalue("postgres_url" if engine == "postgresql" else "mysql_url")
    db = scratch_database(url, "pages")
    position = "bigserial PRIMARY KEY" if engine == "postgresql" else "BIGINT AUTO_INCREMENT PRIMARY KEY"
    stored = "CAST(:data AS json)" if kind == "json" else ":data"
    if kind == "json":  # json refuses what is not JSON (NaN too): those rows hold NULL there
        refused = ("not json at all", BAD[5])
        rows = [dict(row, data=None if row["data"] in refused else row["data"]) for row in rows]
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql(f"CREATE TABLE events (position {position}, stream VARCHAR(100) NOT NULL,"
                                 f" version BIGINT, type VARCHAR(100), recorded_at TIMESTAMP NULL, data {kind},"
                                 f" metadata TEXT)")
            conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
            conn.execute(sa.text("INSERT INTO events (stream, version, type, recorded_at, data) VALUES"
                                 f" (:stream, :version, :type, '2026-01-01 00:00:00', {stored})"), rows)
        yield db.url
    finally:
        db.drop()


def expected(store, stream: str) -> list[Any]:
    """Each event's payload (or its problem) as a full read decodes it, in version order."""
    return [(event.version, typed(event.data), event.problem is not None)
            for event in store.read_stream(stream)]


def seen(events) -> list[Any]:
    out = []
    for event in events:
        data = event.data  # the fold's own read of the payload
        out.append((event.version, typed(data), materialize(event).problem is not None))
    return out


def test_a_single_stream_fold_reads_each_payload_as_a_full_read_does(store_target):
    store = open_store(store_target)
    try:
        for stream in STREAMS:
            assert seen(store.read_for_replay(stream)) == expected(store, stream)
        odd = dict((version, data) for version, data, _ in seen(store.read_for_replay("wallet-odd")))
        assert odd[4] == {"big": ("int", repr(BIG))}
        assert odd[9] == {"price": ("Decimal", repr(Decimal(PRICE)))}
        assert odd[13] == {"tiny": ("Decimal", repr(Decimal("1e-400")))}
    finally:
        store.close()


@pytest.mark.parametrize("page", [3, 7, 1000])
def test_a_whole_category_read_gives_each_payload_as_a_full_read_does(store_target, page):
    store = open_store(store_target)
    try:
        read = store.read_category_for_replay(category="wallet", page=page)
        assert read is not None
        got = {stream: seen(events) for stream, events in read}
        assert got == {stream: expected(store, stream) for stream in STREAMS}
    finally:
        store.close()


def test_a_page_check_finds_what_a_per_payload_check_finds():
    assert page_reads_exactly(['{"n": 1}', '{"amount": 123456789012345}', "[1.5, -2e-30]"])
    assert not page_reads_exactly(['{"n": 1}', f'{{"big": {BIG}}}'])
    assert not page_reads_exactly([b'{"n": 1}', f'{{"price": {PRICE}}}'.encode()])
    assert not page_reads_exactly(['{"n": 1}', '{"tiny": 1e-400}'])
    # digits of two documents never make one long run
    assert page_reads_exactly(['[12345678]', '[87654321]'])
    # the hex of a UUID that reads like an exponent (9e-9800) is no number: the page and each payload
    # go straight to orjson; a real exponent of 3+ digits anywhere still does not
    look_alike = '{"event_id": "d41d8c9e-9800-4998-812e-84270b1a2c3f", "tiny": 1e-30}'
    assert page_reads_exactly(['{"n": 1}', look_alike, look_alike.encode().decode()])
    assert plain_document(look_alike) == orjson.loads(look_alike) and plain_document(look_alike.encode()) is not NOT_PLAIN
    for tiny in ('[1e-400]', '{"a": 2E-1000}', '{"a": [5e-300, 1]}', '1e-4000', '[1e-12345 ]', '{"a":1e-123456}'):
        assert not page_reads_exactly([look_alike, tiny]), tiny
        assert plain_document(tiny) is NOT_PLAIN, tiny
    # what cannot be looked at as one page is looked at payload by payload
    assert not page_reads_exactly(['{"n": 1}', None])
    assert not page_reads_exactly(['{"n": 1}', b'{"n": 2}'])
    assert not page_reads_exactly(['{"n": "\ud800"}'])


@pytest.mark.parametrize("text", [f'{{"big": {BIG}}}', f'[{PRICE}]', '{"tiny": 1e-400}', '[1, 2.5, "x"]'])
def test_the_exact_reader_agrees_with_a_page_of_one(text):
    # a payload alone gives the value a page check and the per-payload check both lead to
    assert typed(decode_json(text).value) == typed(decode_json(text.encode()).value)
