"""A projector that declares the event types it folds (``handles=``) has the others in its streams reported.

The expectations are counted from the demo store's own table with sqlite3, independently
of the inspector's reading.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap

import pytest

from inspector.cli import main
from inspector.replay import load_projectors, projector
from inspector.replay.projectors import FunctionProjector, projectors_in_module
from inspector.replay.snapshot_check import check_with_projectors
from inspector.stores import open_store

WALLET_WITHOUT_STATEMENTS = """
from inspector.replay import projector


@projector("wallet", handles=["WalletOpened", "CreditsGranted", "CreditsSpent"])
def wallet(state, event):
    if event.type == "CreditsGranted":
        state["credits"] = state.get("credits", 0) + event.data["amount"]
    elif event.type == "CreditsSpent":
        state["credits"] = state.get("credits", 0) - event.data["amount"]
    return state
"""


def _type_counts(path, category: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(stream, type) -> (count, first version) of the category's streams, read by SQL."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT stream, type, COUNT(*), MIN(version) FROM events WHERE stream LIKE ? GROUP BY stream, type",
            (f"{category}-%",)).fetchall()
    return {(stream, kind): (count, first) for stream, kind, count, first in rows}


def _check(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["check", *argv, "--json"])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def test_events_of_types_the_projector_does_not_declare_are_reported_per_stream_and_type(
        demo_store_path, demo_planted, tmp_path, capsys):
    file = tmp_path / "wallet_projector.py"
    file.write_text(textwrap.dedent(WALLET_WITHOUT_STATEMENTS), encoding="utf-8")
    code, report = _check(capsys, str(demo_store_path), "--projector", str(file))
    assert code == 3
    expected = {(stream, kind): counted for (stream, kind), counted in _type_counts(demo_store_path, "wallet").items()
                if kind == "StatementIssued"}
    assert expected, "the demo's wallets issue statements"
    unknown = [f for f in report["findings"] if f["kind"] == "unknown_type"]
    assert {(f["stream"], f["type"]): (f["count"], f["version"]) for f in unknown} == expected
    assert all(f["projector"] == "wallet" and "StatementIssued" in f["detail"] for f in unknown)
    # the damage checks still run in the same pass: the demo's planted faults are all there
    damage = {(f["kind"], f["stream"], f["version"]) for f in report["findings"] if f["kind"] != "unknown_type"}
    assert damage == {
        ("version_gap", *demo_planted.version_gap),
        ("duplicate_version", *demo_planted.duplicate_version),
        ("time_regression", *demo_planted.time_regression),
        ("undecodable_payload", *demo_planted.undecodable_payload),
    }
    assert report["streams_checked"] == demo_planted.streams


def test_streams_no_declaring_projector_applies_to_are_not_judged(demo_store_path, tmp_path, capsys):
    file = tmp_path / "wallet_projector.py"
    file.write_text(textwrap.dedent(WALLET_WITHOUT_STATEMENTS), encoding="utf-8")
    job = next(stream for stream, _ in _type_counts(demo_store_path, "job"))
    code, report = _check(capsys, str(demo_store_path), "--projector", str(file), "--stream", job, "--exit-zero")
    assert code == 0
    assert [f for f in report["findings"] if f["kind"] == "unknown_type"] == []
    assert report["streams_checked"] == 1


def test_one_stream_is_checked_alone_with_its_undeclared_types(demo_store_path, tmp_path, capsys):
    file = tmp_path / "wallet_projector.py"
    file.write_text(textwrap.dedent(WALLET_WITHOUT_STATEMENTS), encoding="utf-8")
    counts = _type_counts(demo_store_path, "wallet")
    stream = next(stream for stream, kind in counts if kind == "StatementIssued")
    code, report = _check(capsys, str(demo_store_path), "--projector", str(file), "--stream", stream)
    assert code == 3
    (finding,) = [f for f in report["findings"] if f["kind"] == "unknown_type"]
    assert (finding["stream"], finding["type"], finding["count"], finding["version"]) == (
        stream, "StatementIssued", *counts[(stream, "StatementIssued")])


def test_the_demos_own_projector_declares_every_type_the_demo_writes(demo_store_path, capsys):
    code, report = _check(capsys, str(demo_store_path), "--projector", "demo")
    assert code == 3  # the planted damage
    assert [f for f in report["findings"] if f["kind"] == "unknown_type"] == []
    with sqlite3.connect(demo_store_path) as conn:
        written = {kind for (kind,) in conn.execute("SELECT DISTINCT type FROM events")}
    declared = set().union(*(p.handles or set() for p in load_projectors("demo").projectors))
    assert written == declared


def test_a_projector_that_declares_nothing_reports_no_type(demo_store_path, tmp_path, capsys):
    file = tmp_path / "loose.py"
    file.write_text(WALLET_WITHOUT_STATEMENTS.replace(
        ', handles=["WalletOpened", "CreditsGranted", "CreditsSpent"]', ""), encoding="utf-8")
    code, report = _check(capsys, str(demo_store_path), "--projector", str(file))
    assert [f for f in report["findings"] if f["kind"] == "unknown_type"] == []
    assert load_projectors(str(file)).projectors[0].handles is None


def test_the_check_is_the_same_called_from_python(demo_store_path, tmp_path):
    file = tmp_path / "wallet_projector.py"
    file.write_text(textwrap.dedent(WALLET_WITHOUT_STATEMENTS), encoding="utf-8")
    store = open_store(str(demo_store_path))
    try:
        report = check_with_projectors(store, load_projectors(str(file), store=store))
    finally:
        store.close()
    found = {(f.stream, f.extra["type"]) for f in report.findings if f.kind == "unknown_type"}
    assert found == {key for key in _type_counts(demo_store_path, "wallet") if key[1] == "StatementIssued"}


# --- the decorator ----------------------------------------------------------------------
def test_handles_is_kept_on_the_projector_and_stacked_decorators_add_up():
    @projector("purse", handles=["Opened"])
    @projector("wallet", handles=["Opened", "Closed"])
    def wallet(state, event):
        return state

    class Module:
        pass

    module = Module()
    module.wallet = wallet
    (found,) = projectors_in_module(module)
    assert isinstance(found, FunctionProjector)
    assert found.handles == frozenset({"Opened", "Closed"})
    assert found.patterns == ("wallet", "purse")
    assert wallet({}, None) == {}  # still the plain function


@pytest.mark.parametrize("handles", ["WalletOpened", [""], [1], 7])
def test_handles_that_is_not_a_list_of_type_names_is_refused_with_an_example(handles):
    with pytest.raises(ValueError, match="handles"):
        projector("wallet", handles=handles)


def test_a_projector_file_with_a_bad_handles_cannot_be_loaded_and_says_why(demo_store_path, tmp_path, capsys):
    file = tmp_path / "bad.py"
    file.write_text(WALLET_WITHOUT_STATEMENTS.replace(
        'handles=["WalletOpened", "CreditsGranted", "CreditsSpent"]', 'handles="WalletOpened"'), encoding="utf-8")
    code = main(["check", str(demo_store_path), "--projector", str(file)])
    _, err = capsys.readouterr()
    assert code == 1
    assert "handles" in err and "Traceback" not in err
