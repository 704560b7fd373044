"""``changed`` takes ``STORE STREAM VERSION`` as arguments (or ``--stream``/``--version``: see
test_changed_takes_the_stream_and_the_version_as_options_too.py); ``replay``, ``diff``, ``bisect``,
``events``, ``check`` and ``export`` take ``--stream STREAM``. A stream given as an argument to those,
a version given to ``changed`` as a moment (``--at``, ``--from``, ``--to``), or a moment or bisect's
expression given as an argument, is a usage error (exit 2)
under that subcommand's usage, writing the command the right way with the user's own values and
other options, and nothing is read from the store; the command written runs."""

from __future__ import annotations

import shlex
import shutil

import pytest

from inspector.cli import main

STREAM = "wallet-9b2e71cc"


@pytest.fixture()
def demo_copy(demo_store_path, tmp_path):
    target = tmp_path / "demo.db"
    shutil.copy(demo_store_path, target)
    return str(target)


def usage_error(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    out, err = capsys.readouterr()
    assert exit_.value.code == 2 and out == ""
    return err


@pytest.mark.parametrize("given, wrong", [
    ([f"--stream={STREAM}", "--at", "42"], "--at"),
    (["--stream", STREAM, "--to", "42"], "--to"),
    ([STREAM, "--at", "42"], "--at"),
])
def test_changed_with_a_moment_for_its_version_writes_the_command_with_arguments(capsys, demo_copy, given, wrong):
    err = usage_error(capsys, "changed", demo_copy, *given)
    assert err.startswith("usage: event-inspector changed")
    assert (f"changed takes the stream and the version as arguments (or --stream and --version), not {wrong}: "
            f"event-inspector changed {demo_copy} {STREAM} 42") in " ".join(err.split())


def test_changed_with_stream_alone_names_the_version_still_to_give(capsys, demo_copy):
    err = usage_error(capsys, "changed", "--json", demo_copy, "--stream", STREAM)
    assert "changed needs the version (VERSION or --version VERSION)" in err


@pytest.mark.parametrize("command, given, right", [
    ("replay", [STREAM], f"--stream {STREAM}"),
    ("replay", [STREAM, "v42"], f"--stream {STREAM} --at v42"),
    ("replay", [STREAM, "--at", "v42"], f"--stream {STREAM} --at v42"),
    ("diff", [STREAM, "v1", "v4"], f"--stream {STREAM} --from v1 --to v4"),
    ("diff", [STREAM, "--from", "v1", "--to", "v4"], f"--stream {STREAM} --from v1 --to v4"),
    ("bisect", [STREAM, "--when", "True"], f"--stream {STREAM} --when True"),
    ("events", [STREAM], f"--stream {STREAM}"),
    ("check", [STREAM], f"--stream {STREAM}"),
])
def test_a_stream_given_as_an_argument_to_a_stream_option_command_names_the_option(capsys, demo_copy, command,
                                                                                  given, right):
    err = usage_error(capsys, command, demo_copy, *given)
    assert err.startswith(f"usage: event-inspector {command}")
    assert (f"{command} takes the stream as --stream STREAM, not as an argument: "
            f"event-inspector {command} {demo_copy} {right}") in err


def test_a_word_left_over_is_said_under_the_subcommand_s_usage(capsys, demo_copy):
    err = usage_error(capsys, "replay", demo_copy, "--stream", STREAM, "--at", "v42", "v43")
    assert err.startswith("usage: event-inspector replay")
    assert "unrecognized arguments: v43" in err


def _written(err: str) -> list[str]:
    """The command a usage error writes, as the words to give ``main`` (without the program's name)."""
    line = " ".join(err.split("error: ", 1)[1].split())
    command = line.split(": event-inspector ", 1)[1]
    words = shlex.split(command.split(" (", 1)[0])
    return words


@pytest.mark.parametrize("command, given, right, says", [
    ("bisect", [STREAM, 'state["credits"] < 0'],
     f"--stream {STREAM} --when 'state[\"credits\"] < 0'", "bisect takes the stream as --stream STREAM"),
    ("bisect", ["--stream", STREAM, 'state["credits"] < 0', "--json"],
     f"--stream {STREAM} --json --when 'state[\"credits\"] < 0'",
     "bisect takes --when EXPR as an option, not as an argument"),
    ("replay", ["--stream", STREAM, "v3"], f"--stream {STREAM} --at v3",
     "replay takes --at MOMENT as an option, not as an argument"),
    ("replay", ["--stream", STREAM, "--json", "v3"], f"--stream {STREAM} --json --at v3",
     "replay takes --at MOMENT as an option"),
    ("diff", ["--stream", STREAM, "v1", "v3"], f"--stream {STREAM} --from v1 --to v3",
     "diff takes --from MOMENT --to MOMENT as options, not as arguments"),
    ("diff", ["--stream", STREAM, "--from", "v1", "v3"], f"--stream {STREAM} --from v1 --to v3",
     "diff takes --to MOMENT as an option"),
    ("changed", ["--stream", STREAM, "--at", "v3", "--json"], f"{STREAM} v3 --json",
     "changed takes the stream and the version as arguments (or --stream and --version), not --at"),
    ("changed", ["--stream", STREAM, "--at=v3", "--projector", "demo", "--states"],
     f"{STREAM} v3 --projector demo --states", "not --at"),
    ("changed", ["--proj", "demo", STREAM, "--to", "3", "--json"], f"{STREAM} 3 --proj demo --json",
     "not --to"),
])
def test_the_command_a_usage_error_writes_runs_with_the_user_s_other_options(capsys, demo_copy, command, given,
                                                                             right, says):
    err = usage_error(capsys, command, demo_copy, *given)
    assert err.startswith(f"usage: event-inspector {command}")
    assert says in err
    assert f": event-inspector {command} {demo_copy} {right}" in " ".join(err.split())
    written = _written(err)
    assert main(written) == 0  # the command written runs on the demo store
    out, _err = capsys.readouterr()
    assert out
    if "--json" in given:
        assert out.lstrip().startswith(("{", "["))  # the user's --json is kept


def test_a_word_no_option_takes_is_named_and_left_out_of_the_command_written(capsys, demo_copy):
    err = usage_error(capsys, "replay", demo_copy, STREAM, "v3", "v4")
    assert "(v4: no argument of replay, left out)" in " ".join(err.split())
    assert main(_written(err)) == 0
    capsys.readouterr()


def test_the_right_forms_still_run(capsys, demo_copy):
    assert main(["changed", demo_copy, STREAM, "42"]) == 0
    assert main(["replay", demo_copy, "--stream", STREAM, "--at", "v42"]) == 0
    assert main(["events", demo_copy, "--stream", STREAM, "--limit", "2"]) == 0
    capsys.readouterr()
