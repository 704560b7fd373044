"""On a generic table with a ``category`` column, a stream's category is its smallest recorded
one by bytes (its name's where none is recorded) and a category filter compares it exactly, so
one store reads alike on SQLite, PostgreSQL and MariaDB, whatever the column's collation:
categories that differ only in case, accents or trailing spaces stay apart (MariaDB's collation,
SQLite's NOCASE and a case-insensitive PostgreSQL one fold them, and MIN under them gives
whichever came first), a single space is a category (MariaDB's PAD SPACE takes ``' '`` for
``''``), and only NULL and ``''`` leave a stream to its name's category."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.stores import open_store

from .category_column import events_table, write_mapping
from .servers import scratch_database


#: stream -> the category its rows record, in the order written (versions 1, 2, ...)
STREAMS: dict[str, list[str | None]] = {
    "mix-1": ["order", "ORDER"],        # ORDER: 'O' is a smaller byte than 'o'
    "mix-3": ["order", None, "ORDER"],  # ORDER, though order was written first
    "mix-2": ["ördér", "order"],        # order: 'o' is smaller than 'ö'
    "mix-4": ["order ", "order"],       # order: smaller than itself with a trailing space
    "mix-5": ["b", "B"],                # B
    "acc-1": ["ördér"],                 # ördér, apart from order
    "acc-2": ["ÖRDÉR", None],           # ÖRDÉR, apart from ördér
    "pad-1": ["order "],                # 'order ', apart from order
    "q-1": [" "],                       # ' ': a single space is recorded
    "q-2": ["", " ", None],             # ' '
    "e-1": [""],                        # e: '' is not recorded, the name's is used
    "e-2": [None, ""],                  # e
    "n-1": [None],                      # n: nothing recorded
    "-1": [None, ""],                   # (none): nothing recorded, nothing before the name's '-'
    "B-1": [None],                      # B, the name's
    "b-2": ["b"],                       # b, apart from B
}
#: category -> its streams, on every engine
CATEGORIES: dict[str, list[str]] = {
    " ": ["q-1", "q-2"],
    "(none)": ["-1"],
    "B": ["B-1", "mix-5"],
    "ORDER": ["mix-1", "mix-3"],
    "b": ["b-2"],
    "e": ["e-1", "e-2"],
    "n": ["n-1"],
    "order": ["mix-2", "mix-4"],
    "order ": ["pad-1"],
    "ÖRDÉR": ["acc-2"],
    "ördér": ["acc-1"],
}


def _write(engine: sa.Engine, collation: str | None = None) -> None:
    metadata = sa.MetaData()
    events = events_table(metadata, kind_collation=collation)
    metadata.create_all(engine)
    rows = [{"stream": stream, "version": version, "kind": kind}
            for stream, kinds in STREAMS.items() for version, kind in enumerate(kinds, 1)]
    with engine.begin() as conn:
        conn.execute(events.insert(), [
            {"id": n, "type": "Noted", "at": f"2024-03-01T10:00:{n:02d}Z", "data": '{"n": 1}', **row}
            for n, row in enumerate(rows, 1)])


@pytest.fixture(scope="module")
def mapping(tmp_path_factory) -> Path:
    return write_mapping(tmp_path_factory.mktemp("bytecat"))


@pytest.fixture(scope="module", params=["sqlite", "sqlite, a NOCASE category column", "postgresql",
                                        "postgresql, a case-insensitive category column", "mariadb"])
def store_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param.startswith("sqlite"):
        path = tmp_path_factory.mktemp("bytecat") / "events.db"
        engine = sa.create_engine(f"sqlite:///{path}")
        _write(engine, "NOCASE" if request.param.endswith("column") else None)
        engine.dispose()
        yield str(path)
        return
    db = scratch_database(request.getfixturevalue("mysql_url" if request.param == "mariadb" else "postgres_url"),
                          "bytecat")
    try:
        collation = None
        if request.param.endswith("column"):  # a nondeterministic ICU collation
            collation = "case_insensitive"
            with db.writer.begin() as conn:
                conn.exec_driver_sql("CREATE COLLATION case_insensitive "
                                     "(provider = icu, locale = 'und-u-ks-level2', deterministic = false)")
        _write(db.writer, collation)
        yield db.url
    finally:
        db.drop()


@pytest.fixture(scope="module")
def store(store_url, mapping) -> Iterator[Any]:
    opened = open_store(store_url, mapping=str(mapping))
    try:
        yield opened
    finally:
        opened.close()


def test_categories_count_each_stream_under_its_smallest_recorded_category_by_bytes(store):
    assert store.categories() == sorted((category, len(streams)) for category, streams in CATEGORIES.items())


def test_each_category_lists_exactly_its_streams(store):
    for category, streams in CATEGORIES.items():
        listed = store.streams(category=category, limit=100)
        assert sorted(s.stream for s in listed) == streams, category
        assert all((s.category or "(none)") == category for s in listed), (category, listed)


def test_the_stream_listing_and_a_stream_s_own_category_agree(store):
    of_stream = {stream: category for category, streams in CATEGORIES.items() for stream in streams}
    assert {s.stream: s.category or "(none)" for s in store.streams(limit=100)} == of_stream
    for stream, category in of_stream.items():
        assert (store.category(stream) or "(none)") == category, stream


def test_the_command_line_lists_the_streams_of_a_single_space_category(store_url, mapping, capsys):
    assert main(["streams", store_url, "--mapping", str(mapping), "--category", " ", "--json"]) == 0
    out, err = capsys.readouterr()
    assert sorted((s["stream"], s["category"]) for s in json.loads(out)) == [("q-1", " "), ("q-2", " ")], err
