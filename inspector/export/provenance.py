"""Which projector produced a slice's states, recorded with the slice and read back when it is opened.

A SQLite slice keeps it inside the file, in a table of its own that the generic layout
ignores::

    CREATE TABLE inspector_slice (key TEXT PRIMARY KEY, value TEXT NOT NULL)
    -- key 'projector': a JSON object

A JSON Lines slice keeps its lines as events only (one event per line, as ``events --json``
writes them), so the record goes next to it, in ``<slice file>.projector.json``.

The record (``inspector.replay.choices.projector_record``)::

    {"kind": "generic"|"native"|"demo"|"file", "name": str, "spec": str, "code_hash": str,
     "module": str (generic, demo), "file": str (file), "path": str (native), "application": str,
     "source": the exported store (file path, or server URL without password), "exported_by": str}
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

SIDECAR_SUFFIX = ".projector.json"
TABLE = "inspector_slice"


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def record_projector(path: str | Path, fmt: str, record: dict[str, Any]) -> Path | None:
    """Store ``record`` with the export at ``path`` (formats ``sqlite`` and ``jsonl``; others keep none).

    Returns where it was written. The file keeps the export's own permissions.
    """
    target = Path(path)
    text = json.dumps(record, sort_keys=True)
    if fmt == "sqlite":
        conn = sqlite3.connect(target)
        try:
            conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            conn.execute(f"INSERT OR REPLACE INTO {TABLE} (key, value) VALUES ('projector', ?)", (text,))
            conn.commit()
        finally:
            conn.close()
        return target
    if fmt == "jsonl":
        sidecar = sidecar_of(target)
        temporary = sidecar.with_name(sidecar.name + ".part")
        temporary.write_text(text + "\n", encoding="utf-8")
        try:
            os.chmod(temporary, target.stat().st_mode & 0o777)
        except OSError:
            pass
        os.replace(temporary, sidecar)
        return sidecar
    return None


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


__all__ = ["SIDECAR_SUFFIX", "record_projector", "recorded_projector", "sidecar_of"]
