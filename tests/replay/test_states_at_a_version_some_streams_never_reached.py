"""``states``/``compare --at vN``: a stream whose last version comes before N has no state at vN.
It is left out and named (never shown at its own last version as if that were vN), in the core,
the text and the JSON output; ``--ever`` (held at any version up to N) still looks at it."""

from __future__ import annotations

import json

import pytest

from inspector.cli import main
from inspector.core.events import Moment
from inspector.replay import load_projectors
from inspector.replay.category import compare_category, replay_category
from inspector.stores import open_store


@pytest.fixture(scope="module")
def wallet_lengths(demo_store_path) -> dict[str, int]:
    store = open_store(str(demo_store_path))
    try:
        return {s.stream: s.last_version for s in store.streams(category="wallet", limit=1000)}
    finally:
        store.close()


def test_streams_that_end_before_the_version_asked_are_left_out_and_named(demo_store_path, wallet_lengths):
    longest = max(wallet_lengths.values())
    shorter = sorted(name for name, last in wallet_lengths.items() if last < longest)
    assert shorter  # the demo's wallets end at different versions
    store = open_store(str(demo_store_path))
    try:
        run = replay_category(store, projectors=load_projectors("demo", store=store), category="wallet",
                              at=Moment(version=longest))
        outcomes = list(run)
    finally:
        store.close()
    matched = [o for o in outcomes if o.matched]
    assert {o.version for o in matched} == {longest}
    assert sorted(o.stream for o in outcomes if o.ends_before is not None) == shorter
    assert all(o.ends_before == wallet_lengths[o.stream] and not o.matched and o.state is None
               for o in outcomes if o.ends_before is not None)
    assert run.totals.ended_before == len(shorter)
    assert run.totals.streams == len(wallet_lengths) - len(shorter)  # replayed to vN: the others only


def test_the_cli_names_them_in_text_and_json(demo_store_path, wallet_lengths, capsys):
    longest = max(wallet_lengths.values())
    shorter = sorted(name for name, last in wallet_lengths.items() if last < longest)
    assert main(["states", str(demo_store_path), "--category", "wallet", "--at", f"v{longest}", "--json"]) == 0
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert {m["version"] for m in document["matches"]} == {longest}
    assert sorted(e["stream"] for e in document["ended_before"]) == shorter
    assert f"{len(shorter)} streams end before v{longest}" in err
    assert main(["states", str(demo_store_path), "--category", "wallet", "--at", f"v{longest}"]) == 0
    out, _ = capsys.readouterr()
    assert f"note: {len(shorter)} streams end before v{longest}, so they have no state there" in out
    assert f"{len(wallet_lengths) - len(shorter)} streams replayed;" in out
    assert not any(line.startswith(shorter[0]) for line in out.splitlines())


def test_compare_at_a_version_leaves_out_the_streams_that_never_reached_it(demo_store_path, wallet_lengths):
    longest = max(wallet_lengths.values())
    shorter = {name for name, last in wallet_lengths.items() if last < longest}
    store = open_store(str(demo_store_path))
    try:
        run = compare_category(store, old=load_projectors("demo", store=store),
                               new=load_projectors("generic", store=store), category="wallet",
                               at=Moment(version=longest))
        differences = list(run)
    finally:
        store.close()
    assert differences and not shorter & {d.stream for d in differences}
    assert {d.version for d in differences} == {longest}
    assert run.totals.ended_before == len(shorter) and run.totals.streams == len(wallet_lengths) - len(shorter)


def test_compare_past_every_stream_s_end_compares_none_and_says_why(demo_store_path, capsys):
    assert main(["compare", str(demo_store_path), "--category", "wallet", "--projector", "demo",
                 "--against", "generic", "--at", "v100000", "--json"]) == 0
    out, err = capsys.readouterr()
    document = json.loads(out)
    assert document["streams_compared"] == 0 and document["streams_ended_before"] == 24
    assert document["differences"] == [] and "24 streams end before v100000" in err


def test_ever_still_looks_at_every_stream_up_to_the_version(demo_store_path, demo_planted, wallet_lengths):
    stream, negative_at = demo_planted.negative_wallet
    store = open_store(str(demo_store_path))
    try:
        run = replay_category(store, projectors=load_projectors("demo", store=store), category="wallet",
                              at=Moment(version=max(wallet_lengths.values())), where='state["credits"] < 0',
                              ever=True)
        found = [(o.stream, o.version) for o in run if o.matched]
    finally:
        store.close()
    assert found == [(stream, negative_at)] and run.totals.ended_before == 0
