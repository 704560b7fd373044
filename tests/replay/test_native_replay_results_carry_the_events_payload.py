"""A result of the native projector carries its events with their payloads, as ``events`` shows them.

On a store the eventsourcing library wrote (SQLite and PostgreSQL), replaying with the library's
own classes (``--projector native``) must not show an event with ``data`` null: bisect's event,
a replay's last event, a diff's events between, the event a ``states --where``/``bisect --when``
expression reads, each has the decoded state ``events`` gives for that event, amounts exact
Decimals.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any

import pytest

from inspector.cli import main

from tests.stores.servers import eventsourcing_target, imported_domain

pytest.importorskip("eventsourcing")

from inspector.core.events import Moment  # noqa: E402
from inspector.replay import bisect, diff, load_projectors, replay  # noqa: E402
from inspector.stores import open_store  # noqa: E402

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
    pass
"""

# v1 opened, v2 +10.10, v3 -0.30, v4 -20.005 (the balance goes below zero: -10.205)
MOVES = [("deposit", "10.10"), ("withdraw", "0.30"), ("withdraw", "20.005")]


@pytest.fixture(params=["sqlite", "postgresql"])
def bank(request, tmp_path, monkeypatch):
    """(what the inspector opens, the domain's folder, the account's stream)."""
    domain_dir = tmp_path / "domain"
    domain = imported_domain(domain_dir, monkeypatch, DOMAIN, "payload_bank")
    target, env, drop = eventsourcing_target(request, request.param, tmp_path / "bank.db", "nativepayload")
    app = domain.Bank(env=env)
    account = domain.Account("ada")
    for move, amount in MOVES:
        getattr(account, move)(Decimal(amount))
    app.save(account)
    yield target, str(domain_dir), str(account.id)
    app.close()
    drop()
    sys.modules.pop(domain.__name__, None)


def _json(capsys, *argv: str) -> Any:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out, parse_float=Decimal)


def _shown(store, stream: str) -> dict[int, Any]:
    """Each version's data as the store's own read (``events``) decodes it."""
    return {event.version: event.data for event in store.read_stream(stream)}


def test_bisect_json_gives_the_found_events_payload(bank, capsys):
    target, domain, stream = bank
    found = _json(
        capsys,
        "bisect",
        target,
        "--stream",
        stream,
        "--projector",
        "native",
        "--path",
        domain,
        "--when",
        'state["balance"] < 0',
        "--json",
    )
    events = _json(capsys, "events", target, "--stream", stream, "--json")
    assert found["found"] and found["version"] == 4
    assert found["event"]["data"] is not None
    assert found["event"]["data"] == events[-1]["data"]
    assert found["event"]["data"]["amount"] == Decimal("20.005")
    assert found["event"]["problem"] is None


def test_native_results_carry_each_events_decoded_payload(bank):
    target, domain, stream = bank
    store = open_store(target)
    projectors = load_projectors("native", path=domain, store=store)
    shown = _shown(store, stream)
    assert shown[4]["amount"] == Decimal("20.005")
    for version in range(1, 5):
        result = replay(store, stream, at=Moment(version=version), projectors=projectors)
        assert result.problem is None and result.last_event is not None
        assert result.last_event.version == version
        assert result.last_event.data == shown[version]
    amount = result.last_event.data["amount"]
    assert type(amount) is Decimal and str(amount) == "20.005"

    changed = diff(store, stream, Moment(version=1), Moment(version=4), projectors=projectors)
    assert changed.problem is None
    assert [(e.version, e.data) for e in changed.events_between] == [(v, shown[v]) for v in (2, 3, 4)]

    found = bisect(store, stream, 'state["balance"] < 0', projectors=projectors)
    assert found.found and found.event is not None and found.event.data == shown[4]
    # an expression reading the event's payload sees it
    by_event = bisect(store, stream, 'event.data.get("amount", 0) > 20', projectors=projectors)
    assert by_event.found and by_event.version == 4


def test_states_where_reads_the_events_payload_with_native_replay(bank, capsys):
    target, domain, stream = bank
    report = _json(
        capsys,
        "states",
        target,
        "--category",
        "Account",
        "--projector",
        "native",
        "--path",
        domain,
        "--where",
        'event.data["amount"] > 20',
        "--ever",
        "--json",
    )
    assert [(m["stream"], m["version"]) for m in report["matches"]] == [(stream, 4)]
    assert report["expression_errors"] == []
