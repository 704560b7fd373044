"""An EventSauce fold reads every payload exactly, and a page of plain messages the short way.

A replay checks a page's messages for numbers orjson would read inexactly once for the whole
page and hands a clean page's messages straight to orjson. Whatever a page holds — an integer
no double holds, a decimal with more digits than a double keeps, a tiny exponent, nesting past
the limit, a message that is no EventSauce envelope, JSON that is malformed (MariaDB's varchar)
— each event's data must be what a full read gives (value and type of every number, the
problem), and a page of plain messages must never be looked at message by message. With
MessageStorage's DDL on MariaDB (varchar) and PostgreSQL (json).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import orjson
import pytest
import sqlalchemy as sa

from inspector.core.decoding import MAX_NESTING
from inspector.stores import open_store
from inspector.stores.layouts import eventsauce as eventsauce_layout
from inspector.stores.lazy import materialize

from .exact import typed
from .servers import scratch_database
from .test_eventsauce import EVENTSAUCE_MYSQL_DDL, EVENTSAUCE_PG_DDL, TABLE

BIG = 2**70
PRICE = "0.1000000000000000000001"
DEEP = "[" * (MAX_NESTING + 5) + "]" * (MAX_NESTING + 5)
WALLET = str(uuid.uuid5(uuid.NAMESPACE_URL, "pages/wallet"))
ODD_WALLET = str(uuid.uuid5(uuid.NAMESPACE_URL, "pages/odd"))


def message(stream: str, version: int, payload: str) -> str:
    headers = {"__event_type": "marketplace.wallets.events.deposited",
               "__time_of_recording": "2026-01-01 08:00:00.000000+0000",
               "__aggregate_root_id": stream, "__aggregate_root_type": "marketplace.wallets.wallet",
               "__aggregate_root_version": version}
    return '{"headers": ' + orjson.dumps(headers).decode() + ', "payload": ' + payload + "}"


def payload_text(stream: str, version: int, engine: str) -> str:
    plain = message(stream, version, f'{{"n": {version}, "amount": {version * 7}, "note": "top-up"}}')
    if stream != ODD_WALLET:
        return plain
    odd = {4: message(stream, 4, f'{{"big": {BIG}}}'),
           9: message(stream, 9, f'{{"price": {PRICE}}}'),
           13: message(stream, 13, '{"tiny": 1e-400}'),
           17: message(stream, 17, DEEP),
           21: '{"amount": 5}'}  # JSON, but no EventSauce envelope
    if engine == "mariadb":
        odd[25] = '{"headers": {"__event_type": "x",'  # malformed: a varchar holds it, json would not
    return odd.get(version, plain)


ENGINES = ["mariadb", "postgresql"]


@pytest.fixture(scope="module", params=ENGINES)
def store(request):
    engine = request.param
    db = scratch_database(request.getfixturevalue("postgres_url" if engine == "postgresql" else "mysql_url"),
                          "saucepages")
    to_id = (lambda text: uuid.UUID(text).bytes) if engine == "mariadb" else uuid.UUID
    table = sa.table(TABLE, *(sa.column(n) for n in ("event_id", "aggregate_root_id", "version", "payload")))
    try:
        with db.writer.begin() as conn:
            for statement in (EVENTSAUCE_MYSQL_DDL if engine == "mariadb" else EVENTSAUCE_PG_DDL).split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
            conn.execute(table.insert(), [
                {"event_id": to_id(str(uuid.uuid4())), "aggregate_root_id": to_id(stream), "version": version,
                 "payload": payload_text(stream, version, engine)}
                for stream in (WALLET, ODD_WALLET) for version in range(1, 33)])
        opened = open_store(db.url)
        try:
            yield opened
        finally:
            opened.close()
    finally:
        db.drop()


def test_each_payload_a_fold_reads_is_what_a_full_read_gives(store):
    assert store.layout.name == "eventsauce"
    for stream in (WALLET, ODD_WALLET):
        expected = [(e.version, typed(e.data), e.problem) for e in store.read_stream(stream)]
        got = []
        for event in store.read_for_replay(stream):
            data = event.data  # the fold's own read
            got.append((event.version, typed(data), materialize(event).problem))
        assert got == expected and len(got) == 32
    odd = {e.version: e.data for e in store.read_for_replay(ODD_WALLET)}
    assert odd[4] == {"big": BIG} and odd[9] == {"price": Decimal(PRICE)} and odd[13] == {"tiny": Decimal("1e-400")}
    assert type(odd[4]["big"]) is int and type(odd[9]["price"]) is Decimal


def test_a_page_of_plain_messages_is_never_read_message_by_message(store, monkeypatch):
    one_by_one = []
    real = eventsauce_layout.json_value

    def counted(value, **kwargs):
        one_by_one.append(value)
        return real(value, **kwargs)

    monkeypatch.setattr(eventsauce_layout, "json_value", counted)
    data = [event.data for event in store.read_for_replay(WALLET)]
    assert len(data) == 32 and all(type(value) is dict for value in data)
    assert one_by_one == []
    # a page holding a number a double does not hold is read message by message, exactly
    [event.data for event in store.read_for_replay(ODD_WALLET)]
    assert len(one_by_one) >= 32
