"""Every text time form an event shows a time for is found by that time in SQL, on SQLite,
PostgreSQL and MariaDB: ``events --since/--until``, the stream list's first and last times, the
store's time range and the histogram count exactly the events whose decoded times say so.

The forms are the grammar of stored times (``inspector.core.events.STORED_TIME``), each of its
choices crossed with the others: ``T``, ``t`` or a space; minutes, seconds, fractions of 1 to 12
digits after ``.`` or ``,`` (.NET writes seven); no zone, ``Z``, ``z`` and offsets ``+HH``,
``+HHMM``, ``+HH:MM`` up to 15:59 either way; ASCII blanks around the text; the first and last
microseconds Python holds. Text that ``datetime.fromisoformat`` takes but the grammar does not (a
date alone, week dates, hour 24, any separator, ``10.5`` hours, offsets with seconds...) is no
time, in the events as in every SQL reading. A generic mapped table with a text time column,
with and without an index on it (the index is read by date windows)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.core.events import parse_time
from inspector.core.matching import EventFilter
from inspector.stores import open_store

from .servers import writable_target

UTC = timezone.utc
SEPARATORS = ["T", "t", " "]
#: (written zone, its offset in minutes)
ZONES = [("", 0), ("Z", 0), ("z", 0), ("+00:00", 0), ("-00:00", 0), ("+05", 300), ("-11", -660),
         ("+0530", 330), ("-0345", -225), ("+01:00", 60), ("-09:30", -570), ("+15:59", 959), ("-15:59", -959)]
#: how the clock is written: "minutes", "seconds", or the fraction's point and its digits
CLOCKS = ["minutes", "seconds", *((".", n) for n in (1, 2, 3, 4, 5, 6, 7, 9, 12)), *((",", n) for n in (1, 6, 7))]
BLANKS = [("", ""), (" ", ""), ("", " "), ("\t", "\n"), ("", "\r\n"), ("  \f", ""), ("", "\v"), (" \t ", " \t ")]
BASE = datetime(2026, 3, 1, tzinfo=UTC)


def _written(instant: datetime, sep: str, clock, zone: str, minutes: int, blanks: tuple[str, str]) -> tuple[str, datetime]:
    """``instant`` written in this form, and the instant the text stands for (cut to the
    precision the form keeps)."""
    if clock == "minutes":
        instant = instant.replace(second=0, microsecond=0)
    elif clock == "seconds":
        instant = instant.replace(microsecond=0)
    local = (instant + timedelta(minutes=minutes)).replace(tzinfo=None)
    text = local.strftime("%Y-%m-%d") + sep + local.strftime("%H:%M")
    if clock != "minutes":
        text += local.strftime(":%S")
    if isinstance(clock, tuple):
        point, length = clock
        digits = f"{instant.microsecond:06d}"
        if length <= 6:
            digits = digits[:length]
            instant = instant.replace(microsecond=int(digits.ljust(6, "0")))
        else:
            digits += "987654"[:length - 6]  # digits past the microsecond are cut, never rounded up
        text += point + digits
    return blanks[0] + text + zone + blanks[1], instant


def _grammar_rows() -> list[tuple[str, str, datetime]]:
    """``(stream, text, instant)``: every separator, clock and zone crossed, blanks in turn,
    one stream per zone form; instants apart by 61.123457 s."""
    rows = []
    index = 0
    for zone, minutes in ZONES:
        for sep in SEPARATORS:
            for clock in CLOCKS:
                instant = BASE + index * timedelta(seconds=61, microseconds=123457)
                text, at = _written(instant, sep, clock, zone, minutes, BLANKS[index % len(BLANKS)])
                rows.append((f"zone{zone or '-none'}", text, at))
                index += 1
    return rows


#: the first and last instants a datetime holds, leap days, an offset moving a time across a year
EDGES = [
    ("9999-12-31T23:59:59.9999999Z", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ("9999-12-31 23:59:59.999999+00:00", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ("9999-12-31T08:00:00-15:59", datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
    ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
    ("0001-01-01t01:00+01:00", datetime(1, 1, 1, tzinfo=UTC)),
    (" 0001-01-01 00:00:00,000001 ", datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC)),
    ("2024-02-29T12:00:00Z", datetime(2024, 2, 29, 12, tzinfo=UTC)),
    ("2000-02-29t00:00z", datetime(2000, 2, 29, tzinfo=UTC)),
    ("2025-12-31T23:30:00-01:00", datetime(2026, 1, 1, 0, 30, tzinfo=UTC)),
]

#: text ``datetime.fromisoformat`` (or a blank-stripping reader) takes but the grammar does not,
#: and text shaped like a time that is none: no time anywhere
NO_TIMES = [
    "2026-03-01", "2026-03-01Z", "20260301", "2026-W09-7", "2026-03-01T10", "2026-03-01T10Z", "2026-03-01T1000",
    "2026-03-01T100000", "20260301T100000Z", "2026-03-01X10:00:00", "2026-03-01_10:00", "2026-03-01T10.5",
    "2026-03-01T10:00.5", "2026-03-01T10:00:00.Z", "2026-03-01T10:00:00 +01:00", "2026-03-01T10:00:00+01:00:30",
    "2026-03-01T10:00:00+01:00:30.5", "2026-03-01T24:00:00", "2026-03-01T10:60:00", "2026-03-01T10:00:60Z",
    "2026-03-01T10:00:00+16:00", "2026-03-01T10:00:00-1600", "2026-03-01T10:00:00+01:60", "2026-03-01T10:00:00Zz",
    "2026-03-01T10:00:00\u00a0", "\u30002026-03-01T10:00:00Z", "２０２６-03-01T10:00:00Z", "2023-02-29T10:00:00Z",
    "2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00+00:30",
    "9999-12-31T23:30:00-01:00", "2026-3-1T10:00:00Z", "2026-03-01T10:00:00+1", "2026-03-01T10:00:00+01:0",
    "not a time", "", " ", "now",
]

DDL = {
    "sqlite": "CREATE TABLE events (position INTEGER PRIMARY KEY, stream text, version integer, type text, "
              "recorded_at text, data text)",
    "postgresql": "CREATE TABLE events (position bigserial PRIMARY KEY, stream text, version bigint, type text, "
                  "recorded_at text, data text)",
    "mariadb": "CREATE TABLE events (position bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, stream varchar(100), "
               "version bigint, type varchar(100), recorded_at varchar(80), data longtext) DEFAULT CHARSET=utf8mb4",
}


def _rows() -> list[tuple[str, str, datetime | None]]:
    return [*_grammar_rows(), *(("edges", text, at) for text, at in EDGES),
            *(("no-times", text, None) for text in NO_TIMES),
            ("mixed", "2026-03-01t09:00:00z", datetime(2026, 3, 1, 9, tzinfo=UTC)), ("mixed", "2026-03-01", None),
            ("mixed", " 2026-03-01T08:00:00.1234567+01:00 ", datetime(2026, 3, 1, 7, 0, 0, 123456, tzinfo=UTC))]


def test_python_reads_each_grammar_row_as_written_and_the_others_as_no_time():
    for _, text, at in _rows():
        assert parse_time(text) == at, text


@pytest.fixture(scope="module", params=[(engine, indexed) for engine in ("sqlite", "postgresql", "mariadb")
                                        for indexed in (False, True)],
                ids=lambda p: f"{p[0]}-{'indexed' if p[1] else 'no-index'}")
def every_form(request, tmp_path_factory):
    engine, indexed = request.param
    writer, target, cleanup = writable_target(request, engine, tmp_path_factory.mktemp("forms") / "forms.db", "timeforms")
    events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data")))
    versions: dict[str, int] = {}
    rows = []
    for stream, text, _ in _rows():
        versions[stream] = versions.get(stream, 0) + 1
        rows.append({"stream": stream, "version": versions[stream], "type": "Ticked", "recorded_at": text, "data": "{}"})
    with writer.begin() as conn:
        conn.exec_driver_sql(DDL[engine])
        if indexed:
            conn.exec_driver_sql("CREATE INDEX events_recorded_at ON events (recorded_at)")
        conn.execute(events.insert(), rows)
    writer.dispose()
    store = open_store(target, layout="generic")
    try:
        yield store, target
    finally:
        store.close()
        cleanup()


def _shown(store) -> dict[tuple[str, int], datetime | None]:
    return {(event.stream, event.version): event.recorded_at for event in store.read_all(limit=10_000)}


def _found(store, **bounds) -> set[tuple[str, int]]:
    return {(event.stream, event.version) for event in store.read_all(limit=10_000, filters=EventFilter(**bounds))}


def test_every_event_shows_the_time_its_text_stands_for(every_form):
    store, _ = every_form
    shown = _shown(store)
    expected = {}
    versions: dict[str, int] = {}
    for stream, _, at in _rows():
        versions[stream] = versions.get(stream, 0) + 1
        expected[(stream, versions[stream])] = at
    assert shown == expected


def test_since_and_until_find_exactly_the_events_their_times_say(every_form):
    store, _ = every_form
    shown = _shown(store)
    timed = {key: at for key, at in shown.items() if at is not None}
    assert _found(store, since=datetime(1, 1, 1, tzinfo=UTC)) == set(timed)
    assert _found(store, until=datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)) == set(timed)
    instants = sorted(set(timed.values()))
    for at in [*instants[::11], *instants[-12:], *instants[:4]]:
        for step in (-1, 0, 1):
            try:
                bound = at + timedelta(microseconds=step)
            except OverflowError:
                continue  # a bound past what a datetime holds
            since_found, until_found = _found(store, since=bound), _found(store, until=bound)
            assert since_found == {key for key, t in timed.items() if t >= bound}, bound
            assert until_found == {key for key, t in timed.items() if t <= bound}, bound
        assert _found(store, since=at, until=at) == {key for key, t in timed.items() if t == at}, at


def test_stream_list_and_time_range_give_the_events_first_and_last_times(every_form):
    store, _ = every_form
    shown = _shown(store)
    for summary in store.streams():
        times = [at for (stream, _), at in shown.items() if stream == summary.stream and at is not None]
        assert (summary.first_at, summary.last_at) == ((min(times), max(times)) if times else (None, None)), \
            summary.stream
    timed = [at for at in shown.values() if at is not None]
    assert store.time_range() == (min(timed), max(timed))


@pytest.mark.parametrize("buckets", [1, 7, 60])
def test_histogram_counts_the_events_whose_times_fall_in_each_bucket(every_form, buckets):
    store, _ = every_form
    shown = _shown(store)
    start = BASE - timedelta(hours=16, seconds=0.5)
    end = BASE + timedelta(hours=16)
    width = (end - start) / buckets
    expected = [0] * buckets
    for at in shown.values():
        if at is not None and start <= at < end:
            expected[int((at - start) / width)] += 1
    assert store.histogram(start, end, buckets).counts == expected
    # and within a filter's bounds
    since, until = BASE + timedelta(hours=1, seconds=0.25), BASE + timedelta(hours=5, seconds=0.75)
    inside = [0] * buckets
    for at in shown.values():
        if at is not None and since <= at <= until and start <= at < end:
            inside[int((at - start) / width)] += 1
    assert store.histogram(start, end, buckets, EventFilter(since=since, until=until)).counts == inside


def test_events_since_until_on_the_command_line_lists_the_same_events(every_form, capsys):
    store, target = every_form
    shown = _shown(store)
    since, until = "2026-03-01T02:00:00.5Z", "2026-03-01t03:00:00.1234567+00:30"
    low, high = parse_time(since), parse_time(until)
    expected = {key for key, at in shown.items() if at is not None and low <= at <= high}
    assert main(["events", target, "--layout", "generic", "--json", "--since", since, "--until", until,
                 "--limit", "10000"]) == 0
    out = capsys.readouterr().out
    listed = json.loads(out)
    found = {(event["stream"], event["version"]) for event in listed}
    assert found == expected and expected
