"""The type survey (``types``) gives each event type, and the stream listing (``streams``) each
stream, the first and last time of its events as the events themselves are timed, on a store the
eventsourcing library wrote where an event's attribute is a dict holding a ``timestamp`` key, and
where a stream's last state is zlib-compressed among plain ones (states SQL does not time: they
are decoded for their times), and where every state of a stream is (its times are still its
events'), on SQLite, PostgreSQL and MariaDB, whether every event is decoded
or only a sample is."""

from __future__ import annotations

import json
import uuid
import zlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from inspector.cli import main
from inspector.core.events import format_time
from inspector.stores import open_store

from .servers import writable_target
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
    writer, target, drop = writable_target(request, request.param, tmp_path_factory.mktemp("notedtypes") / "orders.db", "notedtypes")
    metadata = _sqlalchemy_tables(writer.dialect.name)
    metadata.create_all(writer)
    holder = [T0]
    with clock_at(holder):
        order = Order("r1")
        for day, info in enumerate([{"timestamp": "2020-01-01", "by": "scanner"}, {"by": "clerk"}, {"by": "clerk"},
                                    {"timestamp": "later", "by": "scanner"}], 1):
            holder[0] = T0 + timedelta(days=day)
            order.note(info)
        later = Order("r2")  # its last state compressed, the others plain
        for day in (6, 7):
            holder[0] = T0 + timedelta(days=day)
            later.note({"by": "clerk"})
        holder[0] = T0 + timedelta(days=9)
        packed = Order("r3")  # every state compressed; its last note recorded before the one before it
        for day in (10, 8):
            holder[0] = T0 + timedelta(days=day)
            packed.note({"by": "clerk"})
    mapper = Application().mapper
    stored = [mapper.to_stored_event(e) for e in [*order.collect_events(), *later.collect_events()]]
    stored[-1] = replace(stored[-1], state=zlib.compress(stored[-1].state))
    stored += [replace(s, state=zlib.compress(s.state)) for s in map(mapper.to_stored_event, packed.collect_events())]

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
    assert times["Order.Noted"] == [T0 + timedelta(days=day) for day in (1, 2, 3, 4, 6, 7, 10, 8)]
    assert main(["types", noted, "--sample", str(sample), "--json"]) == 0
    surveyed = {kind["type"]: kind for kind in json.loads(capsys.readouterr().out)["types"]}
    assert {name: (kind["count"], kind["first_at"], kind["last_at"]) for name, kind in surveyed.items()} == {
        name: (len(at), format_time(min(at)), format_time(max(at))) for name, at in times.items()}


def test_streams_first_and_last_times_are_those_of_the_stream_s_events(noted, capsys):
    store = open_store(noted)
    try:
        times: dict[str, list[datetime]] = {}
        for one in store.read_all():
            times.setdefault(one.stream, []).append(one.recorded_at)
    finally:
        store.close()
    assert len(times) == 3 and max(max(at) for at in times.values()) == T0 + timedelta(days=10)
    assert [(min(at), max(at)) for at in times.values()][-1] == (T0 + timedelta(days=8), T0 + timedelta(days=10))
    assert main(["streams", noted, "--json"]) == 0
    listed = {summary["stream"]: (summary["first_at"], summary["last_at"])
              for summary in json.loads(capsys.readouterr().out)}
    assert listed == {stream: (format_time(min(at)), format_time(max(at))) for stream, at in times.items()}
