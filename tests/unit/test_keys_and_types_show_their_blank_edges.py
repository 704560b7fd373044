"""Event types and payload keys read apart from their trimmed spelling wherever text shows them
(the CLI's ``events`` and ``types``, audit lines, the one-line summaries): ``" B "`` and ``"k "``
in double quotes, as ``shown_name`` shows stream names and summaries show values. Blank
characters other than the plain space (a no-break space) are escaped, ``\\u00a0``, in names,
keys and values alike, so ``" z"`` with a no-break space never reads as ``" z"`` with a space.
``--json`` keeps every name exact."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from inspector.cli import main
from inspector.core.events import Event
from inspector.core.summary import short_value, summarize
from inspector.core.terminal import shown_name

T0 = datetime(2024, 3, 1, 10, tzinfo=timezone.utc)
LINES = [
    {"position": 1, "stream": "e-1", "version": 1, "type": "A", "data": {"k ": "v", "\u00a0j": 1, "d": "\u00a0z"}},
    {"position": 2, "stream": "e-1", "version": 2, "type": " B ", "data": {"x": 1}},
    {"position": 3, "stream": "e-1", "version": 3, "type": "C\u00a0D", "data": {}},
]


def _event(data, type_="Noted"):
    return Event(position=1, stream="order-1", version=1, type=type_, recorded_at=T0, data=data, metadata={})


@pytest.mark.parametrize(
    ("key", "shown"),
    [("k", "k"), ("k ", '"k "'), (" k", '" k"'), ("", '""'), ("\u00a0k", '"\\u00a0k"'), ("a\tb", "a\\tb")],
)
def test_a_key_with_blank_edges_reads_apart_from_one_without(key, shown):
    assert summarize(_event({key: "v"})) == f"{shown}=v"
    assert short_value({key: 1}) == "{" + f"{shown}: 1" + "}"


@pytest.mark.parametrize(
    ("value", "shown"), [("\u00a0z", "\\u00a0z"), ("a\u00a0b", "a\\u00a0b"), ("a\u3000", "a\\u3000")]
)
def test_a_no_break_space_in_a_value_is_shown_escaped(value, shown):
    assert short_value(value) == shown


def test_names_show_a_no_break_space_escaped():
    assert shown_name("order\u00a0-1") == "order\\u00a0-1"
    assert shown_name("\u00a0order") == '"\\u00a0order"'


@pytest.fixture
def edges(tmp_path):
    path = tmp_path / "edges.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    return str(path)


def test_events_and_types_show_types_and_keys_with_their_edges(edges, capsys):
    assert main(["events", edges]) == 0
    rows = capsys.readouterr().out.splitlines()[2:5]
    assert rows[0].split()[3] == "A" and '"k "=v' in rows[0] and '"\\u00a0j"=1' in rows[0] and "d=\\u00a0z" in rows[0]
    assert '  " B "  ' in rows[1]
    assert "  C\\u00a0D" in rows[2]
    assert main(["types", edges]) == 0
    out = capsys.readouterr().out
    assert '\n" B ": 1 event(s)' in out and "\nC\\u00a0D: 1 event(s)" in out
    assert '\n"k "  ' in out  # the field table's row for key "k "


def test_json_keeps_types_and_keys_exact(edges, capsys):
    assert main(["events", edges, "--json"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert [event["type"] for event in events] == ["A", " B ", "C\u00a0D"]
    assert list(events[0]["data"]) == ["k ", "\u00a0j", "d"]
