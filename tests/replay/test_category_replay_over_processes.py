"""``states --processes N`` and ``compare --processes N`` spread over processes by slices of whole streams.

Where the category is read in one pass, a run over several processes cuts it into slices of
whole streams (``category_slices``) and this process and the workers each read and fold a slice
at a time. The answers must be exactly those of a run in one process, in the same order: the
same outcomes, matches, first versions with ``ever``, differences, stopped streams and counts, on
SQLite and on PostgreSQL, and the folding must really be shared (both this process and a worker
fold streams). A compare's worker loads both sides; one it cannot load is named, not skipped.
"""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path

import pytest

from inspector.replay import load_projectors
from inspector.replay import category as category_replay
from inspector.replay.category import compare_category, replay_category
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


def _copy_to_postgres(wallets: Path, database) -> None:
    import sqlite3

    import sqlalchemy as sa

    with closing(sqlite3.connect(wallets)) as conn:
        rows = conn.execute("SELECT position, stream, version, type, recorded_at, data, metadata FROM events").fetchall()
    with database.writer.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (position bigint PRIMARY KEY, stream text NOT NULL, version bigint, type text NOT NULL,"
            " recorded_at timestamptz, data text, metadata text)")
        conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
        conn.execute(sa.text("INSERT INTO events VALUES (:p, :s, :v, :t, CAST(:at AS timestamptz), :d, :m)"),
                     [{"p": p, "s": s, "v": v, "t": t, "at": at, "d": d, "m": m} for p, s, v, t, at, d, m in rows])


@pytest.mark.postgres
def test_states_over_processes_on_postgresql_gives_the_answers_of_sqlite(wallets, projector_file, monkeypatch,
                                                                         scratch_postgres):
    _copy_to_postgres(wallets, scratch_postgres)
    monkeypatch.setattr(category_replay, "SLICE_ROWS", 25)
    on_sqlite, _, sqlite_totals = _outcomes(str(wallets), projector_file, 1)
    spread, folded_by, spread_totals = _outcomes(scratch_postgres.url, projector_file, 2)

    assert spread == on_sqlite and spread_totals == sqlite_totals
    assert len(folded_by) >= 2


# --- compare --processes N ------------------------------------------------------------
#: The changed projector: spending stops at zero, wallet-29 raises where the old one does not (a
#: difference), wallet-13's boom still raises alike (stopped alike: no difference). ``folded_by``
#: is the folding process negated, so each compared stream says which process folded it.
CHANGED = PROJECTOR.replace(
    '    state["credits"] = state.get("credits", 0) + event.data["amount"]\n'
    '    state["folded_by"] = os.getpid()\n',
    '    if event.stream == "wallet-29" and event.version == 4:\n'
    '        raise KeyError("no rule for this move")\n'
    '    state["credits"] = max(0, state.get("credits", 0) + event.data["amount"])\n'
    '    state["folded_by"] = -os.getpid()\n')

#: A side that loads in the process that runs the command and nowhere else
HERE_ONLY = PROJECTOR.replace(
    "import os\n",
    "import multiprocessing, os\n"
    "if multiprocessing.parent_process() is not None:\n"
    "    raise RuntimeError('this module reads what only the first process set up')\n")


@pytest.fixture()
def changed_file(tmp_path) -> Path:
    assert CHANGED != PROJECTOR
    path = tmp_path / "wallet_projector_v2.py"
    path.write_text(CHANGED)
    return path


def _differences(target: str, old_file: Path, new_file: Path, processes: int, **kwargs) -> tuple[list[tuple], set[int], tuple]:
    """(differences without the folding process, the processes that folded, the run's counts)."""
    with closing(open_store(target)) as store:
        run = compare_category(store, old=load_projectors(str(old_file), store=store),
                               new=load_projectors(str(new_file), store=store), category="wallet",
                               processes=processes, **kwargs)
        found, folded_by = [], set()
        for difference in run:
            changes = []
            for change in difference.changes:
                if change.path == "/folded_by":
                    folded_by.add(change.before)
                else:
                    changes.append(change.to_json())
            found.append((difference.stream, difference.version, difference.recorded_at, difference.differs,
                          changes, difference.old_stopped, difference.new_stopped, difference.events_applied))
        totals = run.totals
        return found, folded_by, (totals.streams, totals.events_applied, totals.differences, totals.stopped,
                                  totals.ended_before, totals.partial)


@pytest.mark.parametrize("processes", [2, 3])
def test_compare_over_processes_gives_the_differences_of_one_process_and_shares_the_folding(
        wallets, projector_file, changed_file, monkeypatch, processes):
    monkeypatch.setattr(category_replay, "SLICE_ROWS", 25)  # many slices of a few streams each
    here, _, here_totals = _differences(str(wallets), projector_file, changed_file, 1)
    spread, folded_by, spread_totals = _differences(str(wallets), projector_file, changed_file, processes)

    assert spread == here and spread_totals == here_totals
    assert here_totals[0] == len(STREAMS) and here_totals[5] is False
    stopped = {entry[0]: (entry[3], entry[5], entry[6]) for entry in here if entry[5] or entry[6]}
    assert stopped["wallet-13"][0] is False  # both raised at the boom: reported, not a difference
    assert stopped["wallet-29"][0] is True and stopped["wallet-29"][1] is None
    assert stopped["wallet-29"][2].error == "KeyError: 'no rule for this move'"
    assert any(change["path"] == "/credits" for entry in here for change in entry[4])  # the changed rule shows
    assert os.getpid() in folded_by and len(folded_by) >= 2  # this process and a worker both folded


def test_compare_at_a_time_over_processes_folds_listed_streams_to_the_same_answers(wallets, projector_file,
                                                                                    changed_file, monkeypatch):
    from datetime import datetime, timezone

    from inspector.core.events import Moment

    monkeypatch.setattr(category_replay, "PROCESS_PAGE", 10)  # pages enough for workers (one page is folded here)
    at = Moment(at=datetime(2026, 1, 1, 6, tzinfo=timezone.utc))  # some wallets had not begun yet
    here, _, here_totals = _differences(str(wallets), projector_file, changed_file, 1, at=at)
    spread, folded_by, spread_totals = _differences(str(wallets), projector_file, changed_file, 2, at=at)

    assert spread == here and spread_totals == here_totals
    assert 0 < here_totals[0] < len(STREAMS)
    assert os.getpid() not in folded_by and folded_by  # listed streams: workers fold them all


def test_compare_over_processes_stops_at_cancel_with_what_it_found(wallets, projector_file, changed_file,
                                                                   monkeypatch):
    import multiprocessing

    from inspector.core.cancel import CancelToken, Cancelled

    monkeypatch.setattr(category_replay, "SLICE_ROWS", 25)
    everything, _, _ = _differences(str(wallets), projector_file, changed_file, 1)
    token = CancelToken()
    found = []
    with closing(open_store(str(wallets))) as store:
        run = compare_category(store, old=load_projectors(str(projector_file), store=store),
                               new=load_projectors(str(changed_file), store=store), category="wallet",
                               processes=2, cancel=token)
        with pytest.raises(Cancelled):
            for difference in run:
                found.append(difference.stream)
                token.cancel()

    assert found == [entry[0] for entry in everything][:len(found)] and len(found) < len(everything)
    assert run.totals.partial is True and run.totals.streams < len(STREAMS)
    assert [p for p in multiprocessing.active_children() if "PoolWorker" in p.name] == []


@pytest.mark.parametrize("side, option", [("old", "--projector"), ("new", "--against")])
def test_a_side_no_worker_can_load_is_named_instead_of_compared(wallets, projector_file, tmp_path, capsys, side,
                                                                option, monkeypatch):
    from inspector.cli import main
    from inspector.replay.category import WorkerLoadError

    monkeypatch.setattr(category_replay, "SLICE_ROWS", 25)  # slices enough for a worker to start
    here_only = tmp_path / "wallet_here_only.py"
    here_only.write_text(HERE_ONLY)
    old, new = (here_only, projector_file) if side == "old" else (projector_file, here_only)
    with closing(open_store(str(wallets))) as store:
        run = compare_category(store, old=load_projectors(str(old), store=store),
                               new=load_projectors(str(new), store=store), category="wallet", processes=2)
        with pytest.raises(WorkerLoadError) as raised:
            list(run)
    assert raised.value.side == (0 if side == "old" else 1)
    assert "this module reads what only the first process set up" in str(raised.value)

    code = main(["compare", str(wallets), "--category", "wallet", "--projector", str(old), "--against", str(new),
                 "--processes", "2", "--json"])

    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert f"{option} with --processes: a worker process could not load {here_only}" in captured.err
    assert "RuntimeError: this module reads what only the first process set up" in captured.err
    assert main(["compare", str(wallets), "--category", "wallet", "--projector", str(old), "--against",
                 str(new), "--json"]) == 1  # in one process it compares (exit 1: the boom wallet stops)


def test_states_with_a_projector_no_worker_can_load_names_it(wallets, tmp_path, capsys, monkeypatch):
    from inspector.cli import main

    monkeypatch.setattr(category_replay, "SLICE_ROWS", 25)  # slices enough for a worker to start
    here_only = tmp_path / "wallet_here_only.py"
    here_only.write_text(HERE_ONLY)

    code = main(["states", str(wallets), "--category", "wallet", "--projector", str(here_only), "--processes", "2",
                 "--json"])

    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert f"--projector with --processes: a worker process could not load {here_only}" in captured.err


def test_a_side_made_in_code_is_refused_for_workers_at_once(wallets, projector_file):
    from inspector.replay import demo_projectors

    with closing(open_store(str(wallets))) as store:
        mine = load_projectors(str(projector_file), store=store)
        with pytest.raises(ValueError, match="the new projector cannot be loaded again in a worker process"):
            compare_category(store, old=mine, new=demo_projectors(), category="wallet", processes=2)
        with pytest.raises(ValueError, match="the old projector cannot be loaded again in a worker process"):
            compare_category(store, old=demo_projectors().projectors[0], new=mine, category="wallet", processes=2)


@pytest.mark.postgres
def test_compare_over_processes_on_postgresql_gives_the_answers_of_sqlite(wallets, projector_file, changed_file,
                                                                          monkeypatch, scratch_postgres):
    _copy_to_postgres(wallets, scratch_postgres)
    monkeypatch.setattr(category_replay, "SLICE_ROWS", 25)
    on_sqlite, _, sqlite_totals = _differences(str(wallets), projector_file, changed_file, 1)
    spread, folded_by, spread_totals = _differences(scratch_postgres.url, projector_file, changed_file, 2)

    assert spread == on_sqlite and spread_totals == sqlite_totals
    assert len(folded_by) >= 2
