"""Turn stored payload bytes into JSON-able values, or say plainly why not.

Every decoder returns a ``Decoded``: a bad payload is a value with a ``problem``,
never an exception, so that one bad row cannot end a read.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

_ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


@dataclass(frozen=True, slots=True)
class Decoded:
    value: Any = None
    raw: bytes | str | None = None
    problem: str | None = None


def as_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, memoryview):
        return value.tobytes()
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, bytes):
        return value
    return None


def decode_json(value: Any, *, allow_null: bool = True) -> Decoded:
    """Decode JSON held as text, bytes (maybe zlib-compressed) or an already-parsed value."""
    if value is None:
        return Decoded(None, None, None if allow_null else "payload is NULL")
    if isinstance(value, (dict, list, int, float, bool, Decimal)):
        return Decoded(value)
    blob = as_bytes(value)
    if blob is not None:
        if blob.startswith(_ZLIB_HEADERS):
            try:
                blob = zlib.decompress(blob)
            except zlib.error:
                pass  # not compressed after all: try it as JSON below
        if b"\x00" in blob[:64] and not blob.lstrip().startswith((b"{", b"[")):
            return Decoded(None, as_bytes(value), f"binary payload ({len(blob)} bytes), not JSON")
        try:
            return Decoded(loads_exact(blob))
        except ValueError as exc:
            return Decoded(None, as_bytes(value), _json_problem(blob, exc))
    text = str(value)
    try:
        return Decoded(loads_exact(text))
    except ValueError as exc:
        return Decoded(None, text, _json_problem(text.encode("utf-8", "replace"), exc))


# orjson reads a number exactly as the exact parser does unless it has 16 or more digits (and
# dots) in a row — an integer that may not fit 64 bits, a decimal with more digits than a double
# keeps — or a negative exponent of 3+ digits (``1e-400`` silently becomes 0.0). One
# bytes.translate maps digits and dots to "0", e/E to "e", "-" to "s" and what may end a number
# (",]}" and whitespace) to "t", so a few substring searches find both, far cheaper than a regex.
# An exponent must end where a number ends, so the hex of a UUID ("…2e-4123-…") is not taken
# for one. A match inside a string only costs speed (the exact parser then reads that document),
# never correctness. What orjson refuses — NaN, Infinity, a positive exponent beyond a double's
# range — goes to the exact parser on refusal.
_NUMBER_MARKS = bytes(
    ord("0") if chr(c) in "0123456789." else ord("e") if chr(c) in "eE" else ord("s") if chr(c) == "-"
    else ord("t") if chr(c) in ",]} \t\r\n" else 32
    for c in range(256)
)
_LONG_RUN = b"0" * 16
_TINY_EXPONENTS = (b"0es000t", b"0es0000t", b"0es00000")
_INT_DIGITS_LIMIT = 4000  # below Python's default int<->str conversion limit (4300 digits)


def needs_exact_parser(blob: bytes) -> bool:
    """Whether UTF-8 JSON ``blob`` may hold a number orjson would read inexactly (see above)."""
    marks = blob.translate(_NUMBER_MARKS)
    if _LONG_RUN in marks:
        return True
    if b"0es000" not in marks:
        return False
    return any(tiny in marks for tiny in _TINY_EXPONENTS) or marks.endswith((b"0es000", b"0es0000"))


def loads_exact(text: str | bytes) -> Any:
    """Parse JSON text keeping every number exactly as written.

    Integers of any size stay ``int``. A number with a fraction or an exponent is a
    ``float`` when the float holds the written value (its shortest ``repr`` reads back as
    the same decimal number, e.g. ``0.1``, ``1.50``, ``1e5``), else a ``decimal.Decimal``
    with the written digits (``0.1000000000000000055511151231257827``, ``1e400``). The
    tokens ``NaN``, ``Infinity`` and ``-Infinity`` (what Python's ``json`` and the
    eventsourcing library's default transcoder write for non-finite floats) become
    ``float('nan')``, ``float('inf')`` and ``float('-inf')``.

    Text that holds no such number is read by orjson (the common, fast path); the values
    are the same either way. ``bytes`` must be UTF-8. Raises ``ValueError`` (orjson's or
    ``json``'s ``JSONDecodeError``, or ``UnicodeDecodeError``) on anything that is not JSON.
    """
    blob = text if type(text) is bytes else text.encode("utf-8") if isinstance(text, str) else bytes(text)
    marks = blob.translate(_NUMBER_MARKS)
    if (_LONG_RUN in marks or b"0es000" in marks) and needs_exact_parser(blob):
        return json.loads(blob.decode("utf-8"), parse_float=_exact_float, parse_int=_exact_int)
    try:
        return orjson.loads(blob)
    except orjson.JSONDecodeError as refused:  # NaN, Infinity, 1e400, or not JSON at all
        try:
            return json.loads(blob.decode("utf-8"), parse_float=_exact_float, parse_int=_exact_int)
        except ValueError:
            raise refused from None


def _exact_float(token: str) -> float | Decimal:
    number = float(token)
    if number - number == 0.0:  # finite: keep the float when it holds the written value
        shortest = repr(number)
        if shortest == token or Decimal(shortest) == Decimal(token):
            return number
    return Decimal(token)


def _exact_int(token: str) -> int:
    if len(token) <= _INT_DIGITS_LIMIT:
        return int(token)
    return int(Decimal(token))  # past the int/str conversion limit; Decimal has none


def _json_problem(blob: bytes, exc: Exception) -> str:
    stripped = blob.lstrip()
    if stripped.startswith(b"<"):
        return "XML payload, shown raw"
    if not stripped:
        return "empty payload"
    try:
        blob.decode("utf-8")
    except UnicodeDecodeError:
        return f"binary payload ({len(blob)} bytes): not UTF-8 JSON (encrypted or another codec?)"
    return f"malformed JSON: {exc}"


def untranscode(value: Any) -> Any:
    """Undo the eventsourcing library's JSONTranscoder into plain JSON values.

    ``{"_type_": "datetime_iso", "_data_": "..."}`` becomes the ISO string, ``uuid_hex``
    a hyphenated UUID, ``decimal_str`` the decimal's text; unknown custom types keep
    their ``_data_``. The inspector never imports the classes a store names.
    """
    if isinstance(value, dict):
        if set(value) == {"_type_", "_data_"}:
            kind, data = value["_type_"], value["_data_"]
            if kind == "uuid_hex" and isinstance(data, str) and len(data) == 32:
                return f"{data[:8]}-{data[8:12]}-{data[12:16]}-{data[16:20]}-{data[20:]}"
            return untranscode(data)
        return {key: untranscode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [untranscode(item) for item in value]
    return value
