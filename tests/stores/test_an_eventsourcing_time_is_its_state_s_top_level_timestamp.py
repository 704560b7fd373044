"""An eventsourcing event's time is the top-level ``timestamp`` of its state, as decoding reads it,
in time filters, the time range and the stream listing alike, on SQLite, PostgreSQL and MariaDB:
a hand-altered state with a nested object holding a ``timestamp`` before the top-level one, after
it, or instead of it, or with the key twice at top level (the decoder keeps the last), is not
timed by the nested or the first one. Events the library wrote are timed by SQL as before."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from eventsourcing.application import Application

from inspector.cli import main
from inspector.core.events import format_time
from inspector.stores import EventFilter, open_store

from .servers import writable_target
from .shop import Wallet
from .test_eventsourcing_id_types import _sqlalchemy_tables

WALLET = uuid.uuid5(uuid.NAMESPACE_URL, "https://desk.example/wallets/timed")
ODD = uuid.uuid5(uuid.NAMESPACE_URL, "https://desk.example/notes/hand-altered")
DECOY = datetime(2001, 1, 1, tzinfo=timezone.utc)


def _at(day: int) -> datetime:
    return datetime(2030, 1, day, 0, 0, 0, 123456, tzinfo=timezone.utc)


def _stamp(at: datetime) -> str:
    return '{"_type_":"datetime_iso","_data_":"' + at.isoformat() + '"}'


#: (state, the time decoding reads from it) of the hand-altered stream, versions 1..5
ODD_STATES: list[tuple[str, datetime | None]] = [
    ('{"meta":{"timestamp":' + _stamp(DECOY) + '},"timestamp":' + _stamp(_at(1)) + ',"n":1}', _at(1)),
    ('{"timestamp":' + _stamp(_at(2)) + ',"audit":{"timestamp":' + _stamp(DECOY) + '},"n":2}', _at(2)),
    ('{"audit":{"timestamp":' + _stamp(DECOY) + '},"n":3}', None),
    ('{"timestamp":' + _stamp(DECOY) + ',"n":4,"timestamp":' + _stamp(_at(4)) + "}", _at(4)),
    ('{"n":5,"timestamp":' + _stamp(_at(5)) + "}", _at(5)),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def written(request, tmp_path_factory) -> Iterator[tuple[str, list[datetime]]]:
    """A wallet the library wrote (its own mapper and transcoder), and the hand-altered stream."""
    writer, target, drop = writable_target(request, request.param, tmp_path_factory.mktemp("estimes") / "timed.db", "estop")
    metadata = _sqlalchemy_tables(writer.dialect.name)
    metadata.create_all(writer)
    wallet = Wallet._create(Wallet.Opened, id=WALLET, owner="ada", actor="ada@example.com")
    wallet.grant(amount=5, actor="ada@example.com")
    wallet.spend(amount=1, actor="ada@example.com")
    stored = [Application().mapper.to_stored_event(e) for e in wallet.collect_events()]
    library_times = [datetime.fromisoformat(json.loads(s.state)["timestamp"]["_data_"]) for s in stored]

    def key(value: uuid.UUID) -> Any:
        return value if writer.dialect.name == "postgresql" else value.bytes

    rows = [{"originator_id": key(s.originator_id), "originator_version": s.originator_version, "topic": s.topic,
             "state": s.state} for s in stored]
    rows += [{"originator_id": key(ODD), "originator_version": version, "topic": "desk.notes:Note.Altered",
              "state": state.encode()} for version, (state, _) in enumerate(ODD_STATES, 1)]
    with writer.begin() as conn:
        conn.execute(metadata.tables["desk_events"].insert(), rows)
    writer.dispose()
    yield target, library_times
    if drop:
        drop()


def test_each_event_is_timed_by_its_top_level_timestamp_in_filters_ranges_and_listings(written):
    target, library_times = written
    store = open_store(target)
    try:
        assert [e.recorded_at for e in store.read_stream(str(ODD))] == [at for _, at in ODD_STATES]
        assert [e.recorded_at for e in store.read_stream(str(WALLET))] == library_times
        late = EventFilter(since=datetime(2029, 12, 31, tzinfo=timezone.utc))
        assert [e.version for e in store.read_all(filters=late)] == [1, 2, 4, 5]
        early = EventFilter(until=datetime(2002, 1, 1, tzinfo=timezone.utc))
        assert list(store.read_all(filters=early)) == []
        first, last = store.time_range()
        assert abs(first - library_times[0]) < timedelta(milliseconds=1)
        assert last == _at(5)
        listed = {s.stream: s for s in store.streams()}
        assert (listed[str(ODD)].first_at, listed[str(ODD)].last_at) == (_at(1), _at(5))
        assert abs(listed[str(WALLET)].last_at - library_times[-1]) < timedelta(milliseconds=1)
    finally:
        store.close()


def test_the_events_command_filters_hand_altered_states_by_their_top_level_time(written, capsys):
    target, _ = written
    assert main(["events", target, "--stream", str(ODD), "--until", format_time(_at(3)), "--json"]) == 0
    assert [e["version"] for e in json.loads(capsys.readouterr().out)] == [1, 2]
