"""The generic projector folds a stream's rows page by page without an event per row; its state is
the one a fold of the stream's events as ``events`` shows them gives: every top-level field's last
value, payloads that are not objects (arrays, text that is not JSON, NULL, NaN, numbers beyond a
double) changing nothing or what their decoded value says, exact numbers kept exact, two events
claiming one version both applied and named, long payloads and short ones, at every version asked,
with the snapshot cache and without; the replay's last event is the stored one. A generic table on
SQLite, PostgreSQL and MariaDB, over several of the fold's batches."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from inspector.core.events import Moment
from inspector.replay import GENERIC_PROJECTOR, SnapshotCache, replay
from inspector.stores import open_store
from inspector.stores.sql import FOLD_BATCH

from tests.stores.servers import writable_target

STREAM = "till-3"
EVENTS = 2 * FOLD_BATCH + 77
MAPPING = """table = "till"
[columns]
position = "id"
stream = "account"
version = "seq"
type = "kind"
recorded_at = "created"
data = "body"
[codec]
data = "json"
time = "auto"
"""
#: payloads that are not plain small objects, at these versions (one batch of the fold has none)
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
TWICE = (12, FOLD_BATCH + 20)  # versions two events claim


def _body(version: int) -> str | None:
    if version in ODD:
        return ODD[version]
    return json.dumps({"n": version, f"k{version % 5}": version % 7, "total": version * 3})


def _rows() -> list[dict[str, Any]]:
    rows, position = [], 0
    for version in range(1, EVENTS + 1):
        for _claim in range(2 if version in TWICE else 1):
            position += 1
            rows.append({"id": position, "account": STREAM, "seq": version, "kind": f"Moved{version % 4}",
                         "created": f"2031-02-03T04:{(position // 60) % 60:02d}:{position % 60:02d}Z",
                         "body": _body(version) if not _claim else json.dumps({"n": -version, "again": True})})
        if version % 9 == 0:  # another stream's rows between this one's
            position += 1
            rows.append({"id": position, "account": "till-4", "seq": version, "kind": "Other", "created": None,
                         "body": json.dumps({"n": 0})})
    return rows


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def till(request, tmp_path_factory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("genericpages")
    writer, target, drop = writable_target(request, request.param, folder / "till.db", "genericpages")
    metadata = sa.MetaData()
    table = sa.Table("till", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("account", sa.String(40), nullable=False), sa.Column("seq", sa.Integer),
                     sa.Column("kind", sa.String(40)), sa.Column("created", sa.String(40)),
                     sa.Column("body", sa.Text))
    sa.Index("till_stream", table.c.account, table.c.seq)
    metadata.create_all(writer)
    with writer.begin() as conn:
        conn.execute(table.insert(), _rows())
    mapping = folder / "till.toml"
    mapping.write_text(MAPPING)
    store = open_store(target, mapping=mapping)
    yield store
    store.close()
    writer.dispose()
    drop()


def _by_hand(store: Any, upto: int | None) -> tuple[dict[str, Any], Any]:
    """The generic projector's state folded over the events as a full read gives them, and the last one."""
    state: dict[str, Any] = {}
    last = None
    for event in store.read_stream(STREAM, to_version=upto):
        if event.version is None:
            continue
        if type(event.data) is dict:
            state.update(event.data)
        last = event
    return state, last


@pytest.mark.parametrize("upto", [None, 9, 12, FOLD_BATCH + 5, FOLD_BATCH + 20, EVENTS - 1])
def test_the_generic_fold_gives_the_state_of_the_stream_s_events(till, upto):
    expected, last = _by_hand(till, upto)
    result = replay(till, STREAM, at=None if upto is None else Moment(version=upto), projectors=GENERIC_PROJECTOR,
                    cache=None, use_store_snapshots=False)
    assert result.problem is None
    assert result.state == expected and result.raw_state == expected
    assert result.last_event == last and result.version == (upto or EVENTS)
    assert result.events_applied == (upto or EVENTS) + sum(1 for v in TWICE if upto is None or v <= upto)


def test_exact_numbers_and_two_events_of_one_version_are_kept_and_named(till):
    result = replay(till, STREAM, at=Moment(version=FOLD_BATCH + 21), projectors=GENERIC_PROJECTOR, cache=None,
                    use_store_snapshots=False)
    assert type(result.raw_state["big"]) is int and result.raw_state["big"] == 123456789012345678901234567890
    assert str(result.raw_state["n"]) == str(_by_hand(till, FOLD_BATCH + 21)[0]["n"])
    assert result.raw_state["again"] is True
    assert any("v12 is claimed by two events" in warning for warning in result.warnings)
    assert any(f"v{FOLD_BATCH + 20} is claimed by two events" in warning for warning in result.warnings)


def test_the_generic_fold_with_the_cache_gives_the_same_states(till, tmp_path):
    """(Checkpoints read back are tested on a stream without duplicates in the event types tests.)"""
    cache = SnapshotCache(str(tmp_path / "cache.db"), every=500)
    try:
        cold = replay(till, STREAM, projectors=GENERIC_PROJECTOR, cache=cache, use_store_snapshots=False)
        assert cold.state == _by_hand(till, None)[0]
        for upto in (501, FOLD_BATCH + 9, EVENTS):
            expected, last = _by_hand(till, upto)
            warm = replay(till, STREAM, at=Moment(version=upto), projectors=GENERIC_PROJECTOR, cache=cache,
                          use_store_snapshots=False)
            assert warm.snapshot_source is None, upto  # no checkpoint past a version two events claim
            assert warm.state == expected and warm.last_event == last, upto
    finally:
        cache.close()
