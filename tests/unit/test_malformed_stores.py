"""A corpus of malformed stores and files: every read command reads what is readable.

Each entry is generated here (nothing binary is committed): SQLite generic tables with odd
versions, payloads, times and names, and JSON Lines files with the same kinds of damage.
Every read command (info, streams, events, check, replay, diff, export, types, bisect, states,
compare, changed, audit) runs on every entry: none ends in a generic error, every readable event is shown, and each bad row is an
event with a problem that says what is wrong.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from inspector.cli import main

GOOD = [("order-1", 0, "Created", "2024-01-01T00:00:00Z", '{"a": 1}'),
        ("order-1", 1, "Paid", "2024-01-02T00:00:00Z", '{"a": 2}')]
DEEP = "[" * 300 + "]" * 300
TOO_DEEP_FOR_ANY_PARSER = "[" * 3000 + "]" * 3000


def _sqlite(path: Path, rows: list[tuple], *, version_type: str = "INTEGER") -> Path:
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version {version_type}, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    for number, row in enumerate(GOOD + rows, 1):
        conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)", (number, *row, "{}"))
    conn.commit()
    conn.close()
    return path


def _jsonl(path: Path, records: list[dict | str | bytes], prefix: bytes = b"") -> Path:
    lines = [json.dumps({"position": 1, "stream": "order-1", "version": 0, "type": "Created",
                         "recorded_at": "2024-01-01T00:00:00Z", "data": {"a": 1}}).encode()]
    for record in records:
        lines.append(record if isinstance(record, bytes) else
                     record.encode() if isinstance(record, str) else json.dumps(record).encode())
    path.write_bytes(prefix + b"\n".join(lines) + b"\n")
    return path


@dataclass
class Entry:
    name: str
    build: Callable[[Path], Path]
    #: events ``events --json`` must show, and a text each listed problem must hold
    events: int
    problems: list[str] = field(default_factory=list)


def _bad_utf8(root: Path) -> Path:
    path = _sqlite(root / "bad_utf8.db", [("order-1", 2, "X", "2024-01-03T00:00:00Z", "placeholder")])
    conn = sqlite3.connect(path)
    conn.execute("UPDATE events SET data = CAST(? AS TEXT) WHERE version = 2", (b'{"a": "\xff\xfe"}',))
    conn.commit()
    conn.close()
    return path


CORPUS = [
    Entry("versions stored as text", lambda root: _sqlite(root / "text_versions.db", [
        ("order-1", "three", "X", "2024-01-03T00:00:00Z", '{"a": 3}'),
        ("order-1", "", "Y", "2024-01-04T00:00:00Z", '{"a": 4}')]), 4,
        ["version 'three' is not a number", "version '' is not a number"]),
    Entry("versions stored as floats", lambda root: _sqlite(root / "float_versions.db", [
        ("order-1", 1.5, "X", "2024-01-03T00:00:00Z", '{"a": 3}'),
        ("order-1", 2.999, "Y", "2024-01-04T00:00:00Z", '{"a": 4}'),
        ("order-1", 2, "Z", "2024-01-05T00:00:00Z", '{"a": 5}')]), 5,
        ["version 1.5 is not a whole number", "version 2.999 is not a whole number"]),
    Entry("versions beyond 64 bits", lambda root: _sqlite(root / "huge_versions.db", [
        ("order-1", 1e300, "X", "2024-01-03T00:00:00Z", '{"a": 3}'),
        ("order-1", str(2**70), "Y", "2024-01-04T00:00:00Z", '{"a": 4}')]), 4,
        ["version 1e+300 is beyond 64 bits"]),
    Entry("versions in a boolean column", lambda root: _sqlite(root / "bool_versions.db", [
        ("order-1", "three", "X", "2024-01-03T00:00:00Z", '{"a": 3}')], version_type="BOOLEAN"), 3,
        ["three"]),
    Entry("invalid UTF-8 in a TEXT payload", _bad_utf8, 3, ["not UTF-8"]),
    Entry("JSON nested deeper than 255 levels", lambda root: _sqlite(root / "deep.db", [
        ("order-1", 2, "X", "2024-01-03T00:00:00Z", '{"a": %s}' % DEEP),
        ("order-1", 3, "Y", "2024-01-03T00:00:00Z", TOO_DEEP_FOR_ANY_PARSER)]), 4,
        ["nested deeper than 200 levels", "nested deeper than the parser follows"]),
    Entry("times far in the past, the future, and impossible", lambda root: _sqlite(root / "times.db", [
        ("order-1", 2, "X", "9999-12-31T23:59:59.999999Z", '{"a": 3}'),
        ("order-1", 3, "Y", "0001-01-01T00:00:00Z", '{"a": 4}'),
        ("order-1", 4, "Z", "2024-01-05T24:00:00Z", '{"a": 5}'),
        ("order-2", 0, "Z", "9999-12-31T23:59:59Z", '{"a": 6}')]), 6,
        ["recorded_at '2024-01-05T24:00:00Z' is not a time"]),
    Entry("control characters in names, types and payloads", lambda root: _sqlite(root / "controls.db", [
        ("order-\x1b]0;pwned\x07", 0, "X\x1b[2J", "2024-01-03T00:00:00Z", '{"a": "\\u001b[31mred"}'),
        ("order-1", 2, "T\r\x1b[2K", "2024-01-03T00:00:00Z", '{"\\u001bk": "\\u0007"}')]), 4),
    Entry("JSON Lines positions of 2^64-1", lambda root: _jsonl(root / "u64.jsonl", [
        {"position": 2**64 - 1, "stream": "order-1", "version": 1, "type": "Paid", "data": {}}]), 2,
        ["position 18446744073709551615 is beyond 64 bits"]),
    Entry("JSON Lines versions of every odd kind", lambda root: _jsonl(root / "versions.jsonl", [
        {"position": n + 2, "stream": "order-1", "version": v, "type": "Paid", "data": {}}
        for n, v in enumerate(["three", "", 1.5, 2.999, True, 1e300, 2**70, 1])]), 9,
        ["version 'three' is not a number", "version 1.5 is not a whole number", "version True is a boolean",
         "version 1e+300 is beyond 64 bits", "beyond 64 bits"]),
    Entry("a UTF-8 BOM on the first line", lambda root: _jsonl(root / "bom.jsonl", [], prefix=b"\xef\xbb\xbf"), 1),
    Entry("JSON Lines nested too deep", lambda root: _jsonl(root / "deep.jsonl", [
        '{"position": 2, "stream": "order-1", "version": 1, "type": "Paid", "data": %s}' % DEEP,
        '{"position": 3, "stream": "order-1", "version": 2, "type": "Paid", "data": %s}' % TOO_DEEP_FOR_ANY_PARSER]), 3,
        ["data: JSON nested deeper than 200 levels", "line 3: JSON nested deeper than the parser follows"]),
    Entry("JSON Lines with invalid UTF-8 and odd times", lambda root: _jsonl(root / "bytes.jsonl", [
        b'{"position": 2, "stream": "order-1", "version": 1, "type": "Paid", "data": "\xff"}',
        {"position": 3, "stream": "order-1", "version": 2, "type": "Paid", "recorded_at": "2024-01-05T24:00:00Z"},
        {"position": 4, "stream": "order-1", "version": 3, "type": "Paid", "recorded_at": "0000-01-01T00:00:00Z"},
        {"position": 5, "stream": "order-1", "version": 4, "type": "Paid", "recorded_at": "9999-12-31T23:59:59Z"}]), 5,
        ["line 2: not UTF-8 text (byte 0xff", "recorded_at '2024-01-05T24:00:00Z' is not a time"]),
    Entry("a .jsonl.gz with a control-character stream", lambda root: _gz(root / "controls.jsonl.gz"), 2),
]


def _gz(path: Path) -> Path:
    plain = _jsonl(path.with_suffix(""), [{"position": 2, "stream": "s-\x1b[2J", "version": 0,
                                          "type": "T\x1b]0;x\x07", "data": {"k\x1b": "v\r"}}])
    path.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    return path


def _commands(path: Path, out: Path) -> list[list[str]]:
    store = str(path)
    return [
        ["info", store], ["streams", store], ["events", store, "--limit", "1000"], ["check", store],
        ["events", store, "--since", "2024-01-02T00:00:00Z"],
        ["replay", store, "--stream", "order-1", "--no-cache"],
        ["replay", store, "--stream", "order-1", "--no-cache", "--at", "2024-01-02T12:00:00Z"],
        ["diff", store, "--stream", "order-1", "--from", "v0", "--to", "v1", "--no-cache"],
        ["export", store, "--format", "jsonl", "-o", str(out / "slice.jsonl")],
        ["export", store, "--format", "csv", "-o", str(out / "slice.csv")],
        ["export", store, "--format", "html", "-o", str(out / "slice.html")],
        ["export", store, "--stream", "order-1", "--format", "sqlite", "-o", str(out / "slice.db")],
        ["types", store], ["types", store, "--json"],
        ["bisect", store, "--stream", "order-1", "--when", "state.get('a') == 2", "--no-cache"],
        ["states", store, "--match", "order-*"], ["states", store, "--match", "*", "--json"],
        ["compare", store, "--match", "*", "--projector", "generic", "--against", "generic"],
        ["changed", store, "order-1", "1"],
        ["audit", store, "--actor", "nobody"], ["audit", store, "--causes-of", "order-1@0"],
    ]


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.mark.parametrize("entry", CORPUS, ids=[entry.name for entry in CORPUS])
def test_every_read_command_reads_a_malformed_store_without_a_generic_error(entry, tmp_path, capsys):
    root = tmp_path / "corpus"
    root.mkdir()
    path = entry.build(root)
    for argv in _commands(path, tmp_path):
        code = main(argv)
        captured = capsys.readouterr()
        assert "INSPECTOR_DEBUG" not in captured.err and "Traceback" not in captured.err, (argv, captured.err)
        if argv[0] in ("info", "streams", "events", "check", "types", "states", "compare", "audit") \
                or argv[2:3] == ["--format"]:
            assert code in (0, 3), (argv, code, captured.err)  # 3: check found something
        else:  # a stream without the asked version, or positions a SQLite copy cannot key: one clear line
            assert code in (0, 1) and len(captured.err.splitlines()) <= 1, (argv, code, captured.err)
        assert "\x1b" not in captured.out and "\x07" not in captured.out, argv  # escaped, never sent raw
    assert main(["events", str(path), "--json", "--limit", "1000"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert len(events) == entry.events, [e["problem"] for e in events]
    problems = " | ".join(e["problem"] or "" for e in events)
    for expected in entry.problems:
        assert expected in problems, (expected, problems)
    assert all(e["stream"] == "order-1" or e["problem"] is None or e["stream"] in ("(unreadable)",)
               for e in events if e["problem"])


def test_a_float_version_is_never_read_as_a_false_duplicate(tmp_path, capsys):
    path = CORPUS[1].build(tmp_path)
    assert main(["events", str(path), "--stream", "order-1", "--json"]) == 0
    versions = [e["version"] for e in json.loads(capsys.readouterr().out)]
    assert sorted(v for v in versions if v is not None) == [0, 1, 2]  # 1.5 and 2.999 are no v1 / v2
    assert main(["streams", str(path), "--json"]) == 0
    [summary] = json.loads(capsys.readouterr().out)
    assert (summary["first_version"], summary["last_version"]) == (0, 2)


def test_text_versions_leave_the_stream_listing_and_replay_right(tmp_path, capsys):
    path = CORPUS[0].build(tmp_path)
    assert main(["streams", str(path), "--json"]) == 0
    [summary] = json.loads(capsys.readouterr().out)
    assert (summary["count"], summary["first_version"], summary["last_version"]) == (4, 0, 1)
    assert main(["replay", str(path), "--stream", "order-1", "--json", "--no-cache"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["version"] == 1 and result["state"] == {"a": 2}


def test_a_time_at_the_end_of_year_9999_is_kept_by_since_and_listed(tmp_path, capsys):
    path = CORPUS[6].build(tmp_path)
    assert main(["events", str(path), "--since", "2024-01-02T00:00:00Z", "--json"]) == 0
    shown = {(e["stream"], e["version"]): e["recorded_at"] for e in json.loads(capsys.readouterr().out)}
    assert shown[("order-1", 2)] == "9999-12-31T23:59:59.999999Z"
    assert ("order-1", 4) not in shown  # T24:00 is no time: not "since" anything, in SQL as in Python
    assert main(["streams", str(path), "--json"]) == 0
    last = {s["stream"]: s["last_at"] for s in json.loads(capsys.readouterr().out)}
    assert last["order-2"] == "9999-12-31T23:59:59Z"


def test_control_characters_are_shown_escaped_in_every_text_output(tmp_path, capsys):
    path = CORPUS[7].build(tmp_path)
    main(["streams", str(path)])
    out = capsys.readouterr().out
    assert "order-\\x1b]0;pwned\\x07" in out
    main(["events", str(path)])
    out = capsys.readouterr().out
    assert "X\\x1b[2J" in out and "T\\r\\x1b[2K" in out
    main(["events", str(path), "--json"])
    assert "\\u001b" in capsys.readouterr().out  # JSON keeps its own escapes
    main(["bisect", str(path), "--stream", "order-1", "--when", "True", "--no-cache"])
    out = capsys.readouterr().out
    assert "\x1b" not in out
    main(["diff", str(path), "--stream", "order-1", "--from", "v0", "--to", "v2", "--no-cache"])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\\x1b" in out


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_a_device_named_like_a_store_is_refused_at_once(kind, tmp_path):
    for name in ("events.jsonl", "events.db", "events.jsonl.gz"):
        path = tmp_path / name
        if kind == "fifo":
            os.mkfifo(path)
        else:
            path.symlink_to("/dev/zero")
        done = subprocess.run([sys.executable, "-m", "inspector.cli", "info", str(path)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        expected = "a FIFO (named pipe)" if kind == "fifo" else "a device"
        assert f"is {expected}, not a store file" in done.stderr
        path.unlink()


def test_a_line_longer_than_the_limit_is_an_event_with_a_problem(tmp_path, capsys, monkeypatch):
    from inspector.stores import jsonl

    monkeypatch.setattr(jsonl, "MAX_LINE", 1000)
    path = _jsonl(tmp_path / "long.jsonl", [{"position": 2, "stream": "order-1", "version": 1, "type": "Paid",
                                             "data": {"text": "x" * 5000}},
                                            {"position": 3, "stream": "order-1", "version": 2, "type": "Paid"}])
    assert main(["events", str(path), "--json"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert [e["problem"] for e in events] == [None, "line 2 is longer than 1,000 bytes: not read", None]
