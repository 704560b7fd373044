"""Marten on PostgreSQL: a ``data jsonb`` number beyond 64 bits keeps every digit everywhere.

The tables are Marten's own (``mt_streams``/``mt_events``, v8 columns, uuid stream ids);
the payload holds a .NET ``decimal.MaxValue`` in minor units and a decimal longer than a
double keeps. ``events --json``, ``replay``, ``diff`` and ``export jsonl|sqlite`` all keep
the exact digits (psycopg's json loader is the inspector's exact one).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from inspector.cli import main
from inspector.stores import open_store

from .servers import scratch_database

MAX_DECIMAL = 79228162514264337593543950335
LONG_DECIMAL = "0.1000000000000000055511151231257827"
STREAM = str(uuid.uuid5(uuid.NAMESPACE_URL, "marten/exact-numbers/payment"))

MARTEN_DDL = """
CREATE SEQUENCE mt_events_sequence;
CREATE TABLE mt_streams (
  id uuid NOT NULL,
  type varchar NULL,
  version bigint NULL,
  timestamp timestamptz NOT NULL DEFAULT (now()),
  snapshot jsonb, snapshot_version integer,
  created timestamptz NOT NULL DEFAULT (now()),
  tenant_id varchar DEFAULT '*DEFAULT*',
  is_archived bool DEFAULT FALSE,
  PRIMARY KEY (id));
CREATE TABLE mt_events (
  seq_id bigint NOT NULL PRIMARY KEY,
  id uuid NOT NULL,
  stream_id uuid REFERENCES mt_streams(id) ON DELETE CASCADE,
  version bigint NOT NULL,
  data jsonb NOT NULL,
  type varchar(500) NOT NULL,
  timestamp timestamp with time zone NOT NULL DEFAULT (now()),
  tenant_id varchar DEFAULT '*DEFAULT*',
  mt_dotnet_type varchar NULL,
  is_archived bool DEFAULT FALSE);
CREATE UNIQUE INDEX pk_mt_events_stream_and_version ON mt_events (stream_id, version)
"""

#: payloads as Marten's serializer writes them (System.Text.Json keeps a decimal's digits)
PAYLOADS = [
    ("payment_authorised", f'{{"amount_minor": {MAX_DECIMAL}, "rate": {LONG_DECIMAL}, "fee": 12.5}}'),
    ("payment_adjusted", f'{{"amount_minor": {MAX_DECIMAL + 1}, "rate": {LONG_DECIMAL}, "fee": 12.5}}'),
]


@pytest.fixture(scope="module")
def marten_url(postgres_url):
    db = scratch_database(postgres_url, "exactnum")
    at = datetime(2024, 3, 1, 10, 0, tzinfo=timezone.utc)
    with db.writer.begin() as conn:
        for statement in MARTEN_DDL.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        conn.exec_driver_sql("INSERT INTO mt_streams (id, type, version, timestamp, created) VALUES (%s, %s, %s, %s, %s)",
                             (STREAM, "Payment", len(PAYLOADS), at, at))
        for version, (kind, payload) in enumerate(PAYLOADS, start=1):
            conn.exec_driver_sql(
                "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type) "
                "VALUES (nextval('mt_events_sequence'), %s, %s, %s, %s::jsonb, %s, %s, %s)",
                (uuid.uuid4(), STREAM, version, payload, kind, at.replace(minute=version),
                 "Payments.PaymentAuthorised, Payments"))
    yield db.url
    db.drop()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def exact(text: str):
    return json.loads(text, parse_float=Decimal)


def test_marten_layout_reads_the_jsonb_payload_exactly(marten_url):
    store = open_store(marten_url)
    try:
        assert store.describe().layout == "marten"
        first, second = store.read_stream(STREAM)
    finally:
        store.close()
    assert first.data == {"amount_minor": MAX_DECIMAL, "rate": Decimal(LONG_DECIMAL), "fee": 12.5}
    assert type(first.data["amount_minor"]) is int and type(first.data["fee"]) is float
    assert second.data["amount_minor"] == MAX_DECIMAL + 1


def test_events_json_on_marten_keeps_every_digit(marten_url, capsys):
    code, out, err = run(capsys, "events", marten_url, "--stream", STREAM, "--json")
    assert code == 0, err
    assert '"amount_minor": 79228162514264337593543950335' in out and f'"rate": {LONG_DECIMAL}' in out
    assert [e["data"]["amount_minor"] for e in exact(out)] == [MAX_DECIMAL, MAX_DECIMAL + 1]


def test_replay_on_marten_keeps_every_digit(marten_url, capsys):
    code, out, err = run(capsys, "replay", marten_url, "--stream", STREAM, "--at", "v1", "--json", "--no-cache")
    assert code == 0, err
    state = exact(out)["state"]
    assert state["amount_minor"] == MAX_DECIMAL and state["rate"] == Decimal(LONG_DECIMAL)
    code, out, err = run(capsys, "replay", marten_url, "--stream", STREAM, "--no-cache")
    assert code == 0, err
    assert "79228162514264337593543950336" in out and LONG_DECIMAL in out


def test_diff_on_marten_reports_one_minor_unit(marten_url, capsys):
    code, out, err = run(capsys, "diff", marten_url, "--stream", STREAM, "--from", "v1", "--to", "v2", "--json",
                         "--no-cache")
    assert code == 0, err
    (change,) = exact(out)["changes"]
    assert (change["path"], change["before"], change["after"]) == ("/amount_minor", MAX_DECIMAL, MAX_DECIMAL + 1)
    assert [e["version"] for e in change["events"]] == [2]


def test_export_jsonl_from_marten_keeps_every_digit(marten_url, tmp_path, capsys):
    target = tmp_path / "payment.jsonl"
    code, _, err = run(capsys, "export", marten_url, "--stream", STREAM, "--format", "jsonl", "-o", str(target))
    assert code == 0, err
    text = target.read_text()
    assert '"amount_minor":79228162514264337593543950335' in text and f'"rate":{LONG_DECIMAL}' in text
    copy = open_store(str(target))
    try:
        assert [e.data["amount_minor"] for e in copy.read_stream(STREAM)] == [MAX_DECIMAL, MAX_DECIMAL + 1]
    finally:
        copy.close()


def test_export_sqlite_from_marten_keeps_every_digit(marten_url, tmp_path, capsys):
    target = tmp_path / "payment.db"
    code, _, err = run(capsys, "export", marten_url, "--stream", STREAM, "--format", "sqlite", "-o", str(target))
    assert code == 0, err
    conn = sqlite3.connect(target)
    rows = [row[0] for row in conn.execute("SELECT data FROM events ORDER BY version")]
    conn.close()
    assert "79228162514264337593543950335" in rows[0] and LONG_DECIMAL in rows[0]
    copy = open_store(str(target))
    try:
        (first, second) = copy.read_stream(STREAM)
    finally:
        copy.close()
    assert first.data == {"amount_minor": MAX_DECIMAL, "rate": Decimal(LONG_DECIMAL), "fee": 12.5}
    assert second.data["amount_minor"] == MAX_DECIMAL + 1
