"""A big event's raw text is written in pieces (so the Event tab's worker gives the interpreter
back to the GUI thread between them), and the pieces make exactly the text written whole."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings, strategies as st

from inspector.core import jsontext
from inspector.ui import text_chunks
from inspector.ui.text_chunks import pretty_json_pieces, text_size_beyond

BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers(min_value=-(10**40), max_value=10**40)
           | st.floats(allow_nan=True, allow_infinity=True)
           | st.decimals(min_value=-(10**30), max_value=10**30, allow_nan=False, allow_infinity=False)
           | st.text(max_size=20))
json_values = st.recursive(
    scalars,
    lambda inner: (st.lists(inner, max_size=6)
                   | st.dictionaries(st.text(max_size=6) | st.integers(-5, 5), inner, max_size=6)),
    max_leaves=60,
)


@BOUNDED
@given(json_values, st.sampled_from([1, 8, 40, 300, 100_000]))
def test_the_pieces_make_exactly_the_text_written_whole(value, budget):
    assert "".join(pretty_json_pieces(value, budget)) == jsontext.dumps(value, indent=True)


def test_a_50_mb_payload_is_written_from_small_parts_of_it(monkeypatch):
    payload = {"data": {"values": [i * 0.37 for i in range(600_000)],
                        "names": [f"name-{i}" for i in range(400_000)],
                        "records": [{"id": i, "big": 2**70 + i, "ratio": Decimal("1.50"), "nan": float("nan")}
                                    for i in range(30_000)]},
               "metadata": {"actor": "ann"}}
    written: list[bool] = []
    real = jsontext.dumps

    def recording(value, **options):
        written.append(text_size_beyond(value, 4 * text_chunks.PIECE_BUDGET))
        return real(value, **options)

    monkeypatch.setattr(text_chunks.jsontext, "dumps", recording)
    text = "".join(pretty_json_pieces(payload))
    assert text == real(payload, indent=True)
    assert len(written) > 20 and not any(written)  # never the whole value, nor a big part of it, at once


def test_a_single_string_bigger_than_a_piece_is_one_piece():
    value = {"blob": "x" * 1_000_000, "n": 1}
    pieces = list(pretty_json_pieces(value, budget=1000))
    assert "".join(pieces) == jsontext.dumps(value, indent=True)
    assert any(len(piece) > 1_000_000 for piece in pieces)


def test_size_estimate_tells_small_from_big_values():
    assert not text_size_beyond({"a": [1.5, 2.5], "b": "xy"}, 100)
    assert text_size_beyond(["x" * 60, "y" * 60], 100)
    assert text_size_beyond([0.5] * 10, 100)
    assert text_size_beyond({"k": {"deep": ["z" * 200]}}, 100)


def test_a_payload_decoded_in_pieces_is_written_run_by_run_walking_none_of_its_items(monkeypatch):
    from inspector.core import decoding, json_pieces

    monkeypatch.setattr(json_pieces, "PIECE", 2_000)
    monkeypatch.setattr(decoding, "PIECEWISE_ABOVE", 20_000)
    records = [{"id": i, "name": "x" * 80, "tags": ["a", "b"], "rows": [[i] * 4] * (300 if i % 97 == 0 else 1)}
               for i in range(3_000)]
    data = decoding.loads_exact(orjson.dumps({"items": records, "count": 3_000, "note": "y" * 9_000}))
    assert json_pieces.runs_of(data["items"]) is not None
    payload = {"data": data, "metadata": {"actor": "ann"}}
    walked: list[Any] = []
    written: list[int] = []
    real_walk, real_dumps = text_chunks.text_size_beyond, jsontext.dumps

    def walking(value, limit):
        walked.append(value)
        return real_walk(value, limit)

    def writing(value, **options):
        if not isinstance(value, str):  # a big string is one piece, as always
            written.append(len(orjson.dumps(value)))
        return real_dumps(value, **options)

    monkeypatch.setattr(text_chunks, "text_size_beyond", walking)
    monkeypatch.setattr(text_chunks.jsontext, "dumps", writing)
    text = "".join(pretty_json_pieces(payload, budget=3_000))
    assert text == real_dumps(payload, indent=True)
    # only the wrapper around the payload is looked at item by item, never the payload's big containers
    assert all(json_pieces.runs_of(value) is None and value is not data["items"] for value in walked)
    assert not any(value is data or value is data["items"] for value in walked)
    assert len(walked) < 3_000 // 100  # not an item at a time: a few wrappers and the odd record alone in a run
    assert len(written) > 100 and max(written) <= 2 * json_pieces.PIECE  # each call over at most a run
