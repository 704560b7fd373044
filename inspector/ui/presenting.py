"""How events and values read on screen: summaries, times, colours. No Qt here.

Kept Qt-free so the wording is tested without a window and reused by reports.
"""

from __future__ import annotations

import colorsys
import zlib
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from inspector.core.events import Event, format_time
from inspector.core.summary import short_value, summarize  # noqa: F401 - re-exported for the UI

#: Distinct hues for event types; a type keeps its hue in the table, timeline and legend.
_PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#8cd17d", "#f1ce63", "#a0cbe8",
    "#ffbe7d", "#bab0ac",
)


def type_colour(event_type: str) -> str:
    """A stable colour for an event type, as ``#rrggbb`` (same type, same colour, every run)."""
    index = zlib.crc32(event_type.encode("utf-8"))
    if index % 7 == 0:
        # a few types get a generated hue, so stores with many types do not repeat too often
        hue = (index >> 8) % 360 / 360.0
        r, g, b = colorsys.hls_to_rgb(hue, 0.55, 0.55)
        return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"
    return _PALETTE[index % len(_PALETTE)]


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
