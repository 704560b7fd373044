"""``event-inspector`` headless subcommands, as a user runs them."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import pytest

from inspector.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def demo_copy(demo_store_path, tmp_path):
    target = tmp_path / "demo.db"
    shutil.copy(demo_store_path, target)
    return target


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_writes_a_store_that_info_describes(tmp_path, capsys):
    path = tmp_path / "fresh.db"
    code, out, _ = run(capsys, "demo", "--path", str(path), "--streams", "12", "--events", "600", "--seed", "3")
    assert code == 0 and "negative balance" in out
    code, out, _ = run(capsys, "info", str(path), "--json")
    info = json.loads(out)
    assert (info["layout"], info["engine"], info["read_only"]) == ("generic", "sqlite", True)
    assert info["streams"] == 12


def test_streams_lists_a_category_as_json(demo_copy, capsys):
    code, out, _ = run(capsys, "streams", str(demo_copy), "--category", "wallet", "--limit", "5", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 5
    assert all(row["category"] == "wallet" and row["stream"].startswith("wallet-") for row in rows)
    assert [row["stream"] for row in rows] == sorted(row["stream"] for row in rows)


def test_streams_pages_on_with_after(demo_copy, capsys):
    _, first, _ = run(capsys, "streams", str(demo_copy), "--limit", "3", "--json")
    last = json.loads(first)[-1]["stream"]
    _, second, _ = run(capsys, "streams", str(demo_copy), "--limit", "3", "--after", last, "--json")
    assert all(row["stream"] > last for row in json.loads(second))


def test_events_filters_by_actor_type_and_time(demo_copy, capsys):
    code, out, _ = run(
        capsys, "events", str(demo_copy), "--actor", "alice@example.com", "--type", "CreditsGranted",
        "--since", "2026-08-01T00:00Z", "--until", "2026-08-15T00:00Z", "--limit", "20", "--json",
    )
    events = json.loads(out)
    assert code == 0 and events
    for event in events:
        assert event["actor"] == "alice@example.com" and event["type"] == "CreditsGranted"
        assert "2026-08-01" <= event["recorded_at"][:10] <= "2026-08-15"
        assert set(event) == {"position", "stream", "version", "type", "recorded_at", "actor", "data", "metadata", "problem", "raw"}
    positions = [e["position"] for e in events]
    assert positions == sorted(positions)


def test_events_of_one_stream_come_in_version_order(demo_copy, demo_planted, capsys):
    stream = demo_planted.negative_wallet[0]
    _, out, _ = run(capsys, "events", str(demo_copy), "--stream", stream, "--limit", "1000", "--json")
    versions = [e["version"] for e in json.loads(out)]
    assert versions == sorted(versions) and versions[0] == 1


def test_a_broken_payload_is_listed_with_its_problem(demo_copy, demo_planted, capsys):
    stream, version = demo_planted.undecodable_payload
    code, out, _ = run(capsys, "events", str(demo_copy), "--stream", stream)
    assert code == 0
    line = next(line for line in out.splitlines() if f" {stream} " in f" {line} " and " JobPosted " in line)
    assert "⚠ malformed JSON" in line


def test_check_reports_the_planted_faults_as_json(demo_copy, capsys):
    code, out, _ = run(capsys, "check", str(demo_copy), "--json")
    report = json.loads(out)
    assert code == 3  # something found: a CI job can fail on it
    assert sorted(f["kind"] for f in report["findings"]) == [
        "duplicate_version", "time_regression", "undecodable_payload", "version_gap",
    ]
    assert report["streams_checked"] == 60


@pytest.mark.parametrize(
    "argv",
    [
        ("info", "{store}"),
        ("streams", "{store}"),
        ("events", "{store}", "--grep", "roof"),
        ("events", "{store}", "--stream", "wallet-9b2e71cc"),
        ("check", "{store}", "--exit-zero"),
        ("export", "{store}", "--format", "sqlite", "-o", "{store}.copy.db"),
        ("export", "{store}", "--format", "html", "-o", "{store}.html", "--mask", "emails"),
    ],
)
def test_no_command_changes_the_store(demo_copy, capsys, argv):
    before = digest(demo_copy)
    code, _, _ = run(capsys, *(part.format(store=demo_copy) for part in argv))
    assert code == 0
    assert digest(demo_copy) == before
    assert not demo_copy.with_name(demo_copy.name + "-journal").exists()
    assert not demo_copy.with_name(demo_copy.name + "-wal").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.db", "no such file"),
        (lambda tmp: (tmp / "notes.db").write_text("hello") and tmp / "notes.db", "is not an SQLite database"),
        (lambda tmp: tmp, "is a folder"),
    ],
)
def test_bad_stores_get_one_line_and_exit_1(tmp_path, capsys, make, message):
    code, out, err = run(capsys, "info", str(make(tmp_path)))
    assert code == 1 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_database_with_no_known_layout_says_so(tmp_path, capsys):
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()
    code, _, err = run(capsys, "streams", str(path))
    assert code == 1 and "no known event store layout" in err and "customers" in err


def test_a_corrupt_sqlite_file_is_an_error_not_a_crash(demo_store_path, tmp_path, capsys):
    path = tmp_path / "corrupt.db"
    blob = bytearray(demo_store_path.read_bytes()[:8192])
    blob[100:4096] = b"\xff" * (4096 - 100)
    path.write_bytes(bytes(blob))
    code, _, err = run(capsys, "check", str(path))
    assert code == 1 and err.startswith("event-inspector: error:")


def test_bad_time_argument_is_an_input_error(demo_copy, capsys):
    code, _, err = run(capsys, "events", str(demo_copy), "--since", "last tuesday")
    assert code == 1 and "--since" in err


def test_bad_usage_exits_2():
    result = subprocess.run([sys.executable, "-m", "inspector", "events"], capture_output=True, text=True)
    assert result.returncode == 2 and "usage:" in result.stderr


def test_help_lists_the_subcommands():
    result = subprocess.run([sys.executable, "-m", "inspector", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("demo", "info", "streams", "events", "check"):
        assert command in result.stdout


def test_urls_are_shown_without_their_password(capsys):
    code, _, err = run(capsys, "info", "postgresql+psycopg://ann:s3cret@127.0.0.1:1/nowhere")
    assert code == 1 and "s3cret" not in err


def test_missing_x11_libraries_are_named_with_their_packages(monkeypatch, capsys):
    import ctypes.util

    import inspector.cli as cli

    monkeypatch.setattr(cli.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if name == "xcb-cursor" else f"lib{name}.so")
    code = cli.main([])
    err = capsys.readouterr().err
    assert code == 1 and "libxcb-cursor0" in err and "apt install" in err


def test_demo_never_replaces_a_file_that_is_not_a_demo_store(demo_copy, tmp_path, capsys):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    code, _, err = run(capsys, "demo", "--path", str(precious))
    assert code == 1 and "not a demo store" in err and precious.read_text() == "keep me"
    code, _, err = run(capsys, "demo", "--path", str(tmp_path))
    assert code == 1 and "is a folder" in err
    code, _, _ = run(capsys, "demo", "--path", str(demo_copy), "--streams", "8", "--events", "200")
    assert code == 0  # an earlier demo store may be rewritten


@pytest.mark.parametrize("limit", ["0", "-1", "many"])
def test_a_limit_below_one_is_a_usage_error(demo_copy, limit):
    result = subprocess.run([sys.executable, "-m", "inspector", "events", str(demo_copy), "--limit", limit],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "--limit" in result.stderr


def test_an_unexpected_error_is_one_line_not_a_traceback(tmp_path, capsys):
    mapping = tmp_path / "m.toml"
    mapping.write_text('table = "events"\ncolumns = 3\n')
    code, _, err = run(capsys, "streams", str(tmp_path / "x.db"), "--mapping", str(mapping))
    assert code == 1 and len(err.strip().splitlines()) == 1
