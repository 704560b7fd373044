"""EventSauce tables in every schema version users run, on MariaDB and PostgreSQL.

Each table is created from the DDL EventSauce published: MessageStorage 1.x
(``MySQL.ddl``/``PostgreSQL.ddl``, its string-id ``*UuidV4MessageRepository`` variant, and
its own test table without ``id``) and the pre-1.0 ``LegacyTableSchema`` table
(``event_id, event_type, aggregate_root_id, aggregate_root_version, time_of_recording,
payload``, no ``id``) as MessageStorage's test setup creates it, with the payload column
typed json, jsonb or text. Rows are written as EventSauce writes them: the
``{"headers", "payload"}`` envelope, the type and time copied into the legacy columns.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import orjson
import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.stores import EventFilter, open_store

from .contract import DRAFTS, STREAM_KEYS, BadRow, Built, EventStoreContract, LooseVersionsContract, SqlContract
from .servers import scratch_database
from .test_eventsauce import AGGREGATE_TYPES, BROKEN, LOOSE, MYSQL_BAD, PG_BAD, event_type, message, write_eventsauce
from .test_sqlite_contract import LOOSE_READ

UTC = timezone.utc
TABLE = "domain_messages"

# --- the DDL, as EventSauce published it ------------------------------------------------
#: pre-1.0 (LegacyTableSchema), as MessageStorage's test setup creates it on MySQL
LEGACY_MYSQL = """
CREATE TABLE IF NOT EXISTS {table} (
    event_id VARCHAR(36) NOT NULL,
    event_type VARCHAR(100) NOT NULL,
    aggregate_root_id VARCHAR(36) NOT NULL,
    aggregate_root_version MEDIUMINT(36) UNSIGNED NOT NULL,
    time_of_recording DATETIME(6) NOT NULL,
    payload JSON NOT NULL,
    INDEX aggregate_root_id (aggregate_root_id),
    UNIQUE KEY unique_id_and_version (aggregate_root_id, aggregate_root_version ASC)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci ENGINE=InnoDB
"""
#: the same columns on PostgreSQL (ids as text, a zone-less timestamp)
LEGACY_PG = """
CREATE TABLE IF NOT EXISTS {table} (
    event_id VARCHAR(36) NOT NULL,
    event_type VARCHAR(100) NOT NULL,
    aggregate_root_id VARCHAR(36) NOT NULL,
    aggregate_root_version INT NOT NULL,
    time_of_recording TIMESTAMP(6) NOT NULL,
    payload JSON NOT NULL,
    CONSTRAINT unique_id_and_version UNIQUE (aggregate_root_id, aggregate_root_version)
)
"""
#: MessageStorage 1.x MySQL.ddl
DEFAULT_MYSQL = """
CREATE TABLE IF NOT EXISTS `{table}` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `event_id` BINARY(16) NOT NULL,
  `aggregate_root_id` BINARY(16) NOT NULL,
  `version` int(20) unsigned NULL,
  `payload` varchar(16001) NOT NULL,
  PRIMARY KEY (`id` ASC),
  KEY `reconstitution` (`aggregate_root_id`, `version` ASC)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci ENGINE=InnoDB
"""
#: MessageStorage 1.x PostgreSQL.ddl
DEFAULT_PG = """
CREATE TABLE IF NOT EXISTS {table} (
  id bigserial NOT NULL PRIMARY KEY,
  event_id uuid NOT NULL,
  aggregate_root_id uuid NOT NULL,
  version int CHECK (version > 0) NULL,
  payload json NOT NULL);
CREATE INDEX reconstitution ON {table} (aggregate_root_id, version ASC)
"""
#: MessageStorage's own 1.x test table on MySQL: keyed by event_id, no id column
NO_ID_MYSQL = """
CREATE TABLE IF NOT EXISTS `{table}` (
  `event_id` BINARY(16) NOT NULL,
  `aggregate_root_id` BINARY(16) NOT NULL,
  `version` int(20) unsigned NULL,
  `payload` varchar(16001) NOT NULL,
  PRIMARY KEY (`event_id`),
  KEY (`aggregate_root_id`),
  KEY `reconstitution` (`aggregate_root_id`, `version` ASC)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci ENGINE=InnoDB
"""
NO_ID_PG = """
CREATE TABLE IF NOT EXISTS {table} (
  event_id uuid NOT NULL PRIMARY KEY,
  aggregate_root_id uuid NOT NULL,
  version int CHECK (version > 0) NULL,
  payload json NOT NULL);
CREATE INDEX reconstitution ON {table} (aggregate_root_id, version ASC)
"""


def binary(text: str) -> bytes:
    return uuid.UUID(text).bytes


def naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Variant:
    """One schema as users run it: its DDL, how ids are written, and what ``info`` must report."""

    name: str
    server: str  # the fixture giving the server URL
    ddl: str
    to_id: Callable[[str], Any]
    schema: str  # a fragment of the schema note
    types: dict[str, str]  # role -> the type as the engine spells it (column readings)
    legacy: bool = True

    def create(self, writer: sa.Engine) -> None:
        with writer.begin() as conn:
            for statement in self.ddl.format(table=TABLE).split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)


VARIANTS = [
    Variant("mariadb-pre-1.0", "mysql_url", LEGACY_MYSQL, str, "pre-1.0",
            {"stream": "VARCHAR(36)", "version": "MEDIUMINT(36) UNSIGNED", "type": "VARCHAR(100)",
             "recorded_at": "DATETIME(6)"}),
    Variant("mariadb-pre-1.0-char-ids-longtext", "mysql_url",
            LEGACY_MYSQL.replace("VARCHAR(36)", "CHAR(36)").replace("payload JSON", "payload LONGTEXT"), str,
            "pre-1.0", {"stream": "CHAR(36)", "data": "LONGTEXT"}),
    Variant("mariadb-pre-1.0-binary-ids", "mysql_url", LEGACY_MYSQL.replace("VARCHAR(36)", "BINARY(16)"), binary,
            "pre-1.0", {"stream": "BINARY(16)"}),
    Variant("mariadb-1.x", "mysql_url", DEFAULT_MYSQL, binary, "1.x (MessageStorage DefaultTableSchema",
            {"position": "BIGINT", "stream": "BINARY(16)", "data": "VARCHAR(16001)"}, legacy=False),
    Variant("mariadb-1.x-string-ids", "mysql_url", DEFAULT_MYSQL.replace("BINARY(16)", "CHAR(36)"), str,
            "1.x (MessageStorage DefaultTableSchema", {"stream": "CHAR(36)"}, legacy=False),
    Variant("mariadb-1.x-without-id", "mysql_url", NO_ID_MYSQL, binary, "without the id column",
            {"stream": "BINARY(16)"}, legacy=False),
    Variant("postgres-pre-1.0", "postgres_url", LEGACY_PG, str, "pre-1.0",
            {"stream": "VARCHAR(36)", "version": "INTEGER", "recorded_at": "TIMESTAMP(6) WITHOUT TIME ZONE",
             "data": "JSON"}),
    Variant("postgres-pre-1.0-uuid-jsonb", "postgres_url",
            LEGACY_PG.replace("VARCHAR(36)", "UUID").replace("TIMESTAMP(6)", "TIMESTAMPTZ(6)")
            .replace("payload JSON", "payload JSONB"), uuid.UUID, "pre-1.0",
            {"stream": "UUID", "recorded_at": "TIMESTAMP(6) WITH TIME ZONE", "data": "JSONB"}),
    Variant("postgres-pre-1.0-text-payload", "postgres_url", LEGACY_PG.replace("payload JSON", "payload TEXT"), str,
            "pre-1.0", {"data": "TEXT"}),
    Variant("postgres-1.x", "postgres_url", DEFAULT_PG, uuid.UUID, "1.x (MessageStorage DefaultTableSchema",
            {"position": "BIGINT", "stream": "UUID", "data": "JSON"}, legacy=False),
    Variant("postgres-1.x-string-ids-jsonb", "postgres_url",
            DEFAULT_PG.replace("uuid", "varchar(36)").replace("payload json", "payload jsonb"), str,
            "1.x (MessageStorage DefaultTableSchema", {"stream": "VARCHAR(36)", "data": "JSONB"}, legacy=False),
    Variant("postgres-1.x-without-id", "postgres_url", NO_ID_PG, uuid.UUID, "without the id column",
            {"stream": "UUID"}, legacy=False),
]

# --- the aggregate ------------------------------------------------------------------
BOOK = "3c9d2f4e-1111-4a2b-8c3d-000000000001"
OTHER_BOOK = "3c9d2f4e-1111-4a2b-8c3d-000000000002"
LENT_AT = datetime(2019, 5, 14, 9, 30, 0, 123456, tzinfo=UTC)


@dataclass(frozen=True)
class Message:
    root: str
    version: int
    type: str
    at: datetime
    data: dict[str, Any]
    offset: str  # how the application wrote the offset of __time_of_recording

    @property
    def event_id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"library/{self.root}/{self.version}"))

    def time_text(self) -> str:
        sign = -1 if self.offset.startswith("-") else 1
        hours, minutes = int(self.offset[1:3]), int(self.offset[-2:])
        local = self.at.astimezone(timezone(sign * timedelta(hours=hours, minutes=minutes)))
        return local.strftime("%Y-%m-%d %H:%M:%S.%f") + self.offset

    def payload(self) -> str:
        headers = {
            "__event_id": self.event_id,
            "__event_type": self.type,
            "__time_of_recording": self.time_text(),
            "__aggregate_root_id": self.root,
            "__aggregate_root_type": "library.book",
            "__aggregate_root_version": self.version,
        }
        return orjson.dumps({"headers": headers, "payload": self.data}).decode()


LIBRARY = [
    Message(BOOK, 1, "library.book_lent", LENT_AT, {"book": "Dune", "member": "m-7"}, "+0000"),
    Message(OTHER_BOOK, 1, "library.book_lent", LENT_AT + timedelta(days=3), {"book": "Emma", "member": "m-2"},
            "+04:00"),
    Message(BOOK, 2, "library.book_returned", LENT_AT + timedelta(days=14, microseconds=1),
            {"book": "Dune", "returned_on": "2019-05-28"}, "-0230"),
]


def write_library(variant: Variant, writer: sa.Engine, messages: list[Message] = LIBRARY) -> None:
    variant.create(writer)
    names = ["event_id", "aggregate_root_id", "payload",
             *(["event_type", "aggregate_root_version", "time_of_recording"] if variant.legacy else ["version"])]
    table = sa.table(TABLE, *(sa.column(n) for n in names))
    with writer.begin() as conn:
        for m in messages:
            row = {"event_id": variant.to_id(m.event_id), "aggregate_root_id": variant.to_id(m.root),
                   "payload": m.payload()}
            if variant.legacy:
                row.update(event_type=m.type, aggregate_root_version=m.version, time_of_recording=naive_utc(m.at))
            else:
                row["version"] = m.version
            conn.execute(table.insert().values(**row))


def run(capsys, *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


@pytest.fixture(scope="module", params=VARIANTS, ids=[v.name for v in VARIANTS])
def library(request):
    variant: Variant = request.param
    db = scratch_database(request.getfixturevalue(variant.server), "esver")
    try:
        write_library(variant, db.writer)
        yield variant, db.url
    finally:
        db.drop()


# --- the issue, through the CLI, on every schema ------------------------------------------
def test_the_aggregate_reads_as_eventsauce_with_both_events_in_version_order(library, capsys):
    variant, url = library
    code, events, err = run(capsys, "events", url, "--stream", BOOK, "--json")
    assert code == 0, err
    assert [(e["stream"], e["version"], e["type"]) for e in events] == [
        (BOOK, 1, "library.book_lent"), (BOOK, 2, "library.book_returned")]
    assert [e["recorded_at"] for e in events] == ["2019-05-14T09:30:00.123456Z", "2019-05-28T09:30:00.123457Z"]
    assert [e["data"] for e in events] == [LIBRARY[0].data, LIBRARY[2].data]
    assert [e["problem"] for e in events] == [None, None]
    assert events[0]["metadata"]["event_id"] == LIBRARY[0].event_id
    assert events[0]["position"] < events[1]["position"]


def test_the_layout_forced_by_name_finds_the_table(library, capsys):
    _, url = library
    code, events, err = run(capsys, "events", url, "--layout", "eventsauce", "--stream", BOOK, "--json")
    assert code == 0, err
    assert [e["version"] for e in events] == [1, 2]


def test_replay_at_each_version_folds_the_payloads_up_to_it(library, capsys):
    _, url = library
    code, first, err = run(capsys, "replay", url, "--stream", BOOK, "--at", "v1", "--json")
    assert code == 0, err
    assert (first["version"], first["state"]) == (1, {"book": "Dune", "member": "m-7"})
    code, second, err = run(capsys, "replay", url, "--stream", BOOK, "--at", "v2", "--json")
    assert code == 0, err
    assert (second["version"], second["state"]) == (2, {"book": "Dune", "member": "m-7", "returned_on": "2019-05-28"})
    # an instant between the two recordings answers the earlier version
    between = (LENT_AT + timedelta(days=7)).isoformat()
    code, middle, err = run(capsys, "replay", url, "--stream", BOOK, "--at", between, "--json")
    assert code == 0, err
    assert middle["version"] == 1


def test_all_events_come_in_recording_order_and_page_by_position(library, capsys):
    _, url = library
    code, everything, err = run(capsys, "events", url, "--json")
    assert code == 0, err
    assert [(e["stream"], e["version"]) for e in everything] == [(m.root, m.version) for m in LIBRARY]
    paged, after = [], None
    while True:
        code, page, err = run(capsys, "events", url, "--limit", "1", "--json",
                              *(["--after", str(after)] if after is not None else []))
        assert code == 0, err
        if not page:
            break
        paged += page
        after = page[-1]["position"]
    assert paged == everything


def test_time_and_type_filters_select_by_the_recorded_instant(library, capsys):
    _, url = library
    code, events, err = run(capsys, "events", url, "--since", "2019-05-17T09:30:00Z", "--until",
                            "2019-05-28T09:30:01Z", "--json")
    assert code == 0, err
    assert [(e["stream"], e["version"]) for e in events] == [(OTHER_BOOK, 1), (BOOK, 2)]
    code, events, err = run(capsys, "events", url, "--type", "library.book_lent", "--json")
    assert [(e["stream"], e["version"]) for e in events] == [(BOOK, 1), (OTHER_BOOK, 1)]


def test_info_shows_each_column_its_type_and_the_schema_version_recognised(library, capsys):
    variant, url = library
    code, info, err = run(capsys, "info", url, "--json")
    assert code == 0, err
    assert (info["layout"], info["events"], info["streams"]) == ("eventsauce", 3, 2)
    assert any(note.startswith("EventSauce schema recognised: ") and variant.schema in note for note in info["notes"])
    columns = {(c["role"], c["column"].rsplit(".", 1)[1]): c for c in info["columns"]}
    version_column = "aggregate_root_version" if variant.legacy else "version"
    assert (("stream", "aggregate_root_id") in columns and ("version", version_column) in columns
            and ("data", "payload") in columns)
    column_of = {"position": "id", "stream": "aggregate_root_id", "version": version_column, "type": "event_type",
                 "recorded_at": "time_of_recording", "data": "payload"}
    for role, sql_type in variant.types.items():
        found = columns[(role, column_of[role])]["type"]
        assert found.upper().startswith(sql_type), (role, found)
    if variant.legacy:
        assert columns[("type", "event_type")]["reading"].startswith("text")
        assert "used where the payload's __time_of_recording header is missing" in columns[
            ("recorded_at", "time_of_recording")]["reading"]
    position = next(c for c in info["columns"] if c["role"] == "position")
    if "id" in variant.ddl.split("event_id")[0]:
        assert position["column"].endswith(".id")
    else:
        assert "computed exact integer" in position["reading"]
        assert any(note.startswith("no id column: the global order is computed") for note in info["notes"])
    assert not [note for note in info["notes"] if note.startswith("no index")]


# --- the computed global order of tables without an id ---------------------------------------
def _expected_position(at: datetime, version: int, event_id: str) -> int:
    """((µs since 1970) * 2**33 + version + 2**31 + 1) * 2**128 + the event id's 128 bits."""
    micros = (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return ((micros * 2**33 + version + 2**31 + 1) << 128) + uuid.UUID(event_id).int


@pytest.mark.parametrize("server", ["mysql_url", "postgres_url"])
def test_without_an_id_the_position_is_time_version_and_event_id_as_one_exact_integer(request, server):
    variant = next(v for v in VARIANTS if v.server == server and v.name.endswith("pre-1.0"))
    db = scratch_database(request.getfixturevalue(server), "esverpos")
    try:
        write_library(variant, db.writer)
        store = open_store(db.url)
        try:
            events = store.read_all(limit=10)
            assert [e.position for e in events] == [_expected_position(m.at, m.version, m.event_id) for m in LIBRARY]
            assert all(type(e.position) is int for e in events)
            assert store.latest_position() == events[-1].position
        finally:
            store.close()
    finally:
        db.drop()


@pytest.mark.parametrize("server", ["mysql_url", "postgres_url"])
def test_events_recorded_in_the_same_microsecond_page_one_by_one_in_version_order(request, server):
    variant = next(v for v in VARIANTS if v.server == server and v.name.endswith("pre-1.0"))
    same = LENT_AT + timedelta(days=30)
    burst = [Message(BOOK, version, "library.book_renewed", same, {"renewal": version}, "+0000")
             for version in range(1, 8)]
    burst += [Message(OTHER_BOOK, version, "library.book_renewed", same, {"renewal": version}, "+0000")
              for version in range(1, 4)]
    db = scratch_database(request.getfixturevalue(server), "esverburst")
    try:
        write_library(variant, db.writer, burst)
        store = open_store(db.url)
        try:
            everything = store.read_all(limit=100)
            paged, after = [], None
            while page := store.read_all(after_position=after, limit=1):
                paged += page
                after = page[-1].position
            assert [e.position for e in paged] == [e.position for e in everything]
            assert len({e.position for e in everything}) == len(burst)
            # one stream's events keep their version order even in the global order
            assert [e.version for e in everything if e.stream == BOOK] == list(range(1, 8))
            assert [e.version for e in everything[:2]] == [1, 1]
        finally:
            store.close()
    finally:
        db.drop()


#: event ids a string-id table may hold that are not lowercase UUIDs (differing only in case, too)
TEXT_EVENT_IDS = ["evt-1", "EVT-1", "3C9D2F4E-1111-4A2B-8C3D-00000000000A"]


def test_event_ids_that_are_not_uuids_still_give_distinct_positions(mysql_url):
    variant = next(v for v in VARIANTS if v.name == "mariadb-pre-1.0")
    db = scratch_database(mysql_url, "esvertext")
    try:
        variant.create(db.writer)
        table = sa.table(TABLE, *(sa.column(n) for n in ("event_id", "event_type", "aggregate_root_id",
                                                          "aggregate_root_version", "time_of_recording", "payload")))
        with db.writer.begin() as conn:
            for version, event_id in enumerate(TEXT_EVENT_IDS, start=1):
                conn.execute(table.insert().values(
                    event_id=event_id, event_type="library.book_noted", aggregate_root_id=BOOK,
                    aggregate_root_version=version, time_of_recording=naive_utc(LENT_AT), payload='{"note": 1}'))
        store = open_store(db.url)
        try:
            events = store.read_all(limit=10)
            assert [e.version for e in events] == [1, 2, 3]
            assert len({e.position for e in events}) == 3
            assert [e.metadata["event_id"] for e in events] == TEXT_EVENT_IDS
        finally:
            store.close()
    finally:
        db.drop()


# --- time and payload in pre-1.0 rows -----------------------------------------------------
def test_the_header_offset_wins_over_a_zone_less_column_and_the_column_serves_rows_without_one(postgres_url):
    """A zone-less ``time_of_recording`` keeps the local time the application wrote (PostgreSQL
    drops the offset of ``2019-05-14 13:30:00+0400``); the header still has it."""
    variant = next(v for v in VARIANTS if v.name == "postgres-pre-1.0")
    db = scratch_database(postgres_url, "esveroffset")
    try:
        variant.create(db.writer)
        table = sa.table(TABLE, *(sa.column(n) for n in ("event_id", "event_type", "aggregate_root_id",
                                                          "aggregate_root_version", "time_of_recording", "payload")))
        with_offset = orjson.dumps({"headers": {"__event_type": "library.book_lent",
                                                "__time_of_recording": "2019-05-14 13:30:00.000000+0400"},
                                    "payload": {"book": "Dune"}}).decode()
        without = orjson.dumps({"headers": {"__event_type": "library.book_returned"},
                                "payload": {"book": "Dune"}}).decode()
        with db.writer.begin() as conn:
            conn.execute(table.insert().values(
                event_id=str(uuid.uuid4()), event_type="library.book_lent", aggregate_root_id=BOOK,
                aggregate_root_version=1, time_of_recording=datetime(2019, 5, 14, 13, 30), payload=with_offset))
            conn.execute(table.insert().values(
                event_id=str(uuid.uuid4()), event_type="library.book_returned", aggregate_root_id=BOOK,
                aggregate_root_version=2, time_of_recording=datetime(2019, 5, 20, 8, 0), payload=without))
        store = open_store(db.url)
        try:
            first, second = store.read_stream(BOOK)
            assert first.recorded_at == datetime(2019, 5, 14, 9, 30, tzinfo=UTC)
            assert second.recorded_at == datetime(2019, 5, 20, 8, 0, tzinfo=UTC)
            assert store.time_range() == (first.recorded_at, second.recorded_at)
            hit = store.read_all(limit=10, filters=EventFilter(since=datetime(2019, 5, 14, 9, 30, tzinfo=UTC),
                                                               until=datetime(2019, 5, 14, 9, 30, tzinfo=UTC)))
            assert [e.version for e in hit] == [1]
        finally:
            store.close()
    finally:
        db.drop()


@pytest.mark.parametrize("server", ["mysql_url", "postgres_url"])
def test_a_pre_1_0_row_holding_only_the_event_json_reads_it_with_type_and_time_from_columns(request, server):
    variant = next(v for v in VARIANTS if v.server == server and v.name.endswith("pre-1.0"))
    db = scratch_database(request.getfixturevalue(server), "esverplain")
    try:
        variant.create(db.writer)
        table = sa.table(TABLE, *(sa.column(n) for n in ("event_id", "event_type", "aggregate_root_id",
                                                          "aggregate_root_version", "time_of_recording", "payload")))
        with db.writer.begin() as conn:
            conn.execute(table.insert().values(
                event_id=str(uuid.uuid4()), event_type="library.book_lent", aggregate_root_id=BOOK,
                aggregate_root_version=1, time_of_recording=naive_utc(LENT_AT),
                payload='{"book": "Dune", "fine": 12345678901234567890.25}'))
        store = open_store(db.url)
        try:
            (event,) = store.read_stream(BOOK)
            assert (event.type, event.recorded_at, event.problem) == ("library.book_lent", LENT_AT, None)
            assert event.data["book"] == "Dune"
            assert str(event.data["fine"]) == "12345678901234567890.25"
        finally:
            store.close()
    finally:
        db.drop()


# --- the whole store contract on the schemas without an id ----------------------------------
LEGACY_BAD_TYPE = "marketplace.refunds.events.refund_issued"


def _build_legacy(db, ddl: str, to_id) -> Built:
    """The marketplace in a pre-1.0 table: type and time in the columns as well as the headers."""
    ids = {key: str(uuid.uuid5(uuid.NAMESPACE_URL, f"eventsauce/{key}")) for key in STREAM_KEYS}
    names = ("event_id", "event_type", "aggregate_root_id", "aggregate_root_version", "time_of_recording", "payload")
    table = sa.table(TABLE, *(sa.column(n) for n in names))
    early = DRAFTS[0].at.replace(month=2, day=1, hour=8)
    with db.writer.begin() as conn:
        for statement in ddl.format(table=TABLE).split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        for index, d in enumerate(DRAFTS):
            event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"eventsauce/event/{index}"))
            conn.execute(table.insert().values(
                event_id=to_id(event_id), event_type=event_type(d), aggregate_root_id=to_id(ids[d.key]),
                aggregate_root_version=d.version, time_of_recording=naive_utc(d.at),
                payload=message(d, index, ids[d.key], event_id)))
        conn.execute(table.insert().values(
            event_id=to_id(str(uuid.uuid4())), event_type=LEGACY_BAD_TYPE, aggregate_root_id=to_id(BROKEN),
            aggregate_root_version=1, time_of_recording=naive_utc(early), payload=MYSQL_BAD[0][1]))
    store = open_store(db.url)

    def cleanup() -> None:
        store.close()
        db.drop()

    return Built(
        store=store, layout="eventsauce", streams=ids, type_name=event_type, categories=AGGREGATE_TYPES,
        bad=[BadRow(BROKEN, 1, LEGACY_BAD_TYPE, MYSQL_BAD[0][2])], extra_times=[early], cleanup=cleanup,
    )


def _build_without_id(db, ddl: str, to_id, bad) -> Built:
    ids = {key: str(uuid.uuid5(uuid.NAMESPACE_URL, f"eventsauce/{key}")) for key in STREAM_KEYS}
    write_eventsauce(db.writer, ddl.format(table="marketplace_messages"), ids, to_id, bad)
    store = open_store(db.url)

    def cleanup() -> None:
        store.close()
        db.drop()

    return Built(
        store=store, layout="eventsauce", streams=ids, type_name=event_type, categories=AGGREGATE_TYPES,
        bad=[BadRow(BROKEN, version, "(no type)", problem) for version, _, problem in bad],
        loose=(LOOSE, LOOSE_READ), extra_times=[DRAFTS[0].at.replace(month=2, day=1, hour=8)], cleanup=cleanup,
    )


class TestPreOneZeroSchemaOnMariadb(EventStoreContract, SqlContract):
    """LegacyTableSchema with a LONGTEXT payload (so a malformed row can be planted), no id."""

    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("mysql_url"), "esverlegacy")
        return _build_legacy(db, LEGACY_MYSQL.replace("payload JSON", "payload LONGTEXT"), str)


class TestOneXSchemaWithoutIdOnMariadb(EventStoreContract, LooseVersionsContract, SqlContract):
    """MessageStorage's 1.x table keyed by event_id: no id, time only in the headers."""

    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("mysql_url"), "esvernoid")
        return _build_without_id(db, NO_ID_MYSQL, binary, MYSQL_BAD)


class TestOneXSchemaWithoutIdOnPostgres(EventStoreContract, LooseVersionsContract, SqlContract):
    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("postgres_url"), "esvernoid")
        return _build_without_id(db, NO_ID_PG, uuid.UUID, PG_BAD)
