"""An event's raw text written piece by piece, so formatting a 50 MB payload never holds the
interpreter for long.

``jsontext.dumps`` hands the whole value to orjson, one C call that keeps the GIL until the
text is written (about a second for 50 MB): a worker thread doing that freezes the GUI thread
for as long. ``pretty_json_pieces`` writes the same text (``jsontext.dumps(value, indent=True)``,
byte for byte) as a sequence of pieces, each from at most about ``budget`` characters' worth of
the value, so the GUI thread gets the interpreter between two pieces. No Qt here.

Where a big list or object was decoded in pieces (``json_pieces.runs_of``), it is written run by
run as it was read, each run split by its size in bytes: no walk over its items is needed to
know how big they are. Elsewhere ``text_size_beyond`` looks at the items (a pure Python walk: for
a 50 MB document decoded here that walk took 2.7 s of CPU, ten times the writing itself).
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

from inspector.core import json_pieces, jsontext

#: about how many characters of text one piece is written from (one orjson call: ~2-5 ms)
PIECE_BUDGET = 200_000
#: kinds of value whose text is at most about 24 characters (floats' repr, true, null)
_FIXED_SIZE = {float, bool, type(None)}
#: items of a big list or object written per orjson call, at most
_SLICE_ITEMS = 2_000


def text_size_beyond(value: Any, limit: int) -> bool:
    """Whether ``value`` written as JSON text would take more than about ``limit`` characters.
    Looks at no more than about ``limit`` leaves, so it costs little for a value of any size; a
    list or dict decoded in pieces counts as the bytes of text it was read from."""
    size, stack = 0, [value]
    while stack:
        item = stack.pop()
        if (type(item) is dict or type(item) is list) and len(item) > 1 and (runs := json_pieces.runs_of(item)):
            size += sum(read for _count, read in runs)
        elif isinstance(item, dict):
            size += 2
            for key, inner in itertools.islice(item.items(), limit):
                size += (len(key) if isinstance(key, str) else 16) + 6
                stack.append(inner)
        elif isinstance(item, (list, tuple)):
            size += 2
            kinds = set(map(type, item))  # one pass in C: lists of plain numbers or strings are common
            if kinds <= _FIXED_SIZE:
                size += 24 * len(item)
            elif kinds == {str}:
                size += sum(map(len, item)) + 4 * len(item)
            else:
                stack.extend(itertools.islice(item, limit))
        elif isinstance(item, str):
            size += len(item) + 4
        elif isinstance(item, (bytes, bytearray)):
            size += 2 * len(item) + 4
        else:
            size += 24
        if size > limit:
            return True
    return False


def _beyond(value: Any, budget: int) -> bool:
    """``text_size_beyond``; a list or dict decoded in pieces is big (it was gone into: bigger
    than a run) without a look."""
    if type(value) in (dict, list) and json_pieces.runs_of(value) is not None:
        return True
    return text_size_beyond(value, budget)


def _indented(text: str, prefix: str) -> str:
    """``text`` written one level deeper: every line after the first gets ``prefix``. JSON text
    holds no raw newline inside a string, so every newline is a line break of the layout."""
    return text.replace("\n", "\n" + prefix) if prefix else text


def _key_text(key: Any) -> str:
    """A key as ``jsontext.dumps`` writes it (non-string keys as text)."""
    text = jsontext.dumps({key: None})
    return text[1:-len(":null}")]


def _items_text(chunk: Any, prefix: str) -> str:
    """The inner lines of ``chunk`` (a list or dict) as ``dumps(..., indent=True)`` writes them,
    without the brackets, for a container standing at ``prefix`` (all but the first line get it)."""
    text = jsontext.dumps(chunk, indent=True)
    inner = text[2:-2]  # "[\n" ... "\n]" (or braces): a non-empty chunk always has both
    return _indented(inner, prefix)


def _pieces(value: Any, prefix: str, budget: int) -> Iterator[str]:
    if type(value) in (dict, list) and value:
        runs = json_pieces.runs_of(value)
        if runs is not None:
            yield from _pieces_by_runs(value, runs, prefix, budget)
            return
    if not isinstance(value, (dict, list, tuple)) or not value or not text_size_beyond(value, budget):
        yield _indented(jsontext.dumps(value, indent=True), prefix)
        return
    inner = prefix + "  "
    is_dict = isinstance(value, dict)
    yield "{\n" if is_dict else "[\n"
    items: Iterator[Any] = iter(value.items()) if isinstance(value, dict) else iter(value)
    first = True
    while True:
        batch = list(itertools.islice(items, _SLICE_ITEMS))
        if not batch:
            break
        # the longest run of the batch's items that is small enough to write in one call
        start = 0
        while start < len(batch):
            end = len(batch)
            while end - start > 1:
                chunk = dict(batch[start:end]) if is_dict else batch[start:end]
                if not text_size_beyond(chunk, budget):
                    break
                end = start + max(1, (end - start) // 4)
            if not first:
                yield ",\n"
            first = False
            if end - start > 1 or not _beyond(batch[start][1] if is_dict else batch[start], budget):
                chunk = dict(batch[start:end]) if is_dict else batch[start:end]
                yield prefix + _items_text(chunk, prefix)
            else:  # one item too big to write at once: go down into it
                if is_dict:
                    key, item = batch[start]
                    yield inner + _key_text(key) + ": "
                else:
                    item = batch[start]
                    yield inner
                yield from _pieces(item, inner, budget)
            start = end
    yield "\n" + prefix + ("}" if is_dict else "]")


def _pieces_by_runs(value: dict | list, runs: json_pieces.Runs, prefix: str, budget: int) -> Iterator[str]:
    """``_pieces`` of a container decoded in pieces, written in the runs it was read in: a run of
    several elements in slices of about ``budget`` bytes of its text (by count: ``size`` bytes
    over ``count`` elements), a run of one element gone into as ``_pieces`` goes into any value."""
    inner = prefix + "  "
    is_dict = isinstance(value, dict)
    yield "{\n" if is_dict else "[\n"
    items: Iterator[Any] = iter(value.items()) if isinstance(value, dict) else iter(value)
    first = True
    for count, size in runs:
        if count == 1:
            if not first:
                yield ",\n"
            first = False
            if is_dict:
                key, item = next(items)
                yield inner + _key_text(key) + ": "
            else:
                item = next(items)
                yield inner
            yield from _pieces(item, inner, budget)
            continue
        step = max(1, count * budget // max(size, 1))
        left = count
        while left > 0:
            taken = min(step, left)
            left -= taken
            batch = itertools.islice(items, taken)
            chunk = dict(batch) if is_dict else list(batch)
            if not first:
                yield ",\n"
            first = False
            yield prefix + _items_text(chunk, prefix)
    yield "\n" + prefix + ("}" if is_dict else "]")


def pretty_json_pieces(value: Any, budget: int = PIECE_BUDGET) -> Iterator[str]:
    """``jsontext.dumps(value, indent=True)`` as pieces whose concatenation is that exact text;
    each piece is written from about ``budget`` characters' worth of ``value`` or less (a single
    string or number bigger than that is one piece). Raises what ``jsontext.dumps`` raises
    (``TypeError`` for nesting beyond what the writer goes)."""
    return _pieces(value, "", budget)
