"""Which projector folds a stream, and what the store is asked to decide it.

A projector set picks the first projector whose patterns match the stream: a glob matches the
name alone, a plain word the category the store lists the stream under. The store is asked for
the category only when a word pattern is there to match it (a whole-stream query on some layouts).
"""

from __future__ import annotations

import sqlite3

import pytest

from inspector.core.events import Moment
from inspector.replay import replay
from inspector.replay.projectors import FunctionProjector, ProjectorSet, GENERIC_PROJECTOR
from inspector.stores import open_store

from .conftest import write_generic_store


class CategoryCounting:
    """The store, counting how often it is asked for a stream's category."""

    def __init__(self, store) -> None:
        self._store = store
        self.asked = 0

    def category(self, stream):
        self.asked += 1
        return self._store.category(stream)

    def __getattr__(self, name):
        return getattr(self._store, name)


def _counting(name: str, *patterns: str) -> FunctionProjector:
    def fold(state, event):
        state[name] = state.get(name, 0) + event.data["n"]
        return state

    fold.__name__ = name
    return FunctionProjector(fold, patterns, f"{name} {patterns}", None)


@pytest.fixture()
def store(tmp_path):
    events = [("Incremented", {"n": i}) for i in range(1, 21)]
    path = write_generic_store(tmp_path / "counter.db", {"counter-1": events, "wallet-7": events[:5]})
    opened = open_store(str(path))
    yield CategoryCounting(opened)
    opened.close()


def test_glob_patterns_choose_by_the_stream_name_without_asking_for_its_category(store):
    projectors = ProjectorSet([_counting("wallets", "wallet-*"), _counting("counters", "counter-*")])
    result = replay(store, "counter-1", projectors=projectors)
    assert (result.projector, result.state) == ("counters", {"counters": 210})
    assert store.asked == 0


def test_a_word_pattern_is_matched_against_the_category_the_store_lists(store):
    projectors = ProjectorSet([_counting("by_glob", "nothing-*"), _counting("by_category", "counter")])
    result = replay(store, "counter-1", at=Moment(version=4), projectors=projectors)
    assert (result.projector, result.state) == ("by_category", {"by_category": 10})
    assert store.asked == 1


def test_a_stream_no_projector_matches_gets_the_fallback(store):
    projectors = ProjectorSet([_counting("counters", "counter-*"), _counting("carts", "cart")])
    result = replay(store, "wallet-7", projectors=projectors)
    assert result.projector == GENERIC_PROJECTOR.name
    assert result.state == {"n": 5}


def test_rows_without_a_version_before_the_first_event_do_not_hide_the_stream(tmp_path):
    events = [("Incremented", {"n": i}) for i in range(1, 6)]
    path = write_generic_store(tmp_path / "counter.db", {"counter-1": events})
    with sqlite3.connect(path) as conn:  # two rows of the stream that have no version, listed first
        conn.executemany("INSERT INTO events VALUES (?, 'counter-1', NULL, 'Noted', '2026-01-01T00:00:00Z', ?, '{}')",
                         [(-2, '{"n": 100}'), (-1, '{"n": 200}')])
    conn.close()
    opened = open_store(str(path))
    try:
        result = replay(opened, "counter-1", projectors=GENERIC_PROJECTOR)
        assert (result.version, result.events_applied, result.state) == (5, 5, {"n": 5})
        before = replay(opened, "counter-1", at=Moment(version=0), projectors=GENERIC_PROJECTOR)
        assert before.version is None and before.problem is None  # before the first version: the initial state
    finally:
        opened.close()
