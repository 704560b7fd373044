"""Checkpoints of a state that grows are spaced by what they cost: once the state is large, the
cache's dumps take at most about a quarter of a cold replay's folding time (a checkpoint of a
list of all events every 100 versions would cost time quadratic in the stream), and a warm
replay to any version still starts from a checkpoint close by. A small state is checkpointed
every interval whatever the clock says. The replay's clock is a counter advanced by the
projector itself (10 µs a fold, 1 µs a list item dumped), so the spacing is the same on any
machine; "large" is lowered from 256 KiB to 2,000 bytes (about 400 numbers) for the test."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

import inspector.replay.engine as engine
from inspector.core.events import Moment
from inspector.replay import SnapshotCache, replay, store_identity
from inspector.replay.projectors import Projector

FOLD_SECONDS = 10e-6  # per event
DUMP_SECONDS_PER_ITEM = 1e-6  # a dump of the state costs this per number it holds
EVERY = 100
EVENTS = 3000
SMALL_STATE = 2000  # bytes: the dump of a list of about 400 numbers


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


class _EverySeenNumber(Projector):
    """Keeps every ``n`` seen: a state, and a dump, that grow with the stream."""

    name = "every-seen-number"
    code_hash = "every-seen-number-v1"
    patterns = ("*",)

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.dumped: list[int] = []  # the versions dumped (the state's length is its version)

    def fold(self, state: Any, event: Any) -> Any:
        self.clock.now += FOLD_SECONDS
        state.setdefault("seen", []).append(event.data["n"])
        return state

    def dump(self, state: Any) -> bytes:
        self.clock.now += DUMP_SECONDS_PER_ITEM * len(state.get("seen", ()))
        self.dumped.append(len(state.get("seen", ())))
        return super().dump(state)


@pytest.fixture()
def clock(monkeypatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(engine, "time", SimpleNamespace(perf_counter=clock.perf_counter, monotonic=clock.monotonic))
    monkeypatch.setattr(engine, "_SMALL_STATE", SMALL_STATE)
    return clock


def _dump_seconds(versions: list[int]) -> float:
    return sum(versions) * DUMP_SECONDS_PER_ITEM


def test_a_growing_state_is_checkpointed_further_apart_as_its_dump_grows(counter_store, clock, tmp_path):
    projector = _EverySeenNumber(clock)
    with SnapshotCache(tmp_path / "cache.sqlite", every=EVERY) as cache:
        cold = replay(counter_store, "counter-1", projectors=projector, cache=cache)
        assert cold.state == {"seen": list(range(1, EVENTS + 1))}
        written = cache.versions(store_identity(counter_store), "counter-1", projector.code_hash)
        # while the state is small every 100th version is kept
        assert written[:4] == [100, 200, 300, 400]
        gaps = [b - a for a, b in zip(written, written[1:])]
        assert gaps[-2] > 2 * EVERY and gaps == sorted(gaps[:-1]) + gaps[-1:]  # then further and further apart
        # each large checkpoint (600 numbers and more: over 2,000 bytes) is followed by at least
        # four times its cost in folding before the next one
        for before, version in zip(written, written[1:]):
            if before >= 600:
                assert before * DUMP_SECONDS_PER_ITEM <= 0.25 * (version - before) * FOLD_SECONDS + 1e-9
        # all dumps together: a small share of the fold, where one every 100 versions would exceed it
        folding = EVENTS * FOLD_SECONDS
        assert _dump_seconds(projector.dumped) < 0.5 * folding
        assert _dump_seconds(list(range(EVERY, EVENTS + 1, EVERY))) > folding

        # a warm replay to any version starts from a checkpoint close by, and is right
        for version in (150, 1999, 2950, EVENTS):
            warm = replay(counter_store, "counter-1", at=Moment(version=version), projectors=projector, cache=cache)
            assert warm.state == {"seen": list(range(1, version + 1))}
            assert warm.snapshot_source == "cache"
            assert version - warm.snapshot_version <= max(gaps)


def test_a_cheap_state_is_checkpointed_every_interval_whatever_the_clock(counter_store, clock, tmp_path):
    projector = _EverySeenNumber(clock)
    projector.fold = lambda state, event: {"n": event.data["n"]}  # type: ignore[method-assign]  # a constant size
    with SnapshotCache(tmp_path / "cache.sqlite", every=EVERY) as cache:
        replay(counter_store, "counter-1", projectors=projector, cache=cache)
        written = cache.versions(store_identity(counter_store), "counter-1", projector.code_hash)
    assert written == list(range(EVERY, EVENTS + 1, EVERY))
