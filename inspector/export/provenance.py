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
     "source": the exported store (file path, or server URL without password), "exported_by": str,
     "source_layout": str, "fractions": "decimal"|"float"|"mixed"|"none" (a slice of an eventsourcing
     store: the kinds of numbers with a fraction its payloads held, ``numbers_are_decimal``)}
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inspector.stores.slice_record import (SIDECAR_SUFFIX, TABLE, decimal_numbers, numbers_are_decimal,
                                           recorded_projector, sidecar_of)

if TYPE_CHECKING:
    from inspector.core.cancel import CancelToken, Progress
    from inspector.export import ExportResult, Slice
    from inspector.replay.choices import ProjectorChoice
    from inspector.replay.projectors import ProjectorSet
    from inspector.stores.base import EventStore

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


def slice_of_eventsourcing(store: "EventStore") -> bool:
    """Whether ``store`` is a slice exported from an ``eventsourcing`` store (its recorded
    projector says so: ``source_layout``, native replay or the code-free eventsourcing state):
    its payloads then carry the library's envelope fields, as the store's did. Reads the slice's
    record only (a side file, or one row of its own table)."""
    from inspector.replay.choices import from_eventsourcing

    source = getattr(store, "source_file", None)
    record = recorded_projector(source() if callable(source) else None)
    return record is not None and from_eventsourcing(record)


def slice_projector(store: "EventStore") -> tuple[str | None, str | None]:
    """``(spec, note)`` for a run given no ``--projector`` on ``store``, as the window decides on opening it.

    ``spec`` is ``"demo"`` when ``store`` is a slice recorded as exported with the demo's
    projector, ``"generic:eventsourcing"`` for a slice of an eventsourcing store (the library's
    envelope fields left out, as on the store), else None (the usual default:
    ``load_projectors(None, ...)``). A slice recorded with a user's file is never loaded unasked:
    ``note`` (one line, or None) says which projector it names and how to use it; a slice recorded
    with native eventsourcing replay says why that cannot replay it.
    """
    from inspector.replay.choices import from_eventsourcing
    from inspector.replay.projectors import GENERIC_EVENTSOURCING_SPEC

    record = recorded_projector(store.source_file())
    if not record:
        return None, None
    kind = record.get("kind")
    if kind == "demo":
        return "demo", None
    # events of an eventsourcing store, in a slice of another layout: their envelope fields stay out
    envelope = (GENERIC_EVENTSOURCING_SPEC if from_eventsourcing(record)
                and getattr(store, "layout_name", None) != "eventsourcing" else None)
    if kind == "native":
        return envelope, ("this slice was exported with the native eventsourcing projector, which needs the "
                          "library's own tables: a slice keeps the events without them, so it replays with the "
                          "code-free eventsourcing state (generic, the library's envelope fields left out); "
                          "replay the source store for the aggregate itself")
    if kind == "file" and isinstance(record.get("file"), str):
        return None, (f"this slice was exported with the projector {record['file']}: "
                      f"give --projector {record['file']} to replay with it")
    return envelope, None


def choice_for(spec: str | None, path: str | None, store: "EventStore") -> "ProjectorChoice":
    """The projector choice a command line names: ``--projector`` (``spec``) and ``--path``.

    With no ``spec``, the one ``replay`` uses by default for ``store``: the demo's projector for
    the demo store or a slice exported with it, native eventsourcing when ``path`` is given for
    an eventsourcing store, else generic. ``generic``, ``demo``, ``native[:package.module:Class]``
    name those; anything else is a projector file or module.
    """
    from inspector.replay.choices import DEMO_MODULE, ProjectorChoice, default_choice

    if spec is None:
        if path and getattr(store, "layout_name", None) == "eventsourcing":
            return ProjectorChoice("native", path)
        choice, _reason = default_choice(store, None, recorded_projector(store.source_file()))
        return choice
    text = spec.strip()
    lowered = text.lower()
    if lowered == "generic":
        return ProjectorChoice("generic")
    if lowered == "generic:eventsourcing":
        return ProjectorChoice("generic", application="eventsourcing")
    if lowered in ("demo", DEMO_MODULE):
        return ProjectorChoice("demo")
    if lowered in ("native", "eventsourcing") or text.startswith("native:"):
        application = text.split(":", 1)[1] if text.startswith("native:") else None
        return ProjectorChoice("native", path, application or None)
    file = Path(text).expanduser()
    if file.is_file():  # recorded as an absolute path: the slice may be opened from elsewhere
        return ProjectorChoice("file", str(file.resolve()))
    return ProjectorChoice("file", spec)  # a module, or a file load_projectors reports as missing


def export_recording_projector(
    store: "EventStore",
    fmt: str,
    output: str | Path,
    *,
    choice: "ProjectorChoice",
    projectors: "ProjectorSet",
    source: str,
    part: "Slice | None" = None,
    mask: tuple[str, ...] = (),
    cancel: "CancelToken | None" = None,
    progress: "Progress | None" = None,
) -> "ExportResult":
    """``inspector.export.export`` of ``part`` to ``output``, then the record of the projector in
    force (``choice`` loaded as ``projectors``) kept with it (``record_projector``; sqlite and jsonl).

    ``source`` names the exported store in the record (a path, or a server URL without its
    password). A pytest fixture replays with the same projector. Raises what ``export`` raises,
    and ``Cancelled`` when cancelled just as it finished (the file is then removed).
    """
    from inspector.core.cancel import Cancelled
    from inspector.export import Slice, export
    from inspector.replay.choices import projector_record

    record = projector_record(choice, projectors)
    record["source"] = source
    record["source_layout"] = getattr(store, "layout_name", None)
    result = export(store, fmt, output, part=part if part is not None else Slice(), mask=mask,
                    projector=choice.spec() if choice.kind != "generic" else None, projector_path=choice.path(),
                    cancel=cancel, progress=progress)
    if cancel is not None and cancel.cancelled:  # cancelled just as it finished: honour the Cancel
        result.path.unlink(missing_ok=True)
        raise Cancelled("cancelled")
    if result.fractions is not None:  # how to read its numbers back (``numbers_are_decimal``)
        record["fractions"] = result.fractions
    record_projector(result.path, fmt, record)
    return result


__all__ = ["SIDECAR_SUFFIX", "choice_for", "decimal_numbers", "export_recording_projector", "numbers_are_decimal",
           "record_projector", "recorded_projector", "slice_of_eventsourcing",
           "sidecar_of", "slice_projector"]
