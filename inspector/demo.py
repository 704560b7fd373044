"""The embedded demo store: a small marketplace with wallets, jobs and access-control lists.

Seeded and deterministic (same seed, same store). It is written in the generic layout
(table ``events``) and plants the faults ``check`` and ``bisect`` are meant to find:

* ``acl-*``: a version gap;   * a ``job-*`` stream: a duplicate version;
* a ``wallet-*`` stream: a time that goes backwards;  * a ``job-*`` stream: broken JSON;
* one wallet whose credits go below zero (to -3) at one ``CreditsSpent``.

``PLANTED`` records where each fault went, so tests can check the checker.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson

DEMO_START = datetime(2026, 7, 1, tzinfo=timezone.utc)
DEMO_DAYS = 90

SCHEMA = """
CREATE TABLE events (
    position INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    version INTEGER,
    type TEXT NOT NULL,
    recorded_at TEXT,
    data TEXT,
    metadata TEXT
);
CREATE INDEX events_stream_version ON events (stream, version);
CREATE INDEX events_recorded_at ON events (recorded_at);
CREATE TABLE demo_info (key TEXT PRIMARY KEY, value TEXT);
"""

PEOPLE = [
    "alice@example.com", "bruno@example.com", "chen@example.com", "dana@example.com",
    "emeka@example.com", "farah@example.com", "goran@example.com", "hana@example.com",
]
SUPPORT = ["support:ines@example.com", "support:jon@example.com"]
JOB_TITLES = [
    "Logo redesign", "Translate landing page", "Fix checkout bug", "Write product copy",
    "Set up CI", "Data clean-up", "Podcast editing", "Illustrate onboarding", "Tax report review",
]


@dataclass
class Planted:
    """Where the demo's faults are, by stream and version."""

    version_gap: tuple[str, int] = ("", 0)          # stream, first missing version
    duplicate_version: tuple[str, int] = ("", 0)    # stream, duplicated version
    time_regression: tuple[str, int] = ("", 0)      # stream, version recorded before its predecessor
    undecodable_payload: tuple[str, int] = ("", 0)  # stream, version with broken JSON
    negative_wallet: tuple[str, int] = ("", 0)      # stream, first version with credits < 0
    streams: int = 0
    events: int = 0


@dataclass
class _Draft:
    stream: str
    version: int
    type: str
    at: datetime
    data: Any
    metadata: dict[str, Any] = field(default_factory=dict)
    raw_data: str | None = None  # set to store text that is not valid JSON


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.drafts: list[_Draft] = []
        self.planted = Planted()

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def short_id(self) -> str:
        return f"{self.rng.getrandbits(32):08x}"

    def times(self, count: int) -> list[datetime]:
        """``count`` increasing instants spread over the 90 days, clustered like real activity."""
        start = DEMO_START + timedelta(hours=self.rng.uniform(0, 24 * 10))
        end = DEMO_START + timedelta(days=DEMO_DAYS) - timedelta(minutes=1)
        span = (end - start).total_seconds()
        offsets = sorted(self.rng.random() ** 0.9 * span for _ in range(count))
        return [start + timedelta(seconds=round(offset, 3)) for offset in offsets]

    def add(self, stream: str, events: list[tuple[str, Any]], actors: list[str]) -> list[_Draft]:
        correlation = self.uid()
        added = []
        previous_id = None
        for version, ((kind, data), at) in enumerate(zip(events, self.times(len(events))), start=1):
            event_id = self.uid()
            if self.rng.random() < 0.3:
                correlation = self.uid()
                previous_id = None
            metadata = {
                "event_id": event_id,
                "actor": self.rng.choice(actors),
                "correlation_id": correlation,
                "causation_id": previous_id or correlation,
            }
            previous_id = event_id
            draft = _Draft(stream, version, kind, at, data, metadata)
            added.append(draft)
        self.drafts.extend(added)
        return added


def _wallet_events(rng: random.Random, length: int, owner: str, go_negative: bool) -> tuple[list[tuple[str, Any]], int]:
    """A wallet's history; with ``go_negative`` one spend takes it to -3. Returns (events, bad version)."""
    events: list[tuple[str, Any]] = [("WalletOpened", {"owner": owner, "currency": "credits"})]
    balance = 0
    bad_version = 0
    bad_at = max(4, length - 4) if go_negative else -1
    for index in range(1, length):
        version = index + 1
        if version == bad_at:
            amount = balance + 3
            balance -= amount
            events.append(("CreditsSpent", {"amount": amount, "job": f"job-{rng.getrandbits(32):08x}", "note": "double charge"}))
            bad_version = version
            continue
        if bad_version:
            # After the bad spend nothing restores the balance: statements keep reporting it.
            events.append(("StatementIssued", {"balance": balance, "period": f"2026-{7 + index % 3:02d}"}))
            continue
        if balance < 20 or rng.random() < 0.35:
            amount = rng.choice([10, 20, 25, 50, 100])
            balance += amount
            events.append(("CreditsGranted", {"amount": amount, "reason": rng.choice(["top-up", "refund", "promo"])}))
        else:
            amount = rng.randint(1, balance)
            balance -= amount
            events.append(("CreditsSpent", {"amount": amount, "job": f"job-{rng.getrandbits(32):08x}"}))
    return events, bad_version


def _job_events(rng: random.Random, client: str) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = [
        ("JobPosted", {"title": rng.choice(JOB_TITLES), "budget": rng.choice([30, 50, 80, 120]), "client": client})
    ]
    if rng.random() < 0.85:
        events.append(("JobAssigned", {"worker": rng.choice(PEOPLE)}))
        if rng.random() < 0.8:
            events.append(("JobCompleted", {"rating": rng.randint(3, 5)}))
        else:
            events.append(("JobCancelled", {"reason": "worker unavailable"}))
    else:
        events.append(("JobCancelled", {"reason": "client withdrew"}))
    return events


def _acl_events(rng: random.Random, length: int) -> list[tuple[str, Any]]:
    members: dict[str, str] = {}
    events: list[tuple[str, Any]] = []
    for _ in range(length):
        outsiders = [p for p in PEOPLE if p not in members]
        if members and (not outsiders or rng.random() < 0.3):
            member = rng.choice(sorted(members))
            if rng.random() < 0.5:
                role = "admin" if members[member] == "viewer" else "viewer"
                members[member] = role
                events.append(("RoleChanged", {"member": member, "role": role}))
            else:
                del members[member]
                events.append(("MemberRemoved", {"member": member}))
        else:
            member = rng.choice(outsiders)
            members[member] = rng.choice(["viewer", "editor"])
            events.append(("MemberAdded", {"member": member, "role": members[member]}))
    return events


def build_demo(path: str | Path, *, streams: int = 60, events: int = 5400, seed: int = 7) -> Planted:
    """Write the demo store at ``path`` (replacing it) and say where its faults are."""
    streams = max(streams, 6)
    b = _Builder(seed)
    rng = b.rng
    wallets = max(2, int(streams * 0.4))
    acls = max(2, int(streams * 0.2))
    jobs = max(2, streams - wallets - acls)

    job_drafts = [b.add(f"job-{b.short_id()}", _job_events(rng, rng.choice(PEOPLE)), PEOPLE) for _ in range(jobs)]
    job_total = sum(len(d) for d in job_drafts)
    remaining = max(events - job_total, (wallets + acls) * 8)
    acl_length = max(8, remaining // (wallets + acls) // 3)
    acl_drafts = [b.add(f"acl-{name}", _acl_events(rng, acl_length), SUPPORT)
                  for name in [f"project-{b.short_id()}" for _ in range(acls)]]
    wallet_budget = remaining - acl_length * acls
    wallet_drafts = []
    negative_index = 3 % wallets
    for index in range(wallets):
        length = wallet_budget // wallets + (1 if index < wallet_budget % wallets else 0)
        owner = PEOPLE[index % len(PEOPLE)]
        history, bad_version = _wallet_events(rng, max(length, 8), owner, go_negative=index == negative_index)
        stream = f"wallet-{b.short_id()}"
        drafts = b.add(stream, history, [owner, owner, "system:billing", SUPPORT[index % 2]])
        for draft in drafts:
            if draft.type == "CreditsSpent":
                draft.metadata["actor"] = owner if draft.version != bad_version else "system:billing"
        wallet_drafts.append(drafts)
        if bad_version:
            b.planted.negative_wallet = (stream, bad_version)

    # --- plant the faults ---------------------------------------------------------------
    gap_stream = acl_drafts[0]
    gap_at = len(gap_stream) // 2
    for draft in gap_stream[gap_at:]:
        draft.version += 1  # version gap_at+1 never existed
    b.planted.version_gap = (gap_stream[0].stream, gap_at + 1)

    dup_stream = next(d for d in job_drafts if len(d) >= 3)
    dup_stream[2].version = 2
    b.planted.duplicate_version = (dup_stream[0].stream, 2)

    skew_stream = wallet_drafts[(negative_index + 1) % wallets]
    skew = skew_stream[len(skew_stream) // 2]
    before = skew_stream[len(skew_stream) // 2 - 1]
    skew.at = before.at - timedelta(minutes=37)
    b.planted.time_regression = (skew.stream, skew.version)

    broken_stream = next(d for d in job_drafts if d is not dup_stream and len(d) >= 2)
    broken_stream[0].raw_data = '{"title": "Fix the roof", "budget": 1'
    b.planted.undecodable_payload = (broken_stream[0].stream, broken_stream[0].version)

    # --- write: global positions follow recording order ----------------------------------
    ordered = sorted(b.drafts, key=lambda d: (d.at, d.stream, d.version))
    target = Path(path)
    refuse_to_replace(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    with sqlite3.connect(target) as conn:
        conn.executescript(SCHEMA)
        conn.executemany(
            "INSERT INTO events (position, stream, version, type, recorded_at, data, metadata) VALUES (?,?,?,?,?,?,?)",
            [
                (
                    position,
                    d.stream,
                    d.version,
                    d.type,
                    d.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    d.raw_data if d.raw_data is not None else orjson.dumps(d.data).decode(),
                    orjson.dumps(d.metadata).decode(),
                )
                for position, d in enumerate(ordered, start=1)
            ],
        )
        conn.executemany(
            "INSERT INTO demo_info (key, value) VALUES (?, ?)",
            [("generator", "inspector.demo"), ("seed", str(seed)), ("streams", str(streams)), ("events", str(events))],
        )
    conn.close()
    b.planted.streams = len({d.stream for d in b.drafts})
    b.planted.events = len(b.drafts)
    return b.planted


class NotADemoStore(ValueError):
    """The demo path names a file that is not an earlier demo store."""


def refuse_to_replace(target: Path) -> None:
    """Only a missing file or an earlier demo store may be (re)written: never a user's store or file."""
    if target.is_dir():
        raise NotADemoStore(f"{target} is a folder: give a file name for the demo store")
    if not target.exists():
        return
    try:
        with sqlite3.connect(f"file:{target.resolve().as_posix()}?mode=ro", uri=True) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        conn.close()
    except sqlite3.DatabaseError:
        tables = set()
    if "demo_info" not in tables:
        raise NotADemoStore(f"{target} exists and is not a demo store: refusing to replace it")


def default_demo_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("event-inspector", appauthor=False)) / "demo.db"


def ensure_demo(path: Path | None = None) -> Path:
    """The demo store, created on first use in the user data dir."""
    target = path or default_demo_path()
    if not target.exists():
        build_demo(target)
    return target


def is_demo_store(store: object) -> bool:
    """True for a store written by ``build_demo`` (it carries a ``demo_info`` table)."""
    import sqlalchemy as sa

    engine = getattr(store, "engine", None)
    if engine is None:
        return False
    try:
        return "demo_info" in sa.inspect(engine).get_table_names()
    except sa.exc.SQLAlchemyError:
        return False
