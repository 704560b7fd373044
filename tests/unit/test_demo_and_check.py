"""The demo store is deterministic and ``check`` finds exactly the faults planted in it."""

from __future__ import annotations

import sqlite3

from inspector.core.health import check_store
from inspector.demo import build_demo, is_demo_store
from inspector.stores import open_store


def test_same_seed_gives_the_same_store(tmp_path):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    build_demo(first, seed=11)
    build_demo(second, seed=11)
    dump = lambda path: list(sqlite3.connect(path).iterdump())  # noqa: E731
    assert dump(first) == dump(second)


def test_the_demo_is_a_small_marketplace_over_ninety_days(demo_store_path):
    store = open_store(str(demo_store_path))
    info = store.describe()
    assert info.layout == "generic" and info.read_only
    assert info.events >= 5000 and 55 <= info.streams <= 65
    assert {name for name, _ in store.categories()} == {"wallet", "job", "acl"}
    first, last = store.time_range()
    assert 80 <= (last - first).days <= 90
    sample = store.read_all(limit=50)
    assert all({"actor", "correlation_id", "causation_id"} <= set(e.metadata) for e in sample)
    assert is_demo_store(store)


def test_check_finds_exactly_the_planted_faults(demo_store_path, demo_planted):
    store = open_store(str(demo_store_path))
    report = check_store(store)
    found = {(f.kind, f.stream, f.version) for f in report.findings}
    assert found == {
        ("version_gap", *demo_planted.version_gap),
        ("duplicate_version", *demo_planted.duplicate_version),
        ("time_regression", *demo_planted.time_regression),
        ("undecodable_payload", *demo_planted.undecodable_payload),
    }
    assert report.streams_checked == demo_planted.streams


def test_one_wallet_goes_below_zero_at_the_planted_version(demo_store_path, demo_planted):
    stream, bad_version = demo_planted.negative_wallet
    balance, first_negative = 0, None
    for event in open_store(str(demo_store_path)).read_stream(stream):
        if event.type == "CreditsGranted":
            balance += event.data["amount"]
        elif event.type == "CreditsSpent":
            balance -= event.data["amount"]
        if balance < 0 and first_negative is None:
            first_negative = event.version
    assert first_negative == bad_version
    assert balance == -3
