"""The state of an ``eventsourcing`` aggregate read without its code.

Stores written by the Python ``eventsourcing`` library (9.x: ``stored_events`` /
``snapshots`` tables, or ``<app>_events`` / ``<app>_snapshots`` on PostgreSQL) keep each
event's constructor arguments as a JSON object together with envelope fields the library
adds itself: ``timestamp`` (when the event was created), ``originator_topic`` (the
aggregate class, on the created event), and — in the columns, sometimes repeated in the
object — ``originator_id`` and ``originator_version``. Those describe the event, not the
aggregate, so they never enter the state.

Without the application's code the inspector cannot run ``mutate``; the most it can say
honestly is: the attributes of the nearest library snapshot at or before the version
(``_``-prefixed private attributes such as ``_created_on`` left out), plus, per field, the
last value written by each event since. The state is a ``dict`` of JSON values. Choose the
native eventsourcing projector (the folder with the application's code) for the
aggregate's real state.
"""

from __future__ import annotations

from typing import Any

from inspector.replay.projectors import Projector, hash_text
from inspector.stores.base import Snapshot

#: Fields the library writes on every stored event or snapshot: about the event, not the aggregate.
ENVELOPE_FIELDS = frozenset({"timestamp", "originator_topic", "originator_id", "originator_version"})

DESCRIPTION = ("attributes of the nearest snapshot the library stored, plus the fields written by each "
               "event since; envelope fields (timestamp, originator_topic, …) left out")


class EventsourcingStateProjector(Projector):
    """Per field, the last value written, starting from the library's own snapshot when one exists.

    ``fold(state: dict, event) -> dict``: the event's payload fields except ``ENVELOPE_FIELDS``.
    Store snapshots are used (``uses_store_snapshots``): their public attributes are the state
    at the snapshot's version.
    """

    name = "generic (eventsourcing)"
    patterns = ("*",)
    uses_store_snapshots = True
    #: the inspector's own code: replayed in the window's process, like the generic projector
    trusted = True

    def __init__(self) -> None:
        import inspect

        self.code_hash = hash_text(inspect.getsource(type(self)), "eventsourcing-state-1")

    def applies_to(self, stream: str, category: str | None = None) -> bool:
        return True

    def fold(self, state: Any, event: Any) -> Any:
        data = event.data
        if type(data) is dict:
            for key, value in data.items():
                if key not in ENVELOPE_FIELDS:
                    state[key] = value
        return state

    def from_store_snapshot(self, snapshot: Snapshot) -> Any:
        body = snapshot.state
        if not isinstance(body, dict):
            return None
        return {key: value for key, value in body.items()
                if isinstance(key, str) and not key.startswith("_") and key not in ENVELOPE_FIELDS}


__all__ = ["DESCRIPTION", "ENVELOPE_FIELDS", "EventsourcingStateProjector"]
