"""A stream is exactly one stream: names that a collation, a LIKE or a careless glob would merge stay apart.

A generic ``events`` table (and a JSON Lines file with the same events) holds streams whose
names differ only by an emoji (``chat-🍕``/``chat-🍔``/``chat-😀``: one weight under MariaDB's
``utf8mb4_general_ci``), by case (``Order-1``/``order-1``/``ORDER-1``), by a trailing space
(``order-1 ``: equal under a PAD SPACE collation), or that contain LIKE/GLOB metacharacters
(``a_b%c``, ``cart[1]``, ``back\\slash``) next to look-alikes a wildcard would match
(``axbyc``, ``cart1``). Every command that takes ``--stream`` must touch exactly that
stream's events, through the API and the CLI alike, and stream patterns follow one rule on
every engine: matched against the name as shown, case-sensitively, ``*`` any run of
characters, ``?`` exactly one character, text without a wildcard as a substring, every other
character literal.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import orjson
import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.commands.store import FINDINGS_EXIT
from inspector.core.events import Moment, format_time
from inspector.core.health import check_store
from inspector.replay import GENERIC_PROJECTOR, SnapshotCache, bisect, diff, replay
from inspector.stores import EventFilter, open_store

from .servers import scratch_database

START = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)

#: (stream, type, payload) in write order; interleaved so that merged streams would mix
WRITES: list[tuple[str, str, dict[str, Any]]] = [
    ("chat-😀", "Joined", {"who": "cy"}),
    ("chat-🍕", "Joined", {"who": "al"}),
    ("chat-🍔", "Joined", {"who": "bo"}),
    ("Order-1", "Placed", {"total": 10}),
    ("order-1", "Placed", {"total": 99}),
    ("order-1 ", "Placed", {"total": 7}),
    ("ORDER-1", "Placed", {"total": 500}),
    ("chat-🍔", "Left", {"left": True}),
    ("order-1", "Paid", {"paid": True}),
    ("order-1 ", "Discounted", {"total": 5}),
    ("a_b%c", "Noted", {"note": "literal"}),
    ("axbyc", "Noted", {"note": "look-alike"}),
    ("cart[1]", "Added", {"sku": "brackets"}),
    ("cart1", "Added", {"sku": "plain"}),
    ("back\\slash", "Noted", {"note": "backslash"}),
    ("wallet-1", "Opened", {"owner": "alice"}),
    ("order-1 ", "Shipped", {"carrier": "dhl"}),
    ("wallet-2", "Opened", {"owner": "bruno"}),
    ("wallet-1", "CreditsGranted", {"amount": 5}),
]


@dataclass(frozen=True)
class Written:
    position: int  # 1-based write order
    stream: str
    version: int
    type: str
    at: datetime
    data: dict[str, Any]


def _written() -> list[Written]:
    versions: Counter[str] = Counter()
    rows = []
    for index, (stream, kind, data) in enumerate(WRITES):
        versions[stream] += 1
        rows.append(Written(index + 1, stream, versions[stream], kind, START + timedelta(minutes=index), data))
    return rows


ROWS = _written()
NAMES = sorted({row.stream for row in ROWS})  # code point order, the order streams are listed in


def own(name: str) -> list[Written]:
    return [row for row in ROWS if row.stream == name]


def generic_state(name: str, upto: int | None = None) -> dict[str, Any]:
    """The generic projector's state (last value of each payload field) after version ``upto``."""
    state: dict[str, Any] = {}
    for row in own(name):
        if upto is None or row.version <= upto:
            state.update(row.data)
    return state


def blamed_versions(name: str, key: str) -> list[int]:
    """The versions whose event changed ``key`` of the generic state, from the stream's start."""
    found, before = [], generic_state(name, 0)
    for row in own(name):
        after = generic_state(name, row.version)
        if after.get(key, ...) != before.get(key, ...):
            found.append(row.version)
        before = after
    return found


#: the names the CLI is run on (the API checks every name): the issue's own and the metacharacter ones
CLI_NAMES = ["chat-😀", "chat-🍔", "Order-1", "order-1", "order-1 ", "ORDER-1", "a_b%c", "cart[1]"]


def _id(name: str) -> str:
    readable = {"chat-😀": "chat-grinning", "chat-🍕": "chat-pizza", "chat-🍔": "chat-burger",
                "order-1 ": "order-1-trailing-space", "back\\slash": "back-backslash-slash"}
    return readable.get(name, name)


# --- the stores ------------------------------------------------------------------------
SQLITE_DDL = """
CREATE TABLE events (
    position INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    version INTEGER,
    type TEXT,
    recorded_at TEXT,
    data TEXT,
    metadata TEXT
);
CREATE INDEX events_stream_version ON events (stream, version);
"""

POSTGRES_DDL = """
CREATE TABLE events (
    position bigserial PRIMARY KEY,
    stream text NOT NULL,
    version bigint,
    type text,
    recorded_at timestamptz,
    data text,
    metadata jsonb
);
CREATE INDEX events_stream_version ON events (stream, version)
"""

#: a case-insensitive ICU collation on the stream column (PostgreSQL 12+): equality ignores case
POSTGRES_CI_DDL = """
CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE events (
    position bigserial PRIMARY KEY,
    stream text COLLATE case_insensitive NOT NULL,
    version bigint,
    type text,
    recorded_at timestamptz,
    data text,
    metadata jsonb
);
CREATE INDEX events_stream_version ON events (stream, version)
"""

#: MariaDB's default collation for utf8mb4: case-insensitive, PAD SPACE, all emoji weigh the same
MARIADB_GENERAL_CI_DDL = """
CREATE TABLE events (
    position bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
    stream varchar(200) NOT NULL,
    version bigint NULL,
    type varchar(200) NULL,
    recorded_at datetime(6) NULL,
    data longblob NULL,
    metadata json NULL,
    KEY events_stream_version (stream, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci
"""


def _payload(row: Written) -> str:
    return orjson.dumps(row.data).decode()


def _metadata(row: Written) -> str:
    return orjson.dumps({"actor": "tester@example.com", "seq": row.position}).decode()


def write_sqlite(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(SQLITE_DDL)
    db.executemany(
        "INSERT INTO events (position, stream, version, type, recorded_at, data, metadata) VALUES (?,?,?,?,?,?,?)",
        [(r.position, r.stream, r.version, r.type, format_time(r.at), _payload(r), _metadata(r)) for r in ROWS],
    )
    db.commit()
    db.close()


def write_server(writer: sa.Engine, ddl: str) -> None:
    events = sa.table("events", *(sa.column(n) for n in ("stream", "version", "type", "recorded_at", "data",
                                                          "metadata")))
    with writer.begin() as conn:
        for statement in ddl.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        for r in ROWS:
            conn.execute(events.insert().values(stream=r.stream, version=r.version, type=r.type, recorded_at=r.at,
                                                data=_payload(r), metadata=_metadata(r)))
        if writer.dialect.name in ("mysql", "mariadb"):
            # The merges this file guards against are real on this table.
            found = conn.exec_driver_sql("SELECT COUNT(*) FROM events WHERE stream = 'order-1'").scalar()
            assert found > len(own("order-1")), "utf8mb4_general_ci should fold case and trailing spaces"


def write_jsonl(path: Path) -> None:
    lines = [
        orjson.dumps({"position": r.position, "stream": r.stream, "version": r.version, "type": r.type,
                      "recorded_at": format_time(r.at), "actor": "tester@example.com", "data": r.data,
                      "metadata": {"actor": "tester@example.com", "seq": r.position}})
        for r in ROWS
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")


@dataclass
class Target:
    location: str  # what a user gives the CLI
    store: Any
    cleanup: Callable[[], None] | None = None


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str, exits: tuple[int, ...] = (0,)) -> Any:
    """The command's one JSON document; ``exits`` are the exit codes that still print one."""
    code, out, err = run(capsys, *argv, "--json")
    assert code in exits, (argv, code, err)
    return json.loads(out)


#: ``check`` exits with this when it finds something, and still prints its report
CHECK_FOUND = FINDINGS_EXIT


#: (pattern, streams it lists under the rule)
PATTERNS: list[tuple[str, list[str]]] = [
    ("*🍔*", ["chat-🍔"]),
    ("🍕", ["chat-🍕"]),
    ("chat-?", ["chat-🍔", "chat-🍕", "chat-😀"]),
    ("chat-*", ["chat-🍔", "chat-🍕", "chat-😀"]),
    ("WALLET-*", []),
    ("wallet-*", ["wallet-1", "wallet-2"]),
    ("Wallet", []),
    ("order", ["order-1", "order-1 "]),
    ("Order", ["Order-1"]),
    ("ORDER-1", ["ORDER-1"]),
    ("order-?", ["order-1"]),
    ("order-1?", ["order-1 "]),
    ("order-1 ", ["order-1 "]),
    ("*-1", ["ORDER-1", "Order-1", "order-1", "wallet-1"]),
    ("a_b%c", ["a_b%c"]),
    ("a_b*", ["a_b%c"]),
    ("a?b*", ["a_b%c", "axbyc"]),
    ("%", ["a_b%c"]),
    ("_", ["a_b%c"]),
    ("cart[1]", ["cart[1]"]),
    ("cart[1]*", ["cart[1]"]),
    ("cart?", ["cart1"]),
    ("back\\slash", ["back\\slash"]),
    ("*\\*", ["back\\slash"]),
]


class StreamIdentityChecks:
    """Every check runs on every store subclass (one store per class)."""

    def open(self, request, tmp_path: Path) -> Target:
        raise NotImplementedError  # each engine writes ROWS its own way

    @pytest.fixture(scope="class")
    @classmethod
    def target(cls, request, tmp_path_factory):
        found = cls().open(request, tmp_path_factory.mktemp(cls.__name__))
        try:
            yield found
        finally:
            found.store.close()
            if found.cleanup is not None:
                found.cleanup()

    # --- listing ---------------------------------------------------------------------
    def test_streams_lists_each_name_once_with_its_own_count(self, target):
        listed = target.store.streams(limit=1000)
        assert sorted(s.stream for s in listed) == NAMES, [s.stream for s in listed]
        for summary in listed:
            mine = own(summary.stream)
            assert (summary.count, summary.first_version, summary.last_version) == (len(mine), 1, len(mine)), summary
            assert (summary.first_at, summary.last_at) == (mine[0].at, mine[-1].at), summary

    #: code point order, unless the column's collation orders the listing (its index order, which keyset paging follows);
    #: names it holds equal come in code point order among themselves
    collation_order = False

    def test_streams_are_listed_in_name_order(self, target):
        listed = [s.stream for s in target.store.streams(limit=1000)]
        if self.collation_order:
            assert sorted(listed) == NAMES and len(set(listed)) == len(listed)
            for equal in ({"ORDER-1", "Order-1", "order-1"}, {n for n in NAMES if n.startswith("chat-")}):
                assert [n for n in listed if n in equal] == sorted(equal)
        else:
            assert listed == NAMES

    def test_streams_page_by_name_without_losing_or_repeating_one(self, target):
        everything = [s.stream for s in target.store.streams(limit=1000)]
        paged, after = [], None
        while page := target.store.streams(after=after, limit=3):
            paged.extend(s.stream for s in page)
            after = page[-1].stream
        assert paged == everything
        assert sorted(paged) == NAMES

    def test_streams_command_lists_each_name_once(self, target, capsys):
        rows = run_json(capsys, "streams", target.location, "--limit", "1000")
        assert sorted(row["stream"] for row in rows) == NAMES
        assert {row["stream"]: row["count"] for row in rows} == {name: len(own(name)) for name in NAMES}

    def test_describe_counts_every_stream_apart(self, target):
        info = target.store.describe()
        if info.streams is not None:
            assert info.streams == len(NAMES)
        if info.events is not None:
            assert info.events == len(ROWS)

    # --- one stream ------------------------------------------------------------------
    @pytest.mark.parametrize("name", NAMES, ids=_id)
    def test_reading_a_stream_gives_only_its_own_events(self, target, name):
        mine = [(r.stream, r.version, r.type, r.data) for r in own(name)]
        read = [(e.stream, e.version, e.type, e.data) for e in target.store.read_stream(name)]
        assert read == mine
        filtered = target.store.read_all(limit=1000, filters=EventFilter(streams=(name,)))
        assert [(e.stream, e.version, e.type, e.data) for e in filtered] == mine

    @pytest.mark.parametrize("name", CLI_NAMES, ids=_id)
    def test_events_command_lists_only_the_streams_own_events(self, target, name, capsys):
        mine = [(r.stream, r.version, r.type, r.data) for r in own(name)]
        listed = run_json(capsys, "events", target.location, "--stream", name, "--limit", "1000")
        assert [(e["stream"], e["version"], e["type"], e["data"]) for e in listed] == mine
        # with a time bound the command filters all events by stream instead of reading the stream
        since = format_time(START - timedelta(days=1))
        filtered = run_json(capsys, "events", target.location, "--stream", name, "--since", since, "--limit", "1000")
        assert [(e["stream"], e["version"]) for e in filtered] == [m[:2] for m in mine]

    @pytest.mark.parametrize("name", NAMES, ids=_id)
    @pytest.mark.parametrize("cached", [False, True], ids=["without-cache", "with-cache"])
    def test_replay_applies_only_the_streams_own_events(self, target, name, cached, tmp_path):
        mine = own(name)
        cache = SnapshotCache(tmp_path / "snapshots.sqlite", every=1) if cached else None
        try:
            for _ in range(2 if cached else 1):  # the second replay reads the cache the first one filled
                result = replay(target.store, name, projectors=GENERIC_PROJECTOR, cache=cache)
                assert result.problem is None, result.problem
                assert result.version == len(mine)
                assert result.state == generic_state(name), result.state
                assert result.last_event is not None and result.last_event.stream == name
            if not cached:
                assert result.events_applied == len(mine)
            for row in mine:
                at_version = replay(target.store, name, at=Moment(version=row.version), projectors=GENERIC_PROJECTOR,
                                    cache=cache)
                assert at_version.state == generic_state(name, row.version), row
                at_time = replay(target.store, name, at=Moment(at=row.at + timedelta(seconds=30)),
                                 projectors=GENERIC_PROJECTOR, cache=cache)
                assert (at_time.version, at_time.state) == (row.version, generic_state(name, row.version)), row
        finally:
            if cache is not None:
                cache.close()

    @pytest.mark.parametrize("name", CLI_NAMES, ids=_id)
    def test_replay_command_applies_only_the_streams_own_events(self, target, name, capsys):
        mine = own(name)
        # each test has a cache folder of its own, so this replay starts cold and counts every event
        result = run_json(capsys, "replay", target.location, "--stream", name, "--projector", "generic")
        assert (result["stream"], result["version"], result["state"]) == (name, len(mine), generic_state(name))
        assert result["events_applied"] == len(mine)

    @pytest.mark.parametrize("name", NAMES, ids=_id)
    def test_diff_from_before_the_first_event_blames_only_the_streams_own_events(self, target, name):
        mine = own(name)
        before_first = mine[0].at - timedelta(seconds=1)
        result = diff(target.store, name, Moment(at=before_first), Moment(version=len(mine)),
                      projectors=GENERIC_PROJECTOR)
        assert result.problem is None, result.problem
        assert (result.from_.version, result.to.version) == (None, len(mine))
        assert {c.path: (c.op, c.after) for c in result.changes} == {
            "/" + key: ("add", value) for key, value in generic_state(name).items()
        }
        for change in result.changes:
            assert [b.version for b in change.events] == blamed_versions(name, change.path[1:]), change.path
        assert [(e.stream, e.version) for e in result.events_between] == [(name, r.version) for r in mine]

    @pytest.mark.parametrize("name", CLI_NAMES, ids=_id)
    def test_diff_command_blames_only_the_streams_own_events(self, target, name, capsys):
        mine = own(name)
        before_first = mine[0].at - timedelta(seconds=1)
        shown = run_json(capsys, "diff", target.location, "--stream", name, "--from", format_time(before_first),
                         "--to", f"v{len(mine)}", "--projector", "generic")
        assert shown["events_between"] == len(mine)
        assert {c["path"]: [e["version"] for e in c["events"]] for c in shown["changes"]} == {
            "/" + key: blamed_versions(name, key) for key in generic_state(name)
        }

    @pytest.mark.parametrize("name", NAMES, ids=_id)
    def test_bisect_answers_with_the_streams_own_event(self, target, name):
        mine = own(name)
        when = f"state == {generic_state(name)!r}"  # first true at the stream's last version
        result = bisect(target.store, name, when, projectors=GENERIC_PROJECTOR)
        assert result.problem is None, result.problem
        assert result.found and result.version == len(mine)
        assert result.event is not None
        assert (result.event.stream, result.event.version, result.event.type) == (name, len(mine), mine[-1].type)
        assert result.state_before == generic_state(name, len(mine) - 1)

    @pytest.mark.parametrize("name", CLI_NAMES, ids=_id)
    def test_bisect_command_answers_with_the_streams_own_event(self, target, name, capsys):
        mine = own(name)
        when = f"state == {generic_state(name)!r}"
        shown = run_json(capsys, "bisect", target.location, "--stream", name, "--when", when, "--projector", "generic")
        assert shown["found"] and shown["version"] == len(mine)
        assert (shown["event"]["stream"], shown["event"]["version"]) == (name, len(mine))

    @pytest.mark.parametrize("name", NAMES, ids=_id)
    def test_check_of_one_stream_finds_nothing_wrong_in_it(self, target, name):
        report = check_store(target.store, stream=name)
        assert report.streams_checked == 1
        assert [(f.kind, f.stream, f.version) for f in report.findings] == []

    @pytest.mark.parametrize("name", CLI_NAMES, ids=_id)
    def test_check_command_of_one_stream_finds_nothing_wrong_in_it(self, target, name, capsys):
        shown = run_json(capsys, "check", target.location, "--stream", name, exits=(0, CHECK_FOUND))
        assert (shown["findings"], shown["streams_checked"]) == ([], 1)

    def test_check_of_the_whole_store_finds_nothing_wrong(self, target, capsys):
        shown = run_json(capsys, "check", target.location, exits=(0, CHECK_FOUND))
        assert (shown["findings"], shown["streams_checked"]) == ([], len(NAMES))

    @pytest.mark.parametrize("name", CLI_NAMES, ids=_id)
    def test_export_of_one_stream_holds_only_its_events(self, target, name, tmp_path, capsys):
        output = tmp_path / "slice.jsonl"
        code, _, err = run(capsys, "export", target.location, "--stream", name, "--format", "jsonl", "-o", str(output))
        assert code == 0, err
        exported = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert [(e["stream"], e["version"], e["type"], e["data"]) for e in exported] == [
            (r.stream, r.version, r.type, r.data) for r in own(name)
        ]

    # --- patterns --------------------------------------------------------------------
    @pytest.mark.parametrize(("pattern", "expected"), PATTERNS, ids=[p for p, _ in PATTERNS])
    def test_stream_patterns_follow_one_rule(self, target, pattern, expected, capsys):
        found = [s.stream for s in target.store.streams(match=pattern, limit=1000)]
        assert sorted(found) == expected, f"--match {pattern!r} listed {found}"
        shown = run_json(capsys, "streams", target.location, "--match", pattern, "--limit", "1000")
        assert sorted(row["stream"] for row in shown) == expected


@pytest.mark.parametrize(("pattern", "expected"), PATTERNS, ids=[p for p, _ in PATTERNS])
def test_the_rule_in_python_selects_the_same_names(pattern, expected):
    """The matcher JSON Lines, live follow and projector choice use agrees with the table above."""
    from inspector.core.matching import StreamPattern

    assert [n for n in NAMES if StreamPattern(pattern).matches(n)] == expected


class TestStreamIdentityOnSqlite(StreamIdentityChecks):
    def open(self, request, tmp_path: Path) -> Target:
        path = tmp_path / "identity.db"
        write_sqlite(path)
        return Target(str(path), open_store(str(path)))


class TestStreamIdentityInJsonLines(StreamIdentityChecks):
    def open(self, request, tmp_path: Path) -> Target:
        path = tmp_path / "identity.jsonl"
        write_jsonl(path)
        return Target(str(path), open_store(str(path)))


def _on_server(db, ddl: str) -> Target:
    write_server(db.writer, ddl)
    return Target(db.url, open_store(db.url), cleanup=db.drop)


class TestStreamIdentityOnPostgres(StreamIdentityChecks):
    def open(self, request, tmp_path: Path) -> Target:
        return _on_server(scratch_database(request.getfixturevalue("postgres_url"), "identity"), POSTGRES_DDL)


class TestStreamIdentityOnPostgresCaseInsensitiveCollation(StreamIdentityChecks):
    """The stream column under a nondeterministic ICU collation: ``=`` and ``GROUP BY`` ignore case there."""

    collation_order = True

    def open(self, request, tmp_path: Path) -> Target:
        return _on_server(scratch_database(request.getfixturevalue("postgres_url"), "identity_ci"), POSTGRES_CI_DDL)


class TestStreamIdentityOnMariadbGeneralCi(StreamIdentityChecks):
    """MariaDB's default ``utf8mb4_general_ci``: the issue's own example."""

    collation_order = True

    def open(self, request, tmp_path: Path) -> Target:
        return _on_server(scratch_database(request.getfixturevalue("mysql_url"), "identity"), MARIADB_GENERAL_CI_DDL)
