"""Events in plain words, one line each: the CLI's tables, audit reports and the window share it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from inspector.core.events import Event, event_name_of_topic
from inspector.core.jsontext import number_text
from inspector.core.terminal import printable, shown_name, visible_blanks


#: Envelope fields the ``eventsourcing`` library writes into every stored event's state.
ENVELOPE_KEYS = frozenset({"timestamp", "originator_topic", "originator_id", "originator_version"})


#: the blank space a one-line summary folds: ASCII's (space, tab, line ends, vertical tab, form
#: feed). Python's ``str.split()`` also splits at the separators ``\x1c``-``\x1f``, ``\x85``,
#: ``\u2028`` and ``\u2029``: those are control characters, kept to be shown escaped
#: (``printable``: ``\x1c``) as the others are, never turned into a space.
_BLANKS = " \t\n\r\x0b\x0c"
_BLANK_RUN = re.compile(f"[{_BLANKS}]+")


def _one_line(text: str) -> str:
    """``text`` with its runs of ASCII blank space folded to one space and its blank edges cut."""
    return _BLANK_RUN.sub(" ", text).strip(" ")


def _string_text(value: str, limit: int) -> str:
    """A string on one line: its runs of blank space (``_BLANKS``) folded to one space, and in double quotes with
    its blank edges kept (``printable``: a newline reads ``\\n``) when it is empty, starts or ends
    with blank space, or starts with a double quote, as ``shown_name`` quotes names: ``"a "``,
    ``" a"``, ``""``, ``"a\\n"`` read apart from ``a``. Blank space past a cut line's end is
    not shown, and marks nothing (the line ends with ``…``). Blanks other than the plain space
    are escaped first (``visible_blanks``: a no-break space reads ``\\u00a0``), never folded."""
    value = visible_blanks(value)
    inner = _one_line(value)
    if value and inner and value[0] == inner[0] and value[-1] == inner[-1] and not value.startswith('"'):
        return inner
    if not inner:
        return f'"{printable(value)}"'
    lead = value[: len(value) - len(value.lstrip(_BLANKS))]
    trail = value[len(value.rstrip(_BLANKS)) :]
    quoted = f'"{printable(lead)}{inner}{printable(trail)}"'
    if len(quoted) > limit and not lead and not value.startswith('"'):
        return inner  # only the end is blank, and the line is cut before it
    return quoted


def short_value(value: Any, limit: int = 60) -> str:
    """A one-line rendering of a JSON value, at most ``limit`` characters (cut with ``…``).
    A string's blank edges are kept and quoted (``_string_text``): ``"a "`` reads apart from ``a``."""
    if isinstance(value, str):
        text = _string_text(value, limit)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{shown_name(str(k))}: {short_value(v, 20)}" for k, v in list(value.items())[:4])
        text += ", …}" if len(value) > 4 else "}"
    elif isinstance(value, list):
        text = f"[{len(value)} item{'s' if len(value) != 1 else ''}]"
    elif isinstance(value, (int, float, Decimal)):
        text = number_text(value)  # all an int's digits, a Decimal's digits, NaN/Infinity as JSON writes them
    else:
        text = str(value)
    text = _one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def from_eventsourcing(event: Event) -> bool:
    """Whether ``event`` was written by the ``eventsourcing`` library (read from its store, or
    from a slice exported from one): that layout keeps the library's topic
    (``package.module:Class.Event``) as ``metadata["topic"]`` and names the event by the
    topic's part after the colon."""
    topic = event.metadata.get("topic") if isinstance(event.metadata, dict) else None
    return isinstance(topic, str) and ":" in topic and event_name_of_topic(topic) == event.type


def summarize(event: Event, limit: int = 90) -> str:
    """The payload in plain words: ``amount=20 · reason=top-up``; the problem when undecodable.

    On an event the ``eventsourcing`` library wrote (``from_eventsourcing``) the envelope fields
    it adds to every event (``ENVELOPE_KEYS``: ``timestamp``, ``originator_topic``, …) are left
    out: they describe the event, and the time is the event's own column. Elsewhere fields of
    those names are payload and shown, last."""
    if event.problem and event.data is None:
        return f"⚠ {event.problem}"
    data = event.data
    if isinstance(data, dict):
        if from_eventsourcing(event):
            data = {key: value for key, value in data.items() if key not in ENVELOPE_KEYS}
        # What the event says first; fields of the envelope names last, so they never push it
        # out of a short line.
        items = sorted(data.items(), key=lambda item: item[0] in ENVELOPE_KEYS)
        parts = [f"{shown_name(str(key))}={short_value(value, 28)}" for key, value in items]
        text = " · ".join(parts)
    elif data is None:
        text = ""
    else:
        text = short_value(data, limit)
    if event.problem:
        text = f"⚠ {event.problem} · {text}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
