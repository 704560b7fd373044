"""A JSON Lines replay gives every event exactly what a full read of its line gives, however
its page of lines was checked.

A replay reads a stream's lines a page at a time and checks a page's numbers and nesting once
for the whole page; the lines of a clean page go straight to orjson. Whatever a page holds — an
integer no double holds, a decimal with more digits than a double keeps, a tiny exponent, NaN,
a line nested past the limit, a line of many brackets inside a string, text that is not JSON,
a line longer than a page's bytes — each event's type and data must be what ``read_stream``
decodes (value and type of every number), a bad line must not end the replay, and the fold
must end in the same state, with page edges anywhere, versions out of file order, and from
and up to any version.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from inspector.core.decoding import MAX_NESTING
from inspector.replay import GENERIC_PROJECTOR, replay
from inspector.stores import jsonl as jsonl_store
from inspector.stores import open_store

from .exact import typed

BIG = 2**70
PRICE = "0.1000000000000000000001"
DEEP = "[" * (MAX_NESTING + 5) + "]" * (MAX_NESTING + 5)
SIZE = 2_600  # events of the main stream: three pages of lines and part of another


#: the main stream's odd data by version, built once (the long line is over a MiB: building it
#: for each of the stream's lines took 12 s of the module's set-up)
_ODD = {
    7: f'{{"big": {BIG}}}',
    1_001: f'{{"price": {PRICE}}}',
    1_002: '{"tiny": 1e-400}',
    1_500: '{"not_a_number": NaN}',
    2_000: f'{{"deep": {DEEP}}}',
    2_001: json.dumps({"brackets": "[" * (MAX_NESTING + 1)}),  # shallow: its brackets are in a string
    2_400: '{"long": "' + "x" * (jsonl_store.REPLAY_PAGE_BYTES + 10) + '"}',
}


def _data(version: int) -> str:
    """The data of the main stream's line at ``version``, as JSON text: mostly plain, some odd."""
    return _ODD.get(version, f'{{"amount": {version % 97}, "counter": {version}, "note": "top-up"}}')


def _line(position: int, stream: str, version: int, data: str) -> str:
    return (f'{{"position": {position}, "stream": "{stream}", "version": {version}, "type": "Deposited", '
            f'"recorded_at": "2026-01-01T00:00:00Z", "data": {data}, "metadata": {{}}}}')


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    lines = []
    for version in range(1, SIZE + 1):
        lines.append(_line(len(lines) + 1, "account-1", version, _data(version)))
        if version % 3 == 0:  # another stream's lines in between: the replay seeks past them
            lines.append(_line(len(lines) + 1, "account-2", version // 3, f'{{"amount": {version}}}'))
        if version in (1_200, 2_300):
            lines.append("this line is not JSON")
            # a second line of the same version, its data nested past the limit (shown with a problem)
            lines.append(_line(len(lines) + 1, "account-1", version, DEEP if version == 1_200 else '{"dup": 1e400}'))
    # a stream written out of version order, one of its lines without a version
    for version in (5, 2, 9, 1, 3):
        lines.append(_line(len(lines) + 1, "account-3", version, f'{{"amount": {version}, "big": {BIG + version}}}'))
    lines.append('{"position": 99999, "stream": "account-3", "type": "Deposited", "data": {"unversioned": true}}')
    path = tmp_path_factory.mktemp("pages") / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    opened = open_store(str(path))
    try:
        yield opened
    finally:
        opened.close()


def full(store, stream: str, after: int | None = None, upto: int | None = None) -> list:
    return [(e.position, e.version, e.type, typed(e.data))
            for e in store.read_stream(stream, from_version=None if after is None else after + 1, to_version=upto)
            if e.version is not None]


def folded(store, stream: str, after: int | None = None, upto: int | None = None) -> list:
    return [(e.position, e.version, e.type, typed(e.data))
            for e in store.read_for_replay(stream, after=after, upto=upto)]


@pytest.mark.parametrize("stream", ["account-1", "account-2", "account-3"])
def test_every_event_of_a_replay_is_what_a_full_read_gives(store, stream):
    expected = full(store, stream)
    assert folded(store, stream) == expected and expected


def test_odd_numbers_deep_lines_and_bad_lines_keep_their_values_on_any_page(store):
    data = {e.version: e.data for e in store.read_for_replay("account-1") if e.data is not None}
    assert data[7] == {"big": BIG} and type(data[7]["big"]) is int
    assert data[1_001] == {"price": Decimal(PRICE)} and data[1_002] == {"tiny": Decimal("1e-400")}
    assert data[1_500]["not_a_number"] != data[1_500]["not_a_number"]  # NaN
    assert data[2_001] == {"brackets": "[" * (MAX_NESTING + 1)}
    assert len(data[2_400]["long"]) == jsonl_store.REPLAY_PAGE_BYTES + 10
    deep = [e for e in store.read_for_replay("account-1") if e.version == 2_000]
    assert deep[0].data is None and f"nested deeper than {MAX_NESTING} levels" in deep[0].event().problem
    assert [e.version for e in store.read_for_replay("account-1")] == sorted(
        [*range(1, SIZE + 1), 1_200, 2_300])  # the duplicates folded too, in version order


@pytest.mark.parametrize(("after", "upto"), [(None, 999), (999, None), (1_000, 1_001), (1_499, 2_400), (2_599, None)])
def test_a_replay_from_and_up_to_a_version_reads_the_same_events(store, after, upto):
    assert folded(store, "account-1", after, upto) == full(store, "account-1", after, upto)


def test_a_bad_line_does_not_end_the_replay_and_the_state_is_the_full_reads(store):
    result = replay(store, "account-1", projectors=GENERIC_PROJECTOR, cache=None)
    state: dict[str, Any] = {}
    for event in store.read_stream("account-1"):
        if isinstance(event.data, dict):
            state.update(event.data)
    assert result.problem is None and result.events_applied == SIZE + 2 and result.version == SIZE
    assert typed(result.state) == typed(state)
