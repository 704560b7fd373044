"""A PostgreSQL database whose schemas hold several event stores (the eventsourcing library's
tables in schemas ``a`` and ``b``, a generic ``events`` table in ``public``): opening reads one
as before, and says which and how to read each other one (a ``search_path`` in the URL's
``options``, ``--layout``); following what it says opens that one. It counts every store there,
whatever ``--layout`` was asked. ``info`` lists the note and names each column with its schema,
other commands say it on stderr, the window on its layout label, beside the store label. A
database with one store says nothing of the kind."""

from __future__ import annotations

import json
import uuid

import pytest

from inspector.cli import main
from inspector.stores import open_store

from .servers import scratch_database

WALLETS = {"a": str(uuid.uuid4()), "b": str(uuid.uuid4())}


@pytest.fixture(scope="module")
def stores_in_schemas(postgres_url):
    db = scratch_database(postgres_url, "schemas")
    try:
        with db.writer.begin() as conn:
            for schema, wallet in WALLETS.items():
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
                conn.exec_driver_sql(
                    f"CREATE TABLE {schema}.shop_events (originator_id uuid NOT NULL, originator_version bigint "
                    "NOT NULL, topic text NOT NULL, state bytea NOT NULL, notification_id bigserial, "
                    "PRIMARY KEY (originator_id, originator_version))")
                conn.exec_driver_sql(
                    f"INSERT INTO {schema}.shop_events VALUES (%(id)s, 1, 'shop:Wallet.Opened', "
                    "convert_to('{\"timestamp\": \"2026-01-01T00:00:00+00:00\"}', 'UTF8'))", {"id": wallet})
            conn.exec_driver_sql("CREATE TABLE public.events (position serial PRIMARY KEY, stream text NOT NULL, "
                                 "version int NOT NULL, type text NOT NULL, data text NOT NULL)")
            conn.exec_driver_sql("INSERT INTO public.events (stream, version, type, data) "
                                 "VALUES ('order-1', 1, 'Placed', '{}')")
        yield db
    finally:
        db.drop()


def _read(url: str, layout: str | None = None) -> tuple[str, str | None, str, list[str], str | None]:
    store = open_store(url, layout=layout)
    try:
        table = store.layout.table
        return (store.layout_name, table.schema, table.name, [s.stream for s in store.streams()],
                store.choice_note)
    finally:
        store.close()


def test_opening_says_which_store_it_reads_and_how_to_read_each_other_one(stores_in_schemas):
    url = stores_in_schemas.url
    layout, schema, table, streams, note = _read(url)
    assert (layout, schema, table, streams) == ("eventsourcing", "a", "shop_events", [WALLETS["a"]])  # as before
    assert note == (
        "3 event stores in this database, reading a.shop_events (eventsourcing); to read another: "
        "b.shop_events (eventsourcing) with options=-csearch_path%3Db in the URL; "
        "public.events (generic) with --layout generic")

    # what the note says reads the other two
    layout, schema, table, streams, note = _read(f"{url}?options=-csearch_path%3Db")
    assert (layout, schema, table, streams) == ("eventsourcing", None, "shop_events", [WALLETS["b"]])
    assert note is not None and "reading b.shop_events (eventsourcing)" in note
    assert "a.shop_events (eventsourcing) with options=-csearch_path%3Da in the URL" in note
    layout, schema, table, streams, note = _read(url, layout="generic")
    assert (layout, schema, table, streams) == ("generic", None, "events", ["order-1"])
    assert note is not None and note.startswith("3 event stores in this database, reading public.events (generic)")


def test_a_forced_layout_counts_every_store_and_says_how_to_read_the_others(stores_in_schemas):
    url = stores_in_schemas.url
    *_, note = _read(url, layout="eventsourcing")
    assert note == ("3 event stores in this database, reading a.shop_events (eventsourcing); to read another: "
                    "b.shop_events (eventsourcing) with options=-csearch_path%3Db in the URL; "
                    "public.events (generic) with --layout generic")
    *_, note = _read(url, layout="generic")
    assert note == ("3 event stores in this database, reading public.events (generic); to read another: "
                    "a.shop_events (eventsourcing) with --layout eventsourcing; "
                    "b.shop_events (eventsourcing) with options=-csearch_path%3Db in the URL and --layout eventsourcing")
    # what the note says reads each of the eventsourcing stores
    assert _read(url, layout="eventsourcing")[:4] == ("eventsourcing", "a", "shop_events", [WALLETS["a"]])
    assert _read(f"{url}?options=-csearch_path%3Db", layout="eventsourcing")[:4] == (
        "eventsourcing", None, "shop_events", [WALLETS["b"]])


def test_streams_with_a_forced_layout_says_the_note_on_stderr(stores_in_schemas, capsys):
    # --layout eventsourcing leaves the choice between a's and b's stores to the search
    assert main(["streams", stores_in_schemas.url, "--layout", "eventsourcing"]) == 0
    out, err = capsys.readouterr()
    assert WALLETS["a"] in out
    assert err.startswith("note: 3 event stores in this database, reading a.shop_events (eventsourcing); "
                          "to read another: b.shop_events (eventsourcing) with options=-csearch_path%3Db in the URL;")


def test_a_layout_that_picks_the_one_store_of_its_kind_says_no_note(stores_in_schemas, capsys):
    """--layout generic names the database's one generic store: the user chose it, nothing to advise."""
    assert main(["streams", stores_in_schemas.url, "--layout", "generic"]) == 0
    out, err = capsys.readouterr()
    assert "order-1" in out
    assert err == ""
    # info still lists every store there
    assert main(["info", stores_in_schemas.url, "--layout", "generic", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notes"][0].startswith(
        "3 event stores in this database, reading public.events (generic)")


@pytest.mark.parametrize("options, layout, table", [
    ("", [], "a.shop_events"),
    ("?options=-csearch_path%3Db", [], "b.shop_events"),
    ("", ["--layout", "generic"], "public.events"),
], ids=["schema found by the search", "schema from the search_path", "the session's own schema"])
def test_info_names_each_column_with_its_schema(stores_in_schemas, capsys, options, layout, table):
    assert main(["info", stores_in_schemas.url + options, "--json", *layout]) == 0
    columns = [column["column"] for column in json.loads(capsys.readouterr().out)["columns"]]
    assert columns and all(column.rsplit(".", 1)[0] == table for column in columns), columns


def test_info_lists_the_note_and_other_commands_say_it_on_stderr(stores_in_schemas, capsys):
    url = stores_in_schemas.url
    assert main(["info", url, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["notes"][0].startswith("3 event stores in this database, reading a.shop_events")
    assert err == ""
    assert main(["streams", url]) == 0
    out, err = capsys.readouterr()
    assert WALLETS["a"] in out and WALLETS["b"] not in out
    assert err.splitlines() == [line for line in err.splitlines() if line.startswith("note: 3 event stores")] != []


def test_a_database_with_one_store_says_nothing_of_others(postgres_url):
    db = scratch_database(postgres_url, "oneschema")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE events (position serial PRIMARY KEY, stream text NOT NULL, "
                                 "version int NOT NULL, type text NOT NULL, data text NOT NULL)")
        *_, note = _read(db.url)
        assert note is None
    finally:
        db.drop()


def test_the_window_names_the_store_it_reads_among_several(stores_in_schemas, qtbot):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(stores_in_schemas.url)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=20000)
    try:
        assert win.layout_label.text() == "Layout: eventsourcing (postgresql) · a.shop_events, 1 of 3 stores here"
        assert win.layout_label.toolTip() == (
            "3 event stores in this database, reading a.shop_events (eventsourcing);\nto read another:\n"
            "b.shop_events (eventsourcing) with options=-csearch_path%3Db in the URL;\n"
            "public.events (generic) with --layout generic\n\n"
            "In this window: File › Open store… with that Layout.")
        # the store label stays in sight beside it (no status message over it), both read whole
        # once the store's reads are done (the progress strip gone from the status bar)
        qtbot.waitUntil(lambda: not win.progress_strip.isVisible(), timeout=20000)
        assert win.statusBar().currentMessage() == ""
        def read_whole(label):
            return label.isVisible() and label.width() >= label.fontMetrics().horizontalAdvance(label.text())

        # the status bar lays itself out again once the strip has gone (a posted layout request)
        qtbot.waitUntil(lambda: read_whole(win.store_label) and read_whole(win.layout_label), timeout=5000)
        assert win.store_label.text() == f"Store: {stores_in_schemas.url}"
    finally:
        win.shutdown()
