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
