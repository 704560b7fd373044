"""A category filter on a generic table with a ``category`` column selects whole streams: every
event of each stream whose category (its smallest recorded one, its name's where none is
recorded; what ``categories`` counts) is exactly the one asked, never the rows that happen to
carry it. On SQLite, PostgreSQL and MariaDB (where the collation would fold ``Sales`` and
``sales `` into ``sales``). A recorded '' is not a category (its name's is used), and the streams
``categories`` counts under ``(none)`` are the ones ``--category '(none)'`` lists; a category
named ``(none)`` (recorded, or its name's) is not among them but ``\\(none)``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.core.events import category_key
from inspector.stores import open_store

from .category_column import events_table, write_mapping
from .servers import scratch_database

#: (stream, version, recorded category, data)
ROWS = [
    ("order-1", 1, "sales", {"x": 1}),
    ("order-1", 2, "billing", {"b": 2}),   # its category: billing, the smallest
    ("order-2", 1, None, {"a": 1}),
    ("order-2", 2, "sales", {"b": 2}),     # its category: sales
    ("order-3", 1, None, {"a": 3}),        # none recorded: its name's, order
    ("refund-1", 1, "Sales", {"a": 1}),    # apart from sales, though MariaDB's collation folds case
    ("refund-2", 1, "sales ", {"a": 1}),   # and trailing spaces
    ("blank-1", 1, "", {"a": 1}),          # '' is not recorded: its name's, blank
    ("-7", 1, None, {"a": 1}),             # its name's is '': no category
    ("Order-9", 1, "sales", {"c": 9}),     # one stream for MariaDB's collation with order-9,
    ("order-9", 2, None, {"d": 9}),        # yet each has its own (v2: the unique index folds case too)
    ("note-1", 1, "(none)", {"e": 1}),     # a category named (none): not no category, but \(none)
    ("(none)-5", 1, None, {"e": 5}),       # so is its name's
]
CATEGORIES = [("(none)", 1), ("Sales", 1), ("\\(none)", 2), ("billing", 1), ("blank", 1), ("order", 2), ("sales", 2),
              ("sales ", 1)]


def _write(engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    events = events_table(metadata, kind_index=False)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(events.insert(), [
            {"id": n, "stream": stream, "version": version, "type": "Noted", "at": f"2024-03-01T10:00:{n:02d}Z",
             "data": json.dumps(data), "kind": kind}
            for n, (stream, version, kind, data) in enumerate(ROWS, 1)])


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'cat.db'}")
        _write(engine)
        engine.dispose()
        yield str(tmp_path / "cat.db")
        return
    server = request.getfixturevalue("postgres_url" if request.param == "postgresql" else "mysql_url")
    db = scratch_database(server, "catfilter")
    try:
        _write(db.writer)
        yield db.url
    finally:
        db.drop()


@pytest.fixture
def mapping(tmp_path) -> Path:
    return write_mapping(tmp_path)


def _run(capsys, *argv: str) -> tuple[Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out), err


def test_a_category_filter_lists_whole_streams_of_that_category(store_url, mapping, capsys):
    listed, _ = _run(capsys, "streams", store_url, "--mapping", str(mapping), "--category", "sales", "--json")
    assert sorted((s["stream"], s["category"], s["count"], s["first_version"], s["last_version"]) for s in listed) \
        == [("Order-9", "sales", 1, 1, 1), ("order-2", "sales", 2, 1, 2)]


def test_categories_and_the_stream_listing_by_category_agree(store_url, mapping):
    store = open_store(store_url, mapping=str(mapping))
    try:
        assert store.categories() == CATEGORIES
        for category, count in CATEGORIES:
            streams = store.streams(category=category, limit=100)
            assert len(streams) == count, (category, [s.stream for s in streams])
            assert all(category_key(s.category) == category for s in streams), (category, streams)
        assert sorted(s.stream for s in store.streams(category="order", limit=100)) == ["order-3", "order-9"]
        assert [s.stream for s in store.streams(category="(none)", limit=100)] == ["-7"]
        assert [s.stream for s in store.streams(category="\\(none)", limit=100)] == ["(none)-5", "note-1"]
        assert [s.stream for s in store.streams(category="blank", limit=100)] == ["blank-1"]
        assert store.category("order-1") == "billing"
        assert store.category("order-2") == "sales"
        assert store.category("blank-1") == "blank"
    finally:
        store.close()


def test_states_of_a_category_fold_its_streams_from_their_first_event(store_url, mapping, capsys):
    states, err = _run(capsys, "states", store_url, "--mapping", str(mapping), "--category", "sales", "--json")
    assert sorted((m["stream"], m["version"], m["state"]) for m in states["matches"]) \
        == [("Order-9", 1, {"c": 9}), ("order-2", 2, {"a": 1, "b": 2})]
    assert states["events_applied"] == 3
    assert "slice" not in err


def test_the_types_of_a_category_count_every_event_of_its_streams(store_url, mapping, capsys):
    survey, _ = _run(capsys, "types", store_url, "--mapping", str(mapping), "--category", "sales", "--json")
    assert survey["events"] == 3
    (kind,) = survey["types"]
    assert sorted(f["field"] for f in kind["fields"]) == ["a", "b", "c"]
