"""An Axon fold reads every JSON payload exactly, and the usual ones the short way.

Axon keeps the payload in a column of its own, so a replay hands a page's JSON payloads to
orjson after one check of the whole page's numbers (``payload_decoder``); XStream XML, numbers
a double does not hold, NaN, nesting past the limit and text that is not JSON go the long way
(``lazy_data``). Each event's data must be what a full read gives (value and type of every
number, the XML's problem), a bad row must not end the read, and a page of plain JSON payloads
must never take the long way (no XML look, no decoding record per event). On PostgreSQL
(bytea) and MariaDB (blob), the JDBC schema Axon writes.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from inspector.core.decoding import MAX_NESTING
from inspector.stores import open_store
from inspector.stores.layouts import axon as axon_layout
from inspector.stores.lazy import materialize

from .exact import typed
from .servers import scratch_database
from .test_axon import JDBC_DDL, XSTREAM_PAYLOAD, _ddl

BIG = 2**70
PRICE = "0.1000000000000000000001"
DEEP = b"[" * (MAX_NESTING + 5) + b"]" * (MAX_NESTING + 5)
ODD = {
    4: f'{{"big": {BIG}}}'.encode(),
    9: f'{{"price": {PRICE}}}'.encode(),
    13: b'{"tiny": 1e-400}',
    17: b'{"not_a_number": NaN}',
    21: DEEP,
    25: b"not json at all",
    29: XSTREAM_PAYLOAD,
}


def payload(version: int, stream: str) -> bytes:
    plain = f'{{"n": {version}, "amount": {version * 7}, "note": "top-up"}}'.encode()
    return ODD.get(version, plain) if stream == "wallet-odd" else plain


STREAMS = ["wallet-odd", "wallet-plain"]
ENGINES = [("postgresql", "BIGSERIAL", "bytea"), ("mariadb", "BIGINT AUTO_INCREMENT", "blob")]


@pytest.fixture(scope="module", params=ENGINES, ids=[e[0] for e in ENGINES])
def store(request):
    engine, serial, blob = request.param
    db = scratch_database(request.getfixturevalue("postgres_url" if engine == "postgresql" else "mysql_url"),
                          "axonpages")
    lower = engine == "postgresql"
    names = ("aggregateIdentifier", "sequenceNumber", "type", "eventIdentifier", "payload", "payloadType",
             "timeStamp")
    columns = [n.lower() if lower else n for n in names]
    events = sa.table("domainevententry" if lower else "DomainEventEntry", *(sa.column(n) for n in columns))
    try:
        with db.writer.begin() as conn:
            _ddl(conn, JDBC_DDL.format(serial=serial, blob=blob))
            for stream in STREAMS:
                for version in range(32):
                    values = (stream, version, "Wallet", str(uuid.uuid4()), payload(version + 1, stream),
                              "com.acme.Deposited", "2026-01-01T00:00:00Z")
                    conn.execute(events.insert().values(dict(zip(columns, values))))
        opened = open_store(db.url)
        try:
            yield opened
        finally:
            opened.close()
    finally:
        db.drop()


def test_each_payload_a_fold_reads_is_what_a_full_read_gives(store):
    assert store.layout.name == "axon"
    for stream in STREAMS:
        expected = [(e.version, typed(e.data), e.raw, e.problem) for e in store.read_stream(stream)]
        got = []
        for event in store.read_for_replay(stream):
            data = event.data  # the fold's own read
            full = materialize(event)
            got.append((event.version, typed(data), full.raw, full.problem))
        assert got == expected and len(got) == 32
    odd = {e.version + 1: e.data for e in store.read_for_replay("wallet-odd")}
    assert odd[4] == {"big": BIG} and odd[9] == {"price": Decimal(PRICE)} and odd[13] == {"tiny": Decimal("1e-400")}
    assert odd[21] is None and odd[29] is None  # too deep, XML: shown raw, with a problem


def test_a_page_of_plain_json_payloads_never_takes_the_long_way(store, monkeypatch):
    long_way = []
    real = axon_layout.AxonLayout._decode

    def counted(self, *args):
        long_way.append(args[0])
        return real(self, *args)

    monkeypatch.setattr(axon_layout.AxonLayout, "_decode", counted)
    data = [event.data for event in store.read_for_replay("wallet-plain")]
    assert len(data) == 32 and all(type(value) is dict for value in data)
    assert long_way == []
