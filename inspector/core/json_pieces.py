"""Big JSON documents parsed in pieces, so that no single C call holds the interpreter for long.

``orjson.loads`` of a 50 MB document is one C call of about 0.3 s (and 0.8 s when the cyclic
collector runs inside it): every other thread, the GUI thread included, waits that long for
the GIL. ``loads_in_pieces`` gives the same value (every number, key order and duplicate key
as one ``orjson.loads`` of the whole text gives them) from calls of about ``PIECE`` bytes each:
between two calls the interpreter can switch threads.

How: a container (array or object) is read as runs of whole elements of about ``PIECE`` bytes,
each run parsed as ``[`` + run + ``]`` (or braces). Where a run ends is found cheaply (the first
comma after ``PIECE`` bytes where the raw counts of brackets balance and the count of quotes is
even) and made certain by the parse itself: a cut inside a string or inside a nested value
leaves the run's text unbalanced, which orjson refuses, and then the next comma is tried. An
element too big for one run is descended into. The nesting limit is checked by the same calls:
each run is parsed inside as many extra brackets as the levels it may not use, so orjson's own
limit (1,024 levels) refuses exactly the runs that nest too deep.

Anything unexpected (malformed JSON, NaN, a run that never balances) raises ``NotInPieces``:
the caller then parses the whole text at once, as before, and gets the usual error or value.

The runs a big container was read in are remembered (``runs_of``): whoever writes the value
as text again (the Event tab) can write it run by run, each one call over a bounded part, with
no walk over its millions of objects to find out how big its parts are.
"""

from __future__ import annotations

import codecs
import gc
import itertools
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import orjson

#: documents longer than this many bytes are parsed in pieces
PIECEWISE_ABOVE = 4_000_000
#: about how many bytes one orjson call parses (0.5 ms, 1 ms at most, for the 50 MB payload of
#: ``benchmarks/huge_event.py``: the GUI thread waits that long for the GIL at most while one runs;
#: 500,000 took twice as long for the same CPU in all)
PIECE = 250_000
#: the deepest nesting orjson parses (it refuses 1,025 levels)
ORJSON_DEPTH = 1024
#: candidate cuts looked at, each way, before the first element of a run counts as too big for one run
_EXAMINED = 512
_WHITESPACE = frozenset(b" \t\r\n")
_OPEN_ARRAY, _CLOSE_ARRAY, _OPEN_OBJECT, _CLOSE_OBJECT = b"[", b"]", b"{", b"}"


_local = threading.local()


@contextmanager
def reporting(progress: Callable[[int, int], None]) -> Iterator[None]:
    """Within this block, ``loads_in_pieces`` on this thread calls ``progress(bytes parsed,
    bytes in all)`` after each piece; an exception ``progress`` raises (a cancellation) ends
    the parse and goes to the caller."""
    previous = getattr(_local, "progress", None)
    _local.progress = progress
    try:
        yield
    finally:
        _local.progress = previous


def _report(done: int, total: int) -> None:
    progress = getattr(_local, "progress", None)
    if progress is not None:
        progress(done, total)


class NotInPieces(Exception):
    """The document could not be parsed in pieces (malformed, or a shape this reader does not
    cut): parse it whole instead, which gives the value or the right error."""


class TooDeepInPieces(ValueError):
    """The document nests deeper than the limit given to ``loads_in_pieces``."""


def loads_in_pieces(blob: bytes | bytearray, max_depth: int | None = None) -> Any:
    """The value of the UTF-8 JSON document ``blob``, as ``orjson.loads(blob)`` gives it, parsed
    in calls of about ``PIECE`` bytes each. Raises ``TooDeepInPieces`` when arrays and objects
    nest more than ``max_depth`` levels (None: orjson's own 1,024), ``NotInPieces`` for anything
    else that is not a plain JSON document (parse it whole then). The runs of each container
    read in pieces are remembered for ``runs_of`` while the value lives (see ``_remember_runs``)."""
    limit = ORJSON_DEPTH if max_depth is None else min(max_depth, ORJSON_DEPTH)
    start = _skip(blob, 0)
    if start >= len(blob) or blob[start] not in b"[{":
        return _parse(blob, 0)  # a scalar (a huge string): one call, nothing to cut
    runs: dict[int, tuple[Any, Runs]] = {}
    try:
        value, end = _container(blob, start, limit, runs)
    except RecursionError:  # big containers nested about 1,000 deep: the whole parse says what it is
        raise NotInPieces("nested too deep to descend") from None
    if _skip(blob, end) != len(blob):
        raise NotInPieces("content after the document")
    _remember_runs(value, runs)
    _report(len(blob), len(blob))
    return value


def within_depth(blob: bytes | bytearray, max_depth: int) -> Any:
    """``orjson.loads(blob)``, raising ``TooDeepInPieces`` when arrays and objects nest more than
    ``max_depth`` levels: parsed inside ``ORJSON_DEPTH - max_depth`` extra brackets, so orjson's
    own limit refuses exactly that. Other refusals raise orjson's error for ``blob`` itself."""
    try:
        return _parse(blob, ORJSON_DEPTH - max_depth)
    except NotInPieces:
        orjson.loads(blob)  # the error as it reads for the text itself
        raise  # not reached: the text parses only when the wrapped text does


def _skip(blob: bytes | bytearray, at: int) -> int:
    """The index of the first byte at or after ``at`` that is not JSON whitespace."""
    size = len(blob)
    while at < size and blob[at] in _WHITESPACE:
        at += 1
    return at


def _parse(text: bytes | bytearray, levels_used: int) -> Any:
    """``orjson.loads(text)`` refusing more than ``ORJSON_DEPTH - levels_used`` levels of nesting
    in ``text`` (it is parsed inside that many extra brackets)."""
    try:
        if levels_used <= 0:
            return orjson.loads(text)
        wrapped = orjson.loads(b"[" * levels_used + text + b"]" * levels_used)
    except orjson.JSONDecodeError as refused:
        if refused.msg.startswith("depth limit exceeded"):
            raise TooDeepInPieces("JSON nested too deep") from None
        raise NotInPieces(refused.msg) from None
    for _ in range(levels_used):
        # one element at every level: else ``text`` closed its first value early and went on
        # (``1], [2``), which orjson refuses when ``text`` stands alone
        if type(wrapped) is not list or len(wrapped) != 1:
            raise NotInPieces("more than one value")
        wrapped = wrapped[0]
    return wrapped


def _container(blob: bytes | bytearray, at: int, levels_left: int,
               runs: dict[int, tuple[Any, Runs]]) -> tuple[Any, int]:
    """The array or object starting at ``blob[at]`` and the index after its closing bracket;
    ``levels_left``: how many levels of nesting it may use, itself included. The runs it was
    read in go into ``runs`` (by the container's id, with the container: see ``runs_of``)."""
    if levels_left < 1:
        raise TooDeepInPieces("JSON nested too deep")
    is_object = blob[at] == ord("{")
    opening, closing = (_OPEN_OBJECT, _CLOSE_OBJECT) if is_object else (_OPEN_ARRAY, _CLOSE_ARRAY)
    value: Any = {} if is_object else []
    # the text of a run is parsed with its own brackets: it may use ``levels_left`` levels
    padding = ORJSON_DEPTH - levels_left
    i = _skip(blob, at + 1)
    if i < len(blob) and blob[i] == closing[0]:
        return value, i + 1
    read: Runs = []
    runs[id(value)] = (value, read)
    while True:
        _report(i, len(blob))
        if len(blob) - i <= 2 * PIECE:
            # the rest of the document is small: the rest of this container in one call
            end = _end_of_container(blob, i, opening)
            part = _parse(opening + blob[i:end], padding)
            _merge(value, part, is_object)
            read.append((len(part), end - i))
            return value, end
        cut = _run_end(blob, i, opening, closing, padding)
        if cut is not None:
            end, part = cut
            _merge(value, part, is_object)
            read.append((len(part), end - i))
            if blob[end] == closing[0]:
                return value, end + 1
            i = _after_comma(blob, end, closing)
            continue
        # the element at i is too big for one run: go down into it
        key, j = _member_key(blob, i) if is_object else (None, i)
        if j < len(blob) and blob[j] in b"[{":
            item, k = _container(blob, j, levels_left - 1, runs)
        else:
            item, k = _scalar(blob, j)
        if is_object:
            value[key] = item
        else:
            value.append(item)
        read.append((1, k - i))
        k = _skip(blob, k)
        if k < len(blob) and blob[k] == closing[0]:
            return value, k + 1
        if k >= len(blob) or blob[k] != ord(","):
            raise NotInPieces("expected a comma or the end of a container")
        i = _after_comma(blob, k, closing)


# --- the runs a big container was read in ------------------------------------------------
#: ``(elements, bytes of text)`` of each run a container was read in, in order
Runs = list[tuple[int, int]]
#: documents whose runs are remembered at most (the oldest forgotten first)
_DOCUMENTS_REMEMBERED = 8
_runs_lock = threading.Lock()
#: id of a container read in pieces -> (its length then, its runs)
_runs_by_id: dict[int, tuple[int, Runs]] = {}
#: id of a document read in pieces -> the ids of its containers in ``_runs_by_id``, oldest first
_runs_of_document: dict[int, list[int]] = {}


def _remember_runs(value: Any, runs: dict[int, tuple[Any, Runs]]) -> None:
    """Keep the runs of ``value``'s containers read in pieces, by id: while ``value`` is held to
    be freed in pieces (``free_in_pieces_when_unused``) its containers keep their ids, and the
    entries go when it is freed; at most ``_DOCUMENTS_REMEMBERED`` documents' runs are kept."""
    kept = [(key, (len(container), read)) for key, (container, read) in runs.items()
            # an object whose key came again in a later run holds fewer members than its runs
            if sum(count for count, _size in read) == len(container)]
    with _runs_lock:
        _forget_runs_locked(id(value))
        while len(_runs_of_document) >= _DOCUMENTS_REMEMBERED:
            _forget_runs_locked(next(iter(_runs_of_document)))
        _runs_by_id.update(kept)
        _runs_of_document[id(value)] = [key for key, _entry in kept]


def _forget_runs_locked(document: int) -> None:
    for key in _runs_of_document.pop(document, ()):
        _runs_by_id.pop(key, None)


def _forget_runs(value: Any) -> None:
    with _runs_lock:
        _forget_runs_locked(id(value))


def runs_of(container: Any) -> Runs | None:
    """``(elements, bytes of text)`` of each run ``container`` (a list or dict of a document
    ``loads_in_pieces`` read, still alive) was read in, in order; None when it was not read in
    pieces or has changed length since. A hint for writing it again in parts of bounded size:
    an element in a run of one may be as big as the run (it was gone into, or is a big
    string); a run of several holds no more than about ``2 * PIECE`` bytes of text."""
    entry = _runs_by_id.get(id(container))
    if entry is None or entry[0] != len(container):
        return None
    return entry[1]


def _after_comma(blob: bytes | bytearray, comma: int, closing: bytes) -> int:
    """The index of the element after the comma at ``comma`` (a closing bracket there is an error)."""
    i = _skip(blob, comma + 1)
    if i >= len(blob) or blob[i] == closing[0]:
        raise NotInPieces("a comma before the end of a container")
    return i


def _merge(value: Any, part: Any, is_object: bool) -> None:
    if is_object:
        value.update(part)  # a key seen in an earlier run keeps its place, takes the later value: as one parse
    else:
        value.extend(part)


def _end_of_container(blob: bytes | bytearray, i: int, opening: bytes) -> int:
    """The index after the closing bracket of the container whose elements start at ``i`` (the
    rest of ``blob`` is small): where orjson finds the document ``opening + blob[i:]`` ends."""
    try:
        orjson.loads(opening + blob[i:])
    except orjson.JSONDecodeError as refused:
        if refused.msg != "unexpected content after document":
            raise NotInPieces(refused.msg) from None
        # the error is at the first byte after the document (past whitespace): the document ends
        # at the last non-space byte before it
        end = i + _byte_offset(opening + blob[i:], refused.pos) - len(opening)
        while end > i and blob[end - 1] in _WHITESPACE:
            end -= 1
        return end
    return len(blob)  # the container ends the document


def _byte_offset(text: bytes | bytearray, position: int) -> int:
    """The byte offset in UTF-8 ``text`` of orjson's error ``position`` (it counts characters)."""
    head = text[:4 * position + 4]  # a character takes at most 4 bytes: no need to decode the rest
    if head.isascii():
        return position
    return len(head.decode("utf-8", "replace")[:position].encode("utf-8", "surrogatepass"))


def _run_end(blob: bytes | bytearray, i: int, opening: bytes, closing: bytes, padding: int) -> tuple[int, Any] | None:
    """``(index, value)`` of a run of whole elements starting at ``i``: ``index`` is the comma or
    closing bracket after the run (the first found at ``PIECE`` bytes or later, else the last
    before), ``value`` the run parsed; None when the element at ``i`` is bigger than a window of
    ``2 * PIECE`` bytes (or no cut is found)."""
    window = blob[i:i + 2 * PIECE]
    if b"\\" in window:
        # escaped backslashes, then escaped quotes, blanked (same length): every '"' left opens or closes a string
        window = window.replace(b"\\\\", b"__").replace(b'\\"', b"__")
    quotes, balance = window.count(b'"', 0, PIECE), _balance(window, 0, PIECE)
    # forward: counts carried from one candidate to the next (each count covers window[:candidate])
    at, seen, tried = PIECE, quotes, balance
    for _ in range(_EXAMINED):
        cut = _next_cut(window, closing, at)
        if cut < 0:
            break
        seen += window.count(b'"', at, cut)
        tried += _balance(window, at, cut)
        at = cut
        if seen % 2 == 0:
            if tried < 0:
                break  # the container ended before: look back
            if tried == 0:
                found = _try_run(blob, i, cut, opening, closing, padding)
                if found is not None:
                    return found
        at = cut + 1
        seen += window.count(b'"', cut, at)
        tried += _balance(window, cut, at)
    # backward from PIECE: the last whole run before it
    at, seen, tried = PIECE, quotes, balance
    for _ in range(_EXAMINED):
        cut = max(window.rfind(b",", 0, at), window.rfind(closing, 0, at))
        if cut <= 0:
            break
        seen -= window.count(b'"', cut, at)
        tried -= _balance(window, cut, at)
        at = cut
        if seen % 2 == 0 and tried == 0:
            found = _try_run(blob, i, cut, opening, closing, padding)
            if found is not None:
                return found
    return None


def _next_cut(window: bytes | bytearray, closing: bytes, at: int) -> int:
    """The first comma or closing bracket at or after ``at`` (-1: none)."""
    comma, close = window.find(b",", at), window.find(closing, at)
    if comma < 0 or 0 <= close < comma:
        return close
    return comma


def _balance(window: bytes | bytearray, start: int, end: int) -> int:
    """Opening minus closing brackets in ``window[start:end]``, strings included (a first guess)."""
    return (window.count(b"[", start, end) + window.count(b"{", start, end)
            - window.count(b"]", start, end) - window.count(b"}", start, end))


def _try_run(blob: bytes | bytearray, i: int, cut: int, opening: bytes, closing: bytes, padding: int) -> tuple[int, Any] | None:
    """The run ``blob[i:i + cut]`` parsed, if it is a run of whole elements (else None)."""
    try:
        return i + cut, _parse(opening + blob[i:i + cut] + closing, padding)
    except NotInPieces:
        return None  # a bracket or quote inside a string misled the counts


def _member_key(blob: bytes | bytearray, i: int) -> tuple[str, int]:
    """The key of the object member starting at ``blob[i]`` and the index of its value."""
    if blob[i] != ord('"'):
        raise NotInPieces("expected a key")
    end = blob.find(b'"', i + 1)
    while end > 0:
        backslashes = 0
        while blob[end - 1 - backslashes] == ord("\\"):
            backslashes += 1
        if backslashes % 2 == 0:
            break
        end = blob.find(b'"', end + 1)
    if end < 0:
        raise NotInPieces("unterminated key")
    key = _parse(blob[i:end + 1], 0)
    colon = _skip(blob, end + 1)
    if colon >= len(blob) or blob[colon] != ord(":"):
        raise NotInPieces("expected a colon")
    return key, _skip(blob, colon + 1)


def _scalar(blob: bytes | bytearray, i: int) -> tuple[Any, int]:
    """A string, number or literal starting at ``blob[i]`` (a huge string, the rest being a big
    element) and the index after it: orjson finds where it ends, then parses it alone."""
    rest = memoryview(blob)[i:]
    try:
        return orjson.loads(rest), len(blob)
    except orjson.JSONDecodeError as refused:
        if refused.msg != "unexpected content after document":
            raise NotInPieces(refused.msg) from None
        end = i + _byte_offset(blob[i:], refused.pos)
        while end > i and blob[end - 1] in _WHITESPACE:
            end -= 1
    return _parse(blob[i:end], 0), end


# --- text and bytes of big documents ----------------------------------------------------
#: characters or bytes converted per call (a few ms)
_SLICE = 2_000_000


def encode_in_slices(text: str) -> bytearray:
    """The bytes of ``text.encode("utf-8")``, encoded a slice at a time into one growing
    ``bytearray`` (each code point is encoded alone, so the slices make the same bytes). One
    ``encode``, or a join of the slices, of 50 MB is a C call writing 50 MB of fresh memory
    while it holds the GIL (45-65 ms seen on a loaded machine); the bytearray grows by a slice
    at a time, each step a few ms. Raises as ``encode`` does."""
    blob = bytearray()
    for start in range(0, len(text), _SLICE):
        blob += text[start:start + _SLICE].encode("utf-8")
    return blob


def decode_in_slices(blob: bytes) -> str:
    """``blob.decode("utf-8")`` a slice at a time (an incremental decoder carries a character cut
    between two slices). Raises ``UnicodeDecodeError`` as ``decode`` does (its positions aside)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(blob)
    parts = [decoder.decode(view[start:start + _SLICE]) for start in range(0, len(blob), _SLICE)]
    parts.append(decoder.decode(b"", final=True))
    return "".join(parts)


# --- the cyclic collector and big values ------------------------------------------------
_COLLECTION_LOCK = threading.Lock()
_collection_pauses = [0, False]  # pauses under way, whether the collector was on before the first


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a big payload is decoded (any thread; nested
    and concurrent pauses end when the last one does).

    Decoding 50 MB of JSON makes about 1.6 million dicts and lists; each few hundred thousand
    of them start a collection, which walks every object alive, inside the decoder's one C
    call. Decoded JSON holds no reference cycles, so nothing is left for the collector to find;
    it resumes afterwards as before (refcounting frees everything meanwhile, as always)."""
    with _COLLECTION_LOCK:
        if _collection_pauses[0] == 0:
            _collection_pauses[1] = gc.isenabled()
            gc.disable()
        _collection_pauses[0] += 1
    try:
        yield
    finally:
        with _COLLECTION_LOCK:
            _collection_pauses[0] -= 1
            if _collection_pauses[0] == 0 and _collection_pauses[1]:
                gc.enable()


def collection_paused() -> bool:
    """Whether some thread has the cyclic collector paused (``cycle_collection_paused``): a
    collector run by hand (the window's, on its GUI thread) waits too, as the automatic one
    does; a young collection meanwhile walks every object the decode has made so far, in one
    C call (up to a second seen for a 50 MB payload)."""
    return _collection_pauses[0] > 0


def settle_new_objects() -> None:
    """Move every object the collector tracks to its oldest generation at once (a splice of
    lists, no walk), so that a big value just decoded with the collector paused is not walked,
    object by object in one C call, by the young collections that follow (1.6 million objects:
    about 0.1 s each, holding the GIL). Objects moved that are, or later become, garbage in
    reference cycles are freed by the next full collection, as objects of that generation always are."""
    gc.freeze()
    gc.unfreeze()


# --- big values freed in pieces -----------------------------------------------------------
#: a list or dict with more items than this is taken apart before it is freed
_BIG_CONTAINER = 256
#: items freed per step (a few hundred thousand objects of a 50 MB value: ~1 ms a step)
_FREE_STEP = 2_000
#: how often the values held are looked at, in seconds
_SWEEP_EVERY = 0.2
_held: list[Any] = []
_held_lock = threading.Lock()
_sweeper: list[threading.Thread] = []


def free_in_pieces_when_unused(value: Any) -> None:
    """Hold ``value`` (a big decoded document) until nothing else does, then free it a few
    thousand items at a time on a thread of its own. Freed at once, 1.6 million objects take
    one C call of 0.1-0.3 s (holding the GIL) on whichever thread drops the last reference: the
    GUI thread when the Event tab shows the next event. Only containers nothing else refers to
    are taken apart (checked by their reference counts, level by level), so a part kept
    elsewhere (a replay's state) lives on untouched."""
    with _held_lock:
        _held.append(value)
        if not _sweeper:
            thread = threading.Thread(target=_sweep_forever, name="free-big-values", daemon=True)
            _sweeper.append(thread)
            thread.start()


def _sweep_forever() -> None:
    while True:
        time.sleep(_SWEEP_EVERY)
        unused = _unused()
        while unused:
            _take_apart([unused.pop()])  # the popped value goes straight into the holder


def _unused() -> list[Any]:
    """The values held that nothing else refers to, no longer held."""
    with _held_lock:
        unused: list[Any] = []
        kept: list[Any] = []
        value = None
        for value in _held:
            # referred to by ``_held``, this loop's variable and getrefcount's argument alone
            (unused if sys.getrefcount(value) <= 3 else kept).append(value)
        del value
        for document in unused:
            _forget_runs(document)  # while its containers still live: their ids stay theirs
        document = None
        _held[:] = kept
        return unused


def _take_apart(holder: list[Any]) -> None:
    """Free the value in ``holder`` (its only reference) a step at a time; a container some other
    object refers to is left whole (dropping this reference to it frees nothing)."""
    stack = holder
    while stack:
        item = stack.pop()
        # referred to by ``item`` and getrefcount's argument alone: this function owns it
        if sys.getrefcount(item) > 2:
            continue
        if type(item) is list:
            while item:
                start = max(0, len(item) - _FREE_STEP)
                stack.extend(child for child in item[start:] if type(child) in (list, dict) and len(child) > _BIG_CONTAINER)
                del item[start:]
        elif type(item) is dict:
            while item:
                for key in list(itertools.islice(item, _FREE_STEP)):
                    child = item.pop(key)
                    if type(child) in (list, dict) and len(child) > _BIG_CONTAINER:
                        stack.append(child)
                child = None
        del item
