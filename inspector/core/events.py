"""Value objects every layer shares: Event, StreamSummary and Moment."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """One recorded event, decoded as far as it could be.

    A row that cannot be decoded still becomes an Event: ``data`` is None, ``raw`` keeps
    the original bytes or text and ``problem`` says why, so one bad row never ends a read.
    """

    position: int
    stream: str
    version: int | None
    type: str
    recorded_at: datetime | None = None
    data: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)
    raw: bytes | str | None = None
    problem: str | None = None

    @property
    def actor(self) -> str | None:
        return actor_of(self.metadata)

    def to_json(self) -> dict[str, Any]:
        """The ``events --json`` shape of design.md §6."""
        return {
            "position": self.position,
            "stream": self.stream,
            "version": self.version,
            "type": self.type,
            "recorded_at": format_time(self.recorded_at),
            "actor": self.actor,
            "data": self.data,
            "metadata": self.metadata,
            "problem": self.problem,
            "raw": raw_text(self.raw) if self.data is None else None,
        }


def raw_text(raw: bytes | str | None) -> str | None:
    """A payload kept as written, as text: UTF-8 as it is, other bytes with ``\\xNN`` escapes."""
    if raw is None or isinstance(raw, str):
        return raw
    return bytes(raw).decode("utf-8", errors="backslashreplace")


#: The metadata keys an event's actor is read from, first to last: the actor is the first of
#: them whose value is not null or empty (the one rule display, filters and look-ups share;
#: each SQL layout reads the same keys in the same order: ``SqlLayout.actor_in``).
ACTOR_KEYS = ("actor", "user", "user_id", "userId", "user_name", "userName", "$user", "__actor")
_ACTOR_KEYS = ACTOR_KEYS

#: Said by ``info`` and the README: the rule above in words.
ACTOR_RULE = "the first of metadata " + ", ".join(ACTOR_KEYS) + " that is not empty"


def actor_text(value: Any) -> str | None:
    """An actor value as text: a string as it is, anything else (a number, an object) as its
    JSON (``5``, ``{"id":5}``), never Python's repr; None for null or an empty string."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    from inspector.core import jsontext

    try:
        return jsontext.dumps(value)
    except (TypeError, ValueError):
        return str(value)


def actor_of(metadata: dict[str, Any] | None) -> str | None:
    """The actor named in event metadata: the first of ``ACTOR_KEYS`` that is not empty."""
    if not isinstance(metadata, dict):
        return None
    for key in ACTOR_KEYS:
        value = metadata.get(key)
        if value not in (None, ""):
            return actor_text(value)
    return None


@dataclass(frozen=True, slots=True)
class StreamSummary:
    stream: str
    category: str | None
    count: int
    first_version: int | None
    last_version: int | None
    first_at: datetime | None = None
    last_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "category": self.category,
            "count": self.count,
            "first_version": self.first_version,
            "last_version": self.last_version,
            "first_at": format_time(self.first_at),
            "last_at": format_time(self.last_at),
        }


#: How ``categories`` names the streams without a category (None or ''), and the category a
#: filter names to select exactly those streams.
NO_CATEGORY = "(none)"
#: Real category names that ``category_key`` spells with one more leading backslash: ``(none)``
#: itself, and ``\(none)``, ``\\(none)`` … (so that every spelling stands for one name).
_NONE_SPELLED = re.compile(r"\\*\(none\)")


def category_key(name: str | None) -> str:
    """The category as ``categories`` counts it and a category filter (``--category``, the
    window's category box, ``streams(category=...)``) selects it: ``NO_CATEGORY`` (``(none)``)
    for a stream without one (None or ''); ``\\(none)`` for a real category named ``(none)``
    (a backslash more before any name of the form ``\\…\\(none)``, so those stay apart too);
    any other name as it is. ``category_named`` reverses it."""
    if not name:
        return NO_CATEGORY
    return "\\" + name if _NONE_SPELLED.fullmatch(name) else name


def category_named(key: str) -> str | None:
    """The category name ``key`` (as ``category_key`` spells it) stands for: None for
    ``NO_CATEGORY`` (no category), ``(none)`` for ``\\(none)``, any other key itself."""
    if key == NO_CATEGORY:
        return None
    return key[1:] if key.startswith("\\") and _NONE_SPELLED.fullmatch(key) else key


def in_category(found: str | None, category: str) -> bool:
    """Whether a stream whose category is ``found`` (None or '' when it has none) is one
    ``categories`` counts under ``category`` (a ``category_key``): ``(none)`` holds every
    stream without one; a category literally named ``(none)`` is ``\\(none)``."""
    return category_key(found) == category


def category_of_stream_name(stream: str) -> str:
    """Message DB's rule: the category is the part of the name before the first ``-``."""
    return stream.split("-", 1)[0]


def aggregate_of_topic(topic: str | None) -> str | None:
    """``shop.domain:Wallet.CreditsGranted`` → ``Wallet``."""
    if not topic:
        return None
    qualname = topic.split(":", 1)[-1]
    return qualname.rsplit(".", 1)[0] if "." in qualname else qualname


def event_name_of_topic(topic: str | None) -> str:
    """``shop.domain:Wallet.CreditsGranted`` → ``Wallet.CreditsGranted`` (the full topic stays in metadata)."""
    if not topic:
        return "(no topic)"
    return topic.split(":", 1)[-1]


def format_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


#: Text times whose offset is this far from UTC or further are no time (PostgreSQL keeps offsets
#: under 16 hours; the SQL readings of text times on SQLite and MariaDB read the same ones).
_OFFSET_LIMIT = timedelta(hours=16)

#: The blanks a stored time text may have around it (ASCII whitespace; every engine's SQL trims these)
TIME_BLANKS = " \t\n\r\f\v"

#: The one grammar of a stored ISO-8601 time text, which Python (``parse_time``) and every engine's
#: SQL reading (``inspector.stores.layouts.base.epoch_seconds``) read alike: blanks around it
#: (``TIME_BLANKS``), a calendar date ``YYYY-MM-DD``, ``T``, ``t`` or a space, ``HH:MM`` with
#: optional ``:SS`` and, after seconds, a fraction of any length after ``.`` or ``,`` (read to the
#: microsecond, the digits past the sixth cut off), and an optional zone: ``Z``/``z`` or an offset
#: ``+HH``, ``+HHMM``, ``+HH:MM`` under 16 hours. Digits are ASCII digits. Other forms
#: ``datetime.fromisoformat`` takes (a date alone, week dates, ``20240301T1000``, hour 24, any
#: separator, ``10.5`` hours) are no stored time: no engine's SQL could find them by time.
STORED_TIME = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt ](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]+))?)?"
    r"(?:(?P<zulu>[Zz])|(?P<sign>[+-])(?P<zone_hours>[0-9]{2})(?::?(?P<zone_minutes>[0-9]{2}))?)?"
)


def parse_time(text: str | datetime | int | float | None) -> datetime | None:
    """Read a stored time into an aware UTC datetime: text in the one grammar of stored times
    (``STORED_TIME``), a datetime, or epoch seconds.

    Naive times are taken as UTC, as the stores we read record them.
    Returns None for None or text that is not a time, text with an offset of 16 hours or more
    included (no engine's SQL reads those, so a time filter could not find them). Times a user
    types are read by ``parse_time_input``, which takes more forms.
    """
    try:
        return _parse_time(text)
    except (OverflowError, ValueError, OSError):
        return None  # a time the platform cannot represent (year 1, 1e20 s) is no time


def unread_time_problem(column: str, value: Any) -> str:
    """The problem an event notes when its stored time ``value`` (of ``column``) is no time: text
    not in the stored-time grammar (``STORED_TIME``: ``YYYY-MM-DD``, then ``T``, ``t`` or a space,
    ``HH:MM[:SS[.fraction]]``, then ``Z``, ``+HH``, ``+HHMM``, ``+HH:MM`` or no zone) or outside
    years 1-9999, or a value of another kind that is no instant this inspector can hold."""
    shown = repr(str(value)[:40])
    if isinstance(value, str):
        return (f"{column} {shown} is not a time in a form this inspector reads (YYYY-MM-DD, then T or a "
                "space, HH:MM[:SS[.fraction]], then Z, +HH:MM or no zone; years 1-9999)")
    return f"{column} {shown} is not a time this inspector can hold"


def _parse_time(text: str | datetime | int | float | None) -> datetime | None:
    if text is None:
        return None
    if isinstance(text, datetime):
        value = text
    elif isinstance(text, bool):
        return None
    elif isinstance(text, (int, float)):
        return datetime.fromtimestamp(float(text), tz=timezone.utc)
    else:
        match = STORED_TIME.fullmatch(str(text).strip(TIME_BLANKS))
        if match is None:
            return None
        part = match.group
        hour, minute, second = int(part("hour")), int(part("minute")), int(part("second") or 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        zone = timezone.utc
        if part("sign"):
            zone_minutes = int(part("zone_minutes") or 0)
            if zone_minutes > 59:
                return None
            offset = timedelta(hours=int(part("zone_hours")), minutes=zone_minutes)
            if offset >= _OFFSET_LIMIT:
                return None  # as every engine's reading of stored text: no zone is 16 hours or more off UTC
            zone = timezone(-offset if part("sign") == "-" else offset)
        value = datetime(int(part("year")), int(part("month")), int(part("day")), hour, minute, second,
                         int((part("fraction") or "0")[:6].ljust(6, "0")), tzinfo=zone)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def parse_time_input(text: str) -> datetime | None:
    """A time a user types (``--since``, ``--until``, a moment): every stored form
    (``parse_time``) and what ``datetime.fromisoformat`` takes besides, a date alone
    (``2026-08-01``, its midnight) included; naive is UTC. None for text that is no time."""
    stored = parse_time(text)
    if stored is not None:
        return stored
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    raw = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", raw)  # '+0400' -> '+04:00'
    try:
        value = datetime.fromisoformat(raw)
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None


_VERSION_MOMENT = re.compile(r"^[vV](-?\d+)$")


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in a stream's life: a version (``v42``) or an instant (ISO-8601)."""

    version: int | None = None
    at: datetime | None = None

    def __post_init__(self) -> None:
        if (self.version is None) == (self.at is None):
            raise ValueError("a moment is either a version or an instant")

    def __str__(self) -> str:
        return f"v{self.version}" if self.version is not None else format_time(self.at) or ""


def parse_moment(text: str) -> Moment:
    """``v42`` → version 42; anything else must be an ISO-8601 instant."""
    text = text.strip()
    match = _VERSION_MOMENT.match(text)
    if match:
        return Moment(version=int(match.group(1)))
    at = parse_time_input(text)
    if at is None:
        raise ValueError(f"not a moment: {text!r} (use vN or an ISO-8601 time such as 2024-05-01T12:00Z)")
    return Moment(at=at)
