"""Numbers exactly as written: integers beyond 64 bits, decimals with their digits, NaN/Infinity.

A JSON Lines store holds a .NET ``decimal.MaxValue`` in minor units, a decimal longer than
a double keeps and the ``NaN``/``Infinity``/``-Infinity`` tokens Python's ``json`` writes;
``events``, ``replay``, ``diff`` and every export keep them exactly, and ordinary floats
stay floats.
"""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys
from decimal import Decimal

import pytest

from inspector.cli import main
from inspector.core import jsontext
from inspector.core.decoding import decode_json, loads_exact
from inspector.core.diff import diff_states, same_value
from inspector.core.events import Event
from inspector.core.summary import short_value
from inspector.replay import load_projectors, replay
from inspector.replay.cache import SnapshotCache
from inspector.replay.projectors import Projector
from inspector.stores import open_store

MAX_DECIMAL = 79228162514264337593543950335  # .NET decimal.MaxValue, in minor units
LONG_DECIMAL = "0.1000000000000000055511151231257827"
STREAM = "payment-7"

LINES = [
    '{"position": 1, "stream": "payment-7", "version": 1, "type": "PaymentAuthorised", '
    '"recorded_at": "2024-03-01T10:00:00Z", "data": {"amount_minor": 79228162514264337593543950335, '
    '"rate": 0.1000000000000000055511151231257827, "fee": 12.5}, "metadata": {"actor": "ops"}}',
    '{"position": 2, "stream": "payment-7", "version": 2, "type": "PaymentAdjusted", '
    '"recorded_at": "2024-03-01T10:05:00Z", "data": {"amount_minor": 79228162514264337593543950336, '
    '"ratio": NaN, "ceiling": Infinity, "floor": -Infinity}, "metadata": {"actor": "ops"}}',
]


@pytest.fixture()
def payments(tmp_path):
    path = tmp_path / "payments.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def exact(text: str):
    """Parse CLI JSON the way a careful reader would: ints exact, decimals as Decimal."""
    return json.loads(text, parse_float=Decimal)


# --- reading ---------------------------------------------------------------------------------
def test_loads_exact_keeps_integers_beyond_64_bits_and_long_decimals():
    value = loads_exact('{"a": 79228162514264337593543950335, "b": 0.1000000000000000055511151231257827}')
    assert value["a"] == MAX_DECIMAL and type(value["a"]) is int
    assert value["b"] == Decimal(LONG_DECIMAL) and str(value["b"]) == LONG_DECIMAL


def test_loads_exact_reads_python_json_nan_and_infinity_tokens():
    value = loads_exact(b'[NaN, Infinity, -Infinity]')
    assert math.isnan(value[0]) and value[1] == math.inf and value[2] == -math.inf
    assert all(type(item) is float for item in value)


def test_ordinary_floats_stay_floats_on_both_paths():
    ordinary = '{"fee": 12.5, "tax": 1.50, "tiny": 1e-7, "huge": 1e100, "zero": -0.0}'
    risky = ordinary[:-1] + ', "big": 79228162514264337593543950335}'
    fast, slow = loads_exact(ordinary), loads_exact(risky)
    for key in ("fee", "tax", "tiny", "huge", "zero"):
        assert type(fast[key]) is float and type(slow[key]) is float
        assert repr(fast[key]) == repr(slow[key])


def test_numbers_beyond_a_double_become_decimals_with_their_digits():
    assert loads_exact("[1e400]") == [Decimal("1e400")]
    assert loads_exact("[1e-400]") == [Decimal("1e-400")]
    assert loads_exact("123456789012345678.5") == Decimal("123456789012345678.5")


def test_invalid_json_is_a_value_error_and_a_problem_not_a_crash():
    with pytest.raises(ValueError):
        loads_exact('{"a": 79228162514264337593543950335')
    decoded = decode_json('{"a": NaN')
    assert decoded.value is None and decoded.problem.startswith("malformed JSON")


def test_an_integer_past_the_int_text_limit_reads_and_writes_whole():
    digits = "7" * 5000
    value = loads_exact(digits)
    assert value % 10 == 7 and jsontext.dumps(value) == digits


# --- writing ---------------------------------------------------------------------------------
def test_dumps_writes_every_number_as_held():
    text = jsontext.dumps({"a": MAX_DECIMAL, "b": Decimal(LONG_DECIMAL), "c": [math.nan, math.inf, -math.inf],
                           "d": Decimal("1.50"), "e": 12.5, "f": None})
    assert text == ('{"a":79228162514264337593543950335,"b":0.1000000000000000055511151231257827,'
                    '"c":[NaN,Infinity,-Infinity],"d":1.50,"e":12.5,"f":null}')


def test_dumps_writes_bytes_as_text_or_base64_and_times_as_iso():
    from datetime import datetime, timezone

    assert jsontext.dumps([b"hi", b"\xff\x00"]) == '["hi","/wA="]'
    assert jsontext.dumps(datetime(2024, 3, 1, tzinfo=timezone.utc)) == '"2024-03-01T00:00:00+00:00"'


def test_ui_renderings_show_every_digit():
    from inspector.ui.presenting import raw_text, value_kind

    event = Event(1, STREAM, 1, "PaymentAuthorised", data={"amount_minor": MAX_DECIMAL, "rate": Decimal(LONG_DECIMAL)})
    assert short_value(MAX_DECIMAL, 200) == "79228162514264337593543950335"
    assert short_value(Decimal(LONG_DECIMAL), 200) == LONG_DECIMAL
    assert short_value(math.nan) == "NaN"
    assert value_kind(Decimal(LONG_DECIMAL)) == "number"
    text = raw_text(event)
    assert '"amount_minor": 79228162514264337593543950335' in text and LONG_DECIMAL in text


# --- diff ------------------------------------------------------------------------------------
def test_diff_reports_ten_to_the_thirty_plus_one_exactly():
    (change,) = diff_states({"n": 10**30}, {"n": 10**30 + 1})
    assert (change.path, change.before, change.after) == ("/n", 10**30, 10**30 + 1)


def test_diff_sees_the_same_number_in_a_decimal_and_a_float():
    assert same_value(Decimal("1.50"), 1.5)
    assert same_value(0.1, Decimal("0.1"))
    assert not same_value(0.1, Decimal(LONG_DECIMAL))
    assert diff_states({"x": [math.nan], "y": Decimal("1.50")}, {"x": [math.nan], "y": 1.5}) == []


# --- the CLI on a JSON Lines store -----------------------------------------------------------
def test_events_json_keeps_the_big_integer_the_long_decimal_and_the_tokens(payments, capsys):
    code, out, _ = run(capsys, "events", str(payments), "--json")
    assert code == 0
    assert '"amount_minor": 79228162514264337593543950335' in out
    assert f'"rate": {LONG_DECIMAL}' in out
    assert '"ratio": NaN' in out and '"ceiling": Infinity' in out and '"floor": -Infinity' in out
    first, second = exact(out)
    assert first["data"]["amount_minor"] == MAX_DECIMAL and first["data"]["fee"] == Decimal("12.5")
    assert second["data"]["amount_minor"] == MAX_DECIMAL + 1


def test_replay_json_and_text_keep_the_exact_digits(payments, capsys):
    code, out, _ = run(capsys, "replay", str(payments), "--stream", STREAM, "--at", "v1", "--json", "--no-cache")
    assert code == 0
    state = exact(out)["state"]
    assert state["amount_minor"] == MAX_DECIMAL and state["rate"] == Decimal(LONG_DECIMAL)
    code, out, _ = run(capsys, "replay", str(payments), "--stream", STREAM, "--no-cache")
    assert code == 0
    assert "79228162514264337593543950336" in out and LONG_DECIMAL in out and "NaN" in out


def test_diff_reports_the_change_by_one_minor_unit(payments, capsys):
    code, out, _ = run(capsys, "diff", str(payments), "--stream", STREAM, "--from", "v1", "--to", "v2", "--json",
                       "--no-cache")
    assert code == 0
    changes = {c["path"]: c for c in exact(out)["changes"]}
    assert changes["/amount_minor"]["before"] == MAX_DECIMAL
    assert changes["/amount_minor"]["after"] == MAX_DECIMAL + 1
    assert '"after": NaN' in out
    code, out, _ = run(capsys, "diff", str(payments), "--stream", STREAM, "--from", "v1", "--to", "v2", "--no-cache")
    assert "79228162514264337593543950335" in out and "79228162514264337593543950336" in out


def stream_events(target) -> list:
    store = open_store(str(target))
    try:
        return list(store.read_stream(STREAM))
    finally:
        store.close()


def _same_events(a, b) -> None:
    assert [(e.stream, e.version, e.type) for e in a] == [(e.stream, e.version, e.type) for e in b]
    for left, right in zip(a, b):
        assert diff_states(left.data, right.data) == [], (left.data, right.data)
        for key, value in left.data.items():
            assert type(right.data[key]) is type(value)


def test_export_jsonl_round_trips_every_number(payments, tmp_path, capsys):
    target = tmp_path / "slice.jsonl"
    code, _, err = run(capsys, "export", str(payments), "--format", "jsonl", "-o", str(target))
    assert code == 0, err
    text = target.read_text()
    assert '"amount_minor":79228162514264337593543950335' in text and f'"rate":{LONG_DECIMAL}' in text
    assert '"ratio":NaN' in text and '"floor":-Infinity' in text
    _same_events(stream_events(payments), stream_events(target))


def test_export_sqlite_round_trips_every_number(payments, tmp_path, capsys):
    target = tmp_path / "slice.db"
    code, _, err = run(capsys, "export", str(payments), "--format", "sqlite", "-o", str(target))
    assert code == 0, err
    conn = sqlite3.connect(target)
    (data,) = conn.execute("SELECT data FROM events WHERE version = 1").fetchone()
    conn.close()
    assert "79228162514264337593543950335" in data and LONG_DECIMAL in data
    _same_events(stream_events(payments), stream_events(target))


def test_export_pytest_fixture_pins_the_exact_integer_and_passes(payments, tmp_path, capsys):
    target = tmp_path / "test_payment_slice.py"
    code, _, err = run(capsys, "export", str(payments), "--stream", STREAM, "--format", "pytest", "-o", str(target))
    assert code == 0, err
    source = target.read_text()
    assert '"amount_minor":79228162514264337593543950336' in source  # the expected state, exact
    assert '"amount_minor":79228162514264337593543950335' in source  # the first event, exact
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(target)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


# --- the snapshot cache ----------------------------------------------------------------------
def test_state_with_a_hundred_digit_integer_and_decimals_survives_the_cache_codec():
    state = {"big": 10**100 + 7, "price": Decimal("1.50"), "rate": Decimal(LONG_DECIMAL), "fee": 12.5,
             "amounts": [Decimal("100"), -(10**40)]}
    projector = Projector()
    restored = projector.load(projector.dump(state))
    assert restored == state and projector.cacheable(state)
    assert type(restored["price"]) is Decimal and restored["price"].as_tuple() == Decimal("1.50").as_tuple()
    assert type(restored["fee"]) is float and type(restored["big"]) is int
    assert projector.copy(state) == state and projector.copy(state) is not state


def test_a_state_the_cache_cannot_hold_exactly_is_not_cached():
    projector = Projector()
    assert not projector.cacheable({1: "an int key"})
    with pytest.raises(TypeError):
        projector.dump({"when": __import__("datetime").datetime(2024, 1, 1)})


PROJECTOR_SOURCE = '''
from decimal import Decimal
from inspector.replay import projector

@projector("payment")
def ledger(state, event):
    state["total_minor"] = state.get("total_minor", 0) + event.data["amount_minor"]
    state["rate"] = Decimal(str(event.data["rate"]))
    return state
'''


def test_replay_from_the_cache_gives_back_the_exact_state(tmp_path):
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text("".join(
        f'{{"position": {v}, "stream": "{STREAM}", "version": {v}, "type": "PaymentAuthorised", '
        f'"recorded_at": "2024-03-01T10:0{v}:00Z", "data": {{"amount_minor": {MAX_DECIMAL}, "rate": {LONG_DECIMAL}}}}}\n'
        for v in range(1, 6)), encoding="utf-8")
    projector_file = tmp_path / "ledger.py"
    projector_file.write_text(PROJECTOR_SOURCE, encoding="utf-8")
    cache = SnapshotCache(tmp_path / "cache.db", every=1)
    store = open_store(str(ledger))
    try:
        projectors = load_projectors(str(projector_file), store=store)
        cold = replay(store, STREAM, projectors=projectors, cache=cache)
        warm = replay(store, STREAM, projectors=projectors, cache=cache)
    finally:
        store.close()
        cache.close()
    assert cold.snapshot_source is None
    assert cold.state == {"total_minor": 5 * MAX_DECIMAL, "rate": Decimal(LONG_DECIMAL)}
    assert warm.snapshot_source == "cache" and warm.events_applied < 5
    assert warm.state == cold.state and type(warm.state["rate"]) is Decimal
    assert warm.state["total_minor"] == 396140812571321687967719751675
    assert str(warm.state["rate"]) == LONG_DECIMAL
