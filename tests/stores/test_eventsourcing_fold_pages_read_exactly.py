"""An eventsourcing fold reads every state exactly, however its page of rows was checked.

A replay checks a page's states for numbers orjson would read inexactly once for the whole
page (``page_reads_exactly``); the states of a clean page go straight to orjson, then are
untranscoded. Whatever a page holds — an integer no double holds, a decimal with more digits
than a double keeps, a tiny exponent, NaN, nesting past the limit, text that is not JSON, a
compressed state — each event's data must be what a full read gives (value and type of every
number), and a bad row must not end the read. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import zlib
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from inspector.core.decoding import MAX_NESTING
from inspector.stores import open_store
from inspector.stores.lazy import materialize

from .exact import typed
from .servers import scratch_database

BIG = 2**70
PRICE = "0.1000000000000000000001"
STAMP = '"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T10:00:00+00:00"}'
DEEP = "[" * (MAX_NESTING + 5) + "]" * (MAX_NESTING + 5)
ODD = {
    4: f'{{{STAMP},"big":{BIG}}}'.encode(),
    9: f'{{{STAMP},"price":{PRICE}}}'.encode(),
    13: f'{{{STAMP},"tiny":1e-400}}'.encode(),
    17: f'{{{STAMP},"not_a_number":NaN}}'.encode(),
    21: f'{{{STAMP},"deep":{DEEP}}}'.encode(),
    25: b"{not json at all",
    29: zlib.compress(f'{{{STAMP},"zipped":{BIG}}}'.encode()),
}
STREAMS = [f"{n:032x}" for n in (1, 2)]


def state(version: int, stream: str) -> bytes:
    plain = f'{{{STAMP},"amount":{{"_type_":"decimal_str","_data_":"{version}.5"}},"n":{version}}}'.encode()
    return ODD.get(version, plain) if stream == STREAMS[0] else plain


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    rows = [(stream, version, "shop:Wallet.Deposited", state(version, stream))
            for stream in STREAMS for version in range(1, 33)]
    if request.param == "sqlite":
        url, db = f"sqlite:///{tmp_path_factory.mktemp('es') / 'es.db'}", None
        blob, key, serial = "BLOB", "TEXT", ""
    else:
        db = scratch_database(request.getfixturevalue("postgres_url"), "espages")
        url, blob, key, serial = db.url, "bytea", "uuid", ", notification_id BIGSERIAL"
    writer = sa.create_engine(url) if db is None else db.writer
    try:
        with writer.begin() as conn:
            conn.exec_driver_sql(f"CREATE TABLE stored_events (originator_id {key}, originator_version INTEGER, "
                                 f"topic TEXT, state {blob}{serial}, PRIMARY KEY (originator_id, originator_version))")
            insert = sa.text("INSERT INTO stored_events (originator_id, originator_version, topic, state)"
                             " VALUES (:id, :version, :topic, :state)")
            conn.execute(insert, [dict(id=i, version=v, topic=t, state=s) for i, v, t, s in rows])
        opened = open_store(url if db is None else db.url)
        try:
            yield opened
        finally:
            opened.close()
    finally:
        if db is None:
            writer.dispose()
        else:
            db.drop()


def expected(store, stream: str) -> list[Any]:
    return [(e.version, typed(e.data), e.problem is not None) for e in store.read_stream(stream)]


def seen(events) -> list[Any]:
    out = []
    for event in events:
        data = event.data  # the fold's own read
        out.append((event.version, typed(data), materialize(event).problem is not None))
    return out


def test_each_state_a_fold_reads_is_what_a_full_read_gives(store):
    assert store.layout.name == "eventsourcing"
    names = [summary.stream for summary in store.streams()]
    assert len(names) == 2
    for name in names:
        assert seen(store.read_for_replay(name)) == expected(store, name) != []
    odd = next(name for name in names if name.replace("-", "").endswith("1"))
    data = {e.version: e.data for e in store.read_for_replay(odd)}
    assert data[4]["big"] == BIG and data[9]["price"] == Decimal(PRICE) and data[13]["tiny"] == Decimal("1e-400")
    assert data[29]["zipped"] == BIG and data[21] is None and data[25] is None
    assert data[1]["amount"] == Decimal("1.5") and data[1]["timestamp"] == "2026-01-01T10:00:00+00:00"


def test_a_page_of_plain_states_is_not_looked_at_state_by_state(store, monkeypatch):
    from inspector.stores.layouts import eventsourcing as eventsourcing_layout

    looked = []
    real = eventsourcing_layout.json_value
    monkeypatch.setattr(eventsourcing_layout, "json_value", lambda value, **kw: looked.append(value) or real(value, **kw))
    plain = next(s.stream for s in store.streams() if not s.stream.replace("-", "").endswith("1"))
    data = [event.data for event in store.read_for_replay(plain)]
    assert len(data) == 32 and all(type(value) is dict for value in data)
    assert looked == []
