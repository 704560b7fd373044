"""A mapping's ``time = "iso"`` declares every stored time written in one ISO-8601 form and zone,
so that text order is time order (the first/last times, the time range and histogram buckets are
then read off the text). Where the stored texts are not so (mixed offsets, 'Z' among offsets), the
store says so and reads every time as ``auto`` does: first/last times, the time range and the
histogram are the events' own instants, never the text's order. On SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from inspector.stores import open_store

from .servers import writable_target

UTC = timezone.utc

#: (position, stream, version, time as written): the trial's wallet-1, and one zone elsewhere
MIXED = [
    (1, "Wallet-1", 1, "2026-03-29T02:30:00+02:00"),
    (2, "wallet-1", 1, "2026-03-29T00:10:00Z"),
    (3, "Wallet-1", 2, "2026-03-29T01:00:00+01:00"),
    (4, "wallet-1", 2, "2026-03-28T23:20:00-01:00"),
    (5, "wallet-1 ", 1, "2026-03-29T00:30:00Z"),
    (6, "Wallet-1", 3, "2026-03-29T03:00:00+02:00"),
]
#: the same instants, every one written as UTC with 'Z'
ONE_FORM = [(p, s, v, datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
            for p, s, v, t in MIXED]

DDL = {
    "sqlite": "CREATE TABLE audit_events (id INTEGER PRIMARY KEY, aggregate_id text, seq integer, event_type text, "
              "created text, body text)",
    "postgresql": "CREATE TABLE audit_events (id bigint PRIMARY KEY, aggregate_id text, seq int, event_type text, "
                  "created text, body text)",
    "mysql": "CREATE TABLE audit_events (id bigint PRIMARY KEY, aggregate_id varchar(64), seq int, "
             "event_type varchar(64), created varchar(40), body longtext) DEFAULT CHARSET=utf8mb4 "
             "COLLATE utf8mb4_general_ci",
}

MAPPING = """table = "audit_events"
[columns]
position = "id"
stream = "aggregate_id"
version = "seq"
type = "event_type"
recorded_at = "created"
data = "body"
[codec]
data = "json"
time = "iso"
"""


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def engine(request):
    return request.param


def _store(request, tmp_path, engine, rows):
    writer, target, clean = writable_target(request, engine, tmp_path / "iso.db", "isodecl")
    with writer.begin() as conn:
        conn.exec_driver_sql(DDL[engine])
        conn.execute(sa.text("INSERT INTO audit_events VALUES (:p, :s, :v, 'Ticked', :t, '{}')"),
                     [{"p": p, "s": s, "v": v, "t": t} for p, s, v, t in rows])
    writer.dispose()
    mapping = tmp_path / "iso.toml"
    mapping.write_text(MAPPING)
    request.addfinalizer(clean)
    return target, mapping


def _instants(rows):
    return [datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(UTC) for _, _, _, t in rows]


def test_mixed_offsets_under_a_declared_iso_give_each_streams_own_first_and_last_times(request, tmp_path, engine):
    target, mapping = _store(request, tmp_path, engine, MIXED)
    store = open_store(target, mapping=str(mapping))
    try:
        listed = {s.stream: (s.first_at, s.last_at) for s in store.streams()}
        assert listed["wallet-1"] == (datetime(2026, 3, 29, 0, 10, tzinfo=UTC), datetime(2026, 3, 29, 0, 20, tzinfo=UTC))
        assert listed["Wallet-1"] == (datetime(2026, 3, 29, 0, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC))
        for stream, (first, last) in listed.items():
            times = [e.recorded_at for e in store.read_stream(stream)]
            assert (first, last) == (min(times), max(times)), stream
        instants = _instants(MIXED)
        assert store.time_range() == (min(instants), max(instants))
        start, end = min(instants), max(instants) + timedelta(minutes=1)
        histogram = store.histogram(start, end, 4)
        edges = store.bucket_edges(start, end, 4)
        assert histogram.counts == [sum(edges[i] <= t < edges[i + 1] for t in instants) for i in range(4)]
        notes = " ".join(store.describe(counts=False).notes)
        assert 'declares time = "iso"' in notes and "'2026-03-29T00:10:00Z' at position 2" in notes
        assert "2026-03-29T02:30:00+02:00" in notes and 'read as with time = "auto"' in notes
    finally:
        store.close()


def test_the_command_line_says_the_declared_form_does_not_hold(request, tmp_path, engine):
    target, mapping = _store(request, tmp_path, engine, MIXED)
    done = subprocess.run([sys.executable, "-m", "inspector", "streams", target, "--mapping", str(mapping), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert 'note: the mapping declares time = "iso"' in done.stderr
    assert '"first_at": "2026-03-29T00:10:00Z"' in done.stdout and '"last_at": "2026-03-29T00:20:00Z"' in done.stdout


def test_times_in_one_form_and_zone_keep_the_declared_reading(request, tmp_path, engine):
    target, mapping = _store(request, tmp_path, engine, ONE_FORM)
    store = open_store(target, mapping=str(mapping))
    try:
        assert store.layout.time_sorts_as_stored() and store.layout.declared_form_broken is None
        assert not any("iso" in note for note in store.describe(counts=False).notes)
        instants = _instants(MIXED)
        assert store.time_range() == (min(instants), max(instants))
        listed = {s.stream: (s.first_at, s.last_at) for s in store.streams()}
        assert listed["wallet-1"] == (datetime(2026, 3, 29, 0, 10, tzinfo=UTC), datetime(2026, 3, 29, 0, 20, tzinfo=UTC))
    finally:
        store.close()


@pytest.mark.parametrize("other", ["2026-03-29t00:10:00Z", "2026-03-29T00:10:00z", "2026-03-29 00:10:00Z",
                                   "2026-03-29T00:10:00.5Z", "2026-03-29T00:10Z", "not a time"])
def test_any_other_form_breaks_the_declaration(request, tmp_path, other):
    rows = [*ONE_FORM[:3], (4, "wallet-1", 2, other), *ONE_FORM[4:]]
    target, mapping = _store(request, tmp_path, "mysql", rows)  # MariaDB's collation takes 'z' for 'Z'
    store = open_store(target, mapping=str(mapping))
    try:
        assert not store.layout.time_sorts_as_stored()
        assert repr(other) in store.layout.declared_form_broken
    finally:
        store.close()


#: offsets of one shape (+01:00 and +02:00, as around a change of summer time): text order is not time order
SAME_SHAPE_OFFSETS = [
    (1, "wallet-1", 1, "2026-03-29T02:10:00+02:00"),
    (2, "wallet-1", 2, "2026-03-29T00:20:00+01:00"),
    (3, "wallet-2", 1, "2026-03-29T00:30:00+02:00"),
    (4, "wallet-2", 2, "2026-03-28T23:50:00+01:00"),
]


def test_offsets_of_one_shape_but_other_hours_break_the_declaration(request, tmp_path, engine):
    target, mapping = _store(request, tmp_path, engine, SAME_SHAPE_OFFSETS)
    store = open_store(target, mapping=str(mapping))
    try:
        assert not store.layout.time_sorts_as_stored()
        assert "'2026-03-29T00:20:00+01:00' at position 2" in store.layout.declared_form_broken
        listed = {s.stream: (s.first_at, s.last_at) for s in store.streams()}
        assert listed["wallet-2"] == (datetime(2026, 3, 28, 22, 30, tzinfo=UTC), datetime(2026, 3, 28, 22, 50, tzinfo=UTC))
        assert listed["wallet-1"] == (datetime(2026, 3, 28, 23, 20, tzinfo=UTC), datetime(2026, 3, 29, 0, 10, tzinfo=UTC))
        instants = _instants(SAME_SHAPE_OFFSETS)
        assert store.time_range() == (min(instants), max(instants))
    finally:
        store.close()


@pytest.mark.parametrize("other", ["2026-03-29T00:10:00.1+0100", "2026-03-29T00:10:00.123+01", "2026-03-29T00:10:00.12345Z"])
def test_a_zone_in_the_places_of_a_fractions_digits_breaks_the_declaration(request, tmp_path, engine, other):
    rows = [(1, "wallet-1", 1, "2026-03-29T00:20:00.123456"), (2, "wallet-1", 2, other),
            (3, "wallet-1", 3, "2026-03-29T00:30:00.000000")]
    assert all(len(t) == len(rows[0][3]) for _, _, _, t in rows)  # one length: only the zone differs
    target, mapping = _store(request, tmp_path, engine, rows)
    store = open_store(target, mapping=str(mapping))
    try:
        assert not store.layout.time_sorts_as_stored()
        assert repr(other) in store.layout.declared_form_broken
        (listed,) = store.streams()
        times = [e.recorded_at for e in store.read_stream("wallet-1")]
        assert (listed.first_at, listed.last_at) == (min(times), max(times))
    finally:
        store.close()
