"""Turn stored payload bytes into JSON-able values, or say plainly why not.

Every decoder returns a ``Decoded``: a bad payload is a value with a ``problem``,
never an exception, so that one bad row cannot end a read.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
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
    if isinstance(value, (dict, list, int, float, bool)):
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
            return Decoded(orjson.loads(blob))
        except orjson.JSONDecodeError as exc:
            return Decoded(None, as_bytes(value), _json_problem(blob, exc))
    text = str(value)
    try:
        return Decoded(orjson.loads(text))
    except orjson.JSONDecodeError as exc:
        return Decoded(None, text, _json_problem(text.encode("utf-8", "replace"), exc))


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
