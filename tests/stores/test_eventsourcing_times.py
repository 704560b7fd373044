"""Times an eventsourcing store keeps inside its states are read by SQL on every engine, also in
states holding the ``NaN``/``Infinity`` tokens the library's own JSON transcoder writes for floats
(a JSON function refuses those documents: such events must not drop out of time filters)."""

from __future__ import annotations

import json
import math
import uuid
from datetime import timedelta, timezone

import pytest
import sqlalchemy as sa
from eventsourcing.application import Application

from inspector.cli import main
from inspector.core.events import format_time, parse_time
from inspector.stores import EventFilter, open_store

from .servers import writable_target
from .shop import Wallet
from .test_eventsourcing_id_types import _sqlalchemy_tables

WALLET = uuid.uuid5(uuid.NAMESPACE_URL, "https://desk.example/wallets/nan")


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def wallet_with_odd_floats(request, tmp_path):
    """One wallet of four events in eventsourcing-sqlalchemy's tables: v2 grants NaN, v3 infinity."""
    writer, target, drop = writable_target(request, request.param, tmp_path / "odd-floats.db", "esnan")
    metadata = _sqlalchemy_tables(writer.dialect.name)
    metadata.create_all(writer)
    mapper = Application().mapper  # the library's own JSONTranscoder: NaN and Infinity as bare tokens
    wallet = Wallet._create(Wallet.Opened, id=WALLET, owner="ada", actor="ada@example.com")
    wallet.grant(amount=float("nan"), actor="ada@example.com")
    wallet.grant(amount=float("inf"), actor="ada@example.com")
    wallet.spend(amount=1, actor="ada@example.com")
    stored = [mapper.to_stored_event(e) for e in wallet.collect_events()]
    assert b"NaN" in stored[1].state and b"Infinity" in stored[2].state

    def key(value: uuid.UUID):
        return value if writer.dialect.name == "postgresql" else value.bytes

    with writer.begin() as conn:
        conn.execute(metadata.tables["desk_events"].insert(), [
            {"originator_id": key(s.originator_id), "originator_version": s.originator_version, "topic": s.topic,
             "state": s.state} for s in stored])
    writer.dispose()
    times = [parse_time(json.loads(s.state.decode().replace("NaN", "0").replace("Infinity", "0"))
                        ["timestamp"]["_data_"]) for s in stored]
    yield target, times
    if drop:
        drop()


def test_events_with_nan_or_infinity_keep_their_times_in_filters_and_listings(wallet_with_odd_floats, capsys):
    target, times = wallet_with_odd_floats
    store = open_store(target)
    try:
        events = list(store.read_stream(str(WALLET)))
        assert [e.recorded_at for e in events] == times
        assert math.isnan(events[1].data["amount"]) and events[2].data["amount"] == math.inf
        since = times[1] - timedelta(microseconds=1)
        assert [e.version for e in store.read_all(filters=EventFilter(since=since))] == [2, 3, 4]
        until = times[2] + timedelta(microseconds=1)
        assert [e.version for e in store.read_all(filters=EventFilter(since=since, until=until))] == [2, 3]
        (summary,) = store.streams()
        # to the millisecond where the engine's time functions stop there (SQLite's julianday)
        assert abs(summary.last_at - times[3]) < timedelta(milliseconds=1)
        assert abs(summary.first_at - times[0]) < timedelta(milliseconds=1)
    finally:
        store.close()
    assert main(["events", target, "--since", format_time(since), "--json"]) == 0
    assert [e["version"] for e in json.loads(capsys.readouterr().out)] == [2, 3, 4]


def test_the_time_range_is_the_first_and_last_event_s_time_to_the_microsecond(wallet_with_odd_floats):
    target, times = wallet_with_odd_floats
    store = open_store(target)
    try:
        assert store.time_range() == (min(times), max(times))
    finally:
        store.close()


def test_a_store_whose_events_were_written_in_two_zones_still_gets_its_time_range_right(tmp_path):
    """Text order is time order only within one UTC offset: an event written at +02:00 (the
    library's ``TZINFO_TOPIC``) is compared as an instant, not by its text."""
    path = tmp_path / "two-zones.db"
    writer = sa.create_engine(f"sqlite:///{path}")
    metadata = _sqlalchemy_tables("sqlite")
    metadata.create_all(writer)
    mapper = Application().mapper
    wallet = Wallet._create(Wallet.Opened, id=WALLET, owner="ada", actor="ada@example.com")
    wallet.spend(amount=1, actor="ada@example.com")
    wallet.spend(amount=2, actor="ada@example.com")
    stored = [mapper.to_stored_event(e) for e in wallet.collect_events()]
    # a second apart; the first event as a writer two hours east spells its instant: that text sorts last
    first = parse_time("2026-03-01T10:00:00.250000+00:00")
    times = [first + timedelta(seconds=version) for version in range(len(stored))]
    states, texts = [], []
    for version, (event, at) in enumerate(zip(stored, times)):
        state = json.loads(event.state)
        zone = timezone(timedelta(hours=2)) if version == 0 else timezone.utc
        texts.append(at.astimezone(zone).isoformat())
        state["timestamp"]["_data_"] = texts[-1]
        states.append(json.dumps(state, separators=(",", ":")).encode())
    assert max(texts) == texts[0]
    with writer.begin() as conn:
        conn.execute(metadata.tables["desk_events"].insert(), [
            {"originator_id": s.originator_id.bytes, "originator_version": s.originator_version, "topic": s.topic,
             "state": blob} for s, blob in zip(stored, states)])
    writer.dispose()
    store = open_store(str(path))
    try:
        low, high = store.time_range()
        # compared as instants (to the millisecond where SQLite's julianday stops)
        assert abs(low - times[0]) < timedelta(milliseconds=1) and abs(high - times[-1]) < timedelta(milliseconds=1)
    finally:
        store.close()
