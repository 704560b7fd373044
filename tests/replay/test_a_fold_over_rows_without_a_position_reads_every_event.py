"""A generic table whose position column may hold NULL (no primary key on it, not declared NOT
NULL): a fold cannot find an event again by its (version, position), so it reads every column of
every row, and a replay asking each event's time (``replay --json``'s provenance, a projector
reading ``recorded_at``) gets every event's stored time instead of stopping at the first row
whose position is NULL. Rows of a stream that share a version are all applied, past a fold page's
edge too. SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from inspector.replay import load_projectors, replay
from inspector.stores import open_store
from inspector.stores.sql import FOLD_BATCH

from tests.stores.servers import writable_target

TIMES = '''
from inspector.replay import projector


@projector("*")
def times(state, event):
    state.setdefault("times", []).append(event.recorded_at.isoformat())
    state["total"] = state.get("total", 0) + event.data["amount"]
    return state
'''

#: versions 1..VERSIONS, two rows each: the first without a position; a fold page's edge falls inside
VERSIONS = FOLD_BATCH // 2 + 7


def _rows() -> list[dict]:
    rows = []
    for version in range(1, VERSIONS + 1):
        for k in range(2):
            rows.append({"position": None if k == 0 else version * 10 + k, "stream": "wallet-1",
                         "version": version, "type": "Credited", "data": json.dumps({"amount": version}),
                         "recorded_at": f"2026-01-01T{version // 3600 % 24:02d}:{version // 60 % 60:02d}:"
                                        f"{version % 60:02d}.{k}Z"})
    return rows


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def nullable_positions(request, tmp_path):
    writer, target, cleanup = writable_target(request, request.param, tmp_path / "ledger.db", "nullpos")
    meta = sa.MetaData()
    table = sa.Table("events", meta,
                     sa.Column("position", sa.BigInteger, nullable=True),
                     sa.Column("stream", sa.String(100), nullable=False),
                     sa.Column("version", sa.Integer, nullable=False),
                     sa.Column("type", sa.String(100), nullable=False),
                     sa.Column("data", sa.Text, nullable=False),
                     sa.Column("recorded_at", sa.String(40), nullable=False),
                     sa.Index("ix_stream_version", "stream", "version"))
    meta.create_all(writer)
    with writer.begin() as conn:
        conn.execute(table.insert(), _rows())
    writer.dispose()
    store = open_store(target, layout="generic")
    try:
        yield store
    finally:
        store.close()
        cleanup()


def test_every_event_s_time_is_read_when_positions_may_be_null(nullable_positions, tmp_path):
    path = tmp_path / "times.py"
    path.write_text(TIMES)
    projector = load_projectors(str(path)).for_stream("wallet-1")
    result = replay(nullable_positions, "wallet-1", projectors=projector, cache=None)
    assert result.stopped is None
    assert result.events_applied == 2 * VERSIONS
    assert result.state["total"] == sum(2 * version for version in range(1, VERSIONS + 1))
    expected = sorted(datetime.fromisoformat(row["recorded_at"].replace("Z", "+00:00")) for row in _rows())
    assert sorted(datetime.fromisoformat(t) for t in result.state["times"]) == expected


def test_the_generic_replay_ends_at_the_stream_s_last_event(nullable_positions):
    result = replay(nullable_positions, "wallet-1", cache=None)
    assert result.stopped is None
    assert result.events_applied == 2 * VERSIONS
    assert result.version == VERSIONS
    assert result.state == {"amount": VERSIONS}
