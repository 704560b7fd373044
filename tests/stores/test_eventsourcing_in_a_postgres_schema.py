"""A PostgreSQL store the eventsourcing library wrote into a schema of its own (``POSTGRES_SCHEMA``)
is found there, and a URL's own ``options`` (a ``search_path``) reach the session, while the
inspector's read-only and UTC startup options still win over anything the URL says."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.stores import open_store
from inspector.stores.connect import server_read_only_engine
from inspector.stores.lazy import left_out

from .servers import eventsourcing_postgres_env, scratch_database
from .shop import Shop, Wallet


@pytest.fixture(scope="module")
def library_store_in_a_schema(postgres_url):
    """One wallet (opened, granted 5, spent 2; a snapshot at v2) written by the library with POSTGRES_SCHEMA set."""
    db = scratch_database(postgres_url, "esschema")
    schema = f"ledger_{uuid.uuid4().hex[:8]}"
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = sa.engine.make_url(db.url)
        app = Shop(env=eventsourcing_postgres_env(url, POSTGRES_SCHEMA=schema, IS_SNAPSHOTTING_ENABLED="y"))
        wallet = Wallet("ada", actor="ada")
        wallet.grant(5, actor="ada")
        wallet.spend(2, actor="bob")
        app.save(wallet)
        app.take_snapshot(wallet.id, version=2)
        app.close()
        yield db, schema, str(wallet.id)
    finally:
        with db.writer.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        db.drop()


def test_the_library_s_tables_in_their_own_schema_are_found_there(library_store_in_a_schema, capsys):
    db, schema, wallet = library_store_in_a_schema
    with db.writer.connect() as conn:  # nothing in the default schema: only the library's schema holds tables
        assert conn.exec_driver_sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").scalar() == 0

    store = open_store(db.url)
    try:
        assert store.layout_name == "eventsourcing"
        assert (store.layout.table.schema, store.layout.table.name) == (schema, "shop_events")
        assert [(s.stream, s.category, s.count) for s in store.streams()] == [(wallet, "Wallet", 3)]
        assert [e.type for e in store.read_stream(wallet)] == [
            "Wallet.Opened", "Wallet.CreditsGranted", "Wallet.CreditsSpent"]
        assert [(s.version, s.state["credits"]) for s in store.snapshots(wallet)] == [(2, 5)]
    finally:
        store.close()

    assert main(["info", db.url, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    columns = {column["role"]: column["column"] for column in info["columns"]}
    assert columns["stream"] == f"{schema}.shop_events.originator_id"
    assert columns["snapshot"] == f"{schema}.shop_snapshots.originator_id"

def test_a_capped_page_reads_the_fields_of_each_big_state_from_the_schema_s_table(library_store_in_a_schema):
    db, _, wallet = library_store_in_a_schema
    store = open_store(db.url)
    try:
        whole = list(store.read_stream(wallet))
        capped = list(store.read_stream(wallet, payload_cap=8))  # every state is over 8 bytes
    finally:
        store.close()
    assert [left_out(e) is not None for e in capped] == [True, True, True]
    assert [(e.recorded_at, e.metadata) for e in capped] == [(e.recorded_at, e.metadata) for e in whole]


def test_a_search_path_in_the_url_s_options_reaches_the_session(library_store_in_a_schema, capsys):
    db, schema, wallet = library_store_in_a_schema
    url = f"{db.url}?options=-csearch_path%3D{schema}"

    store = open_store(url)
    try:
        assert store.layout_name == "eventsourcing"
        assert store.layout.table.schema is None  # found in the session's own schema, as the URL asked
        assert [s.stream for s in store.streams()] == [wallet]
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW search_path").scalar() == schema
    finally:
        store.close()
    assert main(["streams", url]) == 0
    assert wallet in capsys.readouterr().out


def test_url_options_cannot_make_the_session_writable_or_change_its_zone(library_store_in_a_schema):
    db, schema, _wallet = library_store_in_a_schema
    url = (f"{db.url}?options=-csearch_path%3D{schema}%20-c%20default_transaction_read_only%3Doff"
           "%20-c%20TimeZone%3DAsia/Tokyo%20--default-transaction-read-only%3Doff")
    engine = server_read_only_engine(url)
    try:
        for _ in range(2):  # a fresh session, and a pooled one after its reset
            with engine.connect() as conn:
                assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar() == "on"
                assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
                assert conn.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
                assert conn.exec_driver_sql("SHOW search_path").scalar() == schema
                with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
                    conn.exec_driver_sql("DELETE FROM shop_events")
    finally:
        engine.dispose()
    with db.writer.connect() as conn:
        assert conn.exec_driver_sql(f'SELECT count(*) FROM "{schema}".shop_events').scalar() == 3
