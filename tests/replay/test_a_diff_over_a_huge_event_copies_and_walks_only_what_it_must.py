"""A diff (and ``changed``) over an event with a huge payload does no avoidable work on it:
a big list or object the same on both sides is compared whole at C speed, not item by item,
and the value the last event of the span changed is not copied (a copy only keeps a later
event's in-place change from reaching what blame compares with). The answers are the ones a
walk gives: ``true`` is not ``1``, NaN is not null, ``1`` is ``1.0``, at any depth."""

from __future__ import annotations

import math

import pytest

from inspector.core import diff as diff_module
from inspector.core import jsontext
from inspector.core.diff import diff_states
from inspector.core.events import Moment
from inspector.replay.engine import diff
from inspector.stores import open_store

from .conftest import write_generic_store

ITEMS = [{"id": i, "name": f"item {i}", "tags": ["a", "b"]} for i in range(5_000)]


@pytest.fixture()
def frames(monkeypatch) -> list[str]:
    """The paths the diff walk visits, one frame each."""
    seen: list[str] = []
    walk_one = diff_module._frame

    def counted(path, before, after):
        seen.append(path)
        return walk_one(path, before, after)
    monkeypatch.setattr(diff_module, "_frame", counted)
    return seen


def test_a_big_list_the_same_on_both_sides_is_compared_whole(frames):
    before = {"items": [dict(item) for item in ITEMS], "count": 5_000}
    after = {"items": [dict(item) for item in ITEMS], "count": 5_000, "ok": True}  # equal, not the same objects
    assert [(c.path, c.op) for c in diff_states(before, after)] == [("/ok", "add")]
    assert frames == ["", "/items"]  # not 5,000 items and their tags


@pytest.mark.parametrize("old, new, changed", [
    (1, True, True),           # true is not 1
    (0, False, True),
    (math.nan, None, True),    # NaN is not null
    (1, 1.0, False),           # the same JSON number
    (2**70, 2**70 + 1, True),  # beyond 64 bits
])
def test_what_a_whole_comparison_cannot_tell_is_walked(old, new, changed):
    before = {"items": [dict(item) for item in ITEMS]}
    after = {"items": [dict(item) for item in ITEMS]}
    before["items"][4_321]["value"] = old
    after["items"][4_321]["value"] = new
    found = [(c.path, c.op) for c in diff_states(before, after)]
    assert found == ([("/items/4321/value", "change")] if changed else [])


def test_the_value_the_last_event_changed_is_not_copied(tmp_path, monkeypatch):
    path = write_generic_store(tmp_path / "big.db", {"import-1": [
        ("ImportStarted", {"file": "a.csv"}),
        ("ItemsImported", {"items": ITEMS, "count": len(ITEMS)}),
    ]})
    copies: list[int] = []
    copy = jsontext.exact_copy

    def counted(value):
        copies.append(len(value))
        return copy(value)
    monkeypatch.setattr(jsontext, "exact_copy", counted)
    store = open_store(str(path))
    try:
        result = diff(store, "import-1", Moment(version=1), Moment(version=2))
    finally:
        store.close()
    assert sorted(c.path for c in result.changes) == ["/count", "/items"]
    assert [[e.version for e in c.events] for c in result.changes] == [[2], [2]]
    assert copies == []  # v2 is the last event of the span: nothing after it can change its items


def test_a_value_changed_in_place_by_a_later_event_is_blamed_on_both(tmp_path):
    """The copy is still made when another event follows: an in-place change of the same list by
    the next event is blamed on that event too."""
    path = write_generic_store(tmp_path / "two.db", {"cart-1": [
        ("Opened", {"lines": []}),
        ("Added", {"lines": [1]}),
        ("Added", {"lines": [1, 2]}),
    ]})
    from inspector.replay.projectors import Projector, ProjectorSet

    class Appending(Projector):
        name = "appending"
        patterns = ("*",)
        trusted = True

        def fold(self, state, event):
            lines = state.setdefault("lines", [])
            if event.data["lines"]:
                lines.append(event.data["lines"][-1])  # the same list, changed in place
            return state
    store = open_store(str(path))
    try:
        result = diff(store, "cart-1", Moment(version=1), Moment(version=3), projectors=ProjectorSet([Appending()]))
    finally:
        store.close()
    assert [(c.path, c.op, c.after) for c in result.changes] == [("/lines/0", "add", 1), ("/lines/1", "add", 2)]
    blamed = {c.path: [e.version for e in c.events] for c in result.changes}
    assert blamed == {"/lines/0": [2], "/lines/1": [3]}
