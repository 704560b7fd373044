"""Native replay equals what the eventsourcing library itself reconstructs, on a store it wrote."""

from __future__ import annotations

import sys
import textwrap
import uuid
from decimal import Decimal

import pytest

pytest.importorskip("eventsourcing")

from inspector.core.events import Moment  # noqa: E402
from inspector.replay import SnapshotCache, load_projectors, replay  # noqa: E402
from inspector.stores import open_store  # noqa: E402

DOMAIN = """
from decimal import Decimal
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    @event("Opened")
    def __init__(self, owner: str):
        self.owner = owner
        self.balance = Decimal("0")
        self.tags = []

    @event("Deposited")
    def deposit(self, amount: Decimal):
        self.balance += amount

    @event("Tagged")
    def tag(self, label: str):
        self.tags.append(label)


class Bank(Application):
    snapshotting_intervals = {Account: 7}
"""


@pytest.fixture()
def bank(tmp_path, monkeypatch):
    """A SQLite store written by the library (snapshots every 7 versions) and the app that wrote it."""
    domain_dir = tmp_path / "domain"
    domain_dir.mkdir()
    module = f"bank_domain_{uuid.uuid4().hex[:8]}"
    (domain_dir / f"{module}.py").write_text(textwrap.dedent(DOMAIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(domain_dir))
    db = tmp_path / "bank.db"
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(db))
    domain = __import__(module)
    app = domain.Bank()
    account = domain.Account("ada")
    app.save(account)
    for i in range(1, 45):
        if i % 4 == 0:
            account.tag(f"t{i}")
        else:
            account.deposit(domain.Decimal(i) / 4)
        app.save(account)
    yield app, account.id, db, str(domain_dir)
    app.close()
    sys.modules.pop(module, None)


def _state(aggregate):
    return {key: value for key, value in vars(aggregate).items() if key != "_pending_events"}


def test_native_replay_equals_the_librarys_reconstruction_at_every_version(bank, tmp_path):
    app, aggregate_id, db, domain_dir = bank
    store = open_store(str(db))
    assert store.layout_name == "eventsourcing"
    projectors = load_projectors(None, path=domain_dir, store=store)  # --path on an eventsourcing store = native
    assert projectors.fallback.name.startswith("native")
    cache = SnapshotCache(tmp_path / "cache.sqlite", every=5)
    stream = str(aggregate_id)
    last = app.repository.get(aggregate_id).version
    sources: dict[str | None, int] = {}
    for round_ in ("cold", "warm"):
        for version in range(1, last + 1):
            expected = _state(app.repository.get(aggregate_id, version=version))
            for use_store_snapshots in (True, False):
                for with_cache in (None, cache):
                    result = replay(store, stream, at=Moment(version=version), projectors=projectors,
                                    cache=with_cache, use_store_snapshots=use_store_snapshots)
                    assert result.problem is None and result.stopped is None
                    assert result.version == version
                    assert _state(result.raw_state) == expected, (round_, version, use_store_snapshots, with_cache)
                    # a Decimal attribute is the same Decimal, a number (not its text)
                    balance = result.state["balance"]
                    assert type(balance) is Decimal and str(balance) == str(expected["balance"])
                    assert result.state["tags"] == expected["tags"]
                    sources[result.snapshot_source] = sources.get(result.snapshot_source, 0) + 1
                    if result.snapshot_source == "store":
                        assert result.snapshot_version <= version and result.snapshot_version % 7 == 0
    assert set(sources) == {"store", "cache", None}
    store.close()
    cache.close()


def test_replay_json_reports_the_store_snapshot_it_started_from(bank):
    app, aggregate_id, db, domain_dir = bank
    store = open_store(str(db))
    projectors = load_projectors("native", path=domain_dir, store=store)
    result = replay(store, str(aggregate_id), at=Moment(version=30), projectors=projectors)
    shape = result.to_json()
    assert shape["snapshot"] == {"source": "store", "version": 28}
    assert shape["events_applied"] == 2
    assert shape["state"]["owner"] == "ada" and shape["state"]["version"] == 30
    without = replay(store, str(aggregate_id), at=Moment(version=30), projectors=projectors, use_store_snapshots=False)
    assert without.to_json()["snapshot"] == {"source": None, "version": None}
    assert without.state == result.state
    store.close()


def test_native_replay_without_the_domain_code_stops_with_a_clear_message(bank, tmp_path):
    app, aggregate_id, db, _domain_dir = bank
    store = open_store(str(db))
    projectors = load_projectors("native", store=store)
    module = type(app).__module__  # this store's domain code (other tests' domains may be loaded too)
    hidden = sys.modules.pop(module)
    saved_path = list(sys.path)
    sys.path[:] = [p for p in sys.path if "domain" not in p]
    try:
        from eventsourcing.utils import clear_topic_cache

        clear_topic_cache()
        result = replay(store, str(aggregate_id), projectors=projectors, use_store_snapshots=False)
    finally:
        sys.path[:] = saved_path
        sys.modules[module] = hidden
    assert result.stopped is not None and result.stopped.version == 1
    assert "--path" in result.stopped.error
    store.close()


def test_native_replay_on_a_store_of_another_layout_is_a_problem(demo_store):
    projectors = load_projectors("native", store=demo_store)
    result = replay(demo_store, "acl-anything", projectors=projectors)
    assert result.problem
