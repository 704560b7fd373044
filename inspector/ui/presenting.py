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
from inspector.core.terminal import printable

#: Event-type colours, most distinct first: picked greedily for the largest smallest difference
#: in OKLab (lightness weighted half, so hues and not shades set them apart), then ordered so
#: the first dozen differ in hue; every one has at least 3:1 contrast both on white and on the
#: dark theme's base (#1f1f1f), so no tick or swatch is pale on a light window or dim on a dark one.
TYPE_PALETTE = (
    "#2279dc", "#ff4e1e", "#33a803", "#bd35b6", "#906a21", "#029791", "#9967fe", "#d87a09",
    "#da1d69", "#999004", "#c67b98", "#4e94c3", "#7665a6", "#4f7715", "#b14f42", "#ba73d8",
    "#5358ee", "#b2417f", "#3ca368", "#7888ff",
)


class TypeColours:
    """Which colour each event type gets: distinct for the types on screen while they are at most
    ``len(TYPE_PALETTE)``, and the same for a type on every view (table, timeline, legend).

    A type keeps the colour it was first given. A new type takes the first colour of the palette
    (most distinct first) that no type on screen has: ``use(types)`` says which types are on
    screen now (the open store's) and colours the new ones among them in name order, so a store
    seen the same way gets the same colours; colours of types no longer on screen may be given
    again. Beyond the palette's size colours repeat.
    """

    def __init__(self, palette: tuple[str, ...] = TYPE_PALETTE) -> None:
        self._palette = palette
        self._slot: dict[str, int] = {}
        self._on_screen: set[str] = set()

    def use(self, types: list[str]) -> None:
        """The types on screen now: each gets a colour no other of them has (palette permitting)."""
        self._on_screen = set(types)
        held: dict[int, str] = {}
        for name in sorted(self._on_screen, key=lambda t: (t not in self._slot, t)):  # coloured ones keep theirs
            slot = self._slot.get(name)
            if slot is None or slot in held:
                slot = self._free_slot(name, held)
                self._slot[name] = slot
            held.setdefault(slot, name)

    def colour(self, event_type: str) -> str:
        slot = self._slot.get(event_type)
        if slot is None:
            on_screen = {self._slot[name]: name for name in self._on_screen if name in self._slot}
            given = {**{s: name for name, s in self._slot.items()}, **on_screen}
            # a colour no type was given, else one no type on screen has
            slot = self._slot[event_type] = self._free_slot(event_type, given if len(given) < len(self._palette)
                                                            else on_screen)
            self._on_screen.add(event_type)
        return self._palette[slot]

    def _free_slot(self, name: str, held: dict[int, str]) -> int:
        """The first slot ``held`` does not hold; when all are, one from a hash of the name
        (more types than colours)."""
        return next((slot for slot in range(len(self._palette)) if slot not in held),
                    zlib.crc32(name.encode("utf-8")) % len(self._palette))


#: the colours of the window's one open store (a process shows one store at a time)
TYPE_COLOURS = TypeColours()


def type_colour(event_type: str) -> str:
    """The colour of an event type, as ``#rrggbb`` (see ``TypeColours``)."""
    return TYPE_COLOURS.colour(event_type)


def use_type_colours(types: list[str]) -> None:
    """Tell the palette which event types are on screen (the open store's), so they differ."""
    TYPE_COLOURS.use(types)


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


def shown_name(name: str) -> str:
    """A stream or category name as a list shows it: with control characters escaped as the
    CLI prints them (``printable``: ``\\x1b``, ``\\t``), and in double quotes when it is empty,
    starts or ends with blank space, or starts with a double quote, so ``order`` and ``order ``
    read apart: ``order``, ``"order "``, ``" order"``, ``""``. Any other name is returned as is."""
    text = printable(name)
    if not name or name != name.strip() or name.startswith('"'):
        return f'"{text}"'
    return text


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
