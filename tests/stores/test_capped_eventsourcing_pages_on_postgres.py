"""Capped pages of an ``eventsourcing`` store on PostgreSQL: a big state whose time and metadata
(``timestamp``, ``actor``, ``correlation_id``, ``causation_id``) the server reads alone stays in
the store, every other field as reading it whole gives it; a state the server cannot read so
(not UTF-8, NaN, compressed, truncated, ``\\u0000``, too deep, ...) is read whole, and never
fails the page. The store is written by the library itself; the odd rows are the test's own.
"""

from __future__ import annotations

import uuid
import zlib
from decimal import Decimal

import pytest
import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from inspector.core.matching import EventFilter
from inspector.stores import open_store
from inspector.stores.lazy import PayloadLeftOut, full_event, left_out

from .servers import eventsourcing_postgres_env, scratch_database

CAP = 1_000  # bytes: every state made big below is over it, every small one under
TIME = '{"_type_":"datetime_iso","_data_":"2024-05-01T09:30:00+00:00"}'
NESTED_TIME = '{"_type_":"datetime_iso","_data_":"1999-01-01T00:00:00+00:00"}'
PADDING = '"' + "p" * 2_000 + '"'


class Catalogue(Aggregate):
    @event("Imported")
    def __init__(self, items: list, note: dict, actor: str | None) -> None:
        self.items = items

    @event("Renamed")
    def rename(self, title: str, actor: str | None) -> None:
        self.title = title

    @event("Linked")
    def link(self, correlation_id: str, causation_id: str, padding: str, actor: str) -> None:
        self.linked = correlation_id


class Catalogues(Application):
    """Its recorder writes ``catalogues_events`` (bytea ``state``, plain JSON: no compressor)."""


def _odd_states() -> dict[str, bytes]:
    """States the library could not have written with these settings, or could with others;
    each big, each starting as a JSON object would (but the compressed one)."""
    def doc(text: str) -> bytes:
        return text.encode("utf-8")

    deep = "[" * 210 + "1" + "]" * 210
    return {
        # read apart: the fields are the top-level ones, the last of a repeated key
        "nested keys first": doc(f'{{"note":{{"timestamp":{NESTED_TIME},"actor":"nested"}},"timestamp":{TIME},'
                                 f'"actor":"real","pad":{PADDING}}}'),
        "repeated actor": doc(f'{{"timestamp":{TIME},"actor":"first","pad":{PADDING},"actor":"last"}}'),
        "not ascii": doc(f'{{"timestamp":{TIME},"actor":"zoë","title":"{"é😀" * 600}"}}'),
        # fields as written, whatever their kind: an exponent stays a float, keys keep their order
        "exact texts": doc(f'{{"timestamp":{TIME},"actor":{{"name":"ada","id":7}},"correlation_id":1.0e2,'
                           f'"causation_id":[3,{{"b":1,"a":2}}],"pad":{PADDING}}}'),
        "transcoded ids": doc(f'{{"timestamp":{TIME},"act\\u006fr":"ada","correlation_id":{{"_type_":"uuid_hex",'
                              f'"_data_":"{uuid.UUID(int=7).hex}"}},"causation_id":{{"_data_":"2.50","_type_":'
                              f'"decimal_str"}},"pad":{PADDING}}}'),
        # read whole
        "not utf-8": doc(f'{{"timestamp":{TIME},"actor":"ada","pad":"') + b"\xff\xfe" * 600 + b'"}',
        "utf-8 surrogate": doc(f'{{"timestamp":{TIME},"actor":"ada","pad":"') + b"\xed\xa0\x80" * 400 + b'"}',
        "nan": doc(f'{{"timestamp":{TIME},"actor":"ada","ratio":NaN,"pad":{PADDING}}}'),
        "infinity": doc(f'{{"timestamp":{TIME},"actor":"ada","ratio":-Infinity,"pad":{PADDING}}}'),
        "compressed": zlib.compress(doc(f'{{"timestamp":{TIME},"actor":"ada","pad":"{"x" * 5_000}"}}'), 0),
        "truncated": doc(f'{{"timestamp":{TIME},"actor":"ada","pad":{PADDING}')[:-1],
        "nul escape": doc(f'{{"timestamp":{TIME},"actor":"ada","pad":"\\u0000{"p" * 2_000}"}}'),
        "lone surrogate": doc(f'{{"timestamp":{TIME},"actor":"ada","pad":"\\ud800{"p" * 2_000}"}}'),
        "too deep": doc(f'{{"timestamp":{TIME},"actor":"ada","deep":{deep},"pad":{PADDING}}}'),
        "huge number": doc(f'{{"timestamp":{TIME},"actor":"ada","n":1e999999,"list":[{"[],"* 300}1]}}'),
        "wrapped, a key repeated": doc(f'{{"_type_":1,"_data_":{{"timestamp":{TIME},"actor":"ada","pad":{PADDING}}},'
                                       f'"_type_":"custom"}}'),
        "wrapped": doc(f'{{"_type_":"custom","_data_":{{"timestamp":{TIME},"actor":"ada","pad":{PADDING}}}}}'),
        "array": doc(f'[{{"timestamp":{TIME},"actor":"ada"}},{PADDING}]'),
        "encrypted": b"{" + bytes(range(256)) * 8,
    }


#: the odd rows whose big state a capped page leaves out
ODD_LEFT_OUT = {"nested keys first", "repeated actor", "not ascii", "exact texts", "transcoded ids"}


@pytest.fixture(scope="module")
def catalogue_store(request):
    db = scratch_database(request.getfixturevalue("postgres_url"), "escap")
    url = sa.engine.make_url(db.url)
    app = Catalogues(env=eventsourcing_postgres_env(url))
    items = [{"sku": f"sku-{n}", "price": n * 1.5, "tags": ["a", "b"]} for n in range(300)]  # > 200 brackets
    big = Catalogue(items=items, note={"actor": "nested", "timestamp": "x"}, actor="ada")
    big.rename(title="spring", actor="ada")  # small
    big.rename(title="é😀" * 400, actor=None)  # big, not ASCII, a null actor
    big.link(correlation_id="corr-1", causation_id="cause-1", padding="q" * 3_000, actor="bo")  # big
    small = Catalogue(items=[], note={}, actor="bo")
    small.rename(title="autumn", actor="bo")
    app.save(big, small)
    app.close()
    odd = uuid.uuid4()
    with db.writer.begin() as conn:
        for version, state in enumerate(_odd_states().values(), start=1):
            conn.exec_driver_sql(
                "INSERT INTO catalogues_events (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)",
                (odd, version, "tests:Catalogue.Odd", state))
    store = open_store(db.url)
    try:
        yield store, str(big.id), str(odd)
    finally:
        store.close()
        db.drop()


def _same_but_the_payload(page, whole) -> None:
    """Every field but the payload alike, to the kind of each value and the order of each key (repr)."""
    assert repr((page.position, page.stream, page.version, page.type, page.recorded_at, page.metadata, page.actor,
                 page.problem)) == repr((whole.position, whole.stream, whole.version, whole.type, whole.recorded_at,
                                         whole.metadata, whole.actor, whole.problem))


def _left_out_names(events, odd_stream: str) -> set[str]:
    names = list(_odd_states())
    return {names[e.version - 1] for e in events if e.stream == odd_stream and left_out(e) is not None}


def test_a_capped_page_leaves_out_the_big_states_the_server_reads_the_fields_of(catalogue_store):
    store, big, odd = catalogue_store
    whole = store.read_all(limit=1_000)
    capped = store.read_all(limit=1_000, payload_cap=CAP)
    assert [e.position for e in capped] == [e.position for e in whole]  # every row, the bad ones too
    assert len(whole) == 6 + len(_odd_states())
    for page, full in zip(capped, whole):
        if left_out(page) is None:
            assert repr(page) == repr(full)  # read whole (repr: a NaN is not equal to itself)
            continue
        assert isinstance(page.data, PayloadLeftOut) and page.raw is None
        _same_but_the_payload(page, full)
    library_left = [(e.version, e.type) for e in capped if e.stream == big and left_out(e) is not None]
    assert library_left == [(1, "Catalogue.Imported"), (3, "Catalogue.Renamed"), (4, "Catalogue.Linked")]
    assert _left_out_names(capped, odd) == ODD_LEFT_OUT


def test_fields_of_a_left_out_state_are_its_top_level_ones(catalogue_store):
    store, big, odd = catalogue_store
    by_place = {(e.stream, e.version): e for e in store.read_all(limit=1_000, payload_cap=CAP)}
    names = list(_odd_states())
    nested_first = by_place[(odd, names.index("nested keys first") + 1)]
    assert left_out(nested_first) is not None
    assert nested_first.actor == "real" and nested_first.recorded_at.year == 2024
    assert by_place[(odd, names.index("repeated actor") + 1)].actor == "last"
    imported, linked = by_place[(big, 1)], by_place[(big, 4)]
    assert imported.actor == "ada" and imported.recorded_at is not None  # its "note" holds an "actor" too
    assert (linked.metadata["correlation_id"], linked.metadata["causation_id"], linked.actor) == (
        "corr-1", "cause-1", "bo")
    exact = by_place[(odd, names.index("exact texts") + 1)].metadata
    assert list(exact["actor"]) == ["name", "id"] and repr(exact["correlation_id"]) == "100.0"
    assert exact["causation_id"] == [3, {"b": 1, "a": 2}] and list(exact["causation_id"][1]) == ["b", "a"]
    ids = by_place[(odd, names.index("transcoded ids") + 1)]
    assert (ids.actor, ids.metadata["correlation_id"], ids.metadata["causation_id"]) == (
        "ada", str(uuid.UUID(int=7)), Decimal("2.50"))  # the library's decimal: a number
    renamed = by_place[(big, 3)]
    assert "actor" in renamed.metadata and renamed.metadata["actor"] is None


def test_states_the_server_cannot_read_apart_are_read_whole_with_their_problem(catalogue_store):
    store, _, odd = catalogue_store
    whole = {e.version: e for e in store.read_stream(odd)}
    capped = {e.version: e for e in store.read_stream(odd, payload_cap=CAP)}
    assert capped.keys() == whole.keys() == set(range(1, len(_odd_states()) + 1))
    names = list(_odd_states())
    for version, page in capped.items():
        if names[version - 1] in ODD_LEFT_OUT:
            assert left_out(page) is not None
            _same_but_the_payload(page, whole[version])
        else:
            assert left_out(page) is None and repr(page) == repr(whole[version])
    problems = {names[v - 1] for v, e in capped.items() if e.problem}
    assert {"not utf-8", "truncated", "too deep", "encrypted"} <= problems
    assert capped[names.index("wrapped") + 1].recorded_at is not None  # unwrapped by the whole read


def test_a_left_out_state_is_read_whole_on_demand(catalogue_store):
    store, big, _ = catalogue_store
    capped = list(store.read_stream(big, payload_cap=CAP))
    whole = list(store.read_stream(big))
    assert [full_event(store, page) for page in capped] == whole
    found = store.read_all(limit=10, payload_cap=CAP, filters=EventFilter(streams=(big,)))
    assert [left_out(e) is not None for e in found] == [True, False, True, True]
    assert all(left_out(e).size > CAP for e in found if left_out(e) is not None)
