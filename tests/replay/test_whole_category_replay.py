"""Whole-category replay on the demo store: which aggregates are in a state, and what a projector change alters.

The demo store plants one wallet that goes negative (``Planted.negative_wallet``) and one job
whose first payload is not JSON (the demo projector raises on it); these tests ask the
category-wide questions about them, through the CLI as a user would and through the core API.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from inspector.cli import main
from inspector.core.cancel import CancelToken, Cancelled
from inspector.core.events import Moment, parse_time
from inspector.replay import bisect, demo_projectors, load_projectors
from inspector.replay.category import ExpressionError, compare_category, replay_category
from inspector.stores import open_store

NEGATIVE = 'state["credits"] < 0'
DEMO_PROJECTOR = Path(__file__).resolve().parents[2] / "inspector" / "replay" / "demo_projector.py"


def _cli_json(capsys, *argv: str) -> dict:
    """The command's JSON document; it exits 0, or 1 (said on stderr) when a projector raised in a stream."""
    code = main(list(argv))
    captured = capsys.readouterr()
    found = json.loads(captured.out)
    stopped = bool(found.get("stopped")) or any(d["stopped"]["projector"] or d["stopped"]["against"]
                                                for d in found.get("differences", []))
    assert code == (1 if stopped else 0), captured.err
    assert ("event-inspector: error: " in captured.err) == stopped, captured.err
    return found


def _demo_rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT position, stream, version, type, recorded_at, data, metadata FROM events"
                            " ORDER BY stream, version, position").fetchall()
    conn.close()
    return rows


# --- which aggregates are broken? ------------------------------------------------------
def test_states_where_credits_are_negative_finds_exactly_the_planted_wallet(demo_store_path, demo_planted, capsys):
    found = _cli_json(capsys, "states", str(demo_store_path), "--category", "wallet", "--where", NEGATIVE, "--json")

    assert [match["stream"] for match in found["matches"]] == [demo_planted.negative_wallet[0]]
    wallets = {row[1] for row in _demo_rows(demo_store_path) if row[1].startswith("wallet-")}
    assert found["streams_replayed"] == len(wallets)
    assert found["matches"][0]["state"]["credits"] < 0
    assert found["stopped"] == [] and found["partial"] is False


def test_states_ever_gives_the_first_negative_version_the_same_as_bisect(demo_store_path, demo_planted, demo_store, capsys):
    stream, planted_version = demo_planted.negative_wallet

    found = _cli_json(capsys, "states", str(demo_store_path), "--category", "wallet", "--where", NEGATIVE,
                      "--ever", "--json")

    assert [(m["stream"], m["version"]) for m in found["matches"]] == [(stream, planted_version)]
    bisected = bisect(demo_store, stream, NEGATIVE, projectors=demo_projectors())
    assert bisected.found and bisected.version == planted_version
    # the state shown is the state at that first version, not the latest one
    assert found["matches"][0]["state"] == bisected.state_after


def test_ever_finds_a_condition_that_held_once_and_then_stopped_holding(demo_store_path, demo_planted, capsys):
    """The predicate need not stay true: a scan finds a wallet that once held 0 credits, though it holds more now."""
    rows = _demo_rows(demo_store_path)
    # every wallet holds 0 credits right after it is opened (version 1); most hold more later
    wallets = sorted({row[1] for row in rows if row[1].startswith("wallet-")})
    now = _cli_json(capsys, "states", str(demo_store_path), "--category", "wallet", "--where",
                    'state["credits"] == 0', "--json")
    ever = _cli_json(capsys, "states", str(demo_store_path), "--category", "wallet", "--where",
                     'state["credits"] == 0', "--ever", "--json")

    assert [(m["stream"], m["version"]) for m in ever["matches"]] == [(w, 1) for w in wallets]
    assert all(m["state"]["credits"] == 0 for m in ever["matches"])
    assert len(now["matches"]) < len(wallets) / 2  # a binary search over "== 0" would miss these


def test_states_at_an_instant_replays_each_wallet_to_that_time(demo_store_path, demo_planted, capsys):
    stream, version = demo_planted.negative_wallet
    spent_at = next(parse_time(row[4]) for row in _demo_rows(demo_store_path) if row[1] == stream and row[2] == version)
    before = (spent_at - timedelta(milliseconds=1)).isoformat()

    at_the_spend = _cli_json(capsys, "states", str(demo_store_path), "--category", "wallet", "--where", NEGATIVE,
                             "--at", spent_at.isoformat(), "--json")
    just_before = _cli_json(capsys, "states", str(demo_store_path), "--category", "wallet", "--where", NEGATIVE,
                            "--at", before, "--json")

    assert [(m["stream"], m["version"]) for m in at_the_spend["matches"]] == [(stream, version)]
    assert just_before["matches"] == []


def test_states_at_a_version_gives_each_wallet_the_state_replay_gives_there(demo_store_path, demo_planted, capsys):
    stream = demo_planted.negative_wallet[0]
    found = _cli_json(capsys, "states", str(demo_store_path), "--category", "wallet", "--at", "v5", "--json")
    single = _cli_json(capsys, "replay", str(demo_store_path), "--stream", stream, "--at", "v5", "--json")

    assert {m["version"] for m in found["matches"]} == {5}
    assert next(m for m in found["matches"] if m["stream"] == stream)["state"] == single["state"]
    assert found["events_applied"] == 5 * found["streams_replayed"]


def test_states_without_a_predicate_lists_every_stream_of_the_pattern(demo_store_path, demo_planted, capsys):
    stream = demo_planted.negative_wallet[0]
    found = _cli_json(capsys, "states", str(demo_store_path), "--match", stream[:12] + "*", "--json")

    assert [m["stream"] for m in found["matches"]] == [stream]
    assert found["matches"][0]["version"] == max(row[2] for row in _demo_rows(demo_store_path) if row[1] == stream)


def test_states_json_has_the_documented_shape(demo_store_path, capsys):
    found = _cli_json(capsys, "states", str(demo_store_path), "--category", "job", "--json")

    assert set(found) == {"streams_replayed", "events_applied", "elapsed_ms", "matches", "stopped", "partial"}
    assert all(set(m) == {"stream", "version", "recorded_at", "state"} for m in found["matches"])
    assert all(set(s) == {"stream", "version", "type", "error"} for s in found["stopped"])
    assert isinstance(found["streams_replayed"], int) and isinstance(found["events_applied"], int)
    assert isinstance(found["elapsed_ms"], float)


def test_the_job_whose_payload_is_not_json_stops_alone_and_the_other_jobs_complete(demo_store_path, demo_planted, capsys):
    broken, broken_version = demo_planted.undecodable_payload
    jobs = sorted({row[1] for row in _demo_rows(demo_store_path) if row[1].startswith("job-")})

    found = _cli_json(capsys, "states", str(demo_store_path), "--category", "job", "--json")

    assert [(s["stream"], s["version"]) for s in found["stopped"]] == [(broken, broken_version)]
    assert found["stopped"][0]["type"] == "JobPosted" and "not readable" in found["stopped"][0]["error"]
    assert [m["stream"] for m in found["matches"]] == [job for job in jobs if job != broken]
    assert found["streams_replayed"] == len(jobs)


def test_a_user_projector_raising_on_one_wallet_stops_that_wallet_only(demo_store_path, demo_planted, tmp_path, capsys):
    victim = demo_planted.negative_wallet[0]
    projector = tmp_path / "fragile.py"
    projector.write_text(
        "from inspector.replay import projector\n\n"
        "@projector('wallet')\n"
        "def wallet(state, event):\n"
        f"    if event.stream == {victim!r} and event.version == 5:\n"
        "        raise RuntimeError('cannot fold this one')\n"
        "    state['events'] = state.get('events', 0) + 1\n"
        "    return state\n"
    )
    rows = _demo_rows(demo_store_path)
    counts: dict[str, int] = {}
    for row in rows:
        if row[1].startswith("wallet-"):
            counts[row[1]] = counts.get(row[1], 0) + 1

    found = _cli_json(capsys, "states", str(demo_store_path), "--category", "wallet", "--projector", str(projector),
                      "--json")

    assert found["stopped"] == [{"stream": victim, "version": 5, "type": found["stopped"][0]["type"],
                                 "error": "RuntimeError: cannot fold this one"}]
    assert {m["stream"]: m["state"]["events"] for m in found["matches"]} == {
        stream: count for stream, count in counts.items() if stream != victim}


def test_a_bad_where_expression_is_a_clear_error(demo_store_path, capsys):
    code = main(["states", str(demo_store_path), "--category", "wallet", "--where", "credits < 0"])

    assert code == 1
    assert "unknown name(s): credits" in capsys.readouterr().err
    with pytest.raises(ExpressionError):
        replay_category(open_store(str(demo_store_path)), projectors=demo_projectors(), category="wallet",
                        where="state[")


# --- will my projector change alter anything? ------------------------------------------
def _last_status_event(rows: list[tuple]) -> dict[str, str]:
    """Per job, the type of its last status-setting event, read straight from the rows."""
    last: dict[str, str] = {}
    for row in rows:
        if row[1].startswith("job-") and row[3] in ("JobPosted", "JobAssigned", "JobCompleted", "JobCancelled"):
            last[row[1]] = row[3]
    return last


def test_compare_lists_exactly_the_jobs_and_paths_a_changed_rule_alters(demo_store_path, demo_planted, tmp_path, capsys):
    changed = tmp_path / "job_projector_v2.py"
    source = DEMO_PROJECTOR.read_text()
    assert source.count('status="cancelled"') == 1
    changed.write_text(source.replace('status="cancelled"', 'status="canceled"'))
    broken = demo_planted.undecodable_payload[0]
    cancelled = sorted(stream for stream, kind in _last_status_event(_demo_rows(demo_store_path)).items()
                       if kind == "JobCancelled" and stream != broken)
    assert cancelled  # the demo has cancelled jobs

    found = _cli_json(capsys, "compare", str(demo_store_path), "--category", "job", "--projector", "demo",
                      "--against", str(changed), "--json")

    assert set(found) == {"differences", "stopped", "streams_compared", "events_applied", "elapsed_ms", "partial"}
    assert [d["stream"] for d in found["differences"]] == cancelled
    for difference in found["differences"]:
        assert [(c["path"], c["op"], c["before"], c["after"]) for c in difference["changes"]] == [
            ("/status", "change", "cancelled", "canceled")]
    # the job neither side can fold is not a difference: it is reported as stopped alike
    assert [s["stream"] for s in found["stopped"]] == [broken]
    assert found["streams_compared"] == len({row[1] for row in _demo_rows(demo_store_path) if row[1].startswith("job-")})


def test_compare_over_two_processes_gives_the_one_process_answer(demo_store_path, demo_planted, tmp_path, capsys):
    changed = tmp_path / "job_projector_v2.py"
    changed.write_text(DEMO_PROJECTOR.read_text().replace('status="cancelled"', 'status="canceled"'))
    argv = ["compare", str(demo_store_path), "--category", "job", "--projector", "demo", "--against", str(changed)]

    one = _cli_json(capsys, *argv, "--json")
    two = _cli_json(capsys, *argv, "--json", "--processes", "2")
    texts = []
    for extra in ([], ["--processes", "2"]):
        assert main(argv + extra) == 1  # the job neither side can fold stops: no clean answer
        texts.append(capsys.readouterr().out.replace(" ms\n", "\n"))

    assert one.pop("elapsed_ms") >= 0 and two.pop("elapsed_ms") >= 0
    assert two == one
    assert one["differences"] and [s["stream"] for s in one["stopped"]] == [demo_planted.undecodable_payload[0]]
    # the text differs only in the time taken, on the summary line
    assert [re.sub(r"applied in [\d,]+$", "", line) for line in texts[1].splitlines()] == \
        [re.sub(r"applied in [\d,]+$", "", line) for line in texts[0].splitlines()]
    assert f"{len(one['differences'])} of {one['streams_compared']} streams differ" in texts[1]


def test_compare_of_a_projector_with_itself_finds_no_difference(demo_store_path, capsys):
    found = _cli_json(capsys, "compare", str(demo_store_path), "--category", "wallet", "--projector", "demo",
                      "--against", str(DEMO_PROJECTOR), "--json")

    assert found["differences"] == [] and found["stopped"] == []
    assert found["streams_compared"] > 0


def test_compare_reports_a_stream_the_new_projector_cannot_fold(demo_store_path, demo_planted, tmp_path):
    victim = demo_planted.negative_wallet[0]
    new = tmp_path / "strict.py"
    new.write_text(
        DEMO_PROJECTOR.read_text().replace(
            '        state["credits"] = state.get("credits", 0) - data["amount"]\n',
            '        state["credits"] = state.get("credits", 0) - data["amount"]\n'
            '        if state["credits"] < 0:\n'
            '            raise ValueError("overdrawn")\n'))
    with closing(open_store(str(demo_store_path))) as store:
        differences = list(compare_category(store, old=demo_projectors(), new=load_projectors(str(new), store=store),
                                            category="wallet"))

    assert [(d.stream, d.differs, d.old_stopped, d.new_stopped.version if d.new_stopped else None)
            for d in differences] == [(victim, True, None, demo_planted.negative_wallet[1])]
    assert differences[0].new_stopped.error == "ValueError: overdrawn"


# --- cancellation ----------------------------------------------------------------------
def test_a_cancelled_replay_keeps_what_it_found_and_says_it_is_partial(demo_store_path):
    token = CancelToken()
    with closing(open_store(str(demo_store_path))) as store:
        run = replay_category(store, projectors=demo_projectors(), category="wallet", cancel=token)
        first = next(run)
        token.cancel()
        with pytest.raises(Cancelled):
            next(run)

    assert first.matched and first.state["owner"]
    assert run.totals.partial is True
    assert run.totals.streams == 1 and run.totals.events_applied == first.events_applied


def test_ctrl_c_prints_the_matches_so_far_marked_partial_and_exits_130(demo_store_path, tmp_path):
    """The projector presses Ctrl+C itself in the third wallet: the run stops at its next check (the
    end of that wallet: a fold looks at the token every 256 events, and these wallets are shorter)."""
    with closing(open_store(str(demo_store_path))) as store:
        summaries = store.streams(category="wallet", limit=1000)
    wallets = [s.stream for s in summaries]
    assert summaries[2].count < 256
    third = wallets[2]
    projector = tmp_path / "impatient.py"
    projector.write_text(
        "import os, signal\n"
        "from inspector.replay import projector\n\n"
        "@projector('wallet')\n"
        "def wallet(state, event):\n"
        f"    if event.stream == {third!r} and event.version == 1:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    state['n'] = state.get('n', 0) + 1\n"
        "    return state\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "inspector", "states", str(demo_store_path), "--category", "wallet",
         "--projector", str(projector), "--json"],
        capture_output=True, text=True, timeout=120,
    )

    assert done.returncode == 130, done.stderr
    found = json.loads(done.stdout)
    assert found["partial"] is True
    assert [m["stream"] for m in found["matches"]] == wallets[:3]
    assert found["streams_replayed"] == 3 < len(wallets)
    assert "partial" in done.stderr


def test_ctrl_c_stops_a_compare_over_two_processes_with_what_it_found_marked_partial(demo_store_path, tmp_path):
    """The new side presses Ctrl+C for the command's process from whichever process folds the third
    wallet (a worker presses it for its parent): the run stops, prints its partial answer, exits 130."""
    with closing(open_store(str(demo_store_path))) as store:
        wallets = [s.stream for s in store.streams(category="wallet", limit=1000)]
    projector = tmp_path / "impatient.py"
    projector.write_text(
        "import multiprocessing, os, signal\n"
        "from inspector.replay import projector\n\n"
        "@projector('wallet')\n"
        "def wallet(state, event):\n"
        f"    if event.stream == {wallets[2]!r} and event.version == 1:\n"
        "        os.kill(os.getppid() if multiprocessing.parent_process() else os.getpid(), signal.SIGINT)\n"
        "    state['n'] = state.get('n', 0) + 1\n"
        "    return state\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "inspector", "compare", str(demo_store_path), "--category", "wallet",
         "--projector", "generic", "--against", str(projector), "--processes", "2", "--json"],
        capture_output=True, text=True, timeout=120,
    )

    assert done.returncode == 130, done.stderr
    found = json.loads(done.stdout)
    assert found["partial"] is True
    assert [d["stream"] for d in found["differences"]] == wallets[:len(found["differences"])]
    assert found["streams_compared"] < len(wallets)
    assert "interrupted: the results above are partial" in done.stderr


# --- the same answers on a server ------------------------------------------------------
def _copy_demo_to_postgres(demo_path: Path, database) -> None:
    import sqlalchemy as sa

    rows = _demo_rows(demo_path)
    with database.writer.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (position bigint PRIMARY KEY, stream text NOT NULL, version bigint, type text NOT NULL,"
            " recorded_at timestamptz, data text, metadata text)")
        conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
        conn.execute(
            sa.text("INSERT INTO events VALUES (:p, :s, :v, :t, :at, :d, :m)"),
            [{"p": p, "s": s, "v": v, "t": t, "at": parse_time(at), "d": d, "m": m} for p, s, v, t, at, d, m in rows],
        )


@pytest.mark.postgres
def test_states_on_postgresql_gives_the_same_answers_as_on_sqlite(demo_store_path, demo_planted, scratch_postgres,
                                                                   capsys):
    _copy_demo_to_postgres(demo_store_path, scratch_postgres)
    answers = {}
    for where, store in (("sqlite", str(demo_store_path)), ("postgresql", scratch_postgres.url)):
        negative = _cli_json(capsys, "states", store, "--category", "wallet", "--projector", "demo",
                             "--where", NEGATIVE, "--json")
        ever = _cli_json(capsys, "states", store, "--category", "wallet", "--projector", "demo",
                         "--where", NEGATIVE, "--ever", "--json")
        jobs = _cli_json(capsys, "states", store, "--category", "job", "--projector", "demo", "--json")
        answers[where] = [
            [(m["stream"], m["version"], m["recorded_at"], m["state"]) for m in negative["matches"]],
            [(m["stream"], m["version"], m["recorded_at"]) for m in ever["matches"]],
            [(m["stream"], m["version"], m["state"]) for m in jobs["matches"]],
            [(s["stream"], s["version"], s["type"]) for s in jobs["stopped"]],
            (negative["streams_replayed"], negative["events_applied"], jobs["streams_replayed"], jobs["events_applied"]),
        ]

    assert answers["postgresql"] == answers["sqlite"]
    assert answers["sqlite"][1] == [(demo_planted.negative_wallet[0], demo_planted.negative_wallet[1],
                                     answers["sqlite"][1][0][2])]


def test_moments_before_a_stream_began_leave_it_out(demo_store_path):
    with closing(open_store(str(demo_store_path))) as store:
        first = min(s.first_at for s in store.streams(category="wallet", limit=1000))
        run = replay_category(store, projectors=demo_projectors(), category="wallet",
                              at=Moment(at=first - timedelta(days=1)))
        outcomes = list(run)

    assert outcomes == [] and run.totals.streams == 0


def test_two_worker_processes_give_the_same_outcomes_in_the_same_order(demo_store_path):
    with closing(open_store(str(demo_store_path))) as store:
        projectors = load_projectors("demo", store=store)

        def outcomes(processes: int) -> list[tuple]:
            run = replay_category(store, projectors=projectors, category="job", where='state.get("status") != "posted"',
                                  processes=processes)
            return [(o.stream, o.version, o.recorded_at, o.matched, o.state, o.stopped, o.events_applied) for o in run]

        here, spread = outcomes(1), outcomes(2)

    assert spread == here
    assert any(stopped for *_, stopped, _ in here) and any(matched for _, _, _, matched, *_ in here)


def test_native_replay_of_a_store_of_another_layout_is_a_clear_error_with_nothing_on_stdout(demo_store_path, capsys):
    code = main(["states", str(demo_store_path), "--category", "wallet", "--projector", "native", "--json"])

    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert "native replay reads eventsourcing stores only" in captured.err


# --- native eventsourcing aggregates ---------------------------------------------------
ACCOUNTS = """
from decimal import Decimal
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    @event("Opened")
    def __init__(self, owner: str):
        self.owner = owner
        self.balance = Decimal("0")

    @event("Deposited")
    def deposit(self, amount: Decimal):
        self.balance += amount

    @event("Withdrawn")
    def withdraw(self, amount: Decimal):
        self.balance -= amount


class Bank(Application):
    snapshotting_intervals = {Account: 5}
"""


@pytest.fixture()
def accounts_store(tmp_path, monkeypatch):
    """An eventsourcing SQLite store with three accounts; the second is overdrawn at its version 3
    (balance -2) and back in credit at version 5. Yields (path, domain folder, account ids, the app)."""
    pytest.importorskip("eventsourcing")
    from decimal import Decimal

    domain_dir = tmp_path / "domain"
    domain_dir.mkdir()
    module = f"accounts_{uuid.uuid4().hex[:8]}"
    (domain_dir / f"{module}.py").write_text(ACCOUNTS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(domain_dir))
    db = tmp_path / "bank.db"
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(db))
    domain = __import__(module)
    app = domain.Bank()
    ids = []
    for owner, moves in (("ada", [10, 5, 7, 1, 2]), ("bo", [3, -5, -1, 4, 9, 2]), ("cy", [1, 1])):
        account = domain.Account(owner)
        for move in moves:
            account.deposit(Decimal(move)) if move > 0 else account.withdraw(Decimal(-move))
        app.save(account)
        ids.append(str(account.id))
    yield db, str(domain_dir), ids, app
    app.close()
    sys.modules.pop(module, None)


def test_native_states_ever_finds_the_account_overdrawn_once_at_the_librarys_version(accounts_store, capsys):
    db, domain_dir, ids, app = accounts_store
    with closing(open_store(str(db))) as store:
        category = store.category(ids[1])

    now = _cli_json(capsys, "states", str(db), "--category", category, "--projector", "native", "--path", domain_dir,
                    "--where", 'float(state["balance"]) < 0', "--json")
    ever = _cli_json(capsys, "states", str(db), "--category", category, "--projector", "native", "--path",
                     domain_dir, "--where", 'float(state["balance"]) < 0', "--ever", "--json")
    every = _cli_json(capsys, "states", str(db), "--category", category, "--projector", "native", "--path",
                      domain_dir, "--json")

    assert now["matches"] == [] and now["streams_replayed"] == 3
    # a Decimal balance is a number (JSON -2), not its text
    assert [(m["stream"], m["version"], m["state"]["balance"]) for m in ever["matches"]] == [(ids[1], 3, -2)]
    overdrawn = uuid.UUID(ids[1])
    assert app.repository.get(overdrawn, version=3).balance < 0 <= app.repository.get(overdrawn, version=2).balance
    for match in every["matches"]:
        library = app.repository.get(uuid.UUID(match["stream"]))
        assert (match["version"], Decimal(str(match["state"]["balance"]))) == (library.version, library.balance)


def test_compare_native_against_a_projector_file_lists_every_account_it_reads_differently(accounts_store, tmp_path,
                                                                                         capsys):
    db, domain_dir, ids, app = accounts_store
    with closing(open_store(str(db))) as store:
        category = store.category(ids[0])
    same = _cli_json(capsys, "compare", str(db), "--category", category, "--projector", "native", "--path", domain_dir,
                     "--against", "native", "--json")
    generic = _cli_json(capsys, "compare", str(db), "--category", category, "--projector", "native", "--path",
                        domain_dir, "--against", "generic", "--json")

    assert same["differences"] == [] and same["streams_compared"] == 3
    assert sorted(d["stream"] for d in generic["differences"]) == sorted(ids)
    assert all(any(c["path"] == "/balance" and c["op"] == "remove" for c in d["changes"])
               for d in generic["differences"])


def test_compare_native_over_two_processes_loads_both_sides_in_each_worker(accounts_store, capsys):
    db, domain_dir, ids, app = accounts_store
    with closing(open_store(str(db))) as store:
        category = store.category(ids[0])
    argv = ["compare", str(db), "--category", category, "--projector", "native", "--path", domain_dir,
            "--against", "generic", "--json"]

    one = _cli_json(capsys, *argv)
    two = _cli_json(capsys, *argv, "--processes", "2")

    assert one.pop("elapsed_ms") >= 0 and two.pop("elapsed_ms") >= 0
    assert two == one
    assert sorted(d["stream"] for d in two["differences"]) == sorted(ids)
