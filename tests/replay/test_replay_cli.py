"""``event-inspector replay|diff|bisect`` as a user runs them on the demo store."""

from __future__ import annotations

import hashlib
import json
import shutil

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


def test_replay_json_has_the_contract_shape_and_uses_the_cache_on_the_second_run(demo_copy, demo_planted, capsys):
    stream, _ = demo_planted.negative_wallet
    before = hashlib.sha256(demo_copy.read_bytes()).hexdigest()
    code, out, _ = run(capsys, "replay", str(demo_copy), "--stream", stream, "--at", "v150", "--json")
    first = json.loads(out)
    assert code == 0
    assert set(first) >= {"stream", "version", "recorded_at", "state", "projector", "snapshot",
                          "events_applied", "elapsed_ms", "stopped"}
    assert first["snapshot"] == {"source": None, "version": None} and first["version"] == 150
    _, out, _ = run(capsys, "replay", str(demo_copy), "--stream", stream, "--at", "v150", "--json")
    second = json.loads(out)
    assert second["snapshot"]["source"] == "cache" and second["state"] == first["state"]
    _, out, _ = run(capsys, "replay", str(demo_copy), "--stream", stream, "--at", "v150", "--json", "--no-cache")
    assert json.loads(out)["snapshot"]["source"] is None
    assert hashlib.sha256(demo_copy.read_bytes()).hexdigest() == before  # the store is never written


def test_replay_text_reads_well(demo_copy, demo_planted, capsys):
    stream, _ = demo_planted.negative_wallet
    code, out, _ = run(capsys, "replay", str(demo_copy), "--stream", stream)
    assert code == 0
    assert f"{stream} at v" in out and "projector wallet" in out
    assert "credits" in out and "-3" in out


def test_bisect_json_finds_the_planted_negative_balance(demo_copy, demo_planted, capsys):
    stream, version = demo_planted.negative_wallet
    code, out, _ = run(capsys, "bisect", str(demo_copy), "--stream", stream, "--when", 'state["credits"] < 0', "--json")
    result = json.loads(out)
    assert code == 0 and result["found"] and result["version"] == version
    assert result["event"]["type"] == "CreditsSpent"


def test_diff_json_blames_the_bad_spend(demo_copy, demo_planted, capsys):
    stream, version = demo_planted.negative_wallet
    code, out, _ = run(capsys, "diff", str(demo_copy), "--stream", stream, "--from", f"v{version - 1}",
                       "--to", f"v{version}", "--json")
    result = json.loads(out)
    assert code == 0
    credits = next(c for c in result["changes"] if c["path"] == "/credits")
    assert credits["after"] == -3
    assert [(e["version"], e["type"], e["actor"]) for e in credits["events"]] == [(version, "CreditsSpent", "system:billing")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["replay", "--stream", "wallet-none"], "no events in stream"),
        (["replay", "--stream", "x", "--at", "last tuesday"], "not a moment"),
        (["replay", "--stream", "x", "--projector", "/nowhere/p.py"], "not found"),
        (["bisect", "--stream", "x", "--when", "state[", ], "not a Python expression"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_1(demo_copy, capsys, argv, message):
    code, out, err = run(capsys, argv[0], str(demo_copy), *argv[1:])
    assert code == 1 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_missing_stream_option_is_a_usage_error(demo_copy, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["replay", str(demo_copy)])
    assert exit_info.value.code == 2
