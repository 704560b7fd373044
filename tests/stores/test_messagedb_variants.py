"""Message DB installs as users run them, on PostgreSQL, from Message DB v1.3.0's own DDL.

* ``messages`` in ``public`` without the ``message_store`` functions (older installs): found, read,
  categories by the same rule in SQL; stream names byte-exact (case, trailing space, Unicode form);
* ``messages`` in a schema of its own (``billing``) with its ``category()`` function: category reads
  use that schema's function and its ``messages_category`` index;
* ``time`` written by Message DB's default (``now() AT TIME ZONE 'utc'``) under any session zone is read as UTC.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timezone

import orjson
import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.stores import EventFilter, open_store

from .servers import scratch_database
from .test_server_contract import MESSAGE_DB_DDL

#: v1.3.0's table and indexes, in a schema of the test's choosing, without the functions
TABLE_DDL = MESSAGE_DB_DDL.split("CREATE TABLE", 1)[1].split("CREATE INDEX messages_category")[0]
CAFE_NFC = unicodedata.normalize("NFC", "café-1")
CAFE_NFD = unicodedata.normalize("NFD", "café-1")
#: stream names PostgreSQL's deterministic collations keep apart, with their messages (type, data)
NAMES = {
    "account-1": [("Opened", {"owner": "alice"}), ("Deposited", {"amount": 10})],
    "Account-1": [("Opened", {"owner": "bruno"})],
    "account-1 ": [("Opened", {"owner": "chen"})],
    CAFE_NFC: [("Ordered", {"item": "tea"})],
    CAFE_NFD: [("Ordered", {"item": "coffee"}), ("Paid", {"amount": 3})],
}
T0 = datetime(2024, 4, 1, 8, 0)  # naive, as Message DB stores it: UTC


def _ddl(conn: sa.Connection, ddl: str) -> None:
    for statement in ddl.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


def _write(conn: sa.Connection, schema: str, names: dict) -> None:
    minute = 0
    for name, messages in names.items():
        for position, (kind, data) in enumerate(messages):
            minute += 1
            conn.exec_driver_sql(
                f"INSERT INTO {schema}.messages (position, time, stream_name, type, data, metadata) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (position, T0.replace(minute=minute), name, kind, orjson.dumps(data).decode(),
                 orjson.dumps({"actor": f"{kind.lower()}@example.com"}).decode()))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestMessagesInPublicWithoutFunctions:
    @pytest.fixture(scope="class")
    @classmethod
    def db(cls, postgres_url):
        db = scratch_database(postgres_url, "mdbpub")
        with db.writer.begin() as conn:
            _ddl(conn, "CREATE TABLE" + TABLE_DDL.replace("message_store.", "public."))
            _write(conn, "public", NAMES)
        yield db
        db.drop()

    @pytest.fixture(scope="class")
    @classmethod
    def store(cls, db):
        store = open_store(db.url)
        yield store
        store.close()

    def test_a_messages_table_in_public_is_read_as_message_db(self, store):
        assert store.layout_name == "messagedb"
        events = list(store.read_stream("account-1"))
        assert [(e.stream, e.version, e.type, e.data) for e in events] == [
            ("account-1", 0, "Opened", {"owner": "alice"}), ("account-1", 1, "Deposited", {"amount": 10})]
        assert events[0].recorded_at == datetime(2024, 4, 1, 8, 1, tzinfo=timezone.utc)
        assert events[0].actor == "opened@example.com"

    def test_names_differing_in_case_space_or_unicode_form_are_different_streams(self, store):
        listed = {s.stream: (s.count, s.first_version, s.last_version) for s in store.streams(limit=100)}
        assert listed == {name: (len(messages), 0, len(messages) - 1) for name, messages in NAMES.items()}
        for name, messages in NAMES.items():
            assert [e.data for e in store.read_stream(name)] == [data for _, data in messages], repr(name)
            assert [e.stream for e in store.read_all(filters=EventFilter(streams=(name,)))] == [name] * len(messages)
        assert list(store.read_stream("ACCOUNT-1")) == [] and list(store.read_stream("account-1  ")) == []
        assert store.describe().streams == len(NAMES)

    def test_categories_without_the_category_function_follow_the_same_rule(self, store):
        assert dict(store.categories()) == {"Account": 1, "account": 2, unicodedata.normalize("NFC", "café"): 1,
                                            unicodedata.normalize("NFD", "café"): 1}
        assert [s.stream for s in store.streams(category="account")] == ["account-1", "account-1 "]

    def test_info_says_where_the_table_is_and_how_each_column_is_read(self, store):
        info = store.describe()
        readings = {c.role: c for c in info.columns}
        assert readings["recorded_at"].column == "public.messages.time"
        assert readings["recorded_at"].sql_type == "TIMESTAMP WITHOUT TIME ZONE"
        assert readings["recorded_at"].reading == "timestamp without time zone, read as UTC"
        assert readings["version"].reading == "0-based position within the stream"
        assert (readings["data"].sql_type, readings["metadata"].sql_type) == ("JSONB", "JSONB")
        assert readings["stream"].sql_type == "TEXT" and "exactly" in readings["stream"].reading
        assert any("'public'" in note for note in info.notes)
        assert any("category() function" in note for note in info.notes)

    def test_cli_events_of_a_name_with_a_trailing_space_are_that_streams_only(self, db, capsys):
        code, out, _ = run(capsys, "events", db.url, "--stream", "account-1 ", "--json")
        assert code == 0
        assert [(e["stream"], e["version"], e["data"]) for e in json.loads(out)] == [
            ("account-1 ", 0, {"owner": "chen"})]

    def test_cli_info_json_lists_the_columns_with_their_types(self, db, capsys):
        code, out, _ = run(capsys, "info", db.url, "--json")
        assert code == 0
        info = json.loads(out)
        assert info["layout"] == "messagedb"
        columns = {c["role"]: c for c in info["columns"]}
        assert columns["position"] == {"role": "position", "column": "public.messages.global_position", "type": "BIGINT",
                                       "reading": "global order (gaps are normal)"}
        assert columns["recorded_at"]["type"] == "TIMESTAMP WITHOUT TIME ZONE"


def test_a_schema_of_its_own_uses_its_category_function_and_index(postgres_url):
    db = scratch_database(postgres_url, "mdbown")
    try:
        with db.writer.begin() as conn:
            ddl = MESSAGE_DB_DDL.replace("message_store", "billing")
            conn.exec_driver_sql(ddl.split("CREATE OR REPLACE")[0])
            conn.exec_driver_sql("CREATE OR REPLACE" + ddl.split("CREATE OR REPLACE")[1].split("CREATE TABLE")[0])
            _ddl(conn, "CREATE TABLE" + ddl.split("CREATE TABLE", 1)[1])
            conn.exec_driver_sql(
                "INSERT INTO billing.messages (position, time, stream_name, type, data, metadata) "
                "SELECT i / 200, timestamp '2024-01-01' + i * interval '1 second', "
                "(ARRAY['invoice', 'payment', 'refund', 'customer'])[mod(i, 4) + 1] || '-' || mod(i, 200), "
                "'Recorded', '{\"n\": 1}', '{}' FROM generate_series(0, 19999) AS i")
        with db.writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE billing.messages")
        store = open_store(db.url)
        try:
            assert store.layout_name == "messagedb"
            assert [s.stream for s in store.streams(category="refund", limit=3)] == [
                "refund-10", "refund-102", "refund-106"]
            assert dict(store.categories()) == {"customer": 50, "invoice": 50, "payment": 50, "refund": 50}
            query = sa.select(store.layout.position).select_from(store.layout.table).where(
                store.layout.category_clause("refund")).order_by(store.layout.position).limit(100)
            plan = store.explain(query)
            notes = store.describe().notes
        finally:
            store.close()
    finally:
        db.drop()
    assert "messages_category" in plan and "Seq Scan" not in plan, plan
    assert not [note for note in notes if "category() function" in note]


def test_time_written_by_message_db_under_any_session_zone_is_read_as_utc(postgres_url):
    db = scratch_database(postgres_url, "mdbtime")
    try:
        with db.writer.begin() as conn:
            _ddl(conn, MESSAGE_DB_DDL.split("CREATE OR REPLACE")[0])
            _ddl(conn, "CREATE TABLE" + TABLE_DDL)
            conn.exec_driver_sql("SET LOCAL TIME ZONE 'Asia/Kolkata'")
            conn.exec_driver_sql("INSERT INTO message_store.messages (position, stream_name, type, data) "
                                 "VALUES (0, 'clock-1', 'Ticked', '{}')")  # time: Message DB's default
            written = conn.exec_driver_sql("SELECT now()").scalar()  # the same instant, in this transaction
        store = open_store(db.url)
        try:
            (event,) = store.read_stream("clock-1")
        finally:
            store.close()
    finally:
        db.drop()
    assert event.recorded_at == written and event.recorded_at.utcoffset().total_seconds() == 0
