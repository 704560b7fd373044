"""Which streams a pattern selects, and which events a filter keeps: one rule for every store.

**The stream-pattern rule.** A pattern is matched against the stream name exactly as the
inspector shows it, case-sensitively, the same on SQLite, PostgreSQL, MariaDB/MySQL and
JSON Lines files:

* ``*`` stands for any run of characters (also none), ``?`` for exactly one character
  (a character, not a byte: ``chat-?`` matches ``chat-🍕``); every other character,
  ``%``, ``_``, ``[`` and ``\\`` included, stands for itself;
* a pattern without ``*`` or ``?`` matches every name that contains it.

So ``WALLET-*`` lists nothing when the names are ``wallet-…``, on every engine, whatever
the column's collation. The SQL adapters translate a ``StreamPattern`` into their engine's
case-sensitive form (``GLOB`` on SQLite, ``LIKE`` on PostgreSQL, ``LIKE`` under a binary
collation on MariaDB/MySQL); everything that matches in Python (JSON Lines, live follow,
projector selection) calls ``StreamPattern.matches``.

**The event filter.** ``EventFilter`` holds what ``read_all`` and ``histogram`` take;
``accepts`` judges one decoded event the way the SQL adapters' pushed-down clauses do:
types and streams exactly, times inclusive at both ends (an event without a time is left
out by any time bound), the actor exactly, and the text as a case-insensitive substring of
the payload and metadata written as JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inspector.core import jsontext

WILDCARDS = frozenset("*?")


@dataclass(frozen=True, slots=True)
class StreamPattern:
    """A stream pattern as a user typed it (``wallet-*``, ``chat-?``, ``order``)."""

    text: str

    @property
    def is_glob(self) -> bool:
        """True when the pattern has a wildcard; False when it matches as a substring."""
        return bool(WILDCARDS & set(self.text))

    def matches(self, name: str) -> bool:
        """Whether the stream ``name`` (as shown) is selected by this pattern."""
        if not self.is_glob:
            return self.text in name
        return _compiled(self.text).fullmatch(name) is not None

    def parts(self) -> list[str]:
        """The pattern split into literal runs and single ``*``/``?`` tokens, for SQL translation.

        A substring pattern comes back wrapped in ``*`` (``order`` → ``['*', 'order', '*']``).
        """
        text = self.text if self.is_glob else f"*{self.text}*"
        return [part for part in re.split(r"([*?])", text) if part]


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(glob: str) -> re.Pattern[str]:
    found = _CACHE.get(glob)
    if found is None:
        regex = "".join(".*" if part == "*" else "." if part == "?" else re.escape(part)
                        for part in re.split(r"([*?])", glob) if part)
        found = re.compile(regex, re.DOTALL)
        if len(_CACHE) < 256:
            _CACHE[glob] = found
    return found


def stream_matches(name: str, pattern: str | None) -> bool:
    """``StreamPattern(pattern).matches(name)``; no pattern selects every stream."""
    return not pattern or StreamPattern(pattern).matches(name)


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Filters for ``read_all`` and ``histogram``; pushed into SQL where the layout can.

    ``types``/``streams``: exact names as shown (any of them); ``since``/``until``: aware
    datetimes, both inclusive; ``actor``: exact; ``text``: case-insensitive substring of the
    payload and metadata as JSON; ``category``: the events of the streams ``streams(category=...)``
    lists (``(none)``: the streams without one), judged by the store (``accepts`` cannot tell a
    stream's category from one event and leaves it to the store).
    """

    types: tuple[str, ...] = ()
    streams: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    text: str | None = None
    category: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.types or self.streams or self.since or self.until or self.actor or self.text
                    or self.category)


def searchable_text(event: Any) -> str:
    """The lower-cased JSON of an event's payload and metadata, as the text filter searches it."""
    try:
        return jsontext.dumps([event.data, event.metadata]).lower()  # numbers with all their digits
    except (TypeError, ValueError, RecursionError):
        return repr([event.data, event.metadata]).lower()


def accepts(filters: EventFilter, event: Any) -> bool:
    """Whether a decoded ``event`` passes ``filters`` (the Python side of every store's filtering)."""
    if filters.types and event.type not in filters.types:
        return False
    if filters.streams and event.stream not in filters.streams:
        return False
    if filters.since is not None or filters.until is not None:
        at = event.recorded_at
        if at is None:
            return False
        if filters.since is not None and at < filters.since:
            return False
        if filters.until is not None and at > filters.until:
            return False
    if filters.actor and event.actor != filters.actor:
        return False
    if filters.text and filters.text.lower() not in searchable_text(event):
        return False
    return True


__all__ = ["EventFilter", "StreamPattern", "accepts", "searchable_text", "stream_matches"]
