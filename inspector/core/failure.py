"""What a failure says when the error raised carries no message of its own.

A ``MemoryError`` (and some other errors) are raised with no text, so a report built as
``f"... failed: {exc}"`` read ``The survey failed:`` with nothing after it. ``failure_reason``
gives the error's own message, or, where it has none, words for what went wrong.
"""

from __future__ import annotations

#: words for errors that are commonly raised without a message
_WORDS: dict[type[BaseException], str] = {
    MemoryError: "out of memory: the system gave the inspector no more memory for this",
    RecursionError: "the data is nested too deep to be read",
    KeyboardInterrupt: "interrupted",
    TimeoutError: "timed out",
    ConnectionError: "the connection failed",
    EOFError: "the input ended early",
}


def failure_reason(exc: BaseException) -> str:
    """``str(exc)`` when it says something; else the error's name and what it means
    (``MemoryError: out of memory: …``), never an empty text."""
    text = str(exc).strip()
    if text:
        return text
    for kind, words in _WORDS.items():
        if isinstance(exc, kind):
            return f"{type(exc).__name__}: {words}"
    return f"{type(exc).__name__} (raised with no message)"


def give_a_reason(exc: BaseException) -> BaseException:
    """``exc`` itself, its message set to ``failure_reason`` when it had none, so every report
    that formats it (``f"... failed: {exc}"``) says what went wrong."""
    if not str(exc).strip():
        try:
            exc.args = (failure_reason(exc),)
        except (AttributeError, TypeError):  # an exception whose args cannot be set: left as it is
            pass
    return exc
