"""The type survey (``types``) gives each event type the first and last time of its events as the
events themselves are timed, on a store the eventsourcing library wrote where an event's attribute
is a dict holding a ``timestamp`` key (a state SQL does not time: it is decoded for its time), on
SQLite, PostgreSQL and MariaDB, whether every event is decoded or only a sample is."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from inspector.cli import main
from inspector.core.events import format_time
from inspector.stores import open_store

from .servers import scratch_database
from .shop import clock_at
from .test_eventsourcing_id_types import _sqlalchemy_tables

T0 = datetime(2031, 3, 1, 9, 0, 0, 250001, tzinfo=timezone.utc)


class Order(Aggregate):
    def __init__(self, ref: str) -> None:
        self.ref = ref

    @event("Noted")
    def note(self, info: dict[str, Any]) -> None:
        self.info = info


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def noted(request, tmp_path_factory) -> Iterator[str]:
    """One order: created, then noted four times; the first and the last note's info holds a
    ``timestamp`` key of its own (the user's data, not the event's time)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("notedtypes") / "orders.db"
        writer, target, drop = sa.create_engine(f"sqlite:///{path}"), str(path), None
    else:
        db = scratch_database(request.getfixturevalue(f"{request.param.replace('postgresql', 'postgres')}_url"),
                              "notedtypes")
        writer, target, drop = db.writer, db.url, db.drop
    metadata = _sqlalchemy_tables(writer.dialect.name)
    metadata.create_all(writer)
    holder = [T0]
    with clock_at(holder):
        order = Order("r1")
        for day, info in enumerate([{"timestamp": "2020-01-01", "by": "scanner"}, {"by": "clerk"}, {"by": "clerk"},
                                    {"timestamp": "later", "by": "scanner"}], 1):
            holder[0] = T0 + timedelta(days=day)
            order.note(info)
    stored = [Application().mapper.to_stored_event(e) for e in order.collect_events()]

    def key(value: uuid.UUID) -> Any:
        return value if writer.dialect.name == "postgresql" else value.bytes

    rows = [{"originator_id": key(s.originator_id), "originator_version": s.originator_version, "topic": s.topic,
             "state": s.state} for s in stored]
    with writer.begin() as conn:
        conn.execute(metadata.tables["desk_events"].insert(), rows)
    writer.dispose()
    yield target
    if drop:
        drop()


@pytest.mark.parametrize("sample", [100, 2])
def test_types_first_and_last_times_are_those_of_the_type_s_events(noted, sample, capsys):
    store = open_store(noted)
    try:
        times: dict[str, list[datetime]] = {}
        for one in store.read_all():
            times.setdefault(one.type, []).append(one.recorded_at)
    finally:
        store.close()
    assert times["Order.Noted"] == [T0 + timedelta(days=day) for day in range(1, 5)]
    assert main(["types", noted, "--sample", str(sample), "--json"]) == 0
    surveyed = {kind["type"]: kind for kind in json.loads(capsys.readouterr().out)["types"]}
    assert {name: (kind["count"], kind["first_at"], kind["last_at"]) for name, kind in surveyed.items()} == {
        name: (len(at), format_time(min(at)), format_time(max(at))) for name, at in times.items()}
