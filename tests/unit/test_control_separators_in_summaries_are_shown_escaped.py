"""The control characters Python counts as blank space (the separators ``\\x1c``-``\\x1f``, the
next-line ``\\x85``, the line and paragraph separators ``\\u2028``/``\\u2029``) are shown escaped in
one-line summaries, as every other control character is, never folded into a space: a value
``a\\x1cb`` reads apart from ``a b``. Tabs and line ends still fold to one space."""

from __future__ import annotations

import json

import pytest

from inspector.cli import main
from inspector.core.events import Event
from inspector.core.summary import short_value, summarize

SEPARATORS = ["\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", SEPARATORS, ids=[f"U+{ord(c):04X}" for c in SEPARATORS])
def test_a_separator_inside_a_value_is_kept_not_folded_to_a_space(char):
    assert short_value(f"a{char}b") == f"a{char}b" != short_value("a b")
    assert summarize(Event(1, "s-1", 0, "T", data={"k": f"a{char}b"})) == f"k=a{char}b"
    assert short_value({"k": f"{char}x"}) == f"{{k: {char}x}}"


def test_tabs_and_line_ends_still_fold_to_one_space():
    assert short_value("a\t\tb\r\nc\x0bd\x0ce") == "a b c d e"
    assert short_value(" a ") == '" a "'


def test_the_cli_prints_each_separator_escaped(tmp_path, capsys):
    path = tmp_path / "separators.jsonl"
    path.write_text(json.dumps({"position": 1, "stream": "s-1", "version": 0, "type": "T",
                                "data": {"k": "a" + "".join(SEPARATORS) + "b", "n": "x\ty"}}) + "\n")
    assert main(["events", str(path)]) == 0
    out = capsys.readouterr().out
    assert r"k=a\x1c\x1d\x1e\x1f\x85\u2028\u2029b" in out and "n=x y" in out
    assert not any(char in out for char in SEPARATORS)
