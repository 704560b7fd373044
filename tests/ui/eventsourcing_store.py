"""A SQLite store written by the ``eventsourcing`` library itself, with its domain code in a folder.

The library snapshots the account every 5 versions; the folder holds the module the topics
name, so the window's native projector can import it from there (and only from there).
"""

from __future__ import annotations

import sys
import textwrap
import uuid
from dataclasses import dataclass
from pathlib import Path

DOMAIN = """
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    @event("Opened")
    def __init__(self, owner: str):
        self.owner = owner
        self.balance = 0
        self.tags = []

    @event("Deposited")
    def deposit(self, amount: int, by: str):
        self.balance += amount

    @event("Withdrawn")
    def withdraw(self, amount: int, by: str):
        self.balance -= amount

    @event("Tagged")
    def tag(self, label: str):
        self.tags.append(label)


class Bank(Application):
    snapshotting_intervals = {Account: 5}
"""


@dataclass
class LibraryStore:
    path: Path
    domain_dir: Path
    module: str
    app: object
    stream: str
    last_version: int

    def aggregate_at(self, version: int):
        """The library's own reconstruction (``repository.get``) at ``version``."""
        return self.app.repository.get(uuid.UUID(self.stream), version=version)


def build_library_store(folder: Path, monkeypatch, events: int = 13) -> LibraryStore:
    """Write one account's ``events`` events with the library (snapshots at v5, v10, …)."""
    domain_dir = folder / "bank_code"
    domain_dir.mkdir()
    module = f"bank_domain_{uuid.uuid4().hex[:8]}"
    (domain_dir / f"{module}.py").write_text(textwrap.dedent(DOMAIN), encoding="utf-8")
    db = folder / "bank.db"
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(db))
    sys.path.insert(0, str(domain_dir))
    try:
        domain = __import__(module)
    finally:
        sys.path.remove(str(domain_dir))
    app = domain.Bank()
    account = domain.Account("ada")
    app.save(account)
    for i in range(1, events):
        if i % 4 == 0:
            account.tag(f"t{i}")
        elif i % 3 == 0:
            account.withdraw(i, by="bob")
        else:
            account.deposit(i * 10, by="ann")
        app.save(account)
    return LibraryStore(db, domain_dir, module, app, str(account.id), account.version)
