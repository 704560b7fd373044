"""Events in plain words, one line each: the CLI's tables, audit reports and the window share it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from inspector.core.events import Event
from inspector.core.jsontext import number_text


#: Envelope fields the ``eventsourcing`` library writes into every stored event's state.
ENVELOPE_KEYS = frozenset({"timestamp", "originator_topic", "originator_id", "originator_version"})


def short_value(value: Any, limit: int = 60) -> str:
    """A one-line rendering of a JSON value."""
    if isinstance(value, str):
        text = value
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {short_value(v, 20)}" for k, v in list(value.items())[:4])
        text += ", …}" if len(value) > 4 else "}"
    elif isinstance(value, list):
        text = f"[{len(value)} item{'s' if len(value) != 1 else ''}]"
    elif isinstance(value, (int, float, Decimal)):
        text = number_text(value)  # all an int's digits, a Decimal's digits, NaN/Infinity as JSON writes them
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarize(event: Event, limit: int = 90) -> str:
    """The payload in plain words: ``amount=20 · reason=top-up``; the problem when undecodable."""
    if event.problem and event.data is None:
        return f"⚠ {event.problem}"
    data = event.data
    if isinstance(data, dict):
        # What the event says first; fields a library adds to every event (eventsourcing's
        # ``timestamp``, ``originator_topic``) last, so they never push it out of a short line.
        items = sorted(data.items(), key=lambda item: item[0] in ENVELOPE_KEYS)
        parts = [f"{key}={short_value(value, 28)}" for key, value in items]
        text = " · ".join(parts)
    elif data is None:
        text = ""
    else:
        text = short_value(data, limit)
    if event.problem:
        text = f"⚠ {event.problem} · {text}"
    return text if len(text) <= limit else text[: limit - 1] + "…"
