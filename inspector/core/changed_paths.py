"""What one event's changes mark in its state: the look-up the State tab highlights from.

An event may change 150,000 paths; building the look-up from them takes a few hundred
milliseconds of Python, so it is built where the changes are computed (a worker thread), not
where they are shown (the GUI thread, which would freeze that long). No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping


@dataclass(frozen=True)
class ChangedPaths:
    """The paths one event changed, ready to be looked up per shown row.

    ``ops`` maps each added or changed path (a JSON pointer such as ``/a/b``, as in
    ``Change.path``; ``""`` is the whole state) to ``"add"`` or ``"change"``: a removed path
    is not in the state, so it is not marked. ``holders`` is every pointer that holds one of
    ``ops`` (``/a`` for ``/a/b``), the root ``""`` left out. ``count`` is how many changes
    there were, removed ones included (what "N fields changed" counts).

    Treat it as read-only: the GUI thread looks it up while the worker that built it is gone.
    """

    ops: Mapping[str, str]
    holders: frozenset[str]
    count: int

    @classmethod
    def of(cls, changes: Iterable[Any]) -> "ChangedPaths":
        """From ``changes`` (``core.diff.Change``s or anything with ``path`` and ``op``), in
        their order. Costs about 1-2 µs a change (150,000 changes: ~0.3 s), so build it off the
        GUI thread when the changes are many."""
        ops: dict[str, str] = {}
        count = 0
        for change in changes:
            count += 1
            if change.op != "remove":
                ops[change.path] = change.op
        return cls(ops, _holders(ops), count)

    @classmethod
    def from_ops(cls, ops: Mapping[str, str], count: int | None = None) -> "ChangedPaths":
        """From a ``{pointer: op}`` mapping (copied; ``remove`` entries kept as given);
        ``count`` defaults to its length."""
        own = dict(ops)
        return cls(own, _holders(own), len(own) if count is None else count)

    def __len__(self) -> int:
        """How many paths are marked (``ops``)."""
        return len(self.ops)

    def op(self, pointer: str) -> str | None:
        """What the event did to ``pointer`` itself (``"add"``, ``"change"``), or None."""
        return self.ops.get(pointer)

    def marks(self, pointer: str) -> bool:
        """Whether ``pointer`` was changed or holds a changed path."""
        return pointer in self.ops or pointer in self.holders


NO_CHANGES = ChangedPaths({}, frozenset(), 0)


def _holders(pointers: Iterable[str]) -> frozenset[str]:
    """Every pointer holding one of ``pointers`` (their parents, theirs, …), without the root.

    A parent already found is not climbed from again: its own parents are in already, so
    150,000 siblings cost one step each, not one per level."""
    holders: set[str] = set()
    for pointer in pointers:
        parent = pointer.rpartition("/")[0]
        while parent and parent not in holders:
            holders.add(parent)
            parent = parent.rpartition("/")[0]
    return frozenset(holders)


__all__ = ["ChangedPaths", "NO_CHANGES"]
