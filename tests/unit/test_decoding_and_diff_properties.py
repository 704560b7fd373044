"""Properties of decoding, writing and diffing JSON values, over generated values (hypothesis).

Bounded for CI: each property tries a fixed number of examples with a deadline per example.
"""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import HealthCheck, given, settings, strategies as st

from inspector.core import jsontext
from inspector.core.decoding import MAX_NESTING, decode_json, loads_exact, whole_number
from inspector.core.diff import diff_states, resolve, same_value
from inspector.core.terminal import printable

BOUNDED = settings(max_examples=100, deadline=1000, suppress_health_check=[HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(min_value=-(10**40), max_value=10**40)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.decimals(min_value=-(10**30), max_value=10**30, allow_nan=False, allow_infinity=False)
           | st.text(max_size=20))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)


@BOUNDED
@given(json_values)
def test_written_json_reads_back_as_the_same_value(value):
    assert same_value(loads_exact(jsontext.dumps(value)), value)


@BOUNDED
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_decoding_any_stored_payload_gives_a_value_or_a_problem_never_an_exception(blob):
    decoded = decode_json(blob)
    assert decoded.problem is None or decoded.value is None


@BOUNDED
@given(st.integers(min_value=1, max_value=3000))
def test_any_nesting_depth_is_decoded_or_named(depth):
    decoded = decode_json("[" * depth + "]" * depth)
    if depth <= MAX_NESTING:
        assert decoded.problem is None
    else:
        assert decoded.value is None and "nested deeper" in decoded.problem


@BOUNDED
@given(json_values, json_values)
def test_a_diff_is_empty_exactly_when_the_states_are_the_same(before, after):
    changes = diff_states(before, after)
    assert (changes == []) == same_value(before, after)
    assert diff_states(before, loads_exact(jsontext.dumps(before))) == []


@BOUNDED
@given(st.dictionaries(st.text(max_size=6) | st.integers(-5, 5), scalars, max_size=6),
       st.dictionaries(st.text(max_size=6) | st.integers(-5, 5), scalars, max_size=6))
def test_every_changed_path_resolves_to_its_before_and_after(before, after):
    for change in diff_states(before, after):
        missing = object()
        old, new = resolve(before, change.path, missing), resolve(after, change.path, missing)
        if change.op == "add":
            assert old is missing and same_value(new, change.after)
        elif change.op == "remove":
            assert new is missing and same_value(old, change.before)
        else:
            assert same_value(old, change.before) and same_value(new, change.after)
            assert not same_value(old, new)


@BOUNDED
@given(st.one_of(scalars, st.binary(max_size=8), st.decimals()))
def test_a_stored_version_is_a_whole_number_or_a_problem(value):
    version, problem = whole_number(value)
    assert (version is None) != (problem is None)
    if version is not None:
        assert -(2**63) <= version < 2**63 and not isinstance(value, bool)
        if isinstance(value, (float, Decimal)):
            assert math.isfinite(value) and value == version


@BOUNDED
@given(st.text())
def test_printable_text_holds_no_terminal_control_character(text):
    shown = printable(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0x202A <= ord(c) <= 0x202E for c in shown)
    if shown == text:
        assert "\x1b" not in text
