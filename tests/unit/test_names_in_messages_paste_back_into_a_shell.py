"""A stream or category name quoted in a message ("no events in stream ...", "did you mean ...")
is quoted as a POSIX shell reads it back: pasting the quoted text as the next command's argument
gives exactly the name, backslashes and single quotes included, so a suggestion taken as it is
selects the stream or category it names (it was Python's repr, which doubled backslashes: pasting
``'C:\\\\orders-1'`` asked for another stream and got the same suggestion again). Names holding
characters that could control a terminal, or blanks that read as a space, use ANSI-C quotes
(``$'...'``) with those characters escaped, still read back exactly."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from inspector.cli import main
from inspector.core.terminal import quoted_name

ERROR = "event-inspector: error: "
NAMES = [
    "order-1",
    "C:\\orders-1",
    "\\(none)",
    "\\\\(none)",
    "it's",
    "",
    "a\x1b]0;x\x07b",
    "\u00a0z",
    "tab\there",
    "x\x9by",
    "k\\'\u00a0",
    "\u202eevil",
]


def pasted(quoted: str) -> str:
    """What a shell's argument becomes when ``quoted`` is pasted as it."""
    done = subprocess.run(["bash", "-c", f"printf %s {quoted}"], capture_output=True, check=True)
    return done.stdout.decode("utf-8", "surrogateescape")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs a POSIX shell with ANSI-C quotes")
@pytest.mark.parametrize("name", NAMES)
def test_a_quoted_name_pasted_into_a_shell_is_the_name(name):
    quoted = quoted_name(name)
    assert pasted(quoted) == name
    assert not re.search("[\x00-\x1f\x7f-\x9f\u00a0\u202e]", quoted)  # nothing a terminal would act on or hide


def write_jsonl(path, streams):
    path.write_text(
        "".join(
            json.dumps({"position": i + 1, "stream": s, "version": 1, "type": "A", "data": {}}) + "\n"
            for i, s in enumerate(streams)
        )
    )
    return str(path)


def test_a_suggested_stream_pasted_back_selects_that_stream(tmp_path, capsys):
    store = write_jsonl(tmp_path / "bs.jsonl", ["C:\\orders-1"])
    assert main(["events", store, "--stream", "C:\\orders-2"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"{ERROR}no events in stream 'C:\\orders-2'; did you mean 'C:\\orders-1'?"
    suggested = pasted(err.split("did you mean ")[1].rstrip("?"))
    assert suggested == "C:\\orders-1"
    assert main(["events", store, "--stream", suggested, "--json"]) == 0
    assert [event["stream"] for event in json.loads(capsys.readouterr().out)] == ["C:\\orders-1"]


def test_a_suggested_category_pasted_back_selects_that_category(tmp_path, capsys):
    # '(none)' as a category is written '\(none)' (no category is '(none)'); '\(none)' as '\\(none)'
    store = write_jsonl(tmp_path / "cats.jsonl", ["\\(none)-1", "(none)-2"])
    assert main(["streams", store, "--category", "(none)"]) == 1
    err = capsys.readouterr().err
    assert "did you mean '\\(none)' or '\\\\(none)'?" in err
    for quoted, stream in (("'\\(none)'", "(none)-2"), ("'\\\\(none)'", "\\(none)-1")):
        assert main(["streams", store, "--category", pasted(quoted), "--json"]) == 0
        assert stream in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs a POSIX shell with ANSI-C quotes")
@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--type", "Credit Spent\\x", "--type {}: no event of that type"),
        ("--match", "it's-*", "--match {}: no stream matches"),
    ],
)
def test_a_type_or_pattern_the_store_does_not_have_is_echoed_so_it_pastes_back(tmp_path, capsys, option, value, said):
    """The user's own --type or --match, echoed by the error, reads back as typed: a space, a
    backslash or a quote in it is not lost or doubled (it was echoed bare)."""
    store = write_jsonl(tmp_path / "s.jsonl", ["order-1"])
    command = ["events", store, option, value] if option == "--type" else ["states", store, option, value]
    code = main(command)
    _, err = capsys.readouterr()
    assert code == 1
    quoted = quoted_name(value)
    assert said.format(quoted) in err
    assert pasted(quoted) == value
