"""A generic table with a ``category`` column (a slice keeps its source's categories there) has
its categories counted by the database in one statement, on SQLite, PostgreSQL and MariaDB: each
stream's smallest recorded category, its name's (the text before the first '-') where every row
is NULL, the same answer the stream listing gives, with names and categories told apart by their
exact text where MariaDB's collation would fold case. Not a walk of the stream listing, page by page."""

from __future__ import annotations

import sqlalchemy as sa
import pytest

from inspector.stores import open_store

from .servers import scratch_database

#: (stream, recorded category per event); None: not recorded
STREAMS = {
    "order-1": ["Order", "Order"],
    "order-2": ["Order"],
    "Order-3": [None, None],        # none recorded: its name's, "Order", with the two above
    "order-4": [None],              # its name's "order", apart from "Order"
    "order-5": ["order"],           # recorded in lower case: with order-4
    "cart-1": [None, None, None],   # its name's
    "mixed-1": ["B", "A", "B"],     # the smallest recorded
    "refund-1": [None, "Refund"],   # a recorded one wins over the name's
    "solo": [None],                 # a name with no '-' is its own category
}
EXPECTED = [("A", 1), ("Order", 3), ("Refund", 1), ("cart", 1), ("order", 2), ("solo", 1)]


def _write(engine: sa.Engine) -> None:
    metadata = sa.MetaData()
    events = sa.Table(
        "events", metadata,
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("stream", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("category", sa.String(100)),
        sa.Index("ix_events_stream_version", "stream", "version", unique=True),
    )
    metadata.create_all(engine)
    rows, position = [], 0
    for stream, categories in STREAMS.items():
        for version, category in enumerate(categories, 1):
            position += 1
            rows.append({"position": position, "stream": stream, "version": version, "type": "Happened",
                         "data": '{"n": %d}' % version, "category": category})
    with engine.begin() as conn:
        conn.execute(events.insert(), rows)


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "recorded.db"
        engine = sa.create_engine(f"sqlite:///{path}")
        _write(engine)
        engine.dispose()
        yield str(path)
        return
    server = request.getfixturevalue("postgres_url" if request.param == "postgresql" else "mysql_url")
    db = scratch_database(server, "catcol")
    try:
        _write(db.writer)
        yield db.url
    finally:
        db.drop()


def test_categories_recorded_in_a_column_are_counted_in_one_statement(store_url):
    store = open_store(store_url)
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        if "events" in statement:
            statements.append(statement)
    try:
        assert store.layout_name == "generic"
        store.page_size = 2  # a walk of the listing would read it in several pages
        sa.event.listen(store.engine, "before_cursor_execute", seen)
        try:
            categories = store.categories()
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", seen)
        assert categories == EXPECTED
        assert len(statements) == 1, statements

        listed: dict[str, int] = {}  # what the stream listing says of each stream
        for summary in store.streams(limit=100):
            listed[summary.category or "(none)"] = listed.get(summary.category or "(none)", 0) + 1
        assert sorted(listed.items()) == EXPECTED
    finally:
        store.close()
