"""Audit look-ups in the Qt-free core (``inspector.core.audit``) and the CLI's ``audit``:
an event's causation chain back to its first cause, the events sharing its correlation id,
and an actor's events across streams. On the demo store, small built stores and PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3

import orjson

from inspector.cli import main
from inspector.core import audit
from inspector.stores import open_store

from .server_store import write_generic_server_store


def _caused_event(store):
    """A demo event caused by another stored event (its causation id is not its correlation id)."""
    return next(e for e in store.read_all(limit=500)
                if audit.meta(e, "causation_id") and audit.meta(e, "causation_id") != audit.meta(e, "correlation_id")
                and audit.find_by_event_id(store, audit.meta(e, "causation_id")) is not None
                and audit.meta(audit.find_by_event_id(store, audit.meta(e, "causation_id")), "causation_id")
                != audit.meta(e, "correlation_id"))


def test_a_causation_chain_runs_from_the_first_cause_to_the_event(demo_store):
    event = _caused_event(demo_store)
    chain, end = audit.causation_chain(demo_store, event)
    assert len(chain) >= 3 and chain[-1] == event
    for cause, effect in zip(chain, chain[1:]):
        assert audit.meta(effect, "causation_id") == audit.meta(cause, "event_id")
    root = chain[0]
    assert end in ("the first event has no causation id",
                   f"caused by {audit.meta(root, 'causation_id')} (its correlation id)")


def test_correlated_events_share_the_id_and_come_in_global_order(demo_store):
    event = _caused_event(demo_store)
    correlated = audit.correlated_events(demo_store, event)
    assert event in correlated
    assert {audit.meta(e, "correlation_id") for e in correlated} == {audit.meta(event, "correlation_id")}
    positions = [e.position for e in correlated]
    assert positions == sorted(positions)
    # the look-up by id gives the same events
    assert audit.events_with_correlation(demo_store, audit.meta(event, "correlation_id")) == correlated


def test_an_actors_events_are_theirs_across_streams_oldest_first(demo_store):
    actor = next(e.actor for e in demo_store.read_all(limit=50) if e.actor and not e.actor.startswith("support"))
    page = audit.events_by_actor(demo_store, actor, limit=200)
    assert page and {e.actor for e in page} == {actor}
    assert len({e.stream for e in page}) > 1
    assert [e.position for e in page] == sorted(e.position for e in page)
    more = audit.events_by_actor(demo_store, actor, limit=200, after_position=page[-1].position)
    assert all(e.position > page[-1].position for e in more)


def test_the_event_at_a_version_is_that_streams(demo_store):
    event = _caused_event(demo_store)
    assert audit.event_at(demo_store, event.stream, event.version) == event
    assert audit.event_at(demo_store, event.stream, 10**9) is None


def _store_with_metadata(path, rows):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
                     " recorded_at TEXT, data TEXT, metadata TEXT)")
        for position, (stream, version, meta) in enumerate(rows, start=1):
            conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                         (position, stream, version, "Step", f"2026-01-01T00:{position:02d}:00Z", "{}",
                          orjson.dumps(meta).decode()))
    conn.close()
    return open_store(str(path))


def test_a_chain_that_loops_back_stops_and_says_so(tmp_path):
    store = _store_with_metadata(tmp_path / "loop.db", [
        ("s-1", 1, {"event_id": "a", "causation_id": "b"}),
        ("s-1", 2, {"event_id": "b", "causation_id": "a"}),
    ])
    try:
        chain, end = audit.causation_chain(store, audit.event_at(store, "s-1", 2))
    finally:
        store.close()
    assert [e.version for e in chain] == [1, 2] and end == "the chain loops back on itself"


def test_a_long_chain_stops_at_the_limit(tmp_path):
    rows = [("s-1", 1, {"event_id": "e1"})] + [("s-1", n, {"event_id": f"e{n}", "causation_id": f"e{n - 1}"})
                                               for n in range(2, 8)]
    store = _store_with_metadata(tmp_path / "long.db", rows)
    try:
        chain, end = audit.causation_chain(store, audit.event_at(store, "s-1", 7), limit=4)
        whole, whole_end = audit.causation_chain(store, audit.event_at(store, "s-1", 7))
    finally:
        store.close()
    assert [e.version for e in chain] == [4, 5, 6, 7] and end == "stopped after 4 events"
    assert [e.version for e in whole] == list(range(1, 8)) and whole_end == "the first event has no causation id"


def test_audit_causes_of_prints_the_chain_and_the_correlated_events(demo_store_path, demo_store, capsys):
    event = _caused_event(demo_store)
    code = main(["audit", str(demo_store_path), "--causes-of", f"{event.stream}@{event.version}", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    chain, end = audit.causation_chain(demo_store, event)
    assert [(e["stream"], e["version"]) for e in document["chain"]] == [(e.stream, e.version) for e in chain]
    assert document["chain_end"] == end
    assert document["correlation_id"] == audit.meta(event, "correlation_id")
    assert len(document["correlated"]) == len(audit.correlated_events(demo_store, event))

    code = main(["audit", str(demo_store_path), "--causes-of", f"{event.stream}@{event.version}"])
    out = capsys.readouterr().out
    assert code == 0 and f"{event.stream} v{event.version} ({event.type}): {len(chain) - 1} stored events led to it" in out


def test_audit_by_actor_pages_with_after(demo_store_path, demo_store, capsys):
    actor = next(e.actor for e in demo_store.read_all(limit=50) if e.actor)
    code = main(["audit", str(demo_store_path), "--actor", actor, "--limit", "3", "--json"])
    first = json.loads(capsys.readouterr().out)
    assert code == 0 and len(first["events"]) == 3 and first["more"] is True
    code = main(["audit", str(demo_store_path), "--actor", actor, "--limit", "3", "--json",
                 "--after", str(first["next_after"])])
    second = json.loads(capsys.readouterr().out)
    expected = audit.events_by_actor(demo_store, actor, limit=6)
    assert [e["position"] for e in first["events"] + second["events"]] == [e.position for e in expected]


def test_audit_of_a_missing_event_says_so(demo_store_path, demo_planted, capsys):
    code = main(["audit", str(demo_store_path), "--causes-of", "wallet-nope@3"])
    assert code == 1 and "no events in stream 'wallet-nope'; did you mean" in capsys.readouterr().err
    stream, _ = demo_planted.negative_wallet
    code = main(["audit", str(demo_store_path), "--causes-of", f"{stream}@99999"])
    assert code == 1 and "has no event at v99999" in capsys.readouterr().err


def test_audit_look_ups_on_postgresql(postgres_url, capsys):
    db = write_generic_server_store(postgres_url, [
        {"stream": "order-1", "version": 1, "type": "Placed", "data": {"total": 30},
         "metadata": {"event_id": "p1", "correlation_id": "req-9", "causation_id": "req-9", "actor": "ana"}},
        {"stream": "invoice-1", "version": 1, "type": "Issued", "data": {"total": 30},
         "metadata": {"event_id": "i1", "correlation_id": "req-9", "causation_id": "p1", "actor": "billing"}},
        {"stream": "order-2", "version": 1, "type": "Placed", "data": {"total": 5},
         "metadata": {"event_id": "p2", "correlation_id": "req-10", "actor": "ana"}},
        {"stream": "mail-1", "version": 1, "type": "Sent", "data": {},
         "metadata": {"event_id": "m1", "correlation_id": "req-9", "causation_id": "i1", "actor": "billing"}},
    ])
    try:
        store = open_store(db.url)
        try:
            mail = audit.event_at(store, "mail-1", 1)
            found = audit.causes_of(store, mail)
            by_ana = audit.events_by_actor(store, "ana")
        finally:
            store.close()
        assert [e.stream for e in found.chain] == ["order-1", "invoice-1", "mail-1"]
        assert found.chain_end == "caused by req-9 (its correlation id)"
        assert [e.stream for e in found.correlated] == ["order-1", "invoice-1", "mail-1"]
        assert [e.stream for e in by_ana] == ["order-1", "order-2"]
        code = main(["audit", db.url, "--correlation", "req-9", "--json"])
        document = json.loads(capsys.readouterr().out)
        assert code == 0 and [e["stream"] for e in document["events"]] == ["order-1", "invoice-1", "mail-1"]
    finally:
        db.drop()


def test_one_event_of_a_correlation_id_shares_it_in_the_singular(demo_store_path, capsys):
    from collections import Counter

    store = open_store(str(demo_store_path))
    try:
        counts = Counter(e.metadata.get("correlation_id") for e in store.read_all(limit=100000)
                         if isinstance(e.metadata, dict) and e.metadata.get("correlation_id"))
    finally:
        store.close()
    single = next(cid for cid, n in counts.items() if n == 1)
    several = next(cid for cid, n in counts.items() if n > 1)
    assert main(["audit", str(demo_store_path), "--correlation", single]) == 0
    assert capsys.readouterr().out.startswith(f"1 event shares correlation id {single}")
    assert main(["audit", str(demo_store_path), "--correlation", several]) == 0
    assert capsys.readouterr().out.startswith(f"{counts[several]} events share correlation id {several}")
