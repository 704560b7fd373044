"""Time filters and histograms on a store the eventsourcing library wrote select exactly the events
whose own times (as ``events`` shows them) lie in the range, where the library wrote the times in
zones up to 15 hours from UTC, on the other side of midnight from the instant: the written date is
not the UTC date. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from inspector.stores import EventFilter, open_store

from .servers import eventsourcing_target
from .shop import Shop, Wallet, clock_at

UTC = timezone.utc
PLUS_15 = timezone(timedelta(hours=15, minutes=59))
MINUS_15 = timezone(timedelta(hours=-15, minutes=-59))
#: each event's instant and the zone the library writes it in
TIMES = [
    (datetime(2026, 6, 10, 0, 0, 0, 1, tzinfo=UTC), PLUS_15),        # written 2026-06-10T15:59:00.000001+15:59
    (datetime(2026, 6, 10, 9, 0, tzinfo=UTC), MINUS_15),             # written 2026-06-09T17:01:00-15:59
    (datetime(2026, 6, 10, 23, 59, 59, 999999, tzinfo=UTC), PLUS_15),  # written on 2026-06-11
    (datetime(2026, 6, 11, 8, 0, tzinfo=UTC), MINUS_15),             # written on 2026-06-10
    (datetime(2026, 6, 12, 12, 0, tzinfo=UTC), UTC),
    (datetime(2026, 6, 9, 23, 59, 59, 999999, tzinfo=UTC), PLUS_15),  # written on 2026-06-10, the day after
]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    target, env, cleanup = eventsourcing_target(request, request.param, tmp_path / "zones.db", "eszones")
    app = Shop(env=env)
    holder = [TIMES[0][0].astimezone(TIMES[0][1])]
    with clock_at(holder):
        wallet = Wallet("ada", actor="ada")
        app.save(wallet)
        for at, zone in TIMES[1:]:
            holder[0] = at.astimezone(zone)
            wallet.grant(1, actor="ada")
            app.save(wallet)
    app.close()
    opened = open_store(target)
    yield opened
    opened.close()
    cleanup()


EDGES = [
    (datetime(2026, 6, 10, tzinfo=UTC), datetime(2026, 6, 10, 23, 59, 59, 999999, tzinfo=UTC)),
    (datetime(2026, 6, 10, 0, 0, 0, 2, tzinfo=UTC), datetime(2026, 6, 11, 8, 0, tzinfo=UTC)),
    (datetime(2026, 6, 9, 23, 59, 59, 999999, tzinfo=UTC), datetime(2026, 6, 10, 0, 0, 0, 1, tzinfo=UTC)),
    (datetime(2026, 6, 11, 0, 0, tzinfo=UTC), None),
    (None, datetime(2026, 6, 10, 8, 59, 59, 999999, tzinfo=UTC)),
]


@pytest.mark.parametrize("since, until", EDGES)
def test_a_time_filter_keeps_exactly_the_events_timed_in_its_range(store, since, until):
    every = store.read_all(limit=100)
    assert sorted(e.recorded_at for e in every) == sorted(at for at, _ in TIMES)
    expected = [e.position for e in every if (since is None or e.recorded_at >= since)
                and (until is None or e.recorded_at <= until)]
    assert [e.position for e in store.read_all(limit=100, filters=EventFilter(since=since, until=until))] == expected


def test_histograms_count_each_event_in_the_bucket_of_its_own_time(store):
    # bucket edges half a second from every event (SQLite counts its buckets to the millisecond)
    start, end = datetime(2026, 6, 9, 12, 0, 0, 500000, tzinfo=UTC), datetime(2026, 6, 12, 12, 0, 0, 500000, tzinfo=UTC)
    for buckets in (3, 6, 72):
        width = (end - start) / buckets
        expected = [0] * buckets
        for at, _ in TIMES:
            if start <= at < end:
                expected[int((at - start) / width)] += 1
        assert store.histogram(start, end, buckets).counts == expected, buckets
    zoom = (datetime(2026, 6, 10, 8, tzinfo=UTC), datetime(2026, 6, 11, 8, tzinfo=UTC))
    assert store.histogram(*zoom, 2).counts == [1, 1]  # 09:00 and 23:59:59.999999; 08:00 next day is the end
