"""The state of an ``eventsourcing`` aggregate read without its code.

Stores written by the Python ``eventsourcing`` library (9.x: ``stored_events`` /
``snapshots`` tables, or ``<app>_events`` / ``<app>_snapshots`` on PostgreSQL) keep each
event's constructor arguments as a JSON object together with envelope fields the library
adds itself: ``timestamp`` (when the event was created), ``originator_topic`` (the
aggregate class, on the created event), and — in the columns, sometimes repeated in the
object — ``originator_id`` and ``originator_version``. Those describe the event, not the
aggregate, so they never enter the state.

Without the application's code the inspector cannot run ``mutate``, so it never starts from
the library's snapshots: a snapshot holds the aggregate's attributes (``balance``) that the
events do not carry (``amount``), and writing event fields over a snapshot's attributes would
show the snapshot's ``balance`` as the state at a later version, where it is stale. The
code-free state is the generic projector's, folded from the stream's first event: per field,
the last value any event wrote, envelope fields left out. The state is a ``dict`` of JSON
values. Choose the native eventsourcing projector (the folder with the application's code)
for the aggregate's real state, from the library's own snapshots.
"""

from __future__ import annotations

from typing import Any

from inspector.replay.projectors import Projector, hash_text

#: Fields the library writes on every stored event or snapshot: about the event, not the aggregate.
ENVELOPE_FIELDS = frozenset({"timestamp", "originator_topic", "originator_id", "originator_version"})

DESCRIPTION = ("per field, the last value any event wrote, from the stream's first event (the library's "
               "snapshots are not used); envelope fields (timestamp, originator_topic, …) left out")


class EventsourcingStateProjector(Projector):
    """Per field, the last value any event wrote, from the stream's first event, envelope fields left out.

    ``fold(state: dict, event) -> dict``: the event's payload fields except ``ENVELOPE_FIELDS``.
    Store snapshots are not used (``uses_store_snapshots`` False): their attributes are the
    aggregate's, which this fold cannot carry forward (see the module docstring).
    """

    name = "generic (eventsourcing)"
    patterns = ("*",)
    uses_store_snapshots = False
    #: the inspector's own code: replayed in the window's process, like the generic projector
    trusted = True

    def __init__(self) -> None:
        import inspect

        self.code_hash = hash_text(inspect.getsource(type(self)), "eventsourcing-state-2")

    def applies_to(self, stream: str, category: str | None = None) -> bool:
        return True

    def fold(self, state: Any, event: Any) -> Any:
        data = event.data
        if type(data) is dict:
            for key, value in data.items():
                if key not in ENVELOPE_FIELDS:
                    state[key] = value
        return state

__all__ = ["DESCRIPTION", "ENVELOPE_FIELDS", "EventsourcingStateProjector"]
