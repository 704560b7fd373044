"""The aggregate the eventsourcing benchmark store is written with (topics name this module)."""

from __future__ import annotations

from decimal import Decimal

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    @event("Opened")
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.balance = Decimal("0")
        self.deposits = 0
        self.last_note = ""

    @event("Deposited")
    def deposit(self, amount: Decimal, note: str) -> None:
        self.balance += amount
        self.deposits += 1
        self.last_note = note


class Bank(Application):
    """Snapshots every SNAPSHOT_EVERY versions, as a production app might be configured."""

    SNAPSHOT_EVERY = 100_000
    snapshotting_intervals = {Account: SNAPSHOT_EVERY}
