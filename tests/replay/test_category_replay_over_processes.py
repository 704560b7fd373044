"""``states --processes N`` spread over processes by slices of whole streams.

Where the category is read in one pass, a run over several processes cuts it into slices of
whole streams (``category_slices``) and this process and the workers each read and fold a slice
at a time. The answers must be exactly those of a run in one process, in the same order: the
same outcomes, matches, first versions with ``ever``, stopped streams and counts, on SQLite and
on PostgreSQL, and the folding must really be shared (both this process and a worker fold
streams).
"""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path

import pytest

from inspector.replay import load_projectors
from inspector.replay import category as category_replay
from inspector.replay.category import replay_category
from inspector.stores import open_store

from .conftest import write_generic_store

#: (stream, events): lengths from 1 to 30, so slices of a few rows end at many streams
STREAMS = {f"wallet-{index:02d}": 1 + (index * 7) % 30 for index in range(40)}

PROJECTOR = '''
import os
from inspector.replay import projector

@projector("wallet")
def wallet(state, event):
    if event.data.get("boom"):
        raise ValueError("cannot fold a boom")
    state["credits"] = state.get("credits", 0) + event.data["amount"]
    state["folded_by"] = os.getpid()
    return state
'''


def _events(stream: str, count: int) -> list[tuple[str, dict]]:
    index = int(stream.rsplit("-", 1)[1])
    events = [("Moved", {"amount": (-1) ** (version + index) * version}) for version in range(1, count + 1)]
    if index == 13:
        events[min(2, count - 1)] = ("Moved", {"amount": 0, "boom": True})  # this wallet stops
    return events


@pytest.fixture()
def wallets(tmp_path) -> Path:
    return write_generic_store(tmp_path / "wallets.db", {name: _events(name, count) for name, count in STREAMS.items()})


@pytest.fixture()
def projector_file(tmp_path) -> Path:
    path = tmp_path / "wallet_projector.py"
    path.write_text(PROJECTOR)
    return path


def _outcomes(target: str, projector_file: Path, processes: int, **kwargs) -> tuple[list[tuple], set[int], tuple]:
    """(outcomes without the folding process, the processes that folded, the run's counts)."""
    with closing(open_store(target)) as store:
        projectors = load_projectors(str(projector_file), store=store)
        run = replay_category(store, projectors=projectors, category="wallet", processes=processes, **kwargs)
        found, folded_by = [], set()
        for outcome in run:
            state = dict(outcome.state) if isinstance(outcome.state, dict) else outcome.state
            if isinstance(state, dict) and "folded_by" in state:
                folded_by.add(state.pop("folded_by"))
            found.append((outcome.stream, outcome.version, outcome.recorded_at, outcome.matched, state,
                          outcome.stopped, outcome.events_applied))
        totals = run.totals
        return found, folded_by, (totals.streams, totals.events_applied, totals.matches, totals.stopped)


@pytest.mark.parametrize("processes", [2, 3])
def test_states_over_processes_gives_the_answers_of_one_process_and_shares_the_folding(
        wallets, projector_file, monkeypatch, processes):
    monkeypatch.setattr(category_replay, "SLICE_ROWS", 25)  # many slices of a few streams each
    here, _, here_totals = _outcomes(str(wallets), projector_file, 1)
    spread, folded_by, spread_totals = _outcomes(str(wallets), projector_file, processes)

    assert spread == here and spread_totals == here_totals
    assert [entry[0] for entry in here] == sorted(STREAMS)
    assert [entry[0] for entry in here if entry[5] is not None] == ["wallet-13"]  # stopped alone
    assert os.getpid() in folded_by and len(folded_by) >= 2  # this process and a worker both folded


@pytest.mark.parametrize("where, ever", [('state["credits"] < 0', False), ('state["credits"] <= -5', True)])
def test_where_and_ever_over_processes_find_what_one_process_finds(wallets, projector_file, monkeypatch, where, ever):
    monkeypatch.setattr(category_replay, "SLICE_ROWS", 10)
    here, _, here_totals = _outcomes(str(wallets), projector_file, 1, where=where, ever=ever)
    spread, _, spread_totals = _outcomes(str(wallets), projector_file, 2, where=where, ever=ever)

    assert spread == here and spread_totals == here_totals
    assert 0 < here_totals[2] < len(STREAMS)  # some wallets match, not all


@pytest.mark.postgres
def test_states_over_processes_on_postgresql_gives_the_answers_of_sqlite(wallets, projector_file, monkeypatch,
                                                                         scratch_postgres):
    import sqlite3

    import sqlalchemy as sa

    with closing(sqlite3.connect(wallets)) as conn:
        rows = conn.execute("SELECT position, stream, version, type, recorded_at, data, metadata FROM events").fetchall()
    with scratch_postgres.writer.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (position bigint PRIMARY KEY, stream text NOT NULL, version bigint, type text NOT NULL,"
            " recorded_at timestamptz, data text, metadata text)")
        conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
        conn.execute(sa.text("INSERT INTO events VALUES (:p, :s, :v, :t, CAST(:at AS timestamptz), :d, :m)"),
                     [{"p": p, "s": s, "v": v, "t": t, "at": at, "d": d, "m": m} for p, s, v, t, at, d, m in rows])
    monkeypatch.setattr(category_replay, "SLICE_ROWS", 25)
    on_sqlite, _, sqlite_totals = _outcomes(str(wallets), projector_file, 1)
    spread, folded_by, spread_totals = _outcomes(scratch_postgres.url, projector_file, 2)

    assert spread == on_sqlite and spread_totals == sqlite_totals
    assert len(folded_by) >= 2
