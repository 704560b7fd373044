"""SQL table layouts: each maps one library's tables onto the Event model.

A layout is found by ``detect`` from table and column names only; ``--layout`` forces one.
Layouts are tried in ``LAYOUTS`` order, most specific first.
"""

from __future__ import annotations

from inspector.stores.layouts.axon import AxonLayout
from inspector.stores.layouts.base import SqlLayout
from inspector.stores.layouts.eventsauce import EventSauceLayout
from inspector.stores.layouts.eventsourcing import EventsourcingLayout
from inspector.stores.layouts.generic import GenericLayout
from inspector.stores.layouts.marten import MartenLayout
from inspector.stores.layouts.messagedb import MessageDbLayout

# Table-name layouts first; EventSauce (found by columns in any table) and the generic layout last.
LAYOUTS: list[type[SqlLayout]] = [EventsourcingLayout, MessageDbLayout, MartenLayout, AxonLayout, EventSauceLayout,
                                   GenericLayout]


def layout_names() -> list[str]:
    return [layout.name for layout in LAYOUTS] + ["jsonl"]


__all__ = ["LAYOUTS", "SqlLayout", "layout_names"]
