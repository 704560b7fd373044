"""A big payload is decoded in pieces: the same value as one parse of the whole text, from parser
calls of bounded size (between two calls other threads, the GUI thread among them, get the
interpreter), with the nesting limit checked by the parser itself rather than by a walk over
the decoded value. Pieces are made small here so that small documents exercise the cutting."""

from __future__ import annotations

import random

import orjson
import pytest

from inspector.core import decoding, json_pieces
from inspector.core.decoding import MAX_NESTING, TooDeep, loads_exact

PIECE = 300


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of about ``PIECE`` bytes for documents over 2,000 bytes."""
    monkeypatch.setattr(json_pieces, "PIECE", PIECE)
    monkeypatch.setattr(decoding, "PIECEWISE_ABOVE", 2_000)


@pytest.fixture
def parser_calls(monkeypatch):
    """The length of the text of every call of the parser ``json_pieces`` makes."""
    calls: list[int] = []
    real = orjson.loads

    def counted(text):
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(json_pieces.orjson, "loads", counted)
    yield calls
    monkeypatch.setattr(json_pieces.orjson, "loads", real)


def _document(rng: random.Random, depth: int = 0):
    """A JSON-able value with strings full of brackets, commas, quotes and escapes, UTF-8 of
    several widths, numbers, literals and nested containers."""
    roll = rng.random()
    if depth > 4 or roll < 0.3:
        return rng.choice([0, -17, 2.5, 1e-7, 12345678901234, True, False, None, "", "plain",
                           'a,]}"[{\\', "Zoë – ünïcode \u2028 𝄞", "x" * rng.randint(0, 400)])
    if roll < 0.65:
        return [_document(rng, depth + 1) for _ in range(rng.randint(0, 9))]
    return {f"k{rng.randint(0, 30)}": _document(rng, depth + 1) for _ in range(rng.randint(0, 9))}


def test_a_big_document_decoded_in_pieces_is_the_value_of_one_parse(small_pieces):
    rng = random.Random(7)
    checked = 0
    for trial in range(250):
        value = _document(rng)
        text = orjson.dumps(value, option=orjson.OPT_INDENT_2 if trial % 2 else 0)
        decoded = loads_exact(text)
        assert decoded == orjson.loads(text)
        assert orjson.dumps(decoded) == orjson.dumps(orjson.loads(text))  # key order too
        checked += len(text) > 2_000
    assert checked > 50


def test_the_parser_is_never_handed_much_more_than_a_piece_of_a_big_document(small_pieces, parser_calls):
    records = [{"id": i, "name": "Zoë, [x]", "tags": ["a", "b"]} for i in range(2_000)]
    text = orjson.dumps({"items": records, "count": 2_000, "tail": {"deep": [[1, 2], [3]]}})
    assert loads_exact(text) == {"items": records, "count": 2_000, "tail": {"deep": [[1, 2], [3]]}}
    assert len(parser_calls) > len(text) // (2 * PIECE)
    padding = json_pieces.ORJSON_DEPTH - MAX_NESTING
    assert max(parser_calls) <= 2 * PIECE + 2 * padding + 2  # a run, its brackets and the depth padding


def test_duplicate_keys_in_different_pieces_keep_the_first_place_and_the_last_value(small_pieces):
    text = b'{"a": ' + orjson.dumps(list(range(1_500))) + b', "b": 1, "a": "last"}'
    decoded = loads_exact(text)
    assert list(decoded) == ["a", "b"] and decoded["a"] == "last" == orjson.loads(text)["a"]


@pytest.mark.parametrize("text", [
    b"[" + b"1," * 2_000 + b"]",  # a comma before the end
    b"[" + b"1," * 2_000 + b"1] x",  # content after the document
    b'{"a": [' + b"1," * 2_000 + b"1}",  # brackets that do not match
    b"[" + b'"abc",' * 2_000 + b"NaN]",  # a token orjson refuses: the exact parser reads it
])
def test_a_big_document_the_pieces_cannot_read_is_read_as_before(small_pieces, text):
    try:
        expected = ("value", decoding._exact_loads(text))
    except ValueError:
        expected = ("error", None)
    try:
        got = ("value", loads_exact(text))
    except TooDeep:
        raise
    except ValueError:
        got = ("error", None)
    assert got[0] == expected[0]
    if got[0] == "value":
        assert repr(got[1]) == repr(expected[1])


@pytest.mark.parametrize("big", [False, True], ids=["small document", "big document in pieces"])
def test_nesting_is_refused_exactly_past_the_limit_without_walking_the_value(small_pieces, monkeypatch, big):
    def no_walk(*args, **kwargs):
        raise AssertionError("the decoded value was walked to measure its depth")

    monkeypatch.setattr(decoding, "nesting_exceeds", no_walk)
    filler = b"[" + b",".join([b'{"k": [1, "]]]"]}'] * (300 if big else 1)) + b"]"
    for depth, refused in ((MAX_NESTING - 1, False), (MAX_NESTING, True)):
        # [filler, [[[...]]]]: the filler's own 3 levels, then ``depth`` more inside the outer array
        text = b"[" + filler + b", " + b"[" * depth + b"]" * depth + b"]"
        assert (len(text) > 2_000) is big
        nesting = 1 + depth
        assert (nesting > MAX_NESTING) is refused
        if refused:
            with pytest.raises(TooDeep, match=f"deeper than {MAX_NESTING} levels"):
                loads_exact(text)
        else:
            assert loads_exact(text) == orjson.loads(text)


def test_a_document_nested_deeper_than_the_parser_follows_is_too_deep_in_pieces_too(small_pieces):
    text = b'{"pad": "' + b"x" * 3_000 + b'", "deep": ' + b"[" * 1_100 + b"]" * 1_100 + b"}"
    with pytest.raises(TooDeep):
        loads_exact(text)
    with pytest.raises(TooDeep):
        loads_exact(text, max_depth=None)


def test_no_collection_walks_a_big_document_s_objects_right_after_it_is_decoded(small_pieces):
    """Decoded with the collector paused, the new objects are moved to its oldest generation at
    once: the allocations that follow do not start a young collection over all of them."""
    import gc

    text = orjson.dumps([{"i": i, "l": [i]} for i in range(3_000)])
    started: list[int] = []

    def record(phase, info):
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(record)
    try:
        value = loads_exact(text)
        made = [[] for _ in range(100)]
    finally:
        gc.callbacks.remove(record)
    assert len(value) == 3_000 and len(made) == 100
    assert started == []
    assert gc.isenabled()


def _until(condition, polls: int = 3_000) -> None:
    """Wait until ``condition()`` holds, looking at most ``polls`` times 10 ms apart: the sweeping
    thread works on its own time (a bound on the wait, not a speed asked of it)."""
    import time

    for _ in range(polls):
        if condition():
            return
        time.sleep(0.01)
    if not condition():
        pytest.fail("the condition never held")


def test_a_big_value_dropped_by_its_reader_is_freed_in_steps_and_a_part_kept_elsewhere_stays_whole(small_pieces):
    records = [{"id": i, "tags": [i, i + 1], "rows": [[i] * 3 for _ in range(300)]} for i in range(400)]
    text = orjson.dumps({"items": records, "meta": {"n": 400}})
    value = loads_exact(text)
    ident = id(value)

    def held() -> bool:
        return any(id(item) == ident for item in list(json_pieces._held))

    assert held()  # held while its reader still has it
    kept = value["items"][7]
    kept_rows = value["items"][9]["rows"]
    del value
    _until(lambda: not held())  # nothing else refers to it: taken apart
    assert kept == records[7] and kept_rows == records[9]["rows"]  # parts kept elsewhere are whole


def test_a_big_value_still_in_use_is_not_taken_apart(small_pieces):
    value = loads_exact(orjson.dumps([{"i": i} for i in range(3_000)]))
    assert any(item is value for item in list(json_pieces._held))
    json_pieces._take_apart([value])  # as a sweep would, finding it referred to elsewhere
    assert len(value) == 3_000 and value[-1] == {"i": 2_999}


@pytest.mark.parametrize("depth, max_depth, refused", [(1_010, None, False), (1_030, None, True), (199, MAX_NESTING, False),
                                                       (200, MAX_NESTING, True)])
def test_big_containers_nested_a_thousand_deep_are_read_or_refused_as_one_parse_would(small_pieces, depth, max_depth,
                                                                                         refused):
    inner = orjson.dumps(["y" * 1_000] * 5)  # every level holds an element bigger than a piece: descended into
    text = b"[" * depth + inner + b"]" * depth
    if refused:
        with pytest.raises(TooDeep):
            loads_exact(text, max_depth=max_depth)
        return
    value = loads_exact(text, max_depth=max_depth)
    for _ in range(depth):
        assert type(value) is list and len(value) == 1
        value = value[0]
    assert value == orjson.loads(inner)


def test_a_big_document_given_as_text_is_read_from_its_bytes_encoded_a_slice_at_a_time(small_pieces, monkeypatch):
    """Text is encoded into one growing bytearray a slice at a time (no C call writes all of a
    50 MB document at once), and reads as its UTF-8 bytes read, errors alike."""
    monkeypatch.setattr(json_pieces, "_SLICE", 333)
    rng = random.Random(11)
    for trial in range(60):
        text = orjson.dumps(_document(rng), option=orjson.OPT_INDENT_2 if trial % 2 else 0).decode()
        encoded = json_pieces.encode_in_slices(text)
        assert type(encoded) is bytearray and encoded == text.encode("utf-8")
        assert loads_exact(text) == orjson.loads(text)
    for bad in ('{"a": [' + '1, ' * 900 + '}', '{"n": NaN, "pad": "' + "é" * 3000 + '"}', "[" * 1200 + "]" * 1200):
        outcomes = []
        for given in (bad, bad.encode("utf-8")):
            try:
                outcomes.append(("value", repr(loads_exact(given))))
            except ValueError as exc:
                outcomes.append((type(exc).__name__, str(exc)))
        assert outcomes[0] == outcomes[1]


def test_the_runs_a_big_document_was_read_in_are_known_while_it_lives(small_pieces):
    records = [{"id": i, "name": "n" * 40, "rows": [[i] * 3 for _ in range(40)] if i == 50 else []} for i in range(300)]
    text = orjson.dumps({"items": records, "count": 300})
    value = loads_exact(text)
    items_runs = json_pieces.runs_of(value["items"])
    assert items_runs is not None and len(items_runs) > 10
    assert sum(count for count, _size in items_runs) == 300
    assert max(size for count, size in items_runs if count > 1) <= 2 * PIECE  # a run of several is small
    assert sum(size for _count, size in items_runs) < len(orjson.dumps(records))  # the commas between runs aside
    top_runs = json_pieces.runs_of(value)
    assert top_runs is not None and sum(count for count, _size in top_runs) == 2
    assert json_pieces.runs_of(value["items"][0]) is None  # read whole inside a run
    assert json_pieces.runs_of(records) is None  # never read in pieces
    value["items"].append({"id": 300})
    assert json_pieces.runs_of(value["items"]) is None  # changed since: the runs no longer describe it
    items = value["items"]
    ident = id(value)
    del value, items

    def held() -> bool:
        return any(id(item) == ident for item in list(json_pieces._held))

    _until(lambda: not held())
    assert ident not in json_pieces._runs_of_document  # forgotten with it


def test_an_object_whose_key_comes_again_in_a_later_run_has_no_runs(small_pieces):
    members = b",".join(b'"k%d": "%s"' % (i, b"v" * 30) for i in range(200))
    text = b"{" + members + b', "k3": "again"}'
    value = loads_exact(text)
    assert value == orjson.loads(text) and value["k3"] == "again"
    assert json_pieces.runs_of(value) is None
