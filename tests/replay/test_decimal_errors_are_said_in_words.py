"""An error a decimal number raises reads in words, as an integer's does: ``DivisionByZero:
division by zero``, not the decimal module's list of signal classes (``[<class
'decimal.DivisionByZero'>]``), in an expression's reported errors (``bisect --when``, ``states
--where``) and in a projector's error."""

from __future__ import annotations

import decimal
import json
from decimal import Decimal

import pytest

from inspector.cli import main
from inspector.replay.key_reads import KeyReads, error_text

PROJECTOR = """
from decimal import Decimal
from inspector.replay import projector

@projector("acct-*")
def account(state, event):
    state["balance"] = state.get("balance", Decimal("0")) + Decimal(event.data["amount"])
    state["n"] = state.get("n", 0) + 1
    if event.data.get("split"):
        state["share"] = state["balance"] / Decimal(event.data["split"])
    return state
"""


@pytest.fixture
def bank(tmp_path):
    store = tmp_path / "bank.jsonl"
    lines = [
        ("acct-1", {"amount": "10.50"}),
        ("acct-1", {"amount": "2.25"}),
        ("acct-1", {"amount": "1"}),
        ("acct-2", {"amount": "1", "split": "0"}),
    ]  # acct-2's projector divides by zero
    store.write_text(
        "".join(
            json.dumps(
                {"position": p, "stream": s, "version": p if s == "acct-1" else 1, "type": "Deposited", "data": d}
            )
            + "\n"
            for p, (s, d) in enumerate(lines, start=1)
        )
    )
    projector = tmp_path / "bank_projector.py"
    projector.write_text(PROJECTOR)
    return str(store), str(projector)


def raised(operation):
    with decimal.localcontext() as context:
        context.traps[decimal.FloatOperation] = True
        try:
            operation()
        except decimal.DecimalException as exc:
            return exc
    raise AssertionError("did not raise")


@pytest.mark.parametrize(
    ("operation", "text"),
    [
        (lambda: Decimal(1) / Decimal(0), "DivisionByZero: division by zero"),
        (lambda: Decimal(0) / Decimal(0), "InvalidOperation: zero divided by zero is undefined"),
        (lambda: Decimal("1e999999") * Decimal("1e999999"), "Overflow: the result is too large for a decimal number"),
        (lambda: Decimal("abc"), "InvalidOperation: text that is not a number"),
        (lambda: Decimal("NaN") < 1, "InvalidOperation: invalid operation on decimal numbers"),
        (lambda: Decimal(1) < 1.5, "FloatOperation: a float mixed with a decimal number"),
    ],
)
def test_each_decimal_signal_reads_in_words(operation, text):
    said = error_text(raised(operation))
    assert said.startswith(text) and "<class" not in said


def test_other_errors_read_as_before():
    assert error_text(ZeroDivisionError("division by zero")) == "ZeroDivisionError: division by zero"
    reads = KeyReads()
    reads.failed(raised(lambda: Decimal(1) / Decimal(0)), None)
    assert list(reads.errors) == ["DivisionByZero: division by zero"]


def test_bisect_and_states_name_a_decimal_division_by_zero_in_words(bank, capsys):
    store, projector = bank
    when = 'state["balance"] / (state["n"] - 2) < -1000'  # raises at v2 only, holds nowhere
    assert main(["bisect", store, "--projector", projector, "--stream", "acct-1", "--when", when, "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "DivisionByZero: division by zero (1 time, first in acct-1 at v2)" in out and "<class" not in out
    main(["states", store, "--projector", projector, "--match", "acct-1", "--at", "v2", "--where", when, "--json"])
    errors = json.loads(capsys.readouterr().out)["expression_errors"]
    assert [error["error"] for error in errors] == ["DivisionByZero: division by zero"]


def test_a_projector_s_decimal_error_reads_in_words(bank, capsys):
    store, projector = bank
    main(["replay", store, "--projector", projector, "--stream", "acct-2"])
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert "DivisionByZero: division by zero" in said and "<class" not in said
