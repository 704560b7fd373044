"""``(none)`` names the streams without a category; a category really named ``(none)`` is spelled
``\\(none)`` wherever categories are counted, shown and selected (``category_key``), and a name of
backslashes before ``(none)`` takes one more, so that each spelling stands for exactly one name."""

from __future__ import annotations

import pytest

from inspector.core.events import NO_CATEGORY, category_key, category_named, in_category

NAMES = [None, "", "(none)", "\\(none)", "\\\\(none)", "order", "\\", "\\x", "(none) ", " (none)", "(NONE)", "x(none)"]


@pytest.mark.parametrize("name", NAMES)
def test_each_spelling_stands_for_one_name(name):
    assert category_named(category_key(name)) == (name or None)


def test_spellings_of_different_names_differ():
    spelled = [category_key(name) for name in NAMES[1:]]
    assert len(set(spelled)) == len(spelled)
    assert category_key(None) == category_key("") == NO_CATEGORY


def test_a_stream_of_the_category_named_none_is_not_of_no_category():
    assert category_key("(none)") == "\\(none)"
    assert not in_category("(none)", NO_CATEGORY) and in_category("(none)", "\\(none)")
    assert in_category(None, NO_CATEGORY) and in_category("", NO_CATEGORY)
    assert in_category("order", "order") and not in_category("order", "\\order")
