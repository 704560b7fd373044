"""The one-line summary of an event (the CLI's ``events`` table, the window's Summary column,
audit lines and reports) shows a string value's blank edges: ``"a "`` reads apart from ``a``,
as ``shown_name`` shows names. A value cut at the line's end shows its start as it is."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from inspector.core.events import Event
from inspector.core.summary import short_value, summarize

T0 = datetime(2024, 3, 1, 10, tzinfo=timezone.utc)


def _event(data):
    return Event(position=1, stream="order-1", version=1, type="Noted", recorded_at=T0, data=data, metadata={})


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a", "a"),
        ("a ", '"a "'),
        (" a", '" a"'),
        ("a\n", '"a\\n"'),
        ("", '""'),
        ("  ", '"  "'),
        ('"q', '""q"'),
    ],
)
def test_a_value_with_blank_edges_reads_apart_from_one_without(value, shown):
    assert short_value(value) == shown
    assert summarize(_event({"reason": value})) == f"reason={shown}"
    assert summarize(_event(value)) == shown


def test_values_that_differ_only_in_trailing_blanks_give_different_lines():
    lines = {summarize(_event({"sku": sku, "n": 1})) for sku in ("A-1", "A-1 ", "A-1  ", "A-1\t")}
    assert len(lines) == 4
    assert summarize(_event({"note": {"sku": "A-1 "}})) == 'note={sku: "A-1 "}'


def test_a_long_value_cut_before_its_blank_end_reads_as_its_start():
    long = "word " * 50
    assert short_value(long, 40) == "word " * 7 + "word…"
    assert short_value(" " + long, 40).startswith('" word word')  # a blank start is shown whatever the length
