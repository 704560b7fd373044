"""``events --grep TEXT`` finds the text in payloads and metadata whatever the case of its letters,
on SQLite, PostgreSQL and MariaDB, and finds nothing where the text is not there."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inspector.stores import EventFilter, open_store

from .servers import scratch_database

DDL = {
    "sqlite": "CREATE TABLE events (position INTEGER PRIMARY KEY, stream text, version integer, type text, "
              "recorded_at text, data text, metadata text)",
    "postgresql": "CREATE TABLE events (position bigserial PRIMARY KEY, stream text, version bigint, type text, "
                  "recorded_at text, data jsonb, metadata jsonb)",
    "mysql": "CREATE TABLE events (position bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, stream varchar(100), "
             "version bigint, type varchar(100), recorded_at varchar(40), data longtext, metadata longtext) "
             "DEFAULT CHARSET=utf8mb4",
}
ROWS = [
    ("board-1", 1, '{"title": "Quarterly REDESIGN"}', '{"actor": "ada"}'),
    ("board-1", 2, '{"title": "plain"}', '{"actor": "Grace Hopper"}'),
    ("board-2", 1, '{"title": "redesign, again"}', '{"actor": "bob"}'),
    ("board-2", 2, '{"title": "nothing here"}', '{"actor": "bob"}'),
]


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def store(request, tmp_path):
    def write(writer: sa.Engine) -> None:
        events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "data", "metadata")))
        with writer.begin() as conn:
            conn.exec_driver_sql(DDL[request.param])
            conn.execute(events.insert(), [{"stream": s, "version": v, "type": "Noted", "data": d, "metadata": m}
                                           for s, v, d, m in ROWS])

    if request.param == "sqlite":
        writer = sa.create_engine(f"sqlite:///{tmp_path / 'boards.db'}")
        write(writer)
        writer.dispose()
        opened = open_store(str(tmp_path / "boards.db"))
        yield opened
        opened.close()
        return
    db = scratch_database(request.getfixturevalue("postgres_url" if request.param == "postgresql" else "mysql_url"),
                          "grepcase")
    write(db.writer)
    opened = open_store(db.url)
    yield opened
    opened.close()
    db.drop()


def _found(store, text: str) -> list[tuple[str, int]]:
    return [(e.stream, e.version) for e in store.read_all(limit=100, filters=EventFilter(text=text))]


@pytest.mark.parametrize("text", ["redesign", "REDESIGN", "ReDeSiGn"])
def test_a_text_filter_finds_the_text_in_any_letter_case(store, text):
    assert _found(store, text) == [("board-1", 1), ("board-2", 1)]


def test_a_text_filter_reads_the_metadata_too_and_finds_nothing_that_is_not_there(store):
    assert _found(store, "grace HOPPER") == [("board-1", 2)]
    assert _found(store, "redesigned") == []
