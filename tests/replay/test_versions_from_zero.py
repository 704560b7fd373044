"""Streams whose versions count from 0 (Message DB positions, some generic stores): v0 is the first event, not "before".

A wallet opened at v0 (credits 0), granted 10 at v1, spent 15 at v2, granted 30 at v3.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
import sqlalchemy.dialects.postgresql

from inspector.cli import main
from inspector.core.events import Moment
from inspector.replay import bisect, diff, load_projectors, replay
from inspector.stores import open_store

from .conftest import write_store_from_zero

WALLET = [
    ("WalletOpened", {"owner": "ann@example.com"}),
    ("CreditsGranted", {"amount": 10}),
    ("CreditsSpent", {"amount": 15, "job": "job-1"}),
    ("CreditsGranted", {"amount": 30}),
]
DEMO = "inspector.replay.demo_projector"
OPENED = {"owner": "ann@example.com", "currency": "credits", "credits": 0}

MESSAGE_DB_DDL = """
CREATE SCHEMA message_store;
CREATE FUNCTION message_store.category(stream_name varchar) RETURNS varchar AS $$
BEGIN
  RETURN SPLIT_PART(stream_name, '-', 1);
END;
$$ LANGUAGE plpgsql IMMUTABLE;
CREATE TABLE message_store.messages (
  global_position bigserial NOT NULL PRIMARY KEY,
  position bigint NOT NULL,
  time TIMESTAMP WITHOUT TIME ZONE DEFAULT (now() AT TIME ZONE 'utc') NOT NULL,
  stream_name text NOT NULL,
  type text NOT NULL,
  data jsonb,
  metadata jsonb,
  id UUID NOT NULL DEFAULT gen_random_uuid()
);
CREATE UNIQUE INDEX messages_stream ON message_store.messages (stream_name, position);
"""


@pytest.fixture()
def sqlite_wallet(tmp_path) -> str:
    return str(write_store_from_zero(tmp_path / "from-zero.db", "wallet-1", WALLET))


@pytest.fixture()
def message_db_wallet(scratch_postgres) -> str:
    jsonb = sa.dialects.postgresql.JSONB
    messages = sa.table("messages", *(sa.column(n) for n in ("position", "time", "stream_name", "type")),
                        sa.column("data", jsonb), sa.column("metadata", jsonb), schema="message_store")
    start = datetime(2026, 1, 1)
    with scratch_postgres.writer.begin() as conn:
        conn.exec_driver_sql(MESSAGE_DB_DDL)
        for position, (kind, data) in enumerate(WALLET):
            conn.execute(messages.insert().values(
                position=position, time=start + timedelta(minutes=position), stream_name="wallet-1", type=kind,
                data=data, metadata={"actor": "tester"}))
    return scratch_postgres.url


@pytest.fixture(params=["sqlite", pytest.param("messagedb", marks=pytest.mark.postgres)])
def wallet_store(request) -> str:
    return request.getfixturevalue("sqlite_wallet" if request.param == "sqlite" else "message_db_wallet")


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_store_counts_this_wallet_from_zero(wallet_store):
    store = open_store(wallet_store)
    try:
        assert [e.version for e in store.read_stream("wallet-1")] == [0, 1, 2, 3]
    finally:
        store.close()


def test_replay_at_v0_shows_the_opened_wallet(wallet_store, capsys):
    code, out, err = _cli(capsys, "replay", wallet_store, "--stream", "wallet-1", "--at", "v0",
                          "--projector", DEMO, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["version"], result["state"], result["events_applied"]) == (0, OPENED, 1)
    code, out, _ = _cli(capsys, "replay", wallet_store, "--stream", "wallet-1", "--at", "v0", "--projector", DEMO)
    assert "wallet-1 at v0 " in out


def test_replay_to_a_negative_version_is_refused_naming_the_first_version(wallet_store, capsys):
    code, out, err = _cli(capsys, "replay", wallet_store, "--stream", "wallet-1", "--at", "v-1", "--projector", DEMO)
    assert code == 1 and out == ""
    assert "versions start at 0" in err


def test_diff_from_v0_names_v0_and_blames_the_grant_and_the_spend(wallet_store, capsys):
    code, out, err = _cli(capsys, "diff", wallet_store, "--stream", "wallet-1", "--from", "v0", "--to", "v2",
                          "--projector", DEMO, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["from"]["version"] == 0 and result["to"]["version"] == 2
    credits = next(c for c in result["changes"] if c["path"] == "/credits")
    assert (credits["before"], credits["after"]) == (0, -5)
    assert [e["version"] for e in credits["events"]] == [1, 2]
    code, out, _ = _cli(capsys, "diff", wallet_store, "--stream", "wallet-1", "--from", "v0", "--to", "v2",
                        "--projector", DEMO)
    assert "v0 -> v2" in out and "None" not in out


def test_bisect_finds_a_predicate_that_holds_from_the_opening_event(wallet_store, capsys):
    code, out, err = _cli(capsys, "bisect", wallet_store, "--stream", "wallet-1", "--when", '"credits" in state',
                          "--projector", DEMO, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["found"], result["version"], result["state_before"]) == (True, 0, {})
    assert result["event"]["type"] == "WalletOpened"


def test_bisect_finds_the_first_spend_at_v2(wallet_store):
    store = open_store(wallet_store)
    try:
        result = bisect(store, "wallet-1", '"last_job" in state', projectors=load_projectors(DEMO))
        assert (result.version, result.state_before["credits"], result.state_after["credits"]) == (2, 10, -5)
    finally:
        store.close()


def test_an_instant_before_the_opening_event_is_before_the_stream_and_v0_is_not(wallet_store):
    store = open_store(wallet_store)
    projectors = load_projectors(DEMO)
    try:
        before = replay(store, "wallet-1", at=Moment(at=datetime.fromisoformat("2025-12-31T00:00:00+00:00")),
                        projectors=projectors)
        assert (before.version, before.state) == (None, {})
        opening = replay(store, "wallet-1", at=Moment(at=datetime.fromisoformat("2026-01-01T00:00:30+00:00")),
                         projectors=projectors)
        assert (opening.version, opening.state) == (0, OPENED)
        whole = diff(store, "wallet-1", Moment(at=datetime.fromisoformat("2025-12-31T00:00:00+00:00")),
                     Moment(version=0), projectors=projectors)
        assert whole.from_.version is None and whole.to.version == 0
        assert {c.path: [e.version for e in c.events] for c in whole.changes} == {
            "/owner": [0], "/currency": [0], "/credits": [0]}
    finally:
        store.close()
