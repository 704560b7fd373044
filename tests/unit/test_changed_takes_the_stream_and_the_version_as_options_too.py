"""``changed`` takes its stream and version as arguments (``changed STORE STREAM VERSION``) or as
``--stream`` and ``--version``, the way every other command takes a stream, in any order and mixed
(one an option, the other an argument), with the same answer; ``--help`` says both. One given
twice, or missing, is a usage error (exit 2) that says how to give it. On the demo store and on a
store the eventsourcing library wrote."""

from __future__ import annotations

import sys
import textwrap
import uuid
from decimal import Decimal

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
        self.balance = Decimal("0")

    @event("Credited")
    def credit(self, amount: Decimal):
        self.balance += amount


class Wallets(Application):
    pass
"""


@pytest.fixture(params=["demo", "eventsourcing"])
def event(request, demo_store_path, tmp_path, monkeypatch) -> tuple[str, str, str]:
    """(store, stream, version) of an event that changes its stream's state."""
    if request.param == "demo":
        return str(demo_store_path), "wallet-9b2e71cc", "42"
    pytest.importorskip("eventsourcing")
    domain_dir = tmp_path / "domain"
    domain_dir.mkdir()
    module = f"t3_changed_{uuid.uuid4().hex[:8]}"
    (domain_dir / f"{module}.py").write_text(textwrap.dedent(DOMAIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(domain_dir))
    db = tmp_path / "wallets.db"
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(db))
    domain = __import__(module)
    app = domain.Wallets()
    wallet = domain.Wallet("ada")
    wallet.credit(Decimal("2.5"))
    wallet.credit(Decimal("4"))
    app.save(wallet)
    app.close()
    sys.modules.pop(module, None)
    return str(db), str(wallet.id), "2"


def _answer(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    out, _ = capsys.readouterr()
    assert out
    return out


@pytest.mark.parametrize("form", [
    ["--stream", "{stream}", "--version", "{version}"],
    ["--version", "v{version}", "--stream", "{stream}"],
    ["--stream={stream}", "--version={version}"],
    ["--stream", "{stream}", "{version}"],
    ["{stream}", "--version", "{version}"],
    ["--str", "{stream}", "--vers", "{version}"],
])
def test_changed_given_the_stream_and_version_as_options_answers_as_with_arguments(capsys, event, form):
    store, stream, version = event
    for extra in ((), ("--json",)):
        expected = _answer(capsys, "changed", store, stream, version, "--projector", "generic", *extra)
        given = [word.format(stream=stream, version=version) for word in form]
        assert _answer(capsys, "changed", store, *given, "--projector", "generic", *extra) == expected


def _usage_error(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and out == ""
    assert err.startswith("usage: event-inspector changed")
    return " ".join(err.split())


def test_changed_with_the_stream_given_twice_or_missing_says_how_to_give_it(capsys, event):
    store, stream, version = event
    err = _usage_error(capsys, "changed", store, stream, version, "--stream", stream)
    assert "give the stream and the version once each, as arguments (STREAM VERSION) or as --stream and --version" in err
    err = _usage_error(capsys, "changed", store, "--version", version)
    assert "changed needs the stream (STREAM or --stream STREAM)" in err
    err = _usage_error(capsys, "changed", store, "--stream", stream)
    assert "changed needs the version (VERSION or --version VERSION)" in err


def test_changed_help_names_both_ways_of_giving_the_stream_and_version(capsys):
    with pytest.raises(SystemExit):
        main(["changed", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--stream STREAM" in text and "--version VERSION" in text
    assert "STREAM and VERSION are arguments (changed demo.db wallet-9b2e71cc 42) or --stream and --version" in text
    assert "event-inspector changed demo.db --stream wallet-9b2e71cc --version 42" in text
