"""An expression (``bisect --when``, ``states --where``/``--ever``) that raises an error other
than a missing key is reported with the error and where it was raised (stream, version), in
words and in ``--json``'s ``expression_errors``, instead of reading as "never holds" or "0 of 24
streams". One that raised at every version bisect checked cannot be answered: an error (exit 1)."""

from __future__ import annotations

import json

import pytest

from inspector.cli import main
from inspector.replay.key_reads import KeyReads

STREAM = "wallet-9b2e71cc"  # the demo's wallet of 198 versions
DIVISION = "ZeroDivisionError: division by zero"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_bisect_of_an_expression_raising_at_every_version_is_an_error_naming_it(demo_store_path, capsys):
    code, out, err = run(capsys, "bisect", str(demo_store_path), "--stream", STREAM, "--when", "1/0", "--no-cache")
    assert code == 1 and "never holds" not in out + err
    assert err.strip() == (
        "event-inspector: error: --when raised an error at every one of the 198 versions checked, so it is not "
        f"known where it holds: {DIVISION} (198 times, first in {STREAM} at v1)"
    )


def test_bisect_says_at_which_version_its_expression_raised(demo_store_path, capsys):
    when = "1/(event.version - 3) < -100"  # raises at v3 only, holds nowhere
    code, out, _ = run(capsys, "bisect", str(demo_store_path), "--stream", STREAM, "--when", when, "--no-cache")
    assert code == 0 and "never holds" in out
    assert out.splitlines()[-1] == (
        "note: the expression raised an error at 1 of the 198 versions checked, counted as not holding there: "
        f"{DIVISION} (1 time, first in {STREAM} at v3)"
    )
    code, out, _ = run(
        capsys, "bisect", str(demo_store_path), "--stream", STREAM, "--when", when, "--json", "--no-cache"
    )
    result = json.loads(out)
    assert result["expression_errors"] == [{"error": DIVISION, "count": 1, "stream": STREAM, "version": 3}]
    assert result["note"].startswith("the expression raised an error at 1 of the 198 versions checked")


def test_a_type_error_is_reported_not_taken_as_does_not_hold(demo_store_path, capsys):
    # comparing text with a number: the wrong answer "never holds" was given before
    code, _, err = run(
        capsys, "bisect", str(demo_store_path), "--stream", STREAM, "--when", 'state["owner"] < 0', "--no-cache"
    )
    assert code == 1
    assert "TypeError: '<' not supported between instances of 'str' and 'int'" in err


@pytest.mark.parametrize("processes", ["1", "2"])
def test_states_where_names_the_error_and_the_stream_it_was_raised_in(demo_store_path, capsys, processes):
    code, out, err = run(
        capsys,
        "states",
        str(demo_store_path),
        "--category",
        "wallet",
        "--where",
        "1/0",
        "--json",
        "--processes",
        processes,
    )
    result = json.loads(out)
    assert code == 0 and result["matches"] == []
    [error] = result["expression_errors"]
    assert error["error"] == DIVISION and error["count"] == 24 and error["stream"].startswith("wallet-")
    assert result["note"].startswith(
        "the expression raised an error at every one of the 24 states it was asked of, so it is not known where "
        f"it holds: {DIVISION} (24 times, first in wallet-"
    )
    assert f"note: {result['note']}" in err


def test_states_text_and_ever_say_it_too(demo_store_path, capsys):
    code, out, _ = run(capsys, "states", str(demo_store_path), "--category", "wallet", "--where", "1/0")
    assert code == 0 and out.splitlines()[-1].startswith("note: the expression raised an error at every one of the 24")
    code, out, _ = run(
        capsys,
        "states",
        str(demo_store_path),
        "--category",
        "wallet",
        "--match",
        STREAM,
        "--where",
        "1/(event.version - 3) < -100",
        "--ever",
    )
    assert out.splitlines()[-1] == (
        "note: the expression raised an error at 1 of the 198 states it was asked of, counted as not holding "
        f"there: {DIVISION} (1 time, first in {STREAM} at v3)"
    )


def test_a_missing_key_stays_not_yet(demo_store_path, capsys):
    # ``rating`` is written only once a job is rated: no error to report
    code, out, _ = run(
        capsys, "states", str(demo_store_path), "--category", "job", "--where", 'state["rating"] >= 1', "--json"
    )
    result = json.loads(out)
    assert result["expression_errors"] == [] and result["note"] is None
    assert code == 1 and len(result["stopped"]) == 1  # the job whose payload is not JSON stops: no clean answer


def test_error_tallies_from_several_processes_add_up():
    class At:
        def __init__(self, stream, version):
            self.stream, self.version = stream, version

    one, two = KeyReads(), KeyReads()
    one.evaluated, two.evaluated = 2, 3
    one.failed(ZeroDivisionError("division by zero"), At("a", 5))
    one.failed(ZeroDivisionError("division by zero"), At("a", 2))  # the stream's earliest version is kept
    two.failed(TypeError("bad"), None)
    one.merge(two)
    assert one.raised == 3 and not one.raised_everywhere()
    assert one.errors_json() == [
        {"error": DIVISION, "count": 2, "stream": "a", "version": 2},
        {"error": "TypeError: bad", "count": 1, "stream": None, "version": None},
    ]
    assert one.error_note() == (
        "the expression raised an error at 3 of the 5 states it was asked of, counted as "
        f"not holding there: {DIVISION} (2 times, first in a at v2); TypeError: bad (1 time)"
    )
