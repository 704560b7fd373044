"""Store content made safe to print on a terminal.

A store can hold any text in stream names, types and payloads, including escape
sequences that retitle, clear or recolour the terminal of whoever prints them. Text
output (the CLI's tables and lines; never ``--json``, where JSON escapes apply) passes
every value that comes from a store through ``printable``.
"""

from __future__ import annotations

import re

__all__ = ["CELL_LIMIT", "LINE_LIMIT", "plural", "printable", "quoted_name", "shortened", "shown_name", "visible_blanks"]

# C0 controls (tab and newline too: a table cell is one line), DEL, C1 controls (U+0080-U+009F,
# which some terminals read as CSI/OSC), the bidirectional overrides and isolates that reorder
# what follows them, line/paragraph separators, and lone surrogates (not text at all).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# blank characters other than the plain space (no-break, en, em, ideographic spaces...): they read
# as a space on a terminal and in the window, so names and keys show them escaped (\u00a0)
_ODD_BLANK = re.compile("[\u00a0\u1680\u2000-\u200b\u202f\u205f\u2060\u3000\ufeff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` (``str()`` of any value) with every character that could control a terminal
    written as a visible escape: ``\\x1b``, ``\\n``, ``\\r``, ``\\t``, ``\\x9b``, ``\\u202e``.

    Everything else, including any other non-ASCII text and backslashes, is kept as it is,
    so names without such characters print exactly as stored.
    """
    value = text if isinstance(text, str) else str(text)
    if _UNSAFE.search(value) is None:
        return value
    return _UNSAFE.sub(_escape, value)


def visible_blanks(text: str) -> str:
    """``text`` with every blank character other than the plain space (no-break space, the
    en/em/thin spaces, the zero-width space, the ideographic space, U+FEFF) written as its escape,
    ``\\u00a0``, so ``" z"`` with a no-break space reads apart from ``" z"`` with a space. Names,
    keys and string values shown as text pass through it; ``--json`` and exports keep them exact."""
    if _ODD_BLANK.search(text) is None:
        return text
    return _ODD_BLANK.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)


def shown_name(name: str) -> str:
    """A stream or category name as text shows it (the window's lists, the CLI's tables and
    lines): ``printable`` (control characters escaped: ``\\x1b``, ``\\t``), and in double quotes
    when it is empty, starts or ends with blank space, or starts with a double quote, so
    ``order`` and ``order `` read apart: ``order``, ``"order "``, ``" order"``, ``""``,
    ``""q"``; blanks other than the plain space escaped (``visible_blanks``: ``\\u00a0z``). Any
    other name is returned as ``printable`` returns it. Event types and payload keys are shown
    the same way. Not for ``--json``, CSV or exports, which keep names exact."""
    text = visible_blanks(printable(name))
    if not name or name != name.strip() or name.startswith('"'):
        return f'"{text}"'
    return text


def quoted_name(name: str) -> str:
    """A stream, category or type name quoted in a message so that pasting the quoted text into a
    POSIX shell gives back exactly the name: ``'order-1'``, ``'C:\\orders-1'`` (backslashes kept
    as they are), ``'it'\\''s'`` (a single quote closes, adds ``\\'`` and reopens), ``''``.

    A name holding a character that could control a terminal (``printable``'s set), or a blank
    character other than the plain space (no-break space and the like, which read as a space),
    is written in the shell's ANSI-C quotes instead, with that character escaped and so visible:
    ``$'a\\x1bb'``, ``$'\\u00a0z'``, ``$'tab\\there'`` (backslashes and single quotes escaped
    there too). Bash, zsh, ksh and POSIX.1-2024 ``sh`` read those quotes back as the name."""
    if _UNSAFE.search(name) is None and _ODD_BLANK.search(name) is None:
        return "'" + name.replace("'", "'\\''") + "'"
    text = name.replace("\\", "\\\\").replace("'", "\\'")
    text = _ODD_BLANK.sub(_shell_escape, _UNSAFE.sub(_shell_escape, text))
    return f"$'{text}'"


def _shell_escape(match: re.Match[str]) -> str:
    """``_escape`` as ANSI-C quotes read it back: ``\\xHH`` is a byte there, so only below 0x80."""
    code = ord(match.group(0))
    return _escape(match) if code < 0x80 else f"\\u{code:04x}"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 stream``, ``3 streams``, ``1,024 matches`` (``many``: the plural when not ``noun + "s"``)."""
    return f"{count:,} {noun if count == 1 else (many or noun + 's')}"


#: The longest value a text table shows whole in one cell (characters); longer ones are ``shortened``.
CELL_LIMIT = 200
#: The longest value a line of text output (a state's field, an event's data) shows whole.
LINE_LIMIT = 2_000
#: What a shortened value's marker says gets it whole: every command that prints text takes ``--json``.
WHOLE_WITH = "--json prints it whole"


def shortened(text: str, limit: int = CELL_LIMIT, whole: str = WHOLE_WITH) -> str:
    """``text`` when it has at most ``limit`` characters, else its first characters and a marker
    saying how long it is and how to get it whole: ``{"records": [{"id": 0, …
    [27,186,863 characters in all; --json prints it whole]``.

    The result has at most ``limit`` characters plus the marker (about 60), whatever the length
    of ``text``. For text output only: ``--json`` writes every value whole."""
    if len(text) <= limit:
        return text
    marker = f"… [{len(text):,} characters in all; {whole}]"
    return text[: max(limit - len(marker), limit // 2)] + marker