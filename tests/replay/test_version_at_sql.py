"""Replay to an instant finds its version with SQL where the store can, with the same answer as reading the stream."""

from __future__ import annotations

from datetime import timedelta

import pytest

from inspector.core.events import parse_time
from inspector.replay.engine import version_at
from inspector.stores import open_store


class _ReadOnlyView:
    """The same store seen without its SQL shortcut, so the two answers can be compared."""

    def __init__(self, store):
        self._store = store

    def read_stream(self, *args, **kwargs):
        return self._store.read_stream(*args, **kwargs)

    def version_at(self, stream, instant):
        return NotImplemented  # as a store whose times only decoding can tell


@pytest.mark.parametrize("which", ["negative_wallet", "time_regression", "duplicate_version", "version_gap"])
def test_sql_and_reading_the_stream_agree_on_the_version_at_an_instant(demo_store_path, demo_planted, which):
    store = open_store(str(demo_store_path))
    stream = getattr(demo_planted, which)[0]
    events = list(store.read_stream(stream))
    times = sorted({e.recorded_at for e in events if e.recorded_at is not None})
    probes = [times[0] - timedelta(days=1), times[0], *times[1::7], times[-1], times[-1] + timedelta(days=1)]
    for instant in probes:
        by_sql = store.version_at(stream, instant)
        by_reading = version_at(_ReadOnlyView(store), stream, instant)
        assert by_sql is not NotImplemented
        assert by_sql == by_reading, instant


def test_an_instant_before_the_first_event_has_no_version(demo_store_path, demo_planted):
    store = open_store(str(demo_store_path))
    assert store.version_at(demo_planted.negative_wallet[0], parse_time("2020-01-01T00:00Z")) is None


def test_with_a_duplicate_version_sql_never_includes_an_event_recorded_later(demo_store_path, demo_planted):
    """Replaying to a version applies every event of that version, so a duplicate recorded later rules it out."""
    store = open_store(str(demo_store_path))
    stream, duplicated = demo_planted.duplicate_version
    copies = [e for e in store.read_stream(stream) if e.version == duplicated]
    assert len(copies) == 2
    between = copies[0].recorded_at + (copies[1].recorded_at - copies[0].recorded_at) / 2
    assert store.version_at(stream, between) == duplicated - 1
    assert version_at(_ReadOnlyView(store), stream, between) == duplicated - 1
    assert store.version_at(stream, copies[1].recorded_at) == duplicated
