"""A JSON Lines file says what it keeps of a number and what it does not: ``info`` says the
value is exact but not its spelling (10.10 reads 10.1, as ``events`` shows it), and a slice of
an eventsourcing store says its fractions are Decimals with their digits. A record cut off inside
a string (a file truncated mid-line) is said to be cut off, not "unexpected control character"."""

from __future__ import annotations

import json

import pytest

from inspector.cli import main
from inspector.core.decoding import decode_json
from inspector.export.provenance import record_projector
from inspector.stores import jsonl
from inspector.stores.jsonl import JsonlEventStore

LINES = [
    '{"position":1,"stream":"wallet-1","version":1,"type":"Credited","data":{"amount":10.10,"tiny":1E-18}}',
    '{"position":2,"stream":"wallet-1","version":2,"type":"Debited","data":{"amount":7.05}}',
]
CUT_OFF = '{"stream":"wallet-2","version":7,"type":"Tr'


def _data_reading(capsys, path) -> str:
    assert main(["info", str(path), "--json"]) == 0
    columns = json.loads(capsys.readouterr().out)["columns"]
    return next(column["reading"] for column in columns if column["role"] == "data")


def test_info_says_a_number_s_value_is_kept_and_its_spelling_is_not(tmp_path, capsys):
    path = tmp_path / "wallets.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")

    reading = _data_reading(capsys, path)
    assert main(["events", str(path), "--json"]) == 0
    shown = capsys.readouterr().out

    assert "exactly as written" not in reading
    assert "10.10 reads 10.1" in reading and "1E-18 reads 1e-18" in reading
    assert '"amount":10.1,' in shown.replace(" ", "") and '"tiny":1e-18' in shown.replace(" ", "")


def test_a_slice_of_an_eventsourcing_store_says_its_fractions_keep_their_digits(tmp_path, capsys):
    path = tmp_path / "slice.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    record_projector(path, "jsonl", {"kind": "generic", "source_layout": "eventsourcing", "fractions": "decimal"})

    reading = _data_reading(capsys, path)
    assert main(["events", str(path), "--json"]) == 0
    shown = capsys.readouterr().out.replace(" ", "")

    assert "Decimals with the digits written" in reading
    assert '"amount":10.10,' in shown and '"tiny":1E-18' in shown


@pytest.mark.parametrize("ending", ["\n", ""], ids=["line-break", "end-of-file"])
def test_a_record_cut_off_inside_a_string_is_said_to_be_cut_off(tmp_path, capsys, ending):
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join([*LINES, CUT_OFF]) + ending, encoding="utf-8")
    store = JsonlEventStore(path)
    try:
        (problem,) = [event.problem for event in store.read_all(limit=10) if event.stream is jsonl.UNREADABLE]
    finally:
        store.close()

    main(["check", str(path)])
    out = capsys.readouterr().out

    assert problem == "line 3: malformed JSON: unterminated string at the end of the line: the line is cut off"
    assert "unterminated string at the end of the line: the line is cut off" in out
    assert "control character" not in out


def test_a_payload_cut_off_inside_a_string_is_said_to_be_cut_off():
    decoded = decode_json('{"note":"half\n', allow_null=False)
    assert decoded.problem == "malformed JSON: unterminated string at the end of the payload: the payload is cut off"
    inner = decode_json('{"note":"a\nb"}', allow_null=False)  # a line break inside a string that goes on
    assert inner.problem is not None and "control character" in inner.problem and "cut off" not in inner.problem
