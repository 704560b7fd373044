"""JSON Lines files: one event object per line, as ``events --json``/``export --format jsonl`` write them.

The file is scanned once, keeping only byte offsets, a position index and per-stream
summaries in memory; events are decoded again from disk when read. A bad line becomes an
Event with a problem. A ``.gz`` file is decompressed once into the user cache folder,
because reading lines back by offset needs a file that can seek.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice, repeat
from operator import le
from pathlib import Path
from typing import Any, Callable, Iterator, cast

import orjson

from inspector.core.cancel import CancelToken, Progress, check
from inspector.core.type_drift import DEFAULT_SAMPLE, TypeSurvey
from inspector.core.decoding import (INT64_MAX, INT64_MIN, MAX_NESTING, TooDeep, decimal_document, json_error_words, loads_decimal, loads_exact, nesting_exceeds, page_reads_exactly, plain_document,
                                     whole_number)
from inspector.core import jsontext
from inspector.core.events import (Event, StreamSummary, category_key, category_of_stream_name, in_category, parse_time,
                                   raw_text, unread_time_problem)
from inspector.stores.lazy import FoldEvent, FromFullEvent, PayloadLeftOut
from inspector.core.matching import accepts, stream_matches
from inspector.stores.files import refuse_special_file
from inspector.stores.identity import store_identity_key
from inspector.stores.base import (ACTOR_DECODED_ROWS, ColumnReading, EventFilter, Histogram, Snapshot, StoredRecord,
                                   StoreError, StoreInfo, count_actors)


_BOM = b"\xef\xbb\xbf"
#: The stream and type of a line that is no event (not a JSON object, too long, too deep): a mark,
#: not a stream. Such a line is in no stream, category or type; ``read_all`` (unfiltered) lists it
#: with its problem and ``unreadable_lines`` gives it to ``check``. Told by identity (``is``): a
#: stream a line names ``(unreadable)`` is a stream like any other.
UNREADABLE = "(unreadable)"
#: the position ``_decoded`` gives a line without one of its own (no event, none given, not a whole
#: number): beyond 64 bits, so no line's own; ``_place_lines`` places it
_PLACED = INT64_MIN - 1
#: A line longer than this is an event with a problem, not read into memory.
MAX_LINE = 64 * 1024 * 1024
#: A line longer than this keeps its event's fields but its payload in memory from the scan, so a
#: capped read (``read_all(payload_cap=...)``) gives it without reading the line again; shorter
#: lines are always read whole (a cap below this size leaves no payload out).
BIG_LINE = 64 * 1024
#: A replay reads a stream's lines a page at a time, at most this many lines and, but for a
#: longer line alone, this many bytes: each page's numbers and nesting are checked at once
#: (``_page_is_plain``), not line by line.
REPLAY_PAGE_LINES = 1000
REPLAY_PAGE_BYTES = 1 << 20
#: A ``.jsonl.gz`` may inflate to at most this many times its size, or ``MIN_INFLATED_LIMIT``
#: bytes when that is more; beyond, it is refused (event text compresses about 5-20 times,
#: a file of newlines or a repeated row about 1,000 times).
MAX_INFLATION = 100
MIN_INFLATED_LIMIT = 32 * 1024 * 1024
#: Decompressed copies kept in the user cache folder: at most this many, and this many bytes.
CACHE_COPIES = 8
CACHE_BYTES = 2 * 1024**3


@dataclass
class _StreamIndex:
    offsets: array = field(default_factory=lambda: array("q"))
    versions: list[int | None] = field(default_factory=list)
    #: each line's number in the file, from 0, blank lines not counted (``JsonlEventStore._file_line``
    #: gives an editor's); ``offsets`` and ``versions`` are in file order too
    lines: array = field(default_factory=lambda: array("q"))
    first_at: datetime | None = None
    last_at: datetime | None = None
    #: the category the first of the stream's lines that records one gives (a slice keeps its source's so)
    category: str | None = None
    #: the places of the lines in (versioned, version, offset) order: worked out on first read
    order: list[int] | None = None

    def in_version_order(self) -> list[int]:
        """Places of the stream's lines: lines without a version first, then by version and offset."""
        if self.order is None:
            versions, offsets = self.versions, self.offsets
            known = cast("list[int]", versions)  # when None is not in it
            if None not in versions and all(map(le, known, islice(known, 1, None))):
                self.order = list(range(len(versions)))  # in file order already (offsets ascending)
            else:
                self.order = sorted(range(len(versions)),
                                    key=lambda i: (versions[i] is not None, versions[i] or 0, offsets[i]))
        return self.order


#: How each field of a line is read (``info``): JSON has no declared types, so these are the rules.
JSONL_READINGS = (
    ColumnReading("position", "position", "JSON number",
                  "integer up to 2^63-1; a line without one (or no event) is placed after the line before it,"
                  " at the first number no line holds"),
    ColumnReading("stream", "stream", "JSON string", "the name as written, compared exactly"),
    ColumnReading("version", "version", "JSON number", "a whole number (2.0 and \"3\" too); anything else is a problem"),
    ColumnReading("type", "type", "JSON string", "as written"),
    ColumnReading("recorded_at", "recorded_at", "JSON string", "ISO-8601 (no zone: UTC); anything else is a problem"),
    ColumnReading("data", "data", "any JSON", "numbers at their exact value (big integers, long decimals, NaN/Infinity);"
                  " not their spelling: 10.10 reads 10.1, 1E-18 reads 1e-18"),
    ColumnReading("metadata", "metadata", "JSON object", "as written; the actor from actor/user/user_id keys"),
    ColumnReading("category", "category", "JSON string", "the stream's category, from the first of its lines that "
                  "has one (optional: else the text before the name's first '-')"),
)


#: ``data`` of a slice of an ``eventsourcing`` store (``inspector.stores.slice_record.decimal_numbers``)
DECIMAL_DATA_READING = ColumnReading(
    "data", "data", "any JSON", "a slice of an eventsourcing store: numbers with a fraction or exponent as Decimals"
    " with the digits written (10.10 stays 10.10), as the library decodes them; integers exact")


_UNREAD: Any = object()


def _decimal_numbers(source: Path) -> bool:
    """Whether the file at ``source`` is a slice of an ``eventsourcing`` store whose fractions
    were Decimals there (its record says so, next to it)."""
    from inspector.stores.slice_record import decimal_numbers

    return decimal_numbers(source)


def _recorded_category(line: bytes) -> str | None:
    """The ``category`` a line records (a non-empty string), else None."""
    try:
        doc = json.loads(line)
    except (ValueError, RecursionError):
        return None
    value = doc.get("category") if isinstance(doc, dict) else None
    return value if isinstance(value, str) and value else None


class _LineEvent(FromFullEvent):
    """A versioned line of the file for a fold: ``position``, ``stream`` and ``version`` from the
    line index, ``type`` and ``data`` from the line's JSON decoded once when first read, every
    other field (time, metadata, problems) from ``event()``: the Event ``read_stream`` gives for
    the line, decoded only when something asks (a fold reads the payload alone, most often)."""

    __slots__ = ("position", "stream", "version", "_store", "_line", "_number", "_document", "_full")

    def __init__(self, store: "JsonlEventStore", line: bytes, number: int, position: int, stream: str,
                 version: int) -> None:
        self._store, self._line, self._number = store, line, number
        self.position, self.stream, self.version = position, stream, version
        self._document: Any = _UNREAD
        self._full: Event | None = None

    def event(self) -> Event:
        """The line's Event, every field decoded (``JsonlEventStore._decode``); from the object
        decoded already where ``data`` or ``type`` was read (its payload is the same object)."""
        if self._full is None:
            document = self._document
            if type(document) is dict:
                full = self._store._from_document(document, self._line, self._number)
                self._full = self._store._at_place(full, self._number)
            else:
                self._full = self._store._decode(self._line, self._number)
        return self._full

    def _plain(self) -> dict[str, Any] | None:
        """The line's object where it is the usual kind (``plain_document``: no BOM, shallow, numbers
        orjson reads exactly); None where only the full decoding reads it right."""
        document = self._document
        if document is _UNREAD:
            found = self._store._plain_reader(self._line)
            document = self._document = found if type(found) is dict else None
        return document

    @property
    def data(self) -> Any:
        document = self._document
        if document is _UNREAD:  # a fold reads this once per event: ``_plain`` called only then
            document = self._plain()
        return document.get("data") if document is not None else self.event().data

    @property
    def type(self) -> str:
        document = self._plain()
        return str(document.get("type") or "(no type)") if document is not None else self.event().type

    def __repr__(self) -> str:
        return f"_LineEvent({self.stream!r}, v{self.version})"


class _CheckedLineEvent(_LineEvent):
    """A ``_LineEvent`` of a page of lines ``_page_is_plain`` passed: its line is handed to
    orjson without a look at its numbers or nesting (checked for the whole page at once)."""

    __slots__ = ()

    def _plain(self) -> dict[str, Any] | None:
        document = self._document
        if document is _UNREAD:
            line = self._line
            found = None
            if line[:1] == b"{":  # as ``plain_document``: bytes starting like an object, never a BOM
                try:
                    found = _loads(line)
                except _Refused:  # NaN, Infinity, not JSON, not UTF-8: the full decoding says which
                    pass
            document = self._document = found if type(found) is dict else None
        return document

    @property
    def data(self) -> Any:
        # ``_plain`` written out: a fold reads this once per event (a call less is ~5 % of it)
        document = self._document
        if document is _UNREAD:
            line = self._line
            document = None
            if line[:1] == b"{":
                try:
                    document = _loads(line)
                except _Refused:
                    pass
            if type(document) is not dict:
                document = None
            self._document = document
        return document.get("data") if document is not None else self.event().data


_loads = orjson.loads
_Refused = orjson.JSONDecodeError
#: every byte but the brackets that open a level of nesting and the newline between lines
_NOT_OPENING = bytes(c for c in range(256) if c not in b"[{\n")


def _page_is_plain(lines: list[bytes]) -> bool:
    """Whether every line of a page is read by orjson alone as ``plain_document`` reads it: its
    numbers read exactly (``page_reads_exactly``: one look over the page, not one per line) and
    at most ``MAX_NESTING`` opening brackets on any line (so none nests deeper; brackets inside
    strings counted too, as ``plain_document`` counts them). False: each line is looked at alone."""
    if not page_reads_exactly(lines):
        return False
    openings = b"\n".join(lines).translate(None, _NOT_OPENING)
    return len(openings) <= MAX_NESTING or max(map(len, openings.split(b"\n"))) <= MAX_NESTING


def _line_events(store: "JsonlEventStore", lines: list[bytes], numbers: list[int], positions: array, stream: str,
                 versions: list[int]) -> Iterator[FoldEvent]:
    """The fold events of a page of a stream's lines (a plain ``map``: no generator frame per
    event): ``_CheckedLineEvent``s where ``_page_is_plain`` passed the page, else ``_LineEvent``s
    (the same values either way)."""
    if not lines:
        return iter(())
    kind = _CheckedLineEvent if not store.decimal_numbers and _page_is_plain(lines) else _LineEvent
    # the same attributes as a LazyEvent (and ``event()``): what a fold is given
    return cast(Iterator[FoldEvent], map(kind, repeat(store), lines, numbers, map(positions.__getitem__, numbers),
                                         repeat(stream), versions))


class JsonlEventStore:
    layout_name = "jsonl"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        if not self.path.exists():
            raise StoreError(f"no such file: {self.path}")
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder, not a store file")
        refuse_special_file(self.path)
        #: the file the user opened; ``path`` is what is read (a decompressed copy for ``.gz``)
        self.source = self.path
        if self.path.name.lower().endswith(".gz"):
            self.path = _decompressed_copy(self.path)
        self._offsets = array("q")  # line start, in file order
        self._positions = array("q")  # each line's event position, in file order
        #: lines in (position, line) order and their positions, for binary search by ``after_position``
        self._order = array("q")
        self._sorted_positions = array("q")
        self._streams: dict[str, _StreamIndex] = {}
        self._types: dict[str, int] = {}
        self._bad_lines = 0
        #: the numbers of the lines that are no event (``UNREADABLE``), in file order
        self._unreadable = array("q")
        #: line number -> (its length in bytes, its event with the payload left out), for lines over ``BIG_LINE``
        self._big_lines: dict[int, tuple[int, Event]] = {}
        #: line number -> the position ``_place_lines`` gave a line without one of its own, where
        #: that is not the line number itself
        self._placed: dict[int, int] = {}
        #: line number -> what its problem adds: a line ``_place_lines`` could not place after the line
        #: before it (no 64-bit position above was free), placed from 0 instead, out of file order
        self._out_of_order: dict[int, str] = {}
        #: for each blank (or whitespace-only) line, in file order: how many lines that are not blank
        #: come before it. Lines are numbered (``_offsets``, ``_order``, ...) counting only those that
        #: are not blank; ``_file_line`` gives the number an editor shows
        self._blanks = array("q")
        #: a slice of an ``eventsourcing`` store: numbers with a fraction or exponent are read as the
        #: Decimals they were there (``loads_decimal``), the library's decimals exact, digits and all
        self.decimal_numbers = _decimal_numbers(self.source)
        self._loads = loads_decimal if self.decimal_numbers else loads_exact
        self._plain_reader = decimal_document if self.decimal_numbers else plain_document
        self._scan()

    def _scan(self) -> None:
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise StoreError(f"cannot read {self.path}: {exc.strerror}") from None
        unplaced: list[int] = []  # lines without a position of their own (no event, none given, not one)
        with handle:
            offset = 0
            while line := handle.readline(MAX_LINE + 1):
                start = offset
                offset += len(line)
                if len(line) > MAX_LINE and not line.endswith(b"\n"):
                    while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                        offset += len(rest)  # skip the rest of a line too long to read
                    offset += len(rest)
                elif not line.strip():
                    self._blanks.append(len(self._offsets))
                    continue
                position = len(self._offsets)
                self._offsets.append(start)
                event, own = self._decode_line(line, position)
                if not own:
                    unplaced.append(position)
                if offset - start > BIG_LINE and event.data is not None:
                    self._big_lines[position] = (offset - start, replace(event, data=PayloadLeftOut(offset - start)))
                self._positions.append(event.position)
                if event.stream is UNREADABLE:  # no event: a problem of the file, in no stream
                    self._bad_lines += 1
                    self._unreadable.append(position)
                    continue
                index = self._streams.setdefault(event.stream, _StreamIndex())
                if index.category is None and b'"category"' in line:
                    index.category = _recorded_category(line)
                index.offsets.append(start)
                index.versions.append(event.version)
                index.lines.append(position)
                if event.recorded_at is not None:
                    if index.first_at is None or event.recorded_at < index.first_at:
                        index.first_at = event.recorded_at
                    if index.last_at is None or event.recorded_at > index.last_at:
                        index.last_at = event.recorded_at
                self._types[event.type] = self._types.get(event.type, 0) + 1
        if self._offsets and self._bad_lines == len(self._offsets):
            raise StoreError(f"{self.source} is not a JSON Lines event file (no line is a JSON object)")
        self._place_lines(unplaced)
        self._index_positions()

    def _place_lines(self, unplaced: list[int]) -> None:
        """Positions for the lines (numbers, ascending) that give none of their own: a line that is
        no event, one without ``position``, one whose position is not a whole number.

        Each is placed after the line before it in the file: the first number above both that
        line's position and the last one placed so far that no line of the file holds. So no
        two lines share a position (a SQLite copy keys by it), a page ``--after`` the line before
        reaches it, and the placed lines keep their file order. A file without positions gets
        its line numbers (0, 1, 2, …); ``100, bad, 200`` places the bad line at 101. Positions are
        signed 64-bit (as ``whole_number`` reads them and a SQLite copy keys by them): where no
        number up to 2^63-1 is free above, a line takes the first free one from 0, out of file
        order, and its problem says so (``_out_of_order``)."""
        positions = self._positions
        if not unplaced or len(unplaced) == len(positions):
            return  # none to place, or a file without positions: each line at its number already
        # the positions the lines hold themselves, in order (a file written in order needs no sort):
        # a free number is one not among them
        skipped = set(unplaced)
        held = array("q", (positions[line] for line in range(len(positions)) if line not in skipped))
        if any(held[i] > held[i + 1] for i in range(len(held) - 1)):
            held = array("q", sorted(held))

        def free_from(candidate: int, also: set[int] | frozenset[int] = frozenset()) -> int:
            at = bisect_left(held, candidate)
            while (at < len(held) and held[at] == candidate) or candidate in also:
                if at < len(held) and held[at] == candidate:
                    at += 1
                candidate += 1
            return candidate

        last = -1  # the last position placed in order
        wrapped: set[int] = set()  # positions placed out of order, from 0 (none above 2^63-1 was free)
        for line in unplaced:
            candidate = free_from(max(positions[line - 1] + 1 if line else 0, last + 1), wrapped)
            if candidate > INT64_MAX:
                candidate = free_from(0, wrapped | {positions[earlier] for earlier in unplaced if earlier < line})
                wrapped.add(candidate)
                self._out_of_order[line] = (
                    f"line {self._file_line(line)} placed at {candidate}, out of file order: no position above the "
                    f"line before it ({positions[line - 1]}) is free, as positions are 64-bit (at most {INT64_MAX})")
            else:
                last = candidate
            if candidate != positions[line] or line in self._out_of_order:
                positions[line] = candidate
                self._placed[line] = candidate
                big = self._big_lines.get(line)
                if big is not None:
                    self._big_lines[line] = (big[0], self._at_place(replace(big[1], position=_PLACED), line))

    def _index_positions(self) -> None:
        """Lines in position order (ties by line), so paging by position is a binary search.

        Exports written by the inspector are already in order and skip the sort; two exports
        concatenated (positions 10-12, then 1-3) are not, and still page in position order.
        """
        positions = self._positions
        if all(positions[i] <= positions[i + 1] for i in range(len(positions) - 1)):
            self._order = array("q", range(len(positions)))
            self._sorted_positions = array("q", positions)
            return
        self._order = array("q", sorted(range(len(positions)), key=lambda line: (positions[line], line)))
        self._sorted_positions = array("q", (positions[line] for line in self._order))

    def _decode(self, line: bytes, position: int) -> Event:
        """The Event of line ``position`` (0-based): ``line`` decoded, placed where ``_place_lines`` put it."""
        return self._decode_line(line, position)[0]

    def _decode_line(self, line: bytes, position: int) -> tuple[Event, bool]:
        """``(event, whether its position is the line's own)``; a line giving none of its own is
        placed where ``_place_lines`` put it (while the file is scanned: at its line number)."""
        event = self._decoded(line, position)
        own = event.position != _PLACED
        return (event if own else self._at_place(event, position)), own

    def _file_line(self, line: int) -> int:
        """The number an editor shows for line ``line`` (0-based, counting only the lines that are
        not blank): 1-based, every line of the file counted, blank ones too; lines end at ``\\n``
        (a CRLF ending is one), a ``.jsonl.gz`` file's are its decompressed lines. Worked out only
        for a line a message names (a binary search over the blank lines)."""
        return line + 1 + bisect_right(self._blanks, line)

    def _at_place(self, event: Event, line: int) -> Event:
        """``event`` of line number ``line`` at the position ``_place_lines`` gave it, where its
        line gives none of its own."""
        if event.position != _PLACED:
            return event
        note = self._out_of_order.get(line)
        if note is None:
            return replace(event, position=self._placed.get(line, line))
        problem = f"{event.problem}; {note}" if event.problem else note
        return replace(event, position=self._placed.get(line, line), problem=problem)

    def _decoded(self, line: bytes, position: int) -> Event:
        """Line ``position`` decoded; its position ``_PLACED`` where the line gives none of its own."""
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            return Event(_PLACED, UNREADABLE, None, UNREADABLE,
                         problem=f"line {self._file_line(position)} is longer than {MAX_LINE:,} bytes: not read")
        if line.startswith(_BOM):
            line = line[len(_BOM):]  # a UTF-8 byte order mark some editors write before the first line
        try:
            # numbers exactly as written (big ints, long decimals, NaN). A line nested no deeper than
            # a field may be plus the line's own object has no field to measure (checked by the
            # parser, not by a walk over 1.6 M objects of a 50 MB payload); else each field is, below
            try:
                doc, shallow = self._loads(line, max_depth=MAX_NESTING + 1), True
            except TooDeep:
                doc, shallow = self._loads(line, max_depth=None), False
        except TooDeep as exc:
            return Event(_PLACED, UNREADABLE, None, UNREADABLE, raw=line.rstrip(b"\r\n"),
                         problem=f"line {self._file_line(position)}: {exc}")
        except ValueError as exc:
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as bad:
                reason = f"not UTF-8 text (byte 0x{line[bad.start]:02x} at column {bad.start + 1})"
            else:
                reason = f"malformed JSON: {json_error_words(exc, 'line')}"
            return Event(_PLACED, UNREADABLE, None, UNREADABLE, raw=line.rstrip(b"\r\n"),
                         problem=f"line {self._file_line(position)}: {reason}")
        if not isinstance(doc, dict):
            return Event(_PLACED, UNREADABLE, None, UNREADABLE, raw=line.rstrip(b"\r\n"),
                         problem=f"line {self._file_line(position)}: not a JSON object")
        return self._from_document(doc, line, position, shallow=shallow)

    def _from_document(self, doc: dict[str, Any], line: bytes, position: int, *, shallow: bool = False) -> Event:
        """The Event of line ``position`` (0-based), ``line`` decoded as ``doc``: a JSON object;
        ``shallow``: the line is known to nest no more than ``MAX_NESTING + 1`` levels."""
        problems = []
        if "version" in doc:
            version, problem = whole_number(doc["version"], "version")
            if problem:
                problems.append(problem)
        else:
            version = None
            problems.append("version missing")
        found, problem = (None, None) if "position" not in doc else whole_number(doc["position"], "position")
        stored_position = _PLACED if found is None else found  # placed by ``_place_lines``
        if problem:
            problems.append(f"{problem} (line {self._file_line(position)} placed after the line before it instead)")
        data, raw = doc.get("data"), None
        metadata: dict[str, Any] = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
        if not shallow and line.count(b"[") + line.count(b"{") > MAX_NESTING:
            if nesting_exceeds(data):
                data, raw = None, line.rstrip(b"\r\n")
                problems.append(f"data: JSON nested deeper than {MAX_NESTING} levels, shown raw (the whole line)")
            if nesting_exceeds(metadata):
                metadata = {}
                problems.append(f"metadata: JSON nested deeper than {MAX_NESTING} levels, left out")
        if data is None and raw is None and isinstance(doc.get("raw"), str):
            raw = doc["raw"]  # an exported event whose payload was not decoded: its text as written
        if doc.get("actor") and "actor" not in metadata:
            metadata = {**metadata, "actor": doc["actor"]}
        stamp = doc.get("recorded_at")
        recorded_at = parse_time(stamp) if isinstance(stamp, str) else None
        if stamp is not None and recorded_at is None:
            problems.append(unread_time_problem("recorded_at", stamp))
        if doc.get("problem"):
            problems.append(str(doc["problem"]))
        return Event(
            position=stored_position,
            # a stream named '' is a stream (a slice of a store holding one keeps it); no stream: none given
            stream=str(doc["stream"]) if doc.get("stream") is not None else "(no stream)",
            version=version,
            type=str(doc.get("type") or "(no type)"),
            recorded_at=recorded_at,
            data=data,
            metadata=metadata,
            raw=raw,
            problem="; ".join(problems) or None,
        )

    def _read_at(self, offset: int, line_number: int) -> Event:
        with self.path.open("rb") as handle:
            handle.seek(offset)
            return self._decode(handle.readline(MAX_LINE + 1), line_number)

    def _read_many(self, offsets: list[tuple[int, int]], payload_cap: int | None = None) -> Iterator[Event]:
        big = self._big_lines if payload_cap is not None else {}
        with self.path.open("rb") as handle:
            for line_number, offset in offsets:
                size, capped = big.get(line_number, (0, None))
                if capped is not None and size > (payload_cap or 0):
                    yield capped  # a line over the cap is not read again (see ``read_all``)
                    continue
                handle.seek(offset)
                yield self._decode(handle.readline(MAX_LINE + 1), line_number)

    # --- the port ---------------------------------------------------------------------
    @property
    def unreadable_count(self) -> int:
        """How many lines are no event (``UNREADABLE``)."""
        return self._bad_lines

    def unreadable_lines(self, cancel: CancelToken | None = None) -> Iterator[Event]:
        """The lines that are no event, in file order, each an Event with its ``problem`` (stream and
        type ``UNREADABLE``, no version): problems of the file, not of a stream (``check`` reports them)."""
        wanted = [(line, self._offsets[line]) for line in self._unreadable]
        for count, event in enumerate(self._read_many(wanted)):
            if count % 1000 == 0:
                check(cancel)
            yield event

    def read_in_file_order(self, cancel: CancelToken | None = None) -> Iterator[Event | None]:
        """Every line of the file in the file's order, each as ``read_all`` gives it (an event, or a
        line that is no event with its problem), and None for each blank line: a whole-file JSON
        Lines export written from it names each line with the number the source's has."""
        blanks = self._blanks  # for each blank line, how many lines that are not blank come before it
        next_blank = 0
        with self.path.open("rb") as handle:
            for line_number, offset in enumerate(self._offsets):
                if line_number % 1000 == 0:
                    check(cancel)
                while next_blank < len(blanks) and blanks[next_blank] == line_number:
                    next_blank += 1
                    yield None
                handle.seek(offset)
                yield self._decode(handle.readline(MAX_LINE + 1), line_number)
        for _ in range(next_blank, len(blanks)):
            yield None

    def describe(self, *, counts: bool = True) -> StoreInfo:
        notes = ((f"{self._bad_lines} line(s) are not readable events: in no stream, listed by events and "
                  "reported by check",) if self._bad_lines else ())
        return StoreInfo(
            layout="jsonl", engine="file", location=str(self.source), read_only=True,
            events=len(self._offsets) - self._bad_lines, streams=len(self._streams), notes=notes,
            columns=tuple(DECIMAL_DATA_READING if self.decimal_numbers and reading.role == "data" else reading
                          for reading in JSONL_READINGS),
        )

    def streams(self, *, match=None, category=None, after=None, limit=500) -> list[StreamSummary]:
        result = []
        for name in sorted(self._streams):
            if after is not None and name <= after:
                continue
            if not stream_matches(name, match):
                continue
            if category and not in_category(self._category_of(name), category):
                continue
            result.append(self._summary(name))
            if len(result) >= limit:
                break
        return result

    def _summary(self, name: str) -> StreamSummary:
        index = self._streams[name]
        versions = [v for v in index.versions if v is not None]
        return StreamSummary(
            stream=name, category=self._category_of(name), count=len(index.versions),
            first_version=min(versions) if versions else None, last_version=max(versions) if versions else None,
            first_at=index.first_at, last_at=index.last_at,
        )

    def category(self, stream: str) -> str | None:
        """The category ``streams`` lists for this stream: the one its lines record (``category``),
        else the text before its first ``-``; None for a stream the file lacks."""
        return self._category_of(stream) if stream in self._streams else None

    def _category_of(self, name: str) -> str:
        return self._streams[name].category or category_of_stream_name(name)

    def categories(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for name in self._streams:
            key = category_key(self._category_of(name))
            counts[key] = counts.get(key, 0) + 1
        return sorted(counts.items())

    def event_types(self) -> list[tuple[str, int]]:
        return sorted(self._types.items())

    def _chosen(self, stream: str, from_version: int | None, to_version: int | None,
                limit: int | None) -> list[tuple[int, int, int | None]]:
        """``(line number, offset, version)`` of the stream's lines in version order (lines without a
        version first, left out from ``from_version`` on), between the versions given, at most ``limit``."""
        index = self._streams.get(stream)
        if index is None:
            return []
        versions, offsets, lines = index.versions, index.offsets, index.lines
        chosen = []
        for i in index.in_version_order():
            version = versions[i]
            if version is not None:
                if from_version is not None and version < from_version:
                    continue
                if to_version is not None and version > to_version:
                    break  # in version order: every line after it is beyond too
            elif from_version is not None:
                continue
            chosen.append((lines[i], offsets[i], version))
            if limit is not None and len(chosen) >= limit:
                break
        return chosen

    def read_stream(self, stream, *, from_version=None, to_version=None, limit=None, cancel: CancelToken | None = None,
                    payload_cap: int | None = None):
        """The stream's events in version order (lines without a version first); ``payload_cap``: as ``read_all``'s."""
        chosen = [(line, offset) for line, offset, _ in self._chosen(stream, from_version, to_version, limit)]
        for count, event in enumerate(self._read_many(chosen, payload_cap)):
            if count % 1000 == 0:
                check(cancel)
            yield event

    def read_for_replay(self, stream: str, *, after: int | None = None, upto: int | None = None,
                        cancel: CancelToken | None = None, full: bool = False,
                        reads_type: bool = True) -> Iterator[FoldEvent]:
        """The stream's versioned events after ``after`` up to ``upto``, in (version, line) order:
        events whose payload is decoded when a projector first reads it (``full``: plain Events,
        every field decoded; ``reads_type`` changes nothing: a line is read whole)."""
        if full:
            for event in self.read_stream(stream, from_version=None if after is None else after + 1,
                                          to_version=upto, cancel=cancel):
                if event.version is not None:
                    yield event
            return
        index = self._streams.get(stream)
        if index is None:
            return
        positions = self._positions
        stored_versions, offsets, line_numbers = index.versions, index.offsets, index.lines
        with self.path.open("rb") as handle:
            at = -1  # where the file is read next: a stream's lines one after another need no seek
            lines: list[bytes] = []
            numbers: list[int] = []
            versions: list[int] = []
            size = 0
            for i in index.in_version_order():  # ``_chosen``'s order, without a tuple per line
                version = stored_versions[i]
                if version is None or (after is not None and version <= after):
                    continue
                if upto is not None and version > upto:
                    break  # in version order: every line after it is beyond too
                offset = offsets[i]
                line_number = line_numbers[i]
                if at != offset:
                    handle.seek(offset)
                line = handle.readline(MAX_LINE + 1)
                at = offset + len(line)
                lines.append(line)
                numbers.append(line_number)
                versions.append(version)
                size += len(line)
                if len(lines) >= REPLAY_PAGE_LINES or size >= REPLAY_PAGE_BYTES:
                    check(cancel)
                    yield from _line_events(self, lines, numbers, positions, stream, versions)
                    lines, numbers, versions, size = [], [], [], 0
            check(cancel)
            yield from _line_events(self, lines, numbers, positions, stream, versions)

    def read_category_for_replay(self, *, category: str | None = None, match: str | None = None,
                                 upto: int | None = None, cancel: CancelToken | None = None,
                                 ) -> Iterator[tuple[str, Iterator[FoldEvent]]]:
        """Every stream of the category (or matching ``match``) in name order, as ``streams``
        picks them, each with its versioned events up to ``upto`` (from the line index: the file
        is read once per stream's lines, no listing of counts and times)."""
        for name in sorted(self._streams):
            check(cancel)
            if not stream_matches(name, match):
                continue
            if category and not in_category(self._category_of(name), category):
                continue
            if not any(v is not None and (upto is None or v <= upto) for v in self._streams[name].versions):
                continue  # no versioned event up to ``upto``: left out, as the SQL stores do
            yield name, self.read_for_replay(name, upto=upto, cancel=cancel)

    def stored_records(self, stream: str, *, after: int | None = None, upto: int | None = None,
                       cancel: CancelToken | None = None) -> Iterator[StoredRecord]:
        """Each versioned line's position, version, type and payload as written (JSON text)."""
        for event in self.read_for_replay(stream, after=after, upto=upto, cancel=cancel):
            assert event.version is not None
            payload = raw_text(event.raw) if event.data is None else jsontext.dumps(event.data)
            yield StoredRecord(event.position, event.version, event.type, payload)

    def stored_snapshot_records(self, stream: str, upto: int | None) -> list[StoredRecord]:
        """None: a JSON Lines file keeps no snapshots."""
        return []

    def count_upto(self, stream: str, version: int) -> int:
        """How many versioned events the stream has at versions up to ``version`` (from the line index)."""
        index = self._streams.get(stream)
        if index is None:
            return 0
        return sum(1 for v in index.versions if v is not None and v <= version)

    def version_at(self, stream: str, instant: datetime) -> Any:
        """``NotImplemented``: times are only known after decoding, so the caller reads the stream."""
        return NotImplemented

    def change_mark(self) -> None:
        """None: the file identity (``identity``) already changes when the file does."""
        return None

    def unchanged_prefixes(self, stream: str, mark: str, counts: dict[int, int]) -> None:
        """None: a file store has no change marks (its identity changes with the file)."""
        return None

    def source_file(self) -> Path:
        """The file the user opened (the ``.jsonl.gz`` itself, not its decompressed copy)."""
        return self.source

    def identity(self) -> str:
        """Layout, path and the opened file's identity (a rewritten file is another store)."""
        return store_identity_key(self.layout_name, str(self.source), self.source)

    def _line_of(self, offset: int) -> int:
        """The line number of the line starting at ``offset`` (offsets ascend: a binary search)."""
        return bisect_left(self._offsets, offset)

    def read_all(self, *, after_position=None, limit=500, filters: EventFilter | None = None, cancel=None,
                 descending=False, payload_cap: int | None = None):
        """A page of events in position order after ``after_position``; ``payload_cap``: a line
        longer than that many bytes (and than ``BIG_LINE``) is not read, its event's ``data`` is a
        ``PayloadLeftOut`` with the line's length (a text filter still reads it to judge it)."""
        filters = filters or EventFilter()
        wanted = self._category_test(filters.category)
        big = self._big_lines if payload_cap is not None else {}
        result: list[Event] = []
        # start at the first line past the cursor in position order: a page costs its own lines
        if descending:
            end = len(self._order) if after_position is None else bisect_left(self._sorted_positions, after_position)
            ranks = range(end - 1, -1, -1)
        else:
            begin = 0 if after_position is None else bisect_right(self._sorted_positions, after_position)
            ranks = range(begin, len(self._order))
        with self.path.open("rb") as handle:
            for count, rank in enumerate(ranks):
                if count % 1000 == 0:
                    check(cancel)
                line_number = self._order[rank]
                size, capped = big.get(line_number, (0, None))
                if capped is not None and size > (payload_cap or 0):
                    if wanted(capped.stream) and accepts(replace(filters, text=None), capped) and (
                            not filters.text or accepts(filters, self._read_at(self._offsets[line_number], line_number))):
                        result.append(capped)
                        if len(result) >= limit:
                            break
                    continue
                handle.seek(self._offsets[line_number])
                event = self._decode(handle.readline(MAX_LINE + 1), line_number)
                if wanted(event.stream) and accepts(filters, event):
                    result.append(event)
                    if len(result) >= limit:
                        break
        return result

    def _category_test(self, category: str | None) -> Callable[[str], bool]:
        """Whether a stream (by name) is one ``streams(category=category)`` lists; every stream
        when ``category`` is None. Told from the index in memory: no line is read."""
        if not category:
            return lambda _name: True
        return lambda name: name in self._streams and in_category(self._category_of(name), category)

    def time_range(self):
        firsts = [i.first_at for i in self._streams.values() if i.first_at]
        lasts = [i.last_at for i in self._streams.values() if i.last_at]
        return (min(firsts) if firsts else None, max(lasts) if lasts else None)

    def histogram(self, start, end, buckets, filters=None) -> Histogram:
        counts = [0] * max(buckets, 0)
        if buckets <= 0 or end <= start:
            return Histogram(start, end, [])
        width = (end - start).total_seconds() / buckets
        filters = filters or EventFilter()
        wanted = self._category_test(filters.category)
        with self.path.open("rb") as handle:
            for line_number, offset in enumerate(self._offsets):
                handle.seek(offset)
                event = self._decode(handle.readline(MAX_LINE + 1), line_number)
                if event.recorded_at is None or not (start <= event.recorded_at < end):
                    continue
                if wanted(event.stream) and accepts(filters, event):
                    slot = int((event.recorded_at - start).total_seconds() // width)
                    if 0 <= slot < buckets:
                        counts[slot] += 1
        return Histogram(start, end, counts)

    def snapshots(self, stream: str) -> list[Snapshot]:
        return []

    def type_survey(self, *, category: str | None = None, cancel: CancelToken | None = None,
                    sample: int = DEFAULT_SAMPLE, progress: Progress | None = None,
                    envelope: bool = False) -> TypeSurvey:
        """See ``EventStore.type_survey``: sampled lines (``inspector.stores.survey``)."""
        from inspector.stores.survey import survey_jsonl

        return survey_jsonl(self, category=category, cancel=cancel, sample=sample, progress=progress,
                            envelope=envelope)

    def actor_names(self, *, containing: str | None = None, limit: int = 200) -> list[str]:
        """See ``EventStore.actor_names``: the actors of the file's newest ``ACTOR_DECODED_ROWS``
        events by position (lines over 64 KiB left out)."""
        events = self.read_all(limit=ACTOR_DECODED_ROWS, descending=True, payload_cap=65_536)
        return count_actors((event.actor for event in events), containing, limit)

    def latest_position(self) -> int | None:
        return self._sorted_positions[-1] if self._sorted_positions else None

    def close(self) -> None:
        pass


def _decompressed_copy(path: Path) -> Path:
    """A decompressed copy of a ``.jsonl.gz`` in the user cache folder, made once per file version.

    The copy is keyed by the file's path, size and modification time, written under a
    temporary name and renamed, so an interrupted copy is never read as a whole one (and
    removed, even on Ctrl+C; a killed process's leftovers are removed by the next copy).
    A file that inflates beyond ``MAX_INFLATION`` times its size (at least
    ``MIN_INFLATED_LIMIT`` bytes) is refused with ``StoreError``. The folder keeps at most
    ``CACHE_COPIES`` copies and ``CACHE_BYTES`` bytes, the least recently used go first.
    """
    from platformdirs import user_cache_dir

    info = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{info.st_size}|{info.st_mtime_ns}".encode()).hexdigest()[:24]
    folder = Path(user_cache_dir("event-inspector", appauthor=False)) / "jsonl"
    target = folder / f"{key}.jsonl"
    if target.exists():
        try:
            os.utime(target)  # recently used: kept longest
        except OSError:
            pass
        return target
    limit = max(MIN_INFLATED_LIMIT, MAX_INFLATION * info.st_size)
    partial = folder / f"{key}.{os.getpid()}.partial"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(folder)
        written = 0
        with gzip.open(path, "rb") as source, partial.open("wb") as copy:
            while chunk := source.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise StoreError(
                        f"{path} inflates to more than {limit:,} bytes ({MAX_INFLATION} times its size): "
                        "refused (a compression bomb?); decompress it yourself to read it")
                copy.write(chunk)
        partial.replace(target)
    except (OSError, EOFError, zlib.error) as exc:
        partial.unlink(missing_ok=True)
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise StoreError(f"cannot decompress {path}: {reason}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _trim_cache(folder, keep=target)
    return target


def _remove_leftovers(folder: Path) -> None:
    """Remove ``.partial`` copies whose process is gone (killed while decompressing)."""
    for leftover in folder.glob("*.partial"):
        try:
            pid = int(leftover.name.split(".")[-2])
            if pid != os.getpid():
                os.kill(pid, 0)  # raises when no such process
                continue
        except (ValueError, IndexError, ProcessLookupError):
            pass
        except OSError:
            continue  # another user's process: leave its file
        else:
            continue  # ours, being written by another thread
        leftover.unlink(missing_ok=True)


def _trim_cache(folder: Path, *, keep: Path) -> None:
    """Keep at most ``CACHE_COPIES`` copies and ``CACHE_BYTES`` bytes, newest use first."""
    copies = []
    for copy in folder.glob("*.jsonl"):
        try:
            info = copy.stat()
        except OSError:
            continue
        copies.append((copy == keep, info.st_mtime, info.st_size, copy))
    copies.sort(reverse=True)
    total = 0
    for rank, (_, _, size, copy) in enumerate(copies):
        total += size
        if copy != keep and (rank >= CACHE_COPIES or total > CACHE_BYTES):
            copy.unlink(missing_ok=True)
