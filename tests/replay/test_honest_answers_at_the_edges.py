"""Answers at the edges say what they are: the latest blame when blame must cut, no silent
stand-in for a version that does not exist, a check that fails a CI job, raw text kept."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from inspector.cli import main
from inspector.core.events import Moment
from inspector.replay import diff, replay
from inspector.replay.engine import BLAME_LIMIT
from inspector.stores import open_store

WALLET = "wallet-1"
VERSIONS = 1109


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def long_wallet(tmp_path_factory):
    """A generic SQLite store: one wallet granted 1 credit at each of 1,109 versions."""
    path = tmp_path_factory.mktemp("edges") / "long.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT, "
                 "recorded_at TEXT, data TEXT, metadata TEXT)")
    conn.execute("CREATE UNIQUE INDEX events_stream ON events (stream, version)")
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    rows = [(v, WALLET, v, "CreditsGranted", (start + timedelta(minutes=v)).isoformat(),
             json.dumps({"credits": v}), json.dumps({"actor": f"clerk{v % 3}@example.com"}))
            for v in range(1, VERSIONS + 1)]
    rows.append((VERSIONS + 1, "wallet-2", 1, "Opened", start.isoformat(), "<not json", "{}"))
    conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return path


def test_diff_blame_keeps_the_latest_changes_and_counts_the_earlier_ones(long_wallet):
    store = open_store(str(long_wallet))
    try:
        result = diff(store, WALLET, Moment(version=1), Moment(version=VERSIONS))
    finally:
        store.close()
    (change,) = [c for c in result.changes if c.path == "/credits"]
    assert change.events[-1].version == VERSIONS  # the last change is the one a user asks about
    assert len(change.events) == BLAME_LIMIT
    assert change.events[0].version == VERSIONS - BLAME_LIMIT + 1
    assert change.events_omitted == (VERSIONS - 1) - BLAME_LIMIT
    assert change.to_json()["events_omitted"] == change.events_omitted


def test_diff_json_and_text_say_how_many_blamed_events_were_left_out(long_wallet, capsys):
    code, out, _ = run(capsys, "diff", str(long_wallet), "--stream", WALLET, "--from", "v1", "--to", f"v{VERSIONS}",
                       "--json", "--no-cache")
    assert code == 0
    (change,) = [c for c in json.loads(out)["changes"] if c["path"] == "/credits"]
    assert change["events"][-1]["version"] == VERSIONS and change["events_omitted"] == 108
    code, out, _ = run(capsys, "diff", str(long_wallet), "--stream", WALLET, "--from", "v1", "--to", f"v{VERSIONS}",
                       "--no-cache")
    assert code == 0 and "1,105 earlier" in out and f"v{VERSIONS} CreditsGranted" in out


def test_replay_to_a_version_the_stream_does_not_have_says_so(long_wallet, capsys):
    store = open_store(str(long_wallet))
    try:
        result = replay(store, WALLET, at=Moment(version=99999))
    finally:
        store.close()
    assert result.problem is not None and "no event at v99999" in result.problem and f"v{VERSIONS}" in result.problem
    code, out, err = run(capsys, "replay", str(long_wallet), "--stream", WALLET, "--at", "v99999", "--json")
    assert code == 1 and out == "" and "no event at v99999" in err


def test_check_exits_3_when_it_finds_damage_and_0_with_exit_zero(long_wallet, capsys):
    code, out, _ = run(capsys, "check", str(long_wallet), "--json")
    assert code == 3
    assert [f["kind"] for f in json.loads(out)["findings"]] == ["undecodable_payload"]
    assert run(capsys, "check", str(long_wallet), "--exit-zero")[0] == 0
    assert run(capsys, "check", str(long_wallet), "--stream", WALLET)[0] == 0
    assert "exit status" in run_help(capsys, "check")


def run_help(capsys, command: str) -> str:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    return capsys.readouterr().out


def test_events_json_keeps_the_text_of_a_payload_it_could_not_decode(long_wallet, capsys):
    code, out, _ = run(capsys, "events", str(long_wallet), "--stream", "wallet-2", "--json")
    assert code == 0
    (event,) = json.loads(out)
    assert event["data"] is None and event["raw"] == "<not json" and event["problem"]
    code, out, _ = run(capsys, "events", str(long_wallet), "--stream", WALLET, "--limit", "1", "--json")
    assert json.loads(out)[0]["raw"] is None  # decoded payloads carry no raw copy


def test_check_reports_an_event_whose_time_cannot_be_read(tmp_path, capsys):
    """Damage outside the payload is damage too: ``events`` flags it, so ``check`` reports it."""
    path = tmp_path / "odd-time.jsonl"
    path.write_text(
        '{"position": 1, "stream": "meter-1", "version": 1, "type": "Read", "recorded_at": "2024-01-09T13:25:50Z",'
        ' "data": {"kwh": 1}}\n'
        '{"position": 2, "stream": "meter-1", "version": 2, "type": "Read", "recorded_at": "yesterday",'
        ' "data": {"kwh": 2}}\n')
    code, out, _ = run(capsys, "check", str(path), "--json")
    assert code == 3
    (finding,) = json.loads(out)["findings"]
    assert (finding["kind"], finding["stream"], finding["version"]) == ("damaged_event", "meter-1", 2)
    assert "yesterday" in finding["detail"]
