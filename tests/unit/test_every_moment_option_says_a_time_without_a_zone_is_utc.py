"""Every command-line option that takes a moment or a time says that a time without a zone is
UTC (the window shows local times, so a user in Tokyo read --at 2026-08-15T12:00 as local), and
the CLI does read it as UTC whatever the machine's zone."""

from __future__ import annotations

import argparse
import json
import time

import pytest

from inspector.cli import build_parser, main

TIME_OPTIONS = {"--at", "--from", "--to", "--since", "--until"}


def _moment_options() -> list[tuple[str, str, str]]:
    parser = build_parser()
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, sub in action.choices.items():
                for option in sub._actions:
                    for name in set(option.option_strings) & TIME_OPTIONS:
                        found.append((command, name, option.help or ""))
    return found


def test_the_moment_options_are_found():
    commands = {(command, name) for command, name, _ in _moment_options()}
    assert {
        ("replay", "--at"),
        ("diff", "--from"),
        ("diff", "--to"),
        ("states", "--at"),
        ("compare", "--at"),
        ("events", "--since"),
        ("events", "--until"),
        ("export", "--since"),
        ("export", "--until"),
    } <= commands


@pytest.mark.parametrize(("command", "option", "text"), _moment_options())
def test_each_says_a_time_without_a_zone_is_utc(command, option, text):
    assert "UTC" in text and "zone" in text, f"{command} {option}: {text}"


def test_a_time_without_a_zone_is_read_as_utc_in_any_machine_zone(demo_store_path, capsys, monkeypatch):
    answers = []
    for zone in ("UTC", "Asia/Tokyo"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        main(
            [
                "replay",
                str(demo_store_path),
                "--stream",
                "wallet-9b2e71cc",
                "--at",
                "2026-08-15T12:00",
                "--json",
                "--no-cache",
            ]
        )
        answers.append(json.loads(capsys.readouterr().out)["version"])
    monkeypatch.delenv("TZ")
    time.tzset()
    assert answers[0] == answers[1] == 94
