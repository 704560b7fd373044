"""On a store whose category is known only from the aggregate class (the eventsourcing library's
topics), the events of one category (``events --category``, exports, ``read_all`` filtered by
category) are exactly those of the streams ``streams(category=...)`` lists, and the categories of
the streams a page of events meets are asked in one statement per page, not one per stream. On
SQLite and PostgreSQL, as the library writes them."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from inspector.stores import EventFilter, open_store

from .servers import eventsourcing_postgres_env, scratch_database
from .shop import Job, Shop, Wallet

#: aggregates of each class; each saved after the other, so a page meets both categories
AGGREGATES = 12


def _write(env: dict[str, str]) -> None:
    app = Shop(env=env)
    for n in range(AGGREGATES):
        wallet = Wallet(owner=f"owner {n}", actor="alice")
        wallet.grant(n + 1, actor="alice")
        app.save(wallet)
        app.save(Job(title=f"job {n}", budget=n, actor="bob"))
    app.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("esclass") / "shop.sqlite"
        _write({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
        yield str(path)
        return
    db = scratch_database(request.getfixturevalue("postgres_url"), "esclass")
    url = sa.engine.make_url(db.url)
    try:
        _write(eventsourcing_postgres_env(url))
        yield db.url
    finally:
        db.drop()


@pytest.mark.parametrize("category", ["Wallet", "Job", "(none)"])
def test_the_events_of_a_category_are_those_of_its_listed_streams_asked_once_per_page(store_url, category):
    store: Any = open_store(store_url)
    try:
        assert store.layout.category_clause(category) is None  # the category is told in Python here
        listed = {s.stream for s in store.streams(category=category, limit=1000)}
        expected = [e for e in store.read_all(limit=1000) if e.stream in listed]
        statements: list[str] = []

        def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
            statements.append(statement)
        sa.event.listen(store.engine, "before_cursor_execute", seen)
        try:
            got = list(store.read_all(filters=EventFilter(category=category), limit=1000))
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", seen)
        assert [(e.position, e.stream) for e in got] == [(e.position, e.stream) for e in expected]
        assert len(listed) == (AGGREGATES if category != "(none)" else 0)
        # the page of events, the categories of its 24 streams in one statement (not 24), and the
        # stream-id probes SQLite's text ids take; nothing per stream
        assert len([s for s in statements if "GROUP BY" in s.upper()]) == 1, statements
        assert len(statements) <= 3 + (2 * AGGREGATES if "sqlite" in store_url or store_url.endswith(".sqlite") else 0)
    finally:
        store.close()



@pytest.mark.parametrize("sample", [1000, 4])
def test_the_type_survey_of_a_category_asks_its_streams_once_per_page(store_url, sample):
    store: Any = open_store(store_url)
    try:
        statements: list[str] = []

        def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
            statements.append(statement)
        sa.event.listen(store.engine, "before_cursor_execute", seen)
        try:
            survey = store.type_survey(category="Job", sample=sample)
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", seen)
        assert {kind.name for kind in survey.types} == {"Job.Posted"}
        grouped = [s for s in statements if "GROUP BY" in s.upper()]
        assert len(grouped) <= len([s for s in statements if "ORDER BY" in s.upper()]), statements  # one per page read
    finally:
        store.close()
