"""A slice exported from a store the eventsourcing library wrote replays to the store's answer:
the library's Decimals reach a projector as the same Decimals (digits and all: 10.10, 1E-18)
from a JSON Lines or SQLite slice as from the store, at every version, as ``repository.get``
gives them; the slice's file keeps each number's text. Floats the library wrote stay floats."""

from __future__ import annotations

import json
import sqlite3
import sys
import textwrap
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from inspector.cli import main

DOMAIN = """
from decimal import Decimal
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Wallet(Aggregate):
    @event("Opened")
    def __init__(self, owner: str):
        self.owner = owner
        self.balance = Decimal("0.00")

    @event("Credited")
    def credit(self, amount: Decimal, by: str):
        self.balance += amount

    @event("Debited")
    def debit(self, amount: Decimal, by: str):
        self.balance -= amount


class Meter(Aggregate):
    @event("Installed")
    def __init__(self, place: str):
        self.total = 0.0

    @event("Read")
    def read(self, value: float):
        self.total += value


class Wallets(Application):
    pass
"""

PROJECTOR = """
from inspector.replay import projector


@projector("Wallet")
def wallet(state, event):
    kind = event.type.split(".")[-1]
    amount = event.data.get("amount")
    if amount is not None:
        state.setdefault("seen", []).append(type(amount).__name__ + ":" + repr(amount))
    if kind == "Credited":
        state["balance"] = state.get("balance", 0) + amount
    elif kind == "Debited":
        state["balance"] = state.get("balance", 0) - amount
    return state


@projector("Meter")
def meter(state, event):
    value = event.data.get("value")
    if value is not None:
        state.setdefault("seen", []).append(type(value).__name__ + ":" + repr(value))
        state["total"] = state.get("total", 0.0) + value
    return state
"""

AMOUNTS = [("credit", "10.10"), ("debit", "7.05"), ("debit", "6.05"), ("credit", "1E-18"), ("debit", "1E-18"),
           ("credit", "0.000000000000000001"), ("credit", "12345678901234567890.12")]


@pytest.fixture
def library_store(tmp_path, monkeypatch):
    """A SQLite store the library wrote: a wallet of Decimal amounts and a meter of float readings."""
    folder = tmp_path / "code"
    folder.mkdir()
    module = f"wallet_domain_{uuid.uuid4().hex[:8]}"
    (folder / f"{module}.py").write_text(textwrap.dedent(DOMAIN), encoding="utf-8")
    db = tmp_path / "wallets.db"
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(db))
    sys.path.insert(0, str(folder))
    try:
        domain = __import__(module)
    finally:
        sys.path.remove(str(folder))
    app = domain.Wallets()
    wallet = domain.Wallet("alice")
    for method, amount in AMOUNTS:
        getattr(wallet, method)(Decimal(amount), by="bob")
    meter = domain.Meter("hall")
    for value in (0.1, 0.2, 1e-18, 2.5):
        meter.read(value)
    app.save(wallet, meter)
    projector = tmp_path / "projector.py"
    projector.write_text(PROJECTOR, encoding="utf-8")
    return app, db, projector, str(wallet.id), wallet.version, str(meter.id), meter.version


def _state(capsys, target: Path, stream: str, projector: Path, version: int) -> dict:
    assert main(["replay", str(target), "--stream", stream, "--projector", str(projector),
                 "--at", f"v{version}", "--json"]) == 0
    out, _ = capsys.readouterr()
    return json.loads(out, parse_float=Decimal)["state"]


def _slice(capsys, store: Path, stream: str, target: Path) -> Path:
    fmt = "sqlite" if target.suffix == ".db" else "jsonl"
    assert main(["export", str(store), "--stream", stream, "--format", fmt, "-o", str(target)]) == 0
    capsys.readouterr()
    return target


@pytest.mark.parametrize("name", ["wallet.jsonl", "wallet.db"])
def test_a_slice_gives_a_projector_the_store_s_decimals_at_every_version(library_store, tmp_path, capsys, name):
    app, db, projector, stream, last, _meter, _ = library_store
    sliced = _slice(capsys, db, stream, tmp_path / name)

    for version in range(1, last + 1):
        on_store = _state(capsys, db, stream, projector, version)
        on_slice = _state(capsys, sliced, stream, projector, version)
        assert on_slice == on_store, version
        assert [repr(value) for value in on_slice.get("seen", [])] == [repr(value) for value in on_store.get("seen", [])]
        assert Decimal(on_slice.get("balance", 0)) == app.repository.get(uuid.UUID(stream), version=version).balance
    seen = _state(capsys, sliced, stream, projector, last)["seen"]
    assert seen[:4] == ["Decimal:Decimal('10.10')", "Decimal:Decimal('7.05')", "Decimal:Decimal('6.05')",
                        "Decimal:Decimal('1E-18')"]
    assert Decimal(_state(capsys, sliced, stream, projector, 4)["balance"]) == Decimal("-3.00")


@pytest.mark.parametrize("name", ["wallet.jsonl", "wallet.db"])
def test_a_slice_keeps_each_decimal_s_text(library_store, tmp_path, capsys, name):
    _app, db, _projector, stream, _last, _meter, _ = library_store
    sliced = _slice(capsys, db, stream, tmp_path / name)
    if sliced.suffix == ".db":
        with sqlite3.connect(sliced) as conn:
            text = "\n".join(row[0] for row in conn.execute("SELECT data FROM events ORDER BY position"))
    else:
        text = sliced.read_text(encoding="utf-8")
    for _method, amount in AMOUNTS:  # the text the library stored (its Decimal's str: 1E-18 for 0.000…001)
        assert f'"amount":{Decimal(amount)}' in text

    assert main(["events", str(sliced), "--stream", stream, "--json"]) == 0
    shown = capsys.readouterr().out
    assert main(["events", str(db), "--stream", stream, "--json"]) == 0
    assert shown == capsys.readouterr().out.replace(str(db), str(sliced))


@pytest.mark.parametrize("name", ["meter.jsonl", "meter.db"])
def test_floats_the_library_wrote_stay_floats_in_a_slice(library_store, tmp_path, capsys, name):
    app, db, projector, _wallet, _last, stream, last = library_store
    sliced = _slice(capsys, db, stream, tmp_path / name)

    for version in range(1, last + 1):
        on_store = _state(capsys, db, stream, projector, version)
        assert _state(capsys, sliced, stream, projector, version) == on_store, version
    state = _state(capsys, sliced, stream, projector, last)
    assert state["seen"] == ["float:0.1", "float:0.2", "float:1e-18", "float:2.5"]
    assert float(state["total"]) == app.repository.get(uuid.UUID(stream)).total


def test_a_pytest_fixture_of_the_store_pins_its_decimal_answer(library_store, tmp_path, capsys):
    import subprocess

    app, db, projector, stream, last, _meter, _ = library_store
    target = tmp_path / "test_wallet.py"
    assert main(["export", str(db), "--stream", stream, "--format", "pytest", "-o", str(target),
                 "--projector", str(projector)]) == 0
    capsys.readouterr()
    expected = app.repository.get(uuid.UUID(stream), version=last).balance
    source = target.read_text(encoding="utf-8")

    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(target)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)

    assert f'"balance":{expected}' in source.replace(" ", "")
    assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr
