"""A replay fetches, for every event, only what a fold reads (position, version, type, payload);
an event's other fields (time, metadata, actor) are read when a projector or the replay's result
asks for them. They are exactly the stored values: for a projector that reads them of every event,
of a few events, of events in a later batch, and for the replay's last event; and they are those of
the history the replay folded even when another session rewrites an event while the replay runs.
A generic table on SQLite, PostgreSQL and MariaDB, with the actor in a column of its own, and on
MariaDB without one too (MariaDB's fold reads keyset pages in one consistent snapshot, so the
connection is free for the other fields between pages)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from inspector.core.events import Moment
from inspector.replay import replay
from inspector.replay.projectors import FunctionProjector
from inspector.stores import open_store
from inspector.stores.sql import FOLD_BATCH

from tests.stores.servers import writable_target

STREAM = "ledger-7"
EVENTS = 2 * FOLD_BATCH + 321  # three batches of the fold's read
START = datetime(2030, 5, 1, 8, 0, tzinfo=timezone.utc)
MAPPING = """table = "ledger"
[columns]
position = "id"
stream = "account"
version = "seq"
type = "kind"
recorded_at = "created"
data = "body"
metadata = "meta"
[codec]
data = "json"
time = "auto"
actor = "column:who"
"""


def _row(position: int, stream: str, version: int) -> dict[str, Any]:
    return {"id": position, "account": stream, "seq": version, "kind": f"Posted{version % 3}",
            "created": (START + timedelta(seconds=7 * position)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body": json.dumps({"amount": version % 11, "n": version}),
            "meta": json.dumps({"correlation": f"c{version}", "via": ["api", version % 5]}),
            "who": f"clerk{version % 13}"}


def _rows() -> list[dict[str, Any]]:
    rows, position = [], 0
    for version in range(1, EVENTS + 1):  # another stream's events between this one's
        for stream in (STREAM, "ledger-8") if version % 7 == 0 else (STREAM,):
            position += 1
            rows.append(_row(position, stream, version))
    return rows


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql", "mysql, actor in the metadata"])
def ledger(request, tmp_path_factory) -> Iterator[tuple[Any, sa.Engine, sa.Table]]:
    """(the store, a writable engine on it, the table) of a generic table with an actor column
    (or, in the last case, a mapping that reads the actor from the metadata, which holds none)."""
    folder = tmp_path_factory.mktemp("otherfields")
    engine = request.param.split(",")[0]
    writer, target, drop = writable_target(request, engine, folder / "ledger.db", "otherfields")
    metadata = sa.MetaData()
    table = sa.Table("ledger", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("account", sa.String(40), nullable=False), sa.Column("seq", sa.Integer),
                     sa.Column("kind", sa.String(40)), sa.Column("created", sa.String(40)),
                     sa.Column("body", sa.Text), sa.Column("meta", sa.Text), sa.Column("who", sa.String(40)))
    sa.Index("ledger_stream", table.c.account, table.c.seq)
    metadata.create_all(writer)
    with writer.begin() as conn:
        if engine == "sqlite":
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")  # a writer beside the replay's read
        conn.execute(table.insert(), _rows())
    mapping = folder / "ledger.toml"
    mapping.write_text(MAPPING if engine == request.param else MAPPING.replace('actor = "column:who"\n', ""))
    store = open_store(target, mapping=mapping)
    yield store, writer, table
    store.close()
    writer.dispose()
    drop()


def _stored(store: Any) -> dict[int, Any]:
    """The stream's events as a full read gives them, by version."""
    return {event.version: event for event in store.read_stream(STREAM)}


def _recording(read: Any, seen: list[tuple]) -> FunctionProjector:
    """A projector summing amounts that records (version, time, metadata, actor) of the events ``read(version)`` picks."""
    def fold(state: Any, event: Any) -> Any:
        if read(event.version):
            seen.append((event.version, event.recorded_at, event.metadata, event.actor))
        state["total"] = state.get("total", 0) + event.data["amount"]
        return state

    return FunctionProjector(fold, ("*",), f"recording {id(seen)}", None)


def _expected(stored: dict[int, Any], versions: Any) -> list[tuple]:
    return [(v, stored[v].recorded_at, stored[v].metadata, stored[v].actor) for v in versions]


def test_a_projector_reading_every_event_s_time_metadata_and_actor_gets_the_stored_ones(ledger):
    store, _writer, _table = ledger
    assert store._short_fold()[1] == ["position", "version", "type", "data"]  # the others left out, every engine
    stored = _stored(store)
    seen: list[tuple] = []
    result = replay(store, STREAM, projectors=_recording(lambda version: True, seen), cache=None,
                    use_store_snapshots=False)
    assert result.problem is None and result.events_applied == EVENTS
    assert seen == _expected(stored, range(1, EVENTS + 1))
    actor = "clerk8" if store.layout._actor_column is not None else None
    assert seen[20][3] == actor and seen[20][2] == {"correlation": "c21", "via": ["api", 1],
                                                    **({"actor": actor} if actor else {})}


def test_a_projector_reading_them_of_a_few_events_gets_the_stored_ones(ledger):
    store, _writer, _table = ledger
    stored = _stored(store)
    picked = (1, 2, 700, FOLD_BATCH, FOLD_BATCH + 1, EVENTS - 1)
    seen: list[tuple] = []
    result = replay(store, STREAM, projectors=_recording(picked.__contains__, seen), cache=None,
                    use_store_snapshots=False)
    assert result.events_applied == EVENTS
    assert seen == _expected(stored, picked)
    assert result.state["total"] == sum(v % 11 for v in range(1, EVENTS + 1))


def test_the_replay_s_last_event_has_its_stored_fields(ledger):
    store, _writer, _table = ledger
    stored = _stored(store)
    for upto in (None, FOLD_BATCH, FOLD_BATCH + 1, EVENTS - 5):
        result = replay(store, STREAM, at=Moment(version=upto) if upto is not None else None,
                        projectors=_recording(lambda version: False, []), cache=None, use_store_snapshots=False)
        last = stored[EVENTS if upto is None else upto]
        assert result.last_event == last, upto
        assert result.recorded_at == last.recorded_at
        assert last.actor == (f"clerk{last.version % 13}" if store.layout._actor_column is not None else None)


def test_the_fields_read_mid_replay_are_those_of_the_history_folded(ledger):
    """Another session rewrites events' metadata and actor while the replay runs: an event of a
    batch not yet fetched, and the last event once the read has fetched its last row. The
    projector and the replay's result still show them as they were when the replay began, as
    the payloads folded are."""
    store, writer, table = ledger
    stored = _stored(store)
    target = FOLD_BATCH + 40  # an event of the second batch, not yet fetched when the change commits
    rewrites = {5: target, EVENTS - 10: EVENTS}  # at this version, rewrite that one

    def rewrite(version: int, meta: str, who: str) -> None:
        with writer.begin() as conn:
            conn.execute(table.update().where(table.c.account == STREAM, table.c.seq == version)
                         .values(meta=meta, who=who))

    def read(version: int) -> bool:
        if version in rewrites:
            rewrite(rewrites[version], json.dumps({"rewritten": True}), "someone else")
        return version in (5, target)

    seen: list[tuple] = []
    try:
        result = replay(store, STREAM, projectors=_recording(read, seen), cache=None, use_store_snapshots=False)
        assert result.events_applied == EVENTS
        assert seen == _expected(stored, (5, target))
        assert result.last_event == stored[EVENTS]
    finally:
        for version in rewrites.values():
            rewrite(version, _row(0, STREAM, version)["meta"], _row(0, STREAM, version)["who"])
    now = _stored(store)
    assert now[target] == stored[target] and now[EVENTS] == stored[EVENTS]
