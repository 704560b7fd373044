"""Right answers on odd data: JSON-exact diffs, and mapping files whose mistakes are named."""

from __future__ import annotations

import sqlite3

import pytest

from inspector.core.diff import diff_states, resolve, same_value
from inspector.stores import StoreError, open_store


def test_a_nested_change_from_an_integer_to_a_boolean_is_reported():
    [change] = diff_states({"a": [1]}, {"a": [True]})
    assert (change.path, change.op, change.before, change.after) == ("/a/0", "change", 1, True)
    assert not same_value({"a": [1]}, {"a": [True]})
    assert not same_value([0], [False])


def test_an_integer_key_and_a_text_key_with_the_same_text_have_two_paths():
    before = {1: "a", "1": "b"}
    after = {1: "x", "1": "y"}
    changes = {c.path: (c.before, c.after) for c in diff_states(before, after)}
    assert changes == {"/~int:1": ("a", "x"), "/1": ("b", "y")}
    assert resolve(after, "/~int:1") == "x" and resolve(after, "/1") == "y"
    assert [c.path for c in diff_states({2: "a"}, {2: "b"})] == ["/2"]  # no twin: the plain text


def test_a_key_that_changes_from_text_to_an_integer_is_a_removal_and_an_addition_each_side_finds():
    # JSON would write both as "1"; a projector's state keeps them apart, and so does the diff
    before, after = {"1": None}, {1: None}
    changes = [(c.path, c.op) for c in diff_states(before, after)]
    assert changes == [("/~str:1", "remove"), ("/~int:1", "add")]
    missing = object()
    assert resolve(before, "/~str:1", missing) is None and resolve(after, "/~str:1", missing) is missing
    assert resolve(before, "/~int:1", missing) is missing and resolve(after, "/~int:1", missing) is None
    # a text key both sides have keeps its plain path beside an integer twin that goes away
    changes = [(c.path, c.op) for c in diff_states({1: "a", "1": "b"}, {"1": "c"})]
    assert changes == [("/~int:1", "remove"), ("/1", "change")]


def test_two_equal_nan_states_are_no_change():
    nan = float("nan")
    assert diff_states({"x": nan, "y": [nan]}, {"x": float("nan"), "y": [float("nan")]}) == []


def test_states_nested_thousands_of_levels_deep_are_compared():
    deep_a: list = []
    deep_b: list = []
    for _ in range(5000):
        deep_a, deep_b = [deep_a], [deep_b]
    assert diff_states(deep_a, deep_b) == []
    changed: list = [1]
    for _ in range(5000):
        changed = [changed]
    [change] = diff_states(deep_a, changed)
    assert change.path == "/0" * 5001 and change.op == "add" and change.after == 1


@pytest.fixture()
def table(tmp_path):
    path = tmp_path / "audit.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, agg TEXT, seq INTEGER, kind TEXT, body TEXT)")
    conn.execute("INSERT INTO audit VALUES (1, 'order-1', 1, 'Paid', '{}')")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("text, named", [
    ('table = "audit"\ncolumns = "x"\n', "[columns] must be a table"),
    ('table = "audit"\n[columns]\nstream = "agg"\nversion = "seq"\ntype = "kind"\ndata = "body"\nbody = "x"\n',
     "unknown key(s) in [columns]: body"),
    ('table = "audit"\n[columns]\nstream = "agg"\nversion = 3\ntype = "kind"\ndata = "body"\n',
     "columns.version must be a column name"),
    ('table = "audit"\n[columns]\nstream = "agg"\nversion = "seq"\ntype = "kind"\ndata = "body"\n[codec]\n'
     'actor = "column:who"\n', "has no column 'who' (the mapping's codec.actor"),
    ('table = "audit"\n[columns]\nstream = "agg"\nversion = "sequence"\ntype = "kind"\ndata = "body"\n',
     "columns.version = 'sequence'"),
    ('table = "audit"\ncodec = 7\n[columns]\nstream = "agg"\nversion = "seq"\ntype = "kind"\ndata = "body"\n',
     "[codec] must be a table"),
    ("table = [1]\n", "table must be a table name"),
])
def test_a_mapping_mistake_names_the_key_that_is_wrong(table, tmp_path, text, named):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(text)
    with pytest.raises(StoreError) as raised:
        open_store(str(table), mapping=mapping)
    assert named in str(raised.value)


def test_a_binary_file_given_as_a_mapping_is_named_as_not_toml(table, tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_bytes(b"\x00\xff\xfe binary")
    with pytest.raises(StoreError, match="is not a TOML text file"):
        open_store(str(table), mapping=mapping)


def test_one_changed_record_of_a_long_list_is_found_among_the_unchanged_runs():
    records = [{"id": n, "amount": n * 3, "note": "top-up"} for n in range(10_000)]
    changed = [dict(record) for record in records]
    changed[7_777]["amount"] = True  # a boolean where a number was: a change at any depth
    changed[9_999]["note"] = "refund"
    assert [(c.path, c.before, c.after) for c in diff_states({"records": records}, {"records": changed})] == [
        ("/records/7777/amount", 23_331, True), ("/records/9999/note", "top-up", "refund")]
    # runs that differ only in how a number is written are walked, and are no change
    respelt = [dict(record) for record in records]
    respelt[4_321]["amount"] = float(respelt[4_321]["amount"])
    assert diff_states(records, respelt) == []
    # a list that grows keeps its runs: the new items are additions
    assert [(c.path, c.op) for c in diff_states(records, records + [{"id": -1}])] == [("/10000", "add")]
