"""A database holding two event stores says which it reads and how to read the other, the same
on every engine: an EventSauce table beside Axon's ``domain_event_entry``/``snapshot_event_entry``
(MariaDB, PostgreSQL), the eventsourcing library's ``stored_events`` beside a generic ``events``
table (SQLite, PostgreSQL: the library writes no MariaDB store). Each store is built from its
library's published DDL. Opening reads one as before; the note counts both and names the ``--layout`` that reads the other
one, which then reads it; ``info`` lists the note, ``streams`` says it on stderr, the window on
its layout label (the Open dialog offers that layout)."""

from __future__ import annotations

import json
import uuid

import orjson
import pytest

from inspector.cli import main
from inspector.stores import open_store

from . import test_axon as axon_tables
from .servers import writable_target
from .test_eventsauce import EVENTSAUCE_MYSQL_DDL, EVENTSAUCE_PG_DDL, TABLE

ROOT = str(uuid.uuid5(uuid.NAMESPACE_URL, "several/eventsauce-root"))
ORIGINATOR = uuid.uuid5(uuid.NAMESPACE_URL, "several/eventsourcing-originator")
AXON_AGGREGATE = "order-9"
GENERIC_STREAM = "cart-1"

#: the eventsourcing library's SQLite DDL (eventsourcing.sqlite's application recorder, 9.x)
EVENTSOURCING_SQLITE_DDL = ("CREATE TABLE IF NOT EXISTS stored_events (originator_id TEXT, originator_version INTEGER, "
                            "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
#: and its PostgreSQL one (eventsourcing.postgres's application recorder)
EVENTSOURCING_POSTGRES_DDL = ("CREATE TABLE IF NOT EXISTS stored_events (originator_id uuid NOT NULL, originator_version "
                              "bigint NOT NULL, topic text, state bytea, notification_id bigserial, PRIMARY KEY "
                              "(originator_id, originator_version));"
                              "CREATE UNIQUE INDEX IF NOT EXISTS stored_events_notification_id_idx "
                              "ON stored_events (notification_id ASC)")
GENERIC_DDL = "CREATE TABLE events (position {serial} PRIMARY KEY, stream varchar(200) NOT NULL, " \
              "version int NOT NULL, type varchar(200) NOT NULL, data text NOT NULL, recorded_at varchar(40))"


def _run(conn, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def eventsauce_and_axon(writer) -> None:
    """EventSauce's MessageStorage table and Axon's JPA tables (Hibernate's DDL; on MariaDB its
    ``oid`` large objects are ``longblob``), one event in each."""
    dialect = writer.dialect.name
    axon_ddl = axon_tables.JPA_PG_DDL.split(";", 1)[1]
    marks = "%s"
    with writer.begin() as conn:
        if dialect == "postgresql":
            _run(conn, EVENTSAUCE_PG_DDL)
            _run(conn, axon_ddl.replace(" oid", " bytea"))
            root = ROOT
        else:
            _run(conn, EVENTSAUCE_MYSQL_DDL)
            _run(conn, axon_ddl.replace(" oid", " longblob"))
            root = uuid.UUID(ROOT).bytes
        headers = {"__event_type": "shop.events.order_placed", "__time_of_recording": "2026-12-08 02:00:00.000000+0000",
                   "__aggregate_root_type": "shop.order", "__aggregate_root_version": 1}
        conn.exec_driver_sql(
            f"INSERT INTO {TABLE} (event_id, aggregate_root_id, version, payload) VALUES ({marks}, {marks}, 1, {marks})",
            (str(uuid.uuid4()) if dialect == "postgresql" else uuid.uuid4().bytes, root,
             orjson.dumps({"headers": headers, "payload": {"total": 5}}).decode()))
        conn.exec_driver_sql(
            "INSERT INTO domain_event_entry (global_index, aggregate_identifier, sequence_number, type, "
            "event_identifier, meta_data, payload, payload_type, time_stamp) "
            "VALUES (1, %s, 0, 'Order', %s, %s, %s, 'com.acme.OrderPlaced', '2026-12-08T02:00:00.000Z')",
            (AXON_AGGREGATE, str(uuid.uuid4()), b"{}", b'{"total": 5}'))


def eventsourcing_and_generic(writer) -> None:
    """The eventsourcing library's ``stored_events`` and a generic ``events`` table, one event in each."""
    dialect = writer.dialect.name
    state = orjson.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": "2026-12-08T02:00:00+00:00"}})
    with writer.begin() as conn:
        _run(conn, EVENTSOURCING_SQLITE_DDL if dialect == "sqlite" else EVENTSOURCING_POSTGRES_DDL)
        serial = "INTEGER" if dialect == "sqlite" else "serial"
        _run(conn, GENERIC_DDL.format(serial=serial))
        mark = "?" if dialect == "sqlite" else "%s"
        originator = ORIGINATOR.hex if dialect == "sqlite" else str(ORIGINATOR)
        conn.exec_driver_sql(f"INSERT INTO stored_events VALUES ({mark}, 1, 'shop:Cart.Opened', {mark})",
                             (originator, state))
        conn.exec_driver_sql(f"INSERT INTO events (stream, version, type, data, recorded_at) VALUES "
                             f"('{GENERIC_STREAM}', 1, 'Opened', '{{}}', '2026-12-08T02:00:00Z')")


#: (id, engine, builder, (layout, table, stream) read first, (layout, table, stream) of the other)
CASES = [
    ("eventsauce-and-axon-on-mariadb", "mysql", eventsauce_and_axon,
     ("axon", "domain_event_entry", AXON_AGGREGATE), ("eventsauce", TABLE, ROOT)),
    ("eventsauce-and-axon-on-postgres", "postgresql", eventsauce_and_axon,
     ("axon", "domain_event_entry", AXON_AGGREGATE), ("eventsauce", TABLE, ROOT)),
    ("eventsourcing-and-generic-on-sqlite", "sqlite", eventsourcing_and_generic,
     ("eventsourcing", "stored_events", str(ORIGINATOR)), ("generic", "events", GENERIC_STREAM)),
    ("eventsourcing-and-generic-on-postgres", "postgresql", eventsourcing_and_generic,
     ("eventsourcing", "stored_events", str(ORIGINATOR)), ("generic", "events", GENERIC_STREAM)),
]


@pytest.fixture(scope="module", params=CASES, ids=[case[0] for case in CASES])
def two_stores(request, tmp_path_factory):
    """(URL or path of a database holding two stores, the store read first, the other one)."""
    _id, engine, build, first, other = request.param
    writer, target, cleanup = writable_target(request, engine, tmp_path_factory.mktemp("two") / "two.db", "twostores")
    try:
        build(writer)
        writer.dispose()
        yield target, first, other
    finally:
        cleanup()


def shown(target: str, table: str) -> str:
    """How the note names ``table``: with its schema on PostgreSQL, by its name elsewhere."""
    return f"public.{table}" if target.startswith("postgresql") else table


def _read(target: str, layout: str | None = None):
    store = open_store(target, layout=layout)
    try:
        return (store.layout_name, store.layout.table.name, [s.stream for s in store.streams()],
                store.choice_note, store.stores_here, store.choice_asked)
    finally:
        store.close()


def test_opening_says_which_store_it_reads_and_the_layout_that_reads_the_other(two_stores):
    target, (layout, table, stream), (other_layout, other_table, other_stream) = two_stores
    read, read_table, streams, note, here, asked = _read(target)
    assert (read, read_table, streams) == (layout, table, [stream])  # as before
    assert note == (f"2 event stores in this database, reading {shown(target, table)} ({layout}); to read another: "
                    f"{shown(target, other_table)} ({other_layout}) with --layout {other_layout}")
    assert (here, asked) == (2, False)
    # what the note says reads the other one, which the user then chose
    read, read_table, streams, note, here, asked = _read(target, other_layout)
    assert (read, read_table, streams) == (other_layout, other_table, [other_stream])
    assert note == (f"2 event stores in this database, reading {shown(target, other_table)} ({other_layout}); "
                    f"to read another: {shown(target, table)} ({layout}) with --layout {layout}")
    assert (here, asked) == (2, True)


def test_streams_says_the_note_on_stderr_and_info_lists_it(two_stores, capsys):
    target, (layout, table, stream), (other_layout, *_rest) = two_stores
    assert main(["streams", target]) == 0
    out, err = capsys.readouterr()
    assert stream in out
    assert err.splitlines() == [
        f"note: 2 event stores in this database, reading {shown(target, table)} ({layout}); to read another: "
        f"{shown(target, _rest[0])} ({other_layout}) with --layout {other_layout}"]
    assert main(["info", target, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["notes"][0].startswith(f"2 event stores in this database, reading {shown(target, table)}")
    assert err == ""
    # the layout the note names is the user's choice: nothing to advise on stderr
    assert main(["streams", target, "--layout", other_layout]) == 0
    out, err = capsys.readouterr()
    assert _rest[1] in out and err == ""


def test_the_window_names_the_store_it_reads_and_its_open_dialog_offers_the_other_layout(two_stores, qtbot):
    from inspector.ui.app import MainWindow, make_app
    from inspector.ui.widgets import OpenStoreDialog

    target, (layout, table, _stream), (other_layout, other_table, _other) = two_stores
    make_app()
    win = MainWindow(target)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=20000)
    try:
        engine = win.store_info.engine
        assert win.layout_label.text() == f"Layout: {layout} ({engine}) · {shown(target, table)}, 1 of 2 stores here"
        assert win.layout_label.toolTip() == (
            f"2 event stores in this database, reading {shown(target, table)} ({layout});\nto read another:\n"
            f"{shown(target, other_table)} ({other_layout}) with --layout {other_layout}\n\n"
            "In this window: File › Open store… with that Layout.")
        dialog = OpenStoreDialog([], win)
        offered = [dialog.layout_box.itemText(i) for i in range(dialog.layout_box.count())]
        assert {layout, other_layout} <= set(offered)
        dialog.target.setCurrentText(target)
        dialog.layout_box.setCurrentText(other_layout)
        assert dialog.chosen() == (target, other_layout)
    finally:
        win.shutdown()
