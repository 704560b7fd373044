"""A stream, an event type or a stream pattern the store does not have is an input error
(exit 1, one line naming what is missing, with the closest names), never a quiet success:
not "no problems found", not an empty table, not an empty export, not "0 streams replayed"."""

from __future__ import annotations

import json

import pytest

from inspector.cli import main
from inspector.core.suggest import close_names, missing_pattern, missing_stream, missing_types
from inspector.stores import open_store

ERROR = "event-inspector: error: "


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [
    ["check", "--stream", "nosuch"],
    ["check", "--stream", "nosuch", "--json", "--exit-zero"],
    ["events", "--stream", "nosuch"],
    ["events", "--stream", "nosuch", "--json"],
    ["replay", "--stream", "nosuch"],
    ["diff", "--stream", "nosuch", "--from", "v1", "--to", "v2"],
    ["bisect", "--stream", "nosuch", "--when", "True"],
    ["changed", "nosuch", "1"],
    ["audit", "--causes-of", "nosuch@1"],
])
def test_a_stream_with_no_events_is_refused_by_every_command(demo_store_path, capsys, argv):
    code, out, err = run(capsys, argv[0], str(demo_store_path), *argv[1:])
    assert code == 1 and out == ""
    assert err.strip() == f"{ERROR}no events in stream 'nosuch'"


@pytest.mark.parametrize("command", [
    ["check", "--stream"], ["events", "--stream"], ["replay", "--stream"], ["bisect", "--when", "True", "--stream"],
])
def test_a_misspelt_stream_is_answered_with_the_stream_meant(demo_store_path, capsys, command):
    code, out, err = run(capsys, command[0], str(demo_store_path), *command[1:], "walet-9b2e71cc")
    assert code == 1 and out == ""
    assert err.strip() == f"{ERROR}no events in stream 'walet-9b2e71cc'; did you mean 'wallet-9b2e71cc'?"


def test_check_of_a_stream_that_exists_still_checks_it(demo_store_path, demo_planted, capsys):
    stream, version = demo_planted.duplicate_version
    code, out, _ = run(capsys, "check", str(demo_store_path), "--stream", stream, "--json")
    report = json.loads(out)
    assert code == 3 and [(f["kind"], f["version"]) for f in report["findings"]] == [("duplicate_version", version)]


def test_an_unknown_event_type_names_the_known_types(demo_store_path, capsys):
    code, out, err = run(capsys, "events", str(demo_store_path), "--type", "CreditSpent")
    assert code == 1 and out == ""
    assert err.startswith(f"{ERROR}--type 'CreditSpent': no event of that type in this store; its types: ")
    assert "CreditsGranted, CreditsSpent, JobAssigned" in err
    assert err.strip().endswith("did you mean 'CreditsSpent'?")


def test_filters_that_exist_alone_but_not_together_give_an_empty_listing_that_says_so(demo_store_path, capsys):
    code, out, _ = run(capsys, "events", str(demo_store_path), "--stream", "wallet-9b2e71cc", "--type", "JobPosted")
    assert code == 0 and out.strip().endswith("no event matches all of these filters")


def test_export_of_a_stream_with_no_events_writes_nothing(demo_store_path, tmp_path, capsys):
    target = tmp_path / "nosuch.jsonl"
    code, out, err = run(capsys, "export", str(demo_store_path), "--stream", "nosuch", "--format", "jsonl",
                         "-o", str(target))
    assert code == 1 and out == "" and not target.exists()
    assert err.strip() == f"{ERROR}nothing to export: no events in stream 'nosuch'"


@pytest.mark.parametrize("command", [
    ["states"], ["states", "--where", "True", "--json"], ["compare", "--projector", "demo", "--against", "generic"],
])
def test_a_pattern_matching_no_stream_is_refused_by_the_category_commands(demo_store_path, capsys, command):
    code, out, err = run(capsys, command[0], str(demo_store_path), "--match", "nosuch", *command[1:])
    assert code == 1 and out == ""
    assert err.strip() == f"{ERROR}--match 'nosuch': no stream matches (names are matched case-sensitively)"


def test_a_listing_whose_pattern_keeps_nothing_is_empty_and_names_the_right_case(demo_store_path, capsys):
    """``streams --match`` is a filter: keeping nothing is an answer (exit 0, an empty list a script
    can read), with a note on stderr naming the pattern in the right case."""
    code, out, err = run(capsys, "streams", str(demo_store_path), "--match", "WALLET-*", "--json")
    assert code == 0 and json.loads(out) == []
    assert err.strip() == ("note: --match 'WALLET-*': no stream matches (names are matched case-sensitively); "
                           "did you mean 'wallet-*'?")


def test_streams_help_says_a_pattern_that_keeps_nothing_is_an_empty_list_not_an_error(capsys):
    with pytest.raises(SystemExit):
        main(["streams", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--match that names no stream is an error" not in text
    assert "a --match that keeps no stream gives an empty list (exit 0) and a note on stderr" in text


def test_a_misspelt_word_of_a_pattern_is_corrected(demo_store_path, capsys):
    code, _, err = run(capsys, "states", str(demo_store_path), "--match", "walet-*")
    assert code == 1 and err.strip().endswith("did you mean 'wallet-*'?")


def test_the_core_says_nothing_when_the_store_has_what_was_asked(demo_store_path):
    store = open_store(str(demo_store_path))
    try:
        assert missing_stream(store, "wallet-9b2e71cc") is None
        assert missing_types(store, ["CreditsSpent", "JobPosted"]) is None
        assert missing_pattern(store, "wallet-*") is None and missing_pattern(store, "9b2e") is None
        assert missing_pattern(store, "job-*", category="wallet") is not None
    finally:
        store.close()


def test_close_names_prefer_the_same_name_in_another_case_and_a_clear_favourite():
    assert close_names("Wallet-1", ["wallet-1", "wallet-2"]) == ["wallet-1"]
    assert close_names("CreditSpent", ["CreditsSpent", "CreditsGranted", "JobPosted"]) == ["CreditsSpent"]
    assert close_names("zzz", ["wallet-1", "job-2"]) == []
