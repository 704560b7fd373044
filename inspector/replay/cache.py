"""The inspector's own snapshot cache: projector state at checkpoint versions, in SQLite.

Entries are keyed by store identity (layout + redacted location, and for a store
that is a file the file's own identity: device, inode, size, times), stream, projector
code hash and version. Each carries what the replay engine checks before using it: a
fingerprint of the events at its version, a fingerprint of the stream's first event,
and, on server stores, the server's change mark when it was taken: an entry is used only
while nothing at all has been written since (a file store is pinned by its file identity). A stale entry (a rebuilt or
re-exported store, archived early events, an edited projector) is therefore never
wrong, only slower. The cache is bounded: least recently used entries are evicted first.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator


if TYPE_CHECKING:
    from inspector.stores.base import EventStore

DEFAULT_EVERY = 1000
DEFAULT_MAX_ENTRIES = 50_000
DEFAULT_MAX_BYTES = 512 * 1024 * 1024

#: Bumped when entries gain something to check: older entries are dropped, not trusted.
#: 4: checkpoints are no longer taken past a version claimed by two events (the replay's
#: warning about it must not be skipped by starting after it); older entries may be.
#: 5: the number and bytes of the entries are kept in ``totals`` by every write (an inspector
#: of schema 4 would not keep them up to date, so it must not share the file).
#: 6: each entry names the replay that took it (``run``): one proof vouches for that replay's
#: earlier entries too.
_SCHEMA_VERSION = 6
_SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    store TEXT NOT NULL,
    stream TEXT NOT NULL,
    projector TEXT NOT NULL,
    version INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    first TEXT NOT NULL,
    prefix_count INTEGER,
    mark TEXT,
    recorded_at TEXT,
    state BLOB NOT NULL,
    size INTEGER NOT NULL,
    used REAL NOT NULL,
    run TEXT,
    PRIMARY KEY (store, stream, projector, version)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS snapshots_used ON snapshots (used);
CREATE TABLE IF NOT EXISTS totals (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    entries INTEGER NOT NULL,
    bytes INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """Projector state after every event up to ``version``, and what proves it still fits the store.

    ``fingerprint``: the events at ``version``; ``first``: the stream's first event;
    ``prefix_count``: the number of versioned events up to ``version`` (None where the
    store identity already pins the whole file).
    """

    version: int
    fingerprint: str
    recorded_at: str | None
    state: bytes
    first: str = ""
    prefix_count: int | None = None
    #: the store's change mark (``EventStore.change_mark``) when the entry was last known to fit
    mark: str | None = None
    #: the replay that took it (one read of the stream: its entries rest on the same events)
    run: str | None = None


def default_cache_path() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("event-inspector", appauthor=False)) / "snapshots.sqlite"


def store_identity(store: "EventStore") -> str:
    """The store's cache key (``EventStore.identity``): never contains a password; a file
    rewritten or replaced at the same path is another store."""
    return str(store.identity())


class SnapshotCache:
    """A bounded, thread-safe SQLite cache of projector state at checkpoint versions.

    ``every`` is the checkpoint interval in versions; ``path=":memory:"`` keeps the
    cache in memory (bisect uses that when no cache is given). The number of entries and
    their bytes are kept in a one-row table that every write updates in its own transaction,
    so a write checks the bounds without counting the cache (a count and sum over a full
    cache of 350 MB took 200 to 270 ms, paid by every replay that left a checkpoint).
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        every: int = DEFAULT_EVERY,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if every < 1:
            raise ValueError("the snapshot interval must be at least 1 event")
        self.every = every
        self.max_entries = max(1, max_entries)
        self.max_bytes = max(1, max_bytes)
        self.path = str(path) if path is not None else str(default_cache_path())
        self._lock = threading.Lock()
        self._conn = self._open()

    def _open(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._open_file()
        except sqlite3.DatabaseError:
            # Our own cache file is damaged: put it aside and start empty (a miss is only slower).
            os.replace(self.path, self.path + ".corrupt")
            return self._open_file()

    def _open_file(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL" if self.path != ":memory:" else "PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=NORMAL")
        if conn.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:
            # Entries from an older inspector lack the prefix checks: drop them (a miss is only slower).
            conn.execute("BEGIN IMMEDIATE")
            try:
                if conn.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:
                    conn.execute("DROP TABLE IF EXISTS snapshots")
                    conn.execute("DROP TABLE IF EXISTS totals")
                    conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        conn.executescript(_SCHEMA)
        if conn.execute("SELECT 1 FROM totals").fetchone() is None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("INSERT OR IGNORE INTO totals SELECT 1, count(*), coalesce(sum(size), 0) FROM snapshots")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return conn

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction, holding the write lock from its start (the totals read in it
        stay the ones it updates); the caller holds ``self._lock``."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def _add_to_totals(self, entries: int, size: int) -> None:
        if entries or size:
            self._conn.execute("UPDATE totals SET entries = entries + ?, bytes = bytes + ?", (entries, size))

    # --- reading ----------------------------------------------------------------------
    def latest(self, store: str, stream: str, projector: str, upto: int | None) -> CacheEntry | None:
        """The entry with the highest version at or before ``upto`` (any version when None)."""
        query = (
            "SELECT version, fingerprint, recorded_at, state, first, prefix_count, mark, run FROM snapshots"
            " WHERE store = ? AND stream = ? AND projector = ?"
        )
        params: list[Any] = [store, stream, projector]
        if upto is not None:
            query += " AND version <= ?"
            params.append(upto)
        query += " ORDER BY version DESC LIMIT 1"
        with self._lock:
            row = self._conn.execute(query, params).fetchone()
            if row is None:
                return None
            self._conn.execute(
                "UPDATE snapshots SET used = ? WHERE store = ? AND stream = ? AND projector = ? AND version = ?",
                (time.time(), store, stream, projector, row[0]),
            )
        return CacheEntry(int(row[0]), row[1], row[2], bytes(row[3]), row[4],
                          None if row[5] is None else int(row[5]), row[6], row[7])

    def versions(self, store: str, stream: str, projector: str) -> list[int]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT version FROM snapshots WHERE store = ? AND stream = ? AND projector = ? ORDER BY version",
                (store, stream, projector),
            ).fetchall()
        return [int(row[0]) for row in rows]

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT entries FROM totals").fetchone()[0])

    # --- writing ----------------------------------------------------------------------
    def put_many(self, store: str, stream: str, projector: str, entries: Iterable[CacheEntry]) -> None:
        now = time.time()
        # one row per version (the last given wins, as INSERT OR REPLACE would have it)
        rows = list({
            e.version: (store, stream, projector, e.version, e.fingerprint, e.first, e.prefix_count, e.mark,
                        e.recorded_at, e.state, len(e.state), now, e.run)
            for e in entries
        }.values())
        if not rows:
            return
        with self._lock, self._writing():
            added, size = 0, 0
            for row in rows:
                old = self._conn.execute(
                    "SELECT size FROM snapshots WHERE store = ? AND stream = ? AND projector = ? AND version = ?",
                    row[:4]).fetchone()
                added += old is None
                size += row[10] - (0 if old is None else int(old[0]))
            self._conn.executemany("INSERT OR REPLACE INTO snapshots VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            self._add_to_totals(added, size)
            self._evict()

    def _evict(self) -> None:
        count, size = self._conn.execute("SELECT entries, bytes FROM totals").fetchone()
        if count <= self.max_entries and size <= self.max_bytes:
            return
        removed, freed = count, size
        # Drop the least recently used entries until both bounds hold again.
        doomed = []
        for store, stream, projector, version, row_size in self._conn.execute(
            "SELECT store, stream, projector, version, size FROM snapshots ORDER BY used"
        ):
            if count <= self.max_entries and size <= self.max_bytes:
                break
            doomed.append((store, stream, projector, version))
            count -= 1
            size -= row_size
        self._conn.executemany(
            "DELETE FROM snapshots WHERE store = ? AND stream = ? AND projector = ? AND version = ?", doomed
        )
        self._add_to_totals(count - removed, size - freed)

    def confirm(self, store: str, stream: str, projector: str, versions: Iterable[int], mark: str) -> None:
        """Record that the entries at ``versions`` still fit the store as of ``mark`` (the store vouched for them)."""
        with self._lock, self._writing():
            self._conn.executemany(
                "UPDATE snapshots SET mark = ? WHERE store = ? AND stream = ? AND projector = ? AND version = ?",
                [(mark, store, stream, projector, version) for version in versions],
            )

    def confirm_run(self, store: str, stream: str, projector: str, run: str, was: str, upto: int, mark: str) -> None:
        """Record that the entries one replay (``run``) took at or before ``upto`` under the mark
        ``was`` still fit the store as of ``mark``: the store vouched for its entry at ``upto``,
        and the replay read the events up to each of them as it read those up to ``upto``."""
        with self._lock, self._writing():
            self._conn.execute(
                "UPDATE snapshots SET mark = ? WHERE store = ? AND stream = ? AND projector = ? AND run = ?"
                " AND mark = ? AND version <= ?",
                (mark, store, stream, projector, run, was, upto),
            )

    def prefix_counts(self, store: str, stream: str, projector: str, mark: str, upto: int) -> dict[int, int]:
        """``{version: prefix_count}`` of the stream's entries at or before ``upto`` taken under
        ``mark`` (those the store can vouch for together in one pass)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT version, prefix_count FROM snapshots WHERE store = ? AND stream = ? AND projector = ?"
                " AND version <= ? AND mark = ? AND prefix_count IS NOT NULL",
                (store, stream, projector, upto, mark),
            ).fetchall()
        return {int(version): int(count) for version, count in rows}

    def discard_older_marks(self, store: str, stream: str, projector: str, mark: str | None) -> None:
        """Forget the stream's entries taken under another change mark than ``mark``."""
        where = " FROM snapshots WHERE store = ? AND stream = ? AND projector = ? AND mark IS NOT ?"
        with self._lock, self._writing():
            count, size = self._conn.execute("SELECT count(*), coalesce(sum(size), 0)" + where,
                                             (store, stream, projector, mark)).fetchone()
            self._conn.execute("DELETE" + where, (store, stream, projector, mark))
            self._add_to_totals(-count, -size)

    def discard(self, store: str, stream: str, projector: str, version: int) -> None:
        """Forget one entry (its fingerprint no longer matches the store)."""
        where = " FROM snapshots WHERE store = ? AND stream = ? AND projector = ? AND version = ?"
        with self._lock, self._writing():
            count, size = self._conn.execute("SELECT count(*), coalesce(sum(size), 0)" + where,
                                             (store, stream, projector, version)).fetchone()
            self._conn.execute("DELETE" + where, (store, stream, projector, version))
            self._add_to_totals(-count, -size)

    def clear(self) -> None:
        with self._lock, self._writing():
            self._conn.execute("DELETE FROM snapshots")
            self._conn.execute("UPDATE totals SET entries = 0, bytes = 0")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "SnapshotCache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["CacheEntry", "SnapshotCache", "default_cache_path", "store_identity"]
