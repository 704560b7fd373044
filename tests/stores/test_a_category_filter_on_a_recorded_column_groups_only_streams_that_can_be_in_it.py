"""A category filter on a generic table with a ``category`` column finds the streams that can be of
the category through the indexes (rows recording it, names whose category it can be) and works
out the category of those streams only, not of every stream in the table; the answers stay
those of ``categories``: a stream is in the category its smallest recorded one names (its
name's where none is recorded), exactly, whatever LIKE or GLOB would make of the name
(``a_b``, ``x*y``, ``50%``) and whatever MariaDB's collation, or a case-insensitive PostgreSQL one,
folds (``Order`` and ``order``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from inspector.stores import open_store
from inspector.stores.category_read import category_query

from .category_column import events_table, write_mapping
from .servers import scratch_database


#: (stream, recorded category per row); a stream's category: its smallest recorded one, else its name's
STREAMS: dict[str, list[str | None]] = {
    "a_b-1": [None, None],            # a_b (its name's)
    "axb-1": [None],                  # axb, though LIKE 'a_b-%' takes it
    "x*y-1": [None],                  # x*y
    "xzy-1": [None],                  # xzy, though GLOB 'x*y-*' takes it
    "50%-1": [None],                  # 50%
    "50x-1": [None],                  # 50x, though LIKE '50%-%' takes it
    "Order-1": [None],                # Order: apart from order, though MariaDB's collation folds case
    "order-2": [None, "order"],       # order
    "dog-1": ["cat", None],           # cat: recorded, not its name's
    "cat-1": ["dog"],                 # dog
    "cat-2": [None, "", None],        # cat ('' is not recorded)
}
CATEGORIES = {"50%": ["50%-1"], "50x": ["50x-1"], "Order": ["Order-1"], "a_b": ["a_b-1"], "axb": ["axb-1"],
              "cat": ["cat-2", "dog-1"], "dog": ["cat-1"], "order": ["order-2"], "x*y": ["x*y-1"],
              "xzy": ["xzy-1"]}
#: filler streams recording a category of their own, so that the indexes are worth using
FILLER = 3000


def _rows() -> list[dict[str, Any]]:
    rows = []
    for stream, kinds in STREAMS.items():
        rows.extend({"stream": stream, "version": v, "kind": kind} for v, kind in enumerate(kinds, 1))
    rows.extend({"stream": f"fill-{n:05d}", "version": v, "kind": f"bulk{n % 50:02d}"}
                for n in range(FILLER) for v in (1, 2))
    return [{"id": n, "type": "Noted", "at": "2024-03-01T10:00:00Z", "data": '{"n": 1}', **row}
            for n, row in enumerate(rows, 1)]


def _write(engine: sa.Engine, collation: str | None = None) -> None:
    metadata = sa.MetaData()
    events = events_table(metadata, stream_collation=collation)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(events.insert(), _rows())
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ANALYZE")
        elif engine.dialect.name in ("mysql", "mariadb"):
            conn.exec_driver_sql("ANALYZE TABLE events")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE events")


@pytest.fixture(scope="module")
def mapping(tmp_path_factory) -> Path:
    return write_mapping(tmp_path_factory.mktemp("catcol"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "postgresql, case-insensitive streams", "mariadb"])
def store(request, tmp_path_factory, mapping) -> Iterator[Any]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("catcol") / "events.db"
        _write(sa.create_engine(f"sqlite:///{path}"))
        url = str(path)
        db = None
    else:
        db = scratch_database(request.getfixturevalue("mysql_url" if request.param == "mariadb" else "postgres_url"),
                              "catcand")
        collation = None
        if request.param.endswith("case-insensitive streams"):  # a nondeterministic ICU collation
            collation = "case_insensitive"
            with db.writer.begin() as conn:
                conn.exec_driver_sql("CREATE COLLATION case_insensitive "
                                     "(provider = icu, locale = 'und-u-ks-level2', deterministic = false)")
        _write(db.writer, collation)
        url = db.url
    opened = open_store(url, mapping=str(mapping))
    try:
        yield opened
    finally:
        opened.close()
        if db is not None:
            db.drop()


def test_each_category_selects_exactly_the_streams_counted_under_it(store):
    counts = dict(store.categories())
    for category, streams in CATEGORIES.items():
        assert counts[category] == len(streams), category
        listed = store.streams(category=category, limit=100)
        assert sorted(s.stream for s in listed) == streams, category
        assert all(s.category == category for s in listed), category
        query = category_query(store, category=category, match=None, upto=None, after=None, limit=100)
        assert query is not None
        read = sorted((row.stream, row.version) for row in store._rows(query))
        assert read == sorted((s, v) for s in streams for v in range(1, len(STREAMS[s]) + 1)), category


def test_a_category_read_finds_its_streams_through_the_indexes(store):
    query = category_query(store, category="cat", match=None, upto=None, after=None, limit=1000)
    assert query is not None
    plan = store.explain(query)
    dialect = store.engine.dialect.name
    if dialect == "sqlite":
        assert "ix_events_kind" in plan, plan
        assert not [line for line in plan.splitlines() if "SCAN events" in line], plan
    elif dialect in ("mysql", "mariadb"):
        assert "ix_events_kind" in plan, plan
        assert not [line for line in plan.splitlines() if line.split()[2:4] == ["events", "ALL"]], plan
    elif store.layout._stream_sorts_by_bytes():  # PostgreSQL, streams in byte order (C, C.UTF-8)
        assert "ix_events_kind" in plan and "Seq Scan" not in plan, plan
    else:  # another collation takes no prefix through the index: one pass finds the candidates,
        # the rows of the category's streams still come through the stream index
        assert "Index Scan using ix_events_stream_version" in plan, plan


