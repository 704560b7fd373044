"""A user's projector whose payloads a whole-category fold decodes ahead (``states``, ``states
--ever``, ``compare``) gets the same answers as one folded event by event: one that changes its
state in place and returns nothing, one that raises ``SystemExit`` (its stop, at that event, as
``fold`` reports it), one that changes the payload it is handed; on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from inspector.replay import load_projectors
from inspector.replay.category import compare_category, replay_category
from inspector.replay.projectors import FunctionProjector
from inspector.stores import open_store
from tests.stores.servers import writable_target

STREAMS, VERSIONS = 5, 12

IN_PLACE = '''
from inspector.replay import projector

@projector("shelf")
def shelf(state, event):
    data = event.data
    if event.type == "Stocked":
        state["count"] = state.get("count", 0) + data["n"]
    else:
        state["count"] = state.get("count", 0) - data["n"]
    state["last"] = data.get("note")
'''

EXITING = '''
from inspector.replay import projector

@projector("shelf")
def shelf(state, event):
    data = event.data
    if event.stream == "shelf-3" and event.version == 7:
        raise SystemExit(3)
    state["count"] = state.get("count", 0) + data["n"]
    return state
'''

MUTATING = '''
from inspector.replay import projector

@projector("shelf")
def shelf(state, event):
    data = event.data
    state["count"] = state.get("count", 0) + data.pop("n")
    data["note"] = "changed"
    state.setdefault("notes", []).append(data)
    return state
'''


def _rows() -> list[dict[str, Any]]:
    rows, position = [], 0
    for version in range(1, VERSIONS + 1):
        for index in range(1, STREAMS + 1):
            position += 1
            rows.append({"id": position, "name": f"shelf-{index}", "seq": version,
                         "kind": "Taken" if version % 4 == 0 else "Stocked", "created": None, "meta": "{}",
                         "body": json.dumps({"n": version * index, "note": f"v{version}"})})
    return rows


MAPPING = """table = "shelves"
[columns]
position = "id"
stream = "name"
version = "seq"
type = "kind"
recorded_at = "created"
data = "body"
metadata = "meta"
[codec]
data = "json"
metadata = "json"
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def shelves(request, tmp_path_factory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("shelves")
    writer, target, drop = writable_target(request, request.param, folder / "shelves.db", "shelves")
    metadata = sa.MetaData()
    table = sa.Table("shelves", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                     sa.Column("name", sa.String(40), nullable=False), sa.Column("seq", sa.Integer),
                     sa.Column("kind", sa.String(40)), sa.Column("created", sa.String(40)),
                     sa.Column("meta", sa.Text), sa.Column("body", sa.Text))
    sa.Index("shelves_stream", table.c.name, table.c.seq)
    metadata.create_all(writer)
    with writer.begin() as conn:
        conn.execute(table.insert(), _rows())
    mapping = folder / "shelves.toml"
    mapping.write_text(MAPPING)
    store = open_store(target, mapping=mapping)
    yield store
    store.close()
    writer.dispose()
    drop()


class EventByEvent(FunctionProjector):
    """The same function, each event's view made by ``fold`` (no payload decoded ahead)."""

    def fold(self, state: Any, event: Any) -> Any:
        return super().fold(state, event)


def _both(tmp_path: Any, name: str, source: str) -> tuple[FunctionProjector, FunctionProjector]:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    ahead = load_projectors(str(path)).projectors[0]
    assert type(ahead) is FunctionProjector and ahead.reads_data and not ahead.trusted
    plain = EventByEvent(ahead.fn, ahead.patterns, "", ahead.source_path)
    return ahead, plain


def _outcomes(store: Any, projector: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
    run = replay_category(store, projectors=projector, category="shelf", **kwargs)
    return [(o.stream, o.version, o.matched, o.events_applied, o.stopped, o.state) for o in run]


SOURCES = [("in_place", IN_PLACE), ("exiting", EXITING), ("mutating", MUTATING)]


@pytest.mark.parametrize("name,source", SOURCES)
def test_states_of_a_projector_decoded_ahead_are_the_event_by_event_fold_s(shelves, tmp_path, name, source):
    ahead, plain = _both(tmp_path, name, source)
    found = _outcomes(shelves, ahead)
    assert found == _outcomes(shelves, plain)
    assert len(found) == STREAMS and all(outcome[3] for outcome in found)
    stopped = {outcome[0]: outcome[4] for outcome in found if outcome[4] is not None}
    if name == "exiting":
        assert list(stopped) == ["shelf-3"] and stopped["shelf-3"].version == 7
        assert "SystemExit" in stopped["shelf-3"].error
    else:
        assert not stopped


@pytest.mark.parametrize("name,source", SOURCES)
def test_states_ever_of_a_projector_decoded_ahead_finds_the_event_by_event_fold_s_versions(shelves, tmp_path, name,
                                                                                          source):
    ahead, plain = _both(tmp_path, name, source)
    expression = 'state["count"] > 100'
    found = _outcomes(shelves, ahead, where=expression, ever=True)
    assert found == _outcomes(shelves, plain, where=expression, ever=True)
    assert any(outcome[2] for outcome in found) and not all(outcome[2] for outcome in found)


@pytest.mark.parametrize("old_name,old_source,new_name,new_source", [
    ("in_place", IN_PLACE, "exiting", EXITING), ("exiting", EXITING, "mutating", MUTATING),
    ("mutating", MUTATING, "in_place", IN_PLACE)])
def test_compare_of_projectors_decoded_ahead_is_the_event_by_event_compare(shelves, tmp_path, old_name, old_source,
                                                                            new_name, new_source):
    old_ahead, old_plain = _both(tmp_path, old_name, old_source)
    new_ahead, new_plain = _both(tmp_path, new_name, new_source)

    def differences(old: Any, new: Any) -> list[Any]:
        run = compare_category(shelves, old=old, new=new, category="shelf")
        return [(d.stream, d.version, d.differs, d.events_applied, d.old_stopped, d.new_stopped,
                 [repr(change) for change in d.changes]) for d in run]

    found = differences(old_ahead, new_ahead)
    assert found == differences(old_plain, new_plain)
    assert len(found) == STREAMS and all(item[2] for item in found)
