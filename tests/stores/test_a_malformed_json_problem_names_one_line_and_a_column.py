"""A malformed JSON problem says where in words that cannot be misread: a JSON Lines record names
its line once (the parser's own "line 2 column 1 (char 76)" counted the line break ending a one-line
record as a second line), and the place within it as a column, or nothing more where the record
just ends too soon; a payload of several lines says the line and column of the payload."""

from __future__ import annotations

import json

from inspector.cli import main
from inspector.core.decoding import decode_json
from inspector.stores import jsonl
from inspector.stores.jsonl import JsonlEventStore

PLACED = json.dumps({"position": 1, "stream": "order-1", "version": 1, "type": "Placed", "data": {}})
#: line 2 lacks its closing brace; line 3 has a doubled comma at column 15
CUT_SHORT = '{"position":2,"stream":"order-2","version":1,"type":"Placed","data":{"a":1}'
DOUBLED = '{"position":3,,"stream":"order-3"}'


def _problems(tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join([PLACED, CUT_SHORT, DOUBLED]) + "\n")
    store = JsonlEventStore(path)
    try:
        return path, [e.problem for e in store.read_all(limit=10) if e.stream is jsonl.UNREADABLE]
    finally:
        store.close()


def test_a_record_cut_short_names_its_own_line_only(tmp_path):
    _, (cut, doubled) = _problems(tmp_path)
    assert cut == "line 2: malformed JSON: unexpected end of data"
    assert doubled.startswith("line 3: malformed JSON: ") and doubled.endswith(" at column 15")
    assert "(char" not in doubled and doubled.count("line") == 1


def test_check_says_each_line_once(tmp_path, capsys):
    path, _ = _problems(tmp_path)
    main(["check", str(path)])
    out = capsys.readouterr().out
    assert "line 2: malformed JSON: unexpected end of data (at position" in out
    assert "(char" not in out and "column 1 " not in out and "at column 15 (at position" in out


def test_a_payload_of_several_lines_says_the_line_and_column_of_the_payload():
    assert decode_json('{"a": 1,}').problem == "malformed JSON: trailing comma is not allowed at column 8"
    assert decode_json('{\n  "a": 1,\n  }').problem == (
        "malformed JSON: trailing comma is not allowed at line 2, column 9 of the payload")  # the comma
