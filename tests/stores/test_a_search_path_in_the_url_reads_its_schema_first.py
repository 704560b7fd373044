"""A PostgreSQL URL whose ``options`` set a ``search_path`` reads the stores in that path's
schemas before any other: a generic ``events`` table in schema ``orders`` is read with
``search_path=orders``, though the eventsourcing library wrote its tables into schema ``ledger``
(which, without a search_path, is read first, as before); the note says how to read the other.
The window: tests/ui/test_the_window_reads_the_store_a_search_path_points_at.py."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.stores import StoreError, open_store

from .servers import eventsourcing_postgres_env, scratch_database
from .shop import Shop, Wallet


@pytest.fixture(scope="module")
def two_schemas(postgres_url: str) -> Iterator[tuple[str, str]]:
    db = scratch_database(postgres_url, "searchpath")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA ledger")
            conn.exec_driver_sql("CREATE SCHEMA orders")
            conn.exec_driver_sql("CREATE TABLE orders.events (position bigserial PRIMARY KEY, stream text NOT NULL, "
                                 "version int NOT NULL, type text NOT NULL, data jsonb NOT NULL, "
                                 "recorded_at timestamptz)")
            conn.exec_driver_sql("INSERT INTO orders.events (stream, version, type, data, recorded_at) VALUES "
                                 "('order-1', 1, 'Placed', '{}', '2026-01-01T00:00:00Z')")
        app = Shop(env=eventsourcing_postgres_env(sa.engine.make_url(db.url), POSTGRES_SCHEMA="ledger"))
        wallet = Wallet("ada", actor="ada")
        app.save(wallet)
        app.close()
        yield db.url, str(wallet.id)
    finally:
        db.drop()


def _read(url: str) -> tuple[str, str, list[str], str | None]:
    store = open_store(url)
    try:
        return store.layout_name, store.layout.table.name, [s.stream for s in store.streams()], store.choice_note
    finally:
        store.close()


def test_a_search_path_reads_the_generic_table_in_its_schema(two_schemas: tuple[str, str]) -> None:
    url, wallet = two_schemas
    layout, table, streams, note = _read(url + "?options=-csearch_path%3Dorders")
    assert (layout, table, streams) == ("generic", "events", ["order-1"])
    assert note == ("2 event stores in this database, reading orders.events (generic); to read another: "
                    "ledger.shop_events (eventsourcing) with --layout eventsourcing")
    # without one, the library's schema is found by the search, as before, and the note says how to read orders
    layout, table, streams, note = _read(url)
    assert (layout, table, streams) == ("eventsourcing", "shop_events", [wallet])
    assert note is not None and "orders.events (generic) with options=-csearch_path%3Dorders in the URL" in note


def test_streams_with_a_search_path_lists_that_schema_s_streams(two_schemas: tuple[str, str],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    url, _wallet = two_schemas
    assert main(["streams", url + "?options=-csearch_path%3Dorders", "--json"]) == 0
    assert [s["stream"] for s in json.loads(capsys.readouterr().out)] == ["order-1"]


def test_a_search_path_of_two_schemas_reads_them_in_its_order_naming_each_table_where_it_is(
        two_schemas: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    url, wallet = two_schemas
    # the path's first schema holds the generic table: it is read, though eventsourcing is tried first elsewhere
    layout, table, streams, note = _read(url + "?options=-csearch_path%3Dorders,ledger")
    assert (layout, table, streams) == ("generic", "events", ["order-1"])
    assert note == ("2 event stores in this database, reading orders.events (generic); to read another: "
                    "ledger.shop_events (eventsourcing) with --layout eventsourcing")
    assert main(["info", url + "?options=-csearch_path%3Dorders,ledger"]) == 0
    out = capsys.readouterr().out
    assert "orders.events.stream" in out and "ledger.events" not in out
    # the other way round: the library's table, named in its own schema, and no table that is not there
    layout, table, streams, note = _read(url + "?options=-csearch_path%3Dledger,orders")
    assert (layout, table, streams) == ("eventsourcing", "shop_events", [wallet])
    assert note == ("2 event stores in this database, reading ledger.shop_events (eventsourcing); to read another: "
                    "orders.events (generic) with options=-csearch_path%3Dorders in the URL")
    assert main(["info", url + "?options=-csearch_path%3Dledger,orders"]) == 0
    out = capsys.readouterr().out
    assert "ledger.shop_events.originator_id" in out and "orders.shop_events" not in out
    # --layout generic with ledger first: the session's schema holds none, and the error says which
    # schema's tables it looked at and where a generic table is
    with pytest.raises(StoreError) as raised:
        open_store(url + "?options=-csearch_path%3Dledger,orders", layout="generic")
    assert "tables in ledger: " in str(raised.value) and "orders.events in another schema" in str(raised.value)
    assert "ledger.events" not in str(raised.value)
    # --layout eventsourcing with orders first reads the library's table where it is
    store = open_store(url + "?options=-csearch_path%3Dorders,ledger", layout="eventsourcing")
    try:
        assert (store.layout.table.schema, [s.stream for s in store.streams()]) == ("ledger", [wallet])
    finally:
        store.close()
