"""A Message DB fold fetches position, version, type and payload alone (``MessageDbLayout.fold_fields``):
not the stream name, the time or the metadata. A projector asking an event's other fields gets
exactly the stored ones, and so does the replay's last event (the contract's Message DB store,
its bad rows included)."""

from __future__ import annotations

import pytest

from inspector.replay import replay

from . import test_server_contract as server_contract
from .test_marten_folds_fetch_only_what_a_fold_reads import _recording


@pytest.fixture(scope="module")
def built(request, tmp_path_factory):
    result = server_contract.TestMessageDbLayoutOnPostgres().build(request, tmp_path_factory.mktemp("mdb"))
    try:
        yield result
    finally:
        result.store.close()
        if result.cleanup is not None:
            result.cleanup()


def test_a_message_db_fold_reads_the_other_fields_only_when_asked_and_gets_the_stored_ones(built):
    store = built.store
    short = store._short_fold()
    assert short is not None and short[1] == ["position", "version", "type", "data"]
    streams = [summary.stream for summary in store.streams(limit=1000)]
    assert len(streams) >= 3
    for stream in streams:
        stored = {event.version: event for event in store.read_stream(stream) if event.version is not None}
        seen: list[tuple] = []
        result = replay(store, stream, projectors=_recording(seen), cache=None, use_store_snapshots=False)
        assert result.events_applied == len(seen), stream
        assert seen == [
            (v, stored[v].type, stored[v].recorded_at, stored[v].metadata, stored[v].actor, stored[v].data)
            for v, *_ in seen
        ], stream
        if result.last_event is not None:
            assert result.last_event == stored[result.version], stream
