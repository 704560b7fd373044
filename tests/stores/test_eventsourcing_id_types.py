"""eventsourcing stores read by the real type of ``originator_id``, on SQLite and PostgreSQL.

Stores are written by the ``eventsourcing`` library itself (9.5): its default uuid ids
(PostgreSQL ``uuid``, SQLite ``uuid.hex`` text) and ``ORIGINATOR_ID_TYPE=text`` (raw text
ids such as ``ticket-A17`` and a UUID spelled as text; UUID-id aggregates in such a store
are written as ``uuid.hex``). eventsourcing-sqlalchemy's ``BINARY(16)``/``uuid`` ids come
from its published table definition, with states made by the library's own mapper.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate, MetaDomainEvent, event

from inspector.cli import main
from inspector.stores import EventFilter, open_store

from .servers import scratch_database, writable_target
from .shop import Wallet

TICKET = "ticket-A17"
UUID_TEXT = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://desk.example/tickets/B2"))
WALLET = uuid.uuid5(uuid.NAMESPACE_URL, "https://desk.example/wallets/ada")


class TextIdAggregate(BaseAggregate[str]):
    """Aggregates whose ids are strings (the library's ``BaseAggregate[str]``)."""

    class Event(CanMutateAggregate[str], metaclass=MetaDomainEvent):
        originator_id: str
        originator_version: int
        timestamp: datetime

    class Created(Event, CanInitAggregate[str]):
        originator_topic: str


class Ticket(TextIdAggregate):
    @staticmethod
    def create_id(code: str) -> str:
        return code

    @event("Opened")
    def __init__(self, code: str, title: str) -> None:
        self.title = title
        self.status = "open"

    @event("Closed")
    def close(self, reason: str) -> None:
        self.status = "closed"
        self.reason = reason


class Desk(Application):
    """Writes ``desk_events``/``desk_snapshots`` on PostgreSQL, ``stored_events`` on SQLite."""


def open_ticket(app: Application, code: str, title: str, reason: str) -> None:
    ticket = Ticket(code=code, title=title)
    ticket.close(reason=reason)
    app.save(ticket)


def open_wallet(app: Application, wallet_id: uuid.UUID) -> None:
    wallet = Wallet._create(Wallet.Opened, id=wallet_id, owner="ada", actor="ada@example.com")
    wallet.grant(amount=5, actor="ada@example.com")
    app.save(wallet)


@dataclass
class Written:
    target: str  # what the inspector opens: a file path or a database URL
    engine: str
    cleanup: Callable[[], None]


def _desk(request, tmp_path: Path, engine: str, id_type: str) -> tuple[Desk, Written]:
    env = {"ORIGINATOR_ID_TYPE": id_type, "IS_SNAPSHOTTING_ENABLED": "y"}
    if engine == "sqlite":
        path = tmp_path / f"desk-{id_type}.db"
        env.update(PERSISTENCE_MODULE="eventsourcing.sqlite", SQLITE_DBNAME=str(path))
        return Desk(env=env), Written(str(path), engine, lambda: None)
    db = scratch_database(request.getfixturevalue("postgres_url"), "esid")
    url = sa.engine.make_url(db.url)
    env.update(PERSISTENCE_MODULE="eventsourcing.postgres", POSTGRES_DBNAME=url.database,
               POSTGRES_HOST=url.host or "127.0.0.1", POSTGRES_PORT=str(url.port or 5432),
               POSTGRES_USER=url.username or "postgres", POSTGRES_PASSWORD=url.password or "")
    return Desk(env=env), Written(db.url, engine, db.drop)


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, _ = capsys.readouterr()
    return code, out


ENGINES = ["sqlite", "postgresql"]


# --- ORIGINATOR_ID_TYPE=text ----------------------------------------------------------------
@pytest.fixture(params=ENGINES)
def text_ids(request, tmp_path):
    """A text-id store: ``ticket-A17``, a UUID spelled as text, and a UUID-id wallet.

    The library writes the wallet's id as ``uuid.hex`` on both engines. Its SQLite recorder
    also snapshots it (v2); its PostgreSQL recorder cannot (it compares the text column
    with a uuid parameter), so there the store has no snapshot.
    """
    app, written = _desk(request, tmp_path, request.param, "text")
    open_ticket(app, TICKET, "Printer jams", "roller replaced")
    open_ticket(app, UUID_TEXT, "Toner low", "toner refilled")
    open_wallet(app, WALLET)
    if request.param == "sqlite":
        app.take_snapshot(WALLET, version=2)
    app.close()
    yield written
    written.cleanup()


def test_text_ids_are_listed_as_written_and_a_uuid_aggregate_as_its_uuid(text_ids):
    store = open_store(text_ids.target)
    try:
        names = [s.stream for s in store.streams()]
        assert sorted(names) == sorted([TICKET, UUID_TEXT, str(WALLET)])
        assert {s.stream: s.count for s in store.streams()} == {TICKET: 2, UUID_TEXT: 2, str(WALLET): 2}
    finally:
        store.close()


def test_a_text_id_stream_reads_its_two_events_in_order(text_ids):
    store = open_store(text_ids.target)
    try:
        events = list(store.read_stream(TICKET))
    finally:
        store.close()
    assert [(e.stream, e.version, e.type) for e in events] == [
        (TICKET, 1, "Ticket.Opened"), (TICKET, 2, "Ticket.Closed")]
    assert events[1].data["reason"] == "roller replaced"
    assert all(e.problem is None and e.recorded_at is not None for e in events)


def test_a_uuid_spelled_as_text_is_read_as_text_without_a_type_error(text_ids):
    store = open_store(text_ids.target)
    try:
        events = list(store.read_stream(UUID_TEXT))
        filtered = store.read_all(filters=EventFilter(streams=(UUID_TEXT, TICKET)))
    finally:
        store.close()
    assert [(e.stream, e.version) for e in events] == [(UUID_TEXT, 1), (UUID_TEXT, 2)]
    assert events[1].data["reason"] == "toner refilled"
    assert sorted((e.stream, e.version) for e in filtered) == sorted(
        [(UUID_TEXT, 1), (UUID_TEXT, 2), (TICKET, 1), (TICKET, 2)])


def test_a_uuid_aggregate_stored_as_hex_in_a_text_store_reads_by_its_uuid_with_its_snapshot(text_ids):
    store = open_store(text_ids.target)
    try:
        events = list(store.read_stream(str(WALLET)))
        snapshots = store.snapshots(str(WALLET))
        by_hex = list(store.read_stream(WALLET.hex))
    finally:
        store.close()
    assert [(e.stream, e.version, e.type) for e in events] == [
        (str(WALLET), 1, "Wallet.Opened"), (str(WALLET), 2, "Wallet.CreditsGranted")]
    assert [(s.version, s.state["credits"]) for s in snapshots] == ([(2, 5)] if text_ids.engine == "sqlite" else [])
    assert by_hex == []  # the stored spelling is not a second name for the stream


def test_stream_patterns_match_the_names_as_shown(text_ids):
    store = open_store(text_ids.target)
    try:
        tickets = [s.stream for s in store.streams(match="ticket-*")]
        wallet = [s.stream for s in store.streams(match=str(WALLET)[:13] + "*")]
        uuid_text = [s.stream for s in store.streams(match=UUID_TEXT[:9] + "*")]
        upper = [s.stream for s in store.streams(match="TICKET-*")]
        contained = [s.stream for s in store.streams(match="A17")]
        stored_hex = [s.stream for s in store.streams(match=WALLET.hex[:12] + "*")]
    finally:
        store.close()
    assert (tickets, wallet, uuid_text, upper) == ([TICKET], [str(WALLET)], [UUID_TEXT], [])
    assert (contained, stored_hex) == ([TICKET], [])  # the wallet's name is hyphenated, not its stored hex


def test_paging_one_stream_at_a_time_meets_every_stream_once(text_ids):
    store = open_store(text_ids.target)
    try:
        seen, after = [], None
        while True:
            page = store.streams(after=after, limit=1)
            if not page:
                break
            seen.append(page[0].stream)
            after = page[0].stream
    finally:
        store.close()
    assert sorted(seen) == sorted([TICKET, UUID_TEXT, str(WALLET)])


def test_cli_events_of_the_text_stream_are_its_two_events(text_ids, capsys):
    code, out = run(capsys, "events", text_ids.target, "--stream", TICKET, "--json")
    rows = json.loads(out)
    assert code == 0
    assert [(r["stream"], r["version"], r["type"]) for r in rows] == [
        (TICKET, 1, "Ticket.Opened"), (TICKET, 2, "Ticket.Closed")]


def test_cli_events_of_the_uuid_spelled_as_text_are_its_two_events(text_ids, capsys):
    code, out = run(capsys, "events", text_ids.target, "--stream", UUID_TEXT, "--json")
    assert code == 0
    assert [(r["stream"], r["version"]) for r in json.loads(out)] == [(UUID_TEXT, 1), (UUID_TEXT, 2)]


def test_cli_replay_of_the_text_stream_at_v2_has_the_closing_reason(text_ids, capsys):
    code, out = run(capsys, "replay", text_ids.target, "--stream", TICKET, "--at", "v2", "--json", "--no-cache")
    result = json.loads(out)
    assert code == 0
    assert (result["stream"], result["version"], result["events_applied"]) == (TICKET, 2, 2)
    assert result["state"]["reason"] == "roller replaced"
    assert result["state"]["title"] == "Printer jams"


def test_cli_check_reads_every_stream_and_finds_nothing(text_ids, capsys):
    code, out = run(capsys, "check", text_ids.target, "--json")
    assert code == 0
    assert json.loads(out) == {"findings": [], "streams_checked": 3}
    code, out = run(capsys, "check", text_ids.target)
    assert code == 0 and "no problems found in 3 streams" in out


def test_cli_info_says_the_id_column_is_text_read_raw(text_ids, capsys):
    code, out = run(capsys, "info", text_ids.target, "--json")
    columns = {c["role"]: c for c in json.loads(out)["columns"]}
    assert code == 0
    stream = columns["stream"]
    assert stream["column"].endswith(".originator_id") and stream["type"].lower() == "text"
    assert "raw ids as stored" in stream["reading"] and "uuid.hex" in stream["reading"]
    assert columns["version"]["column"].endswith(".originator_version")
    assert "after ':'" in columns["type"]["reading"]
    assert columns["data"]["type"].lower() == ("bytea" if text_ids.engine == "postgresql" else "blob")
    assert "JSONTranscoder" in columns["data"]["reading"] and "encrypted" in columns["data"]["reading"]
    assert columns["recorded_at"]["reading"].startswith("state.timestamp (inside the payload)")
    code, out = run(capsys, "info", text_ids.target)
    assert code == 0 and "originator_id" in out


# --- both spellings of one UUID ---------------------------------------------------------------
@pytest.fixture(params=ENGINES)
def twin_ids(request, tmp_path):
    """A text-id store holding one UUID twice: as a ticket's text id and as a wallet's uuid.hex."""
    app, written = _desk(request, tmp_path, request.param, "text")
    open_ticket(app, str(WALLET), "Wallet ticket", "duplicate charge")
    open_wallet(app, WALLET)
    app.close()
    yield written
    written.cleanup()


def test_both_spellings_of_one_uuid_are_two_streams_each_read_alone(twin_ids):
    store = open_store(twin_ids.target)
    try:
        names = sorted(s.stream for s in store.streams())
        ticket = list(store.read_stream(str(WALLET)))
        wallet = list(store.read_stream(WALLET.hex))
        paged = [page[0].stream for page in (store.streams(limit=1), store.streams(after=names[0], limit=1))]
        hex_match = [s.stream for s in store.streams(match=WALLET.hex[:8] + "*")]
        only_hex = [s.stream for s in store.streams(match=WALLET.hex[:12] + "*")]
        filtered = {name: [(e.stream, e.type) for e in store.read_all(filters=EventFilter(streams=(name,)))]
                    for name in (str(WALLET), WALLET.hex)}
    finally:
        store.close()
    assert names == sorted([str(WALLET), WALLET.hex])
    assert [(e.stream, e.type) for e in ticket] == [(str(WALLET), "Ticket.Opened"), (str(WALLET), "Ticket.Closed")]
    assert [(e.stream, e.type) for e in wallet] == [(WALLET.hex, "Wallet.Opened"), (WALLET.hex, "Wallet.CreditsGranted")]
    assert sorted(paged) == names
    assert sorted(hex_match) == names  # both names start with the same 8 hex digits
    assert only_hex == [WALLET.hex]
    assert filtered == {str(WALLET): [(e.stream, e.type) for e in ticket], WALLET.hex: [(e.stream, e.type) for e in wallet]}


def test_both_spellings_check_clean_from_the_cli(twin_ids, capsys):
    code, out = run(capsys, "check", twin_ids.target, "--json")
    assert code == 0 and json.loads(out) == {"findings": [], "streams_checked": 2}


# --- the library's default ids ---------------------------------------------------------------
@pytest.fixture(params=ENGINES)
def uuid_ids(request, tmp_path):
    """The library's default: PostgreSQL ``uuid``, SQLite ``uuid.hex`` in a TEXT column."""
    app, written = _desk(request, tmp_path, request.param, "uuid")
    open_wallet(app, WALLET)
    app.close()
    yield written
    written.cleanup()


def test_default_ids_are_shown_as_uuids_and_other_names_find_nothing_without_error(uuid_ids, capsys):
    store = open_store(uuid_ids.target)
    try:
        names = [s.stream for s in store.streams()]
        events = list(store.read_stream(str(WALLET)))
        others = [list(store.read_stream(name)) for name in (TICKET, WALLET.hex, str(WALLET).upper())]
        matched = [s.stream for s in store.streams(match=str(WALLET)[:8] + "-*")]
    finally:
        store.close()
    assert names == [str(WALLET)] and matched == [str(WALLET)]
    assert [(e.stream, e.version) for e in events] == [(str(WALLET), 1), (str(WALLET), 2)]
    assert others == [[], [], []]
    # a name the uuid ids cannot hold: no events, said without an SQL error
    code = main(["events", uuid_ids.target, "--stream", TICKET, "--json"])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and f"no events in stream {TICKET!r}" in err


def test_info_names_the_default_id_type(uuid_ids, capsys):
    code, out = run(capsys, "info", uuid_ids.target, "--json")
    stream = {c["role"]: c for c in json.loads(out)["columns"]}["stream"]
    assert code == 0
    if uuid_ids.engine == "postgresql":
        assert stream["type"].lower() == "uuid" and stream["reading"].startswith("uuid")
    else:
        assert stream["type"].lower() == "text" and "uuid.hex" in stream["reading"]


# --- eventsourcing-sqlalchemy: BINARY(16) / uuid ids with an ``id`` position -----------------
def _sqlalchemy_tables(dialect: str) -> sa.MetaData:
    """eventsourcing-sqlalchemy's models: ``UUIDType()`` is BINARY(16) on SQLite/MySQL, uuid on PostgreSQL."""
    metadata = sa.MetaData()
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import UUID as id_type
    else:
        id_type = lambda: sa.BINARY(16)  # noqa: E731 - the type factory, as for PostgreSQL's
    events = sa.Table(
        "desk_events", metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("originator_id", id_type(), nullable=False),
        sa.Column("originator_version", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
    )
    sa.Index("desk_events_aggregate_idx", events.c.originator_id, events.c.originator_version, unique=True)
    sa.Table(
        "desk_snapshots", metadata,
        sa.Column("originator_id", id_type(), primary_key=True),
        sa.Column("originator_version", sa.BigInteger(), primary_key=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
    )
    return metadata


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def binary_ids(request, tmp_path):
    """Two wallets (one with a snapshot) in eventsourcing-sqlalchemy's tables."""
    writer, target, drop = writable_target(request, request.param, tmp_path / "desk-sqlalchemy.db", "essa")
    metadata = _sqlalchemy_tables(writer.dialect.name)
    metadata.create_all(writer)
    mapper = Application().mapper  # the library's own JSONTranscoder and topics
    other = uuid.uuid5(uuid.NAMESPACE_URL, "https://desk.example/wallets/bo")
    rows, snapshot = [], None
    for wallet_id in (WALLET, other):
        wallet = Wallet._create(Wallet.Opened, id=wallet_id, owner="ada", actor="ada@example.com")
        wallet.grant(amount=5, actor="ada@example.com")
        stored_events = [mapper.to_stored_event(e) for e in wallet.collect_events()]
        rows += stored_events
        if wallet_id == WALLET:
            snapshot = mapper.to_stored_event(Wallet.Snapshot.take(wallet))

    def key(value: uuid.UUID):
        return value if writer.dialect.name == "postgresql" else value.bytes

    with writer.begin() as conn:
        conn.execute(metadata.tables["desk_events"].insert(), [
            {"originator_id": key(r.originator_id), "originator_version": r.originator_version,
             "topic": r.topic, "state": r.state} for r in rows])
        conn.execute(metadata.tables["desk_snapshots"].insert(), [
            {"originator_id": key(snapshot.originator_id), "originator_version": snapshot.originator_version,
             "topic": snapshot.topic, "state": snapshot.state}])
    writer.dispose()
    yield Written(target, request.param, drop or (lambda: None))
    if drop:
        drop()


def test_sixteen_byte_ids_are_read_as_uuids_by_their_id_position(binary_ids, capsys):
    store = open_store(binary_ids.target)
    try:
        names = [s.stream for s in store.streams()]
        events = list(store.read_stream(str(WALLET)))
        matched = [s.stream for s in store.streams(match=str(WALLET)[:13] + "*")]
        snapshots = store.snapshots(str(WALLET))
        nothing = [list(store.read_stream(name)) for name in (TICKET, WALLET.hex)]
        info = store.describe()
    finally:
        store.close()
    other = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://desk.example/wallets/bo"))
    assert sorted(names) == sorted([str(WALLET), other]) and matched == [str(WALLET)]
    assert [(e.stream, e.version, e.type, e.position) for e in events] == [
        (str(WALLET), 1, "Wallet.Opened", 1), (str(WALLET), 2, "Wallet.CreditsGranted", 2)]
    assert [(s.version, s.state["credits"]) for s in snapshots] == [(2, 5)]
    assert nothing == [[], []]
    columns = {c.role: c for c in info.columns}
    assert columns["position"].column == ("public.desk_events.id" if binary_ids.engine == "postgresql"
                                          else "desk_events.id")
    if binary_ids.engine == "postgresql":
        assert columns["stream"].sql_type.lower() == "uuid"
    else:
        assert columns["stream"].sql_type.upper() == "BINARY(16)"
        assert columns["stream"].reading.startswith("16 bytes shown as a hyphenated UUID")
    code, out = run(capsys, "check", binary_ids.target, "--json")
    assert code == 0 and json.loads(out) == {"findings": [], "streams_checked": 2}


# --- native replay with the user's own str-id classes ------------------------------------------
TICKET_DOMAIN = '''
from datetime import datetime
from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate, MetaDomainEvent, event


class TextIdAggregate(BaseAggregate[str]):
    class Event(CanMutateAggregate[str], metaclass=MetaDomainEvent):
        originator_id: str
        originator_version: int
        timestamp: datetime

    class Created(Event, CanInitAggregate[str]):
        originator_topic: str


class Ticket(TextIdAggregate):
    @staticmethod
    def create_id(code: str) -> str:
        return code

    @event("Opened")
    def __init__(self, code: str, title: str) -> None:
        self.title = title
        self.status = "open"

    @event("Closed")
    def close(self, reason: str) -> None:
        self.status = "closed"
        self.reason = reason
'''


@pytest.mark.parametrize("engine", ENGINES)
def test_native_replay_rebuilds_a_text_id_ticket_with_the_users_classes(engine, request, tmp_path, monkeypatch,
                                                                       capsys):
    domain_dir = tmp_path / "domain"
    domain_dir.mkdir()
    module = f"desk_domain_{uuid.uuid4().hex[:8]}"
    (domain_dir / f"{module}.py").write_text(textwrap.dedent(TICKET_DOMAIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(domain_dir))
    domain = __import__(module)
    app, written = _desk(request, tmp_path, engine, "text")
    try:
        for code in (TICKET, UUID_TEXT):
            ticket = domain.Ticket(code=code, title="Printer jams")
            ticket.close(reason="roller replaced")
            app.save(ticket)
        library_view = app.repository.get(UUID_TEXT, version=2)
        app.close()
        for stream in (TICKET, UUID_TEXT):
            code, out = run(capsys, "replay", written.target, "--stream", stream, "--at", "v2",
                            "--projector", "native", "--path", str(domain_dir), "--json", "--no-cache")
            result = json.loads(out)
            assert code == 0 and result["stopped"] is None
            assert (result["state"]["id"], result["state"]["reason"]) == (stream, "roller replaced")
        assert library_view.id == UUID_TEXT
    finally:
        written.cleanup()
