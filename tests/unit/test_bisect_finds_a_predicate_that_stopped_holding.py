"""``bisect`` never says "never holds" without having checked every version: when the predicate
does not hold at the stream's latest version, every version is checked in order, and the first
where it held is answered with the news that it no longer holds (text and JSON); only a
predicate that held at no version is "never"."""

from __future__ import annotations

import json

from inspector.cli import main
from inspector.replay.engine import bisect
from inspector.stores import open_store

WALLET = "wallet-9b2e71cc"  # the demo's wallet whose credits exceed 150 at v10 and end below zero


def test_a_predicate_that_held_then_stopped_is_found_at_its_first_version(demo_store_path, capsys):
    code = main(["bisect", str(demo_store_path), "--stream", WALLET, "--when", 'state["credits"] > 150', "--json"])
    out, _ = capsys.readouterr()
    answer = json.loads(out)
    assert code == 0 and answer["found"] is True and answer["version"] == 10
    assert answer["holds_at_latest"] is False and answer["search"] == "scan"
    assert answer["state_after"]["credits"] > 150 >= answer["state_before"]["credits"]
    assert answer["event"]["version"] == 10 and answer["latest_version"] > 10


def test_the_text_says_it_no_longer_holds_at_the_latest_version(demo_store_path, capsys):
    code = main(["bisect", str(demo_store_path), "--stream", WALLET, "--when", 'state["credits"] > 150'])
    out, _ = capsys.readouterr()
    first = out.splitlines()[0]
    assert code == 0 and "never" not in out
    assert first.startswith('first version where state["credits"] > 150 held: v10; it no longer holds at the latest')


def test_bisect_agrees_with_states_ever(demo_store_path, capsys):
    main(["states", str(demo_store_path), "--match", WALLET, "--where", 'state["credits"] > 150', "--ever", "--json"])
    ever = json.loads(capsys.readouterr()[0])["matches"][0]
    main(["bisect", str(demo_store_path), "--stream", WALLET, "--when", 'state["credits"] > 150', "--json"])
    found = json.loads(capsys.readouterr()[0])
    assert found["version"] == ever["version"] and found["state_after"] == ever["state"]


def test_never_is_said_only_after_every_version_was_checked(demo_store_path, capsys):
    code = main(["bisect", str(demo_store_path), "--stream", WALLET, "--when", 'state["credits"] > 10**6', "--json"])
    answer = json.loads(capsys.readouterr()[0])
    assert code == 0 and answer["found"] is False and answer["holds_at_latest"] is False
    assert answer["versions_scanned"] == answer["latest_version"]  # the demo's wallets count from v1
    main(["bisect", str(demo_store_path), "--stream", WALLET, "--when", 'state["credits"] > 10**6'])
    assert "checked at every version up to its latest" in capsys.readouterr()[0]


def test_a_predicate_true_at_the_latest_version_is_still_found_by_binary_search(demo_store_path, demo_planted):
    stream, version = demo_planted.negative_wallet
    store = open_store(str(demo_store_path))
    try:
        found = bisect(store, stream, 'state["credits"] < 0')
    finally:
        store.close()
    assert (found.found, found.version, found.search, found.holds_at_latest) == (True, version, "binary", True)
    assert found.versions_scanned == 0 and found.probes < found.latest_version


def test_help_says_what_bisect_assumes(capsys):
    try:
        main(["bisect", "--help"])
    except SystemExit:
        pass
    text = " ".join(capsys.readouterr()[0].split())
    assert "assumes EXPR stays true once it holds" in text
    assert "every version is checked in order" in text


def test_a_version_claimed_by_two_events_is_warned_about(demo_store_path, capsys):
    """The demo's job-52e6b438 has two events at v2 (JobAssigned, then JobCompleted): bisect
    answers v2 and warns, in the text (stderr) and the JSON, as replay, diff and changed do."""
    from inspector.cli import main as cli

    when = 'state.get("worker") is not None'
    assert cli(["bisect", str(demo_store_path), "--stream", "job-52e6b438", "--when", when]) == 0
    out, err = capsys.readouterr()
    assert "first version where" in out and ": v2 " in out
    assert "warning: v2 is claimed by two events" in err
    assert cli(["bisect", str(demo_store_path), "--stream", "job-52e6b438", "--when", when, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == 2 and any("v2 is claimed by two events" in w for w in document["warnings"])
