"""EventSauce and Axon fold events decode only what the projector reads, when it reads it.

A replay hands each event to the projector as a ``LazyEvent``: its type and data must be
exactly what a full read gives (``row_to_event``), bad rows included, while folding never
builds the full event (no headers, times, metadata or ids decoded). EventSauce keeps the type
in the payload's headers (pre-1.0 tables: a column), so reading an event's type and data
decodes its payload once; Axon's type is a column, so reading it decodes nothing.
Built on every engine each layout runs on, with the contract tests' stores (their bad rows too).
"""

from __future__ import annotations

from typing import Any

import pytest

from inspector.stores.lazy import LazyEvent
from inspector.stores.layouts import axon as axon_layout
from inspector.stores.layouts import eventsauce as eventsauce_layout

from . import test_axon as axon
from . import test_eventsauce as eventsauce
from . import test_eventsauce_schema_versions as eventsauce_versions

#: (id, module, class name): stores the contract tests build, built again here
BUILDERS = [
    ("eventsauce-mariadb", eventsauce, "TestEventSauceLayoutOnMariadb"),
    ("eventsauce-postgres", eventsauce, "TestEventSauceLayoutOnPostgres"),
    ("eventsauce-string-ids-mariadb", eventsauce, "TestEventSauceStringIdsOnMariadb"),
    ("eventsauce-pre-1.0-mariadb", eventsauce_versions, "TestPreOneZeroSchemaOnMariadb"),
    ("eventsauce-without-id-postgres", eventsauce_versions, "TestOneXSchemaWithoutIdOnPostgres"),
    ("axon-large-objects-postgres", axon, "TestAxonJpaWithLargeObjectsOnPostgres"),
    ("axon-jdbc-postgres", axon, "TestAxonJdbcOnPostgres"),
    ("axon-jdbc-mariadb", axon, "TestAxonJdbcCamelCaseOnMariadb"),
]


@pytest.fixture(scope="module", params=BUILDERS, ids=[b[0] for b in BUILDERS])
def built(request, tmp_path_factory):
    _, module, name = request.param
    result = getattr(module, name)().build(request, tmp_path_factory.mktemp(name.lower()))
    try:
        yield result
    finally:
        result.store.close()
        if result.cleanup is not None:
            result.cleanup()


def _streams(built: Any) -> list[str]:
    """Every stream the builder wrote: the drafts', the bad rows' and the one with loose versions."""
    names = set(built.streams.values()) | {bad.stream for bad in built.bad}
    names |= {stream for stream, *_ in built.shown_raw}
    if built.loose is not None:
        names.add(built.loose[0])
    return sorted(names)


class Counted:
    """Calls of one function, counted while it still does its work."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
        self.calls = 0
        original = getattr(owner, name)

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counting)


def _places_again(monkeypatch: pytest.MonkeyPatch, store: Any) -> None:
    """The places (and decoder) of the layout's fold rows worked out again, and of a short fold's
    rows (``SqlEventStore._short_fold``'s view of the layout)."""
    monkeypatch.setattr(store.layout, "_lazy_event_places", None)
    short = store._short_fold()
    if short is not None:
        monkeypatch.setattr(short[0], "_lazy_event_places", None)


def test_the_type_and_data_a_fold_reads_are_those_of_a_full_read_without_building_the_full_event(built, monkeypatch):
    store = built.store
    layout = store.layout
    full = {stream: [(e.position, e.version, e.type, e.data) for e in store.read_for_replay(stream, full=True)]
            for stream in _streams(built)}
    assert sum(map(len, full.values())) > 10
    built_whole = Counted(monkeypatch, layout, "row_to_event")
    for stream, expected in full.items():
        lazy = list(store.read_for_replay(stream))
        assert all(isinstance(event, LazyEvent) for event in lazy)
        assert [(e.position, e.version, e.type, e.data) for e in lazy] == expected, stream
    assert built_whole.calls == 0, "a fold read built full events (headers, times, metadata decoded)"


def test_a_fold_reading_each_events_type_then_its_data_decodes_each_payload_once(built, monkeypatch):
    store = built.store
    layout = store.layout
    stream = built.streams["wallet-a"]
    if layout.name == "eventsauce":
        # a message goes to orjson at once where its page's numbers were checked, else the long way
        counters = [Counted(monkeypatch, eventsauce_layout, "json_value"),
                    Counted(monkeypatch, eventsauce_layout, "plain_in_checked_page")]
    else:
        # Axon's JSON payload goes through its ``payload_decoder`` (``plain_document``), the rest
        # through ``_decode``: both counted (the places worked out again, with the counting one)
        counters = [Counted(monkeypatch, axon_layout, "plain_document"),
                    Counted(monkeypatch, axon_layout.AxonLayout, "_decode")]
        _places_again(monkeypatch, store)

    def decodes() -> int:
        return sum(counter.calls for counter in counters)

    type_decodes, types, data = 0, [], []
    events = list(store.read_for_replay(stream))
    for event in events:  # as a fold goes: this event's type (to dispatch on), then its data
        before = decodes()
        types.append(event.type)
        type_decodes += decodes() - before
        data.append(event.data)
    if layout.name == "axon" or layout._type_column is not None:
        assert type_decodes == 0, "the type is a column: no payload needs decoding for it"
    else:
        assert type_decodes == len(events), "the type is a header: each payload decoded once for it"
    assert decodes() == len(events), "type and data of one event share one decoding of its payload"
    assert all(isinstance(value, dict) for value in data) and len(set(types)) > 1


AXON_BUILDERS = [builder for builder in BUILDERS if builder[0].startswith("axon")]


# Axon's type is a column (EventSauce's lives in the payload): only Axon stores decode nothing here
@pytest.mark.parametrize("built", AXON_BUILDERS, ids=[b[0] for b in AXON_BUILDERS], indirect=True)
def test_a_fold_that_reads_no_data_decodes_no_axon_payload(built, monkeypatch):
    assert built.store.layout.name == "axon"
    counters = [Counted(monkeypatch, axon_layout, "plain_document"),
                Counted(monkeypatch, axon_layout.AxonLayout, "_decode")]
    _places_again(monkeypatch, built.store)  # worked out again, counting
    events = list(built.store.read_for_replay(built.streams["wallet-a"]))
    assert [event.version for event in events] and all(event.type for event in events)
    assert [counter.calls for counter in counters] == [0, 0]
