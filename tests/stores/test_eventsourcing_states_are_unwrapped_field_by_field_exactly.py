"""A fold unwraps the library's transcoded values field by field, and gets what a full read gets.

The library writes a state's times, decimals and UUIDs as top-level fields
``{"_type_": name, "_data_": text}``. A fold unwraps them in the decoded state's own dict
(``untranscoded_state``), not into a new one, and leaves anything else to ``untranscode``.
Whatever a stream holds — states of two kinds one after the other, a ``"_type_"`` in a
string, wrappers in a list or deeper, a wrapper of three keys or holding an object, a state
that is itself a wrapper, a key spelt with ``\\u`` escapes, compressed states, text that is
not JSON, an integer no double holds — each event's data must be what a full read gives
(every value with its type, keys in their order), and a bad row must not end the read. On
SQLite and PostgreSQL, on pages whose numbers were checked at once and on pages that were not.
"""

from __future__ import annotations

import zlib
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from inspector.stores import open_store
from inspector.stores.lazy import materialize

from .exact import typed
from .servers import scratch_database

UUID_HEX = "a554f530bc3249d2aace5125814677b7"
TS = '"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T10:00:00+00:00"}'


def wrapped(name: str, data: str) -> str:
    return f'{{"_type_":"{name}","_data_":"{data}"}}'


AMOUNT = f'"amount":{wrapped("decimal_str", "12.50")}'
#: states in the order a fold meets them
STATES: list[bytes] = [
    s.encode() if isinstance(s, str) else s
    for s in [
        f'{{{TS},"originator_topic":"shop:Wallet","owner":"ada"}}',  # one wrapper
        f'{{{TS},{AMOUNT},"n":1}}',  # two
        f'{{{TS},{AMOUNT},"n":2}}',
        f'{{{AMOUNT},{TS},"n":3}}',  # the same fields in another order
        f'{{{TS},"note":"_type_"}}',  # a "_type_" in a string
        f'{{{TS},{AMOUNT},"n":4}}',
        f'{{{TS},"ids":[{wrapped("uuid_hex", UUID_HEX)}]}}',  # a wrapper in a list
        f'{{{TS},{AMOUNT},"n":5}}',
        f'{{{TS},"who":{wrapped("uuid_hex", UUID_HEX)}}}',  # a UUID, hyphenated
        f'{{{TS},"who":{wrapped("uuid_hex", "0123456789abcdef0123456789ABCDEX")}}}',  # any 32 characters
        f'{{{TS},"who":{wrapped("uuid_hex", "abc")}}}',  # not 32: kept
        f'{{{TS},{AMOUNT},"who":{wrapped("uuid_hex", UUID_HEX)}}}',  # three
        f'{{{TS},{AMOUNT},"who":{{"_type_":"x","_data_":"y","z":1}}}}',  # three keys: not a wrapper
        f'{{{TS},{AMOUNT},"who":{{"_type_":"custom","_data_":{{"a":1,"b":[2.5,true,null]}}}}}}',  # holding an object
        f'{{{TS},{AMOUNT},"who":{{"_data_":"z","_type_":"anything"}}}}',  # keys the other way round
        f'{{{TS},{AMOUNT},"who":{{"_type_":5,"_data_":"five"}}}}',  # a name that is not text
        f'{{{TS},{AMOUNT},"who":{wrapped("uuid_hex", UUID_HEX)}}}',
        wrapped("decimal_str", "7.25"),  # the whole state a wrapper
        f'{{"_type_":"decimal_str","_data_":{{{TS},"x":1}}}}',  # the whole state a wrapper of an object
        f'{{{TS},"amount":{{"\\u005ftype_":"decimal_str","_data_":"8"}}}}',  # a key spelt with escapes
        f'{{"caf\\u00e9":{wrapped("decimal_str", "9")},{TS}}}',  # other escapes
        zlib.compress(f'{{{TS},{AMOUNT},"zipped":true}}'.encode()),
        f'{{{TS},{AMOUNT},"n":6}}',
        b"{not json at all",
        f'{{{TS},{AMOUNT},"deep":{{"a":{{"b":[{{"c":{wrapped("decimal_str", "1")}}}]}}}}}}',  # nested deep
        f'{{{TS},"timestamp":{wrapped("datetime_iso", "2027-02-02T00:00:00+00:00")}}}',  # the key twice
        f'{{{TS},{AMOUNT},"n":7}}',
        f'{{{TS},{AMOUNT},"ids":[{wrapped("uuid_hex", UUID_HEX)},{wrapped("uuid_hex", UUID_HEX)}]}}',
        f'{{{TS},{AMOUNT},"who":{wrapped("uuid_hex", UUID_HEX)},"also":{wrapped("decimal_str", "3")}}}',
        f'{{"_type_":"x","_data_":{{{TS},{AMOUNT},"a":{wrapped("decimal_str", "1")},"b":{wrapped("decimal_str", "2")}}}}}',
        f'{{{TS},{AMOUNT},"a":{wrapped("decimal_str", "1")},"b":{wrapped("decimal_str", "2")},"c":{wrapped("x", "3")}}}',
        f'{{{TS},{AMOUNT},"price":0.1,"neg":-0.0,"exp":1E5,"t":[true,false,null],"s":"\\"_type_\\""}}',
    ]
]
#: the same states with an integer no double holds: that page's numbers are checked state by state
UNCHECKED = [STATES[0].replace(b'"owner":"ada"', b'"owner":"ada","big":' + str(2**70).encode()), *STATES[1:]]
#: two kinds of event with as many transcoded fields, one after the other
MIXED = [
    f'{{{TS},{AMOUNT},"n":{n}}}'.encode() if n % 2 else f'{{{TS},"who":{wrapped("uuid_hex", UUID_HEX)}}}'.encode()
    for n in range(1, 41)
]
STREAMS = {f"{1:032x}": STATES, f"{2:032x}": UNCHECKED, f"{3:032x}": MIXED}


def topic(state: bytes) -> str:
    return "shop:Wallet.Moved" if b'"who"' in state else "shop:Wallet.Noted"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    rows = [
        (stream, version, topic(state), state)
        for stream, states in STREAMS.items()
        for version, state in enumerate(states, 1)
    ]
    if request.param == "sqlite":
        url, db = f"sqlite:///{tmp_path_factory.mktemp('es') / 'es.db'}", None
        blob, key, serial = "BLOB", "TEXT", ""
    else:
        db = scratch_database(request.getfixturevalue("postgres_url"), "esunwrap")
        url, blob, key, serial = db.url, "bytea", "uuid", ", notification_id BIGSERIAL"
    writer = sa.create_engine(url) if db is None else db.writer
    try:
        with writer.begin() as conn:
            conn.exec_driver_sql(
                f"CREATE TABLE stored_events (originator_id {key}, originator_version INTEGER, "
                f"topic TEXT, state {blob}{serial}, PRIMARY KEY (originator_id, originator_version))"
            )
            insert = sa.text(
                "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
                " VALUES (:id, :version, :topic, :state)"
            )
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


def in_order(value: Any) -> Any:
    """``typed(value)`` with every object's keys in their order."""
    if isinstance(value, dict):
        return [(key, in_order(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [in_order(item) for item in value]
    return typed(value)


def full_reads(store, stream: str) -> list[Any]:
    return [(e.version, in_order(e.data), e.problem) for e in store.read_stream(stream)]


def folded(store, stream: str) -> list[Any]:
    out = []
    for event in store.read_for_replay(stream):
        data = event.data  # the fold's own read
        out.append((event.version, in_order(data), materialize(event).problem))
    return out


def names(store) -> list[str]:
    found = sorted(summary.stream for summary in store.streams())
    assert len(found) == len(STREAMS)
    return found


def test_each_state_a_fold_unwraps_is_what_a_full_read_gives(store):
    assert store.layout.name == "eventsourcing"
    for name in names(store):
        expected = full_reads(store, name)
        assert len(expected) == len(STREAMS[name.replace("-", "")])
        assert folded(store, name) == expected
        assert folded(store, name) == expected  # again


def test_the_odd_states_read_as_the_library_wrote_them(store):
    data = {e.version: e.data for e in store.read_for_replay(names(store)[0])}
    hyphenated = "a554f530-bc32-49d2-aace-5125814677b7"
    assert data[2]["amount"] == Decimal("12.50") and data[2]["timestamp"] == "2026-01-01T10:00:00+00:00"
    assert list(data[4]) == ["amount", "timestamp", "n"]
    assert data[5]["note"] == "_type_" and data[7]["ids"] == [hyphenated] and data[9]["who"] == hyphenated
    assert data[10]["who"] == "01234567-89ab-cdef-0123-456789ABCDEX" and data[11]["who"] == "abc"
    assert data[13]["who"] == {"_type_": "x", "_data_": "y", "z": 1}
    assert data[14]["who"] == {"a": 1, "b": [2.5, True, None]} and data[15]["who"] == "z"
    assert (
        data[16]["who"] == "five"
        and data[18] == Decimal("7.25")
        and data[19] == {"timestamp": "2026-01-01T10:00:00+00:00", "x": 1}
    )
    assert data[20]["amount"] == Decimal("8") and data[21]["café"] == Decimal("9") and data[22]["zipped"] is True
    assert data[24] is None and data[25]["deep"] == {"a": {"b": [{"c": Decimal("1")}]}}
    assert data[26]["timestamp"] == "2027-02-02T00:00:00+00:00"
    assert data[28]["ids"] == [hyphenated] * 2 and data[29]["who"] == hyphenated and data[29]["also"] == Decimal("3")
    assert data[30]["a"] == Decimal("1") and data[31]["c"] == "3"
    assert data[32]["s"] == '"_type_"' and type(data[32]["price"]) is float


def test_a_stream_of_the_usual_states_is_not_untranscoded_whole(store, monkeypatch):
    from inspector.stores.layouts import eventsourcing as eventsourcing_layout

    first, _, mixed = names(store)  # (listing streams reads times: states untranscoded whole)
    whole = []
    real = eventsourcing_layout.untranscode
    monkeypatch.setattr(eventsourcing_layout, "untranscode", lambda value: whole.append(value) or real(value))
    usual = [event.data for event in store.read_for_replay(first) if event.version in (1, 2, 3, 4, 6)]
    assert [data.get("n") for data in usual] == [None, 1, 2, 3, 4]
    assert whole == []  # their wrappers are top-level fields: unwrapped in place
    whole.clear()
    data = [event.data for event in store.read_for_replay(mixed)]
    assert data[0]["amount"] == Decimal("12.50") and data[1]["who"] == "a554f530-bc32-49d2-aace-5125814677b7"
    assert len(data) == 40 and whole == []
