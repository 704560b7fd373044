"""The events table's Summary of an event, at a cost that does not grow with its payload.

``summarize`` reads the whole payload: it splits every string to fold its whitespace and walks
every field of an object. A table cell asks for it on each paint, on the GUI thread, so one
50 MB text payload froze the window for 2-3 s per repaint. ``table_summary`` summarizes a
bounded preview of the payload instead: strings cut to ``TEXT_PREFIX`` characters, objects to
the fields the summary line can show. The line reads the same for every payload whose strings
have no whitespace run that reaches past the cut.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from inspector.core.events import Event
from inspector.core.summary import short_value, summarize

#: characters of a string the summary looks at (a cell shows at most a few hundred)
TEXT_PREFIX = 4_096
#: fields of an object a nested value's summary shows (``short_value`` writes four)
_NESTED_FIELDS = 5
#: levels of objects the preview goes down (deeper values are summarized as they are)
_DEPTH = 4


def _preview(value: Any, fields: int, depth: int) -> Any:
    """``value`` cut down to what a summary of it can show: strings to ``TEXT_PREFIX`` characters,
    objects to their first ``fields`` fields plus a stand-in for the rest, ``_DEPTH`` levels down."""
    if isinstance(value, str):
        return value[:TEXT_PREFIX] if len(value) > TEXT_PREFIX else value
    if isinstance(value, dict) and depth < _DEPTH:
        kept = {key: _preview(item, _NESTED_FIELDS, depth + 1)
                for key, item in itertools.islice(value.items(), fields)}
        if len(kept) < len(value):
            kept[_MORE] = None  # ``short_value`` still sees more than four fields ("…")
        return kept
    return value


class _More:
    """A field that stands for the fields a preview left out (never shown: past the line's end)."""

    def __repr__(self) -> str:
        return "…"

    __str__ = __repr__


_MORE = _More()


def table_summary(event: Event, limit: int = 90) -> str:
    """``summarize(event, limit)`` from a bounded preview of the payload (see the module docstring):
    the same line, at a cost independent of the payload's size.

    A top-level object keeps its first ``limit // 3 + 1`` fields: each takes at least six
    characters of the line (``k=v · ``), so they fill it twice over, and the fields the summary
    moves last (``ENVELOPE_KEYS``) and the stand-in for the rest fall past its end."""
    data = event.data
    if isinstance(data, (str, dict)):
        event = dataclasses.replace(event, data=_preview(data, limit // 3 + 1, 0))
    return summarize(event, limit)


def bounded_short_value(value: Any, limit: int = 60) -> str:
    """``short_value(value, limit)`` of a leaf value (a JSON tree's cell), reading at most
    ``TEXT_PREFIX`` characters of a string or bytes: the same text for every value whose
    whitespace runs do not reach past the cut."""
    if isinstance(value, (str, bytes)) and len(value) > TEXT_PREFIX:
        value = value[:TEXT_PREFIX]
    return short_value(value, limit)
