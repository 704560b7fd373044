"""The event type survey: counts and times per type, payload fields per type over time, schema drift.

One history is written into every kind of store: ``ItemAdded`` events, one a day for ten
days, whose payload changes half-way through its life:

- ``sku`` is a string throughout;
- ``quantity`` is a number in the first five events and a string from the sixth on;
- ``discount`` appears with the sixth event (day 5) and stays;
- ``legacy_code`` is in the first four only (last on day 3);

beside two ``OrderPlaced`` events that never change, a ``CartOpened`` of another category, and
one ``ItemAdded`` whose payload is not a JSON object (not JSON where the column can hold that).
Each store must report the fields, their JSON types and when each appeared, disappeared or
changed type, counted by the database (SQLite, PostgreSQL json/jsonb, MariaDB text) or from a
sample whose size it states (PostgreSQL text, JSON Lines).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.core.cancel import CancelToken
from inspector.core.type_drift import TypeSurvey, field_drift
from inspector.stores import open_store

from .servers import scratch_database
from .test_eventsauce import EVENTSAUCE_MYSQL_DDL, EVENTSAUCE_PG_DDL
from .test_server_contract import MESSAGE_DB_DDL

UTC = timezone.utc
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
#: the day the payload of ItemAdded changed
CHANGED = T0 + 5 * DAY


@dataclass(frozen=True)
class Row:
    stream: str
    version: int
    type: str
    at: datetime
    data: Any  # a JSON value, or BROKEN_TEXT where the payload is no JSON at all
    broken: bool = False


BROKEN_TEXT = '{"sku": "half-written'


def history() -> list[Row]:
    rows = [Row("cart-1", 1, "CartOpened", T0 + timedelta(hours=1), {"owner": "ana"})]
    for day in range(10):
        data: dict[str, Any] = {"sku": f"sku-{day}", "quantity": day + 1 if day < 5 else str(day + 1)}
        if day >= 5:
            data["discount"] = 0.1
        if day < 4:
            data["legacy_code"] = f"L{day}"
        rows.append(Row(f"order-{day % 2 + 1}", day // 2 + 1, "ItemAdded", T0 + day * DAY, data))
    rows.append(Row("order-1", 6, "OrderPlaced", T0 + 10 * DAY, {"total": 10}))
    rows.append(Row("order-2", 6, "OrderPlaced", T0 + 11 * DAY, {"total": 12}))
    # the bad row, recorded in the middle of the history
    rows.append(Row("order-3", 1, "ItemAdded", T0 + 2 * DAY + timedelta(hours=1), BROKEN_TEXT, broken=True))
    return sorted(rows, key=lambda row: row.at)


def payload_text(row: Row, *, broken_as: str | None = None) -> str:
    """The stored payload: JSON text, or the broken text (``broken_as`` where the column refuses it)."""
    if row.broken:
        return broken_as if broken_as is not None else BROKEN_TEXT
    return json.dumps(row.data)


# --- what every store must report ------------------------------------------------------------
def by_name(survey: TypeSurvey) -> dict[str, Any]:
    return {kind.name: kind for kind in survey.types}


def assert_item_added_drift(survey: TypeSurvey, *, bad_is_json: bool = False) -> None:
    """The drift of ItemAdded as every store must report it (its full history surveyed)."""
    kinds = by_name(survey)
    assert set(kinds) == {"CartOpened", "ItemAdded", "OrderPlaced"}
    item = kinds["ItemAdded"]
    assert item.count == 11 and item.first_at == T0 and item.last_at == T0 + 9 * DAY
    assert item.objects == 10
    assert (item.not_objects, item.unreadable) == ((1, 0) if bad_is_json else (0, 1))
    fields = {seen.name: seen for seen in item.fields}
    assert set(fields) == {"sku", "quantity", "discount", "legacy_code"}
    assert (fields["sku"].count, fields["sku"].type_names()) == (10, ["string"])
    assert field_drift(item, fields["sku"]) == []

    # the field gained half-way through the type's history, and when it first appeared
    discount = fields["discount"]
    assert (discount.count, discount.first_at, discount.type_names()) == (5, CHANGED, ["number"])
    assert [(mark.kind, mark.at) for mark in field_drift(item, discount)] == [("appeared", CHANGED)]

    # the field that changed JSON type, and when
    quantity = fields["quantity"]
    assert quantity.count == 10
    assert [(one.json_type, one.count, one.first_at, one.last_at) for one in quantity.json_types] == [
        ("number", 5, T0, T0 + 4 * DAY), ("string", 5, CHANGED, T0 + 9 * DAY)]
    assert [(mark.kind, mark.before, mark.after, mark.at) for mark in field_drift(item, quantity)] == [
        ("type_changed", "number", "string", CHANGED)]

    # the field that disappeared, and the last time it was seen
    legacy = fields["legacy_code"]
    assert (legacy.count, legacy.last_at) == (4, T0 + 3 * DAY)
    assert [(mark.kind, mark.at) for mark in field_drift(item, legacy)] == [("disappeared", T0 + 3 * DAY)]

    placed = kinds["OrderPlaced"]
    assert (placed.count, placed.first_at, placed.last_at) == (2, T0 + 10 * DAY, T0 + 11 * DAY)
    assert [(seen.name, seen.count, seen.type_names(), field_drift(placed, seen)) for seen in placed.fields] == [
        ("total", 2, ["number"], [])]


def assert_category_order_only(survey: TypeSurvey) -> None:
    assert survey.category == "order"
    assert set(by_name(survey)) == {"ItemAdded", "OrderPlaced"}
    assert by_name(survey)["ItemAdded"].count == 11


# --- generic stores on each engine ------------------------------------------------------------
GENERIC_DDL = {
    "sqlite": """CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,
                 type TEXT NOT NULL, recorded_at TEXT, data TEXT, metadata TEXT);
                 CREATE UNIQUE INDEX events_stream ON events (stream, version)""",
    "postgresql": """CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, version int NOT NULL,
                     type text NOT NULL, recorded_at timestamptz, data {payload}, metadata jsonb);
                     CREATE UNIQUE INDEX events_stream ON events (stream, version)""",
    "mysql": """CREATE TABLE events (position bigint AUTO_INCREMENT PRIMARY KEY, stream varchar(200) NOT NULL,
                version int NOT NULL, type varchar(200) NOT NULL, recorded_at DATETIME(6), data LONGTEXT,
                metadata LONGTEXT, UNIQUE KEY events_stream (stream, version)) CHARACTER SET utf8mb4""",
}


def write_generic(engine: sa.Engine, *, payload: str = "jsonb", broken_as: str | None = None) -> None:
    dialect = engine.dialect.name
    ddl = GENERIC_DDL["mysql" if dialect in ("mysql", "mariadb") else dialect].format(payload=payload)
    with engine.begin() as conn:
        for statement in ddl.split(";"):
            conn.exec_driver_sql(statement)
        for row in history():
            at: Any = row.at if dialect == "postgresql" else row.at.replace(tzinfo=None)
            if dialect == "sqlite":
                at = row.at.isoformat().replace("+00:00", "Z")
            conn.execute(sa.text("INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                                 "VALUES (:stream, :version, :type, :at, :data, :metadata)"),
                         {"stream": row.stream, "version": row.version, "type": row.type, "at": at,
                          "data": payload_text(row, broken_as=broken_as), "metadata": json.dumps({"actor": "ana"})})


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Any]:
    path = tmp_path / "history.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    write_generic(engine)
    engine.dispose()
    store = open_store(str(path))
    yield store
    store.close()


@pytest.fixture(scope="module")
def postgres_jsonb(postgres_url: str) -> Iterator[str]:
    db = scratch_database(postgres_url, "survey_jsonb")
    write_generic(db.writer, payload="jsonb", broken_as='"not an object"')
    yield db.url
    db.drop()


@pytest.fixture(scope="module")
def postgres_text(postgres_url: str) -> Iterator[str]:
    db = scratch_database(postgres_url, "survey_text")
    write_generic(db.writer, payload="text")
    yield db.url
    db.drop()


@pytest.fixture(scope="module")
def mariadb_generic(mysql_url: str) -> Iterator[str]:
    db = scratch_database(mysql_url, "survey_generic")
    write_generic(db.writer)
    yield db.url
    db.drop()


def survey_of(target: str, **options: Any) -> TypeSurvey:
    store = open_store(target)
    try:
        return store.type_survey(**options)
    finally:
        store.close()


def test_sqlite_counts_the_drift_in_sql(sqlite_store):
    survey = sqlite_store.type_survey()
    assert (survey.method, survey.sampled, survey.complete) == ("sql", None, True)
    assert "SQLite" in survey.method_detail
    assert survey.unreadable == 1
    assert_item_added_drift(survey)


def test_sqlite_survey_of_one_category(sqlite_store):
    assert_category_order_only(sqlite_store.type_survey(category="order"))


def test_postgres_jsonb_counts_the_drift_in_sql(postgres_jsonb):
    survey = survey_of(postgres_jsonb)
    assert survey.method == "sql" and "jsonb_each" in survey.method_detail
    assert_item_added_drift(survey, bad_is_json=True)
    assert_category_order_only(survey_of(postgres_jsonb, category="order"))


def test_postgres_text_payloads_are_decoded_and_say_so(postgres_text):
    survey = survey_of(postgres_text)  # the default sample holds all 14 events: counted in full, no sample
    assert (survey.method, survey.sampled) == ("decoded", None)
    assert "every event decoded (14)" in survey.method_detail and "sampled" not in survey.method_detail
    assert "events.data (text)" in survey.method_detail.lower()
    assert_item_added_drift(survey)


def test_a_sample_smaller_than_the_store_states_its_size_and_keeps_exact_counts(postgres_text):
    survey = survey_of(postgres_text, sample=4)
    assert survey.method == "sample" and survey.sampled is not None and 0 < survey.sampled <= 14
    assert f"sampled {survey.sampled:,} of 14 events" in survey.method_detail
    item = by_name(survey)["ItemAdded"]
    # counts and times per type are the database's, exact; fields are the sample's
    assert (item.count, item.count_exact, item.first_at, item.last_at) == (11, True, T0, T0 + 9 * DAY)
    assert item.surveyed < 11


def test_a_sample_spread_over_the_store_reports_progress_per_stretch(postgres_text):
    seen: list[tuple[int, int | None]] = []
    store = open_store(postgres_text)
    try:
        survey = store.type_survey(sample=3, progress=lambda done, total: seen.append((done, total)))
    finally:
        store.close()
    assert survey.sampled == 3 and "3 stretches" in survey.method_detail
    assert seen == [(1, 1), (1, 3), (2, 3), (3, 3)]  # the one part counted, then each stretch read


def test_mariadb_counts_the_drift_in_sql(mariadb_generic):
    survey = survey_of(mariadb_generic)
    assert survey.method == "sql" and "JSON_KEYS" in survey.method_detail
    assert_item_added_drift(survey)
    assert_category_order_only(survey_of(mariadb_generic, category="order"))


ODD_KEYS = [{"Amount": 1}, {"amount": "2"}, {"a.b": True, 'q"k': None, "$.x": [1]}]
ODD_FIELDS = [("$.x", 1, ["array"]), ("Amount", 1, ["number"]), ("a.b", 1, ["boolean"]), ("amount", 1, ["string"]),
              ('q"k', 1, ["null"])]


def write_odd_keys(engine: sa.Engine, ddl: str) -> None:
    with engine.begin() as conn:
        for statement in ddl.split(";"):
            conn.exec_driver_sql(statement)
        for version, data in enumerate(ODD_KEYS, 1):
            conn.execute(sa.text("INSERT INTO events (stream, version, type, recorded_at, data) "
                                 "VALUES ('pay-1', :v, 'Paid', :at, :data)"),
                         {"v": version, "at": (T0 + version * DAY).replace(tzinfo=None).isoformat(),
                          "data": json.dumps(data)})


def test_mariadb_keeps_fields_apart_that_differ_only_in_case(mysql_url):
    db = scratch_database(mysql_url, "survey_case")
    try:
        write_odd_keys(db.writer, GENERIC_DDL["mysql"])
        (paid,) = survey_of(db.url).types
    finally:
        db.drop()
    assert [(seen.name, seen.count, seen.type_names()) for seen in paid.fields] == ODD_FIELDS


def test_sqlite_reads_keys_with_dots_quotes_and_case(tmp_path):
    path = tmp_path / "odd.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    write_odd_keys(engine, GENERIC_DDL["sqlite"])
    engine.dispose()
    (paid,) = survey_of(str(path)).types
    assert [(seen.name, seen.count, seen.type_names()) for seen in paid.fields] == ODD_FIELDS
    quoted = next(seen for seen in paid.fields if seen.name == 'q"k')
    assert quoted.first_at == T0 + 3 * DAY  # counted in Python (no SQLite path names it), with its time


# --- third-party layouts -------------------------------------------------------------------------
def test_message_db_on_postgres(postgres_url):
    db = scratch_database(postgres_url, "survey_mdb")
    try:
        with db.writer.begin() as conn:
            for statement in MESSAGE_DB_DDL.split("CREATE OR REPLACE")[0].split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
            conn.exec_driver_sql("CREATE OR REPLACE" + MESSAGE_DB_DDL.split("CREATE OR REPLACE")[1].split("CREATE TABLE")[0])
            for statement in ("CREATE TABLE" + MESSAGE_DB_DDL.split("CREATE TABLE", 1)[1]).split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
            for row in history():
                conn.exec_driver_sql(
                    "INSERT INTO message_store.messages (position, time, stream_name, type, data, metadata) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (row.version - 1, row.at.replace(tzinfo=None), row.stream, row.type,
                     payload_text(row, broken_as='["not", "an", "object"]'), '{"actor": "ana"}'))
        store = open_store(db.url)
        try:
            assert store.layout_name == "messagedb"
            survey = store.type_survey()
            order = store.type_survey(category="order")
        finally:
            store.close()
    finally:
        db.drop()
    assert survey.method == "sql" and "messages.data" in survey.method_detail
    assert_item_added_drift(survey, bad_is_json=True)
    assert_category_order_only(order)


@pytest.mark.parametrize("version", ["v8", "v9"])
def test_marten_on_postgres(version, postgres_url):
    """Marten's jsonb ``data`` is counted in SQL; 9.x may keep binary events in ``bdata``, which
    only the decoder reads: there the survey is sampled."""
    from .test_marten import MARTEN_V8_DDL, MARTEN_V9_DDL

    db = scratch_database(postgres_url, f"survey_marten{version}")
    ddl = (MARTEN_V8_DDL if version == "v8" else MARTEN_V9_DDL).format(schema="public", id_type="uuid")
    ids = {name: uuid.uuid5(uuid.NAMESPACE_URL, f"survey/marten/{name}") for name in {row.stream for row in history()}}
    try:
        with db.writer.begin() as conn:
            for statement in ddl.split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
            for name, key in ids.items():
                conn.exec_driver_sql("INSERT INTO public.mt_streams (id, type, version, timestamp, created) "
                                     "VALUES (%s, %s, %s, %s, %s)", (key, name.split("-")[0], 1, T0, T0))
            # the bad row is a JSON array: Marten writes objects, and the layout reads a jsonb string
            # scalar (which the driver hands over decoded) as malformed JSON
            for row in history():
                conn.exec_driver_sql(
                    "INSERT INTO public.mt_events (seq_id, id, stream_id, version, data, type, timestamp) "
                    "VALUES (nextval('public.mt_events_sequence'), %s, %s, %s, %s, %s, %s)",
                    (uuid.uuid4(), ids[row.stream], row.version, payload_text(row, broken_as='["not an object"]'),
                     row.type, row.at))
        store = open_store(db.url)
        try:
            assert store.layout_name == "marten"
            survey = store.type_survey()
            order = store.type_survey(category="order")
        finally:
            store.close()
    finally:
        db.drop()
    assert survey.method == ("sql" if version == "v8" else "decoded")  # v9: binary bdata, every event decoded
    assert_item_added_drift(survey, bad_is_json=True)
    assert_category_order_only(order)


EVENTSAUCE_TYPES = {"CartOpened": "shop.carts.cart", "ItemAdded": "shop.orders.order", "OrderPlaced": "shop.orders.order"}


@pytest.mark.parametrize("engine", ["mariadb", "postgresql"])
def test_eventsauce_surveys_the_envelopes_payload(engine, request):
    """MessageStorage's DDL: a varchar payload on MariaDB (JSON_* functions), json on PostgreSQL."""
    server = request.getfixturevalue("mysql_url" if engine == "mariadb" else "postgres_url")
    db = scratch_database(server, "survey_esauce")
    table = sa.table("marketplace_messages", *(sa.column(n) for n in ("event_id", "aggregate_root_id", "version", "payload")))
    ddl, to_id = ((EVENTSAUCE_MYSQL_DDL, lambda value: value.bytes) if engine == "mariadb"
                  else (EVENTSAUCE_PG_DDL, lambda value: value))
    # a json column refuses broken JSON: there the bad row is JSON that is no envelope
    broken = BROKEN_TEXT if engine == "mariadb" else '"not an envelope"'
    try:
        with db.writer.begin() as conn:
            for statement in ddl.split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
            for row in history():
                root = uuid.uuid5(uuid.NAMESPACE_URL, f"survey/{row.stream}")
                headers = {"__event_type": row.type, "__aggregate_root_type": EVENTSAUCE_TYPES[row.type],
                           "__time_of_recording": row.at.strftime("%Y-%m-%d %H:%M:%S.%f+0000")}
                payload = broken if row.broken else json.dumps({"headers": headers, "payload": row.data})
                conn.execute(table.insert().values(event_id=to_id(uuid.uuid4()), aggregate_root_id=to_id(root),
                                                   version=row.version, payload=payload))
        store = open_store(db.url)
        try:
            assert store.layout_name == "eventsauce"
            survey = store.type_survey()
            orders = store.type_survey(category="shop.orders.order")
        finally:
            store.close()
    finally:
        db.drop()
    assert survey.method == "sql"
    kinds = by_name(survey)
    # the broken row has no readable header: it is an event of no type, not JSON or not an object
    assert kinds["(no type)"].count == 1
    assert (kinds["(no type)"].unreadable, kinds["(no type)"].not_objects) == ((1, 0) if engine == "mariadb" else (0, 1))
    item = kinds["ItemAdded"]
    assert (item.count, item.objects) == (10, 10)
    fields = {seen.name: seen for seen in item.fields}
    assert set(fields) == {"sku", "quantity", "discount", "legacy_code"}  # the payload's, not the headers'
    assert [(mark.kind, mark.at) for mark in field_drift(item, fields["discount"])] == [("appeared", CHANGED)]
    assert [(mark.kind, mark.at) for mark in field_drift(item, fields["quantity"])] == [("type_changed", CHANGED)]
    assert set(by_name(orders)) == {"ItemAdded", "OrderPlaced"}


def test_eventsourcing_compressed_states_are_sampled_in_python(tmp_path, monkeypatch):
    """States written by the library itself, zlib-compressed: SQL cannot look into them."""
    from .shop import Job, Shop, clock_at

    path = tmp_path / "jobs.db"
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(path))
    monkeypatch.setenv("COMPRESSOR_TOPIC", "eventsourcing.compressor:ZlibCompressor")
    app = Shop()
    holder = [T0]
    with clock_at(holder):
        job = Job(title="roof", budget=10, actor="ana@example.com")
        app.save(job)
        for day, worker in enumerate(["ana", "bo", 7, 8], 1):  # the worker turned from a name into an id
            holder[0] = T0 + day * DAY
            job.assign(worker=worker, actor="ana@example.com")
            app.save(job)
    app.close()
    survey = survey_of(str(path))
    assert (survey.method, survey.sampled) == ("decoded", None)
    assert "eventsourcing" in survey.method_detail and "every event decoded (5)" in survey.method_detail
    assigned = by_name(survey)["Job.Assigned"]
    assert (assigned.count, assigned.first_at, assigned.last_at) == (4, T0 + DAY, T0 + 4 * DAY)
    worker = next(seen for seen in assigned.fields if seen.name == "worker")
    assert [(mark.kind, mark.before, mark.after, mark.at) for mark in field_drift(assigned, worker)] == [
        ("type_changed", "string", "number", T0 + 3 * DAY)]


# --- JSON Lines: sampled --------------------------------------------------------------------------
@pytest.fixture
def jsonl_path(tmp_path: Path) -> Path:
    path = tmp_path / "history.jsonl"
    lines = []
    for position, row in enumerate(history(), 1):
        data = "not an object" if row.broken else row.data
        lines.append(json.dumps({"position": position, "stream": row.stream, "version": row.version, "type": row.type,
                                 "recorded_at": row.at.isoformat(), "data": data, "metadata": {"actor": "ana"}}))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_jsonl_decoded_whole_says_it_was_counted_in_full(jsonl_path):
    survey = survey_of(str(jsonl_path))
    assert (survey.method, survey.sampled) == ("decoded", None)
    assert survey.method_detail.startswith("every event decoded (14)") and "sampl" not in survey.method_detail
    assert_item_added_drift(survey, bad_is_json=True)
    assert_category_order_only(survey_of(str(jsonl_path), category="order"))


def test_jsonl_sample_smaller_than_the_file(jsonl_path):
    survey = survey_of(str(jsonl_path), sample=5)
    assert (survey.method, survey.sampled) == ("sample", 5)
    assert "sampled 5 of 14 events" in survey.method_detail
    kinds = by_name(survey)
    assert kinds["ItemAdded"].count == 11 and kinds["ItemAdded"].count_exact  # from the file's index
    assert sum(kind.surveyed for kind in survey.types) == 5


def test_cli_says_a_sampled_survey_was_sampled_as_its_json_does(jsonl_path, capsys):
    code, out, _ = run(capsys, "types", str(jsonl_path), "--sample", "5")
    assert code == 0
    method = next(line for line in out.splitlines() if line.startswith("method:"))
    assert method.startswith("method: sample — sampled 5 of 14 events"), method
    code, out, _ = run(capsys, "types", str(jsonl_path), "--sample", "5", "--json")
    document = json.loads(out)
    assert method == f"method: sample — {document['method_detail']}"  # one wording
    assert (document["sample_size"], document["sampled_from"], document["events"]) == (5, 14, 14)
    code, out, _ = run(capsys, "types", str(jsonl_path), "--sample", "5")
    assert out.splitlines()[0] == "3 event type(s), 14 event(s)"  # the file's index counts every event


def test_cli_says_the_counts_of_a_sampled_category_are_the_sample_s(jsonl_path, capsys):
    code, out, _ = run(capsys, "types", str(jsonl_path), "--category", "order", "--sample", "5")
    assert code == 0
    kinds = len({line.split(":")[0] for line in out.splitlines() if " event(s) (in the sample)" in line})
    assert out.splitlines()[0] == f"{kinds} event type(s) of category order in a sample of 5 of the category's 13 events"
    code, out, _ = run(capsys, "types", str(jsonl_path), "--category", "order", "--sample", "5", "--json")
    document = json.loads(out)
    assert (document["sample_size"], document["sampled_from"], document["events"]) == (5, 13, 5)
    code, out, _ = run(capsys, "types", str(jsonl_path), "--category", "order")  # every event: no sample
    assert out.splitlines()[0] == "2 event type(s) of category order, 13 event(s)"


# --- cancel and progress --------------------------------------------------------------------------
def test_a_cancelled_survey_returns_what_it_counted_marked_incomplete(sqlite_store):
    token = CancelToken()
    token.cancel()
    survey = sqlite_store.type_survey(cancel=token)
    assert survey.complete is False and survey.types == ()


def test_progress_is_reported_per_part(sqlite_store, monkeypatch):
    from inspector.stores import survey as module

    monkeypatch.setattr(module, "PART_ROWS", 5)  # 14 positions: three parts
    seen: list[tuple[int, int | None]] = []
    survey = sqlite_store.type_survey(progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert_item_added_drift(survey)  # counted part by part, merged exactly


# --- the command ----------------------------------------------------------------------------------
def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_marks_the_drift_with_when(sqlite_store, capsys):
    target = str(sqlite_store.source_file())
    code, out, _ = run(capsys, "types", target)
    assert code == 0
    assert "method: sql" in out
    assert "payloads that are not JSON: 1 (ItemAdded: 1)" in out
    assert "+ appeared 2024-03-06T09:00:00Z" in out
    assert "- disappeared after 2024-03-04T09:00:00Z" in out
    assert "~ type number\u2192string at 2024-03-06T09:00:00Z" in out


def test_cli_json_document(sqlite_store, capsys):
    code, out, _ = run(capsys, "types", str(sqlite_store.source_file()), "--category", "order", "--json")
    assert code == 0
    document = json.loads(out)
    assert (document["method"], document["category"], document["complete"], document["events"]) == (
        "sql", "order", True, 13)
    item = next(kind for kind in document["types"] if kind["type"] == "ItemAdded")
    discount = next(seen for seen in item["fields"] if seen["field"] == "discount")
    assert discount["first_at"] == "2024-03-06T09:00:00Z" and discount["of"] == 10
    assert discount["drift"][0]["kind"] == "appeared" and discount["drift"][0]["at"] == "2024-03-06T09:00:00Z"


def test_cli_ctrl_c_prints_what_was_counted_so_far(sqlite_store, capsys, monkeypatch):
    import os
    import signal

    from inspector.stores import survey as module

    monkeypatch.setattr(module, "PART_ROWS", 5)  # three parts; Ctrl-C arrives during the first
    count_part = module._count_part
    parts: list[int] = []

    def interrupted(*args: Any) -> None:
        count_part(*args)
        parts.append(1)
        if len(parts) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(module, "_count_part", interrupted)
    before = signal.getsignal(signal.SIGINT)  # default_int_handler, or SIG_IGN when started in the background
    code, out, err = run(capsys, "types", str(sqlite_store.source_file()), "--json")
    assert code == 130 and "stopped before the end" in err
    document = json.loads(out)
    assert document["complete"] is False and len(parts) == 1
    assert 0 < document["events"] < 14  # the first part's events, counted
    assert signal.getsignal(signal.SIGINT) is before  # Ctrl-C does again what it did before the command


def test_cli_on_a_missing_store_is_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "types", str(tmp_path / "nowhere.db"))
    assert code == 1 and err.count("\n") == 1


# --- the demo store -------------------------------------------------------------------------------
def test_demo_store_types_match_its_event_counts(demo_store_path, demo_planted, capsys):
    code, out, _ = run(capsys, "types", str(demo_store_path), "--json")
    assert code == 0
    document = json.loads(out)
    assert document["method"] == "sql" and document["events"] == demo_planted.events
    store = open_store(str(demo_store_path))
    try:
        assert {kind["type"]: kind["count"] for kind in document["types"]} == dict(store.event_types())
        (broken,) = list(store.read_stream(demo_planted.undecodable_payload[0],
                                           from_version=demo_planted.undecodable_payload[1],
                                           to_version=demo_planted.undecodable_payload[1]))
    finally:
        store.close()
    # the planted undecodable payload is the one payload counted as not JSON
    assert document["unreadable"] == 1
    assert [kind["type"] for kind in document["types"] if kind["unreadable"]] == [broken.type]
    code, out, _ = run(capsys, "types", str(demo_store_path), "--category", "wallet", "--json")
    assert code == 0
    assert {kind["type"] for kind in json.loads(out)["types"]} == {
        "WalletOpened", "CreditsGranted", "CreditsSpent", "StatementIssued"}

