"""A fold reads each payload with ``json_value``: the same value ``decode_json`` gives, every time.

``json_value`` skips building a ``Decoded``, and both take orjson's way at once for plain text with
no number orjson would read inexactly; these properties hold it to ``decode_json``'s answer
for written JSON (exact numbers included), for any stored bytes or text, and at any nesting.
"""

from __future__ import annotations

import zlib

from hypothesis import HealthCheck, given, settings, strategies as st

from inspector.core import jsontext
from inspector.core.decoding import MAX_NESTING, decode_json, json_value

BOUNDED = settings(max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(min_value=-(10**40), max_value=10**40)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.decimals(min_value=-(10**30), max_value=10**30, allow_nan=False, allow_infinity=False)
           | st.text(max_size=20))
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)


def same(a, b) -> bool:
    """Equal with the same types all the way down (1 and 1.0 and Decimal('1') differ), NaN included."""
    return repr(a) == repr(b) and type(a) is type(b)


@BOUNDED
@given(json_values)
def test_written_json_reads_as_decode_json_reads_it(value):
    text = jsontext.dumps(value)
    assert same(json_value(text), decode_json(text).value)
    assert same(json_value(text.encode()), decode_json(text.encode()).value)


@BOUNDED
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_any_stored_payload_reads_as_decode_json_reads_it(blob):
    for allow_null in (True, False):
        assert same(json_value(blob, allow_null=allow_null), decode_json(blob, allow_null=allow_null).value)


@BOUNDED
@given(st.integers(min_value=1, max_value=400))
def test_nesting_past_the_limit_is_no_value_either_way(depth):
    text = "[" * depth + "]" * depth
    assert same(json_value(text), decode_json(text).value)


def test_numbers_orjson_would_round_keep_their_written_value():
    for text in ('{"a":12345678901234567890123}', '{"a":1e-400}', '{"a":NaN}', '[Infinity,-Infinity]',
                 '{"a":0.1000000000000000055511151231257827}', '{"a":1E-400}', '{"u":"2e-4123"}'):
        assert same(json_value(text), decode_json(text).value), text
    assert json_value('{"a":12345678901234567890123}') == {"a": 12345678901234567890123}


def test_payloads_that_are_not_plain_json_text_read_as_decode_json_reads_them():
    for value in (zlib.compress(b'{"a":1}'), b"\x00\x01binary", b"{bad", "not json", "", "\ud800",
                  '{"x":"\ud800"}', memoryview(b'{"a":2}'), bytearray(b'{"b":3}'), 123, None, {"a": 1}):
        assert same(json_value(value), decode_json(value).value), repr(value)
    assert json_value(None, allow_null=False) is None


@BOUNDED
@given(json_values)
def test_a_payload_the_driver_parsed_is_itself_unless_it_nests_too_deep(value):
    decoded = decode_json(value)
    if isinstance(value, (dict, list)):
        assert decoded.value is value and decoded.problem is None


def test_a_parsed_payload_nested_past_the_limit_is_a_problem_flat_or_not_at_the_top():
    deep: list = []
    inner = deep
    for _ in range(MAX_NESTING + 5):
        inner.append([])
        inner = inner[0]
    for value in (deep, {"x": deep}, [1, "a", deep]):
        decoded = decode_json(value)
        assert decoded.value is None and "nested deeper" in decoded.problem
    assert decode_json({"a": 1, "b": "x"}).value == {"a": 1, "b": "x"}
