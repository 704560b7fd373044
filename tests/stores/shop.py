"""The marketplace's aggregates written with the ``eventsourcing`` library itself.

Builders replay ``contract.DRAFTS`` through these classes so the eventsourcing stores
hold exactly what the library writes (topics, transcoded timestamps, compression,
snapshots), with each event's timestamp set to the draft's time.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from eventsourcing import domain
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Wallet(Aggregate):
    @event("Opened")
    def __init__(self, owner: str, actor: str) -> None:
        self.owner = owner
        self.credits = 0

    @event("CreditsGranted")
    def grant(self, amount: int, actor: str) -> None:
        self.credits += amount

    @event("CreditsSpent")
    def spend(self, amount: int, actor: str) -> None:
        self.credits -= amount


class Job(Aggregate):
    @event("Posted")
    def __init__(self, title: str, budget: int, actor: str) -> None:
        self.title = title
        self.budget = budget
        self.status = "open"

    @event("Assigned")
    def assign(self, worker: str, actor: str) -> None:
        self.worker = worker
        self.status = "assigned"

    @event("Completed")
    def complete(self, rating: int, actor: str) -> None:
        self.rating = rating
        self.status = "done"


class Shop(Application):
    """The application whose recorder writes the tables (``<name>_events`` on PostgreSQL)."""


METHODS = {"CreditsGranted": "grant", "CreditsSpent": "spend", "Assigned": "assign", "Completed": "complete"}
CLASSES = {"wallet": Wallet, "job": Job}


@contextmanager
def clock_at(holder: list[datetime]) -> Iterator[None]:
    """Make the library stamp each new event with ``holder[0]`` instead of now."""
    original = domain.CanCreateTimestamp.__dict__["create_timestamp"]
    domain.CanCreateTimestamp.create_timestamp = staticmethod(lambda: holder[0])
    try:
        yield
    finally:
        domain.CanCreateTimestamp.create_timestamp = original


def write_drafts(app: Application, drafts, snapshot_at: dict[str, list[int]]) -> dict[str, str]:
    """Write every draft through the aggregates, one save per event (so global order = draft order).

    Returns the logical key -> originator id (as a hyphenated UUID string).
    """
    holder = [drafts[0].at]
    aggregates: dict[str, Aggregate] = {}
    with clock_at(holder):
        for draft in drafts:
            holder[0] = draft.at
            kwargs = {**draft.data, "actor": draft.actor}
            if draft.key not in aggregates:
                aggregates[draft.key] = CLASSES[draft.category](**kwargs)
            else:
                getattr(aggregates[draft.key], METHODS[draft.type])(**kwargs)
            app.save(aggregates[draft.key])
        for key, versions in snapshot_at.items():
            for version in versions:
                app.take_snapshot(aggregates[key].id, version=version)
    return {key: str(aggregate.id) for key, aggregate in aggregates.items()}
