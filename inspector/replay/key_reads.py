"""Which keys an expression (``bisect --when``, ``states --where``) read that the states did not have.

An expression that reads a missing key "does not hold" there (a field not written yet is a
normal thing). But a key that is missing from *every* state the expression was asked about is
almost always a misspelling (``state["credit"]`` for ``credits``), and a run that says "never
holds" or "0 of 24 streams" would then hide it. ``KeyReads`` counts, per key, the evaluations
that failed on it, so the run can say so::

    the expression read a key that no state had: 'credit' (did you mean 'credits'?)

Any other error the expression raises (a ``TypeError`` comparing a text with a number, a
``ZeroDivisionError``) is no "not yet": it is counted too (``raised``), per error with the first
stream and version it was raised at, so the run reports it rather than a silent "does not hold"::

    the expression raised an error at every one of the 3 states it was asked of, so it is not
    known where it holds: TypeError: '<' not supported between instances of 'str' and 'int'
    (3 times, first in Bob at v1)

Counts merge across worker processes (``merge``); the object pickles.
"""

from __future__ import annotations

import decimal
import difflib
from typing import Any

from inspector.core.failure import failure_reason
from inspector.core.terminal import shown_name

#: At most this many of the states' own keys are kept to suggest a spelling from.
_KNOWN_LIMIT = 2_000
#: At most this many distinct errors (type and message) are kept; later ones add to ``raised`` only.
_ERRORS_LIMIT = 20
#: Distinct errors named in ``error_note``'s line (the JSON lists every one kept).
_ERRORS_SHOWN = 3

#: What each decimal signal means, as an error's text says it: the decimal module's own message is
#: only the list of signals raised (``[<class 'decimal.DivisionByZero'>]``).
_DECIMAL_SIGNALS = {
    "DivisionByZero": "division by zero",
    "DivisionUndefined": "zero divided by zero is undefined",
    "DivisionImpossible": "the integer part of the quotient has more digits than the decimal precision",
    "ConversionSyntax": "text that is not a number",
    "InvalidOperation": "invalid operation on decimal numbers (such as the square root of a negative number, "
                        "infinity minus infinity, or an order comparison with NaN)",
    "InvalidContext": "an invalid decimal context",
    "Overflow": "the result is too large for a decimal number (its exponent is above the largest allowed)",
    "Underflow": "the result is too small for a decimal number and rounds to zero",
    "Subnormal": "the result's exponent is below the smallest normal one",
    "Inexact": "the result was rounded and is not exact",
    "Rounded": "the result was rounded",
    "Clamped": "the result's exponent was clamped",
    "FloatOperation": "a float mixed with a decimal number",
}


def error_text(error: BaseException) -> str:
    """An error as a report names it: ``TypeError: '<' not supported between instances of 'str'
    and 'int'``; a decimal signal in words, not as the list of signal classes the decimal module
    gives (``DivisionByZero: division by zero``, ``InvalidOperation: zero divided by zero is
    undefined``), so a Decimal state's error reads like an integer state's."""
    name = type(error).__name__
    if isinstance(error, decimal.DecimalException) and len(error.args) == 1 and isinstance(error.args[0], list):
        signals = error.args[0]
        if signals and all(isinstance(signal, type) for signal in signals):
            return f"{name}: " + "; ".join(_DECIMAL_SIGNALS.get(signal.__name__, signal.__name__) for signal in signals)
    if not str(error).strip():  # raised with no message (MemoryError()): words, never "MemoryError: "
        return failure_reason(error)
    return f"{name}: {error}"


class KeyReads:
    """Per-expression tally: ``evaluated`` (times asked), ``missing`` (key -> evaluations that
    raised ``KeyError`` on it), ``known`` (top-level keys of the states that lacked it, as text,
    to suggest the nearest spelling), ``raised`` (evaluations that raised any other error) and
    ``errors`` (``"TypeError: message"`` -> ``[count, stream, version]``: the first stream it was
    raised in and that stream's earliest version it was raised at; None when the event asked of
    had none)."""

    __slots__ = ("evaluated", "missing", "known", "raised", "errors")

    def __init__(self) -> None:
        self.evaluated = 0
        self.missing: dict[Any, int] = {}
        self.known: set[str] = set()
        self.raised = 0
        self.errors: dict[str, list[Any]] = {}

    def failed(self, error: Exception, event: Any) -> None:
        """Note one evaluation that raised ``error`` (not a missing key) on the state after ``event``
        (the last event applied: its stream and version say where; None: not known)."""
        self.raised += 1
        text = error_text(error)
        seen = self.errors.get(text)
        stream, version = getattr(event, "stream", None), getattr(event, "version", None)
        if seen is not None:
            seen[0] += 1
            if seen[1] == stream and version is not None and (seen[2] is None or version < seen[2]):
                seen[2] = version  # a stream's earliest version it was raised at (bisect probes its latest first)
        elif len(self.errors) < _ERRORS_LIMIT:
            self.errors[text] = [1, stream, version]

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
        self.raised += other.raised
        for text, (count, stream, version) in other.errors.items():
            seen = self.errors.get(text)
            if seen is not None:
                seen[0] += count
            elif len(self.errors) < _ERRORS_LIMIT:
                self.errors[text] = [count, stream, version]

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

    def raised_everywhere(self) -> bool:
        """Whether every evaluation raised an error other than a missing key (and there was one)."""
        return bool(self.evaluated) and self.raised >= self.evaluated

    def error_note(self, asked: str = "states it was asked of", subject: str = "the expression") -> str | None:
        """One line on the errors the expression raised (each counted as "does not hold"), with
        the first stream and version of each; None when it raised none. ``asked``: what it was
        asked of, plural (``"versions checked"``); ``subject``: what raised (``"--when"``)."""
        if not self.raised:
            return None
        if self.raised_everywhere():
            head = (
                f"{subject} raised an error at every one of the {self.evaluated:,} {asked}, "
                "so it is not known where it holds"
            )
        else:
            head = (
                f"{subject} raised an error at {self.raised:,} of the {self.evaluated:,} {asked}, "
                "counted as not holding there"
            )
        shown = []
        for text, (count, stream, version) in list(self.errors.items())[:_ERRORS_SHOWN]:
            where = " ".join(
                part
                for part in (
                    "" if stream is None else f"in {shown_name(stream)}",
                    "" if version is None else f"at v{version}",
                )
                if part
            )
            times = f"{count:,} time{'s' if count != 1 else ''}"
            shown.append(f"{text} ({times}" + (f", first {where})" if where else ")"))
        more = len(self.errors) - len(shown)
        rest = f"; and {more:,} other error{'s' if more != 1 else ''}" if more > 0 else ""
        return f"{head}: {'; '.join(shown)}{rest}"

    def errors_json(self) -> list[dict[str, Any]]:
        """``[{"error", "count", "stream", "version"}]``: each distinct error the expression raised,
        with the first stream and version it was raised at (at most 20 distinct)."""
        return [
            {"error": text, "count": count, "stream": stream, "version": version}
            for text, (count, stream, version) in self.errors.items()
        ]


__all__ = ["KeyReads"]
