"""Which keys an expression (``bisect --when``, ``states --where``) read that the states did not have.

An expression that reads a missing key "does not hold" there (a field not written yet is a
normal thing). But a key that is missing from *every* state the expression was asked about is
almost always a misspelling (``state["credit"]`` for ``credits``), and a run that says "never
holds" or "0 of 24 streams" would then hide it. ``KeyReads`` counts, per key, the evaluations
that failed on it, so the run can say so::

    the expression read a key that no state had: 'credit' (did you mean 'credits'?)

Counts merge across worker processes (``merge``); the object pickles.
"""

from __future__ import annotations

import difflib
from typing import Any

#: At most this many of the states' own keys are kept to suggest a spelling from.
_KNOWN_LIMIT = 2_000


class KeyReads:
    """Per-expression tally: ``evaluated`` (times asked), ``missing`` (key -> evaluations that
    raised ``KeyError`` on it) and ``known`` (top-level keys of the states that lacked it, as text,
    to suggest the nearest spelling)."""

    __slots__ = ("evaluated", "missing", "known")

    def __init__(self) -> None:
        self.evaluated = 0
        self.missing: dict[Any, int] = {}
        self.known: set[str] = set()

    def missed(self, error: KeyError, state: Any) -> None:
        """Note one evaluation that failed because ``state`` (or a value inside it) lacked a key."""
        key = error.args[0] if error.args else None
        try:
            self.missing[key] = self.missing.get(key, 0) + 1
        except TypeError:  # an unhashable "key": nothing to name
            return
        if isinstance(state, dict) and len(self.known) < _KNOWN_LIMIT:
            self.known.update(str(name) for name in list(state)[:_KNOWN_LIMIT])

    def merge(self, other: "KeyReads | None") -> None:
        """Add another process's tally for the same expression."""
        if other is None:
            return
        self.evaluated += other.evaluated
        for key, count in other.missing.items():
            self.missing[key] = self.missing.get(key, 0) + count
        if len(self.known) < _KNOWN_LIMIT:
            self.known.update(other.known)

    def never_found(self) -> list[Any]:
        """The keys missing in every evaluation (none when nothing was evaluated)."""
        if not self.evaluated:
            return []
        return [key for key, count in self.missing.items() if count >= self.evaluated]

    def note(self) -> str | None:
        """One line naming the keys no state had, with the nearest spelling the states did have;
        None when every key read was found at least once."""
        keys = self.never_found()
        if not keys:
            return None
        parts = []
        for key in keys:
            close = difflib.get_close_matches(str(key), sorted(self.known), n=1, cutoff=0.6)
            parts.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        noun = "a key" if len(keys) == 1 else "keys"
        return f"the expression read {noun} that no state had: {', '.join(parts)}"


__all__ = ["KeyReads"]
