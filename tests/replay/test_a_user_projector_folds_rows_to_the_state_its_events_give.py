"""A user's ``@projector`` function is folded over a stream's rows page by page, with no event made
per row (a view of each row: its payload decoded ahead where the projector's source reads
``data``, its type read with the row where it reads types, every other field read when asked).
Its states are the ones the event-by-event fold gives (a projector of another class takes that
path) at every version asked, with the cache and without: payloads that are not objects, not JSON,
NULL, NaN, 1e400, exact big numbers; two rows claiming one version (named in the warnings);
positions that may be NULL; a projector that changes the payload it is given (its own copy); one
that reads time, metadata, actor, problem and type; one that never reads the payload; one that
raises (the state just before that event); a replay cancelled part way. A generic table on SQLite,
PostgreSQL and MariaDB, over several of the fold's batches."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from inspector.core.cancel import CancelToken, Cancelled
from inspector.core.events import Moment
from inspector.replay import SnapshotCache, load_projectors, replay
from inspector.replay.projectors import FunctionProjector
from inspector.stores import open_store
from inspector.stores.sql import FOLD_BATCH

from tests.stores.servers import writable_target

STREAM = "till-3"
EVENTS = 2 * FOLD_BATCH + 77
#: payloads that are not plain small objects, at these versions
ODD = {
    3: '[1, 2, 3]',
    7: '{"x": NaN, "n": 7}',
    8: 'not json at all',
    9: None,
    10: '{"big": 123456789012345678901234567890, "tiny": 0.1000000000000000055511151231257827}',
    11: '{"huge": 1e400}',
    FOLD_BATCH + 5: json.dumps({"long": "x" * 400, "n": FOLD_BATCH + 5, "nested": {"a": [1, {"b": 2}]}}),
    FOLD_BATCH + 6: '"just text"',
    FOLD_BATCH + 9: '{"n": 1.50}',
}
#: versions two rows claim: one inside a page, one on a page's edge
TWICE = (12, FOLD_BATCH, FOLD_BATCH + 20)

EVERYTHING = '''
from inspector.replay import projector


@projector("till")
def everything(state, event):
    data = event.data
    seen = [event.version, event.position, event.stream, event.type, event.problem, event.actor,
            None if event.recorded_at is None else event.recorded_at.isoformat(),
            sorted(event.metadata), data if not isinstance(data, dict) else sorted(data.items(), key=str)]
    state.setdefault("seen", []).append(repr(seen))
    if isinstance(data, dict):
        data["changed"] = True  # its own copy: the next replay, and the event shown, keep the stored one
        state["last"] = data
    return state
'''

#: reads the payload, never the event's kind (its source names no such attribute)
AMOUNTS = '''
from decimal import Decimal

from inspector.replay import projector


@projector("till")
def amounts(state, event):
    data = event.data
    if isinstance(data, dict):
        n = data.get("n")
        if isinstance(n, (int, float, Decimal)) and n == n:
            state["total"] = state.get("total", 0) + n
        state["count"] = state.get("count", 0) + 1
    return state
'''

#: never reads the payload: counts events by kind
KINDS = '''
from inspector.replay import projector


@projector("till")
def kinds(state, event):
    state[event.type] = state.get(event.type, 0) + 1
    state["versions"] = state.get("versions", 0) + event.version
'''

RAISES = '''
from inspector.replay import projector


@projector("till")
def raises(state, event):
    if event.version == {version}:
        {statement}
    state["n"] = state.get("n", 0) + event.data.get("n", 0) if isinstance(event.data, dict) else state.get("n", 0)
    return state
'''


def _body(version: int) -> str | None:
    if version in ODD:
        return ODD[version]
    return json.dumps({"n": version, f"k{version % 5}": version % 7, "total": version * 3})


def _rows(null_positions: bool) -> list[dict[str, Any]]:
    rows, position = [], 0
    for version in range(1, EVENTS + 1):
        for claim in range(2 if version in TWICE else 1):
            position += 1
            rows.append({"id": None if null_positions and version % 3 == 0 else position, "account": STREAM,
                         "seq": version, "kind": f"Moved{version % 4}",
                         "created": None if version % 50 == 0 else
                         f"2031-02-03T04:{(position // 60) % 60:02d}:{position % 60:02d}Z",
                         "meta": json.dumps({"actor": f"user{version % 3}", "n": version}),
                         "body": _body(version) if not claim else json.dumps({"n": -version, "again": True})})
        if version % 9 == 0:  # another stream's rows between this one's
            position += 1
            rows.append({"id": position, "account": "till-4", "seq": version, "kind": "Other", "created": None,
                         "meta": None, "body": json.dumps({"n": 0})})
    return rows


MAPPING = """table = "till"
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
metadata = "json"
time = "auto"
"""


@pytest.fixture(scope="module", params=[(engine, nulls) for engine in ("sqlite", "postgresql", "mysql")
                                        for nulls in (False, True)],
                ids=lambda p: f"{p[0]}-{'null-positions' if p[1] else 'keyed'}")
def till(request, tmp_path_factory) -> Iterator[Any]:
    engine, nulls = request.param
    folder = tmp_path_factory.mktemp("userpages")
    writer, target, drop = writable_target(request, engine, folder / "till.db", "userpages")
    metadata = sa.MetaData()
    position = (sa.Column("id", sa.Integer, nullable=True) if nulls
                else sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    table = sa.Table("till", metadata, position, sa.Column("account", sa.String(40), nullable=False),
                     sa.Column("seq", sa.Integer), sa.Column("kind", sa.String(40)),
                     sa.Column("created", sa.String(40)), sa.Column("meta", sa.Text), sa.Column("body", sa.Text))
    sa.Index("till_stream", table.c.account, table.c.seq)
    metadata.create_all(writer)
    with writer.begin() as conn:
        conn.execute(table.insert(), _rows(nulls))
    mapping = folder / "till.toml"
    mapping.write_text(MAPPING)
    store = open_store(target, mapping=mapping)
    yield store
    store.close()
    writer.dispose()
    drop()


class EventByEvent(FunctionProjector):
    """The same function folded event by event (``_run_once``'s loop over ``read_for_replay``):
    the row fold is only for ``FunctionProjector`` itself."""


def _projectors(tmp_path: Any, name: str, source: str) -> tuple[FunctionProjector, FunctionProjector]:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    rows = load_projectors(str(path)).projectors[0]
    assert type(rows) is FunctionProjector and not rows.trusted
    events = EventByEvent(rows.fn, rows.patterns, "", rows.source_path)
    events.code_hash = rows.code_hash + "-events"
    return rows, events


def _same(a: Any, b: Any) -> None:
    assert a.problem == b.problem
    assert a.stopped == b.stopped
    assert a.version == b.version and a.events_applied == b.events_applied
    assert a.warnings == b.warnings
    assert repr(a.raw_state) == repr(b.raw_state)  # exact numbers, NaN and key order alike
    assert a.last_event == b.last_event


UPTOS = [None, 9, 12, FOLD_BATCH, FOLD_BATCH + 5, FOLD_BATCH + 20, EVENTS - 1]


@pytest.mark.parametrize("name,source", [("everything", EVERYTHING), ("amounts", AMOUNTS), ("kinds", KINDS)])
def test_a_user_projector_s_states_are_the_event_by_event_fold_s(till, tmp_path, name, source):
    rows, events = _projectors(tmp_path, name, source)
    assert (rows.reads_data, rows.reads_type) == {"everything": (True, True), "amounts": (True, False),
                                                  "kinds": (False, True)}[name]
    for upto in UPTOS:
        at = None if upto is None else Moment(version=upto)
        folded = replay(till, STREAM, at=at, projectors=rows, cache=None, use_store_snapshots=False)
        expected = replay(till, STREAM, at=at, projectors=events, cache=None, use_store_snapshots=False)
        assert folded.problem is None and folded.stopped is None, upto
        _same(folded, expected)
    if name == "everything":  # the payloads it changed are its own: the events shown keep the stored ones
        stored = {event.version: event for event in till.read_stream(STREAM)}
        assert folded.last_event == stored[EVENTS - 1]
        assert "changed" not in stored[EVENTS - 1].data and folded.raw_state["last"]["changed"] is True
        assert any("v12 is claimed by two events" in warning for warning in folded.warnings)
        assert any(f"v{FOLD_BATCH} is claimed by two events" in warning for warning in folded.warnings)


def test_a_user_projector_s_states_with_the_cache_are_the_event_by_event_fold_s(till, tmp_path):
    rows, events = _projectors(tmp_path, "amounts", AMOUNTS)
    cache = SnapshotCache(str(tmp_path / "cache.db"), every=500)
    try:
        cold = replay(till, STREAM, projectors=rows, cache=cache, use_store_snapshots=False)
        _same(cold, replay(till, STREAM, projectors=events, cache=None, use_store_snapshots=False))
        for upto in (11, 501, FOLD_BATCH + 9, EVENTS):
            warm = replay(till, STREAM, at=Moment(version=upto), projectors=rows, cache=cache, use_store_snapshots=False)
            expected = replay(till, STREAM, at=Moment(version=upto), projectors=events, cache=None,
                              use_store_snapshots=False)
            assert warm.state == expected.state and warm.last_event == expected.last_event, upto
            assert warm.warnings == expected.warnings, upto
    finally:
        cache.close()


@pytest.mark.parametrize("version,statement,error", [
    (5, "raise ValueError('bad till')", "ValueError: bad till"),
    (FOLD_BATCH + 21, "raise SystemExit(3)", "SystemExit(3)"),
])
def test_a_user_projector_that_raises_stops_at_that_event_with_the_state_before_it(till, tmp_path, version,
                                                                                    statement, error):
    rows, events = _projectors(tmp_path, "raises", RAISES.format(version=version, statement=statement))
    folded = replay(till, STREAM, projectors=rows, cache=None, use_store_snapshots=False)
    assert folded.stopped is not None and folded.stopped.version == version and folded.stopped.error == error
    _same(folded, replay(till, STREAM, projectors=events, cache=None, use_store_snapshots=False))
    before = replay(till, STREAM, at=Moment(version=version - 1), projectors=rows, cache=None,
                    use_store_snapshots=False)
    assert folded.raw_state == before.raw_state and folded.version == version - 1


@pytest.mark.parametrize("kind", [FunctionProjector, EventByEvent], ids=["rows", "events"])
def test_a_cancelled_user_projector_replay_stops_within_a_few_hundred_events(till, kind):
    token = CancelToken()
    seen: list[int] = []

    def counting(state: Any, event: Any) -> Any:
        seen.append(event.version)
        if len(seen) == 700:
            token.cancel()
        return state

    projector = kind(counting, ("till",), "counting", None)
    with pytest.raises(Cancelled):
        replay(till, STREAM, projectors=projector, cache=None, use_store_snapshots=False, cancel=token)
    assert 700 <= len(seen) < 700 + 300
