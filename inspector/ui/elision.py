"""Eliding names so that names that differ never read alike: what is shown for a name is a cut of
that name (each "…" standing for the characters cut out) and of no other name beside it."""

from __future__ import annotations

import bisect
import re
from typing import Any, Iterable

from PySide6.QtCore import Qt


def _cut(text: str, kept: list[bool]) -> str:
    """``text`` with each run of characters not ``kept`` shown as one "…"."""
    out: list[str] = []
    for char, keep in zip(text, kept):
        if keep:
            out.append(char)
        elif not out or out[-1] != "…":
            out.append("…")
    return "".join(out)


def _fits_another(text: str, kept: list[bool], others: list[str]) -> bool:
    """Whether ``text`` cut to ``kept`` could also be read as one of ``others`` (each "…" taken
    for any characters, none included)."""
    pattern, run = [], False
    for char, keep in zip(text, kept):
        if keep:
            pattern.append(re.escape(char))
            run = False
        elif not run:
            pattern.append(".*")
            run = True
    found = re.compile("".join(pattern), re.DOTALL)
    return any(found.fullmatch(other) for other in others)


def elided_unmistakable(metrics, text: str, others, width: float, *, type_name: bool = True,
                        ends: bool = True) -> str:
    """``text`` fitted to ``width`` pixels so that what is shown could not also be a cut of any of
    ``others``: a dotted type name (``com.acme.orders.events.v2.OrderPlaced (4)``) loses its
    leading package parts first, keeping the tail (class name, version), unless ``type_name`` is
    false (stream names); then characters go from the middle of what is left outwards, each only
    where the cut still fits no other name (the character that tells ``v2.OrderPlaced`` from
    ``v2.OrderPaid`` stays). The first and last characters stay unless ``ends`` is false (then
    they go last, where the cut still fits no other name: ``…eu-w…9…1/…1``). Unchanged when it
    fits."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    rivals = [other for other in set(others) if other != text]
    kept = [True] * len(text)

    def fits() -> bool:
        return metrics.horizontalAdvance(_cut(text, kept)) <= width

    def drop(places: range | list[int]) -> bool:
        """Cut ``places`` unless the cut then fits another name; whether it was cut."""
        before = kept[:]
        for place in places:
            kept[place] = False
        if _fits_another(text, kept, rivals):
            kept[:] = before
            return False
        return True

    name = text[:text.rfind(" (")] if text.endswith(")") and " (" in text else text
    if type_name and "." in name and " " not in name and "/" not in name:
        start = 0  # package parts, first to last, while the tail still reads apart; the last
        # part before the class name (its version: v2) stays
        last = name.rfind(".", 0, name.rfind("."))
        while not fits() and name.find(".", start) != -1 and name.find(".", start) <= last:
            end = name.find(".", start) + 1
            if not drop(range(start, end)):
                break
            start = end
    beside: set[int] = set()  # next to a character that tells it apart: cut last, so it reads
    while not fits():
        left = [place for place, keep in enumerate(kept) if keep]
        if len(left) <= (2 if ends else 1):
            break
        middle = (left[0] + left[-1]) / 2
        for place in sorted(left[1:-1] if ends else left,
                            key=lambda at: (at in (left[0], left[-1]), at in beside, abs(at - middle))):
            if drop([place]):
                break
            beside.update((place - 1, place + 1))
        else:
            break  # every character left tells it apart: the box clips what does not fit
    return _cut(text, kept)


class NamesApart:
    """Names shown beside each other (a view's column, a timeline's lanes), each elided in the
    middle to a width unless that cut could also be read as another of the names: then it is cut
    as ``elided_unmistakable`` cuts it, against the names its cuts could be read as.

    The names are kept sorted, so the names a cut could be read as are found by the cut's start
    (a range of the sorted names) and end, not by matching every name."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names: set[str] = set(names)
        self._sorted: list[str] | None = None
        self._ends: list[str] = []  # the names reversed, sorted
        #: (width, font key) -> name -> its text at that width
        self._fitted: dict[tuple[float, str], dict[str, str]] = {}

    def __len__(self) -> int:
        return len(self._names)

    def add(self, names: Iterable[str]) -> None:
        before = len(self._names)
        self._names.update(names)
        if len(self._names) != before:
            self._sorted, self._fitted = None, {}

    def shown(self, metrics: Any, name: str, width: float, font_key: str = "") -> str:
        """``name`` as it is shown ``width`` pixels wide beside the others (cached per width)."""
        fitted = self._fitted.get((width, font_key))
        if fitted is None:
            if len(self._fitted) > 8:
                self._fitted = {}
            fitted = self._fitted[(width, font_key)] = {}
        text = fitted.get(name)
        if text is None:
            text = fitted[name] = self._fit(metrics, name, width)
        return text

    def _fit(self, metrics: Any, name: str, width: float) -> str:
        """The middle elision; where it could be read as other names, the name kept from the
        first character that tells it from them (``acm…order-1``), else cut as
        ``elided_unmistakable`` cuts it; the middle elision where neither fits the width."""
        if metrics.horizontalAdvance(name) <= width:
            return name
        plain = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width)
        head, _, tail = plain.partition("…")
        if not head or not tail:
            return plain  # too narrow to keep both ends: nothing there could tell names apart
        rivals = self._read_as(plain, name)
        if not rivals:
            return plain
        for _ in range(4):
            keep = min(_first_difference(name, other) for other in rivals)
            shown = elided_keeping(metrics, name, width, keep)
            more = self._read_as(shown, name) - rivals
            if not more and not self._read_as(shown, name) and metrics.horizontalAdvance(shown) <= width:
                return shown
            if not more:
                break
            rivals |= more
        for ends in (True, False):  # both ends kept where that fits, else the ends may go too
            while True:  # each round's cut fits none of the rivals so far: they only grow
                shown = elided_unmistakable(metrics, name, rivals, width, type_name=False, ends=ends)
                more = self._read_as(shown, name) - rivals
                if not more:
                    break
                rivals |= more
            if metrics.horizontalAdvance(shown) <= width:
                return shown
        # too many characters tell it apart to fit: the plain cut (a view would clip the end, a
        # timeline axis drop the label); a view's tooltip gives the whole name
        return plain

    def _read_as(self, shown: str, name: str) -> set[str]:
        """The other names ``shown`` could be read as a cut of (each "…" any characters): those
        starting with its start and ending with its end, read from the shorter of the two ranges
        of the names sorted by their start and by their end."""
        if self._sorted is None:
            self._sorted = sorted(self._names)
            self._ends = sorted(other[::-1] for other in self._names)
        parts = shown.split("…")
        head, tail = parts[0], parts[-1][::-1]
        first, last = _prefixed(self._sorted, head)
        first_end, last_end = _prefixed(self._ends, tail)
        if last - first <= last_end - first_end:
            candidates = self._sorted[first:last]
        else:
            candidates = [other[::-1] for other in self._ends[first_end:last_end]]
        pattern = re.compile(".*".join(re.escape(part) for part in parts), re.DOTALL)
        return {other for other in candidates if other != name and pattern.fullmatch(other)}


def _prefixed(names: list[str], prefix: str) -> tuple[int, int]:
    """The range of sorted ``names`` that start with ``prefix``."""
    first = bisect.bisect_left(names, prefix)
    above = prefix.rstrip("\U0010ffff")  # the first string after every one starting with prefix
    if not above:
        return first, len(names)
    return first, bisect.bisect_left(names, above[:-1] + chr(ord(above[-1]) + 1), first)


def _first_difference(name: str, other: str) -> int:
    """The index of ``name``'s first character that ``other`` does not have there."""
    for at, (mine, theirs) in enumerate(zip(name, other)):
        if mine != theirs:
            return at
    return min(len(name), len(other))


def elided_keeping(metrics: Any, text: str, width: float, keep: int) -> str:
    """``text`` fitted to ``width`` pixels with its character at ``keep`` in view: as much of the
    start as fits, "…", then the text from ``keep`` on (itself elided in the middle when too long,
    its first character and its end kept). Unchanged when it fits."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    keep = max(0, min(keep, len(text) - 1))
    left, right = text[:keep], text[keep:]
    if not left:
        return metrics.elidedText(right, Qt.TextElideMode.ElideMiddle, width)
    if metrics.horizontalAdvance("…" + right) > width:
        return "…" + metrics.elidedText(right, Qt.TextElideMode.ElideMiddle, width - metrics.horizontalAdvance("…"))
    shown = "…" + right
    for end in range(1, len(left)):
        candidate = left[:end] + "…" + right
        if metrics.horizontalAdvance(candidate) > width:
            break
        shown = candidate
    return shown


def elided_apart(metrics: Any, names: Iterable[str], width: float) -> dict[str, str]:
    """Each of ``names`` fitted to ``width`` pixels as ``NamesApart`` shows them beside each other:
    elided in the middle (both ends kept), except where that cut could also be read as another of
    the names (``acme/order-1``, ``acme/Order-1``: ``acme/…der-1``); such a name keeps the
    characters that tell it apart (``acme…order-1``, ``acme…Order-1``)."""
    apart = NamesApart(names)
    return {name: apart.shown(metrics, name, width) for name in set(names)}
