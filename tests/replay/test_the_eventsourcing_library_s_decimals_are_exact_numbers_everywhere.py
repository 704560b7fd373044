"""The eventsourcing library's decimals are numbers with their digits, whichever way they are read.

The library's transcoder writes a ``Decimal`` as ``{"_type_": "decimal_str", "_data_": "-50.01"}``.
On a store the library itself wrote (SQLite and PostgreSQL), an event's amount, the native
replay's balance, a projector file's ``Decimal`` balance and a snapshot's stored balance must all
be the same kind of value: a number, exact. Then ``compare`` of the native projector against a
projector file finds no change at ``/balance``, ``check --snapshots`` finds no drift where the
numbers are equal but spelt otherwise (``10.50`` against ``10.5``), ``types`` lists the amount
as a number, ``bisect --when 'state["balance"] < 0'`` compares, and an export writes the digits.
"""

from __future__ import annotations

import json
import sys
import textwrap
from decimal import Decimal
from typing import Any

import pytest

from inspector.cli import main

from tests.stores.servers import eventsourcing_target, imported_domain

pytest.importorskip("eventsourcing")

DOMAIN = """
from decimal import Decimal
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    @event("Opened")
    def __init__(self, owner: str):
        self.owner = owner
        self.balance = Decimal("0.00")

    @event("Deposited")
    def deposit(self, amount: Decimal):
        self.balance += amount

    @event("Withdrawn")
    def withdraw(self, amount: Decimal):
        self.balance -= amount


class Bank(Application):
    snapshotting_intervals = {Account: 3}
"""

# the same balance from the events, spelt otherwise: Decimal("0") + Decimal("10.50") is 10.50,
# but the domain's Decimal("0.00") + Decimal("0.1") is 0.10 where this gives 0.1
PROJECTOR = """
from decimal import Decimal
from inspector.replay import projector


@projector("Account", handles=["Account.Opened", "Account.Deposited", "Account.Withdrawn"])
def account(state, event):
    d = event.data
    if event.type == "Account.Opened":
        state.update(owner=d["owner"], balance=Decimal("0"))
    elif event.type == "Account.Deposited":
        state["balance"] = state["balance"] + d["amount"]
    else:
        state["balance"] = state["balance"] - d["amount"]
    return state
"""

# v1 opened, v2 +0.1 (0.10 / 0.1), v3 +10.50 (snapshot), v4 -60.61 (-50.01), v5 +42 , v6 +50.01 (snapshot: 42.00 / 42.0)
MOVES = [("deposit", "0.1"), ("deposit", "10.50"), ("withdraw", "60.61"), ("deposit", "42"), ("deposit", "50.01")]


@pytest.fixture(params=["sqlite", "postgresql"])
def bank(request, tmp_path, monkeypatch):
    """(what the inspector opens, the domain's folder, the projector file, the account's stream)."""
    domain_dir = tmp_path / "domain"
    projector_file = tmp_path / "bank_projector.py"
    projector_file.write_text(textwrap.dedent(PROJECTOR), encoding="utf-8")
    domain = imported_domain(domain_dir, monkeypatch, DOMAIN, "decimal_bank")
    target, env, drop = eventsourcing_target(request, request.param, tmp_path / "bank.db", "decimals")
    app = domain.Bank(env=env)
    account = domain.Account("ada")
    app.save(account)
    for move, amount in MOVES:
        getattr(account, move)(Decimal(amount))
        app.save(account)
    assert str(app.repository.get(account.id).balance) == "42.00"
    yield target, str(domain_dir), str(projector_file), str(account.id)
    app.close()
    drop()
    sys.modules.pop(domain.__name__, None)


def _json(capsys, *argv: str) -> tuple[int, Any]:
    """Exit code and ``--json`` output, its decimals read as Decimals (every digit kept)."""
    code = main([*argv, "--json"])
    out, _ = capsys.readouterr()
    return code, json.loads(out, parse_float=Decimal)


def test_an_event_s_amount_is_a_number_with_its_digits(bank, capsys):
    target, _domain, _projector, stream = bank
    code, events = _json(capsys, "events", target, "--stream", stream)
    assert code == 0
    amounts = [event["data"]["amount"] for event in events if "amount" in event["data"]]
    assert [str(amount) for amount in amounts] == ["0.1", "10.50", "60.61", "42", "50.01"]
    assert all(type(amount) in (Decimal, int) for amount in amounts)  # written as numbers, not "10.50"
    code, survey = _json(capsys, "types", target)
    assert code == 0
    kinds = {
        (t["type"], f["field"]): [kind["type"] for kind in f["json_types"]]
        for t in survey["types"]
        for f in t["fields"]
    }
    assert kinds[("Account.Deposited", "amount")] == ["number"]
    assert kinds[("Account.Withdrawn", "amount")] == ["number"]


def test_native_and_projector_file_balances_are_the_same_numbers(bank, capsys):
    target, domain, projector_file, stream = bank
    for spec in (["--projector", "native", "--path", domain], ["--projector", projector_file]):
        code, result = _json(capsys, "replay", target, "--stream", stream, "--at", "v4", *spec)
        assert code == 0 and result["state"]["balance"] == Decimal("-50.01"), spec
        code, found = _json(capsys, "bisect", target, "--stream", stream, "--when", 'state["balance"] < 0', *spec)
        assert code == 0 and found["version"] == 4, (spec, found)
    _code, report = _json(
        capsys,
        "compare",
        target,
        "--category",
        "Account",
        "--projector",
        "native",
        "--path",
        domain,
        "--against",
        projector_file,
    )
    paths = [change["path"] for difference in report["differences"] for change in difference["changes"]]
    assert paths and "/balance" not in paths  # only the native aggregate's own fields (id, version, …)


def test_equal_balances_spelt_otherwise_are_no_snapshot_drift(bank, capsys):
    target, domain, projector_file, stream = bank
    _code, report = _json(capsys, "check", target, "--snapshots", "--projector", projector_file)
    assert report["snapshots_checked"] == 2
    changes = [
        change for finding in report["findings"] if finding["kind"] == "snapshot_drift" for change in finding["changes"]
    ]
    # the snapshots hold 10.60 and 42.00, the projector 10.6 and 42: the same numbers
    assert [change for change in changes if change["path"] == "/balance"] == []
    code, report = _json(capsys, "check", target, "--snapshots", "--projector", "native", "--path", domain)
    assert code == 0 and report["findings"] == [] and report["snapshots_checked"] == 2


def test_an_export_writes_the_decimal_s_digits(bank, tmp_path, capsys):
    target, _domain, _projector, stream = bank
    out = tmp_path / "slice.jsonl"
    assert main(["export", target, "--stream", stream, "--format", "jsonl", "-o", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert any('"amount":10.50' in line for line in lines) and any('"amount":60.61' in line for line in lines)
    assert '"decimal_str"' not in out.read_text(encoding="utf-8") and '"10.50"' not in out.read_text(encoding="utf-8")
