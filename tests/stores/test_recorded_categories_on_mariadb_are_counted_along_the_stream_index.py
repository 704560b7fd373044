"""``categories()`` of a generic table whose column records categories, on MariaDB under a
collation that folds case and trailing spaces (so ``Order-9`` and ``order-9`` are one group of
it): rows are grouped by the stream column in its index's order, not each row by its bytes (a
sort of every row: 7.4 s at 200k rows against 0.8 s, ``benchmarks/category_column_filter.py``),
and only a group of several byte-distinct names is counted again by its bytes; the counts are
those of the stream listing."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from inspector.core.events import category_key
from inspector.stores import open_store

from .category_column import events_table, write_mapping
from .servers import scratch_database

#: (stream, version, recorded category)
ROWS = [("order-1", 1, "sales"), ("order-1", 2, None), ("order-2", 1, None), ("Order-9", 1, "sales"),
        ("order-9", 2, None), ("order-9 ", 3, "billing"), ("refund-1", 1, "Sales")]


@pytest.fixture(params=["one name per group", "several names in a group"])
def store(request, mysql_url, tmp_path):
    rows = ROWS if request.param.startswith("several") else [row for row in ROWS if row[0] in ("order-1", "order-2",
                                                                                               "refund-1")]
    db = scratch_database(mysql_url, "catidx")
    metadata = sa.MetaData()
    events = events_table(metadata, stream_collation="utf8mb4_general_ci")
    metadata.create_all(db.writer)
    with db.writer.begin() as conn:
        conn.execute(events.insert(), [
            {"id": n, "stream": stream, "version": version, "type": "Noted", "at": f"2024-03-01T10:00:{n:02d}Z",
             "data": json.dumps({"n": n}), "kind": kind} for n, (stream, version, kind) in enumerate(rows, 1)])
    opened = open_store(db.url, mapping=str(write_mapping(tmp_path)))
    try:
        yield opened, request.param.startswith("several")
    finally:
        opened.close()
        db.drop()


def test_categories_group_rows_by_the_stream_column_and_count_as_the_listing_does(store):
    opened, several = store
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        if "events" in statement:
            statements.append(" ".join(statement.split()))
    sa.event.listen(opened.engine, "before_cursor_execute", seen)
    try:
        categories = opened.categories()
    finally:
        sa.event.remove(opened.engine, "before_cursor_execute", seen)
    listed: dict[str, int] = {}
    for summary in opened.streams(limit=100):
        listed[category_key(summary.category)] = listed.get(category_key(summary.category), 0) + 1
    assert categories == sorted(listed.items())
    assert categories == ([("Sales", 1), ("billing", 1), ("order", 2), ("sales", 2)] if several
                          else [("Sales", 1), ("order", 1), ("sales", 1)])
    first = statements[0]
    assert "GROUP BY events.stream)" in first and "GROUP BY CAST(events.stream AS" not in first, first
    assert len(statements) == (3 if several else 1), statements  # the several-name groups, then their bytes
