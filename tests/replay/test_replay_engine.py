"""The replay engine on small stores built in the test: projectors, cache, stopping, cancelling."""

from __future__ import annotations

import textwrap

import pytest

from inspector.core.cancel import CancelToken, Cancelled
from inspector.core.events import Moment
from inspector.replay import (
    GENERIC_PROJECTOR,
    ProjectorError,
    SnapshotCache,
    load_projectors,
    projector,
    replay,
    store_identity,
)
from inspector.replay.projectors import FunctionProjector
from inspector.stores import open_store

from .conftest import write_generic_store

TOTAL = 3000 * 3001 // 2


def _projector_file(tmp_path, body: str, name: str = "counting.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


COUNTING = """
from inspector.replay import projector

@projector("counter")
def counting(state, event):
    state["total"] = state.get("total", 0) + event.data["n"]
    state["last"] = event.data["n"]
    return state
"""


def test_the_generic_projector_keeps_the_last_value_of_every_payload_field(counter_store):
    result = replay(counter_store, "counter-1", projectors=GENERIC_PROJECTOR)
    assert result.state == {"n": 3000, "by": "user0"}
    assert (result.version, result.events_applied, result.projector) == (3000, 3000, "generic")


def test_a_projector_file_is_loaded_and_applied_by_category(counter_store, tmp_path):
    projectors = load_projectors(str(_projector_file(tmp_path, COUNTING)), store=counter_store)
    assert projectors.names == ["counting"]
    assert projectors.source_path and projectors.source_path.endswith("counting.py")
    result = replay(counter_store, "counter-1", at=Moment(version=100), projectors=projectors)
    assert result.state == {"total": 5050, "last": 100}
    assert projectors.for_stream("wallet-1").name == "generic"  # no projector for that category


def test_a_projector_module_is_imported_from_the_path_the_user_names(counter_store, tmp_path):
    _projector_file(tmp_path, COUNTING, name="my_counting_projectors.py")
    projectors = load_projectors("my_counting_projectors", path=str(tmp_path), store=counter_store)
    assert replay(counter_store, "counter-2", projectors=projectors).state == {"total": 55, "last": 10}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("x = 1\n", "defines no projector"),
        ("def broken(:\n", "SyntaxError"),
        ("raise RuntimeError('no config')\n", "no config"),
    ],
)
def test_a_bad_projector_file_is_reported_in_one_line(counter_store, tmp_path, body, message):
    with pytest.raises(ProjectorError, match=message):
        load_projectors(str(_projector_file(tmp_path, body, name="bad.py")), store=counter_store)


def test_a_missing_projector_file_or_module_is_reported(counter_store, tmp_path):
    with pytest.raises(ProjectorError, match="not found"):
        load_projectors(str(tmp_path / "nope.py"), store=counter_store)
    with pytest.raises(ProjectorError, match="cannot import"):
        load_projectors("no_such_projector_module_here", store=counter_store)


def test_replay_stops_at_the_event_whose_projector_raised_with_the_state_just_before_it(counter_store, tmp_path):
    body = """
    from inspector.replay import projector

    @projector("counter-*")
    def fragile(state, event):
        state["last"] = event.data["n"]          # changed before the failure: must not leak
        if event.data["n"] == 1500:
            raise RuntimeError("cannot handle 1500")
        state["total"] = state.get("total", 0) + event.data["n"]
        return state
    """
    projectors = load_projectors(str(_projector_file(tmp_path, body, "fragile.py")), store=counter_store)
    cache = SnapshotCache(tmp_path / "c.sqlite", every=100)
    for _ in range(2):  # cold, then with checkpoints before the failing event
        result = replay(counter_store, "counter-1", projectors=projectors, cache=cache)
        assert result.stopped is not None
        assert (result.stopped.version, result.stopped.type) == (1500, "Incremented")
        assert "RuntimeError: cannot handle 1500" in result.stopped.error
        assert result.version == 1499
        assert result.state == {"last": 1499, "total": 1499 * 1500 // 2}
        assert result.to_json()["stopped"] == {"version": 1500, "type": "Incremented",
                                               "error": "RuntimeError: cannot handle 1500"}
        assert "stopped at v1500" in result.describe()
    fragile = projectors.for_stream("counter-1")
    assert max(cache.versions(store_identity(counter_store), "counter-1", fragile.code_hash)) < 1500
    cache.close()


def test_a_cancelled_token_ends_the_replay_with_cancelled(counter_store):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        replay(counter_store, "counter-1", cancel=token)


def test_cancelling_mid_replay_leaves_only_correct_checkpoints(counter_store, tmp_path):
    token = CancelToken()
    armed = {"cancel at": 1000}

    @projector("counter")
    def cancelling(state, event):
        if event.data["n"] == armed["cancel at"]:
            token.cancel()  # as if the user pressed Cancel while this event was applied
        state["total"] = state.get("total", 0) + event.data["n"]
        return state

    proj = FunctionProjector(cancelling, ("counter",), "cancelling-v1", None)
    cache = SnapshotCache(tmp_path / "c.sqlite", every=100)
    with pytest.raises(Cancelled):
        replay(counter_store, "counter-1", projectors=proj, cache=cache, cancel=token)
    written = cache.versions(store_identity(counter_store), "counter-1", proj.code_hash)
    assert written and max(written) < 1300  # it stopped soon after the token was set
    armed["cancel at"] = None
    result = replay(counter_store, "counter-1", at=Moment(version=2000), projectors=proj, cache=cache,
                    cancel=CancelToken())
    assert result.snapshot_source == "cache" and result.snapshot_version == max(written)
    assert result.state == {"total": 2000 * 2001 // 2}
    cache.close()


def test_progress_is_reported_throttled_and_ends_complete(counter_store):
    calls: list[tuple[int, int | None]] = []
    replay(counter_store, "counter-1", at=Moment(version=3000), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (3000, 3000)
    assert len(calls) < 100
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_a_stale_cache_entry_from_a_rebuilt_store_is_never_used(tmp_path):
    path = tmp_path / "rebuilt.db"
    write_generic_store(path, {"counter-1": [("Incremented", {"n": i}) for i in range(1, 501)]})
    cache = SnapshotCache(tmp_path / "c.sqlite", every=50)
    projectors = load_projectors(str(_projector_file(tmp_path, COUNTING)))
    with _opened(path) as store:
        replay(store, "counter-1", projectors=projectors, cache=cache)
        assert replay(store, "counter-1", projectors=projectors, cache=cache).snapshot_source == "cache"
    path.unlink()
    # Same path, same stream, different history: every checkpoint's fingerprint is now wrong.
    write_generic_store(path, {"counter-1": [("Incremented", {"n": 2 * i}) for i in range(1, 501)]})
    with _opened(path) as store:
        result = replay(store, "counter-1", projectors=projectors, cache=cache)
        assert result.state == {"total": 2 * (500 * 501 // 2), "last": 1000}
        assert result.snapshot_source is None
        again = replay(store, "counter-1", at=Moment(version=420), projectors=projectors, cache=cache)
        assert again.snapshot_source == "cache" and again.state["total"] == 2 * (420 * 421 // 2)
    cache.close()


def test_an_edited_projector_does_not_reuse_the_old_projectors_checkpoints(counter_store, tmp_path):
    cache = SnapshotCache(tmp_path / "c.sqlite", every=100)
    file = _projector_file(tmp_path, COUNTING)
    first = load_projectors(str(file), store=counter_store)
    replay(counter_store, "counter-1", projectors=first, cache=cache)
    file.write_text(COUNTING.replace('event.data["n"]\n    state["last"]', 'event.data["n"] * 10\n    state["last"]'),
                    encoding="utf-8")
    edited = load_projectors(str(file), store=counter_store)
    assert edited.for_stream("counter-1").code_hash != first.for_stream("counter-1").code_hash
    result = replay(counter_store, "counter-1", projectors=edited, cache=cache)
    assert result.snapshot_source is None and result.state["total"] == 10 * TOTAL
    cache.close()


def test_the_snapshot_cache_stays_within_its_bound_evicting_least_recently_used(counter_store, tmp_path):
    cache = SnapshotCache(tmp_path / "c.sqlite", every=100, max_entries=5)
    replay(counter_store, "counter-1", cache=cache)
    assert len(cache) == 5
    key = store_identity(counter_store)
    assert "counter" not in key and str(tmp_path) not in key  # an opaque key: no path, no password
    cache.close()


def test_a_damaged_cache_file_is_set_aside_and_replay_still_works(counter_store, tmp_path):
    damaged = tmp_path / "c.sqlite"
    damaged.write_bytes(b"this is not sqlite" * 100)
    cache = SnapshotCache(damaged, every=100)
    assert replay(counter_store, "counter-2", cache=cache).state == {"n": 10, "by": "user1"}
    assert (tmp_path / "c.sqlite.corrupt").exists()
    cache.close()


class _opened:
    """``with _opened(path) as store``: open read-only and close afterwards."""

    def __init__(self, path):
        self.store = open_store(str(path))

    def __enter__(self):
        return self.store

    def __exit__(self, *exc):
        self.store.close()
