"""What one event changed: the state just before and just after it, and the paths that differ.

The window's State tab highlights these changes and ``event-inspector changed`` prints them;
both call ``inspector.replay.change.event_change``. Checked on the demo store (its own
projector), on streams with gaps in their versions or counting from 0, and on PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3

import orjson
import pytest

from inspector.cli import main
from inspector.replay import SnapshotCache, demo_projectors, load_projectors, replay
from inspector.core.events import Moment
from inspector.replay.change import event_change
from inspector.stores import open_store

from .conftest import write_store_from_zero
from .server_store import write_generic_server_store


def _wallet_with_a_grant(store):
    """A demo wallet stream and the version of a CreditsGranted event in it (not its first event)."""
    page = store.read_all(limit=500)
    grant = next(e for e in page if e.type == "CreditsGranted" and e.stream.startswith("wallet-") and e.version > 2)
    return grant.stream, grant.version, grant.data["amount"]


def test_a_grant_changes_the_wallets_credits_by_its_amount(demo_store, tmp_path):
    stream, version, amount = _wallet_with_a_grant(demo_store)
    cache = SnapshotCache(tmp_path / "cache.db")
    change = event_change(demo_store, stream, version, projectors=demo_projectors(), cache=cache)
    cache.close()
    assert change.problem is None
    assert change.event is not None and (change.event.type, change.event.version) == ("CreditsGranted", version)
    assert [(c.path, c.op) for c in change.changes] == [("/credits", "change")]
    credits = change.changes[0]
    assert credits.after - credits.before == amount
    # the two states are the stream's states at the version before and at this version
    assert change.before.state == replay(demo_store, stream, at=Moment(version=version - 1),
                                         projectors=demo_projectors()).state
    assert change.after.state == replay(demo_store, stream, at=Moment(version=version),
                                        projectors=demo_projectors()).state


def test_a_streams_first_event_adds_every_field_of_the_state(demo_store):
    stream, _version, _amount = _wallet_with_a_grant(demo_store)
    change = event_change(demo_store, stream, 1, projectors=demo_projectors())
    assert change.problem is None
    assert change.before is not None and change.before.version is None  # before its first event
    assert {c.op for c in change.changes} == {"add"}
    assert {c.path for c in change.changes} == {f"/{key}" for key in change.after.state}


def test_a_version_the_stream_does_not_have_gives_a_problem_and_no_changes(demo_store):
    stream, _version, _amount = _wallet_with_a_grant(demo_store)
    change = event_change(demo_store, stream, 10**9, projectors=demo_projectors())
    assert change.changes == [] and change.before is None and change.event is None
    assert "has no event at v1000000000" in change.problem


def test_with_gaps_between_versions_the_state_before_is_the_previous_events(tmp_path):
    path = tmp_path / "gaps.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
                     " recorded_at TEXT, data TEXT, metadata TEXT)")
        for position, (version, balance) in enumerate([(1, 10), (3, 12), (7, 40)], start=1):
            conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                         (position, "acct-1", version, "Balanced", f"2026-01-01T00:0{position}:00Z",
                          orjson.dumps({"balance": balance}).decode(), "{}"))
    conn.close()
    store = open_store(str(path))
    try:
        change = event_change(store, "acct-1", 7, projectors=load_projectors("generic", store=store))
    finally:
        store.close()
    assert change.problem is None
    assert [(c.path, c.before, c.after) for c in change.changes] == [("/balance", 12, 40)]


def test_a_stream_counting_from_zero_changes_from_the_initial_state_at_v0(tmp_path):
    path = write_store_from_zero(tmp_path / "zero.db", "tally-1", [("Set", {"n": 1}), ("Set", {"n": 2})])
    store = open_store(str(path))
    try:
        first = event_change(store, "tally-1", 0, projectors=load_projectors("generic", store=store))
        second = event_change(store, "tally-1", 1, projectors=load_projectors("generic", store=store))
    finally:
        store.close()
    assert [(c.path, c.op, c.after) for c in first.changes] == [("/n", "add", 1)]
    assert [(c.path, c.before, c.after) for c in second.changes] == [("/n", 1, 2)]


def test_changed_prints_the_paths_an_event_changed(demo_store_path, demo_store, capsys):
    stream, version, amount = _wallet_with_a_grant(demo_store)
    code = main(["changed", str(demo_store_path), stream, f"v{version}", "--no-cache", "--json"])
    out, _err = capsys.readouterr()
    assert code == 0
    document = json.loads(out)
    assert (document["stream"], document["version"], document["event"]["type"]) == (stream, version, "CreditsGranted")
    [credits] = document["changes"]
    assert credits["path"] == "/credits" and credits["after"] - credits["before"] == amount
    assert document["state_after"]["credits"] == credits["after"]

    code = main(["changed", str(demo_store_path), stream, str(version), "--no-cache"])
    out, _err = capsys.readouterr()
    assert code == 0
    assert f"{stream} v{version}: CreditsGranted" in out and "1 change to the state" in out and "/credits" in out


def test_changed_at_a_missing_version_says_so_and_fails(demo_store_path, demo_store, capsys):
    stream, _version, _amount = _wallet_with_a_grant(demo_store)
    code = main(["changed", str(demo_store_path), stream, "99999", "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "has no event at v99999" in err


def test_changed_refuses_a_version_that_is_not_a_number(demo_store_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["changed", str(demo_store_path), "wallet-x", "latest"])
    assert exit_.value.code == 2
    assert "is not a version" in capsys.readouterr().err


def test_what_an_event_changed_on_postgresql(postgres_url, capsys):
    db = write_generic_server_store(postgres_url, [
        {"stream": "acct-7", "version": 1, "type": "Opened", "data": {"owner": "ana", "balance": 0}},
        {"stream": "acct-8", "version": 1, "type": "Opened", "data": {"owner": "ben", "balance": 5}},
        {"stream": "acct-7", "version": 2, "type": "Deposited", "data": {"balance": 25}},
    ])
    try:
        store = open_store(db.url)
        try:
            change = event_change(store, "acct-7", 2, projectors=load_projectors("generic", store=store))
        finally:
            store.close()
        assert change.problem is None and change.event.type == "Deposited"
        assert [(c.path, c.op, c.before, c.after) for c in change.changes] == [("/balance", "change", 0, 25)]
        code = main(["changed", db.url, "acct-7", "2", "--projector", "generic", "--no-cache", "--json"])
        document = json.loads(capsys.readouterr().out)
        position = document["event"]["position"]
        assert code == 0 and document["changes"] == [
            {"path": "/balance", "op": "change", "before": 0, "after": 25, "changed_by": [position]}]
    finally:
        db.drop()
