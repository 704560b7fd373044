"""Capped pages of ``eventsourcing`` states on MariaDB and SQLite, where the page's own statement
reads a big state's time and metadata (``json_valid``, ``json_extract``/``->``): the same odd
states as on PostgreSQL (``test_capped_eventsourcing_pages_on_postgres``) give the same events as
reading them whole. Where MariaDB's functions read a state otherwise than the inspector's decoder
(a repeated key: they take the first, the decoder the last; a key spelt with an escape; bytes that
are not UTF-8; the library's transcoded wrapper at top level), the state is read whole; on SQLite
too, and also a NUL byte (SQLite's text ends there) and nesting the decoder refuses but SQLite's
``json_valid`` follows (up to 2000 levels). Tables as eventsourcing-sqlalchemy makes
them, states made by the library's own mapper.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from eventsourcing.application import Application

from inspector.core.decoding import MAX_NESTING
from inspector.stores import open_store
from inspector.stores.layouts.eventsourcing import EventsourcingLayout
from inspector.stores.lazy import PayloadLeftOut, capped_columns, left_out

from .servers import writable_target
from .test_capped_eventsourcing_pages_on_postgres import (
    CAP, PADDING, TIME, Catalogue, _odd_states, _same_but_the_payload)
from .test_eventsourcing_id_types import _sqlalchemy_tables

#: the odd states a capped page leaves out on MariaDB (the others are read whole)
LEFT_OUT = {"nested keys first", "not ascii", "exact texts", "nul escape", "huge number"}
#: SQLite: a lone surrogate escape is read by the decoder with no problem (MariaDB refuses it),
#: and a state nested exactly as deep as the decoder reads is left out
LEFT_OUT_ON_SQLITE = LEFT_OUT | {"lone surrogate", f"{MAX_NESTING} levels"}


def _sqlite_states() -> dict[str, bytes]:
    """States SQLite's JSON functions alone would read otherwise than the decoder, beyond the
    odd ones every server gets: a NUL byte after the object (SQLite's text stops there), and
    nesting on either side of the decoder's limit (SQLite's ``json_valid`` follows 2000 levels)."""
    def nested(levels: int) -> bytes:  # the object itself is a level
        inner = "[" * (levels - 1) + "1" + "]" * (levels - 1)
        return f'{{"timestamp":{TIME},"actor":"ada","deep":{inner},"pad":{PADDING}}}'.encode()

    return {
        "nul after the object": f'{{"timestamp":{TIME},"actor":"ada","pad":{PADDING}}}'.encode() + b"\x00, more",
        f"{MAX_NESTING} levels": nested(MAX_NESTING),
        f"{MAX_NESTING + 1} levels": nested(MAX_NESTING + 1),
    }


@pytest.fixture(scope="module", params=["sqlite", "mysql"])
def odd_store(request, tmp_path_factory):
    writer, target, drop = writable_target(request, request.param, tmp_path_factory.mktemp("odd") / "odd.db", "esodd")
    metadata = _sqlalchemy_tables(writer.dialect.name)
    metadata.create_all(writer)
    mapper = Application().mapper
    big = Catalogue(items=[{"sku": f"sku-{n}", "price": n * 1.5} for n in range(300)], note={"actor": "nested"},
                    actor="ada")
    big.rename(title="spring", actor="ada")
    big.link(correlation_id="corr-1", causation_id="cause-1", padding="q" * 3_000, actor="bo")
    rows = [(e.originator_id, e.originator_version, e.topic, e.state)
            for e in map(mapper.to_stored_event, big.collect_events())]
    odd = uuid.uuid4()
    odd_states = _odd_states() | (_sqlite_states() if request.param == "sqlite" else {})
    rows += [(odd, version, "tests:Catalogue.Odd", state) for version, state in enumerate(odd_states.values(), 1)]
    with writer.begin() as conn:
        conn.execute(metadata.tables["desk_events"].insert(), [
            {"originator_id": key.bytes, "originator_version": version, "topic": topic, "state": state}
            for key, version, topic, state in rows])
    writer.dispose()
    store = open_store(target)
    try:
        yield store, str(big.id), str(odd)
    finally:
        store.close()
        if drop:
            drop()


def test_a_capped_page_gives_every_field_as_reading_each_state_whole_gives_it(odd_store):
    store, big, odd = odd_store
    whole = store.read_all(limit=1_000)
    capped = store.read_all(limit=1_000, payload_cap=CAP)
    names = list(_odd_states() | (_sqlite_states() if store.engine.dialect.name == "sqlite" else {}))
    assert [e.position for e in capped] == [e.position for e in whole] and len(whole) == 3 + len(names)
    left = set()
    for page, full in zip(capped, whole):
        if left_out(page) is None:
            assert repr(page) == repr(full)  # read whole (repr: a NaN is not equal to itself)
            continue
        assert isinstance(page.data, PayloadLeftOut) and page.raw is None
        _same_but_the_payload(page, full)
        if page.stream == odd:
            left.add(names[page.version - 1])
    assert [left_out(e) is not None for e in capped if e.stream == big] == [True, False, True]
    assert left == (LEFT_OUT_ON_SQLITE if store.engine.dialect.name == "sqlite" else LEFT_OUT)


def test_an_sqlite_engine_the_inspector_did_not_open_reads_big_states_whole(tmp_path):
    """Only the inspector's own SQLite connections tell strict UTF-8 apart (``UTF8_FUNCTION``):
    on any other engine a capped page leaves no state out, rather than fail or guess."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    _sqlalchemy_tables("sqlite").create_all(engine)
    layout = EventsourcingLayout.detect(engine, sa.inspect(engine))
    assert layout is not None
    assert capped_columns(layout, CAP) is None
    guarded = open_store(str(tmp_path / "plain.db"))
    try:
        assert capped_columns(guarded.layout, CAP) is not None
    finally:
        guarded.close()
        engine.dispose()
