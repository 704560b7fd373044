"""Categories read from stream names, and event types, match exactly, case included, on every
engine. SQLite's ``LIKE`` ignores ASCII case: ``streams --category order`` listed ``Order-1`` and
``ORDER-2`` beside ``order-1``, ``--category Order`` on a store without it answered with
``order``'s streams instead of an error, and an eventsourcing store's ``--type`` matched
``Order.noted`` for ``Order.Noted``."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from inspector.cli import main

from .servers import writable_target

STREAMS = ["Order-1", "order-1", "ORDER-2", "order-2", "order_x-1", "orderx-1", "ordeR-3"]


def _category(stream: str) -> str:
    return stream.split("-", 1)[0]


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def store(request, tmp_path_factory):
    writer, target, drop = writable_target(request, request.param, tmp_path_factory.mktemp("case") / "names.db",
                                           "namecase")
    metadata = sa.MetaData()
    events = sa.Table(
        "events", metadata,
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("stream", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Index("ix_events_stream_version", "stream", "version"),  # not unique: MariaDB's would fold case
    )
    metadata.create_all(writer)
    with writer.begin() as conn:
        conn.execute(events.insert(), [
            {"position": n, "stream": stream, "version": 1, "type": "Noted",
             "recorded_at": f"2024-03-01T10:00:{n:02d}Z", "data": '{"n": 1}'}
            for n, stream in enumerate(STREAMS, 1)])
    yield target
    drop()


def _json(capsys, *argv: str) -> Any:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("category", ["order", "Order", "ORDER", "ordeR", "order_x"])
def test_a_category_selects_the_streams_of_exactly_that_name(store, capsys, category):
    expected = sorted(stream for stream in STREAMS if _category(stream) == category)
    listed = _json(capsys, "streams", store, "--category", category)
    assert sorted(item["stream"] for item in listed) == expected
    assert {item["category"] for item in listed} == {category}
    events = _json(capsys, "events", store, "--category", category)
    assert sorted(item["stream"] for item in events) == expected


def test_a_category_differing_only_in_case_from_one_the_store_has_is_an_error(store, capsys):
    assert main(["streams", store, "--category", "oRDER"]) == 1
    assert "no stream of that category" in capsys.readouterr().err


def test_an_eventsourcing_type_filter_on_sqlite_is_exact(tmp_path, monkeypatch, capsys):
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Order(Aggregate):
        @event("Created")
        def __init__(self, ref: str) -> None:
            self.ref = ref

        @event("Noted")
        def note(self) -> None:
            pass

        @event("noted")
        def note_lower(self) -> None:
            pass

    db = tmp_path / "orders.db"
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(db))
    app = Application()
    order = Order(f"r-{uuid.uuid4().hex[:6]}")
    order.note()
    order.note_lower()
    order.note_lower()
    app.save(order)
    app.close()
    types = {item["type"] for item in _json(capsys, "events", str(db))}
    upper = next(name for name in types if name.endswith(".Noted"))
    lower = next(name for name in types if name.endswith(".noted"))
    assert [item["version"] for item in _json(capsys, "events", str(db), "--type", upper)] == [2]
    assert [item["version"] for item in _json(capsys, "events", str(db), "--type", lower)] == [3, 4]
