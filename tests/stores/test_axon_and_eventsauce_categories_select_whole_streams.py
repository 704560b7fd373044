"""Axon's and EventSauce's category is the aggregate type of a stream, ``MIN`` of the type its rows
record (``categories`` and ``streams`` tell it so). A named category filter selects those streams
whole, as one set the database groups, not row by row on each row's own type: an aggregate whose
rows record ``Wallet`` and then none is a Wallet with both its events; an aggregate recording
``Account`` and then ``Wallet`` is an Account, and none of its events is a Wallet's; ``Wallet `` and
``wallet`` are not ``Wallet`` (MariaDB's collation notwithstanding). On PostgreSQL and MariaDB."""

from __future__ import annotations

import json
import uuid
from typing import Any, Iterator

import orjson
import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.stores import EventFilter, open_store

from .servers import scratch_database
from .test_axon import JDBC_DDL
from .test_eventsauce import EVENTSAUCE_MYSQL_DDL, EVENTSAUCE_PG_DDL
from .test_eventsauce import TABLE as EVENTSAUCE_TABLE

#: aggregate -> the type each of its rows records, in order (None: none recorded)
AGGREGATES = {
    "a-wallet": ["Wallet", "Wallet"],
    "b-then-none": ["Wallet", None],
    "c-account": ["Account", "Wallet"],
    "d-spaced": ["Wallet ", "Wallet "],
    "e-lower": ["wallet", "wallet"],
}
#: each aggregate's category, as MIN of its types
CATEGORY = {"a-wallet": "Wallet", "b-then-none": "Wallet", "c-account": "Account", "d-spaced": "Wallet ",
            "e-lower": "wallet"}
ROOTS = {name: uuid.uuid5(uuid.NAMESPACE_URL, f"whole/{name}") for name in AGGREGATES}


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def _rows() -> Iterator[tuple[str, int, str | None]]:
    """(aggregate, sequence, type) going round the aggregates, so their rows interleave."""
    for sequence in range(2):
        for name, kinds in AGGREGATES.items():
            yield name, sequence, kinds[sequence]


def _axon(conn: sa.Connection) -> None:
    lower = conn.dialect.name == "postgresql"
    _ddl(conn, JDBC_DDL.format(serial="BIGSERIAL", blob="bytea") if lower
         else JDBC_DDL.format(serial="BIGINT AUTO_INCREMENT", blob="blob"))
    names = ("aggregateIdentifier", "sequenceNumber", "type", "eventIdentifier", "payload", "payloadType", "timeStamp")
    table = sa.table("domainevententry" if lower else "DomainEventEntry",
                     *(sa.column(n.lower() if lower else n) for n in names))
    for name, sequence, kind in _rows():
        conn.execute(table.insert().values(dict(zip(table.c.keys(), (
            name, sequence, kind, str(uuid.uuid4()), b'{"n": 1}', "com.acme.Noted", "2024-03-01T10:00:00.000Z")))))


def _eventsauce(conn: sa.Connection) -> None:
    mysql = conn.dialect.name != "postgresql"
    _ddl(conn, EVENTSAUCE_MYSQL_DDL if mysql else EVENTSAUCE_PG_DDL)
    table = sa.table(EVENTSAUCE_TABLE, *(sa.column(n) for n in ("event_id", "aggregate_root_id", "version", "payload")))
    for name, sequence, kind in _rows():
        headers = {"__event_type": "notes.noted", "__time_of_recording": "2024-03-01 10:00:00.000000+0000",
                   **({} if kind is None else {"__aggregate_root_type": kind})}
        root, event = ROOTS[name], uuid.uuid4()
        conn.execute(table.insert().values(
            event_id=event.bytes if mysql else event, aggregate_root_id=root.bytes if mysql else root,
            version=sequence + 1, payload=orjson.dumps({"headers": headers, "payload": {"n": 1}}).decode()))


STORES = {"Axon on PostgreSQL": ("postgres_url", _axon), "Axon on MariaDB": ("mysql_url", _axon),
          "EventSauce on PostgreSQL": ("postgres_url", _eventsauce), "EventSauce on MariaDB": ("mysql_url", _eventsauce)}


@pytest.fixture(scope="module", params=list(STORES))
def written(request) -> Iterator[tuple[str, dict[str, str]]]:
    server, write = STORES[request.param]
    db = scratch_database(request.getfixturevalue(server), "whole" + request.param.split()[0].lower()[:5])
    try:
        with db.writer.begin() as conn:
            write(conn)
        shown = {name: name if write is _axon else str(ROOTS[name]) for name in AGGREGATES}
        yield db.url, shown
    finally:
        db.drop()


@pytest.mark.parametrize("category", ["Wallet", "Account", "Wallet ", "wallet"])
def test_a_named_category_selects_its_streams_whole(written, category):
    url, shown = written
    store: Any = open_store(url)
    try:
        ours = sorted(shown[name] for name, of in CATEGORY.items() if of == category)
        assert dict(store.categories())[category] == len(ours)
        assert sorted(s.stream for s in store.streams(category=category, limit=100)) == ours
        events = store.read_all(filters=EventFilter(category=category), limit=100)
        assert sorted(e.stream for e in events) == sorted(stream for stream in ours for _ in range(2))  # both rows
    finally:
        store.close()


def test_the_command_line_exports_whole_streams_of_a_category(written, capsys):
    url, shown = written
    assert main(["events", url, "--category", "Wallet", "--json"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert sorted((e["stream"], e["version"]) for e in events) == sorted(
        (shown[name], version) for name in ("a-wallet", "b-then-none") for version in (
            (0, 1) if shown[name] == name else (1, 2)))
