"""An event type has the same colour every time a store is opened, whichever view (event
table, timeline, legend, type filter) asks for it first: a new-user trial saw RecordClosed
green in one run and blue in the next, as the first type painted took the first free colour.
Each session here is a fresh ``TypeColours``, as a freshly started inspector has."""

from __future__ import annotations

import random

from inspector.ui.presenting import FIRST_CHOICES, TYPE_PALETTE, TypeColours

TYPES = ["RecordOpened", "RecordClosed", "RecordAmended", "NoteAdded", "NoteRemoved", "OwnerChanged",
         "Archived", "Restored", "LabelAdded", "LabelRemoved", "Merged", "Split", "Exported"]


def _session(asked_before: list[str], listed: list[str], asked_after: list[str]) -> dict[str, str]:
    """The colours one session shows: views that paint before the type list is known ask for
    ``asked_before``, the list arrives as ``listed``, then every view asks in ``asked_after`` order."""
    colours = TypeColours()
    for name in asked_before:
        colours.colour(name)
    colours.use([])  # the store opens
    for name in asked_before:
        colours.colour(name)
    colours.use(listed)
    return {name: colours.colour(name) for name in asked_after}


def test_two_sessions_asking_in_different_orders_give_each_type_the_same_colour():
    shuffled = random.Random(7)
    first = _session(TYPES[:4], TYPES, TYPES)
    for _ in range(20):
        before = shuffled.sample(TYPES, shuffled.randrange(len(TYPES)))
        listed = shuffled.sample(TYPES, len(TYPES))
        after = shuffled.sample(TYPES, len(TYPES))
        assert _session(before, listed, after) == first
    assert len(set(first.values())) == len(TYPES)  # and the store's types differ


def test_a_store_s_colours_do_not_depend_on_the_store_seen_before_it():
    colours = TypeColours()
    colours.use(["RecordClosed", "Zapped", "Ballooned", "Archived"])  # another store, open first
    colours.colour("Streamed")  # a type that arrived live there
    colours.use([])  # this store opens
    colours.colour("Merged")  # its event table paints first
    colours.use(TYPES)
    assert {name: colours.colour(name) for name in TYPES} == _session([], TYPES, TYPES)


def test_types_on_screen_differ_while_they_fit_the_palette_and_take_the_most_distinct_colours():
    names = random.Random(3)
    for count in range(1, len(TYPE_PALETTE) + 1):
        types = [f"{names.choice(['Order', 'Wallet', 'Job', 'x'])}{names.randrange(10**6)}{i}" for i in range(count)]
        colours = TypeColours()
        colours.use(types)
        shown = [colours.colour(name) for name in types]
        assert len(set(shown)) == count
        assert set(shown) <= set(TYPE_PALETTE[:max(count, FIRST_CHOICES)])


def test_a_type_that_arrives_live_takes_a_free_colour_and_moves_no_other():
    colours = TypeColours()
    colours.use(TYPES)
    before = {name: colours.colour(name) for name in TYPES}
    late = colours.colour("AAAFirstByName")  # first in name order, but the others are settled
    colours.use([*TYPES, "AAAFirstByName"])  # the legend lists it too
    assert {name: colours.colour(name) for name in TYPES} == before
    assert late == colours.colour("AAAFirstByName") not in before.values()
