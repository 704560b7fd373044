"""What one event's changes mark in its state (``ChangedPaths``): the changed and added paths
with their change, every path holding one of them, and how many changes there were."""

from __future__ import annotations

from inspector.core.changed_paths import ChangedPaths
from inspector.core.diff import diff_states


def test_added_and_changed_paths_are_marked_with_the_paths_holding_them():
    before = {"owner": {"name": "Ann", "address": {"city": "Oslo"}}, "tags": ["a"], "gone": 1}
    after = {"owner": {"name": "Ann", "address": {"city": "Bergen", "zip": "5003"}}, "tags": ["a", "b"]}
    marked = ChangedPaths.of(diff_states(before, after))

    assert dict(marked.ops) == {"/owner/address/city": "change", "/owner/address/zip": "add", "/tags/1": "add"}
    assert marked.holders == {"/owner", "/owner/address", "/tags"}
    assert marked.count == 4  # the removed field is counted, not marked: it is not in the state
    assert marked.op("/gone") is None and not marked.marks("/gone")
    assert marked.marks("/owner") and marked.op("/owner") is None
    assert not marked.marks("/owner/name") and not marked.marks("")


def test_a_whole_state_replaced_marks_the_root_alone():
    marked = ChangedPaths.of(diff_states({"a": 1}, [1, 2]))
    assert dict(marked.ops) == {"": "change"} and marked.holders == frozenset() and marked.count == 1


def test_150000_sibling_paths_are_marked_with_their_one_holder():
    before = {"prices": {f"p{i:06d}": i for i in range(150_000)}}
    after = {"prices": {f"p{i:06d}": i + 1 for i in range(150_000)}}
    marked = ChangedPaths.of(diff_states(before, after))

    assert len(marked) == marked.count == 150_000
    assert marked.op("/prices/p149999") == "change" and marked.holders == {"/prices"}


def test_a_mapping_of_paths_is_marked_as_given_with_escaped_tokens_kept():
    marked = ChangedPaths.from_ops({"/a~1b/c": "add", "/x/0/y": "change"})
    assert marked.holders == {"/a~1b", "/x", "/x/0"}
    assert marked.count == 2 and marked.op("/a~1b/c") == "add"
