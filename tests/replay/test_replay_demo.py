"""Replay, bisect and diff on the demo store, checked against sums read straight from the file."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import orjson
import pytest

from inspector.core.events import Moment, parse_time
from inspector.replay import SnapshotCache, bisect, diff, load_projectors, replay


def _rows(path, stream):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT version, type, recorded_at, data, metadata FROM events WHERE stream = ? ORDER BY version, position",
            (stream,),
        ).fetchall()
    conn.close()
    return rows


def _wallet_streams(path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        names = [r[0] for r in conn.execute("SELECT DISTINCT stream FROM events WHERE stream LIKE 'wallet-%' ORDER BY 1")]
    conn.close()
    return names


def _independent_balance(path, stream) -> int:
    balance = 0
    for _version, kind, _at, data, _meta in _rows(path, stream):
        if kind == "CreditsGranted":
            balance += orjson.loads(data)["amount"]
        elif kind == "CreditsSpent":
            balance -= orjson.loads(data)["amount"]
    return balance


def test_demo_wallet_balances_equal_an_independent_sum_of_grants_minus_spends(demo_store, demo_store_path):
    projectors = load_projectors(None, store=demo_store)
    assert projectors.label == "demo"
    cache = SnapshotCache(demo_store_path.parent / "cache-wallets.sqlite", every=16)
    wallets = _wallet_streams(demo_store_path)
    assert len(wallets) >= 10
    for stream in wallets:
        expected = _independent_balance(demo_store_path, stream)
        cold = replay(demo_store, stream, projectors=projectors, cache=cache)
        warm = replay(demo_store, stream, projectors=projectors, cache=cache)
        plain = replay(demo_store, stream, projectors=projectors)
        assert cold.state["credits"] == warm.state["credits"] == plain.state["credits"] == expected, stream
        assert warm.snapshot_source == "cache"
    cache.close()


def test_the_demo_store_gets_its_own_projector_without_being_told(demo_store, demo_planted):
    stream, _ = demo_planted.negative_wallet
    result = replay(demo_store, stream)
    assert result.projector == "wallet"
    assert result.state["credits"] == -3


def test_bisect_finds_the_planted_negative_balance(demo_store, demo_planted):
    stream, bad_version = demo_planted.negative_wallet
    result = bisect(demo_store, stream, 'state["credits"] < 0')
    assert result.found and result.problem is None
    assert result.version == bad_version
    assert result.event is not None and result.event.type == "CreditsSpent"
    assert result.state_before["credits"] >= 0 > result.state_after["credits"]
    assert result.probes <= 12  # binary search, not a walk over ~200 versions


def test_bisect_says_plainly_when_the_predicate_never_holds_or_is_not_an_expression(demo_store, demo_planted):
    stream, _ = demo_planted.negative_wallet
    never = bisect(demo_store, stream, 'state["credits"] > 10**9')
    assert not never.found and never.problem is None
    broken = bisect(demo_store, stream, 'state["credits"] <')
    assert not broken.found and "not a Python expression" in broken.problem
    unknown = bisect(demo_store, stream, '__import__("os").getcwd() == ""')
    assert not unknown.found and "__import__" in unknown.problem


def test_snapshot_source_is_null_without_a_cache_and_cache_once_checkpoints_exist(demo_store, demo_planted, tmp_path):
    stream, _ = demo_planted.negative_wallet
    cache = SnapshotCache(tmp_path / "c.sqlite", every=25)
    first = replay(demo_store, stream, at=Moment(version=120), cache=cache)
    assert (first.snapshot_source, first.snapshot_version, first.events_applied) == (None, None, 120)
    again = replay(demo_store, stream, at=Moment(version=120), cache=cache)
    assert again.snapshot_source == "cache" and again.snapshot_version <= 120
    assert again.state == first.state
    assert "from cache" in again.describe()
    # Never a checkpoint after the target: v60 starts from v50, not from v100 or v120.
    earlier = replay(demo_store, stream, at=Moment(version=60), cache=cache)
    assert earlier.snapshot_source == "cache" and earlier.snapshot_version == 50
    assert earlier.events_applied == 10
    assert earlier.state == replay(demo_store, stream, at=Moment(version=60)).state
    cache.close()


def test_replay_to_an_instant_takes_the_last_version_recorded_at_or_before_it(demo_store, demo_store_path, demo_planted):
    stream, _ = demo_planted.negative_wallet
    rows = _rows(demo_store_path, stream)
    version, _type, at_text, _data, _meta = rows[41]
    at = parse_time(at_text)
    exact = replay(demo_store, stream, at=Moment(at=at))
    assert exact.version == version and exact.recorded_at == at
    just_before = replay(demo_store, stream, at=Moment(at=at - timedelta(milliseconds=1)))
    assert just_before.version == version - 1
    before_all = replay(demo_store, stream, at=Moment(at=parse_time(rows[0][2]) - timedelta(days=1)))
    assert before_all.version is None and before_all.state == {} and before_all.problem is None


def test_an_event_recorded_out_of_order_does_not_pull_later_versions_into_an_instant(demo_store, demo_store_path, demo_planted):
    stream, skewed = demo_planted.time_regression
    rows = {r[0]: r for r in _rows(demo_store_path, stream)}
    skewed_at = parse_time(rows[skewed][2])
    assert skewed_at < parse_time(rows[skewed - 1][2])
    result = replay(demo_store, stream, at=Moment(at=skewed_at))
    assert result.version < skewed  # the state at that instant is a prefix of the stream


def test_the_job_with_an_undecodable_payload_stops_at_that_event(demo_store, demo_planted):
    stream, version = demo_planted.undecodable_payload
    result = replay(demo_store, stream)
    assert result.stopped is not None and result.stopped.version == version
    assert "not readable" in result.stopped.error
    assert result.state == {}
    assert result.to_json()["stopped"]["type"] == "JobPosted"


def test_diff_blames_each_acl_member_change_on_exactly_the_events_that_touched_that_member(
    demo_store, demo_store_path, demo_planted
):
    stream = next(s for s in _acl_streams(demo_store_path) if s != demo_planted.version_gap[0])
    rows = _rows(demo_store_path, stream)
    low, high = rows[3][0], rows[-1][0]
    result = diff(demo_store, stream, Moment(version=low), Moment(version=high))
    assert result.problem is None and result.changes
    assert (result.from_.version, result.to.version) == (low, high)
    touched: dict[str, list[int]] = {}
    for version, _kind, _at, data, _meta in rows:
        if low < version <= high:
            touched.setdefault(orjson.loads(data)["member"], []).append(version)
    for change in result.changes:
        assert change.path.startswith("/members/")
        member = change.path.split("/", 2)[2]
        assert [blame.version for blame in change.events] == touched[member], change.path
        assert all(blame.actor and blame.actor.startswith("support:") for blame in change.events)
    assert result.events_between_total == len([r for r in rows if low < r[0] <= high])
    shape = result.to_json()
    assert set(shape) >= {"stream", "from", "to", "changes"}
    assert set(shape["changes"][0]) == {"path", "op", "before", "after", "events", "events_omitted"}


def test_diff_between_instants_uses_the_versions_recorded_by_then(demo_store, demo_store_path, demo_planted):
    stream, bad = demo_planted.negative_wallet
    rows = {r[0]: r for r in _rows(demo_store_path, stream)}
    result = diff(demo_store, stream, Moment(at=parse_time(rows[bad - 1][2])), Moment(at=parse_time(rows[bad][2])))
    assert (result.from_.version, result.to.version) == (bad - 1, bad)
    credits = next(c for c in result.changes if c.path == "/credits")
    assert credits.op == "change" and credits.after == -3
    assert [(b.version, b.type, b.actor) for b in credits.events] == [(bad, "CreditsSpent", "system:billing")]


def test_replay_of_an_unknown_stream_is_a_problem_not_a_crash(demo_store):
    result = replay(demo_store, "wallet-does-not-exist")
    assert result.problem and "no events" in result.problem
    assert result.to_json()["problem"] == result.problem


def _acl_streams(path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        names = [r[0] for r in conn.execute("SELECT DISTINCT stream FROM events WHERE stream LIKE 'acl-%' ORDER BY 1")]
    conn.close()
    return names


@pytest.mark.parametrize("moment", ["v-3"])
def test_a_negative_version_is_reported_as_a_problem(demo_store, demo_planted, moment):
    from inspector.core.events import parse_moment

    stream, _ = demo_planted.negative_wallet
    result = replay(demo_store, stream, at=parse_moment(moment))
    assert result.problem and "versions start at 1" in result.problem
