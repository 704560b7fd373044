"""The generic layout reads every column type from the schema, on SQLite, PostgreSQL and MariaDB.

A matrix of generic ``events`` tables (ids x times x payloads, each type on each engine where
it exists), each holding six events at known instants, is read through the store API and the
CLI: the times read, ``events --since/--until`` at exact event instants, ``streams`` first and
last activity, ``replay --at`` an instant, histogram counts (by the index and by epoch seconds)
and what ``info`` says about each column. Epoch numbers carry no unit in the schema: their unit
is told by magnitude, nanoseconds are compared as integers.
"""

from __future__ import annotations


import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.core.events import Moment, format_time
from inspector.replay import replay
from inspector.replay.cache import SnapshotCache
from inspector.stores import open_store
from inspector.stores.base import EventFilter

from .servers import scratch_database, wait_for_a_change_mark

UTC = timezone.utc
BASE = datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
#: (stream key, version, instant before the column's precision is applied)
EVENTS = [
    ("A", 1, BASE),
    ("A", 2, BASE + timedelta(seconds=1, milliseconds=250)),
    ("B", 1, BASE + timedelta(hours=2)),
    ("A", 3, BASE + timedelta(days=1)),  # exactly one day after the first: a histogram bucket edge
    ("B", 2, BASE + timedelta(days=1, seconds=3)),
    ("B", 3, BASE + timedelta(days=1, hours=5)),
]
UUID_A = uuid.UUID("1b4e28ba-2fa1-11d2-883f-0016d3cca427")
UUID_B = uuid.UUID("6fa459ea-ee8a-3ca4-894e-db77e160355e")
BIG = 2**70  # an integer no double holds
PRICE = "0.1000000000000000000001"  # a decimal no double holds


def payload(version: int, key: str) -> str:
    word = "lantern" if (key, version) == ("B", 2) else "plain"
    return f'{{"n": {version}, "big": {BIG}, "price": {PRICE}, "note": "{word}"}}'


# --- time kinds ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TimeKind:
    ddl: dict[str, str]  # engine -> column type
    precision: timedelta  # what the column keeps of an instant
    write: Callable[[datetime], Any]  # the stored value of an instant on that precision
    type_text: str  # in info's type
    reading: str  # in info's reading
    extra_ns: bool = False  # stored nanoseconds below the microsecond (read truncated)


def _micros(at: datetime) -> int:
    return (at - EPOCH) // US


def _iso(at: datetime, sep: str = "T") -> str:
    return format_time(at).replace("T", sep)


SECOND, MILLI = timedelta(seconds=1), timedelta(milliseconds=1)
TIMES: dict[str, TimeKind] = {
    "iso_text": TimeKind({"sqlite": "TEXT", "postgresql": "text", "mysql": "VARCHAR(40)"}, MILLI, _iso,
                         "", "ISO-8601 text"),
    "iso_text_us": TimeKind({"postgresql": "varchar(40)", "mysql": "VARCHAR(40)"}, US, _iso, "VARCHAR", "ISO-8601 text"),
    "sqlite_datetime": TimeKind({"sqlite": "DATETIME"}, MILLI, lambda at: _iso(at, " ")[:-1], "DATETIME",
                                "ISO-8601 text"),
    "timestamptz": TimeKind({"postgresql": "timestamptz"}, US, lambda at: at, "WITH TIME ZONE",
                            "timestamp with time zone"),
    "timestamp3": TimeKind({"postgresql": "timestamp(3)"}, MILLI, lambda at: at.replace(tzinfo=None), "TIMESTAMP(3)",
                           "read as UTC"),
    "datetime0": TimeKind({"mysql": "DATETIME"}, SECOND, lambda at: at.replace(tzinfo=None), "DATETIME",
                          "read as UTC, whole seconds"),
    "datetime3": TimeKind({"mysql": "DATETIME(3)"}, MILLI, lambda at: at.replace(tzinfo=None), "DATETIME(3)",
                          "3 fractional digits kept"),
    "datetime6": TimeKind({"mysql": "DATETIME(6)"}, US, lambda at: at.replace(tzinfo=None), "DATETIME(6)",
                          "6 fractional digits kept"),
    "timestamp6": TimeKind({"mysql": "TIMESTAMP(6) NULL"}, US, lambda at: at.replace(tzinfo=None), "TIMESTAMP(6)",
                           "timestamp read as UTC, 6 fractional digits kept"),
    "epoch_s": TimeKind({"sqlite": "INTEGER", "postgresql": "bigint", "mysql": "BIGINT"}, SECOND,
                        lambda at: _micros(at) // 10**6, "INT", "epoch seconds, assumed from magnitude"),
    "epoch_ms": TimeKind({"sqlite": "INTEGER", "postgresql": "bigint", "mysql": "BIGINT"}, MILLI,
                         lambda at: _micros(at) // 10**3, "INT", "epoch milliseconds, assumed from magnitude"),
    "epoch_us": TimeKind({"sqlite": "BIGINT", "postgresql": "bigint", "mysql": "BIGINT"}, US,
                         lambda at: _micros(at), "BIGINT", "epoch microseconds, assumed from magnitude"),
    "epoch_ns": TimeKind({"sqlite": "BIGINT", "postgresql": "bigint", "mysql": "BIGINT"}, US,
                         lambda at: _micros(at) * 1000 + 789, "BIGINT", "epoch nanoseconds, assumed from magnitude",
                         extra_ns=True),
    "float_s": TimeKind({"sqlite": "REAL", "postgresql": "double precision", "mysql": "DOUBLE"}, MILLI,
                        lambda at: _micros(at) / 10**6, "", "epoch seconds, assumed from magnitude"),
    "decimal_s": TimeKind({"postgresql": "numeric(20,6)", "mysql": "DECIMAL(20,6)"}, US,
                          lambda at: Decimal(_micros(at)) / 10**6, "NUMERIC|DECIMAL", "epoch seconds, assumed from magnitude"),
}

# --- payload kinds: (DDL per engine, value written, reading) ---------------------------------
PAYLOADS: dict[str, tuple[dict[str, str], Callable[[str], Any], str]] = {
    "text": ({"sqlite": "TEXT", "postgresql": "text", "mysql": "LONGTEXT"}, lambda text: text, "JSON text"),
    "varchar": ({"mysql": "VARCHAR(2000)"}, lambda text: text, "JSON text"),
    "blob": ({"sqlite": "BLOB", "postgresql": "bytea", "mysql": "LONGBLOB"}, lambda text: text.encode(),
             "bytes holding UTF-8 JSON"),
    "sqlite_json": ({"sqlite": "JSON"}, lambda text: text, "json, read as its text"),
    "json": ({"postgresql": "json", "mysql": "JSON"}, lambda text: text, "json"),
    "jsonb": ({"postgresql": "jsonb"}, lambda text: text, "jsonb, read as its text"),
}
MARIADB_JSON_READING = "LONGTEXT with a json_valid check"

# --- id kinds: (DDL per engine, stored A, stored B, shown A, shown B, reading) -----------------
IDS: dict[str, tuple[dict[str, str], Any, Any, str, str, str]] = {
    "text": ({"sqlite": "TEXT", "postgresql": "text", "mysql": "VARCHAR(100)"}, "order-1", "order-2",
             "order-1", "order-2", "text"),
    "uuid": ({"postgresql": "uuid", "mysql": "UUID"}, str(UUID_A), str(UUID_B), str(UUID_A), str(UUID_B),
             "uuid shown as text"),
    "binary16": ({"sqlite": "BLOB", "mysql": "BINARY(16)"}, UUID_A.bytes, UUID_B.bytes, str(UUID_A), str(UUID_B),
                 "16 shown as a UUID"),
    "bytes_mixed": ({"postgresql": "bytea", "mysql": "VARBINARY(64)"}, UUID_A.bytes, b"order-2", str(UUID_A),
                    "order-2", "16 shown as a UUID"),
    "char36": ({"mysql": "CHAR(36)"}, str(UUID_A), "order-2", str(UUID_A), "order-2", "text"),
}


@dataclass(frozen=True)
class Case:
    engine: str  # sqlite | postgresql | mysql
    ids: str
    time: str
    data: str

    @property
    def id(self) -> str:
        return f"{self.engine}-{self.ids}-{self.time}-{self.data}"


CASES = [
    Case("sqlite", "text", "iso_text", "text"),
    Case("sqlite", "binary16", "sqlite_datetime", "blob"),
    Case("sqlite", "text", "epoch_s", "sqlite_json"),
    Case("sqlite", "text", "epoch_ms", "text"),
    Case("sqlite", "binary16", "epoch_us", "text"),
    Case("sqlite", "text", "epoch_ns", "blob"),
    Case("sqlite", "text", "float_s", "text"),
    Case("postgresql", "text", "timestamptz", "jsonb"),
    Case("postgresql", "uuid", "timestamp3", "json"),
    Case("postgresql", "text", "iso_text_us", "text"),
    Case("postgresql", "bytes_mixed", "epoch_ms", "blob"),
    Case("postgresql", "uuid", "epoch_ns", "jsonb"),
    Case("postgresql", "text", "decimal_s", "text"),
    Case("postgresql", "text", "float_s", "jsonb"),
    Case("postgresql", "text", "epoch_s", "blob"),
    Case("postgresql", "bytes_mixed", "epoch_us", "json"),
    Case("mysql", "text", "datetime3", "json"),
    Case("mysql", "binary16", "datetime6", "text"),
    Case("mysql", "uuid", "timestamp6", "blob"),
    Case("mysql", "text", "datetime0", "varchar"),
    Case("mysql", "char36", "iso_text_us", "json"),
    Case("mysql", "bytes_mixed", "epoch_ms", "text"),
    Case("mysql", "binary16", "epoch_ns", "json"),
    Case("mysql", "text", "decimal_s", "blob"),
    Case("mysql", "text", "float_s", "json"),
    Case("mysql", "uuid", "epoch_us", "text"),
]


def floor_to(at: datetime, precision: timedelta) -> datetime:
    return at - (at - EPOCH) % precision


@dataclass
class Built:
    case: Case
    target: str  # what the CLI and open_store are given
    names: dict[str, str]  # stream key -> shown name
    times: dict[tuple[str, int], datetime]  # (key, version) -> the time the inspector must read
    cleanup: Callable[[], None]

    @property
    def kind(self) -> TimeKind:
        return TIMES[self.case.time]

    def name_of(self, key: str, version: int) -> tuple[str, int]:
        return self.names[key], version


def _ddl(case: Case, dialect: str) -> str:
    key = "mysql" if dialect in ("mysql", "mariadb") else dialect
    id_type = IDS[case.ids][0][key]
    time_type = TIMES[case.time].ddl[key]
    data_type = PAYLOADS[case.data][0][key]
    if key == "sqlite":
        position = "position INTEGER PRIMARY KEY"
    elif key == "postgresql":
        position = "position bigserial PRIMARY KEY"
    else:
        position = "position bigint NOT NULL AUTO_INCREMENT PRIMARY KEY"
    meta = {"sqlite": "TEXT", "postgresql": "jsonb", "mysql": "JSON"}[key]
    return (f"CREATE TABLE events ({position}, stream {id_type} NOT NULL, version bigint NOT NULL, "
            f"type varchar(100) NOT NULL, recorded_at {time_type}, data {data_type}, metadata {meta})")


def _rows(case: Case) -> list[dict[str, Any]]:
    kind = TIMES[case.time]
    ids = IDS[case.ids]
    make_data = PAYLOADS[case.data][1]
    rows = []
    for key, version, at in EVENTS:
        rows.append({
            "stream": ids[1] if key == "A" else ids[2], "version": version, "type": f"Step{version}",
            "recorded_at": kind.write(floor_to(at, kind.precision)), "data": make_data(payload(version, key)),
            "metadata": json.dumps({"actor": f"actor-{key.lower()}"}),
        })
    return rows


def _build(case: Case, request, tmp_path: Path) -> Built:
    kind = TIMES[case.time]
    ids = IDS[case.ids]
    names = {"A": ids[3], "B": ids[4]}
    times = {(key, version): floor_to(at, kind.precision) for key, version, at in EVENTS}
    columns = "stream, version, type, recorded_at, data, metadata"
    if case.engine == "sqlite":
        path = tmp_path / "typed.db"
        db = sqlite3.connect(path)
        db.execute(_ddl(case, "sqlite"))
        db.execute("CREATE INDEX events_stream_version ON events (stream, version)")
        db.execute("CREATE INDEX events_recorded_at ON events (recorded_at)")
        for row in _rows(case):
            db.execute(f"INSERT INTO events ({columns}) VALUES (?,?,?,?,?,?)",
                       [row[c.strip()] for c in columns.split(",")])
        db.commit()
        db.close()
        return Built(case, str(path), names, times, lambda: None)
    url = request.getfixturevalue("postgres_url" if case.engine == "postgresql" else "mysql_url")
    db = scratch_database(url, "types")
    dialect = db.writer.dialect.name
    casts = {"json": "json", "jsonb": "jsonb"} if dialect == "postgresql" else {}
    data_value = f"CAST(:data AS {casts[case.data]})" if case.data in casts else ":data"
    meta_value = "CAST(:metadata AS jsonb)" if dialect == "postgresql" else ":metadata"
    stream_value = "CAST(:stream AS uuid)" if (case.ids == "uuid" and dialect == "postgresql") else ":stream"
    with db.writer.begin() as conn:
        conn.exec_driver_sql(_ddl(case, dialect))
        conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
        conn.exec_driver_sql("CREATE INDEX events_recorded_at ON events (recorded_at)")
        insert = sa.text(f"INSERT INTO events ({columns}) VALUES "
                         f"({stream_value}, :version, :type, :recorded_at, {data_value}, {meta_value})")
        for row in _rows(case):
            conn.execute(insert, row)
    return Built(case, db.url, names, times, db.drop)


@pytest.fixture(scope="module", params=CASES, ids=lambda case: case.id)
def built(request, tmp_path_factory):
    case = request.param
    made = _build(case, request, tmp_path_factory.mktemp(case.id))
    yield made
    made.cleanup()


@pytest.fixture()
def store(built):
    opened = open_store(built.target)
    yield opened
    opened.close()


def run(capsys, *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return code, json.loads(out)


def shown(at: datetime) -> str:
    return format_time(at)


def keys_of(built: Built, events: list[dict[str, Any]]) -> set[tuple[str, int]]:
    back = {name: key for key, name in built.names.items()}
    return {(back[e["stream"]], e["version"]) for e in events}


# --- the tests ---------------------------------------------------------------------------------
def test_every_event_is_read_with_its_stored_time_and_exact_payload(built, store):
    events = store.read_all(limit=100)
    assert len(events) == len(EVENTS)
    back = {name: key for key, name in built.names.items()}
    for event in events:
        assert event.problem is None, event.problem
        key = back[event.stream]
        assert event.recorded_at == built.times[(key, event.version)]
        assert event.data["big"] == BIG and event.data["n"] == event.version
        assert Decimal(str(event.data["price"])) == Decimal(PRICE)
        assert event.actor == f"actor-{key.lower()}"


def test_events_since_and_until_an_event_instant_pick_exactly_the_events_between(built, capsys):
    times = built.times
    since, until = times[("A", 2)], times[("B", 2)]
    _, events = run(capsys, "events", built.target, "--since", shown(since), "--until", shown(until),
                    "--limit", "100", "--json")
    assert keys_of(built, events) == {("A", 2), ("B", 1), ("A", 3), ("B", 2)}
    later = since + built.kind.precision  # one step of the column's own precision later
    _, events = run(capsys, "events", built.target, "--since", shown(later), "--limit", "100", "--json")
    assert keys_of(built, events) == {("B", 1), ("A", 3), ("B", 2), ("B", 3)}
    earlier = until - built.kind.precision
    _, events = run(capsys, "events", built.target, "--until", shown(earlier), "--limit", "100", "--json")
    assert keys_of(built, events) == {("A", 1), ("A", 2), ("B", 1), ("A", 3)}


def test_streams_say_first_and_last_activity_at_the_stored_instants(built, capsys):
    _, rows = run(capsys, "streams", built.target, "--json")
    by_name = {row["stream"]: row for row in rows}
    assert set(by_name) == set(built.names.values())
    for key in ("A", "B"):
        row = by_name[built.names[key]]
        assert row["count"] == 3
        assert row["first_at"] == shown(built.times[(key, 1)])
        assert row["last_at"] == shown(built.times[(key, 3)])


def test_replay_at_an_event_instant_includes_it_and_one_step_before_does_not(built, capsys):
    name = built.names["A"]
    at = built.times[("A", 2)]
    _, result = run(capsys, "replay", built.target, "--stream", name, "--at", shown(at), "--json")
    assert result["version"] == 2 and result["state"]["n"] == 2
    _, result = run(capsys, "replay", built.target, "--stream", name, "--at", shown(at - built.kind.precision),
                    "--json")
    assert result["version"] == 1


def test_replay_with_the_snapshot_cache_starts_from_a_checkpoint_whatever_the_payload_type(built, store, tmp_path):
    # a jsonb payload the driver parsed into a dict once failed the checkpoint fingerprint
    cache = SnapshotCache(tmp_path / "snapshots.sqlite", every=2)
    wait_for_a_change_mark(store)
    try:
        name = built.names["B"]
        cold = replay(store, name, cache=cache)
        warm = replay(store, name, cache=cache)
        at_time = replay(store, name, at=Moment(at=built.times[("B", 2)]), cache=cache)
    finally:
        cache.close()
    assert cold.problem is None and warm.problem is None, (cold.problem, warm.problem)
    assert warm.snapshot_source == "cache" and warm.state == cold.state and warm.version == 3
    assert warm.state["big"] == BIG and Decimal(str(warm.state["price"])) == Decimal(PRICE)
    assert at_time.version == 2 and at_time.state["note"] == "lantern"


@pytest.mark.parametrize("by_index", [True, False], ids=["index ranges", "epoch seconds"])
def test_histogram_counts_an_event_on_a_bucket_edge_in_the_later_bucket(built, store, by_index):
    store.histogram_by_index = by_index
    start = built.times[("A", 1)]
    histogram = store.histogram(start, start + timedelta(days=2), 2)
    assert histogram.counts == [3, 3]
    assert store.histogram(start, start + timedelta(days=2), 2, EventFilter(since=built.times[("A", 2)])).counts == [2, 3]
    assert store.time_range() == (built.times[("A", 1)], built.times[("B", 3)])


def test_text_search_looks_into_every_payload_type(built, capsys):
    _, events = run(capsys, "events", built.target, "--grep", "lantern", "--json")
    assert keys_of(built, events) == {("B", 2)}


def test_a_stream_is_read_by_its_shown_name_and_no_other(built, capsys):
    _, events = run(capsys, "events", built.target, "--stream", built.names["B"], "--json")
    assert [e["version"] for e in events] == [1, 2, 3]
    _, rows = run(capsys, "streams", built.target, "--match", built.names["A"][:13] + "*", "--json")
    assert [row["stream"] for row in rows] == [built.names["A"]]  # patterns match the name as shown
    for other in ("not-a-uuid", built.names["A"].upper(), "0xzz"):
        if other == built.names["A"]:
            continue
        code = main(["events", built.target, "--stream", other, "--json"])
        out, err = capsys.readouterr()
        if other == built.names["A"].upper() and built.case.ids in ("uuid", "binary16", "bytes_mixed"):
            # a UUID-typed column (uuid, 16 bytes) reads a UUID in another case as that id, named as shown
            assert code == 0 and [(e["stream"], e["version"]) for e in json.loads(out)] == [
                (built.names["A"], version) for version in (1, 2, 3)]
            continue
        # another spelling is another stream (text and CHAR(36) ids are compared exactly), which has
        # no events: said, never another's events
        assert code == 1 and out == "" and f"no events in stream {other!r}" in err
    _, result = run(capsys, "replay", built.target, "--stream", built.names["A"], "--at",
                    shown(built.times[("A", 3)]), "--json")
    assert result["version"] == 3


def test_info_lists_each_column_with_the_type_found_and_how_it_is_read(built, capsys):
    _, info = run(capsys, "info", built.target, "--json")
    columns = {column["role"]: column for column in info["columns"]}
    assert set(columns) >= {"position", "stream", "version", "type", "recorded_at", "data", "metadata", "actor"}
    kind = TIMES[built.case.time]
    assert any(text.lower() in columns["recorded_at"]["type"].lower() for text in kind.type_text.split("|"))
    assert kind.reading in columns["recorded_at"]["reading"]
    reading = PAYLOADS[built.case.data][2]
    if built.case.engine == "mysql" and built.case.data == "json":
        reading = MARIADB_JSON_READING
    assert reading in columns["data"]["reading"]
    assert IDS[built.case.ids][5] in columns["stream"]["reading"]
    assert columns["actor"]["column"] == ("public.events.metadata" if built.case.engine == "postgresql"
                                          else "events.metadata")


# --- units the mapping declares, and magnitudes told apart ---------------------------------------------
def _epoch_store(tmp_path: Path, values: list[int], mapping_time: str | None) -> tuple[str, Path | None]:
    path = tmp_path / "epochs.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, agg TEXT, seq INTEGER, kind TEXT, at INTEGER, body TEXT)")
    for version, value in enumerate(values, start=1):
        db.execute("INSERT INTO audit (agg, seq, kind, at, body) VALUES ('job-1', ?, 'Ran', ?, '{}')", (version, value))
    db.commit()
    db.close()
    mapping = None
    if mapping_time is not None:
        mapping = tmp_path / "mapping.toml"
        mapping.write_text(
            'table = "audit"\n[columns]\nposition = "id"\nstream = "agg"\nversion = "seq"\ntype = "kind"\n'
            f'recorded_at = "at"\ndata = "body"\n[codec]\ntime = "{mapping_time}"\n', encoding="utf-8")
    return str(path), mapping


@pytest.mark.parametrize("codec, scale", [("epoch_s", 1), ("epoch_ms", 10**3), ("epoch_us", 10**6), ("epoch_ns", 10**9)])
def test_a_declared_epoch_unit_is_used_and_info_says_it_was_declared(tmp_path, capsys, codec, scale):
    instant = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    target, mapping = _epoch_store(tmp_path, [int(instant.timestamp()) * scale], codec)
    _, events = run(capsys, "events", target, "--mapping", str(mapping), "--json")
    assert events[0]["recorded_at"] == shown(instant)
    _, info = run(capsys, "info", target, "--mapping", str(mapping), "--json")
    (time,) = [c for c in info["columns"] if c["role"] == "recorded_at"]
    assert "declared in the mapping" in time["reading"]


def test_a_declared_unit_wins_over_magnitude(tmp_path, capsys):
    # 1.7e9 looks like seconds; the mapping says milliseconds: 1970-01-20
    target, mapping = _epoch_store(tmp_path, [1_700_000_000_000 // 1000], "epoch_ms")
    _, events = run(capsys, "events", target, "--mapping", str(mapping), "--json")
    assert events[0]["recorded_at"] == "1970-01-20T16:13:20Z"


@pytest.mark.parametrize("value, unit", [
    (978_307_200, "seconds"),  # 2001-01-01
    (9_999_999_999, "seconds"),  # 2286-11-20
    (978_307_200_000, "milliseconds"),
    (1_700_000_000_123, "milliseconds"),
    (1_700_000_000_123_456, "microseconds"),
    (1_700_000_000_123_456_789, "nanoseconds"),
    (9_000_000_000_000_000_000, "nanoseconds"),  # 2255, near BIGINT's end
])
def test_an_epoch_unit_is_told_by_magnitude(tmp_path, capsys, value, unit):
    target, mapping = _epoch_store(tmp_path, [value], "auto")
    _, info = run(capsys, "info", target, "--mapping", str(mapping), "--json")
    (time,) = [c for c in info["columns"] if c["role"] == "recorded_at"]
    assert time["reading"].startswith(f"epoch {unit}, assumed from magnitude")
    _, events = run(capsys, "events", target, "--mapping", str(mapping), "--json")
    scale = {"seconds": 1, "milliseconds": 10**3, "microseconds": 10**6, "nanoseconds": 10**9}[unit]
    expected = EPOCH + timedelta(microseconds=value * 10**6 // scale)
    assert events[0]["recorded_at"] == shown(expected)


def test_nanoseconds_a_double_cannot_tell_apart_are_filtered_exactly(tmp_path, capsys):
    # 1700000000123456000 and ...456999 are the same double; one microsecond later is not
    base = 1_700_000_000_123_456_000
    target, mapping = _epoch_store(tmp_path, [base - 1, base, base + 999, base + 1000], "auto")
    since = EPOCH + timedelta(microseconds=base // 1000)
    _, events = run(capsys, "events", target, "--mapping", str(mapping), "--since", shown(since), "--until",
                    shown(since), "--json")
    assert [e["version"] for e in events] == [2, 3]
    _, result = run(capsys, "replay", target, "--mapping", str(mapping), "--stream", "job-1", "--at",
                    shown(since - US), "--json")
    assert result["version"] == 1


def test_an_empty_epoch_column_is_read_as_seconds_and_info_says_it_could_not_tell(tmp_path, capsys):
    target, mapping = _epoch_store(tmp_path, [], "auto")
    _, info = run(capsys, "info", target, "--mapping", str(mapping), "--json")
    (time,) = [c for c in info["columns"] if c["role"] == "recorded_at"]
    assert "assumed (no values yet" in time["reading"]


def test_a_mapping_with_an_unknown_time_codec_is_refused(tmp_path, capsys):
    target, mapping = _epoch_store(tmp_path, [1], "epoch_minutes")
    assert main(["events", target, "--mapping", str(mapping), "--json"]) == 1
    assert "epoch_minutes" in capsys.readouterr().err
