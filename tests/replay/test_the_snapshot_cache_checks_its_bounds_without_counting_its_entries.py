"""The snapshot cache keeps its number of entries and their bytes as it writes, so a write
checks the bounds without counting every entry (over a full cache of 350 MB that count took
200 to 270 ms, paid by every replay that left a checkpoint). The kept totals stay exact
through replaced entries, discarded ones, entries of an older change mark, eviction and
clearing, and another process's writes to the same file.
"""

from __future__ import annotations

import sqlite3

from inspector.replay.cache import CacheEntry, SnapshotCache


def _entry(version: int, state: bytes, mark: str = "m1") -> CacheEntry:
    return CacheEntry(version, f"print-{version}", None, state, "first", version, mark)


def _counted(path) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*), coalesce(sum(size), 0) FROM snapshots").fetchone()


def _kept(cache: SnapshotCache) -> tuple[int, int]:
    return cache._conn.execute("SELECT entries, bytes FROM totals").fetchone()


def test_a_write_checks_the_bounds_without_counting_every_entry(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = SnapshotCache(path)
    cache.put_many("store", "s-1", "p", [_entry(v, b"x" * v) for v in range(1, 40)])
    statements: list[str] = []
    cache._conn.set_trace_callback(statements.append)
    cache.put_many("store", "s-1", "p", [_entry(100, b"state")])
    cache._conn.set_trace_callback(None)
    assert statements and not any("count(" in s.lower() or "sum(" in s.lower() for s in statements), statements
    assert len(cache) == 40 and _kept(cache) == _counted(path)
    cache.close()


def test_the_kept_totals_stay_exact_through_every_kind_of_write(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = SnapshotCache(path, max_entries=12, max_bytes=10_000)
    cache.put_many("store", "s-1", "p", [_entry(v, b"a" * 10) for v in (1, 2, 3, 3)])  # v3 twice: one entry
    assert _kept(cache) == _counted(path) == (3, 30)
    cache.put_many("store", "s-1", "p", [_entry(2, b"b" * 25)])  # replaced by a bigger state
    assert _kept(cache) == _counted(path) == (3, 45)
    cache.discard("store", "s-1", "p", 1)
    cache.discard("store", "s-1", "p", 99)  # not there: nothing changes
    assert _kept(cache) == _counted(path) == (2, 35)
    cache.put_many("store", "s-1", "p", [_entry(v, b"c" * 5, mark="m2") for v in (10, 11)])
    cache.discard_older_marks("store", "s-1", "p", "m2")
    assert _kept(cache) == _counted(path) == (2, 10)
    cache.put_many("store", "s-2", "p", [_entry(v, b"d" * 100) for v in range(1, 21)])  # over 12 entries: evicted
    assert _kept(cache) == _counted(path) and len(cache) == 12
    cache.put_many("store", "s-3", "p", [_entry(1, b"e" * 9_990)])  # over the bytes: evicted down to the bound
    entries, size = _counted(path)
    assert _kept(cache) == (entries, size) and size <= 10_000
    other = SnapshotCache(path, max_entries=12, max_bytes=10_000)  # another process on the same file
    other.put_many("store", "s-4", "p", [_entry(1, b"f")])
    other.close()
    assert _kept(cache) == _counted(path)
    cache.clear()
    assert _kept(cache) == _counted(path) == (0, 0) and len(cache) == 0
    cache.close()


def test_a_cache_file_of_the_previous_schema_starts_empty_with_totals(tmp_path):
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE snapshots (store TEXT, stream TEXT, projector TEXT, version INTEGER, size INTEGER)")
        conn.execute("INSERT INTO snapshots VALUES ('store', 's', 'p', 1, 10)")
        conn.execute("PRAGMA user_version = 4")
    cache = SnapshotCache(path)
    assert len(cache) == 0 and _kept(cache) == _counted(path) == (0, 0)
    cache.close()
