"""The EventStore port: what every adapter offers, read-only, paged and cancellable."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence, runtime_checkable

from inspector.core.cancel import CancelToken, Progress
from inspector.core.events import Event, StreamSummary
from inspector.core.type_drift import DEFAULT_SAMPLE, TypeSurvey
from inspector.stores.lazy import FoldEvent
from inspector.core.matching import EventFilter, StreamPattern


class StoreError(Exception):
    """A store could not be opened or read; the message is one line a user can act on."""


class ConnectionLost(StoreError):
    """The server closed the connection; the caller may reconnect and retry."""


@dataclass(frozen=True, slots=True)
class ColumnReading:
    """How the inspector reads one column a layout uses, as found in the schema.

    ``role`` is the Event field it feeds (``position``, ``stream``, ``version``, ``type``,
    ``recorded_at``, ``data``, ``metadata``, ``actor``, ``tenant``...), ``column`` the
    table column (``table.column``), ``sql_type`` the type the database reports for it
    (e.g. ``uuid``, ``DATETIME(3)``, ``jsonb``) and ``reading`` one line on how its values
    are read (e.g. ``epoch milliseconds (by magnitude)``, ``compared byte-exact``).
    """

    role: str
    column: str
    sql_type: str
    reading: str

    def to_json(self) -> dict[str, str]:
        return {"role": self.role, "column": self.column, "type": self.sql_type, "reading": self.reading}


@dataclass(frozen=True, slots=True)
class StoreInfo:
    layout: str
    engine: str
    location: str  # URL or path, password redacted
    server_version: str | None = None
    read_only: bool = True
    events: int | None = None
    streams: int | None = None
    notes: tuple[str, ...] = ()
    #: the columns the layout reads, with the types found in the schema
    columns: tuple[ColumnReading, ...] = ()
    #: whether the connected role could write to the store were its session switched back to
    #: read-write (PostgreSQL, MySQL/MariaDB: from role attributes, table privileges, grants);
    #: None where there are no roles (SQLite, JSON Lines: the guard cannot be switched off)
    #: or the server would not say; ``role_note`` says why
    role_can_write: bool | None = None
    role_note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "layout": self.layout,
            "engine": self.engine,
            "location": self.location,
            "server_version": self.server_version,
            "read_only": self.read_only,
            "events": self.events,
            "streams": self.streams,
            "notes": list(self.notes),
            "columns": [column.to_json() for column in self.columns],
            "role_can_write": self.role_can_write,
            "role_note": self.role_note,
        }


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A store-native snapshot: the aggregate's state as of ``version``."""

    stream: str
    version: int
    type: str
    state: Any
    recorded_at: datetime | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One row as the writing library stored it, for replay with that library's own code.

    ``type`` and ``payload`` are undecoded (e.g. an eventsourcing topic and its ``state``
    bytes); ``version`` is the stream version the row holds. A snapshot's record
    (``stored_snapshot_records``) may carry ``event``, the stream's event at its version (an
    Event, or a LazyEvent decoded on use), read in the same statement; None otherwise.
    """

    position: int
    version: int
    type: str | None
    payload: bytes | str | None
    event: Any = None


@dataclass(frozen=True, slots=True)
class Histogram:
    start: datetime
    end: datetime
    counts: list[int] = field(default_factory=list)

    @property
    def bucket_seconds(self) -> float:
        if not self.counts:
            return 0.0
        return (self.end - self.start).total_seconds() / len(self.counts)


@runtime_checkable
class EventStore(Protocol):
    """Read-only access to one event store.

    Paging is by key (``after=``), never by offset. Long calls take a CancelToken.
    """

    layout_name: str

    def describe(self) -> StoreInfo:
        """Layout, engine, server version, read-only status, counts where cheap."""

    def streams(
        self,
        *,
        match: str | None = None,
        category: str | None = None,
        after: str | None = None,
        limit: int = 500,
    ) -> list[StreamSummary]:
        """A page of streams in name order after ``after``; ``match`` is a glob or substring."""

    def category(self, stream: str) -> str | None:
        """The category ``streams`` lists for this stream (None when it has no events)."""

    def categories(self) -> list[tuple[str, int]]:
        """Categories with their stream counts."""

    def event_types(self) -> list[tuple[str, int]]:
        """Event types with their event counts."""

    def read_stream(
        self,
        stream: str,
        *,
        from_version: int | None = None,
        to_version: int | None = None,
        limit: int | None = None,
        cancel: CancelToken | None = None,
        payload_cap: int | None = None,
    ) -> Iterator[Event]:
        """The stream's events in version order, fetched page by page (``payload_cap``: as ``read_all``'s)."""

    def read_all(
        self,
        *,
        after_position: int | None = None,
        limit: int = 500,
        filters: EventFilter | None = None,
        cancel: CancelToken | None = None,
        payload_cap: int | None = None,
    ) -> list[Event]:
        """A page of events from all streams in global order after ``after_position``.

        ``payload_cap`` (bytes): a payload longer than that is neither fetched nor decoded where
        the layout keeps it apart from the other fields; the event's ``data`` is then a
        ``lazy.PayloadLeftOut`` holding its size, and ``lazy.full_event`` reads it whole."""

    def histogram(
        self, start: datetime, end: datetime, buckets: int, filters: EventFilter | None = None
    ) -> Histogram:
        """Event counts per equal time bucket, computed by the database."""

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        """The first and last recorded times in the store."""

    def snapshots(self, stream: str) -> list[Snapshot]:
        """Store-native snapshots of the stream, oldest first (empty when the layout has none)."""

    # --- replay support ----------------------------------------------------------------
    def read_for_replay(
        self,
        stream: str,
        *,
        after: int | None = None,
        upto: int | None = None,
        cancel: CancelToken | None = None,
        full: bool = False,
        reads_type: bool = True,
    ) -> Iterator[FoldEvent]:
        """The stream's versioned events after version ``after`` up to ``upto``, in (version,
        position) order, for a fold: payloads decoded when first read (``full``: every field at once).
        ``reads_type=False``: the fold is not expected to read event types (a store may then fetch
        them only for the events whose type is asked; every field is still exact)."""

    def count_upto(self, stream: str, version: int) -> int:
        """How many versioned events the stream has at versions up to ``version``."""

    def version_at(self, stream: str, instant: datetime) -> Any:
        """The last version recorded at or before ``instant`` (None: before the stream), worked out
        by the store; ``NotImplemented`` when only decoding the events can tell."""

    def read_category_for_replay(
        self,
        *,
        category: str | None = None,
        match: str | None = None,
        upto: int | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[tuple[str, Iterator[FoldEvent]]] | None:
        """Every stream of ``category`` and/or matching the stream pattern ``match`` (neither: all)
        as ``(name, events)``, one stream after another, each with its versioned events up to
        version ``upto`` (None: all) in (version, position) order, as ``read_for_replay`` gives
        them; streams with no such events are left out. The rows are read once, in the stream
        index's order, by keyset pages: no stream listing, no query per stream. Consume a
        stream's events before asking for the next stream (that closes them). None when the
        store cannot pick the category's streams itself (the caller reads stream by stream)."""

    def stored_records(self, stream: str, *, after: int | None = None, upto: int | None = None,
                       cancel: CancelToken | None = None) -> Iterator[StoredRecord]:
        """The stream's versioned rows after ``after`` up to ``upto`` as stored, in version order
        (for the writing library's own decoder: native replay)."""

    def stored_snapshot_records(self, stream: str, upto: int | None) -> list[StoredRecord]:
        """The layout's own snapshot rows at or before ``upto``, newest first, only those whose
        version the stream really has, each with its ``event`` where the store reads it in the
        same statement (empty when the layout keeps none)."""

    def change_mark(self) -> str | None:
        """A token that changes whenever the store may have been written to, cheap to read
        (a server's log position); None where ``identity`` already changes with the store."""

    def unchanged_prefixes(self, stream: str, mark: str, counts: dict[int, int]) -> set[int] | None:
        """Of the versions in ``counts`` (each with the number of the stream's versioned events up
        to it when the store showed ``mark``), those none of whose events up to it changed since;
        None when the store cannot tell."""

    def source_file(self) -> Path | None:
        """The file the store was opened from (SQLite, JSON Lines); None for a server."""

    def identity(self) -> str:
        """A key for the snapshot cache: changes when the store is another one (a replaced file)."""

    def type_survey(self, *, category: str | None = None, cancel: CancelToken | None = None,
                    sample: int = DEFAULT_SAMPLE, progress: Progress | None = None,
                    envelope: bool = False) -> TypeSurvey:
        """Every event type (of the category) with its count, first and last time, and its payload
        fields per JSON type over time: counted by the database where it has JSON functions for
        the payload column, else from ``sample`` events spread over the store (``method`` says
        which). A cancel returns what was counted so far (``complete`` False). ``envelope``: the
        payloads carry the ``eventsourcing`` library's envelope fields (a slice exported from such
        a store, ``inspector.export.provenance.slice_of_eventsourcing``): they are left out, as on
        the library's own stores."""

    def latest_position(self) -> int | None:
        """The highest global position, for live tail."""

    def actor_names(self, *, containing: str | None = None, limit: int = 200) -> list[str]:
        """Up to ``limit`` distinct actors of the store's newest events, most frequent first (then
        by name): a bounded read, never the whole store — the newest ``ACTOR_ROWS`` events where
        SQL reads the actor, else the newest ``ACTOR_DECODED_ROWS`` decoded. ``containing``: only
        the actors holding that text, compared without case. Empty when no such event names one."""

    def close(self) -> None:
        """Release connections."""


#: Events whose actors ``actor_names`` groups where SQL reads the actor (the newest, by position).
ACTOR_ROWS = 20_000
#: Events ``actor_names`` decodes where only decoding reads the actor (and in a JSON Lines file).
ACTOR_DECODED_ROWS = 2_000


def count_actors(actors: Iterator[str | None], containing: str | None, limit: int) -> list[str]:
    """``actor_names`` from the actors of decoded events: most frequent first, then by name."""
    counts: dict[str, int] = {}
    needle = containing.lower() if containing else None
    for actor in actors:
        if actor and (needle is None or needle in actor.lower()):
            counts[actor] = counts.get(actor, 0) + 1
    return sorted(counts, key=lambda name: (-counts[name], name))[:limit]


def escape_like(text: str) -> str:
    """Text matched literally by ``LIKE ... ESCAPE '\\'``: ``_`` and ``%`` in a name are not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def escape_glob(text: str) -> str:
    """Text matched literally by SQLite's ``GLOB`` (case-sensitive, unlike its ``LIKE``, which
    ignores ASCII case): ``*``, ``?`` and ``[`` each in brackets."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def sqlite_glob(expr: Any, pattern: str) -> Any:
    """``expr GLOB pattern`` on SQLite, ``expr`` read as text (a BLOB key reads as its UTF-8 text)."""
    import sqlalchemy as sa

    return sa.type_coerce(sa.type_coerce(expr, sa.Text).op("GLOB")(pattern), sa.Boolean())


def glob_to_like(pattern: str) -> str:
    """A stream pattern (see ``inspector.core.matching``) as a ``LIKE`` pattern with ``\\`` as escape.

    ``wallet-*`` → ``wallet-%``; plain text without wildcards matches as a substring. Whether
    the LIKE compares case-sensitively is up to the caller (``SqlLayout.match_clause``).
    """
    return "".join("%" if part == "*" else "_" if part == "?" else escape_like(part)
                   for part in StreamPattern(pattern).parts())


def glob_to_sqlite_glob(pattern: str) -> str:
    """A stream pattern as an SQLite ``GLOB`` pattern (case-sensitive, by character).

    ``[``, ``]`` and GLOB's own wildcards in the literal parts are wrapped in brackets.
    """
    def literal(part: str) -> str:
        return "".join(f"[{ch}]" if ch in "[]" else ch for ch in part)

    return "".join(part if part in ("*", "?") else literal(part) for part in StreamPattern(pattern).parts())


def collect(events: Iterator[Event] | Sequence[Event]) -> list[Event]:
    return list(events)
