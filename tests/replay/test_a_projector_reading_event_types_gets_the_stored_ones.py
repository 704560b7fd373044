"""A fold leaves the event type out of its read when the projector is not expected to read it
(the generic projector; a projector file whose source never names ``.type`` or ``"type"``), and
reads an event's type when it is asked. Whatever that look at the source says, a projector gets
each event's stored type: reading it of every event, of only some, in a way the look does not
see, and as the history was when the replay began even when another session rewrites a type
mid-replay. The replay's last event and the snapshot cache's checkpoints carry the stored types.
A generic table on SQLite, PostgreSQL and MariaDB (``ledger`` of the other-fields tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inspector.core.events import Moment
from inspector.replay import GENERIC_PROJECTOR, SnapshotCache, load_projectors, replay
from inspector.stores.sql import FOLD_BATCH

from tests.replay.test_a_projector_reading_an_event_s_other_fields_gets_the_stored_values import (  # noqa: F401
    EVENTS,
    STREAM,
    _stored,
    ledger,
)

#: reads the type by a name built at run time, so a look at its source does not see it
HIDDEN = '''
from inspector.replay import projector

FIELD = "".join(("ty", "pe"))
PICKED = {picked}


@projector("*")
def kinds(state, event):
    if PICKED is None or event.version in PICKED:
        state.setdefault("kinds", {{}})[str(event.version)] = getattr(event, FIELD)
    state["total"] = state.get("total", 0) + event.data["amount"]
    return state
'''

OPEN = '''
from inspector.replay import projector


@projector("*")
def kinds(state, event):
    if event.version % 3 == 0:
        state.setdefault("kinds", {})[str(event.version)] = event.type
    return state
'''


def _projector(folder: Path, source: str) -> Any:
    path = folder / "kinds.py"
    path.write_text(source)
    return load_projectors(str(path)).for_stream(STREAM)


def _types(stored: dict[int, Any], versions: Any) -> dict[str, str]:
    return {str(version): stored[version].type for version in versions}


def test_a_projector_reading_types_a_look_at_its_source_misses_gets_every_stored_type(ledger, tmp_path):  # noqa: F811
    store, _writer, _table = ledger
    stored = _stored(store)
    folder = tmp_path / "every"
    folder.mkdir()
    kinds = _projector(folder, HIDDEN.format(picked=None))
    assert kinds.reads_type is False  # the fold leaves the type out where it can
    result = replay(store, STREAM, projectors=kinds, cache=None, use_store_snapshots=False)
    assert result.problem is None and result.events_applied == EVENTS
    assert result.state["kinds"] == _types(stored, range(1, EVENTS + 1))
    assert result.state["total"] == sum(v % 11 for v in range(1, EVENTS + 1))


def test_a_projector_reading_the_type_of_only_some_events_gets_theirs(ledger, tmp_path):  # noqa: F811
    store, _writer, _table = ledger
    stored = _stored(store)
    picked = (1, 2, 700, FOLD_BATCH, FOLD_BATCH + 1, EVENTS - 1, EVENTS)
    kinds = _projector(tmp_path, HIDDEN.format(picked=set(picked)))
    for upto in (None, FOLD_BATCH + 1):
        result = replay(store, STREAM, at=None if upto is None else Moment(version=upto), projectors=kinds,
                        cache=None, use_store_snapshots=False)
        shown = [v for v in picked if upto is None or v <= upto]
        assert result.state["kinds"] == _types(stored, shown), upto
        assert result.last_event == stored[upto or EVENTS]


def test_a_projector_naming_the_type_gets_the_stored_ones(ledger, tmp_path):  # noqa: F811
    store, _writer, _table = ledger
    stored = _stored(store)
    kinds = _projector(tmp_path, OPEN)
    assert kinds.reads_type is True
    result = replay(store, STREAM, projectors=kinds, cache=None, use_store_snapshots=False)
    assert result.state["kinds"] == _types(stored, range(3, EVENTS + 1, 3))


def test_the_generic_projector_s_last_event_and_checkpoints_carry_the_stored_types(ledger, tmp_path):  # noqa: F811
    store, _writer, _table = ledger
    stored = _stored(store)
    assert GENERIC_PROJECTOR.reads_type is False
    cache = SnapshotCache(str(tmp_path / "cache.db"), every=500)
    cold = replay(store, STREAM, projectors=GENERIC_PROJECTOR, cache=cache, use_store_snapshots=False)
    assert cold.last_event == stored[EVENTS] and cold.last_event.type == stored[EVENTS].type
    for version in (FOLD_BATCH + 7, EVENTS):  # from a checkpoint: its events' fingerprints are checked again
        warm = replay(store, STREAM, at=Moment(version=version), projectors=GENERIC_PROJECTOR, cache=cache,
                      use_store_snapshots=False)
        assert warm.snapshot_source == "cache" and warm.last_event == stored[version]
        assert warm.state == {"amount": version % 11, "n": version}
    cache.close()


def test_a_type_rewritten_mid_replay_is_read_as_it_was_when_the_replay_began(ledger, tmp_path):  # noqa: F811
    store, writer, table = ledger
    stored = _stored(store)
    target = FOLD_BATCH + 40  # an event of the second batch, not yet fetched when the change commits
    source = HIDDEN.format(picked={5, target}).replace(
        "    if PICKED is None", "    if event.version == 5:\n        REWRITE(FIELD)\n    if PICKED is None")
    kinds = _projector(tmp_path, source)

    def rewrite(kind: str) -> None:
        with writer.begin() as conn:
            conn.execute(table.update().where(table.c.account == STREAM, table.c.seq == target).values(kind=kind))

    module = __import__("sys").modules[kinds.fn.__module__]
    module.REWRITE = lambda _field: rewrite("Rewritten")
    try:
        result = replay(store, STREAM, projectors=kinds, cache=None, use_store_snapshots=False)
        assert result.state["kinds"] == _types(stored, (5, target))
    finally:
        rewrite(stored[target].type)
    assert json.dumps(_types(_stored(store), (target,))) == json.dumps(_types(stored, (target,)))
