"""What to say when a stream, an event type, a stream pattern or an actor asked for is not in the store.

A name that matches nothing is an input error, never an empty answer: these functions give
the one-line message, with the store's closest names ("did you mean ..."), or None when the
store has what was asked for. They read little: one row to see whether a stream has events,
a page or two of stream names (the store's first ones and those sharing half the name) to
find close ones, the type list for types.

``store`` is anything with the EventStore port's ``read_stream(stream, limit=)``,
``streams(match=, category=, limit=)``, ``event_types()``, ``categories()`` and, for actors,
``read_all(limit=, filters=)`` and ``actor_names(containing=, limit=)``. Errors:
whatever the store raises (``StoreError``).
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Iterable, Sequence

from inspector.core.matching import EventFilter
from inspector.core.terminal import quoted_name

#: Stream names read to look for close ones: the store's first ones, and per half of the name.
SAMPLE_STREAMS = 2_000
NEARBY_STREAMS = 200
#: At most this many names are listed when a type (or category) is not in the store.
NAMES_LISTED = 20


def close_names(word: str, names: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``names`` nearest ``word``: the same name in another case alone when there
    is one, else difflib's close matches compared without case (ratio at least 0.6, and within
    0.1 of the best one: a clear favourite is named alone), the closer as written first among
    equally close ones (``order`` -> ``order 1``, ``order-1``, ``Order-1``)."""
    unique = [name for name in dict.fromkeys(names) if name != word]
    same = [name for name in unique if name.lower() == word.lower()]
    if same:
        return same[:n]
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word.lower())
    exact = difflib.SequenceMatcher()
    exact.set_seq2(word)
    scored = []
    # every name is scored, those equal but for case too ('order-1' beside 'Order-1': one is not
    # the other); among equally close ones, the closer as written comes first
    for name in unique:
        matcher.set_seq1(name.lower())
        if matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6:
            ratio = matcher.ratio()
            if ratio >= 0.6:
                exact.set_seq1(name)
                scored.append((ratio, exact.ratio(), name))
    if not scored:
        return []
    scored.sort(key=lambda entry: (-entry[0], -entry[1], entry[2]))
    best = scored[0][0]
    return [name for ratio, _, name in scored if ratio >= best - 0.1][:n]


def did_you_mean(names: Sequence[str]) -> str:
    """``"; did you mean 'a'?"``, ``"; did you mean 'a' or 'b'?"``; empty when there is none.
    Each name is quoted as ``quoted_name`` does, so pasting it into a shell gives back the name."""
    if not names:
        return ""
    quoted = [quoted_name(name) for name in names]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"; did you mean {listed}?"


def listed(names: Sequence[str], limit: int = NAMES_LISTED) -> str:
    """``a, b, c`` (at most ``limit`` names, then ``and N more``); ``(none)`` for none."""
    if not names:
        return "(none)"
    more = f" and {len(names) - limit:,} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def has_events(store: Any, stream: str) -> bool:
    """Whether ``stream`` (the exact name) has at least one event; one row is read."""
    events = store.read_stream(stream, limit=1)
    try:
        return next(iter(events), None) is not None
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


def _literal_parts(word: str) -> list[str]:
    """The halves of ``word`` (up to a wildcard), each long enough to narrow a substring search."""
    plain = word.replace("*", " ").replace("?", " ")
    half = max(len(plain) // 2, 3)
    parts = [plain[:half].strip(), plain[-half:].strip()]
    return [part for part in dict.fromkeys(parts) if len(part) >= 3 and " " not in part]


def nearby_streams(store: Any, word: str, category: str | None = None) -> list[str]:
    """Stream names worth comparing with ``word``: the store's first ``SAMPLE_STREAMS`` and those
    holding either half of it (as written, in lower and in upper case): a typo in one half
    still finds the stream by the other."""
    names = [summary.stream for summary in store.streams(category=category, limit=SAMPLE_STREAMS)]
    for variant in dict.fromkeys((word, word.lower(), word.upper())):
        for part in _literal_parts(variant):
            names.extend(summary.stream for summary in store.streams(match=part, category=category,
                                                                     limit=NEARBY_STREAMS))
    return list(dict.fromkeys(names))


def missing_stream(store: Any, stream: str) -> str | None:
    """None when ``stream`` has events; else ``no events in stream 'x'`` with the closest
    stream names (``; did you mean 'wallet-9b2e71cc'?``)."""
    if has_events(store, stream):
        return None
    bad = getattr(store, "unreadable_count", 0)  # a JSON Lines file's lines that are no event
    if stream == "(unreadable)" and bad:
        return (f"'(unreadable)' is not a stream: it marks the {bad:,} line(s) of this file that are no event "
                "(events lists them, check reports them)")
    return f"no events in stream {quoted_name(stream)}" + did_you_mean(close_names(stream, nearby_streams(store, stream)))


def missing_types(store: Any, types: Sequence[str]) -> str | None:
    """None when every type in ``types`` has events in the store; else one line naming the
    first that has none, its closest known types and the store's types (at most ``NAMES_LISTED``)."""
    if not types:
        return None
    known = [name for name, _count in store.event_types()]
    present = set(known)
    for wanted in types:
        if wanted not in present:
            return (f"--type {quoted_name(wanted)}: no event of that type in this store; its types: {listed(sorted(known))}"
                    f"{did_you_mean(close_names(wanted, known))}")
    return None


def missing_pattern(store: Any, pattern: str, category: str | None = None) -> str | None:
    """None when some stream's name matches ``pattern`` (a glob, or a substring without ``*``/``?``;
    case-sensitive), within ``category`` when given; else one line saying so, with the same
    pattern in another case when that matches (``; did you mean 'wallet-*'? ...``) or the
    closest stream names."""
    if store.streams(match=pattern, category=category, limit=1):
        return None
    within = f" of category {quoted_name(category)}" if category else ""
    head = f"--match {quoted_name(pattern)}: no stream{within} matches (names are matched case-sensitively)"
    for variant in dict.fromkeys((pattern.lower(), pattern.upper())):
        if variant != pattern and store.streams(match=variant, category=category, limit=1):
            return head + did_you_mean([variant])
    names = nearby_streams(store, pattern, category)
    # a misspelt word of the pattern (walet-* for wallet-*): each word against the words of the names
    words = {word for name in names for word in _WORDS.split(name) if word}
    fixed = pattern
    for word in dict.fromkeys(_WORDS.split(pattern.replace("*", " ").replace("?", " "))):
        if len(word) >= 3 and word not in words:
            near = close_names(word, words, n=1)
            if near:
                fixed = fixed.replace(word, near[0])
    if fixed != pattern and store.streams(match=fixed, category=category, limit=1):
        return head + did_you_mean([fixed])
    plain = pattern.replace("*", "").replace("?", "")
    near = close_names(plain, names) if plain else []
    return head + (f"; close stream names: {', '.join(quoted_name(name) for name in near)}" if near else "")


def missing_actor(store: Any, actor: str, *, checked: bool = False) -> str | None:
    """None when some event names ``actor`` as its actor (one event is asked for, unless
    ``checked``: the caller already read that none does); else one line saying so, with the
    closest actors (``; did you mean 'alice@example.com'?``) or, with none close, the store's
    most active ones. Actors that hold ``actor`` (without case: ``alice`` for
    ``alice@example.com``) come first (``holding``), then those spelt alike (``close_names``),
    at most three. The actors compared are ``store.actor_names``': those of its newest events
    and those holding ``actor`` or half of it among them — a bounded read, not the whole store."""
    if not checked and store.read_all(limit=1, filters=EventFilter(actor=actor)):
        return None
    head = f"--actor {actor}: no event names that actor"
    names = store.actor_names()
    if not names:
        return head + "; the store's newest events name no actor at all"
    whole = [actor.strip()] if len(actor.strip()) >= _HELD_LENGTH else []
    for part in dict.fromkeys(whole + _literal_parts(actor) + _literal_parts(actor.lower())):
        names.extend(store.actor_names(containing=part, limit=NEARBY_STREAMS))
    near = list(dict.fromkeys(holding(actor, names) + close_names(actor, names)))[:3]
    if near:
        return head + did_you_mean(near)
    return f"{head}; actors of the newest events: {listed(list(dict.fromkeys(names)), NAMES_LISTED)}"


#: what separates the words of a stream name (wallet-9b2e71cc, Account:42, orders/7)
_WORDS = re.compile(r"[-_:/.@ ]+")

#: the shortest typed text that ``holding`` looks for inside names (one letter is in most of them)
_HELD_LENGTH = 2


def holding(word: str, names: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``names`` that hold ``word`` (compared without case, blanks around it
    ignored), best first: a name whose part before ``@`` is ``word`` (``alice`` for
    ``alice@example.com``), then names that start with it, then names with a word starting with
    it (``jon`` in ``support:jon@example.com``), then the rest; alphabetical within each.
    Empty when ``word`` is shorter than two characters."""
    low = word.strip().lower()
    if len(low) < _HELD_LENGTH:
        return []

    def rank(name: str) -> int:
        text = name.lower()
        if text.split("@", 1)[0] == low:
            return 0
        if text.startswith(low):
            return 1
        if any(part.startswith(low) for part in _WORDS.split(text)):
            return 2
        return 3

    held = [name for name in dict.fromkeys(names) if low in name.lower() and name != word]
    return sorted(held, key=lambda name: (rank(name), name))[:n]


__all__ = [
    "close_names",
    "did_you_mean",
    "has_events",
    "holding",
    "listed",
    "missing_actor",
    "missing_pattern",
    "missing_stream",
    "missing_types",
    "nearby_streams",
]
