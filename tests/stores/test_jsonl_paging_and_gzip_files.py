"""JSON Lines files: pages follow positions (also in two concatenated exports), a page reads
and decodes only its own lines, and a gzipped file opens from a decompressed copy in the
user's cache (a file named .gz that is not gzip is refused)."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from inspector.stores import open_store
from inspector.stores.jsonl import JsonlEventStore


def _all(store, **kwargs) -> list:
    """Every event of ``read_all``, page by page (small pages, so page edges are crossed)."""
    events, after = [], None
    while True:
        page = store.read_all(after_position=after, limit=2, **kwargs)
        events.extend(page)
        if len(page) < 2:
            return events
        after = page[-1].position


# --- 1. JSONL files page by position --------------------------------------------------------
def _jsonl_line(position: int, stream: str = "cart-1", version: int = 1) -> bytes:
    return orjson.dumps({"position": position, "stream": stream, "version": version, "type": "Added",
                         "recorded_at": "2026-01-01T10:00:00Z", "data": {"n": position}}) + b"\n"


def test_two_concatenated_jsonl_exports_page_through_all_events_in_position_order(tmp_path):
    path = tmp_path / "two-exports.jsonl"
    path.write_bytes(b"".join(_jsonl_line(p, version=p) for p in (10, 11, 12, 1, 2, 3)))
    store = JsonlEventStore(path)
    assert [e.position for e in _all(store)] == [1, 2, 3, 10, 11, 12]
    backwards, after = [], None
    while page := store.read_all(after_position=after, limit=2, descending=True):
        backwards.extend(e.position for e in page)
        after = page[-1].position
    assert backwards == [12, 11, 10, 3, 2, 1]
    assert store.latest_position() == 12


class _CountingFile:
    """A file opened by the store; counts the bytes the store reads through it."""

    def __init__(self, handle, counter: "_CountingPath") -> None:
        self._handle, self._counter = handle, counter

    def _counted(self, data):
        self._counter.bytes_read += len(data)
        return data

    def read(self, *args):
        return self._counted(self._handle.read(*args))

    def readline(self, *args):
        return self._counted(self._handle.readline(*args))

    def readlines(self, *args):
        return [self._counted(line) for line in self._handle.readlines(*args)]

    def __iter__(self):
        return (self._counted(line) for line in self._handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self._handle.close()

    def __getattr__(self, name):
        return getattr(self._handle, name)


class _CountingPath:
    """The store's file path; every file opened through it counts what is read."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self.bytes_read = 0

    def open(self, *args, **kwargs):
        return _CountingFile(self._path.open(*args, **kwargs), self)

    def __fspath__(self) -> str:
        return str(self._path)

    def __getattr__(self, name):
        return getattr(self._path, name)


def _big_line(position: int) -> bytes:
    return _jsonl_line(position, stream=f"cart-{position % 100}", version=position // 100 + 1)


def test_a_jsonl_page_decodes_only_its_own_lines(tmp_path, monkeypatch):
    path = tmp_path / "big.jsonl"
    lines = 50_000
    with path.open("wb") as handle:
        for position in range(1, lines + 1):
            handle.write(_big_line(position))
    store = JsonlEventStore(path)
    decodes = 0
    decode = store._decode

    def counting(line, number):
        nonlocal decodes
        decodes += 1
        return decode(line, number)

    monkeypatch.setattr(store, "_decode", counting)
    reading = _CountingPath(store.path)
    monkeypatch.setattr(store, "path", reading)
    first = store.read_all(limit=500)
    first_cost, first_bytes = decodes, reading.bytes_read
    decodes, reading.bytes_read = 0, 0
    last = store.read_all(after_position=lines - 500, limit=500)
    last_cost, last_bytes = decodes, reading.bytes_read
    assert [e.position for e in first] == list(range(1, 501))
    assert [e.position for e in last] == list(range(lines - 499, lines + 1))
    assert first_cost == last_cost == 500
    # the last page reads its own lines from the file (at most one line more), not the 49,500
    # lines before it: it costs what the first page costs
    assert first_bytes <= sum(len(_big_line(p)) for p in range(1, 502))
    assert last_bytes <= sum(len(_big_line(p)) for p in range(lines - 500, lines + 1))


# --- 2. gzip files ------------------------------------------------------------------------
def test_a_gzipped_jsonl_file_opens_from_a_decompressed_copy_in_the_user_cache(tmp_path):
    path = tmp_path / "events.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"".join(_jsonl_line(p, version=p) for p in (1, 2, 3)))
    before = path.read_bytes()
    store = open_store(str(path))
    assert [e.data for e in _all(store)] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert store.describe().location == str(path)
    assert Path(store.path).is_relative_to(tmp_path / "cache")
    assert open_store(str(path)).path == store.path  # decompressed once
    assert path.read_bytes() == before


def test_a_file_named_gz_that_is_not_gzip_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(_jsonl_line(1))
    with pytest.raises(Exception, match="cannot decompress"):
        open_store(str(path))


def test_a_fold_reads_every_line_of_a_stream_as_reading_the_stream_does(tmp_path):
    """Lines read for a replay decode their payload when first read: usual lines at once, odd
    ones (a byte order mark, numbers orjson would round, deep nesting, no data, no type, an odd
    time) the long way; every field is what ``read_stream`` gives, in the same order."""
    lines = [
        {"position": 1, "stream": "cart-1", "version": 1, "type": "Opened", "recorded_at": "2026-01-01T00:00:00Z",
         "data": {"owner": "ann"}, "metadata": {"actor": "ann@example.com"}},
        {"position": 2, "stream": "cart-1", "version": 3, "type": "Priced", "data": {"total": "big"}},
        {"position": 3, "stream": "cart-1", "version": 2, "type": "Added", "data": {"sku": "a", "price": 1.5}},
        {"position": 4, "stream": "cart-1", "version": 4, "data": "deep"},
        {"position": 5, "stream": "cart-1", "version": 5, "type": "Noted", "recorded_at": "not a time"},
        {"position": 6, "stream": "cart-2", "version": 1, "type": "Opened", "data": {"owner": "bob"}},
        {"position": 7, "stream": "cart-1", "type": "Unversioned", "data": {}},
        {"position": 8, "stream": "cart-1", "version": 6, "type": "Exact", "data": {"ratio": "x"}},
    ]
    text = b"\xef\xbb\xbf" + b"\n".join(orjson.dumps(line) for line in lines) + b"\n"
    text = text.replace(b'{"ratio":"x"}', b'{"ratio":0.1000000000000000055511151231257827}').replace(
        b'{"total":"big"}', b'{"total":1000000000000000000000000000000}').replace(
        b'"data":"deep"', b'"data":' + b'{"d":' * 300 + b"1" + b"}" * 300)
    path = tmp_path / "odd.jsonl"
    path.write_bytes(text)
    store = JsonlEventStore(path)
    stored = [event for event in store.read_stream("cart-1") if event.version is not None]
    folded = list(store.read_for_replay("cart-1"))
    assert [e.version for e in folded] == [1, 2, 3, 4, 5, 6]
    for fold_event, event in zip(folded, stored, strict=True):
        assert (fold_event.position, fold_event.stream, fold_event.version, fold_event.type) == (
            event.position, event.stream, event.version, event.type)
        assert fold_event.data == event.data
        assert (fold_event.recorded_at, fold_event.metadata, fold_event.problem, fold_event.raw) == (
            event.recorded_at, event.metadata, event.problem, event.raw)
        assert fold_event.event() == event
    assert folded[2].data == {"total": 10**30} and folded[3].data is None and "nested deeper" in folded[3].problem
    assert str(folded[5].data["ratio"]) == "0.1000000000000000055511151231257827"
    assert [e.version for e in store.read_for_replay("cart-1", after=2, upto=4)] == [3, 4]
