"""Event store adapters behind one read-only port, and ``open_store`` to pick the right one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from inspector.stores.layouts.base import SqlLayout, only_in_schemas, other_schemas, set_search_path
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
        chosen, (note, stores_here, asked) = _choose_layout(engine, layout, mapping)
    except StoreError:
        engine.dispose()
        raise
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise StoreError(f"cannot open {redact(target)}: {one_line(exc)}") from None
    store = SqlEventStore(engine, chosen, target)
    store.choice_note, store.stores_here, store.choice_asked = note, stores_here, asked
    return store


def _choose_layout(engine: sa.Engine, forced: str | None,
                   mapping: str | Path | None) -> tuple[SqlLayout, tuple[str | None, int, bool]]:
    """The layout read, and a note when the database holds other event tables with
    the number of event tables found and whether ``forced`` picked the one read (``_choice_note``)."""
    if mapping is not None:
        return GenericLayout.from_mapping(engine, ColumnMapping.load(mapping)), (None, 1, True)
    inspector = _own_schema_inspector(engine)
    path = set_search_path(engine)
    default = inspector.default_schema_name
    others = other_schemas(engine, inspector) if path else []
    # a search_path the user set: its schemas in its order, each looked in by every layout (in
    # LAYOUTS order) before the next schema and before any layout looks elsewhere
    for only in ([*([schema] for schema in path), None] if path else [None]):
        with only_in_schemas(only):
            for layout_class in LAYOUTS:
                if forced is not None and layout_class.name != forced:
                    continue
                if only is not None and only[0] not in [
                        schema or default for schema in layout_class.search_order(default, others)]:
                    continue
                found = layout_class.detect(engine, inspector)
                if found is not None:
                    return found, _choice_note(engine, inspector, found, forced, path)
    tables = inspector.get_table_names()
    here = f"tables in {default}" if engine.dialect.name == "postgresql" and default else "tables here"
    if forced is not None:
        elsewhere = [f"{schema}.{table}" for layout_class in LAYOUTS if layout_class.name == forced
                     for schema in other_schemas(engine, inspector)
                     for table in layout_class.tables_in(engine, inspector, schema)]
        hint = (f"; {', '.join(elsewhere[:5])} in another schema: put its schema first in the URL's "
                "search_path (options=-csearch_path%3D<schema>)") if elsewhere else ""
        raise StoreError(f"no {forced} tables found ({here}: {', '.join(tables[:10]) or 'none'}){hint}")
    raise StoreError(
        "no known event store layout found"
        f" ({here}: {', '.join(tables[:10]) or 'none'}); use --layout or a --mapping file"
    )


def _own_schema_inspector(engine: sa.Engine) -> sa.Inspector:
    """``sa.inspect(engine)`` whose table listing for no schema is the session's own schema's
    tables alone: on PostgreSQL SQLAlchemy lists every table the search_path makes visible (of
    all its schemas), which detection would take for the first schema's and read from another."""
    inspector = sa.inspect(engine)
    if engine.dialect.name == "postgresql":
        own, listing = inspector.default_schema_name, inspector.get_table_names

        def own_tables(schema: str | None = None, **kw: Any) -> list[str]:
            return listing(schema=own if schema is None else schema, **kw)
        inspector.get_table_names = own_tables  # type: ignore[method-assign]
    return inspector


#: (layout name, schema, table): one event table a layout recognises
_Found = tuple[str, str, str]


def _choice_note(engine: sa.Engine, inspector: sa.Inspector, chosen: SqlLayout,
                 forced: str | None, path: list[str] | None = None) -> tuple[str | None, int, bool]:
    """Where a PostgreSQL database holds more than one event table a layout recognises (in
    several schemas, or of several layouts): how many (all of them, whatever ``--layout`` was
    asked), which one is read, and for each other one what reads it instead, a ``search_path``
    in the URL's ``options`` and/or a ``--layout`` (said where it differs from ``forced``), or
    that neither does; with the number of event tables found, and True where ``forced`` (the
    user's ``--layout``) is the layout of that table alone, so that the user chose which is read.
    ``(None, 1, False)`` when there is one. Off PostgreSQL a URL names one database (SQLite's
    file, MariaDB's database): its tables alone are counted, named without a schema, and
    ``--layout`` alone reads another."""
    postgres = engine.dialect.name == "postgresql"
    default = inspector.default_schema_name or ("public" if postgres else "")
    schemas = [default, *other_schemas(engine, inspector)]
    tables = {(layout.name, schema): layout.tables_in(engine, inspector, None if schema == default else schema)
              for layout in LAYOUTS for schema in schemas}
    here = [(name, schema, table) for (name, schema), names in tables.items() for table in names]
    if len(here) < 2:
        return None, 1, False
    read = (chosen.name, chosen.table.schema or default, chosen.table.name)

    def first_read(session_schema: str, layout: str | None) -> _Found | None:
        """What opening reads with ``session_schema`` first in the search_path (and ``--layout``):
        a search_path set in the URL (any schema but the default, or the one set now) is looked
        in by every layout before any layout looks elsewhere."""
        others = [schema for schema in schemas if schema != session_schema]
        given = [session_schema] if session_schema != default else path
        for only in ([*([schema] for schema in given), None] if given else [None]):
            for layout_class in LAYOUTS:
                if layout is None or layout_class.name == layout:
                    for schema in layout_class.search_order(session_schema, others):
                        if only is not None and (schema or session_schema) not in only:
                            continue
                        found = tables.get((layout_class.name, schema or session_schema))
                        if found:
                            return layout_class.name, schema or session_schema, found[0]
        return None

    def how(other: _Found) -> str:
        """The fewest changes to what was asked that read ``other``: the session's schema kept,
        then its own schema first in the search_path; no ``--layout`` (where none was asked),
        then its layout's."""
        name, schema, _table = other
        for session_schema in dict.fromkeys((default, schema)):
            for layout in ((None, name) if forced is None else (name,)):
                if first_read(session_schema, layout) == other:
                    said = ([f"options=-csearch_path%3D{schema} in the URL"] if session_schema != default else []) + (
                        [f"--layout {layout}"] if layout is not None and layout != forced else [])
                    return "with " + " and ".join(said)
        return "(neither a search_path nor --layout reads it first)" if postgres else "(no --layout reads it first)"

    def shown(found: _Found) -> str:
        name, schema, table = found
        return f"{schema}.{table} ({name})" if postgres else f"{table} ({name})"
    others = "; ".join(f"{shown(other)} {how(other)}" for other in here if other != read)
    asked = forced is not None and sum(1 for found in here if found[0] == forced) == 1
    return (f"{len(here)} event stores in this database, reading {shown(read)}; to read another: {others}",
            len(here), asked)


def stream_spelled(store: EventStore, stream: str) -> str:
    """The name ``store`` shows the stream ``stream`` spells by: on a UUID-typed stream column
    (``SqlEventStore.stream_spelled``) ``135BCE58-…`` is ``135bce58-…``; ``stream`` itself where
    names are exact (text columns, JSON Lines). Never a query."""
    spelled = getattr(store, "stream_spelled", None)
    return spelled(stream) if spelled is not None else stream


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
    "stream_spelled",
]
