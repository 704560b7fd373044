"""Export a slice of a store: JSON Lines, CSV or HTML audit report, a local SQLite copy, a pytest fixture.

Events stream from the store page by page into a temporary file that replaces the
target only when the export completes, so a cancelled or failed export leaves nothing
half-written. The store itself is never the target.

Every file an export writes, in every format (and its temporary files), is readable and
writable by its owner only (``PRIVATE_MODE``, 0600), whatever the umask: an export can carry
production data. An existing target replaced by an export gets that mode too.
"""

from __future__ import annotations

import base64
import csv
import gzip
import html
import os
import shutil
import sqlite3
import stat
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator

from inspector import __version__
from inspector.core import jsontext
from inspector.core.cancel import CancelToken, Progress, check
from inspector.core.events import Event, category_of_stream_name, format_time, in_category
from inspector.core.masking import Masker
from inspector.core.suggest import missing_stream
from inspector.core.summary import summarize
from inspector.core.terminal import shown_name
from inspector.stores.base import EventFilter, EventStore, StoreError
from inspector.stores.files import special_kind
from inspector.stores.jsonl import UNREADABLE

FORMATS = ("jsonl", "csv", "html", "sqlite", "pytest")
PAGE = 1000
#: The mode of every file an export writes: owner read/write only, whatever the umask.
PRIVATE_MODE = 0o600


def open_private(path: Path) -> int:
    """Create or truncate ``path`` as a ``PRIVATE_MODE`` file and return its descriptor (for writing).

    The mode is set on the open file too, so a file that already existed ends up private as
    well; ``OSError`` as ``os.open`` raises it.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    try:
        os.fchmod(fd, PRIVATE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` as a ``PRIVATE_MODE`` file."""
    with os.fdopen(open_private(path), "w", encoding="utf-8") as out:
        out.write(text)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote: ``events`` (rows; in a JSON Lines export the events alone),
    ``problem_lines`` (a JSON Lines export's lines that are no event, written as they were so the
    copy reads them as problems again) and ``left_out`` (the problem text, naming the line, of
    each source line that is no event and that this format cannot hold: a SQLite copy, a pytest
    fixture, or a JSON Lines export of a line too long to read; never made into a stream).
    ``fractions``, for a slice of an ``eventsourcing`` store (or of a slice of one): which kinds of
    numbers with a fraction or exponent its payloads held (``Fractions.kind``: ``decimal``,
    ``float``, ``mixed`` or ``none``); None for other stores."""

    path: Path
    format: str
    events: int
    problem_lines: int = 0
    left_out: tuple[str, ...] = ()
    fractions: str | None = None


class Fractions:
    """The kinds of numbers with a fraction or exponent seen in payloads (``see``): the
    ``eventsourcing`` library decodes its decimals as ``Decimal`` and floats as ``float``, which
    JSON writes alike (``10.10``, ``0.5``); a slice records which it held, so reading it gives
    each back (``inspector.export.provenance.decimal_numbers``)."""

    def __init__(self) -> None:
        self.decimals = False
        self.floats = False

    def see(self, value: Any) -> None:
        stack = [value]
        while stack:
            item = stack.pop()
            kind = type(item)
            if kind is dict:
                stack.extend(item.values())
            elif kind is list or kind is tuple:
                stack.extend(item)
            elif kind is float:
                self.floats = True
            elif isinstance(item, Decimal) and item.is_finite() and item.as_tuple().exponent != 0:
                self.decimals = True  # integral Decimals are written as integers and read back so

    @property
    def kind(self) -> str:
        return ("mixed" if self.floats else "decimal") if self.decimals else "float" if self.floats else "none"


@dataclass(frozen=True, slots=True)
class Slice:
    """Which events to export: one ``stream``, or the streams of one ``category`` (as
    ``streams(category=...)`` lists them; ``(none)``: the streams without one), or (neither)
    every stream; then only those recorded from ``since`` to ``until`` (aware datetimes, both
    inclusive) and caused by ``actor``."""

    stream: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    category: str | None = None

    def describe(self) -> str:
        """The slice in words, names shown as text shows them (``shown_name``: an empty name
        reads ``""``, blank edges quoted, control characters escaped), for a report's title and
        heading and the window's status line."""
        parts = [f"stream {shown_name(self.stream)}" if self.stream is not None else
                 f"the streams of category {shown_name(self.category)}" if self.category else "all streams"]
        if self.actor:
            parts.append(f"caused by {shown_name(self.actor)}")
        if self.since:
            parts.append(f"since {format_time(self.since)}")
        if self.until:
            parts.append(f"until {format_time(self.until)}")
        return ", ".join(parts)


def iter_slice(store: EventStore, part: Slice, cancel: CancelToken | None = None) -> Iterator[Event]:
    """The slice's events: one stream in version order, or the category's streams (or all
    streams) in global order, read by keyset pages of ``PAGE`` events."""
    if part.stream is not None:
        if part.category and not in_category(store.category(part.stream), part.category):
            return  # the stream is not of the category: nothing of it is in the slice
        for event in store.read_stream(part.stream, cancel=cancel):
            if part.since and (event.recorded_at is None or event.recorded_at < part.since):
                continue
            if part.until and (event.recorded_at is None or event.recorded_at > part.until):
                continue
            if part.actor and event.actor != part.actor:
                continue
            yield event
        return
    filters = EventFilter(since=part.since, until=part.until, actor=part.actor, category=part.category)
    after = None
    while True:
        page = store.read_all(after_position=after, limit=PAGE, filters=filters, cancel=cancel)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].position


def event_record(event: Event) -> dict[str, Any]:
    """The ``events --json`` shape, plus the raw payload when it could not be decoded."""
    record = event.to_json()
    if event.raw is not None:
        if isinstance(event.raw, bytes):
            try:
                record["raw"] = event.raw.decode("utf-8")
            except UnicodeDecodeError:
                record["raw_base64"] = base64.b64encode(event.raw).decode("ascii")
        else:
            record["raw"] = event.raw
    return record


def export(
    store: EventStore,
    fmt: str,
    output: str | Path,
    *,
    part: Slice = Slice(),
    mask: tuple[str, ...] = (),
    projector: str | None = None,
    projector_path: str | None = None,
    cancel: CancelToken | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    if fmt not in FORMATS:
        raise StoreError(f"unknown export format {fmt!r}: choose from {', '.join(FORMATS)}")
    target = Path(output).expanduser()
    _refuse_to_overwrite_the_store(store, target)
    _refuse_a_missing_folder(target)
    _refuse_odd_targets(target, fmt)
    if fmt == "pytest" and part.stream is None:
        raise StoreError("a pytest fixture replays one stream: give --stream")
    if part.stream is not None:
        missing = missing_stream(store, part.stream)
        if missing is not None:
            raise StoreError(f"nothing to export: {missing}")
    masker = Masker(mask)
    categories: dict[str, str] = {}
    left_out: list[str] = []
    problem_lines = [0]
    # A JSON Lines export of a whole JSON Lines file follows the file line by line, blank lines and
    # lines it leaves out kept as blank lines, so a problem line's "line N" in the copy is the
    # source's; any other slice is written in position order (its line numbers are the copy's own).
    in_file_order = fmt == "jsonl" and part == Slice() and hasattr(store, "read_in_file_order")
    source = store.read_in_file_order(cancel) if in_file_order else iter_slice(store, part, cancel)  # type: ignore[attr-defined]
    events = _with_categories(store, source, masker, categories,
                              _outside_lines(fmt, left_out, problem_lines), keep_places=in_file_order)
    fractions = Fractions() if _of_eventsourcing(store) else None
    if fractions is not None:
        events = _seeing_fractions(events, fractions)
    counted = _Counter(events, progress, cancel)
    if target.is_dir():
        raise StoreError(f"{target} is a folder: give a file name to export to")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        writer = _WRITERS[fmt]
        writer(counted, temp, store=store, part=part, masker=masker, target=target,
               projector=projector, projector_path=projector_path, categories=categories)
        check(cancel)
        if _gzipped(target):
            _gzip_in_place(temp)
        os.chmod(temp, PRIVATE_MODE)  # mkstemp made it so; a writer may have recreated it
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ExportResult(target, fmt, counted.count - problem_lines[0], problem_lines[0], tuple(left_out),
                        None if fractions is None else fractions.kind)


def _of_eventsourcing(store: EventStore) -> bool:
    """Whether ``store`` holds events the ``eventsourcing`` library wrote (its own store, or a slice of one)."""
    from inspector.export.provenance import slice_of_eventsourcing

    return getattr(store, "layout_name", None) == "eventsourcing" or slice_of_eventsourcing(store)


def _seeing_fractions(events: Iterator[Event | None], fractions: Fractions) -> Iterator[Event | None]:
    """``events``, each event's payload and metadata shown to ``fractions`` on the way."""
    for event in events:
        if event is not None and event.stream is not UNREADABLE:
            fractions.see(event.data)
            fractions.see(event.metadata)
        yield event


def _outside_lines(fmt: str, left_out: list[str], kept: list[int]) -> Callable[[Event], bool]:
    """Whether a source line that is no event (``UNREADABLE``: in no stream) goes into a ``fmt``
    export: a JSON Lines export writes it as it was (its ``raw`` line, masked like any raw
    payload) so the copy reads it as a problem again, CSV and HTML reports list it with its
    problem and no stream; a SQLite copy or a fixture cannot hold it, nor a JSON Lines export a
    line without its text (too long to read, or withheld by masking). One left out is noted in
    ``left_out`` (its problem), one kept as a JSON Lines line counted in ``kept[0]``."""

    def keep(event: Event) -> bool:
        if fmt in ("csv", "html"):
            return True
        if fmt == "jsonl" and event.raw is not None:
            kept[0] += 1
            return True
        left_out.append(event.problem or f"a line at position {event.position} that is no event")
        return False

    return keep


def _with_categories(store: EventStore, events: Iterator[Event | None], masker: Masker,
                     categories: dict[str, str], outside: Callable[[Event], bool], *,
                     keep_places: bool = False) -> Iterator[Event | None]:
    """``events`` masked, with ``categories`` (exported stream name -> category) filled for each
    stream before its first event is given, where the store lists a category its name does not
    tell (eventsourcing's aggregate class, Marten's and Axon's aggregate types): JSON Lines and
    SQLite slices record it, so they list the streams under the source's categories. A line that
    is no event (in no stream) is given only where ``outside`` keeps it, still marked ``UNREADABLE``.
    ``keep_places`` (a JSON Lines file read in its own order): a blank line (None) is given as None,
    and so is a line left out, so the lines after it keep their numbers."""
    recorded: dict[str, str | None] = {}
    for event in events:
        if event is None:
            yield None
            continue
        stream = event.stream
        if stream is UNREADABLE:
            shown = replace(masker.event(event), stream=UNREADABLE, type=UNREADABLE)  # raw None: withheld
            if outside(shown):
                yield shown
            elif keep_places:
                yield None
            continue
        shown = masker.event(event)
        if stream not in recorded:
            # the category as the slice shows it (an address in it masked as in the name), kept where
            # the name the slice shows does not tell it: masking may change the name's own
            found = masker.label(store.category(stream))
            recorded[stream] = found if found and found != category_of_stream_name(shown.stream) else None
        category = recorded[stream]
        if category is not None:
            categories[shown.stream] = category
        yield shown


def _refuse_a_missing_folder(target: Path) -> None:
    """A ``StoreError`` when the folder ``target`` goes in does not exist (or is not a folder):
    an export writes one file and never creates folders (a typo must not leave new ones behind)."""
    parent = target.parent
    if parent.is_dir():
        return
    if parent.exists():
        raise StoreError(f"cannot write {target}: {parent} is not a folder")
    raise StoreError(f"cannot write {target}: the folder {parent} does not exist "
                     "(exports never create folders: create it first, or give another path)")


def _gzipped(target: Path) -> bool:
    return target.name.lower().endswith(".gz")


def _refuse_odd_targets(target: Path, fmt: str) -> None:
    """Exports write regular files only: a symbolic link (wherever it points), a FIFO, a
    device or a socket is refused, never replaced or written through. ``.gz`` names are
    written gzip-compressed (jsonl, csv, html); a SQLite copy or a pytest file cannot be, and a
    pytest file's name ends in ``.py`` (``pytest_name_problem``)."""
    try:
        info = target.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise StoreError(f"cannot write {target}: {exc.strerror or exc}") from None
    if info is not None:
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            raise StoreError(f"refusing to export to {target}: it is a symbolic link (give the file it points to, "
                             "or another name)")
        kind = special_kind(mode)
        if kind is not None:
            raise StoreError(f"refusing to export to {target}: it is {kind}; exports write regular files only")
    if _gzipped(target) and fmt in ("sqlite", "pytest"):
        raise StoreError(f"a {fmt} export cannot be gzip-compressed: name it without .gz")
    problem = pytest_name_problem(target) if fmt == "pytest" else None
    if problem is not None:
        raise StoreError(problem)


def pytest_name_problem(target: str | Path) -> str | None:
    """Why a pytest fixture cannot be named ``target``, or None: pytest runs Python files only
    (``pytest w.pytest`` answers "not found"), so its name ends in ``.py``; the message suggests
    ``test_<name>.py``, the name pytest also finds when run on the fixture's folder."""
    name = Path(target).name
    if name.endswith(".py"):
        return None
    stem = name.split(".", 1)[0] if not name.startswith(".") else name.lstrip(".").split(".", 1)[0]
    stem = stem if stem.startswith("test_") else f"test_{stem or 'slice'}"
    return (f"a pytest fixture is a Python file, and pytest runs only files named *.py: name it {stem}.py "
            f"(not {name!r}); test_<name>.py is also found when pytest runs the folder")


def _gzip_in_place(path: Path) -> None:
    """Replace the finished export at ``path`` by its gzip-compressed form."""
    packed = path.with_name(path.name + ".gz")
    try:
        with path.open("rb") as source, os.fdopen(open_private(packed), "wb") as raw, \
                gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw) as out:
            shutil.copyfileobj(source, out, 1 << 20)
        os.replace(packed, path)
    except BaseException:
        packed.unlink(missing_ok=True)
        raise


def _refuse_to_overwrite_the_store(store: EventStore, target: Path) -> None:
    """The target may be neither the store's file (by any path or link) nor its -wal/-shm/-journal."""
    source = store.source_file()
    if source is None:
        return
    try:
        resolved = source.resolve()
        protected = {resolved, *(resolved.with_name(resolved.name + suffix) for suffix in ("-wal", "-shm", "-journal"))}
        same = target.resolve() in protected or (target.exists() and source.exists() and target.samefile(source))
    except OSError:
        same = False
    if same:
        raise StoreError(f"refusing to export onto the store itself: {target}")


class _Counter:
    def __init__(self, events: Iterator[Event | None], progress: Progress | None, cancel: CancelToken | None) -> None:
        self._events = events
        self._progress = progress
        self._cancel = cancel
        self.count = 0

    def __iter__(self) -> Iterator[Event | None]:
        for event in self._events:
            if event is None:  # a blank line kept in its place (a JSON Lines file in its own order)
                yield None
                continue
            self.count += 1
            if self.count % 500 == 0:
                check(self._cancel)
                if self._progress is not None:
                    self._progress(self.count, None)
            yield event


# --- writers --------------------------------------------------------------------------------
def _write_jsonl(events, path: Path, *, categories: dict[str, str], **_: Any) -> None:
    """One ``event_record`` per line, with ``category`` where the source's is not the name's; a
    source line that is no event is written as it was (its ``raw`` text), a problem line again."""
    with path.open("wb") as out:
        for event in events:
            if event is None:  # a blank line, or a line left out, kept in its place
                out.write(b"\n")
                continue
            if event.stream is UNREADABLE:
                raw = event.raw.encode("utf-8") if isinstance(event.raw, str) else event.raw
                out.write(raw.replace(b"\n", b" ") + b"\n")
                continue
            record = event_record(event)
            category = categories.get(event.stream)
            if category is not None:
                record["category"] = category
            out.write(jsontext.dumps_bytes(record) + b"\n")


CSV_COLUMNS = ["position", "stream", "version", "type", "recorded_at", "actor", "correlation_id",
               "causation_id", "summary", "data", "problem"]


def _csv_row(event: Event) -> list[Any]:
    meta = event.metadata if isinstance(event.metadata, dict) else {}
    stream, kind = _stream_and_type(event)
    return [
        event.position, stream, event.version, kind, format_time(event.recorded_at),
        event.actor or "", meta.get("correlation_id", ""), meta.get("causation_id", ""),
        summarize(event, 120), jsontext.dumps(event.data) if event.data is not None else "",
        event.problem or "",
    ]


def _stream_and_type(event: Event) -> tuple[str, str]:
    """The stream and type a report shows: none for a line that is no event (its problem says what it is)."""
    return ("", "") if event.stream is UNREADABLE else (event.stream, event.type)


def _write_csv(events, path: Path, **_: Any) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for event in events:
            writer.writerow(_csv_row(event))


_HTML_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 2em; color: #222; }}
h1 {{ font-size: 1.4em; }} dl {{ display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }}
dt {{ color: #666; }} table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; position: sticky; top: 0; }} td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.mono {{ font-family: ui-monospace, monospace; font-size: 12px; }} tr.problem td {{ background: #fff1f0; }}
</style></head><body>
"""


def _write_html(events, path: Path, *, store: EventStore, part: Slice, masker: Masker, **_: Any) -> None:
    location = masker.mask_text(getattr(store, "location", None) or str(getattr(store, "path", "")))
    part = _masked_slice(part, masker)  # the title and heading name the slice: no address or actor in clear
    with path.open("w", encoding="utf-8") as out:
        out.write(_HTML_HEAD.format(title=html.escape(f"Audit report: {part.describe()}")))
        out.write(f"<h1>Audit report: {html.escape(part.describe())}</h1>\n<dl>")
        generated = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        for label, value in [
            ("Store", location), ("Layout", getattr(store, "layout_name", "")),
            ("Generated", f"{generated} by event-inspector {__version__}"),
            ("Masked", ", ".join(sorted(masker.keys | ({"e-mail addresses"} if masker.emails else set()))) or "nothing"),
        ]:
            out.write(f"<dt>{html.escape(label)}</dt><dd>{html.escape(str(value))}</dd>")
        out.write("</dl>\n<table><thead><tr>")
        for header in ["Position", "Time (UTC)", "Stream", "Version", "Type", "Actor", "Correlation", "Summary"]:
            out.write(f"<th>{header}</th>")
        out.write("</tr></thead><tbody>\n")
        count = 0
        for event in events:
            count += 1
            meta = event.metadata if isinstance(event.metadata, dict) else {}
            css = ' class="problem"' if event.problem else ""
            cells = [
                ("num", event.position), ("mono", format_time(event.recorded_at) or ""),
                ("mono", _stream_and_type(event)[0]),
                ("num", "" if event.version is None else event.version), ("", _stream_and_type(event)[1]),
                ("", event.actor or ""), ("mono", meta.get("correlation_id", "")), ("", summarize(event, 160)),
            ]
            out.write(f"<tr{css}>" + "".join(
                f'<td class="{cls}">{html.escape(str(value))}</td>' if cls else f"<td>{html.escape(str(value))}</td>"
                for cls, value in cells) + "</tr>\n")
        out.write(f"</tbody></table>\n<p>{count} event(s).</p></body></html>\n")


def _masked_slice(part: Slice, masker: Masker) -> Slice:
    """The slice as a masked export names it: its stream and actor masked like the events' own."""
    if not masker.active:
        return part
    return Slice(stream=masker.label(part.stream), since=part.since, until=part.until, actor=masker.actor(part.actor),
                 category=masker.label(part.category))


SQLITE_SCHEMA = """
CREATE TABLE events (
    position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, type TEXT NOT NULL,
    recorded_at TEXT, data TEXT, metadata TEXT, category TEXT
);
CREATE INDEX events_stream_version ON events (stream, version);
"""


def _write_sqlite(events, path: Path, *, categories: dict[str, str], **_: Any) -> None:
    """A local copy in the generic layout: it opens in the inspector like any store. ``category``
    holds the source's category where its name does not tell it (else NULL: the name's).

    ``path`` is the export's empty private temporary file: SQLite builds the database in it
    (and gives its journal the same mode), so the copy is private from its first byte."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(SQLITE_SCHEMA)
        batch: list[tuple[Any, ...]] = []
        for event in events:
            if event.data is not None or event.raw is None:
                data = jsontext.dumps(event.data)
            else:
                data = event.raw.decode("utf-8", "replace") if isinstance(event.raw, bytes) else event.raw
            batch.append((event.position, event.stream, event.version, event.type,
                          format_time(event.recorded_at), data,
                          jsontext.dumps(event.metadata), categories.get(event.stream)))
            if len(batch) >= PAGE:
                _insert(conn, batch)
                batch.clear()
        _insert(conn, batch)
        conn.commit()
    finally:
        conn.close()


def _insert(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    before = conn.total_changes
    try:
        conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)", rows)
    except sqlite3.IntegrityError:
        # executemany stops at the refused row, the rows before it inserted: it is the one after
        # them (the table already holds them, so its positions cannot tell which row repeated one)
        done = conn.total_changes - before
        repeated: Any = rows[done][0] if 0 <= done < len(rows) else "?"
        raise StoreError(
            f"position {repeated} appears more than once in this slice: "
            "a SQLite copy keys events by position (export to jsonl instead)"
        ) from None


def _write_pytest(events, path: Path, *, store: EventStore, part: Slice, target: Path, masker: Masker,
                  projector: str | None, projector_path: str | None, categories: dict[str, str], **_: Any) -> None:
    from inspector.export.fixture import write_fixture

    # The events carry the masked stream name: the fixture replays that name, under the store's category.
    write_fixture(events, path, store=store, stream=masker.label(part.stream) or "", target=target,
                  projector=projector, projector_path=projector_path, masker=masker, categories=categories,
                  source_stream=part.stream)


_WRITERS: dict[str, Callable[..., None]] = {
    "jsonl": _write_jsonl,
    "csv": _write_csv,
    "html": _write_html,
    "sqlite": _write_sqlite,
    "pytest": _write_pytest,
}
