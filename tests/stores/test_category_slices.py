"""Cutting a category into slices of whole streams, for worker processes that read a slice each.

``category_slices`` cuts the category's rows, in the stream index's order, into slices of about
``rows`` rows that end with a whole stream; ``read_sql_category(after=, until=)`` reads one
slice. Read one after another, the slices must hand over every stream of the category exactly
once, with the same events a one-pass read gives it: no stream is split between two slices, not
even where a collation merges names (MariaDB ``utf8mb4_general_ci``, a PostgreSQL
case-insensitive collation), and slices as small as one row put a bound after every stream.
"""

from __future__ import annotations

from typing import Any

import pytest

from inspector.stores.category_read import category_slices, group_names_query, read_sql_category
from inspector.stores.sql import SqlEventStore

from . import test_stream_identity as identity
from .test_category_read import BUILDERS, IDENTITY, _seen

#: the stores the category-read tests build, less JSON Lines (read in one process, never sliced)
SQL_BUILDERS = [entry for entry in BUILDERS if entry[0] != "jsonl"]
SQL_IDENTITY = [entry for entry in IDENTITY if entry[0] != "jsonl"]


@pytest.fixture(scope="module", params=SQL_BUILDERS, ids=[b[0] for b in SQL_BUILDERS])
def built(request, tmp_path_factory):
    _, module, name = request.param
    result = getattr(module, name)().build(request, tmp_path_factory.mktemp(name))
    try:
        yield result
    finally:
        result.store.close()
        if result.cleanup is not None:
            result.cleanup()


@pytest.fixture(scope="module", params=SQL_IDENTITY, ids=[i[0] for i in SQL_IDENTITY])
def names_store(request, tmp_path_factory):
    target = request.param[1]().open(request, tmp_path_factory.mktemp(request.param[0]))
    try:
        yield target.store
    finally:
        target.store.close()
        if target.cleanup is not None:
            target.cleanup()


def _by_slices(store: SqlEventStore, rows: int, page: int, **kwargs: Any) -> tuple[list[tuple[str, list]], list]:
    slices = category_slices(store, rows=rows, **kwargs)
    assert slices is not None
    bounds = list(slices)
    read = []
    for after, until in bounds:
        streams = read_sql_category(store, page=page, after=after, until=until, **kwargs)
        assert streams is not None
        read.append([(name, [_seen(event) for event in events]) for name, events in streams])
    return [entry for part in read for entry in part], bounds


def _one_pass(store: SqlEventStore, **kwargs: Any) -> list[tuple[str, list]]:
    streams = read_sql_category(store, **kwargs)
    assert streams is not None
    return [(name, [_seen(event) for event in events]) for name, events in streams]


def _chained(bounds: list) -> bool:
    """Each slice starts where the one before it ended; the first from the start, the last to the end."""
    return (bounds[0][0] is None and bounds[-1][1] is None
            and all(bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1)))


@pytest.mark.parametrize("rows", [1, 2, 3, 10_000])
def test_slices_of_every_layout_hand_over_each_stream_once_with_its_events(built, rows):
    store = built.store
    assert isinstance(store, SqlEventStore)
    categories = [None, *sorted({c for c in built.categories.values() if c})]
    for category in categories:
        if category is not None and store.layout.category_clause(category) is None:
            assert category_slices(store, category=category, rows=rows) is None
            continue
        sliced, bounds = _by_slices(store, rows, page=2, category=category)
        assert _chained(bounds), bounds
        assert sliced == _one_pass(store, category=category), category
        if rows == 10_000:
            assert len(bounds) == 1  # a small store is one slice


@pytest.mark.parametrize("rows", [1, 2, 3, 5])
def test_names_a_collation_merges_stay_in_one_slice(names_store, rows):
    assert isinstance(names_store, SqlEventStore)
    sliced, bounds = _by_slices(names_store, rows, page=2)
    assert _chained(bounds) and len(bounds) > 2
    names = [name for name, _ in sliced]
    assert len(names) == len(set(names)), names  # no stream handed over twice
    assert sorted(names) == sorted(identity.NAMES)
    whole = dict(_one_pass(names_store))
    for name, events in sliced:
        assert events == whole[name], name
    if names_store.layout.exact_text_streams():
        # a slice ends after a whole collation group: the names of a group are all in one slice
        where = {}
        for index, (after, until) in enumerate(bounds):
            streams = read_sql_category(names_store, page=2, after=after, until=until)
            assert streams is not None
            for name, events in streams:
                for _ in events:
                    pass
                where[name] = index
        layout = names_store.layout
        groups = 0
        for name in identity.NAMES:
            # the names the database's collation takes as equal to this one
            folded = [layout.stream_from_db(value) for (value,) in names_store._rows(
                group_names_query(names_store, name, category=None, match=None, upto=None))]
            assert name in folded
            groups += len(folded) > 1
            assert {where[other] for other in folded} == {where[name]}, folded
        assert groups  # the store has names the collation merges


def test_a_version_bound_and_a_pattern_are_kept_in_every_slice(built):
    store = built.store
    assert isinstance(store, SqlEventStore)
    upto = built.v(2)[0]
    sliced, _ = _by_slices(store, 2, page=3, upto=upto)
    assert sliced == _one_pass(store, upto=upto)
    pattern = "*-a" if any(name.endswith("-a") for name in built.streams.values()) else "*a*"
    sliced, _ = _by_slices(store, 2, page=3, match=pattern)
    assert sliced == _one_pass(store, match=pattern)
