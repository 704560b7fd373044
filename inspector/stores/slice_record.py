"""The record an export leaves with a slice (which projector it was written with, which store
layout it came from, which kinds of fractions its payloads held): a ``.projector.json`` file beside
a JSON Lines slice, an ``inspector_slice`` table inside a SQLite one. ``inspector.export.provenance``
writes it; the stores read it here (never writing: a SQLite slice is opened read-only), to read a
slice of an ``eventsourcing`` store's numbers as that library does."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

SIDECAR_SUFFIX = ".projector.json"
TABLE = "inspector_slice"


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def recorded_projector(source: str | Path | None) -> dict[str, Any] | None:
    """The projector record of the slice at ``source`` (a SQLite or JSON Lines file), or None.

    Never writes: the SQLite file is opened read-only; a missing or unreadable record is None.
    """
    if source is None:
        return None
    path = Path(source)
    sidecar = sidecar_of(path)
    if sidecar.is_file():
        return _parsed(_read_text(sidecar))
    if not path.is_file() or path.name.lower().endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute(f"SELECT value FROM {TABLE} WHERE key = 'projector'").fetchone()
    except sqlite3.Error:  # not a slice (no such table) or not SQLite at all
        return None
    finally:
        conn.close()
    return _parsed(row[0]) if row else None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _parsed(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def decimal_numbers(source: str | Path | None) -> bool:
    """Whether the slice at ``source`` (a SQLite or JSON Lines file) is read with its numbers that
    have a fraction or exponent as ``Decimal``s (``inspector.core.decoding.loads_decimal``):
    ``numbers_are_decimal`` of its record."""
    return numbers_are_decimal(recorded_projector(source))


def numbers_are_decimal(record: dict[str, Any] | None) -> bool:
    """Whether a slice with this projector record is read with its fractions as ``Decimal``s: a
    slice of an ``eventsourcing`` store, whose library decodes its decimals as ``Decimal`` (JSON
    writes them as it writes floats: ``10.10``), unless the export saw floats only there (its
    ``fractions``, ``ExportResult.fractions``; a slice written before it was recorded: Decimals,
    the library's usual numbers with a fraction). Where both were seen (``mixed``) Decimals too
    (the slice cannot tell which number was which): a Decimal read as a float would lose its
    digits, a float read as a Decimal keeps the value its text shows."""
    if record is None or record.get("fractions") == "float":
        return False
    return recorded_from_eventsourcing(record)


#: the module of the code-free eventsourcing state projector (``inspector.replay.eventsourcing_state``)
EVENTSOURCING_STATE_MODULE = "inspector.replay.eventsourcing_state"


def recorded_from_eventsourcing(recorded: dict[str, Any]) -> bool:
    """True when an export's record says its source was an eventsourcing store (its layout, or
    the code-free eventsourcing state or native replay in force when it was written)."""
    return (recorded.get("source_layout") == "eventsourcing" or recorded.get("kind") == "native"
            or recorded.get("module") == EVENTSOURCING_STATE_MODULE)
