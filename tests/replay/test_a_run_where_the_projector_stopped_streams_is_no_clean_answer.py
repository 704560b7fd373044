"""A projector that raised in a stream makes ``states``, ``compare`` and ``replay`` no clean answer:
the summary on stdout says how many streams stopped, and the exit status is 1 with one line on
stderr, so a CI job cannot read "0 of 3 streams where ... holds" as "no broken wallets". A replay
that folded nothing (raised at the first event) fails with the projector's error and prints no
state; a compare stream where one side raised is headed with where it stopped, never "0 change(s)".
On the demo store and on a store the eventsourcing library wrote."""

from __future__ import annotations

import json
import sys
import textwrap
import uuid
from decimal import Decimal

import pytest

from inspector.cli import main

RAISES = """
from inspector.replay import projector

@projector("{category}")
def broken(state, event):
    return state | {{"b": event.data["nope"]}}
"""

COUNTS = """
from inspector.replay import projector

@projector("{category}")
def counted(state, event):
    return state | {{"n": state.get("n", 0) + 1}}
"""

RAISES_LATE = """
from inspector.replay import projector

@projector("{category}")
def late(state, event):
    if state.get("n", 0) >= 2:
        raise ValueError("no third event here")
    return state | {{"n": state.get("n", 0) + 1}}
"""

DOMAIN = """
from decimal import Decimal
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Wallet(Aggregate):
    @event("Opened")
    def __init__(self, owner: str):
        self.owner = owner
        self.balance = Decimal("0")

    @event("Credited")
    def credit(self, amount: Decimal):
        self.balance += amount


class Wallets(Application):
    pass
"""


def _eventsourcing_store(tmp_path, monkeypatch) -> tuple[str, str, str]:
    """Three wallets of three, four and five events, written by the library: (store, category, a stream)."""
    pytest.importorskip("eventsourcing")
    domain_dir = tmp_path / "domain"
    domain_dir.mkdir()
    module = f"t3_wallets_{uuid.uuid4().hex[:8]}"
    (domain_dir / f"{module}.py").write_text(textwrap.dedent(DOMAIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(domain_dir))
    db = tmp_path / "wallets.db"
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(db))
    domain = __import__(module)
    app = domain.Wallets()
    ids = []
    for count in (2, 3, 4):
        wallet = domain.Wallet("ada")
        for i in range(count):
            wallet.credit(Decimal(i) + Decimal("0.5"))
        app.save(wallet)
        ids.append(str(wallet.id))
    app.close()
    sys.modules.pop(module, None)
    monkeypatch.delenv("PERSISTENCE_MODULE")
    monkeypatch.delenv("SQLITE_DBNAME")
    return str(db), "Wallet", ids[0]


@pytest.fixture(params=["demo", "eventsourcing"])
def store(request, demo_store_path, tmp_path, monkeypatch):
    """(store, category, one of its streams, a projector file that raises at every stream's first
    event, one that folds every event, one that raises at the third event)."""
    if request.param == "demo":
        path, category, stream = str(demo_store_path), "wallet", "wallet-9b2e71cc"
    else:
        path, category, stream = _eventsourcing_store(tmp_path, monkeypatch)
    files = []
    for name, text in (("raises.py", RAISES), ("counts.py", COUNTS), ("late.py", RAISES_LATE)):
        file = tmp_path / name
        file.write_text(textwrap.dedent(text.format(category=category)), encoding="utf-8")
        files.append(str(file))
    return (path, category, stream, *files)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _streams(capsys, path: str, category: str, counts: str) -> int:
    code, out, _ = _run(capsys, "states", path, "--category", category, "--projector", counts)
    assert code == 0
    return int(out.splitlines()[-1].split()[0].replace(",", ""))


def test_states_where_the_projector_stopped_every_stream_says_so_and_exits_1(capsys, store):
    path, category, _, raises, counts, _ = store
    total = _streams(capsys, path, category, counts)
    code, out, err = _run(capsys, "states", path, "--category", category, "--projector", raises,
                          "--where", 'state["b"] == 1')
    assert code == 1
    summary = out.splitlines()[0]
    assert summary.startswith(f"0 of {total:,} streams where state[\"b\"] == 1 holds, {total:,} stopped; "), summary
    assert f"{total:,} stopped (the projector raised; not folded past that event):" in out
    assert "KeyError: 'nope'" in out
    assert err.strip().splitlines()[-1] == (
        f"event-inspector: error: the projector raised in {total:,} of {total:,} streams (listed under stopped): "
        "their states past that event are not known, so this is not a full answer")


def test_states_json_where_a_projector_stopped_streams_exits_1_with_them_under_stopped(capsys, store):
    path, category, _, raises, counts, _ = store
    total = _streams(capsys, path, category, counts)
    code, out, err = _run(capsys, "states", path, "--category", category, "--projector", raises, "--json")
    assert code == 1
    document = json.loads(out)
    assert document["matches"] == [] and len(document["stopped"]) == total
    assert "event-inspector: error: the projector raised in" in err


def test_states_where_no_stream_stopped_is_a_clean_answer(capsys, store):
    path, category, _, _, counts, _ = store
    code, out, err = _run(capsys, "states", path, "--category", category, "--projector", counts,
                          "--where", 'state["n"] < 0')
    assert code == 0 and "stopped" not in out and "error" not in err
    assert out.splitlines()[-1].startswith("0 of ")


def test_compare_where_both_sides_stopped_alike_says_so_and_exits_1(capsys, store):
    path, category, _, raises, counts, _ = store
    total = _streams(capsys, path, category, counts)
    code, out, err = _run(capsys, "compare", path, "--category", category, "--projector", raises,
                          "--against", raises)
    assert code == 1
    assert out.splitlines()[0].startswith(f"0 of {total:,} streams differ, {total:,} stopped; ")
    assert f"{total:,} stopped alike with both projectors (no difference):" in out
    assert "a projector raised in" in err and "not compared past that event" in err


def test_compare_heads_a_stream_where_one_side_stopped_with_where_it_stopped(capsys, store):
    path, category, _, raises, counts, _ = store
    total = _streams(capsys, path, category, counts)
    code, out, err = _run(capsys, "compare", path, "--category", category, "--projector", counts,
                          "--against", raises)
    assert code == 1
    assert "change(s)" not in out  # a side with no state has no changes to count
    heads = [line for line in out.splitlines() if line and not line.startswith(" ") and " at v" in line
             and "streams differ" not in line]
    assert len(heads) == total
    for head in heads:
        assert ": --against stopped at v" in head and head.endswith("KeyError: 'nope'"), head
    assert out.splitlines()[-1].startswith(f"{total:,} of {total:,} streams differ, {total:,} stopped; ")
    code, out, _ = _run(capsys, "compare", path, "--category", category, "--projector", raises,
                        "--against", counts)
    assert code == 1 and ": --projector stopped at v" in out and "change(s)" not in out


def test_compare_where_no_side_stopped_is_a_clean_answer(capsys, store):
    path, category, _, _, counts, _ = store
    code, out, err = _run(capsys, "compare", path, "--category", category, "--projector", counts,
                          "--against", counts)
    assert code == 0 and "stopped" not in out and "error" not in err
    assert out.splitlines()[-1].startswith("0 of ")


def test_replay_whose_projector_raised_at_the_first_event_fails_with_its_error(capsys, store):
    path, _, stream, raises, _, _ = store
    for extra in ((), ("--json",)):
        code, out, err = _run(capsys, "replay", path, "--stream", stream, "--projector", raises, "--no-cache", *extra)
        assert code == 1
        assert out == ""  # no "state: {}"
        assert err.startswith("event-inspector: error: the projector raised at v")
        assert "KeyError: 'nope'" in err and "no event was applied" in err


def test_replay_whose_projector_raised_later_prints_the_state_before_and_exits_1(capsys, store):
    path, _, stream, _, _, late = store
    code, out, err = _run(capsys, "replay", path, "--stream", stream, "--projector", late, "--no-cache")
    assert code == 1
    assert "state:" in out and '"n"' not in out and "n  2" in out
    assert "event-inspector: error: the projector raised at v" in err
    assert "ValueError: no third event here; the state shown is the state just before it" in err
    code, out, err = _run(capsys, "replay", path, "--stream", stream, "--projector", late, "--no-cache", "--json")
    assert code == 1 and json.loads(out)["stopped"]["error"] == "ValueError: no third event here"


def test_diff_whose_projector_raised_between_its_moments_shows_the_changes_before_and_exits_1(capsys, store):
    path, _, stream, _, _, late = store
    code, out, err = _run(capsys, "diff", path, "--stream", stream, "--from", "v1", "--to", "v2",
                          "--projector", late, "--no-cache")
    assert code == 0 and "1 change(s)" in out  # before the third event: a clean answer
    code, out, err = _run(capsys, "diff", path, "--stream", stream, "--from", "v1", "--to", "v3",
                          "--projector", late, "--no-cache")
    assert code == 1 and "change(s)" in out
    assert "event-inspector: error: the projector raised at v3" in err
    assert "ValueError: no third event here; the changes shown end just before that event" in err


def test_diff_and_changed_where_the_projector_raised_at_the_first_event_say_no_state_is_known(capsys, store):
    path, _, stream, raises, _, _ = store
    code, out, err = _run(capsys, "diff", path, "--stream", stream, "--from", "v1", "--to", "v3",
                          "--projector", raises, "--no-cache")
    assert code == 1 and "asked v1 -> v3, the projector stopped at v1" in out.splitlines()[0]
    code, out, err = _run(capsys, "changed", path, "--stream", stream, "--version", "2", "--json",
                          "--projector", raises, "--no-cache")
    document = json.loads(out)
    assert code == 1 and document["stopped"] is not None
    assert document["state_after"] is None  # not {}: the state after the event is not known


@pytest.mark.parametrize("command", ["states", "compare"])
def test_states_or_compare_without_streams_named_is_bad_usage(capsys, store, command):
    path, _, _, _, counts, _ = store
    extra = ["--against", counts] if command == "compare" else []
    with pytest.raises(SystemExit) as exit_:
        main([command, path, "--projector", counts, *extra])
    assert exit_.value.code == 2  # bad usage, not 1 (a store error, or a projector that stopped)
    assert "say which streams: --category C and/or --match GLOB" in capsys.readouterr().err
