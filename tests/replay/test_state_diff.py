"""The pure JSON diff: paths are JSON pointers, and only real changes are reported."""

from __future__ import annotations

from inspector.core.diff import diff_states, resolve, split_pointer


def test_added_removed_and_changed_fields_have_their_own_paths():
    before = {"credits": 5, "owner": "ada", "limits": {"daily": 10, "monthly": 100}}
    after = {"credits": -3, "limits": {"daily": 10, "monthly": 50}, "frozen": True}
    changes = {(c.path, c.op, c.before, c.after) for c in diff_states(before, after)}
    assert changes == {
        ("/credits", "change", 5, -3),
        ("/owner", "remove", "ada", None),
        ("/limits/monthly", "change", 100, 50),
        ("/frozen", "add", None, True),
    }


def test_keys_with_slashes_and_tildes_are_escaped_and_resolve_back():
    before = {"a/b": 1, "m~n": {"x": 1}}
    after = {"a/b": 2, "m~n": {"x": 2}}
    paths = [c.path for c in diff_states(before, after)]
    assert paths == ["/a~1b", "/m~0n/x"]
    assert [resolve(after, p) for p in paths] == [2, 2]
    assert split_pointer("/m~0n/x") == ["m~n", "x"]


def test_lists_are_compared_index_by_index():
    changes = [(c.path, c.op) for c in diff_states({"tags": ["a", "b", "c"]}, {"tags": ["a", "x"]})]
    assert changes == [("/tags/1", "change"), ("/tags/2", "remove")]


def test_true_and_one_are_different_values_in_a_state():
    assert [(c.path, c.before, c.after) for c in diff_states({"flag": 1}, {"flag": True})] == [("/flag", 1, True)]
    assert diff_states({"n": 1}, {"n": 1.0}) == []


def test_equal_states_have_no_changes_and_a_replaced_root_is_one_change():
    assert diff_states({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) == []
    [change] = diff_states(3, "three")
    assert (change.path, change.op) == ("", "change")
