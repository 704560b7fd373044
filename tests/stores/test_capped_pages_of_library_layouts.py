"""Capped pages (``read_all(payload_cap=...)``) of the stores EventSauce, Axon and the
``eventsourcing`` library write, on every engine each lives on: a payload over the cap stays in
the store (the event carries its size), every other field is the one a full read gives, even
where the layout reads those fields from the payload (EventSauce's headers, eventsourcing's
time and actor: SQL reads them alone), and ``full_event`` reads the payload whole. A payload SQL
cannot read those fields of (compressed, encrypted, malformed, not an envelope) is read whole.
Built with the contract tests' stores (their bad rows too) and eventsourcing-sqlalchemy's tables.
"""

from __future__ import annotations

import pytest

from inspector.stores import open_store
from inspector.stores.lazy import PayloadLeftOut, full_event, left_out

from . import test_axon as axon
from . import test_eventsauce as eventsauce
from . import test_eventsauce_schema_versions as eventsauce_versions
from . import test_server_contract as server_contract
from . import test_sqlite_contract as sqlite_contract
from .test_eventsourcing_id_types import WALLET, binary_ids  # noqa: F401 - a fixture used below

#: smaller than any payload: every payload a capped page can leave out is left out
CAP = 8

#: (id, module, class name, which payloads SQL leaves out there: "most" (all but bad rows), "plain"
#: (the few uncompressed states among compressed ones), "none")
BUILDERS = [
    ("eventsauce-mariadb", eventsauce, "TestEventSauceLayoutOnMariadb", "most"),
    ("eventsauce-postgres-json", eventsauce, "TestEventSauceLayoutOnPostgres", "most"),
    ("eventsauce-string-ids-mariadb", eventsauce, "TestEventSauceStringIdsOnMariadb", "most"),
    ("eventsauce-pre-1.0-mariadb", eventsauce_versions, "TestPreOneZeroSchemaOnMariadb", "most"),
    ("eventsauce-without-id-postgres", eventsauce_versions, "TestOneXSchemaWithoutIdOnPostgres", "most"),
    ("axon-large-objects-postgres", axon, "TestAxonJpaWithLargeObjectsOnPostgres", "most"),
    ("axon-jdbc-postgres", axon, "TestAxonJdbcOnPostgres", "most"),
    ("axon-jdbc-mariadb", axon, "TestAxonJdbcCamelCaseOnMariadb", "most"),
    # the library's own stores: zlib-compressed states (SQLite: read whole but for a few plain
    # ones among the bad rows), and plain JSON in PostgreSQL's bytea (each big state's fields
    # read by a statement of its own, the bad rows read whole)
    ("eventsourcing-sqlite-compressed", sqlite_contract, "TestEventsourcingLayoutOnSqlite", "plain"),
    ("eventsourcing-postgres", server_contract, "TestEventsourcingLayoutOnPostgres", "most"),
]


@pytest.fixture(scope="module", params=BUILDERS, ids=[b[0] for b in BUILDERS])
def built(request, tmp_path_factory):
    _, module, name, leaves_out = request.param
    result = getattr(module, name)().build(request, tmp_path_factory.mktemp(name.lower()))
    result.leaves_out = leaves_out
    try:
        yield result
    finally:
        result.store.close()
        if result.cleanup is not None:
            result.cleanup()


def _same_but_the_payload(page, whole) -> None:
    assert (page.position, page.stream, page.version, page.type, page.recorded_at, page.metadata, page.actor) == (
        whole.position, whole.stream, whole.version, whole.type, whole.recorded_at, whole.metadata, whole.actor)


def test_a_capped_page_leaves_big_payloads_out_with_every_other_field_as_a_full_read_gives_it(built):
    store = built.store
    whole = store.read_all(limit=10_000)
    capped = store.read_all(limit=10_000, payload_cap=CAP)
    assert [e.position for e in capped] == [e.position for e in whole] and len(whole) > 10
    left = 0
    for page, full in zip(capped, whole):
        marker = left_out(page)
        if marker is None:
            assert page == full  # read whole: a payload SQL cannot describe, or one under the cap
            continue
        left += 1
        assert isinstance(page.data, PayloadLeftOut) and marker.size > CAP and page.raw is None
        _same_but_the_payload(page, full)
        assert page.problem == full.problem  # a payload with a problem of its own is read whole
        assert full_event(store, page) == full
    if built.leaves_out == "most":
        assert left >= len(whole) - len(built.bad) - 12  # all but bad rows (and a few odd ones)
    elif built.leaves_out == "plain":
        assert 0 < left <= len(built.bad)
    else:
        assert left == 0


def test_a_capped_page_of_one_stream_leaves_the_same_payloads_out(built):
    store = built.store
    stream = sorted(built.streams.values())[0]
    whole = list(store.read_stream(stream))
    capped = list(store.read_stream(stream, payload_cap=CAP))
    assert len(capped) == len(whole) > 0
    for page, full in zip(capped, whole):
        if left_out(page) is None:
            assert page == full
        else:
            _same_but_the_payload(page, full)
    assert any(left_out(page) is not None for page in capped) is (built.leaves_out == "most")


def test_eventsourcing_sqlalchemy_tables_leave_big_states_out_where_sql_reads_their_json(binary_ids):  # noqa: F811
    store = open_store(binary_ids.target)
    try:
        whole = store.read_all(limit=100)
        capped = store.read_all(limit=100, payload_cap=CAP)
        again = [full_event(store, page) for page in capped]
    finally:
        store.close()
    assert len(whole) == 4 and [e.position for e in capped] == [e.position for e in whole]
    left = [page for page in capped if left_out(page) is not None]
    assert len(left) == len(whole)
    for page, full in zip(capped, whole):
        _same_but_the_payload(page, full)
        assert full.recorded_at is not None and full.actor == "ada@example.com"
    assert again == whole
    assert {e.stream for e in whole} >= {str(WALLET)}
