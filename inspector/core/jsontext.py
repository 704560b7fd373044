"""Write JSON text with every number exactly as the value holds it.

orjson is fast but refuses integers beyond 64 bits, writes ``null`` for NaN and the
infinities, and knows nothing of ``decimal.Decimal``. ``dumps`` keeps orjson's speed when
the value holds none of those, and otherwise hands orjson the exact tokens as fragments:

- ``int`` of any size: all its digits;
- ``decimal.Decimal``: a bare number with its digits and exponent (``1.50``, ``1E+400``);
  a non-finite Decimal as the float tokens below;
- ``float('nan')``, ``float('inf')``, ``float('-inf')``: ``NaN``, ``Infinity``, ``-Infinity``,
  the tokens Python's ``json`` module writes (not strict JSON; ``loads_exact`` reads them);
- ``datetime``/``date``/``time``: ISO 8601 text (orjson's RFC 3339 form), UUIDs as text;
- ``bytes``/``bytearray``/``memoryview``: the text when they are UTF-8, else their base64
  (standard alphabet, padded);
- any other object: ``str(obj)``.

Dict keys that are not strings are written as text (``1`` → ``"1"``).
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
from decimal import Decimal
from typing import Any, Callable

import orjson

from inspector.core.decoding import needs_exact_parser

__all__ = ["dumps", "dumps_bytes", "dumps_state", "exact_copy", "has_non_finite", "loads_state", "number_text"]

_INT64_MIN = -(2**63)
_UINT64_MAX = 2**64 - 1
_NON_FINITE = {"NaN": "NaN", "sNaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity",
               "-NaN": "NaN", "-sNaN": "NaN"}


def dumps(value: Any, *, indent: bool = False, sort_keys: bool = False) -> str:
    """``value`` as JSON text (see the module docstring for how each type is written).

    ``indent`` writes two-space indentation, ``sort_keys`` sorts object keys. Raises
    ``TypeError`` only for what no JSON can hold (e.g. nesting deeper than 254 levels).
    """
    return dumps_bytes(value, indent=indent, sort_keys=sort_keys).decode("utf-8")


def dumps_bytes(value: Any, *, indent: bool = False, sort_keys: bool = False,
                decimal_text: Callable[[Decimal], str] | None = None) -> bytes:
    """Like ``dumps``, as UTF-8 bytes. ``decimal_text`` overrides how a finite Decimal is written."""
    option = orjson.OPT_NON_STR_KEYS
    if indent:
        option |= orjson.OPT_INDENT_2
    if sort_keys:
        option |= orjson.OPT_SORT_KEYS
    default = _default if decimal_text is None else _default_with(decimal_text)
    try:
        blob = orjson.dumps(value, default=default, option=option)
    except (orjson.JSONEncodeError, TypeError):
        pass  # an integer beyond 64 bits (or a key orjson cannot write): take the exact path
    else:
        # orjson writes NaN and the infinities as null: only then is a second look needed.
        if b"null" not in blob or not has_non_finite(value):
            return blob
    exact = _exact(value, decimal_text or str, text_keys=True)
    try:
        return orjson.dumps(exact, default=default, option=option)
    except orjson.JSONEncodeError as exc:
        raise TypeError(str(exc)) from None


def number_text(value: int | float | Decimal) -> str:
    """One number as text: all of an int's digits, a Decimal's digits, a finite float's ``repr``,
    NaN/Infinity/-Infinity as the JSON tokens (``true``/``false`` for a bool)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value - value == 0.0:
        return repr(value)
    return _token(value, str).decode("ascii")


def has_non_finite(value: Any) -> bool:
    """Whether ``value`` holds a float NaN or infinity anywhere (dicts, lists and tuples are searched)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            if item - item != 0.0:
                return True
        elif kind is dict:
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif isinstance(item, float):
            if item - item != 0.0:
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def exact_copy(value: Any) -> Any:
    """A deep copy of JSON-like ``value``: an orjson round trip when that changes nothing a
    JSON reader would see (non-string keys become text, tuples lists), else ``copy.deepcopy``
    (integers beyond 64 bits, Decimals, NaN and the infinities, other objects)."""
    try:
        blob = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except (orjson.JSONEncodeError, TypeError):
        return copy.deepcopy(value)
    if b"null" in blob and has_non_finite(value):
        return copy.deepcopy(value)
    return orjson.loads(blob)


# --- the snapshot cache's codec ---------------------------------------------------------------
_STATE_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _decimal_tag(value: Decimal) -> str:
    return format(value, "E")  # always has an 'E': it reads back as this Decimal, exponent and all


def _state_default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return orjson.Fragment(_token(obj, _decimal_tag))
    raise TypeError(f"{type(obj).__name__} does not round-trip through the snapshot cache")


def dumps_state(state: Any) -> bytes:
    """A projector's state as the snapshot cache keeps it: JSON that ``loads_state`` reads back
    to equal values of the same types.

    Integers of any size keep their digits, floats their shortest form (NaN/Infinity as tokens),
    a ``Decimal`` is written in exponent form (``Decimal('1.50')`` → ``1.50E+0``) so it reads
    back as that Decimal. Raises ``TypeError`` for what would not come back the same: keys that
    are not strings, datetimes, dataclasses, bytes and other objects.
    """
    try:
        blob = orjson.dumps(state, default=_state_default, option=_STATE_OPTIONS)
    except orjson.JSONEncodeError as exc:
        if "Integer exceeds" not in str(exc):
            raise TypeError(str(exc)) from None
    else:
        if b"null" not in blob or not has_non_finite(state):
            return blob
    try:
        return orjson.dumps(_exact(state, _decimal_tag, text_keys=False), default=_state_default,
                            option=_STATE_OPTIONS)
    except orjson.JSONEncodeError as exc:
        raise TypeError(str(exc)) from None


def loads_state(blob: bytes | str) -> Any:
    """Read what ``dumps_state`` wrote (or any plain JSON): a number with an ``E`` is a Decimal,
    other fractions floats, integers ints of any size. Raises ``ValueError`` on invalid JSON."""
    data = blob.encode("utf-8") if isinstance(blob, str) else bytes(blob)
    # A Decimal's exponent form (``1.50E+0``; orjson writes floats with a lowercase ``e``), long
    # digit runs and 3-digit exponents need the exact reader; so do NaN/Infinity, which orjson refuses.
    if b"E+" not in data and b"E-" not in data and not needs_exact_parser(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # NaN, Infinity, 1e400 (or not JSON: the reader below says so)
    return json.loads(data.decode("utf-8"), parse_float=_state_float, parse_int=_state_int)


def _state_float(token: str) -> float | Decimal:
    return Decimal(token) if "E" in token else float(token)


def _state_int(token: str) -> int:
    return int(token) if len(token) <= 4000 else int(Decimal(token))


# --- the exact path -------------------------------------------------------------------------
def _token(value: Any, decimal_text: Callable[[Decimal], str]) -> bytes:
    if isinstance(value, float):
        if value != value:
            return b"NaN"
        return b"Infinity" if value > 0 else b"-Infinity"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return _NON_FINITE.get(str(value), "NaN").encode("ascii")
        return decimal_text(value).encode("ascii")
    if isinstance(value, int):
        try:
            return str(int(value)).encode("ascii")
        except ValueError:  # beyond Python's int->str digit limit: Decimal converts without one
            return str(Decimal(int(value))).encode("ascii")
    raise TypeError(f"not a number: {type(value).__name__}")


def _default(obj: Any) -> Any:
    return _default_value(obj, str)


def _default_with(decimal_text: Callable[[Decimal], str]) -> Callable[[Any], Any]:
    return lambda obj: _default_value(obj, decimal_text)


def _default_value(obj: Any, decimal_text: Callable[[Decimal], str]) -> Any:
    if isinstance(obj, Decimal):
        return orjson.Fragment(_token(obj, decimal_text))
    if isinstance(obj, (bytes, bytearray, memoryview)):
        blob = bytes(obj)
        try:
            return blob.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(blob).decode("ascii")
    if isinstance(obj, int):  # an int subclass orjson does not take
        return orjson.Fragment(_token(obj, decimal_text))
    if isinstance(obj, float):
        return float(obj) if obj - obj == 0.0 else orjson.Fragment(_token(obj, decimal_text))
    return str(obj)


def _exact(value: Any, decimal_text: Callable[[Decimal], str], *, text_keys: bool) -> Any:
    """``value`` with every number orjson would refuse or change replaced by its exact token
    (and, with ``text_keys``, keys orjson cannot write made text)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if _INT64_MIN <= value <= _UINT64_MAX:
            return value
        return orjson.Fragment(_token(value, decimal_text))
    if isinstance(value, float):
        return value if value - value == 0.0 else orjson.Fragment(_token(value, decimal_text))
    if isinstance(value, Decimal):
        return orjson.Fragment(_token(value, decimal_text))
    if isinstance(value, dict):
        if not text_keys:
            return {key: _exact(item, decimal_text, text_keys=False) for key, item in value.items()}
        return {_key(key, decimal_text): _exact(item, decimal_text, text_keys=True) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_exact(item, decimal_text, text_keys=text_keys) for item in value]
    if text_keys and dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _exact(getattr(value, f.name), decimal_text, text_keys=True) for f in dataclasses.fields(value)}
    return value


def _key(key: Any, decimal_text: Callable[[Decimal], str]) -> Any:
    if isinstance(key, str) or isinstance(key, bool) or key is None:
        return key
    if isinstance(key, (int, float, Decimal)):
        if isinstance(key, int) and _INT64_MIN <= key <= _UINT64_MAX:
            return key
        if isinstance(key, float) and key - key == 0.0:
            return key
        return _token(key, decimal_text).decode("ascii")
    return key
