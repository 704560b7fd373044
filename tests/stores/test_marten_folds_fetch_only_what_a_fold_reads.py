"""A Marten fold fetches position, version, type and payload alone (``MartenLayout.fold_fields``):
not the stream id and event id (a ``uuid.UUID`` each per row), the time or the metadata columns.
A projector asking an event's other fields gets exactly the stored ones, and so does the replay's
last event: Marten 8 with metadata columns, under conjoined tenancy, and Marten 9 in its own schema
with binary events (``bdata``), where the fold keeps reading every column."""

from __future__ import annotations

from typing import Any

import pytest

from inspector.replay import replay
from inspector.replay.projectors import FunctionProjector

from . import test_marten as marten

BUILDERS = [
    ("marten8", "TestMartenLayoutOnPostgres", True),
    ("conjoined", "TestMartenConjoinedTenantOnPostgres", True),
    ("marten9-bdata", "TestMartenStringIdsInOwnSchemaOnPostgres", False),
]


@pytest.fixture(scope="module", params=BUILDERS, ids=[b[0] for b in BUILDERS])
def built(request, tmp_path_factory):
    _, name, short = request.param
    result = getattr(marten, name)().build(request, tmp_path_factory.mktemp(name.lower()))
    result.short = short
    try:
        yield result
    finally:
        result.store.close()
        if result.cleanup is not None:
            result.cleanup()


def _recording(seen: list[tuple]) -> FunctionProjector:
    def fold(state: Any, event: Any) -> Any:
        seen.append((event.version, event.type, event.recorded_at, event.metadata, event.actor, event.data))
        return state

    return FunctionProjector(fold, ("*",), f"recording {id(seen)}", None)


def test_a_marten_fold_reads_the_other_fields_only_when_asked_and_gets_the_stored_ones(built):
    store = built.store
    short = store._short_fold()
    assert (short is not None) is built.short
    if short is not None:
        assert short[1] == ["position", "version", "type", "data"]
    streams = [summary.stream for summary in store.streams(limit=1000)]
    assert len(streams) >= 3
    for stream in streams:
        stored = [event for event in store.read_stream(stream) if event.version is not None]
        seen: list[tuple] = []
        result = replay(store, stream, projectors=_recording(seen), cache=None, use_store_snapshots=False)
        assert result.events_applied == len(seen), stream
        folded = {e.version: e for e in stored}
        assert seen == [
            (v, folded[v].type, folded[v].recorded_at, folded[v].metadata, folded[v].actor, folded[v].data)
            for v, *_ in seen
        ], stream
        if stored and result.last_event is not None:
            assert result.last_event == next(e for e in reversed(stored) if e.version == result.version), stream
