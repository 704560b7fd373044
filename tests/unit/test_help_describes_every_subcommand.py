"""Every subcommand's --help has a description and says what each option is for; projector
options sit in one group wherever they are taken, and name every built-in projector."""

from __future__ import annotations

import pytest

from inspector.cli import _subcommands, build_parser, main

PARSER = build_parser()
SUBCOMMANDS = _subcommands(PARSER)


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_subcommand_and_option_is_described(name):
    sub = SUBCOMMANDS[name]
    assert sub.description, f"{name} has no description"
    undescribed = [action.option_strings or action.dest for action in sub._actions if not action.help]
    assert undescribed == [], f"{name}: {undescribed} have no help"


def _groups(name: str) -> dict[str, list[str]]:
    return {group.title: [option for action in group._group_actions for option in action.option_strings]
            for group in SUBCOMMANDS[name]._action_groups}


@pytest.mark.parametrize("name", ["replay", "diff", "bisect", "changed", "states", "compare"])
def test_projector_and_path_are_projector_options(name):
    assert {"--projector", "--path"} <= set(_groups(name)["projector options"])


@pytest.mark.parametrize("name", ["replay", "changed", "states"])
def test_the_projector_help_names_the_demo_projector(name, capsys):
    with pytest.raises(SystemExit):
        main([name, "--help"])
    text = " ".join(capsys.readouterr()[0].split())
    assert "'demo'" in text and "'generic'" in text and "'native'" in text


@pytest.mark.parametrize("name", ["events", "diff", "bisect", "check"])
def test_descriptions_are_wrapped_to_the_terminal(name, capsys):
    with pytest.raises(SystemExit):
        main([name, "--help"])
    text = capsys.readouterr()[0]
    description = text.split("\n\n", 1)[1].split("positional arguments:")[0]
    assert description.strip() and max(len(line) for line in description.splitlines()) <= 88


def _help(name: str, capsys) -> str:
    with pytest.raises(SystemExit):
        main([name, "--help"])
    return " ".join(capsys.readouterr()[0].split())


def test_types_help_says_eventsourcing_envelope_fields_are_left_out_of_slices_too(capsys):
    text = _help("types", capsys)
    assert "on a slice exported from one" in text
    assert "(timestamp, originator_topic, originator_id, originator_version) are not payload fields" in text


@pytest.mark.parametrize("name", ["states", "compare"])
def test_processes_help_says_who_folds_in_each_case(name, capsys):
    text = _help(name, capsys)
    # a one-pass read: this process folds slices too; listed streams: N workers, this one lists
    assert "where the category is read in one pass (a SQL store, no --at TIME), this one and N-1 workers" in text
    assert "otherwise (e.g. --at TIME, a JSON Lines file) N workers fold pages of streams this one lists" in text
    assert "N workers on listed streams" not in text


def test_changed_help_gives_a_shared_version_example_and_the_json_shape(capsys):
    text = _help("changed", capsys)
    assert "event-inspector changed demo.db job-52e6b438 2 # v2 is shared by 2 events" in text
    assert "every change has changed_by" in text and "by_event lists each event's own changes" in text
