"""Event store adapters behind one read-only port, and ``open_store`` to pick the right one."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from inspector.stores.base import (
    ConnectionLost,
    EventFilter,
    EventStore,
    Histogram,
    Snapshot,
    StoreError,
    StoreInfo,
)
from inspector.stores.connect import (
    JSONL_SUFFIXES,
    is_url,
    redact,
    server_read_only_engine,
    sqlite_read_only_engine,
)
from inspector.stores.jsonl import JsonlEventStore
from inspector.stores.layouts import LAYOUTS, layout_names
from inspector.stores.layouts.generic import ColumnMapping, GenericLayout
from inspector.stores.sql import SqlEventStore, one_line


def open_store(target: str, *, layout: str | None = None, mapping: str | Path | None = None) -> EventStore:
    """Open ``target`` (a SQLAlchemy URL or a .db/.sqlite/.jsonl path) read-only.

    The layout is detected from table and column names unless ``layout`` forces one;
    a ``mapping`` TOML file implies the generic layout.
    """
    target = str(target)
    if layout is not None and layout not in layout_names():
        raise StoreError(f"unknown layout {layout!r}: choose from {', '.join(layout_names())}")
    if not is_url(target):
        path = Path(target).expanduser()
        if layout == "jsonl" or (layout is None and path.name.lower().endswith(JSONL_SUFFIXES)):
            return JsonlEventStore(path)
        engine = sqlite_read_only_engine(path)
    else:
        engine = server_read_only_engine(target)
    try:
        chosen = _choose_layout(engine, layout, mapping)
    except StoreError:
        engine.dispose()
        raise
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"cannot open {redact(target)}: {one_line(exc)}") from None
    return SqlEventStore(engine, chosen, target)


def _choose_layout(engine: sa.Engine, forced: str | None, mapping: str | Path | None):
    if mapping is not None:
        return GenericLayout.from_mapping(engine, ColumnMapping.load(mapping))
    inspector = sa.inspect(engine)
    for layout_class in LAYOUTS:
        if forced is not None and layout_class.name != forced:
            continue
        found = layout_class.detect(engine, inspector)
        if found is not None:
            return found
    tables = inspector.get_table_names()
    if forced is not None:
        raise StoreError(f"no {forced} tables found (tables here: {', '.join(tables[:10]) or 'none'})")
    raise StoreError(
        "no known event store layout found"
        f" (tables here: {', '.join(tables[:10]) or 'none'}); use --layout or a --mapping file"
    )


__all__ = [
    "ConnectionLost",
    "EventFilter",
    "EventStore",
    "Histogram",
    "Snapshot",
    "StoreError",
    "StoreInfo",
    "open_store",
    "redact",
]
