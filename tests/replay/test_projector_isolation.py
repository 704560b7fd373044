"""Projectors cannot take the inspector down: user projectors run where Cancel and a time limit
always work, their output goes to stderr, whatever they raise is reported as theirs, the events
they get cannot be changed, and a state that is not plain JSON is shown as far as it can be."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import textwrap
import threading
import time
from types import SimpleNamespace
from pathlib import Path

import pytest

from inspector.cli import main
from inspector.core.cancel import Cancelled, CancelToken
from inspector.core.events import Moment
from inspector.replay import diff, load_projectors, replay, worker
from inspector.replay.projectors import ProjectorEvent, private_copy, shown_state
from inspector.stores import open_store

from .conftest import write_generic_store
from .test_native_eventsourcing import bank as eventsourcing_bank  # a store the eventsourcing library wrote

WALLET = [
    ("WalletOpened", {"owner": "ann", "by": "ann@example.com"}),
    ("CreditsGranted", {"amount": 50, "by": "ann@example.com"}),
    ("CreditsGranted", {"amount": 30, "by": "bob@example.com"}),
    ("CreditsSpent", {"amount": 20, "by": "carol@example.com"}),
    ("CreditsSpent", {"amount": 5, "by": "dave@example.com"}),
    ("CreditsGranted", {"amount": 7, "by": "erin@example.com"}),
]

GOOD = """
from inspector.replay import projector

@projector("wallet")
def wallet(state, event):
    amount = event.data.get("amount", 0)
    if event.type == "CreditsGranted":
        state["credits"] = state.get("credits", 0) + amount
    elif event.type == "CreditsSpent":
        state["credits"] = state.get("credits", 0) - amount
    return state
"""


def credits_after(version: int) -> int:
    total = 0
    for kind, data in WALLET[:version]:
        total += data.get("amount", 0) * {"CreditsGranted": 1, "CreditsSpent": -1}.get(kind, 0)
    return total


@pytest.fixture()
def wallet_path(tmp_path) -> Path:
    return write_generic_store(tmp_path / "wallet.db", {"wallet-1": WALLET})


@pytest.fixture()
def wallet_store(wallet_path):
    store = open_store(str(wallet_path))
    yield store
    store.close()


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def write_projector(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return str(path)


def stuck_projector(tmp_path: Path, how: str) -> tuple[str, Path]:
    """A projector that gets stuck at v3 (a loop, or a call that never returns) after writing its
    process id to a marker file, so a test knows it is stuck and in which process."""
    marker = tmp_path / f"stuck-{how}.pid"
    stuck = {"loop": "while True:\n                pass",
             "blocked": "threading.Event().wait()"}[how]
    source = f"""
    import os, threading
    from inspector.replay import projector

    @projector("wallet")
    def wallet(state, event):
        if event.version == 3:
            with open({str(marker)!r}, "w") as handle:
                handle.write(str(os.getpid()))
            {stuck}
        state["n"] = state.get("n", 0) + 1
        return state
    """
    return write_projector(tmp_path, f"stuck_{how}", source), marker


def wait_for(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


def cancel_when_stuck(marker: Path, token: CancelToken) -> threading.Thread:
    def watch() -> None:
        wait_for(lambda: marker.exists() and marker.read_text(), "the projector to get stuck")
        token.cancel()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- Cancel always works -----------------------------------------------------------------------
@pytest.mark.parametrize("how, times", [("loop", 5), ("blocked", 2)])
def test_a_stuck_projector_cancelled_again_and_again_leaves_no_worker_busy_and_the_next_replay_works(
        tmp_path, wallet_store, how, times):
    spec, marker = stuck_projector(tmp_path, how)
    stuck = load_projectors(spec, store=wallet_store)
    assert worker.needs_worker(stuck)
    for _ in range(times):
        marker.unlink(missing_ok=True)
        token = CancelToken()
        watcher = cancel_when_stuck(marker, token)
        with pytest.raises(Cancelled):
            worker.replay(wallet_store, "wallet-1", projectors=stuck, cancel=token)
        watcher.join()
        # the process that was stuck in the projector is gone, not left running
        assert process_gone(int(marker.read_text()))
    assert len(worker.pool().processes()) <= worker.MAX_PROCESSES
    good = load_projectors(write_projector(tmp_path, "good", GOOD), store=wallet_store)
    result = worker.replay(wallet_store, "wallet-1", projectors=good)
    assert result.problem is None and result.stopped is None
    assert result.version == 6 and result.state == {"credits": credits_after(6)}


def test_a_projector_that_checks_in_is_cancelled_without_losing_its_worker(tmp_path, wallet_store):
    # a long but well-behaved replay (the engine checks the token) stops at once and the worker is kept
    counter = write_generic_store(tmp_path / "long.db", {"wallet-9": [("CreditsGranted", {"amount": 1})] * 3000})
    store = open_store(str(counter))
    try:
        slow = load_projectors(write_projector(tmp_path, "slowish", GOOD), store=store)
        token = CancelToken()
        token.cancel()
        with pytest.raises(Cancelled):
            worker.replay(store, "wallet-9", projectors=slow, cancel=token)
        result = worker.replay(store, "wallet-9", projectors=slow)
        assert result.state == {"credits": 3000}
    finally:
        store.close()


def test_replay_diff_and_bisect_in_a_worker_answer_what_they_answer_in_process(tmp_path, wallet_store):
    good = load_projectors(write_projector(tmp_path, "good", GOOD), store=wallet_store)
    seen: list[tuple[int, int | None]] = []
    here = replay(wallet_store, "wallet-1", at=Moment(version=4), projectors=good)
    there = worker.replay(wallet_store, "wallet-1", at=Moment(version=4), projectors=good,
                          progress=lambda done, total: seen.append((done, total)))
    assert there.to_json() | {"elapsed_ms": 0} == here.to_json() | {"elapsed_ms": 0}
    assert there.last_event == here.last_event and there.raw_state is None
    assert seen and seen[-1][0] == 4  # progress came back from the worker

    changes_here = diff(wallet_store, "wallet-1", Moment(version=1), Moment(version=6), projectors=good)
    changes_there = worker.diff(wallet_store, "wallet-1", Moment(version=1), Moment(version=6), projectors=good)
    assert [c.to_json() for c in changes_there.changes] == [c.to_json() for c in changes_here.changes]
    assert [e.version for e in changes_there.events_between] == [2, 3, 4, 5, 6]

    found = worker.bisect(wallet_store, "wallet-1", "state.get('credits', 0) > 40", projectors=good)
    assert found.found and found.version == 2 and found.event.type == "CreditsGranted"


def test_the_built_in_projectors_run_in_process_and_user_code_in_a_worker(tmp_path, wallet_store, demo_store):
    assert not worker.needs_worker(load_projectors("generic", store=wallet_store))
    assert not worker.needs_worker(load_projectors(None, store=demo_store))  # the demo's own
    assert worker.needs_worker(load_projectors(write_projector(tmp_path, "good", GOOD), store=wallet_store))
    assert worker.needs_worker(load_projectors("generic", store=wallet_store), time_limit=5)


def test_a_worker_opens_a_store_read_through_a_column_mapping(tmp_path):
    path = tmp_path / "audit.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, agg TEXT, seq INTEGER, kind TEXT, body TEXT)")
    for version, (kind, data) in enumerate(WALLET, start=1):
        db.execute("INSERT INTO ledger (agg, seq, kind, body) VALUES ('wallet-1', ?, ?, ?)",
                   (version, kind, json.dumps(data)))
    db.commit()
    db.close()
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('table = "ledger"\n[columns]\nposition = "id"\nstream = "agg"\nversion = "seq"\n'
                       'type = "kind"\ndata = "body"\n', encoding="utf-8")
    store = open_store(str(path), mapping=str(mapping))
    try:
        good = load_projectors(write_projector(tmp_path, "good", GOOD), store=store)
        result = worker.replay(store, "wallet-1", projectors=good)
        assert result.state == {"credits": credits_after(6)} and result.version == 6
    finally:
        store.close()


def test_a_worker_opens_a_postgresql_store_from_its_url(tmp_path, postgres_url):
    from stores.servers import scratch_database

    scratch = scratch_database(postgres_url, "isolation")
    try:
        with scratch.writer.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, version bigint, "
                "type text, recorded_at timestamptz, data jsonb, metadata jsonb)")
            for version, (kind, data) in enumerate(WALLET, start=1):
                conn.exec_driver_sql(
                    "INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES "
                    "('wallet-1', %(v)s, %(t)s, now(), %(d)s, '{}')", {"v": version, "t": kind, "d": json.dumps(data)})
        store = open_store(scratch.url)
        try:
            good = load_projectors(write_projector(tmp_path, "good", GOOD), store=store)
            here = replay(store, "wallet-1", projectors=good)
            there = worker.replay(store, "wallet-1", projectors=good)
            assert there.state == here.state == {"credits": credits_after(6)}
            assert there.version == here.version == 6
        finally:
            store.close()
    finally:
        worker.shutdown()
        scratch.drop()


@pytest.fixture()
def bank(tmp_path, monkeypatch):
    yield from eventsourcing_bank.__wrapped__(tmp_path, monkeypatch)


def test_a_native_eventsourcing_replay_in_a_worker_equals_the_one_in_process(bank):
    app, aggregate_id, db, domain_dir = bank
    store = open_store(str(db))
    try:
        projectors = load_projectors("native", path=domain_dir, store=store)
        assert worker.needs_worker(projectors)  # the user's own classes are user code
        for version in (3, 30):
            here = replay(store, str(aggregate_id), at=Moment(version=version), projectors=projectors)
            there = worker.replay(store, str(aggregate_id), at=Moment(version=version), projectors=projectors)
            assert there.problem is None and there.stopped is None
            assert there.state == here.state and there.state["version"] == version
            assert (there.snapshot_source, there.snapshot_version) == (here.snapshot_source, here.snapshot_version)
            assert there.raw_state is None  # the aggregate stays in the worker
    finally:
        store.close()


# --- the CLI: a time limit, clean stdout, errors that are the projector's ---------------------------
@pytest.mark.parametrize("command", [
    ["replay"],
    ["diff", "--from", "v1", "--to", "v6"],
    ["bisect", "--when", "state.get('n', 0) > 4"],
])
def test_time_limit_stops_a_looping_projector_with_exit_1_and_a_message(tmp_path, wallet_path, capsys, command):
    spec, marker = stuck_projector(tmp_path, "loop")
    name, *rest = command
    code, out, err = run_cli(capsys, name, str(wallet_path), "--stream", "wallet-1", *rest,
                             "--projector", spec, "--time-limit", "2", "--json")
    assert code == 1 and out == ""
    assert "--time-limit 2 s reached" in err and "wallet-1" in err
    assert process_gone(int(marker.read_text()))


def test_a_time_limit_that_is_not_a_positive_number_is_a_usage_error(wallet_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["replay", str(wallet_path), "--stream", "wallet-1", "--time-limit", "0"])
    assert exit_.value.code == 2
    assert "--time-limit" in capsys.readouterr().err


PRINTING = """
from inspector.replay import projector

print("loading the projector")

@projector("wallet")
def wallet(state, event):
    print("folding", event.version)
    state["n"] = state.get("n", 0) + 1
    return state
"""


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "in-a-worker"])
@pytest.mark.parametrize("command", [["replay"], ["diff", "--from", "v2", "--to", "v5"],
                                     ["bisect", "--when", "state['n'] >= 3"]])
def test_print_in_a_projector_goes_to_stderr_and_json_output_stays_one_document(
        tmp_path, wallet_path, capsys, command, isolated):
    spec = write_projector(tmp_path, "printing", PRINTING)
    name, *rest = command
    limit = ["--time-limit", "60"] if isolated else []
    code, out, err = run_cli(capsys, name, str(wallet_path), "--stream", "wallet-1", *rest,
                             "--projector", spec, "--json", *limit)
    assert code == 0
    document = json.loads(out)  # nothing else on stdout
    assert "folding" not in out and "loading" not in out
    if not isolated:
        assert "loading the projector" in err and "folding 2" in err
    if name == "replay":
        assert document["state"] == {"n": 6}
    elif name == "bisect":
        assert document["version"] == 3


RAISING = """
from inspector.replay import projector

class Escape(BaseException):
    pass

@projector("wallet")
def wallet(state, event):
    if event.version == 5:
        raise {error}
    state["n"] = state.get("n", 0) + 1
    return state
"""


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "in-a-worker"])
@pytest.mark.parametrize("error, shown", [
    ("SystemExit(3)", "SystemExit(3)"),
    ("KeyboardInterrupt()", "KeyboardInterrupt()"),
    ("Escape('out')", "Escape('out')"),
    ("ValueError('bad amount')", "ValueError: bad amount"),
])
def test_what_a_projector_raises_is_reported_as_its_error_at_that_version(
        tmp_path, wallet_path, capsys, error, shown, isolated):
    spec = write_projector(tmp_path, "raising", RAISING.format(error=error))
    limit = ["--time-limit", "60"] if isolated else []
    code, out, err = run_cli(capsys, "replay", str(wallet_path), "--stream", "wallet-1", "--projector", spec,
                             "--json", *limit)
    assert code == 1  # the state asked for is not known; not exit 3, not "interrupted" (130)
    document = json.loads(out)
    assert document["stopped"] == {"version": 5, "type": "CreditsSpent", "error": shown}
    assert document["state"] == {"n": 4} and document["version"] == 4
    assert f"the projector raised at v5 (CreditsSpent): {shown}" in err
    assert "interrupted" not in err


def test_a_projector_raising_system_exit_stops_diff_and_bisect_with_its_error(tmp_path, wallet_store):
    spec = write_projector(tmp_path, "raising", RAISING.format(error="SystemExit(3)"))
    projectors = load_projectors(spec, store=wallet_store)
    changes = diff(wallet_store, "wallet-1", Moment(version=1), Moment(version=6), projectors=projectors)
    assert changes.stopped is not None and changes.stopped.error == "SystemExit(3)" and changes.stopped.version == 5
    found = worker.bisect(wallet_store, "wallet-1", "state['n'] > 10", projectors=projectors)
    assert not found.found and "v5" in found.problem and "SystemExit(3)" in found.problem


def test_ctrl_c_during_a_replay_still_interrupts_the_cli(tmp_path, wallet_path, capsys):
    # the user's Ctrl+C (a real SIGINT, here sent by the fold itself) is not a projector's error
    spec = write_projector(tmp_path, "interrupted", """
    import signal
    from inspector.replay import projector

    @projector("wallet")
    def wallet(state, event):
        if event.version == 2:
            signal.raise_signal(signal.SIGINT)
        return state
    """)
    previous = signal.getsignal(signal.SIGINT)
    code, out, err = run_cli(capsys, "replay", str(wallet_path), "--stream", "wallet-1", "--projector", spec)
    assert code == 130 and "interrupted" in err and out == ""
    assert signal.getsignal(signal.SIGINT) is previous  # the CLI's own handler is put back


# --- events a projector cannot change ------------------------------------------------------------
TAMPERING = """
from inspector.replay import projector

@projector("wallet")
def wallet(state, event):
    event.data["amount"] = event.data.get("amount", 0) * 1000
    event.metadata["actor"] = "mallory"
    event.data.setdefault("tags", []).append("seen")
    state["credits"] = state.get("credits", 0) + event.data["amount"] // 1000 * (
        -1 if event.type == "CreditsSpent" else 1)
    state["last"] = event.data          # kept in the state, changed again by later folds
    return state
"""


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "in-a-worker"])
def test_a_projector_that_changes_its_events_changes_neither_diff_nor_blame(tmp_path, wallet_store, isolated):
    projectors = load_projectors(write_projector(tmp_path, "tampering", TAMPERING), store=wallet_store)
    run = worker.diff if isolated else diff
    changes = run(wallet_store, "wallet-1", Moment(version=1), Moment(version=6), projectors=projectors)
    assert changes.stopped is None and changes.problem is None
    stored = {event.version: event for event in wallet_store.read_stream("wallet-1")}
    for event in changes.events_between:
        assert event.data == stored[event.version].data  # 50 stays 50, no "tags"
        assert event.actor == stored[event.version].actor != "mallory"
    credits = next(c for c in changes.changes if c.path == "/credits")
    assert credits.after == credits_after(6)
    assert [(b.version, b.actor) for b in credits.events] == [
        (v, stored[v].actor) for v in (2, 3, 4, 5, 6)]


def test_an_event_given_to_a_projector_cannot_be_changed(tmp_path, wallet_store):
    event = next(iter(wallet_store.read_stream("wallet-1", from_version=2)))
    view = ProjectorEvent(event)
    with pytest.raises(AttributeError):
        view.version = 99
    with pytest.raises(AttributeError):
        view.data = {}
    view.data["amount"] = 1
    view.metadata["actor"] = "mallory"
    assert event.data == {"amount": 50, "by": "ann@example.com"} and event.actor == "ann@example.com"
    assert view.data == {"amount": 1, "by": "ann@example.com"} and view.actor == "ann@example.com"
    assert (view.position, view.stream, view.version, view.type) == (event.position, event.stream, 2, "CreditsGranted")
    # exact numbers survive the copy
    big = {"n": 10**30, "d": [__import__("decimal").Decimal("1.50")], "f": float("nan")}
    copied = private_copy(big)
    assert copied["n"] == 10**30 and str(copied["d"][0]) == "1.50" and copied["d"] is not big["d"]



def test_a_projector_changing_an_event_read_for_a_fold_leaves_that_event_as_stored(wallet_store):
    """Events read for a fold decode their payload on first use: a projector gets a payload of its
    own, whether it is the first to read it or the event's payload was read before."""
    unread, read_before = list(wallet_store.read_for_replay("wallet-1", upto=3))[1:3]
    read_before.data  # noqa: B018 - read before the projector reads it
    for event in (unread, read_before):
        stored = dict(WALLET[event.version - 1][1])
        view = ProjectorEvent(event)
        view.data["amount"] = 1
        view.data.setdefault("tags", []).append("changed")
        assert event.data == stored and event.event().data == stored
        assert view.data["amount"] == 1 and ProjectorEvent(event).data == stored

# --- states that are not plain JSON --------------------------------------------------------------
ODD_STATES = """
from inspector.replay import projector

@projector("wallet")
def wallet(state, event):
    kind = {kind!r}
    if kind == "big":
        state["credits"] = state.get("credits", 2**64) * 3
    elif kind == "tuple":
        state[(event.type, event.version)] = event.data.get("amount")
    elif kind == "cycle":
        state["self"] = state
        state["n"] = state.get("n", 0) + 1
    return state
"""


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "in-a-worker"])
def test_a_state_with_integers_beyond_64_bits_is_shown_exactly_without_a_note(tmp_path, wallet_path, capsys, isolated):
    spec = write_projector(tmp_path, "big", ODD_STATES.format(kind="big"))
    limit = ["--time-limit", "60"] if isolated else []
    code, out, err = run_cli(capsys, "replay", str(wallet_path), "--stream", "wallet-1", "--projector", spec,
                             "--json", *limit)
    assert code == 0
    assert f'"credits": {2**64 * 3**6}' in out
    assert json.loads(out)["state_note"] is None


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "in-a-worker"])
def test_a_state_with_tuple_keys_is_shown_with_text_keys_and_says_so(tmp_path, wallet_path, capsys, isolated):
    spec = write_projector(tmp_path, "tuple", ODD_STATES.format(kind="tuple"))
    limit = ["--time-limit", "60"] if isolated else []
    code, out, err = run_cli(capsys, "replay", str(wallet_path), "--stream", "wallet-1", "--projector", spec,
                             "--json", *limit)
    assert code == 0
    document = json.loads(out)
    assert document["state"]["('CreditsGranted', 2)"] == 50 and len(document["state"]) == 6
    assert "tuple key ('WalletOpened', 1) at / shown as text" in document["state_note"]
    assert "not plain JSON" in err


@pytest.mark.parametrize("isolated", [False, True], ids=["in-process", "in-a-worker"])
def test_a_state_that_contains_itself_is_shown_with_the_cycle_named(tmp_path, wallet_path, capsys, isolated):
    spec = write_projector(tmp_path, "cycle", ODD_STATES.format(kind="cycle"))
    limit = ["--time-limit", "60"] if isolated else []
    code, out, err = run_cli(capsys, "replay", str(wallet_path), "--stream", "wallet-1", "--projector", spec,
                             "--json", *limit)
    assert code == 0
    document = json.loads(out)
    assert document["state"] == {"self": "<cycle: />", "n": 6}
    assert "a cycle at /self (back to /)" in document["state_note"]
    code, out, err = run_cli(capsys, "replay", str(wallet_path), "--stream", "wallet-1", "--projector", spec, *limit)
    assert code == 0 and "n" in out and "a cycle at /self" in err


def test_a_diff_of_states_with_tuple_keys_shows_the_changed_keys(tmp_path, wallet_store):
    projectors = load_projectors(write_projector(tmp_path, "tuple", ODD_STATES.format(kind="tuple")), store=wallet_store)
    changes = diff(wallet_store, "wallet-1", Moment(version=2), Moment(version=4), projectors=projectors)
    assert changes.problem is None
    assert [(c.path, c.op, c.after) for c in changes.changes] == [
        ("/('CreditsGranted', 3)", "add", 30), ("/('CreditsSpent', 4)", "add", 20)]


def test_shown_state_names_each_thing_it_changed():
    loop: dict = {"n": 1}
    loop["again"] = [loop]
    value, note = shown_state({"set": {3, 1, 2}, 7: "seven", "loop": loop, "obj": object})
    assert value["set"] == [1, 2, 3] and value["7"] == "seven"
    assert value["loop"] == {"n": 1, "again": ["<cycle: /loop>"]}
    assert value["obj"] == repr(object)
    assert "a set at /set shown as a list" in note and "int key 7 at / shown as text" in note
    assert "a cycle at /loop/again/0 (back to /loop)" in note and "type at /obj shown as its repr" in note
    assert shown_state({"plain": [1, "two", None]}) == ({"plain": [1, "two", None]}, None)


def test_a_big_state_is_checked_a_part_at_a_time_and_shown_as_one_check_shows_it(monkeypatch):
    """The window's replays check a big state for plain JSON in parts (one ``orjson.dumps`` of a
    50 MB state holds the GIL 60-70 ms): no part written is big, and the state shown, with its
    note, is the one the whole check gives, also for what is not plain JSON deep inside."""
    import orjson

    from inspector.replay import projectors

    records = [{"id": i, "name": "x" * 20, "tags": ["a", "b"]} for i in range(100_000)]
    written: list[int] = []

    def recording(value, *options):
        blob = orjson.dumps(value, *options)
        written.append(len(blob))
        return blob

    monkeypatch.setattr(projectors, "orjson", SimpleNamespace(dumps=recording, JSONEncodeError=orjson.JSONEncodeError))
    plain = {"items": records, "count": len(records), "note": "é" * 3_000_000, "prices": {f"p{i}": i for i in range(5000)}}
    assert shown_state(plain, in_pieces=True) == (plain, None)
    assert written and max(written) <= 2_000_002 and sum(written) > 10_000_000  # every part looked at, none big
    monkeypatch.undo()

    deep: list = []
    for _ in range(260):  # deeper than orjson writes
        deep = [deep]
    odd = [("a tuple", 1), {7: "int key"}, 2**70, {"loop": None}, {"deep": deep}]
    odd[3]["loop"] = odd[3]
    for thing in odd:
        for place in ({"items": records[:1500] + [thing]}, {"items": [{"inner": [thing]}]}, {"big": {**plain["prices"], "x": thing}}):
            assert shown_state(place, in_pieces=True) == shown_state(place)
