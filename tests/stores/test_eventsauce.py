"""EventSauce: the store contract with MessageStorage's MySQL and PostgreSQL DDL.

Rows are written as ``DoctrineMessageRepository`` writes them: BINARY(16) ids on MariaDB,
uuid on PostgreSQL, and a JSON payload whose headers hold the type, the time of recording
in ``Y-m-d H:i:s.uO`` (in several offsets, some in MySQL8DateFormatting's ``+04:00``)
and the aggregate root type.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta, timezone

import orjson
import sqlalchemy as sa

from inspector.stores import EventFilter, open_store

from .contract import DRAFTS, STREAM_KEYS, BadRow, Built, EventStoreContract, LooseVersionsContract, SqlContract
from .servers import scratch_database
from .test_sqlite_contract import LOOSE_READ, LOOSE_WRITES

TABLE = "marketplace_messages"

EVENTSAUCE_MYSQL_DDL = f"""
CREATE TABLE IF NOT EXISTS `{TABLE}` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `event_id` BINARY(16) NOT NULL,
  `aggregate_root_id` BINARY(16) NOT NULL,
  `version` int(20) unsigned NULL,
  `payload` varchar(16001) NOT NULL,
  PRIMARY KEY (`id` ASC),
  KEY `reconstitution` (`aggregate_root_id`, `version` ASC)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci ENGINE=InnoDB
"""

EVENTSAUCE_PG_DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
  id bigserial NOT NULL PRIMARY KEY,
  event_id uuid NOT NULL,
  aggregate_root_id uuid NOT NULL,
  version int CHECK (version > 0) NULL,
  payload json NOT NULL);
CREATE INDEX reconstitution ON {TABLE} (aggregate_root_id, version ASC)
"""

AGGREGATE_TYPES = {"wallet": "marketplace.wallets.wallet", "job": "marketplace.jobs.job"}
#: offsets the application servers recorded in, in turn; the colon form is MySQL8DateFormatting's
OFFSETS = [("+0400", 4 * 60), ("+0000", 0), ("-02:30", -150), ("+05:45", 345)]


def event_type(draft) -> str:
    """EventSauce's DotSeparatedSnakeCaseInflector of ``Marketplace\\Wallets\\Events\\CreditsGranted``."""
    area = "wallets" if draft.category == "wallet" else "jobs"
    return f"marketplace.{area}.events.{re.sub(r'(?<!^)(?=[A-Z])', '_', draft.type).lower()}"


def recorded(at, index: int) -> str:
    text, minutes = OFFSETS[index % len(OFFSETS)]
    local = at.astimezone(timezone(timedelta(minutes=minutes)))
    return local.strftime("%Y-%m-%d %H:%M:%S.%f") + text


def message(draft, index: int, root: str, event_id: str) -> str:
    headers = {
        "__event_id": event_id,
        "__event_type": event_type(draft),
        "__time_of_recording": recorded(draft.at, index),
        "__time_of_recording_format": "Y-m-d H:i:s.uO",
        "__aggregate_root_id": root,
        "__aggregate_root_id_type": f"{AGGREGATE_TYPES[draft.category]}_id",
        "__aggregate_root_type": AGGREGATE_TYPES[draft.category],
        "__aggregate_root_version": draft.version,
        "actor": draft.actor,
    }
    return orjson.dumps({"headers": headers, "payload": draft.data}).decode()


BROKEN = str(uuid.uuid5(uuid.NAMESPACE_URL, "eventsauce/broken"))
LOOSE = str(uuid.uuid5(uuid.NAMESPACE_URL, "eventsauce/loose"))


#: bad rows a varchar payload can hold: (version, payload, expected problem)
MYSQL_BAD = [(1, '{"headers": {"__event_type": "marketplace.refunds.events.refund_issued",', "malformed JSON"),
             (2, '{"amount": 5}', "not EventSauce's {headers, payload} envelope")]
#: a json column refuses broken JSON: its bad rows are JSON that is no EventSauce message
PG_BAD = [(1, '"refund issued"', "not EventSauce's {headers, payload} envelope"),
          (2, '{"amount": 5}', "not EventSauce's {headers, payload} envelope")]


def write_eventsauce(writer: sa.Engine, ddl: str, ids: dict[str, str], to_id, bad: list[tuple[int, str, str]]) -> None:
    """DDL, the drafts, two bad rows and a stream with duplicate and NULL versions."""
    table = sa.table(TABLE, *(sa.column(n) for n in ("event_id", "aggregate_root_id", "version", "payload")))
    with writer.begin() as conn:
        for statement in ddl.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        for index, d in enumerate(DRAFTS):
            event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"eventsauce/event/{index}"))
            conn.execute(table.insert().values(event_id=to_id(event_id), aggregate_root_id=to_id(ids[d.key]),
                                               version=d.version, payload=message(d, index, ids[d.key], event_id)))
        for version, payload, _ in bad:
            conn.execute(table.insert().values(event_id=to_id(str(uuid.uuid4())), aggregate_root_id=to_id(BROKEN),
                                               version=version, payload=payload))
        for version in LOOSE_WRITES:
            headers = {"__event_type": "marketplace.notes.events.noted", "__aggregate_root_type": "marketplace.notes.note",
                       "__time_of_recording": "2024-02-01 08:00:00.000000+0000"}
            conn.execute(table.insert().values(
                event_id=to_id(str(uuid.uuid4())), aggregate_root_id=to_id(LOOSE), version=version,
                payload=orjson.dumps({"headers": headers, "payload": {"note": "twice"}}).decode()))


def _build(db, ddl: str, to_id, bad: list[tuple[int, str, str]]) -> Built:
    ids = {key: str(uuid.uuid5(uuid.NAMESPACE_URL, f"eventsauce/{key}")) for key in STREAM_KEYS}
    write_eventsauce(db.writer, ddl, ids, to_id, bad)
    store = open_store(db.url)

    def cleanup() -> None:
        store.close()
        db.drop()

    early = DRAFTS[0].at.replace(month=2, day=1, hour=8)
    return Built(
        store=store, layout="eventsauce", streams=ids, type_name=event_type, categories=AGGREGATE_TYPES,
        bad=[BadRow(BROKEN, version, "(no type)", problem) for version, _, problem in bad],
        loose=(LOOSE, LOOSE_READ), extra_times=[early], cleanup=cleanup,
    )


class EventSauceChecks:
    """What only EventSauce rows show: headers as metadata, times in any offset, ids as UUIDs."""

    def test_headers_are_the_metadata_and_ids_show_as_uuids(self, built, store):
        (first,) = list(store.read_stream(built.streams["wallet-a"], limit=1))
        assert first.metadata["__aggregate_root_type"] == "marketplace.wallets.wallet"
        assert first.metadata["event_id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, "eventsauce/event/0"))
        assert first.stream == str(uuid.UUID(first.stream))

    def test_times_in_mixed_offsets_filter_as_instants(self, built, store):
        # DRAFTS[3] was recorded at +05:45: its text reads 5h45 later than the instant the filter names
        events = store.read_all(limit=100, filters=EventFilter(since=DRAFTS[3].at, until=DRAFTS[3].at))
        assert [(e.stream, e.version) for e in events] == built.shown([DRAFTS[3]])

    def test_info_says_headers_are_read_from_json_and_the_index_is_there(self, store):
        notes = store.describe().notes
        assert any("headers" in note for note in notes)
        assert not [note for note in notes if note.startswith("no index")]


class TestEventSauceLayoutOnMariadb(EventStoreContract, LooseVersionsContract, SqlContract, EventSauceChecks):
    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("mysql_url"), "esauce")
        return _build(db, EVENTSAUCE_MYSQL_DDL, lambda text: uuid.UUID(text).bytes, MYSQL_BAD)

    def test_a_shown_uuid_turns_back_into_its_sixteen_bytes(self, built, store):
        name = built.streams["job-x"]
        assert store.layout.stream_to_db(name) == uuid.UUID(name).bytes
        assert list(store.read_stream("job-x")) == []


class TestEventSauceLayoutOnPostgres(EventStoreContract, LooseVersionsContract, SqlContract, EventSauceChecks):
    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("postgres_url"), "esauce")
        return _build(db, EVENTSAUCE_PG_DDL, uuid.UUID, PG_BAD)


def test_eventsauce_without_the_reconstitution_index_is_reported(mysql_url):
    db = scratch_database(mysql_url, "esauceix")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql(EVENTSAUCE_MYSQL_DDL.replace(",\n  KEY `reconstitution` (`aggregate_root_id`, `version` ASC)", ""))
        store = open_store(db.url)
        try:
            assert store.layout_name == "eventsauce"
            assert any("reconstitution" in note for note in store.describe().notes)
        finally:
            store.close()
    finally:
        db.drop()


class TestEventSauceStringIdsOnMariadb(EventStoreContract, LooseVersionsContract, SqlContract):
    """The ``*UuidV4MessageRepository`` variant: ids stored as 36-character text."""

    def build(self, request, tmp_path) -> Built:
        db = scratch_database(request.getfixturevalue("mysql_url"), "esaucetxt")
        return _build(db, EVENTSAUCE_MYSQL_DDL.replace("BINARY(16)", "CHAR(36)"), str, MYSQL_BAD)
