"""How events and values read on screen: summaries, times, colours. No Qt here.

Kept Qt-free so the wording is tested without a window and reused by reports.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from inspector.core.events import Event, format_time
from inspector.core.summary import short_value, summarize  # noqa: F401 - re-exported for the UI
from inspector.core.terminal import shown_name  # noqa: F401 - re-exported for the UI

#: Event-type colours, most distinct first: picked greedily for the largest smallest difference
#: in OKLab (lightness weighted half, so hues and not shades set them apart), then ordered so
#: the first dozen differ in hue; every one has at least 3:1 contrast both on white and on the
#: dark theme's base (#1f1f1f), so no tick or swatch is pale on a light window or dim on a dark one.
TYPE_PALETTE = (
    "#2279dc", "#ff4e1e", "#33a803", "#bd35b6", "#906a21", "#029791", "#9967fe", "#d87a09",
    "#da1d69", "#999004", "#c67b98", "#4e94c3", "#7665a6", "#4f7715", "#b14f42", "#ba73d8",
    "#5358ee", "#b2417f", "#3ca368", "#7888ff",
)


#: How many of the palette's colours (the first, most distinct) a type's name chooses among.
FIRST_CHOICES = 8


class TypeColours:
    """Which colour each event type gets: the same for a store seen the same way in every session,
    whichever view (table, timeline, legend) asks first; distinct for the types on screen while
    they are at most ``len(TYPE_PALETTE)``; the same for a type on every view.

    A type's first choice is one of the palette's first ``FIRST_CHOICES`` colours (the most
    distinct), derived from its name alone (CRC-32 of its UTF-8 bytes). ``use(types)`` says which
    types are on screen (the open store's, once its type list is known) and settles them: the
    types not yet settled are placed in name order, each in its first choice when no type on
    screen has that colour, else in the first colour of the palette (most distinct first) none
    has; so ``n`` types take colours among the first ``max(n, FIRST_CHOICES)``. Types still on
    screen keep their colours when the list grows (a live type): a new type changes no other's
    colour while the store is open. ``use([])`` (another store opening) forgets them all.

    Asked before any type is settled (the type list not known yet), a type gets its first
    choice, not kept: ``use`` settles it, moving it only when an earlier name has the same first
    choice. Asked for a type not on screen once the list is known (an event of a new type), it
    is placed as ``use`` places one, and kept. Beyond the palette's size colours repeat.

    ``remember(colours)`` (the open store's colours of an earlier session, ``{type: "#rrggbb"}``)
    makes each remembered type's first choice its remembered colour, ahead of the name's: the
    remembered types are settled first, so a store that gained types since keeps its old types'
    colours and only the new types take free ones. ``settled()`` gives the map to remember.
    """

    def __init__(self, palette: tuple[str, ...] = TYPE_PALETTE) -> None:
        self._palette = palette
        self._slot: dict[str, int] = {}  # the settled types (on screen) -> palette index
        self._remembered: dict[str, int] = {}  # the open store's types -> palette index, from an earlier session

    def remember(self, colours: dict[str, str]) -> None:
        """The open store's colours of an earlier session, ``{type: "#rrggbb"}`` (``{}`` for a
        store not seen before): replaces the map given before. Colours not in the palette, and a
        colour given to more than one type (all but the first type by name), are ignored."""
        index = {colour.lower(): slot for slot, colour in enumerate(self._palette)}
        self._remembered = {}
        for name in sorted(colours):
            slot = index.get(str(colours[name]).lower())
            if slot is not None and slot not in self._remembered.values():
                self._remembered[name] = slot

    def settled(self) -> dict[str, str]:
        """The settled types' colours, ``{type: "#rrggbb"}``: one type per colour (the first by
        name when colours repeat), so at most the palette's size of types."""
        colours: dict[str, str] = {}
        taken: set[int] = set()
        for name in sorted(self._slot):
            if self._slot[name] not in taken:
                taken.add(self._slot[name])
                colours[name] = self._palette[self._slot[name]]
        return colours

    def use(self, types: list[str]) -> None:
        """The types on screen now: each gets a colour no other of them has (palette permitting),
        a function of this list (and the remembered colours) alone for the types not settled before."""
        self._slot = {name: self._slot[name] for name in types if name in self._slot}
        fresh = sorted(set(types) - self._slot.keys())
        for name in [name for name in fresh if name in self._remembered] + \
                [name for name in fresh if name not in self._remembered]:
            self._slot[name] = self._place(name)

    def colour(self, event_type: str) -> str:
        """The type's colour as ``#rrggbb``."""
        slot = self._slot.get(event_type)
        if slot is None:
            if not self._slot:  # the type list is not known yet: its first choice, settled by ``use``
                return self._palette[self._choice(event_type)]
            slot = self._slot[event_type] = self._place(event_type)
        return self._palette[slot]

    def _choice(self, name: str) -> int:
        """The type's first choice: its remembered palette index, else one from its name alone."""
        remembered = self._remembered.get(name)
        if remembered is not None:
            return remembered
        return zlib.crc32(name.encode("utf-8", "surrogatepass")) % min(FIRST_CHOICES, len(self._palette))

    def _place(self, name: str) -> int:
        """``name``'s first choice when no settled type has it, else the first index none has;
        the first choice again when every index is taken (more types than colours)."""
        held = set(self._slot.values())
        choice = self._choice(name)
        if choice not in held:
            return choice
        return next((slot for slot in range(len(self._palette)) if slot not in held), choice)


#: the colours of the window's one open store (a process shows one store at a time)
TYPE_COLOURS = TypeColours()


def type_colour(event_type: str) -> str:
    """The colour of an event type, as ``#rrggbb`` (see ``TypeColours``)."""
    return TYPE_COLOURS.colour(event_type)


def use_type_colours(types: list[str]) -> None:
    """Tell the palette which event types are on screen (the open store's), so they differ."""
    TYPE_COLOURS.use(types)


def remember_type_colours(colours: dict[str, str]) -> None:
    """Give the palette the opening store's colours of an earlier session (see ``TypeColours.remember``)."""
    TYPE_COLOURS.remember(colours)


def settled_type_colours() -> dict[str, str]:
    """The open store's settled colours, ``{type: "#rrggbb"}``, to remember for the next session."""
    return TYPE_COLOURS.settled()


def local_time(value: datetime | None) -> str:
    """The instant in the computer's local time zone, to the second."""
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def utc_time(value: datetime | None) -> str:
    return format_time(value) or "no recorded time"


def relative_age(value: datetime | None, now: datetime | None = None) -> str:
    """``3 h ago``, ``12 d ago``: a glance at how recently a stream was active."""
    if value is None:
        return ""
    now = now or datetime.now(timezone.utc)
    seconds = (now - value).total_seconds()
    if seconds < 0:
        return local_time(value)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def value_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if value is None:
        return "null"
    return "string"


def json_pointer(parts: tuple[Any, ...]) -> str:
    """RFC 6901 pointer for a path of keys and indexes: ``("a", 0)`` → ``/a/0``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def raw_text(event: Event) -> str:
    """The event's original text: the undecodable raw payload, or its JSON pretty-printed."""
    from inspector.core import jsontext

    if event.raw is not None:
        if isinstance(event.raw, bytes):
            try:
                return event.raw.decode("utf-8")
            except UnicodeDecodeError:
                return event.raw.hex(" ", 1)
        return str(event.raw)
    body = {"data": event.data, "metadata": event.metadata}
    return jsontext.dumps(body, indent=True)  # numbers exactly: big ints, Decimals, NaN/Infinity
