"""``check --snapshots``: stored snapshots against the state their events replay to.

eventsourcing stores are written by the library itself (snapshots every 3 versions), on
SQLite and on PostgreSQL, and checked with the native projector (the library's own classes);
the test then alters snapshot rows in its own copy through its own writer, never the
inspector's. Axon and Marten stores are written as those frameworks lay them out, and
checked with a projector file that rebuilds what their snapshots hold. Every expectation
comes from the writer's side: the library's ``repository.get`` and the rows written.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import textwrap
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.core.cancel import Cancelled, CancelToken
from inspector.core.events import parse_time
from inspector.replay import load_projectors
from inspector.replay.snapshot_check import check_with_projectors
from inspector.stores import open_store

from tests.stores.servers import eventsourcing_postgres_env, scratch_database

pytest.importorskip("eventsourcing")

DOMAIN = """
from decimal import Decimal
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    @event("Opened")
    def __init__(self, owner: str):
        self.owner = owner
        self.balance = Decimal("0")
        self.tags = []
        self._limit = 100

    @event("Deposited")
    def deposit(self, amount: Decimal):
        self.balance += amount

    @event("Tagged")
    def tag(self, label: str):
        self.tags.append(label)

    @event("LimitRaised")
    def raise_limit(self, by: int):
        self._limit += by


class Bank(Application):
    snapshotting_intervals = {Account: 3}
"""

EVENTS_PER_ACCOUNT = 11  # snapshots at v3, v6 and v9


@dataclass
class Bank:
    """A store the eventsourcing library wrote: where the inspector opens it, and a writer of the test's own."""

    target: str
    writer: sa.Engine
    domain_dir: str
    app: Any
    accounts: list[str]
    cleanup: Callable[[], None]

    def aggregate_at(self, stream: str, version: int) -> Any:
        return self.app.repository.get(uuid.UUID(stream), version=version)

    def snapshot_table(self) -> str:
        (name,) = [n for n in sa.inspect(self.writer).get_table_names() if n.endswith("snapshots")]
        return name

    def snapshot_rows(self) -> list[tuple[str, int, dict]]:
        """(stream, version, the stored JSON) of every snapshot row."""
        with self.writer.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT originator_id, originator_version, state FROM {self.snapshot_table()}"))
            return [(_stream_of(oid), int(v), json.loads(bytes(state))) for oid, v, state in rows]

    def alter_snapshot(self, stream: str, version: int, change: Callable[[dict], None] | None = None,
                       *, replace_with: bytes | None = None) -> None:
        """Rewrite one snapshot row through the test's own writer: ``change`` edits the aggregate's
        stored attributes (the JSON's ``state``), or the row's bytes become ``replace_with``."""
        table = self.snapshot_table()
        with self.writer.begin() as conn:
            rows = conn.execute(sa.text(f"SELECT originator_id, originator_version, state FROM {table}")).all()
            ((oid, body),) = [(oid, bytes(state)) for oid, v, state in rows if _stream_of(oid) == stream and v == version]
            if replace_with is None:
                document = json.loads(body)
                change(document["state"])
                replace_with = json.dumps(document).encode()
            updated = conn.execute(
                sa.text(f"UPDATE {table} SET state = :state WHERE originator_id = :oid AND originator_version = :v"),
                {"state": replace_with, "oid": oid, "v": version})
            assert updated.rowcount == 1


def _stream_of(originator_id: Any) -> str:
    """A stored id as the inspector names the stream (the library writes UUIDs as hex on SQLite)."""
    return str(uuid.UUID(str(originator_id)))


def _write_accounts(app: Any, domain: Any) -> list[str]:
    accounts = []
    for owner in ("ada", "bob"):
        account = domain.Account(owner)
        app.save(account)
        for i in range(1, EVENTS_PER_ACCOUNT):
            if i % 4 == 0:
                account.tag(f"t{i}")
            elif i % 5 == 0:
                account.raise_limit(i)
            else:
                account.deposit(Decimal(i) / 4)
            app.save(account)
        accounts.append(str(account.id))
    return accounts


@pytest.fixture(params=["sqlite", "postgresql"])
def bank(request, tmp_path, monkeypatch):
    """Two accounts of eleven events each, written by the library on SQLite or PostgreSQL."""
    domain_dir = tmp_path / "domain"
    domain_dir.mkdir()
    module = f"drift_bank_{uuid.uuid4().hex[:8]}"
    (domain_dir / f"{module}.py").write_text(textwrap.dedent(DOMAIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(domain_dir))
    domain = __import__(module)
    if request.param == "sqlite":
        path = tmp_path / "bank.db"
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
        target, writer, drop = str(path), sa.create_engine(f"sqlite:///{path}"), (lambda: None)
    else:
        db = scratch_database(request.getfixturevalue("postgres_url"), "drift")
        url = sa.engine.make_url(db.url)
        env = eventsourcing_postgres_env(url)
        target, writer, drop = db.url, db.writer, db.drop
    app = domain.Bank(env=env)
    accounts = _write_accounts(app, domain)
    written = Bank(target, writer, str(domain_dir), app, accounts, drop)
    yield written
    app.close()
    writer.dispose()
    written.cleanup()
    sys.modules.pop(module, None)


def _own_copy(bank: Bank, tmp_path: Path) -> Bank:
    """A copy of a SQLite store for the test to alter (a server database is the test's own already)."""
    if not bank.target.endswith(".db"):
        return bank
    copy = tmp_path / "altered.db"
    # SQLite's backup: the library's writes may still sit in its write-ahead log
    with sqlite3.connect(bank.target) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return Bank(str(copy), sa.create_engine(f"sqlite:///{copy}"), bank.domain_dir, bank.app, bank.accounts,
                lambda: None)


def _check(capsys, *argv: str, exact: bool = False) -> tuple[int, dict]:
    """The exit code and the JSON report (``exact``: its decimals read as Decimals, digits kept)."""
    code = main(["check", *argv, "--json"])
    out, _ = capsys.readouterr()
    return code, json.loads(out, parse_float=Decimal) if exact else json.loads(out)


# --- eventsourcing --------------------------------------------------------------------------
def test_the_snapshots_the_library_took_are_what_their_events_replay_to(bank, capsys):
    rows = bank.snapshot_rows()
    assert sorted((stream, version) for stream, version, _ in rows) == sorted(
        (stream, version) for stream in bank.accounts for version in (3, 6, 9))
    for spec in (["--projector", "native", "--path", bank.domain_dir], ["--path", bank.domain_dir]):
        code, report = _check(capsys, bank.target, "--snapshots", *spec)
        assert code == 0, report
        assert report["findings"] == []
        assert (report["snapshots_checked"], report["snapshots_skipped"], report["streams_checked"]) == (6, 0, 2)


def test_an_altered_balance_is_reported_at_its_path_with_the_snapshots_version_and_time(bank, tmp_path, capsys):
    altered = _own_copy(bank, tmp_path)
    stream = bank.accounts[1]
    taken = next(parse_time(body["timestamp"]["_data_"]) for s, v, body in altered.snapshot_rows()
                 if s == stream and v == 6)

    expected = bank.aggregate_at(stream, 6).balance  # read before the library could read the altered row

    def overdraw(state: dict) -> None:
        state["balance"]["_data_"] = "-999.00"

    altered.alter_snapshot(stream, 6, overdraw)
    code, report = _check(capsys, altered.target, "--snapshots", "--projector", "native", "--path", bank.domain_dir,
                          exact=True)
    assert code == 3
    (finding,) = report["findings"]
    assert (finding["kind"], finding["stream"], finding["version"]) == ("snapshot_drift", stream, 6)
    # the library's decimals are numbers, compared and written with their digits
    assert finding["changes"] == [{"path": "/balance", "op": "change", "stored": Decimal("-999.00"),
                                   "replayed": expected}]
    assert parse_time(finding["recorded_at"]) == taken
    assert finding["projector"].startswith("native eventsourcing")
    assert "/balance" in finding["detail"] and "-999.00" in finding["detail"]
    assert report["snapshots_checked"] == 6
    altered.writer.dispose()
    assert main(["check", altered.target, "--snapshots", "--path", bank.domain_dir, "--exit-zero"]) == 0
    out, _ = capsys.readouterr()
    assert "snapshot_drift" in out and "6 stored snapshot(s) compared" in out


def test_a_dropped_attribute_a_private_one_and_a_moved_time_each_show_at_their_own_path(bank, tmp_path, capsys):
    altered = _own_copy(bank, tmp_path)
    ada, bob = bank.accounts
    # what the library rebuilds, read before it could read the altered rows
    tags_at_3 = bank.aggregate_at(ada, 3).tags
    limit_at_9 = bank.aggregate_at(ada, 9)._limit
    modified = bank.aggregate_at(bob, 3).modified_on.isoformat()
    altered.alter_snapshot(ada, 3, lambda state: state.pop("tags"))
    altered.alter_snapshot(ada, 9, lambda state: state.update(_limit=1))
    later = "2031-01-01T00:00:00+00:00"
    altered.alter_snapshot(bob, 3, lambda state: state["_modified_on"].update(_data_=later))
    code, report = _check(capsys, altered.target, "--snapshots", "--path", bank.domain_dir)
    assert code == 3
    found = {(f["stream"], f["version"]): f["changes"] for f in report["findings"]}
    assert set(found) == {(ada, 3), (ada, 9), (bob, 3)}
    assert all(f["kind"] == "snapshot_drift" for f in report["findings"])
    assert found[(ada, 3)] == [{"path": "/tags", "op": "add", "stored": None, "replayed": tags_at_3}]
    assert found[(ada, 9)] == [{"path": "/_limit", "op": "change", "stored": 1, "replayed": limit_at_9}]
    assert found[(bob, 3)] == [{"path": "/modified_on", "op": "change", "stored": later, "replayed": modified}]


def test_a_snapshot_the_library_cannot_decode_is_reported_and_the_others_still_compared(bank, tmp_path, capsys):
    altered = _own_copy(bank, tmp_path)
    stream = bank.accounts[0]
    altered.alter_snapshot(stream, 6, replace_with=b"{not json")
    code, report = _check(capsys, altered.target, "--snapshots", "--path", bank.domain_dir)
    assert code == 3
    (finding,) = report["findings"]
    assert (finding["kind"], finding["stream"], finding["version"]) == ("unreadable_snapshot", stream, 6)
    assert report["snapshots_checked"] == 5


def test_the_code_free_projector_is_refused_with_the_options_that_would_work(bank, capsys):
    code = main(["check", bank.target, "--snapshots"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "--projector native --path DIR" in err and "Traceback" not in err


def test_the_check_stops_on_cancel_and_reports_each_stream_as_it_goes(bank):
    store = open_store(bank.target)
    try:
        projectors = load_projectors("native", path=bank.domain_dir, store=store)
        seen: list[int] = []
        report = check_with_projectors(store, projectors, snapshots=True,
                                       progress=lambda done, total: seen.append(done))
        assert seen == [1, 2] and report.findings == []
        token = CancelToken()
        token.cancel()
        with pytest.raises(Cancelled):
            check_with_projectors(store, projectors, snapshots=True, cancel=token)
    finally:
        store.close()


# --- Axon and Marten: a projector file that rebuilds what their snapshots hold -------------------
WALLET_PROJECTOR = """
from inspector.replay import projector


@projector("Wallet")
def wallet(state, event):
    kind = event.type.rsplit(".", 1)[-1]
    if kind in ("WalletOpened", "wallet_opened"):
        state["owner"] = event.data["owner"]
        state["credits"] = 0
    elif kind in ("CreditsGranted", "credits_granted"):
        state["credits"] += event.data["amount"]
    elif kind in ("CreditsSpent", "credits_spent"):
        state["credits"] -= event.data["amount"]
    return state
"""

START = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)
#: per wallet: the events (type, data) and the version after which the framework snapshotted it
WALLETS = {
    "w-alice": ([("WalletOpened", {"owner": "alice"}), ("CreditsGranted", {"amount": 50}),
                 ("CreditsSpent", {"amount": 20}), ("CreditsGranted", {"amount": 5})], 2),
    "w-bruno": ([("WalletOpened", {"owner": "bruno"}), ("CreditsGranted", {"amount": 10})], 1),
}


def _credits(events: list[tuple[str, dict]], upto: int) -> int:
    total = 0
    for kind, data in events[: upto + 1]:
        total += data.get("amount", 0) * (-1 if kind == "CreditsSpent" else 1) if kind != "WalletOpened" else 0
    return total


def _projector_file(tmp_path: Path) -> str:
    file = tmp_path / "wallet_projector.py"
    file.write_text(textwrap.dedent(WALLET_PROJECTOR), encoding="utf-8")
    return str(file)


AXON_DDL = """
CREATE TABLE domainevententry (
  globalindex BIGSERIAL PRIMARY KEY, aggregateidentifier VARCHAR(255) NOT NULL, sequencenumber BIGINT NOT NULL,
  type VARCHAR(255), eventidentifier VARCHAR(255) NOT NULL UNIQUE, metadata BYTEA, payload BYTEA NOT NULL,
  payloadrevision VARCHAR(255), payloadtype VARCHAR(255) NOT NULL, timestamp VARCHAR(255) NOT NULL,
  UNIQUE (aggregateidentifier, sequencenumber));
CREATE TABLE snapshotevententry (
  aggregateidentifier VARCHAR(255) NOT NULL, sequencenumber BIGINT NOT NULL, type VARCHAR(255) NOT NULL,
  eventidentifier VARCHAR(255) NOT NULL UNIQUE, metadata BYTEA, payload BYTEA NOT NULL,
  payloadrevision VARCHAR(255), payloadtype VARCHAR(255) NOT NULL, timestamp VARCHAR(255) NOT NULL,
  PRIMARY KEY (aggregateidentifier, sequencenumber))
"""


def _axon_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@pytest.fixture()
def axon(postgres_url):
    """Axon's JDBC tables on PostgreSQL (names folded to lower case), a snapshot of each wallet."""
    db = scratch_database(postgres_url, "driftaxon")
    with db.writer.begin() as conn:
        for statement in AXON_DDL.split(";"):
            conn.exec_driver_sql(statement)
        tick = 0
        for stream, (events, snapshot_at) in WALLETS.items():
            for seq, (kind, data) in enumerate(events):
                tick += 1
                conn.exec_driver_sql(
                    "INSERT INTO domainevententry (aggregateidentifier, sequencenumber, type, eventidentifier, "
                    "metadata, payload, payloadtype, timestamp) VALUES (%s, %s, 'Wallet', %s, %s, %s, %s, %s)",
                    (stream, seq, str(uuid.uuid4()), b"{}", json.dumps(data).encode(), f"com.acme.wallet.{kind}",
                     _axon_time(START + timedelta(minutes=tick))))
            state = {"owner": events[0][1]["owner"], "credits": _credits(events, snapshot_at)}
            conn.exec_driver_sql(
                "INSERT INTO snapshotevententry (aggregateidentifier, sequencenumber, type, eventidentifier, "
                "metadata, payload, payloadtype, timestamp) VALUES (%s, %s, 'Wallet', %s, %s, %s, %s, %s)",
                (stream, snapshot_at, str(uuid.uuid4()), b"{}", json.dumps(state).encode(),
                 "com.acme.wallet.Wallet", _axon_time(START + timedelta(hours=1))))
    yield db
    db.drop()


def test_axon_snapshots_match_a_projector_that_rebuilds_the_aggregate_and_an_altered_one_does_not(
        axon, tmp_path, capsys):
    projector = _projector_file(tmp_path)
    code, report = _check(capsys, axon.url, "--snapshots", "--projector", projector)
    assert (code, report["findings"], report["snapshots_checked"]) == (0, [], 2)
    with axon.writer.begin() as conn:
        conn.exec_driver_sql("UPDATE snapshotevententry SET payload = %s WHERE aggregateidentifier = 'w-alice'",
                             (json.dumps({"owner": "alice", "credits": 31}).encode(),))
        # a snapshot of a version the aggregate never reached
        conn.exec_driver_sql(
            "INSERT INTO snapshotevententry (aggregateidentifier, sequencenumber, type, eventidentifier, payload, "
            "payloadtype, timestamp) VALUES ('w-bruno', 9, 'Wallet', %s, %s, 'com.acme.wallet.Wallet', %s)",
            (str(uuid.uuid4()), json.dumps({"owner": "bruno", "credits": 10}).encode(),
             _axon_time(START + timedelta(hours=2))))
    code, report = _check(capsys, axon.url, "--snapshots", "--projector", projector)
    assert code == 3
    found = {(f["kind"], f["stream"], f["version"]): f for f in report["findings"]}
    assert set(found) == {("snapshot_drift", "w-alice", 2), ("snapshot_drift", "w-bruno", 9)}
    alice = found[("snapshot_drift", "w-alice", 2)]
    assert alice["changes"] == [{"path": "/credits", "op": "change", "stored": 31, "replayed": 30}]
    assert parse_time(alice["recorded_at"]) == START + timedelta(hours=1)
    beyond = found[("snapshot_drift", "w-bruno", 9)]
    assert beyond["changes"] == [] and "no event at" in beyond["detail"] and "v1" in beyond["detail"]


def test_a_projector_that_raises_leaves_the_later_snapshots_unchecked_and_says_so(axon, tmp_path, capsys):
    file = tmp_path / "fragile.py"
    file.write_text(textwrap.dedent(WALLET_PROJECTOR).replace(
        '        state["credits"] -= event.data["amount"]', '        raise ValueError("no spending here")'),
        encoding="utf-8")
    code, report = _check(capsys, axon.url, "--snapshots", "--projector", str(file))
    assert code == 3
    (finding,) = report["findings"]
    assert (finding["kind"], finding["stream"], finding["version"]) == ("replay_stopped", "w-alice", 2)
    assert finding["snapshots_unchecked"] == [2] and "no spending here" in finding["error"]
    assert report["snapshots_checked"] == 1  # w-bruno's


MARTEN_DDL = """
CREATE SEQUENCE mt_events_sequence;
CREATE TABLE mt_streams (
  id uuid NOT NULL PRIMARY KEY, type varchar NULL, version bigint NULL,
  timestamp timestamptz NOT NULL DEFAULT (now()), snapshot jsonb, snapshot_version integer,
  created timestamptz NOT NULL DEFAULT (now()), tenant_id varchar DEFAULT '*DEFAULT*',
  is_archived bool DEFAULT FALSE);
CREATE TABLE mt_events (
  seq_id bigint NOT NULL PRIMARY KEY, id uuid NOT NULL,
  stream_id uuid REFERENCES mt_streams(id) ON DELETE CASCADE, version bigint NOT NULL,
  data jsonb NOT NULL, type varchar(500) NOT NULL,
  timestamp timestamp with time zone NOT NULL DEFAULT (now()), tenant_id varchar DEFAULT '*DEFAULT*',
  mt_dotnet_type varchar NULL, is_archived bool DEFAULT FALSE);
CREATE UNIQUE INDEX pk_mt_events_stream_and_version ON mt_events (stream_id, version)
"""


def _alias(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def test_marten_inline_snapshots_match_the_replay_and_an_altered_one_is_reported(postgres_url, tmp_path, capsys):
    db = scratch_database(postgres_url, "driftmarten")
    ids = {stream: str(uuid.uuid5(uuid.NAMESPACE_URL, f"drift/{stream}")) for stream in WALLETS}
    try:
        with db.writer.begin() as conn:
            for statement in MARTEN_DDL.split(";"):
                conn.exec_driver_sql(statement)
            for stream, (events, snapshot_at) in WALLETS.items():
                # Marten versions count from 1: the snapshot after the event at 0-based index i is v(i+1)
                state = {"owner": events[0][1]["owner"], "credits": _credits(events, snapshot_at)}
                conn.exec_driver_sql(
                    "INSERT INTO mt_streams (id, type, version, snapshot, snapshot_version) VALUES (%s, 'Wallet', %s, %s, %s)",
                    (ids[stream], len(events), json.dumps(state), snapshot_at + 1))
                for index, (kind, data) in enumerate(events):
                    conn.exec_driver_sql(
                        "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp) "
                        "VALUES (nextval('mt_events_sequence'), %s, %s, %s, %s, %s, %s)",
                        (uuid.uuid4(), ids[stream], index + 1, json.dumps(data), _alias(kind),
                         START + timedelta(minutes=index)))
        projector = _projector_file(tmp_path)
        code, report = _check(capsys, db.url, "--snapshots", "--projector", projector)
        assert (code, report["findings"], report["snapshots_checked"]) == (0, [], 2)
        with db.writer.begin() as conn:
            conn.exec_driver_sql("UPDATE mt_streams SET snapshot = %s WHERE id = %s",
                                 (json.dumps({"owner": "brunO", "credits": 10}), ids["w-bruno"]))
        code, report = _check(capsys, db.url, "--snapshots", "--projector", projector)
        assert code == 3
        (finding,) = report["findings"]
        assert (finding["kind"], finding["stream"], finding["version"]) == ("snapshot_drift", ids["w-bruno"], 2)
        assert finding["changes"] == [{"path": "/owner", "op": "change", "stored": "brunO", "replayed": "bruno"}]
    finally:
        db.drop()


def test_snapshots_of_streams_no_projector_of_yours_applies_to_are_counted_as_skipped(axon, tmp_path, capsys):
    file = tmp_path / "jobs_only.py"
    file.write_text(textwrap.dedent(WALLET_PROJECTOR).replace('@projector("Wallet")', '@projector("Job")'),
                    encoding="utf-8")
    code, report = _check(capsys, axon.url, "--snapshots", "--projector", str(file))
    assert (code, report["findings"]) == (0, [])
    assert (report["snapshots_checked"], report["snapshots_skipped"]) == (0, 2)
    assert main(["check", axon.url, "--snapshots", "--projector", str(file)]) == 0
    out, _ = capsys.readouterr()
    assert "0 stored snapshot(s) compared" in out and "2 not compared" in out


def test_a_store_that_keeps_no_snapshots_has_none_to_compare(demo_store_path, capsys):
    code, report = _check(capsys, str(demo_store_path), "--snapshots")  # the demo's own projector
    assert code == 3  # its planted damage, nothing more
    assert {f["kind"] for f in report["findings"]} == {"version_gap", "duplicate_version", "time_regression",
                                                        "undecodable_payload"}
    assert (report["snapshots_checked"], report["snapshots_skipped"]) == (0, 0)
