"""The structural difference of two JSON states, with JSON-pointer paths (RFC 6901).

Pure and Qt-free: the replay engine adds blame (which events changed each path);
this module only compares values. Dicts are compared key by key and lists index by
index, so a change deep inside a document is reported at its own path rather than
as a change of the whole parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterator

import orjson

from inspector.core.events import format_time

_MISSING = object()


@dataclass(frozen=True, slots=True)
class Blame:
    """One event that changed a path between two moments."""

    version: int | None
    type: str
    recorded_at: datetime | None = None
    actor: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "type": self.type,
            "recorded_at": format_time(self.recorded_at),
            "actor": self.actor,
        }


@dataclass(slots=True)
class Change:
    """One added, removed or changed path; ``events`` is filled in by blame.

    Blame keeps the *latest* events that changed the path when there are more than it
    keeps; ``events_omitted`` counts the earlier ones left out (0 when none were).
    """

    path: str
    op: str  # "add" | "remove" | "change"
    before: Any = None
    after: Any = None
    events: list[Blame] = field(default_factory=list)
    events_omitted: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "op": self.op,
            "before": self.before,
            "after": self.after,
            "events": [blame.to_json() for blame in self.events],
            "events_omitted": self.events_omitted,
        }


def escape(token: Any) -> str:
    """One JSON-pointer reference token: ``~`` → ``~0``, ``/`` → ``~1``."""
    return str(token).replace("~", "~0").replace("/", "~1")


def key_tokens(before: dict[Any, Any], after: dict[Any, Any]) -> Callable[[Any], str]:
    """The pointer token of each key of one level of a diff (``before`` and ``after`` the dicts
    at that path; one of them may be empty), as a function of the key.

    A key is its escaped text, unless keys of different types share that text at this level
    (a projector's state may use ints: ``{1: 'a', '1': 'b'}``, or ``{'1': …}`` before and
    ``{1: …}`` after). Then a key that is not a string is ``~<type>:<text>`` (``~int:1``), and
    so is a string key that one side lacks (``~str:1``), so that ``resolve`` finds, on each
    side, the key the change is about or nothing (a plain token finds a string key first, else
    a key of another type with that text). No escaped string token starts so: ``~`` is only
    ever followed by ``0`` or ``1`` there. Dicts whose keys are all strings cost one look at
    each key."""
    texts: dict[str, set[type]] = {}
    for side in (before, after):
        for key in side:
            if type(key) is not str:
                texts.setdefault(str(key), set()).add(type(key))
    if not texts:
        return escape

    def token(key: Any) -> str:
        text = str(key)
        kinds = texts.get(text)
        if kinds is not None:
            if type(key) is str:
                if not (text in before and text in after):
                    return f"~str:{escape(text)}"
            elif len(kinds) > 1 or text in before or text in after:  # ``text in``: a string key
                return f"~{type(key).__name__}:{escape(text)}"
        return escape(text)

    return token


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def split_pointer(path: str) -> list[str]:
    """``/a/b~1c`` → ``["a", "b/c"]``; the root ``""`` → ``[]``. A typed token (``~int:1``,
    see ``key_tokens``) is kept as written."""
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"not a JSON pointer: {path!r}")
    return [token if _typed(token) else unescape(token) for token in path[1:].split("/")]


def _typed(token: str) -> bool:
    return token.startswith("~") and not token.startswith(("~0", "~1")) and ":" in token


def resolve(document: Any, path: str, default: Any = None) -> Any:
    """The value at ``path`` in ``document``, or ``default`` when the path does not exist."""
    value = document
    for token in split_pointer(path):
        if isinstance(value, dict):
            if _typed(token):
                kind, _, text = token[1:].partition(":")
                text = unescape(text)
                matched: Any = next((k for k in value if type(k).__name__ == kind and str(k) == text), _MISSING)
                if matched is _MISSING:
                    return default
            elif token not in value:
                # Keys need not be strings in a projector's state (ints are common).
                matched = next((k for k in value if not isinstance(k, str) and str(k) == token), _MISSING)
                if matched is _MISSING:
                    return default
            else:
                matched = token
            value = value[matched]
        elif isinstance(value, list):
            if not token.isdigit() or int(token) >= len(value):
                return default
            value = value[int(token)]
        else:
            return default
    return value


def diff_states(before: Any, after: Any) -> list[Change]:
    """Every path whose value differs between ``before`` and ``after``, in document order.

    Values are compared as JSON values (``same_value``): ``True`` is not ``1`` at any depth,
    NaN is NaN. The walk keeps its own stack, so any depth of nesting is compared.
    """
    return list(_walk("", before, after))


def _walk(path: str, before: Any, after: Any) -> Iterator[Change]:
    stack = [_frame(path, before, after)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
        elif type(item) is Change:
            yield item
        else:
            stack.append(_frame(*item))


#: Containers of at least this many items are first compared whole at C speed (``_same_at_once``),
#: before their children are walked one by one (a 200,000-item list the same on both sides took
#: 8 s to walk).
_AT_ONCE_FROM = 64
#: Items of a long list compared at once in runs of this many (``_frame``): a run that differs is walked.
_AT_ONCE_RUN = 256


def _same_at_once(before: dict[Any, Any] | list[Any], after: dict[Any, Any] | list[Any]) -> bool:
    """True when two containers are surely the same JSON value, told at C speed: equal to Python
    (which tells NaN from null) and written alike by orjson (which tells ``true`` from ``1``).
    False when that does not settle it (a change, ``1`` against ``1.0``, a Decimal, an integer
    beyond 64 bits, keys that are not text, keys in another order): the walk then compares them."""
    try:
        return bool(before == after) and orjson.dumps(before) == orjson.dumps(after)
    except (TypeError, ValueError, RecursionError):  # orjson.JSONEncodeError is a TypeError
        return False


def _frame(path: str, before: Any, after: Any) -> Iterator[Any]:
    """Changes at ``path``, and ``(path, old, new)`` for children to walk in their turn."""
    if before is after:
        return
    if (type(before) is type(after) and type(before) in (dict, list) and len(before) >= _AT_ONCE_FROM
            and _same_at_once(before, after)):
        return
    if isinstance(before, dict) and isinstance(after, dict):
        token = key_tokens(before, after)
        for key, old in before.items():
            new = after.get(key, _MISSING)
            child = f"{path}/{token(key)}"
            if new is _MISSING:
                yield Change(child, "remove", old, None)
            elif old is not new:
                yield (child, old, new)
        for key, new in after.items():
            if key not in before:
                yield Change(f"{path}/{token(key)}", "add", None, new)
        return
    if isinstance(before, list) and isinstance(after, list):
        shared = min(len(before), len(after))
        step = _AT_ONCE_RUN if shared >= _AT_ONCE_FROM else max(shared, 1)
        for start in range(0, shared, step):
            end = min(start + step, shared)
            # a run of a long list the same on both sides is passed over at C speed: one changed
            # record of 200,000 costs a walk of its run, not of every record
            if end - start >= _AT_ONCE_FROM and _same_at_once(before[start:end], after[start:end]):
                continue
            for index in range(start, end):
                old, new = before[index], after[index]
                if old is not new:
                    yield (f"{path}/{index}", old, new)
        for index in range(shared, len(before)):
            yield Change(f"{path}/{index}", "remove", before[index], None)
        for index in range(shared, len(after)):
            yield Change(f"{path}/{index}", "add", None, after[index])
        return
    if isinstance(before, (dict, list)) or isinstance(after, (dict, list)) or not _same_scalar(before, after):
        yield Change(path, "change", before, after)  # a container against anything else differs


def same_value(a: Any, b: Any) -> bool:
    """Equal as JSON values: ``1 == True`` in Python, but not in a state diff, at any depth.

    Numbers are equal when they are the same JSON number, whatever their Python type:
    ``Decimal('1.50')`` is ``1.5``, and a float counts as the decimal its shortest
    ``repr`` writes (``0.1`` is ``Decimal('0.1')``, not ``Decimal('0.1000000000000000055511151231257827')``).
    Integers of any size compare exactly (10^30 and 10^30+1 differ). NaN is the same as NaN.
    Dicts and lists are equal when every path holds the same value (compared without recursion).
    """
    if a is b:
        return True
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return next(_walk("", a, b), None) is None
    return _same_scalar(a, b)


def _same_scalar(a: Any, b: Any) -> bool:
    kind = type(a)
    if kind is type(b):
        if kind is float:
            return a == b or (a != a and b != b)
        if kind is Decimal:
            return _number(a) == _number(b)
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if isinstance(a, (int, float, Decimal)) and isinstance(b, (int, float, Decimal)):
        return _number(a) == _number(b)
    return a == b


def _number(value: int | float | Decimal) -> Any:
    """A number as one comparable value: a Decimal for finite numbers, a word for NaN/±infinity."""
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value - value != 0.0:
            return "+inf" if value > 0 else "-inf"
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if value.is_nan():
            return "nan"
        if value.is_infinite():
            return "+inf" if value > 0 else "-inf"
        return value
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):  # pragma: no cover - every int converts
        return value


def top_key(path: str) -> str | None:
    """The first token of a pointer (the state's top-level field), or None for the root."""
    tokens = split_pointer(path)
    return tokens[0] if tokens else None


__all__ = ["Blame", "Change", "diff_states", "same_value", "escape", "key_tokens", "resolve", "split_pointer",
           "top_key", "unescape"]
