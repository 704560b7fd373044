"""First and last times of ISO text times on SQLite are exact to the microsecond in the stream
list, the type survey (types and their fields) and the time range, as ``events`` shows them:
SQLite's ``julianday`` alone keeps milliseconds (``…14.082813`` read as ``…14.083``). Tested on a
store the eventsourcing library wrote, on the slices the inspector exports from it, and on a
generic table whose times are written in mixed ISO forms and zones."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone

import pytest

from inspector.cli import main
from inspector.stores import open_store

from .shop import Shop, Wallet, clock_at


def _at(second: int, micro: int) -> datetime:
    return datetime(2026, 12, 7, 9, 0, second, micro, tzinfo=timezone.utc)


#: Opened, CreditsGranted, CreditsGranted, CreditsSpent: a time julianday rounds up into the next
#: second, one it rounds up within its millisecond, a whole second, one it rounds up again
TIMES = [_at(13, 999600), _at(14, 82813), _at(15, 0), _at(15, 515714)]


@pytest.fixture(scope="module")
def library_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("exact") / "bank.db"
    app = Shop(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    holder = [TIMES[0]]
    with clock_at(holder):
        wallet = Wallet("ada", actor="ada")
        app.save(wallet)
        for at, act in zip(TIMES[1:], [lambda: wallet.grant(5, actor="ada"), lambda: wallet.grant(7, actor="ada"),
                                       lambda: wallet.spend(1, actor="bob")]):
            holder[0] = at
            act()
            app.save(wallet)
    app.close()
    return path, str(wallet.id)


def _json(capsys, *args: str):
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _slices(library_store, capsys):
    path, _ = library_store
    targets = [path]
    for fmt, name in (("jsonl", "slice.jsonl"), ("sqlite", "slice.db")):
        target = path.with_name(name)
        if not target.exists():
            assert main(["export", str(path), "--format", fmt, "-o", str(target)]) == 0
            capsys.readouterr()
        targets.append(target)
    return targets


def test_the_stream_list_gives_first_and_last_times_to_the_microsecond(library_store, capsys):
    _, wallet = library_store
    for target in _slices(library_store, capsys):
        listed = _json(capsys, "streams", str(target))
        assert [(s["stream"], s["first_at"], s["last_at"]) for s in listed] == [
            (wallet, "2026-12-07T09:00:13.999600Z", "2026-12-07T09:00:15.515714Z")], target.name
        events = _json(capsys, "events", str(target), "--stream", wallet)
        assert [e["recorded_at"] for e in events] == [
            "2026-12-07T09:00:13.999600Z", "2026-12-07T09:00:14.082813Z", "2026-12-07T09:00:15Z",
            "2026-12-07T09:00:15.515714Z"]


def test_the_type_survey_gives_first_and_last_seen_to_the_microsecond(library_store, capsys):
    for target in _slices(library_store, capsys):
        survey = {t["type"]: t for t in _json(capsys, "types", str(target))["types"]}
        granted = survey["Wallet.CreditsGranted"]
        assert (granted["first_at"], granted["last_at"]) == ("2026-12-07T09:00:14.082813Z", "2026-12-07T09:00:15Z")
        amount = {f["field"]: f for f in granted["fields"]}["amount"]
        assert (amount["first_at"], amount["last_at"]) == ("2026-12-07T09:00:14.082813Z", "2026-12-07T09:00:15Z")
        assert [(seen["first_at"], seen["last_at"]) for seen in amount["json_types"]] == [
            ("2026-12-07T09:00:14.082813Z", "2026-12-07T09:00:15Z")]
        opened = survey["Wallet.Opened"]
        assert (opened["first_at"], opened["last_at"]) == ("2026-12-07T09:00:13.999600Z",) * 2, target.name


def test_the_time_range_is_exact_to_the_microsecond(library_store, capsys):
    for target in _slices(library_store, capsys):
        store = open_store(str(target))
        try:
            assert store.time_range() == (TIMES[0], TIMES[-1]), target.name
        finally:
            store.close()


def test_mixed_iso_forms_and_zones_give_exact_first_and_last_times(tmp_path):
    path = tmp_path / "mixed.db"
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, "
                       "type TEXT, recorded_at TEXT, data TEXT);")
    rows = [  # (stream, recorded_at as written): each stream's first and last are the ones marked
        ("a-1", "2026-12-07T10:00:00.0004+01:00"),     # first: 09:00:00.000400 UTC
        ("a-1", "2026-12-07T09:00:00.000600Z"),
        ("a-1", "2026-12-07 09:00:01.9999996"),         # last: 09:00:01.999999 (seven digits, cut as Python does)
        ("b-1", "2026-12-07T08:59:59.9996-00:00"),      # first
        ("b-1", "2026-12-07T09:00:00Z"),
        ("b-1", "2026-12-07T11:00:00.000499+0200"),     # last: 09:00:00.000499 UTC, a form julianday does not read
        ("c-1", "not a time"),
    ]
    conn.executemany("INSERT INTO events (stream, version, type, recorded_at, data) VALUES (?, ?, 'Noted', ?, '{}')",
                     [(stream, index, at) for index, (stream, at) in enumerate(rows)])
    conn.commit()
    conn.close()

    store = open_store(str(path))
    try:
        listed = {s.stream: (s.first_at, s.last_at) for s in store.streams()}
        assert store.time_range() == (_at(59, 999600).replace(minute=59, hour=8), _at(1, 999999).replace(second=1))
        survey = store.type_survey()
    finally:
        store.close()
    assert listed == {
        "a-1": (_at(0, 400), _at(1, 999999)),
        "b-1": (datetime(2026, 12, 7, 8, 59, 59, 999600, tzinfo=timezone.utc), _at(0, 499)),
        "c-1": (None, None),
    }
    noted = survey.types[0]
    assert (noted.first_at, noted.last_at) == (datetime(2026, 12, 7, 8, 59, 59, 999600, tzinfo=timezone.utc),
                                               _at(1, 999999))


def test_a_stream_written_in_two_zones_gives_its_first_and_last_instants(tmp_path):
    """The library writes each timestamp in its own zone: text order is time order only within one."""
    from datetime import timedelta

    path = tmp_path / "zones.db"
    app = Shop(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)})
    plus_two = timezone(timedelta(hours=2))
    holder = [datetime(2026, 12, 7, 11, 0, 0, 250001, tzinfo=plus_two)]  # 09:00:00.250001 UTC: the first
    with clock_at(holder):
        wallet = Wallet("ada", actor="ada")
        app.save(wallet)
        holder[0] = _at(0, 250002)  # '09:00…' sorts before '11:00…' as text, and is later
        wallet.grant(5, actor="ada")
        app.save(wallet)
        holder[0] = datetime(2026, 12, 7, 10, 0, 0, 999, tzinfo=timezone(timedelta(hours=1)))  # 09:00:00.000999
        wallet.grant(1, actor="ada")
        app.save(wallet)
    app.close()

    store = open_store(str(path))
    try:
        [listed] = store.streams()
        assert (listed.first_at, listed.last_at) == (_at(0, 999), _at(0, 250002))
        assert store.time_range() == (_at(0, 999), _at(0, 250002))
    finally:
        store.close()
