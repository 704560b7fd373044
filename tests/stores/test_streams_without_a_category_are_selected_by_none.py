"""``--category '(none)'`` selects exactly the streams ``categories`` counts under ``(none)``: streams
whose name gives an empty category (``-7`` by Message DB's rule), whose aggregate type is missing
or empty (Axon, EventSauce, Marten), whose topic names no aggregate (eventsourcing), in every layout
on every engine it lives on, and in JSON Lines. A stream whose category is literally ``(none)`` is
not among them: it is counted and selected as ``\\(none)`` (``category_key``; ``\\(none)`` itself
as ``\\\\(none)``). Categories named after real ones still select only their own streams."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson
import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.core.events import NO_CATEGORY, category_key
from inspector.stores import open_store

from .servers import eventsourcing_postgres_env, scratch_database
from .test_axon import JDBC_DDL
from .test_eventsauce import EVENTSAUCE_MYSQL_DDL, EVENTSAUCE_PG_DDL
from .test_eventsauce import TABLE as EVENTSAUCE_TABLE
from .test_marten import MARTEN_V8_DDL
from .test_server_contract import GENERIC_MYSQL_DDL, GENERIC_PG_DDL, MESSAGE_DB_DDL
from .test_sqlite_contract import GENERIC_DDL

AT = "2024-03-01T10:00:00+00:00"


@dataclass
class Written:
    url: str
    without: list[str]  # the streams counted under (none), as shown, sorted
    named: dict[str, list[str]]  # another category -> its streams


#: (stream, version) of the name-category stores: '-7' has nothing before its '-', '(none)-2' is
#: of the category literally named (none), '\(none)-3' of the one named \(none)
NAMED_ROWS = [("-7", 1), ("-7", 2), ("(none)-2", 1), ("\\(none)-3", 1), ("order-1", 1), ("order-1", 2), ("order-2", 1)]
NAMED = Written("", ["-7"], {"order": ["order-1", "order-2"], "\\(none)": ["(none)-2"], "\\\\(none)": ["\\(none)-3"]})


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def _generic_rows(conn: sa.Connection) -> None:
    events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "data")))
    for stream, version in NAMED_ROWS:
        conn.execute(events.insert().values(stream=stream, version=version, type="Noted", data='{"n": 1}'))


def _generic_sqlite(request, folder: Path) -> Written:
    path = folder / "generic.db"
    db = sqlite3.connect(path)
    db.executescript(GENERIC_DDL)
    db.executemany("INSERT INTO events (stream, version, type, recorded_at, data) VALUES (?,?,?,?,?)",
                   [(stream, version, "Noted", AT, '{"n": 1}') for stream, version in NAMED_ROWS])
    db.commit()
    db.close()
    return Written(str(path), NAMED.without, NAMED.named)


def _on_server(request, server: str, label: str, write: Callable[[sa.Connection], None]) -> Iterator[str]:
    db = scratch_database(request.getfixturevalue(server), label)
    try:
        with db.writer.begin() as conn:
            write(conn)
        yield db.url
    finally:
        db.drop()


def _jsonl(request, folder: Path) -> Written:
    path = folder / "events.jsonl"
    path.write_bytes(b"".join(orjson.dumps({"position": n, "stream": stream, "version": version, "type": "Noted",
                                            "recorded_at": AT, "data": {"n": 1}}) + b"\n"
                              for n, (stream, version) in enumerate(NAMED_ROWS, 1)))
    return Written(str(path), NAMED.without, NAMED.named)


def _eventsourcing_app(env: dict[str, str]) -> tuple[str, Any]:
    from .shop import Shop, Wallet

    app = Shop(env=env)
    wallet = Wallet(owner="alice", actor="alice")
    app.save(wallet)
    app.close()
    return str(wallet.id), uuid.uuid4()


#: hand-made topics naming no aggregate (``aggregate_of_topic`` gives None or '')
NO_AGGREGATE_TOPICS = ["", "shop.notes:"]
#: a hand-made topic naming an aggregate class literally called (none), and its stream
LITERAL_TOPIC, LITERAL = "shop.notes:(none).Noted", uuid.uuid5(uuid.NAMESPACE_URL, "none/literal")
STATE = b'{"timestamp":{"_type_":"datetime_iso","_data_":"2024-03-01T10:00:00+00:00"},"n":1}'


def _eventsourcing_sqlite(request, folder: Path) -> Written:
    path = folder / "es.sqlite"
    wallet, odd = _eventsourcing_app({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    db = sqlite3.connect(path)
    db.executemany("INSERT INTO stored_events VALUES (?,?,?,?)",
                   [(odd.hex, n, topic, STATE) for n, topic in enumerate(NO_AGGREGATE_TOPICS, 1)]
                   + [(LITERAL.hex, 1, LITERAL_TOPIC, STATE)])
    db.commit()
    db.close()
    return Written(str(path), [str(odd)], {"Wallet": [wallet], "\\(none)": [str(LITERAL)]})


def _eventsourcing_postgres(request, folder: Path) -> Iterator[Written]:
    db = scratch_database(request.getfixturevalue("postgres_url"), "esnone")
    url = sa.engine.make_url(db.url)
    try:
        wallet, odd = _eventsourcing_app(eventsourcing_postgres_env(url))
        with db.writer.begin() as conn:
            for n, topic in enumerate(NO_AGGREGATE_TOPICS, 1):
                conn.exec_driver_sql("INSERT INTO shop_events (originator_id, originator_version, topic, state) "
                                     "VALUES (%s, %s, %s, %s)", (odd, n, topic, STATE))
            conn.exec_driver_sql("INSERT INTO shop_events (originator_id, originator_version, topic, state) "
                                 "VALUES (%s, %s, %s, %s)", (LITERAL, 1, LITERAL_TOPIC, STATE))
        yield Written(db.url, [str(odd)], {"Wallet": [wallet], "\\(none)": [str(LITERAL)]})
    finally:
        db.drop()


#: Axon aggregates: (identifier, aggregate type); NULL and '' are no type
AXON = [("a-null", None), ("b-empty", ""), ("c-wallet", "Wallet"), ("d-literal", "(none)")]
AXON_WRITTEN = Written("", ["a-null", "b-empty"], {"Wallet": ["c-wallet"], "\\(none)": ["d-literal"]})


def _axon(conn: sa.Connection) -> None:
    lower = conn.dialect.name == "postgresql"
    _ddl(conn, JDBC_DDL.format(serial="BIGSERIAL", blob="bytea") if lower
         else JDBC_DDL.format(serial="BIGINT AUTO_INCREMENT", blob="blob"))
    names = ("aggregateIdentifier", "sequenceNumber", "type", "eventIdentifier", "payload", "payloadType", "timeStamp")
    table = sa.table("domainevententry" if lower else "DomainEventEntry",
                     *(sa.column(n.lower() if lower else n) for n in names))
    for aggregate, kind in AXON:
        for sequence in (0, 1):
            conn.execute(table.insert().values(dict(zip(table.c.keys(), (
                aggregate, sequence, kind, str(uuid.uuid4()), b'{"n": 1}', "com.acme.Noted", "2024-03-01T10:00:00.000Z")))))


MARTEN_IDS = {"null": uuid.uuid5(uuid.NAMESPACE_URL, "none/null"), "empty": uuid.uuid5(uuid.NAMESPACE_URL, "none/empty"),
              "wallet": uuid.uuid5(uuid.NAMESPACE_URL, "none/wallet"), "literal": LITERAL}


def _marten(conn: sa.Connection) -> None:
    _ddl(conn, MARTEN_V8_DDL.format(schema="public", id_type="uuid"))
    kinds = {"null": None, "empty": "", "wallet": "Wallet", "literal": "(none)"}
    for key, stream in MARTEN_IDS.items():
        conn.exec_driver_sql("INSERT INTO mt_streams (id, type, version) VALUES (%s, %s, 2)", (stream, kinds[key]))
        for version in (1, 2):
            conn.exec_driver_sql(
                "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type) "
                "VALUES (nextval('mt_events_sequence'), %s, %s, %s, %s, 'noted')",
                (uuid.uuid4(), stream, version, '{"n": 1}'))


#: EventSauce aggregates: (root id, aggregate root type header; None: no such header)
EVENTSAUCE = [(uuid.uuid5(uuid.NAMESPACE_URL, f"none/eventsauce/{n}"), kind)
              for n, kind in enumerate([None, "", "Wallet", "(none)"])]
EVENTSAUCE_WRITTEN = Written("", sorted(str(root) for root, kind in EVENTSAUCE if not kind),
                             {"Wallet": [str(EVENTSAUCE[2][0])], "\\(none)": [str(EVENTSAUCE[3][0])]})


def _eventsauce(conn: sa.Connection) -> None:
    mysql = conn.dialect.name != "postgresql"
    _ddl(conn, EVENTSAUCE_MYSQL_DDL if mysql else EVENTSAUCE_PG_DDL)
    table = sa.table(EVENTSAUCE_TABLE, *(sa.column(n) for n in ("event_id", "aggregate_root_id", "version", "payload")))
    for root, kind in EVENTSAUCE:
        headers = {"__event_type": "notes.noted", "__time_of_recording": "2024-03-01 10:00:00.000000+0000",
                   **({} if kind is None else {"__aggregate_root_type": kind})}
        for version in (1, 2):
            event = uuid.uuid4()
            conn.execute(table.insert().values(
                event_id=event.bytes if mysql else event, aggregate_root_id=root.bytes if mysql else root,
                version=version, payload=orjson.dumps({"headers": headers, "payload": {"n": 1}}).decode()))


def _message_db(conn: sa.Connection) -> None:
    _ddl(conn, MESSAGE_DB_DDL.split("CREATE TABLE")[0].split("CREATE OR REPLACE")[0])
    conn.exec_driver_sql("CREATE OR REPLACE" + MESSAGE_DB_DDL.split("CREATE OR REPLACE")[1].split("CREATE TABLE")[0])
    _ddl(conn, "CREATE TABLE" + MESSAGE_DB_DDL.split("CREATE TABLE", 1)[1])
    for stream, version in NAMED_ROWS:
        conn.exec_driver_sql("INSERT INTO message_store.messages (position, stream_name, type, data) "
                             "VALUES (%s, %s, 'Noted', '{\"n\": 1}')", (version - 1, stream))


def _generic_server(ddl: str) -> Callable[[sa.Connection], None]:
    def write(conn: sa.Connection) -> None:
        _ddl(conn, ddl)
        _generic_rows(conn)
    return write


SERVER_STORES: dict[str, tuple[str, Callable[[sa.Connection], None], Written]] = {
    "generic on PostgreSQL": ("postgres_url", _generic_server(GENERIC_PG_DDL), NAMED),
    "generic on MariaDB": ("mysql_url", _generic_server(GENERIC_MYSQL_DDL), NAMED),
    "Message DB on PostgreSQL": ("postgres_url", _message_db, NAMED),
    "Axon on PostgreSQL": ("postgres_url", _axon, AXON_WRITTEN),
    "Axon on MariaDB": ("mysql_url", _axon, AXON_WRITTEN),
    "EventSauce on PostgreSQL": ("postgres_url", _eventsauce, EVENTSAUCE_WRITTEN),
    "EventSauce on MariaDB": ("mysql_url", _eventsauce, EVENTSAUCE_WRITTEN),
    "Marten on PostgreSQL": ("postgres_url", _marten, Written(
        "", sorted([str(MARTEN_IDS["empty"]), str(MARTEN_IDS["null"])]),
        {"Wallet": [str(MARTEN_IDS["wallet"])], "\\(none)": [str(LITERAL)]})),
}
FILE_STORES = {"generic on SQLite": _generic_sqlite, "JSON Lines": _jsonl, "eventsourcing on SQLite": _eventsourcing_sqlite}


@pytest.fixture(scope="module", params=[*FILE_STORES, *SERVER_STORES, "eventsourcing on PostgreSQL"])
def written(request, tmp_path_factory) -> Iterator[Written]:
    kind = request.param
    folder = tmp_path_factory.mktemp("none")
    if kind in FILE_STORES:
        yield FILE_STORES[kind](request, folder)
    elif kind == "eventsourcing on PostgreSQL":
        yield from _eventsourcing_postgres(request, folder)
    else:
        server, write, expected = SERVER_STORES[kind]
        label = "".join(ch for ch in kind.lower() if ch.isalnum())[:12]
        for url in _on_server(request, server, label, write):
            yield Written(url, expected.without, expected.named)


def test_none_selects_exactly_the_streams_counted_without_a_category(written):
    store = open_store(written.url)
    try:
        counts = dict(store.categories())
        assert counts.get("(none)") == len(written.without)
        listed = store.streams(category="(none)", limit=100)
        assert sorted(s.stream for s in listed) == written.without
        assert all(s.category in (None, "") for s in listed)
        assert [s.stream for s in store.streams(category="(none)", limit=1)] == [listed[0].stream]
        for category, streams in written.named.items():
            assert counts[category] == len(streams)
            assert sorted(s.stream for s in store.streams(category=category, limit=100)) == streams
            assert all(category_key(store.category(name)) == category for name in streams)
        assert set(counts) == {NO_CATEGORY, *written.named}  # '(none)' real streams are not counted with none
        assert all(store.category(name) in (None, "") for name in written.without)
    finally:
        store.close()


def _run(capsys, *argv: str) -> Any:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_the_command_line_takes_none_for_the_streams_without_a_category(written, capsys):
    listed = _run(capsys, "streams", written.url, "--category", "(none)", "--json")
    assert sorted(s["stream"] for s in listed) == written.without
    survey = _run(capsys, "types", written.url, "--category", "(none)", "--json")
    assert survey["events"] == sum(s["count"] for s in listed)
    states = _run(capsys, "states", written.url, "--category", "(none)", "--json")
    assert sorted(m["stream"] for m in states["matches"]) == written.without
    literal = written.named.get("\\(none)", [])
    assert sorted(s["stream"] for s in _run(capsys, "streams", written.url, "--category", "\\(none)", "--json")) == literal
    events = _run(capsys, "events", written.url, "--category", "\\(none)", "--json")
    assert sorted({e["stream"] for e in events}) == literal
    assert main(["streams", written.url, "--category", "\\(none)"]) == 0
    table = capsys.readouterr().out
    rows = [line.split() for line in table.splitlines() if line.split()[:1] == literal[:1]]
    assert [row[1] for row in rows] == ["\\(none)"] * len(literal[:1])  # the category column shows it so


def test_the_category_option_says_what_none_selects(capsys):
    for command in ("streams", "types", "states"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out, _ = capsys.readouterr()
        assert "'(none)'" in " ".join(out.split()) and "'\\(none)'" in " ".join(out.split()), command

