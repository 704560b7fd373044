"""A time stored as text with an offset of 16 hours or more (``+20:00``) is no time: no engine's
SQL reads it (PostgreSQL keeps offsets under 16 hours), so an event shown at the instant Python
would read would be missed by every ``--since``/``--until`` filter. It is shown with the
problem instead, and every event shown with a time is found by a filter around that time.
A generic table with a text time column on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from inspector.core.events import parse_time
from inspector.core.matching import EventFilter
from inspector.stores import open_store

from tests.stores.servers import writable_target

TIMES = {1: "2026-03-01T06:00:00Z", 2: "2026-03-02T03:00:00+20:00", 3: "2026-03-02T03:00:00+15:00",
         4: "2026-03-01T21:00:00-16:00", 5: "2026-03-01T22:00:00-15:59"}


def test_an_offset_of_16_hours_or_more_is_no_time():
    assert parse_time("2026-03-02T03:00:00+20:00") is None
    assert parse_time("2026-03-02T03:00:00+1600") is None
    assert parse_time("2026-03-01T21:00:00-16:00") is None
    assert parse_time("2026-03-02T03:00:00+15:00").isoformat() == "2026-03-01T12:00:00+00:00"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def far_zones(request, tmp_path):
    writer, target, cleanup = writable_target(request, request.param, tmp_path / "zones.db", "zones")
    meta = sa.MetaData()
    table = sa.Table("events", meta,
                     sa.Column("position", sa.Integer, primary_key=True),
                     sa.Column("stream", sa.String(50), nullable=False),
                     sa.Column("version", sa.Integer, nullable=False),
                     sa.Column("type", sa.String(50), nullable=False),
                     sa.Column("data", sa.Text, nullable=False),
                     sa.Column("recorded_at", sa.String(40)))
    meta.create_all(writer)
    with writer.begin() as conn:
        conn.execute(table.insert(), [{"position": v, "stream": "w", "version": v, "type": "T", "data": "{}",
                                       "recorded_at": text} for v, text in TIMES.items()])
    writer.dispose()
    store = open_store(target, layout="generic")
    try:
        yield store
    finally:
        store.close()
        cleanup()


def test_every_event_shown_with_a_time_is_found_by_a_filter_around_it(far_zones):
    events = {event.version: event for event in far_zones.read_all(limit=50)}
    assert {v for v, event in events.items() if event.recorded_at is None} == {2, 4}
    for version in (2, 4):
        assert "not a time" in (events[version].problem or "")
    for version, event in events.items():
        if event.recorded_at is None:
            continue
        around = EventFilter(since=event.recorded_at - timedelta(seconds=1),
                             until=event.recorded_at + timedelta(seconds=1))
        found = {found.version for found in far_zones.read_all(limit=50, filters=around)}
        assert version in found, (version, event.recorded_at, found)
