"""The snapshot cache is reused from one process to the next while the store is unchanged, and
never after another process appended, updated or deleted an event of the replayed stream —
on a WAL-mode SQLite file (the eventsourcing library's default), PostgreSQL and MariaDB. A write
elsewhere (another table, another stream) keeps the replay right, and from the cache where the
store's evidence can tell it from a change to the stream."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from inspector.stores import open_store
from tests.stores.servers import scratch_database

EVENTS = 300  # more than a replay must apply before it leaves its final state in the cache
STREAM = "ledger-1"
LEDGER = '''
from inspector.replay import projector

@projector("ledger")
def ledger(state, event):
    state["balance"] = state.get("balance", 0) + event.data["amount"]
    state["entries"] = state.get("entries", 0) + 1
    return state
'''

CREATE = {
    "sqlite": "CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,"
              " type TEXT NOT NULL, recorded_at TEXT, data TEXT, metadata TEXT)",
    "postgresql": "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, version bigint NOT NULL,"
                  " type text NOT NULL, recorded_at timestamptz, data jsonb, metadata jsonb)",
    "mysql": "CREATE TABLE events (position bigint AUTO_INCREMENT PRIMARY KEY, stream varchar(100) NOT NULL,"
             " version bigint NOT NULL, type varchar(100) NOT NULL, recorded_at datetime(6), data longtext,"
             " metadata longtext) ENGINE=InnoDB",
}

#: a table beside the events, written by other applications
AUDIT_LOG = "CREATE TABLE audit_log (note varchar(100))"

#: what another process does to the stream, and the ledger it leaves: (balance, entries)
CHANGES = {
    "append": ("INSERT INTO events (stream, version, type, recorded_at, data, metadata)"
               " VALUES ('ledger-1', 301, 'Posted', '2026-02-01 00:00:00', '{\"amount\": 1000}', '{}')", (1300, 301)),
    "update": ("UPDATE events SET data = '{\"amount\": 1000}' WHERE stream = 'ledger-1' AND version = 150", (1299, 300)),
    "delete": ("DELETE FROM events WHERE stream = 'ledger-1' AND version = 150", (299, 299)),
}


def _rows() -> list[tuple]:
    return [(STREAM, v, "Posted", f"2026-01-01 00:{v // 60:02d}:{v % 60:02d}", json.dumps({"amount": 1}), "{}")
            for v in range(1, EVENTS + 1)]


def _insert(conn, dialect: str) -> None:
    marks = "?, ?, ?, ?, ?, ?" if dialect == "sqlite" else "%s, %s, %s, %s, %s, %s"
    for ddl in (CREATE[dialect], AUDIT_LOG):
        conn.exec_driver_sql(ddl) if dialect != "sqlite" else conn.execute(ddl)
    statement = f"INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES ({marks})"
    if dialect == "sqlite":
        conn.executemany(statement, _rows())
    else:
        conn.exec_driver_sql(statement, _rows())


def _replay(store: str, projector_file: Path, cache_home: Path) -> dict:
    """``event-inspector replay --json`` in a process of its own, with its own cache folder."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "inspector", "replay", store, "--stream", STREAM, "--projector", str(projector_file),
         "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture()
def projector_file(tmp_path: Path) -> Path:
    path = tmp_path / "ledger_projector.py"
    path.write_text(LEDGER)
    return path


class _Sqlite:
    """A WAL-mode SQLite file whose writer stays connected (the write-ahead log stays beside it)."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "ledger.db"
        self.writer = sqlite3.connect(self.path, isolation_level=None)
        assert self.writer.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        self.writer.execute("PRAGMA wal_autocheckpoint=0")
        self.writer.execute("BEGIN")
        _insert(self.writer, "sqlite")
        self.writer.execute("COMMIT")
        self.location = str(self.path)

    def change(self, statement: str) -> None:
        self.writer.execute(statement)

    def close(self) -> None:
        self.writer.close()


def _wait_for_a_change_mark(location: str) -> None:
    store = open_store(location)
    try:
        for _ in range(100):  # polls, a tenth of a second apart
            if store.change_mark() is not None:
                break
            time.sleep(0.1)
        assert store.change_mark() is not None, "the server never gave a change mark"
    finally:
        store.close()


class _Server:
    def __init__(self, url: str, label: str) -> None:
        self.scratch = scratch_database(url, label)
        dialect = "postgresql" if self.scratch.writer.dialect.name == "postgresql" else "mysql"
        with self.scratch.writer.begin() as conn:
            _insert(conn, dialect)
        self.location = self.scratch.url
        if dialect == "mysql":
            # InnoDB keeps the last-update time to the second: the store gives a change mark (and
            # the cache is used) once a second has passed since the write
            _wait_for_a_change_mark(self.location)

    def change(self, statement: str) -> None:
        with self.scratch.writer.begin() as conn:
            conn.execute(sa.text(statement))

    def close(self) -> None:
        self.scratch.drop()


@pytest.fixture(params=["sqlite-wal", "postgresql", "mariadb"])
def ledger_store(request, tmp_path):
    if request.param == "sqlite-wal":
        store = _Sqlite(tmp_path)
    elif request.param == "postgresql":
        store = _Server(request.getfixturevalue("postgres_url"), "cache_pg")
    else:
        store = _Server(request.getfixturevalue("mysql_url"), "cache_my")
    yield store
    store.close()


def test_an_unchanged_store_is_replayed_from_the_cache_by_the_next_process(ledger_store, projector_file, tmp_path):
    first = _replay(ledger_store.location, projector_file, tmp_path / "cache")
    assert first["state"] == {"balance": EVENTS, "entries": EVENTS}
    assert first["snapshot"]["source"] is None and first["events_applied"] == EVENTS
    second = _replay(ledger_store.location, projector_file, tmp_path / "cache")
    assert second["state"] == first["state"]
    assert second["snapshot"] == {"source": "cache", "version": EVENTS} and second["events_applied"] == 0


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_after_another_process_changes_the_stream_the_old_checkpoint_is_not_used(
        ledger_store, projector_file, tmp_path, change):
    statement, (balance, entries) = CHANGES[change]
    _replay(ledger_store.location, projector_file, tmp_path / "cache")
    assert _replay(ledger_store.location, projector_file, tmp_path / "cache")["snapshot"]["source"] == "cache"
    ledger_store.change(statement)
    after = _replay(ledger_store.location, projector_file, tmp_path / "cache")
    assert after["state"] == {"balance": balance, "entries": entries}
    if change == "append" and after["snapshot"]["source"] == "cache":
        # the events up to the old checkpoint are untouched (a server can vouch for that): it still fits
        assert (after["snapshot"]["version"], after["events_applied"]) == (EVENTS, 1)
    else:
        assert after["snapshot"]["source"] is None  # replayed from the start, not from the old checkpoint


#: writes that leave the replayed stream as it was
ELSEWHERE = {
    "another table": "INSERT INTO audit_log (note) VALUES ('a login')",
    "another stream": ("INSERT INTO events (stream, version, type, recorded_at, data, metadata)"
                       " VALUES ('ledger-2', 1, 'Posted', '2026-02-01 00:00:00', '{\"amount\": 7}', '{}')"),
}

#: whether the next replay may start from the cache after such a write, by what the store shows:
#: a WAL file's identity moves with any write to the file; PostgreSQL's mark moves with any write
#: on the server, and one pass over the stream's rows (their ``xmin``) vouches for the checkpoint;
#: MariaDB's mark is the event table's last-update time, which a write to another table leaves as
#: it was and a write to another stream moves (no row of InnoDB tells which rows a write changed)
CACHED_AFTER = {
    ("sqlite-wal", "another table"): False, ("sqlite-wal", "another stream"): False,
    ("postgresql", "another table"): True, ("postgresql", "another stream"): True,
    ("mariadb", "another table"): True, ("mariadb", "another stream"): False,
}


@pytest.mark.parametrize("where", sorted(ELSEWHERE))
def test_after_a_write_elsewhere_the_replay_is_right_and_from_the_cache_where_the_store_can_tell(
        ledger_store, projector_file, tmp_path, where, request):
    _replay(ledger_store.location, projector_file, tmp_path / "cache")
    assert _replay(ledger_store.location, projector_file, tmp_path / "cache")["snapshot"]["source"] == "cache"
    ledger_store.change(ELSEWHERE[where])
    after = _replay(ledger_store.location, projector_file, tmp_path / "cache")
    assert after["state"] == {"balance": EVENTS, "entries": EVENTS}
    engine = request.node.callspec.params["ledger_store"]
    if CACHED_AFTER[(engine, where)]:
        assert (after["snapshot"], after["events_applied"]) == ({"source": "cache", "version": EVENTS}, 0)
    else:
        assert after["snapshot"]["source"] is None
