"""Slices (JSON Lines and SQLite) of a store whose categories are not told by stream names (the
eventsourcing library's aggregate class, from the topic) list their streams under the categories
the source listed: a slice records each such stream's category, and reading it back (in the CLI,
and through the store the window opens) takes the recorded one, not the text before the UUID's
first '-'. Tested on a store the library wrote."""

from __future__ import annotations

import json
import sqlite3

import pytest

from inspector.cli import main
from inspector.stores import open_store

from .shop import Job, Shop, Wallet


@pytest.fixture(scope="module")
def library_store(tmp_path_factory):
    """Two wallets and a job, written by the library on SQLite (stream names are bare UUIDs)."""
    path = tmp_path_factory.mktemp("categories") / "market.db"
    app = Shop(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    ada, bob = Wallet("ada", actor="ada"), Wallet("bob", actor="bob")
    ada.grant(5, actor="ada")
    job = Job("fix the roof", 300, actor="ada")
    job.assign("bob", actor="ada")
    app.save(ada, bob, job)
    app.close()
    return path, {"Wallet": sorted([str(ada.id), str(bob.id)]), "Job": [str(job.id)]}


def _export(source, target, fmt: str, capsys, *extra: str) -> None:
    assert main(["export", str(source), "--format", fmt, "-o", str(target), *extra]) == 0
    capsys.readouterr()


def _listed(capsys, target, *extra: str) -> dict[str, str]:
    assert main(["streams", str(target), "--json", *extra]) == 0
    return {s["stream"]: s["category"] for s in json.loads(capsys.readouterr().out)}


@pytest.mark.parametrize("fmt, name", [("jsonl", "slice.jsonl"), ("sqlite", "slice.db")])
def test_a_slice_lists_its_streams_under_the_source_s_categories(library_store, tmp_path, capsys, fmt, name):
    source, streams = library_store
    on_source = _listed(capsys, source)
    assert on_source == {s: c for c, names in streams.items() for s in names}
    target = tmp_path / name
    _export(source, target, fmt, capsys)

    assert _listed(capsys, target) == on_source
    assert list(_listed(capsys, target, "--category", "Wallet")) == streams["Wallet"]
    store = open_store(str(target))  # what the window opens
    try:
        assert dict(store.categories()) == {"Job": 1, "Wallet": 2}
        assert store.category(streams["Job"][0]) == "Job"
        assert [s.stream for s in store.streams(category="Job")] == streams["Job"]
    finally:
        store.close()


@pytest.mark.parametrize("fmt, name", [("jsonl", "slice.jsonl"), ("sqlite", "slice.db")])
def test_states_of_a_category_read_the_slice_as_they_read_the_store(library_store, tmp_path, capsys, fmt, name):
    source, streams = library_store
    target = tmp_path / name
    _export(source, target, fmt, capsys)

    assert main(["states", str(source), "--category", "Wallet", "--json"]) == 0
    on_source = json.loads(capsys.readouterr().out)
    assert main(["states", str(target), "--category", "Wallet", "--json"]) == 0
    on_slice = json.loads(capsys.readouterr().out)

    assert sorted(m["stream"] for m in on_slice["matches"]) == streams["Wallet"]
    assert on_slice["matches"] == on_source["matches"]


def test_a_slice_of_a_slice_keeps_the_categories(library_store, tmp_path, capsys):
    source, streams = library_store
    first, second = tmp_path / "first.jsonl", tmp_path / "second.db"
    _export(source, first, "jsonl", capsys)
    _export(first, second, "sqlite", capsys, "--stream", streams["Job"][0])

    assert _listed(capsys, second) == {streams["Job"][0]: "Job"}


def test_a_slice_records_only_categories_its_names_do_not_tell(demo_store_path, tmp_path, capsys):
    target = tmp_path / "demo-slice.db"
    _export(demo_store_path, target, "sqlite", capsys)

    conn = sqlite3.connect(target)
    try:
        assert conn.execute("SELECT count(*) FROM events WHERE category IS NOT NULL").fetchone() == (0,)
    finally:
        conn.close()
    assert _listed(capsys, target) == _listed(capsys, demo_store_path)


@pytest.mark.parametrize("fmt, name", [("jsonl", "slice.jsonl"), ("sqlite", "slice.db")])
def test_types_of_a_category_read_the_slice_as_they_read_the_store(library_store, tmp_path, capsys, fmt, name):
    source, _streams = library_store
    target = tmp_path / name
    _export(source, target, fmt, capsys)

    def types_of(store_path) -> dict[str, int]:
        assert main(["types", str(store_path), "--category", "Wallet", "--json"]) == 0
        return {t["type"]: t["count"] for t in json.loads(capsys.readouterr().out)["types"]}

    on_source = types_of(source)
    assert on_source and sum(on_source.values()) > 0
    assert types_of(target) == on_source
