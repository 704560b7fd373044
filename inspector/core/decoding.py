"""Turn stored payload bytes into JSON-able values, or say plainly why not.

Every decoder returns a ``Decoded``: a bad payload is a value with a ``problem``,
never an exception, so that one bad row cannot end a read.
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

from inspector.core import json_pieces
from inspector.core.json_pieces import PIECEWISE_ABOVE

_ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")

#: Deepest nesting of arrays and objects a payload is decoded to. JSON text writers stop at
#: 255 levels (orjson) and the documents the inspector writes wrap a payload in a few levels
#: of their own (``events --json``, a replay's state), so deeper payloads are kept raw.
MAX_NESTING = 200
#: A compressed payload may inflate to at most this many bytes (a zip bomb is a problem, not a hang).
MAX_INFLATED = 64 * 1024 * 1024


class TooDeep(ValueError):
    """JSON nested deeper than ``MAX_NESTING`` levels (or than the parser could follow)."""


def nesting_exceeds(value: Any, limit: int = MAX_NESTING) -> bool:
    """Whether ``value`` nests dicts and lists (tuples) more than ``limit`` levels deep.

    Iterative (no recursion limit); a scalar is depth 0, ``[]`` depth 1.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Any
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, tuple)))
    return False


class DeepJsonText(str):
    """JSON text a driver handed over that is nested too deep to decode (kept as written)."""


class Decoded(NamedTuple):
    """A decoded payload: its value, or the payload as stored (``raw``) and why it has no value
    (``problem``). Immutable; a named tuple because it is made once per event read (half the
    cost of a frozen dataclass)."""

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
    found = _plain_document(value)
    if found is not _NOT_PLAIN:
        return Decoded(found)
    if value is None:
        return Decoded(None, None, None if allow_null else "payload is NULL")
    if isinstance(value, DeepJsonText):
        return Decoded(None, str(value), f"JSON nested deeper than {MAX_NESTING} levels, shown raw")
    if isinstance(value, (dict, list)):
        # a payload a driver parsed (jsonb, JSON columns): one without nested containers cannot
        # nest too deep, and most are like that (the walk below is Python, once per event)
        for item in value.values() if type(value) is dict else value:
            if type(item) in _NESTING:
                break
        else:
            return Decoded(value)
        if nesting_exceeds(value):
            return Decoded(None, None, f"JSON nested deeper than {MAX_NESTING} levels, not shown")
        return Decoded(value)
    if isinstance(value, (int, float, bool, Decimal)):
        return Decoded(value)
    blob = as_bytes(value)
    if blob is not None:
        if blob.startswith(_ZLIB_HEADERS):
            try:
                inflater = zlib.decompressobj()
                inflated = inflater.decompress(blob, MAX_INFLATED + 1)
                if len(inflated) > MAX_INFLATED:
                    return Decoded(None, as_bytes(value),
                                   f"compressed payload inflates beyond {MAX_INFLATED // (1024 * 1024)} MiB, not decoded")
                blob = inflated
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
#: a negative exponent of 3+ digits that ends where a number ends (in ``_NUMBER_MARKS``' terms)
_TINY_EXPONENT = re.compile(rb"0es000+(?:t|\Z)")
_INT_DIGITS_LIMIT = 4000  # below Python's default int<->str conversion limit (4300 digits)


def needs_exact_parser(blob: bytes | bytearray) -> bool:
    """Whether UTF-8 JSON ``blob`` may hold a number orjson would read inexactly (see above)."""
    marks = blob.translate(_NUMBER_MARKS)
    if _LONG_RUN in marks:
        return True
    return _tiny_exponent_in(marks)


def _tiny_exponent_in(marks: bytes | bytearray) -> bool:
    """Whether ``marks`` (``_NUMBER_MARKS``' translation) hold a negative exponent of 3+ digits
    that ends where a number ends (not the hex of a UUID, ``…9e-9800-…``)."""
    return b"0es000" in marks and _TINY_EXPONENT.search(marks) is not None


def loads_exact(text: str | bytes, *, max_depth: int | None = MAX_NESTING) -> Any:
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
    ``json``'s ``JSONDecodeError``, or ``UnicodeDecodeError``) on anything that is not JSON,
    and ``TooDeep`` (a ``ValueError``) for arrays and objects nested more than ``max_depth``
    levels (``None``: as deep as the parsers follow, about 1,000 levels).
    """
    # A replay calls this once per event: the usual case (no long number, no tiny exponent,
    # short text) is one translate, two substring searches and orjson, with no further call.
    blob: bytes | bytearray  # a big text's bytes come as a bytearray (``encode_in_slices``)
    if type(text) is bytes:
        blob = text
    elif isinstance(text, str):
        blob = text.encode("utf-8") if len(text) <= PIECEWISE_ABOVE else json_pieces.encode_in_slices(text)
    else:
        blob = bytes(text)
    if len(blob) > PIECEWISE_ABOVE:
        return _loads_big(blob, max_depth)
    marks = blob.translate(_NUMBER_MARKS)
    # deeper nesting needs that many brackets: then orjson itself is made to refuse it (``_within``)
    deep = max_depth is not None and len(blob) > max_depth and blob.count(b"[") + blob.count(b"{") > max_depth
    # ``find`` rather than ``in``: the same search at about half the cost per call
    exact = (marks.find(_LONG_RUN) >= 0 or marks.find(b"0es000") >= 0) and needs_exact_parser(blob)
    value, by_exact_parser = _parsed_whole(blob, exact, max_depth if deep else None)
    # orjson checked the depth; the exact parser's value is walked
    if deep and by_exact_parser and max_depth is not None and nesting_exceeds(value, max_depth):
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


def _parsed_whole(blob: bytes | bytearray, exact: bool, within: int | None = None) -> tuple[Any, bool]:
    """``blob`` parsed in one call: by the exact parser when ``exact``, else by orjson (made to
    refuse nesting deeper than ``within`` levels when given, see ``_within``), and by the exact
    parser when orjson refuses it (NaN, Infinity, 1e400, too deep, not JSON: orjson's error is
    raised when the exact parser refuses it too). Returns the value and whether the exact parser
    read it (its depth is then unchecked). ``TooDeep`` for nesting deeper than the parsers follow."""
    try:
        if exact:
            return _exact_loads(blob), True
        try:
            return (orjson.loads(blob) if within is None else _within(blob, within)), False
        except orjson.JSONDecodeError as refused:  # NaN, Infinity, 1e400, too deep, or not JSON at all
            try:
                return _exact_loads(blob), True
            except ValueError:
                raise refused from None
    except RecursionError:
        raise TooDeep("JSON nested deeper than the parser follows") from None


def _within(blob: bytes | bytearray, max_depth: int) -> Any:
    """``orjson.loads(blob)``, raising ``TooDeep`` when it nests more than ``max_depth`` levels
    (checked by orjson itself at C speed, not by a walk over every container of the value: see
    ``json_pieces.within_depth``); ``orjson.JSONDecodeError`` for anything else it refuses."""
    try:
        return json_pieces.within_depth(blob, max_depth)
    except json_pieces.TooDeepInPieces:
        try:
            orjson.loads(blob)
        except orjson.JSONDecodeError:  # deeper than any parser here follows (as the exact parser says)
            raise TooDeep("JSON nested deeper than the parser follows") from None
        raise TooDeep(f"JSON nested deeper than {max_depth} levels") from None


def _loads_big(blob: bytes | bytearray, max_depth: int | None) -> Any:
    """``loads_exact`` of a document over ``PIECEWISE_ABOVE`` bytes without one long C call (a
    thread doing this leaves the others, the GUI thread among them, the interpreter every few
    ms): its numbers looked at a slice at a time, then parsed in pieces (``json_pieces``, whose
    calls check the depth too) with the cyclic collector paused. A document that cannot be cut
    so (NaN, Infinity, a number orjson reads inexactly, malformed text) is read as a small one is."""
    if not _may_need_exact_parser(blob):
        with json_pieces.cycle_collection_paused():
            try:
                value = json_pieces.loads_in_pieces(blob, max_depth)
            except json_pieces.TooDeepInPieces:
                if max_depth is None:
                    raise TooDeep("JSON nested deeper than the parser follows") from None
                raise TooDeep(f"JSON nested deeper than {max_depth} levels") from None
            except json_pieces.NotInPieces:
                pass
            else:
                json_pieces.settle_new_objects()
                json_pieces.free_in_pieces_when_unused(value)
                return value
    value, _by_exact_parser = _parsed_whole(blob, needs_exact_parser(blob))
    if max_depth is not None and blob.count(b"[") + blob.count(b"{") > max_depth and nesting_exceeds(value, max_depth):
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


#: bytes translated per call when a big document's numbers are looked at (a few ms)
_MARKS_SLICE = 1_000_000


def _may_need_exact_parser(blob: bytes | bytearray) -> bool:
    """``needs_exact_parser`` for a big document, its bytes translated a slice at a time (each
    slice overlaps the next by 16 bytes, the longest mark looked for)."""
    for start in range(0, len(blob), _MARKS_SLICE):
        marks = blob[start:start + _MARKS_SLICE + 16].translate(_NUMBER_MARKS)
        if marks.find(_LONG_RUN) >= 0 or marks.find(b"0es000") >= 0:
            return needs_exact_parser(blob)
    return False


def _exact_loads(blob: bytes | bytearray) -> Any:
    """The exact parser (Python's ``json`` with exact numbers) on UTF-8 ``blob``."""
    return json.loads(blob.decode("utf-8"), parse_float=_exact_float, parse_int=_exact_int)


def json_value(value: Any, *, allow_null: bool = True) -> Any:
    """``decode_json(value, allow_null=...).value``: the decoded value, None when it has a
    problem, without building a ``Decoded`` (the per-event path of a replay)."""
    found = _plain_document(value)
    if found is not _NOT_PLAIN:
        return found
    return decode_json(value, allow_null=allow_null).value


def _plain_document(value: Any, _str: type = str, _bytes: type = bytes, _starts: tuple = (b"{", b"["),
                    _marks: bytes = _NUMBER_MARKS, _run: bytes = _LONG_RUN, _tiny: bytes = b"0es000",
                    _deepest: int = MAX_NESTING, _loads: Any = orjson.loads,
                    _refused: type[Exception] = orjson.JSONDecodeError) -> Any:
    """The usual payload's value, read at once: text, or bytes that start like a JSON object or
    array (never compressed, never binary), with too few brackets to nest too deep and no
    number orjson would read inexactly, that orjson accepts. ``_NOT_PLAIN`` for anything else,
    which ``decode_json`` then reads the long way (the value is the same either way).

    A replay calls this once per event: the keyword defaults bind what it uses once (local
    names, not global look-ups); callers pass ``value`` alone."""
    kind = type(value)  # bytes must start like an object or array: never zlib (0x78), never binary
    if kind is _str:
        if len(value) > PIECEWISE_ABOVE:
            return _NOT_PLAIN  # read in pieces by ``loads_exact`` (not encoded here as well)
        try:
            blob = value.encode()
        except UnicodeEncodeError:  # lone surrogates: the long way names the problem
            return _NOT_PLAIN
    elif kind is _bytes and value[:1] in _starts:
        blob = value
    else:
        return _NOT_PLAIN
    if len(blob) > PIECEWISE_ABOVE:
        return _NOT_PLAIN  # read in pieces by ``loads_exact``, never in one long call
    # ``find`` rather than ``in``: the same search at about half the cost per call
    marks = blob.translate(_marks)
    if marks.find(_run) >= 0 or marks.find(_tiny) >= 0 and _tiny_exponent_in(marks):
        return _NOT_PLAIN
    if len(blob) > _deepest and blob.count(b"[") + blob.count(b"{") > _deepest:
        return _NOT_PLAIN  # might nest too deep: the long way measures it
    try:
        return _loads(blob)
    except _refused:  # NaN, Infinity, 1e400, or not JSON: the long way says which
        return _NOT_PLAIN


_NOT_PLAIN: Any = object()


def page_reads_exactly(payloads: Sequence[Any]) -> bool:
    """Whether orjson reads every number of these JSON texts exactly: ``_plain_document``'s
    number check made once over a page of payloads (one ``translate`` and two searches over
    them all instead of per payload: about a tenth of a replay's time per event).

    ``payloads``: all ``str`` or all ``bytes``; anything else (None, a mix, text that is not
    encodable) gives False, and each payload is then checked on its own, as are pages over
    ``PIECEWISE_ABOVE`` characters in all (not copied into one). Documents are joined by a
    newline, which ends a number, so no run of digits spans two of them."""
    try:
        if sum(map(len, payloads)) > PIECEWISE_ABOVE:
            return False
        joined = "\n".join(payloads).encode()
    except TypeError:
        try:
            joined = b"\n".join(payloads)
        except TypeError:
            return False
    except UnicodeEncodeError:
        return False
    marks = joined.translate(_NUMBER_MARKS)
    # a tiny exponent's look-alike (a UUID's ``…9e-9800-…``) confirmed or not only where one is there
    return marks.find(_LONG_RUN) < 0 and (marks.find(b"0es000") < 0 or not _tiny_exponent_in(marks))


def _plain_in_checked_page(value: Any, _str: type = str, _bytes: type = bytes, _starts: tuple = (b"{", b"["),
                           _deepest: int = MAX_NESTING, _biggest: int = PIECEWISE_ABOVE, _loads: Any = orjson.loads,
                           _refused: type[Exception] = orjson.JSONDecodeError) -> Any:
    """``plain_document(value)`` for a payload of a page ``page_reads_exactly`` passed (its
    numbers need no look): the value orjson reads, or ``NOT_PLAIN`` for the long way."""
    kind = type(value)
    if kind is _str:
        if len(value) > _deepest:
            if len(value) > _biggest or value.count("[") + value.count("{") > _deepest:
                return _NOT_PLAIN
    elif kind is _bytes and value[:1] in _starts:
        if len(value) > _deepest:
            if len(value) > _biggest or value.count(b"[") + value.count(b"{") > _deepest:
                return _NOT_PLAIN
    else:
        return _NOT_PLAIN
    try:
        return _loads(value)
    except _refused:  # NaN, Infinity, 1e400, not JSON, text not UTF-8: the long way says which
        return _NOT_PLAIN

#: ``plain_document(value)``: a payload's value read at once, or ``NOT_PLAIN`` where it needs the
#: long way (``decode_json``); the same value either way (see ``_plain_document``)
plain_document = _plain_document
NOT_PLAIN = _NOT_PLAIN
#: ``plain_document`` for the payloads of a page that ``page_reads_exactly`` passed
plain_in_checked_page = _plain_in_checked_page


#: Containers that add a level of nesting (``nesting_exceeds`` follows these).
_NESTING = frozenset({dict, list, tuple})


def driver_loads(text: str | bytes) -> Any:
    """``loads_exact`` for a database driver's JSON columns: JSON nested too deep comes back as
    ``DeepJsonText`` (its text), which ``decode_json`` turns into a problem, so one such row
    does not end the query. Anything that is not JSON raises as in ``loads_exact``."""
    try:
        return loads_exact(text)
    except TooDeep:
        return DeepJsonText(text if isinstance(text, str) else bytes(text).decode("utf-8", "replace"))


def loads_decimal(text: str | bytes, *, max_depth: int | None = MAX_NESTING) -> Any:
    """``loads_exact`` with every number that has a fraction or an exponent read as a
    ``decimal.Decimal`` with the digits and exponent written (``10.10`` -> ``Decimal('10.10')``,
    ``1E-18`` -> ``Decimal('1E-18')``); integers stay ``int``, the NaN/Infinity tokens floats.
    For JSON whose numbers were Decimals where it was made (a slice of an ``eventsourcing``
    store, whose library decodes them so). The same errors as ``loads_exact``, worded as it
    words them."""
    try:
        value = json.loads(text.decode("utf-8") if isinstance(text, (bytes, bytearray)) else text,
                           parse_float=Decimal, parse_int=_exact_int)
    except RecursionError:
        raise TooDeep("JSON nested deeper than the parser follows") from None
    except ValueError:
        loads_exact(text, max_depth=max_depth)  # its own words for what is wrong
        raise
    if max_depth is not None and nesting_exceeds(value, max_depth):
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


def decode_json_decimal(value: Any, *, allow_null: bool = True) -> Decoded:
    """``decode_json`` with numbers read as ``loads_decimal`` reads them, for JSON text or bytes
    that is a JSON object or array; anything else (and a payload with a problem) as ``decode_json``."""
    found = decimal_document(value)
    if found is not _NOT_PLAIN:
        return Decoded(found)
    return decode_json(value, allow_null=allow_null)


def decimal_document(value: Any) -> Any:
    """``plain_document`` for JSON read as ``loads_decimal`` reads it: the value of text, or of
    bytes that start like a JSON object or array, that reads without a problem; ``NOT_PLAIN``
    for anything else (``decode_json_decimal`` and ``decode_json`` then say what it is)."""
    if type(value) is str or (type(value) is bytes and value[:1] in (b"{", b"[")):
        try:
            return loads_decimal(value)
        except (ValueError, UnicodeDecodeError):
            return _NOT_PLAIN
    return _NOT_PLAIN


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


def _json_problem(blob: bytes | bytearray, exc: Exception) -> str:
    if isinstance(exc, TooDeep):
        return f"{exc}, shown raw"
    stripped = blob.lstrip()
    if not stripped:
        return "empty payload"
    try:
        blob.decode("utf-8")
    except UnicodeDecodeError:  # before the XML test: random bytes (a cipher's) may begin with "<"
        return f"binary payload ({len(blob)} bytes): not UTF-8 JSON (encrypted or another codec?)"
    if stripped.startswith(b"<"):
        return "XML payload, shown raw"
    return f"malformed JSON: {json_error_words(exc, 'payload')}"


def json_error_words(exc: Exception, whole: str) -> str:
    """A JSON parser's error with where it is said in words of ``whole`` (the text parsed: a
    "payload", a "line"): the parser's own "line 2 column 1 (char 76)" counts a line break that
    ends a one-line record as a line of its own, so the place is given as a column, or as "at
    the end of the line" where only blanks follow; a line and column only for text of several lines."""
    if not isinstance(exc, json.JSONDecodeError) or not isinstance(exc.doc, str):
        return str(exc)
    if not exc.doc[exc.pos:].strip():
        if _ends_in_a_string(exc.doc):
            # a string still open where the text ends: orjson names the line break ending the
            # record ("unexpected control character in string"), or "unexpected end of data"
            return f"unterminated string at the end of the {whole}: the {whole} is cut off"
        return exc.msg if "end of" in exc.msg else f"{exc.msg} at the end of the {whole}"
    if exc.lineno == 1:
        return f"{exc.msg} at column {exc.colno}"
    return f"{exc.msg} at line {exc.lineno}, column {exc.colno} of the {whole}"


def _ends_in_a_string(doc: str) -> bool:
    """Whether JSON text ``doc`` ends (blanks at its end aside) inside a string left open."""
    try:
        json.loads(doc.rstrip())
    except json.JSONDecodeError as exc:
        return exc.msg.startswith("Unterminated string")
    except (ValueError, RecursionError):
        return False
    return False


def untranscode(value: Any) -> Any:
    """Undo the eventsourcing library's JSONTranscoder into plain JSON values.

    ``{"_type_": "datetime_iso", "_data_": "..."}`` becomes the ISO string, ``uuid_hex``
    a hyphenated UUID (text), ``decimal_str`` a ``decimal.Decimal`` with the stored digits
    (``"42.00"`` -> ``Decimal('42.00')``: a number, exact, as the library decodes it; text
    that is no decimal stays text); unknown custom types keep their ``_data_``. The
    inspector never imports the classes a store names.
    """
    kind = type(value)
    if kind is dict:
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            name, data = value["_type_"], value["_data_"]
            if name == "uuid_hex" and isinstance(data, str) and len(data) == 32:
                return f"{data[:8]}-{data[8:12]}-{data[12:16]}-{data[16:20]}-{data[20:]}"
            if name == "decimal_str" and type(data) is str:
                return transcoded_decimal(data)
            return untranscode(data)
        # this runs once per event in a replay: scalars are kept and the usual transcoded
        # strings (times) unwrapped without a call
        out = {}
        for key, item in value.items():
            if type(item) is dict:
                if (len(item) == 2 and type(item.get("_data_")) is str and "_type_" in item
                        and item["_type_"] not in DECODED_TRANSCODINGS):
                    out[key] = item["_data_"]
                else:
                    out[key] = untranscode(item)
            elif type(item) is list:
                out[key] = untranscode(item)
            else:
                out[key] = item
        return out
    if kind is list:
        return [untranscode(item) if type(item) in _CONTAINERS else item for item in value]
    return value


_CONTAINERS = (dict, list)
#: the library's transcodings ``untranscode`` turns into another value than their ``_data_`` text
DECODED_TRANSCODINGS = frozenset({"uuid_hex", "decimal_str"})


def transcoded_decimal(text: str) -> Decimal | str:
    """The eventsourcing library's ``decimal_str`` text as the ``Decimal`` it decodes to
    (``"-50.01"`` -> ``Decimal('-50.01')``, digits and exponent kept; ``"NaN"`` and
    ``"Infinity"`` too); text no ``Decimal`` reads, or a signalling NaN (which no comparison
    takes), stays the text as stored."""
    try:
        number = Decimal(text)
    except ArithmeticError:  # decimal.InvalidOperation
        return text
    return text if number.is_snan() else number


#: Versions and positions are signed 64-bit integers in every store the inspector reads.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def whole_number(value: Any, what: str = "version") -> tuple[int | None, str | None]:
    """A stored version (or position) as ``(int, None)``, or ``(None, problem)`` when it is not one.

    Whole numbers within signed 64 bits are read as they are: ints, integral floats and
    Decimals (``2.0``), and text of decimal digits (``'3'``, as a text column holds them).
    Anything else is a problem, never a guess: ``1.5`` and ``2.999`` (not rounded or cut to
    v1/v2), booleans, ``1e300`` and other numbers beyond 64 bits, NaN, text such as
    ``'three'`` or ``''``, bytes. ``None`` gives ``(None, "<what> is NULL")``.
    """
    if value is None:
        return None, f"{what} is NULL"
    kind = type(value)
    if kind is int:
        if INT64_MIN <= value <= INT64_MAX:
            return value, None
        return None, f"{what} {value} is beyond 64 bits"
    if isinstance(value, bool):
        return None, f"{what} {value!r} is a boolean, not a whole number"
    if isinstance(value, int):
        return whole_number(int(value), what)
    if isinstance(value, (float, Decimal)):
        shown = str(value) if isinstance(value, Decimal) else repr(value)
        try:
            finite = value.is_finite() if isinstance(value, Decimal) else value - value == 0.0
            if finite and value == int(value):
                number = int(value)
                if INT64_MIN <= number <= INT64_MAX:
                    return number, None
                return None, f"{what} {shown} is beyond 64 bits"
        except (ArithmeticError, ValueError, OverflowError):
            pass
        return None, f"{what} {shown} is not a whole number"
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if digits.isascii() and digits.isdigit() and len(digits) <= 19:
            return whole_number(int(text), what)
        return None, f"{what} {value[:40]!r} is not a number"
    blob = as_bytes(value)
    if blob is not None:
        return None, f"{what} is bytes ({len(blob)}), not a number"
    return None, f"{what} {str(value)[:40]!r} is not a number"


def text_or_bytes(blob: bytes) -> str | bytes:
    """SQLite's text values: ``str`` when they are UTF-8, else the bytes as stored.

    Used as the sqlite3 ``text_factory``: a TEXT value that is not UTF-8 then reaches the
    layout as bytes (a payload with a problem) instead of failing the whole query. Inside
    ``big_text_as_bytes`` (this thread), a value over ``PIECEWISE_ABOVE`` bytes is handed on
    as the bytes stored, neither checked nor decoded.
    """
    if len(blob) > PIECEWISE_ABOVE and getattr(_big_text, "handed", None) is not None:
        _big_text.handed += 1
        return blob
    try:
        return blob.decode("utf-8") if len(blob) <= PIECEWISE_ABOVE else json_pieces.decode_in_slices(blob)
    except UnicodeDecodeError:
        return bytes(blob)


_big_text = threading.local()


@contextmanager
def big_text_as_bytes() -> Iterator[Callable[[], int]]:
    """Within this block, on this thread, ``text_or_bytes`` hands every SQLite TEXT value over
    ``PIECEWISE_ABOVE`` bytes on as the UTF-8 bytes stored: no 50 MB ``str`` is built (one C
    call of 60-90 ms holding the GIL for the decode or the join of its slices) only to be
    encoded back to bytes (another) before a JSON payload is parsed. Such a value is ``bytes``
    whether or not it is UTF-8: the caller must check that what it built from the row is what
    a plain read gives (``stores.lazy.full_event`` does). Yields a function giving how many
    values were handed on so (0: the read was a plain read)."""
    previous = getattr(_big_text, "handed", None)
    _big_text.handed = 0
    try:
        yield lambda: _big_text.handed or 0
    finally:
        _big_text.handed = previous
