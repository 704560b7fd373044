"""A category read on SQLite walks the stream index in its order: no page sorts the category.

The category's names are those equal to it or starting with it and a ``-`` (``GLOB``, case-exact).
Asked as an OR of two index ranges, SQLite read every row of the category after the page's start
and sorted them for each page (a temporary B-tree), so a category read cost the square of its
rows over the page size. Each page is now one range of the stream index read in order; which
streams are read is unchanged: names sorting inside that range but not of the category (a
``!`` after the name, another case) are still left out.
"""

from __future__ import annotations

import sqlite3

import pytest

from inspector.stores import open_store
from inspector.stores.category_read import category_query, read_sql_category

#: name -> versions; the category is ``account``
STREAMS = {
    "account": 2,
    "account-1": 3,
    "account-2": 1,
    "account-": 1,  # nothing after the dash: still of the category
    "account!x": 2,  # sorts before "account-": not of it
    "account,x": 1,  # sorts between "account" and "account-": not of it
    "account.1": 1,  # just past the category's names
    "accountx-1": 2,
    "Account-3": 2,  # another case: another category
    "a-1": 1,
    "b-1": 2,
}
OF_CATEGORY = ["account", "account-", "account-1", "account-2"]


@pytest.fixture()
def store(tmp_path):
    path = tmp_path / "names.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT NOT NULL,"
        " recorded_at TEXT, data TEXT, metadata TEXT);"
        "CREATE INDEX events_stream_version ON events (stream, version);"
    )
    position = 0
    for version in range(1, 4):  # interleaved, as written over time
        for name, count in STREAMS.items():
            if version <= count:
                position += 1
                conn.execute(
                    "INSERT INTO events VALUES (?, ?, ?, 'Noted', '2026-01-01T00:00:00Z', ?, '{}')",
                    (position, name, version, f'{{"n": {position}}}'),
                )
    conn.commit()
    conn.close()
    opened = open_store(str(path))
    yield opened
    opened.close()


@pytest.mark.parametrize("after", [None, "account-"])
def test_each_page_of_a_category_is_one_range_of_the_stream_index_read_in_order(store, after):
    query = category_query(store, category="account", match=None, upto=None, after=after, limit=3)
    assert query is not None
    plan = store.explain(query)
    assert "TEMP B-TREE" not in plan, plan
    assert "MULTI-INDEX OR" not in plan, plan
    assert "events_stream_version (stream>? AND stream<?)" in plan, plan


@pytest.mark.parametrize("page", [1, 2, 3, 5000])
def test_a_category_read_holds_exactly_its_names_in_index_order(store, page):
    streams = read_sql_category(store, category="account", page=page)
    assert streams is not None
    seen = [(name, [event.version for event in events]) for name, events in streams]
    assert seen == [(name, list(range(1, STREAMS[name] + 1))) for name in OF_CATEGORY]


def test_a_category_read_of_a_slice_starts_after_its_bound(store):
    streams = read_sql_category(store, category="account", page=2, after="account-", until="account-1")
    assert streams is not None
    assert [name for name, _ in streams] == ["account-1"]
