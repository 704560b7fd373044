"""An expression that reads a key no state has (a misspelt field) is said to, with the nearest
spelling the states do have, instead of reading as "holds nowhere"."""

from __future__ import annotations

import json

import pytest

from inspector.cli import main
from inspector.replay.key_reads import KeyReads


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


MISSPELT = "the expression read a key that no state had: 'credit' (did you mean 'credits'?)"


def test_states_where_with_a_misspelt_field_says_no_state_had_it(demo_store_path, capsys):
    code, out, _ = run(capsys, "states", str(demo_store_path), "--category", "wallet", "--where",
                       'state["credit"] < 0')
    assert code == 0
    assert out.splitlines()[-1] == f"note: {MISSPELT}"
    assert out.splitlines()[-2].startswith("0 of 24 streams where")


@pytest.mark.parametrize("processes", ["1", "2"])
def test_states_json_carries_the_note_from_every_process(demo_store_path, capsys, processes):
    code, out, err = run(capsys, "states", str(demo_store_path), "--category", "wallet", "--where",
                         'state["credit"] < 0', "--json", "--processes", processes)
    assert code == 0 and json.loads(out)["note"] == MISSPELT and f"note: {MISSPELT}" in err


def test_a_field_some_states_have_is_no_misspelling(demo_store_path, capsys):
    # ``rating`` is written only when a job is rated: absent from some states, present in others
    code, out, _ = run(capsys, "states", str(demo_store_path), "--category", "job", "--where",
                       'state["rating"] >= 1', "--json")
    result = json.loads(out)
    assert result["note"] is None and result["matches"]
    assert code == 1 and len(result["stopped"]) == 1  # the job whose payload is not JSON stops: no clean answer
    code, out, _ = run(capsys, "states", str(demo_store_path), "--category", "wallet", "--where",
                       'state["credits"] < 0')
    assert code == 0 and "note:" not in out


def test_bisect_with_a_misspelt_field_names_it_beside_never_holds(demo_store_path, demo_planted, capsys):
    stream, _ = demo_planted.negative_wallet
    code, out, _ = run(capsys, "bisect", str(demo_store_path), "--stream", stream, "--when", 'state["credit"] < 0',
                       "--no-cache")
    assert code == 0 and "never holds" in out and f"note: {MISSPELT}" in out
    code, out, _ = run(capsys, "bisect", str(demo_store_path), "--stream", stream, "--when", 'state["nope"] < 0',
                       "--json", "--no-cache")
    assert json.loads(out)["note"] == "the expression read a key that no state had: 'nope'"
    code, out, _ = run(capsys, "bisect", str(demo_store_path), "--stream", stream, "--when", 'state["credits"] < 0',
                       "--json", "--no-cache")
    assert json.loads(out)["found"] and json.loads(out)["note"] is None


def test_tallies_from_several_processes_add_up():
    one, two = KeyReads(), KeyReads()
    one.evaluated, two.evaluated = 2, 3
    one.missed(KeyError("credit"), {"credits": 1})
    one.missed(KeyError("credit"), {"credits": 2})
    for _ in range(3):
        two.missed(KeyError("credit"), {"owner": "x"})
    one.merge(two)
    assert one.never_found() == ["credit"] and one.note() == MISSPELT
    two.evaluated += 1  # one state of the other process had the key
    fresh = KeyReads()
    fresh.merge(two)
    assert fresh.note() is None
