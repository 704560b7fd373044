"""One abstract contract every EventStore adapter passes, on every engine.

Modelled on the eventsourcing library's own tests: ``EventStoreContract`` holds the
tests, and each store (layout x engine) subclasses it with a ``build`` that writes the
same small marketplace (``DRAFTS``) in its own tables and says how the layout shows
it (stream names, type names, categories, which bad rows it planted). Every expectation
is computed from ``DRAFTS`` in Python, independently of the adapter under test.

Mixins add what only some stores can hold: ``LooseVersionsContract`` (duplicate and
NULL versions), ``SqlContract`` (a write through the adapter's own engine is refused)
and ``FileContract`` (the store file's bytes are unchanged by every call).
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from inspector.core.cancel import Cancelled, CancelToken
from inspector.core.events import Moment
from inspector.replay import GENERIC_PROJECTOR, SnapshotCache, bisect, diff, load_projectors, projector, replay
from inspector.stores import EventFilter, EventStore

from .servers import wait_for_a_change_mark

BASE_TIME = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Draft:
    """One good event of the shared data set, in global (write) order."""

    key: str  # logical stream, e.g. "wallet-a"
    version: int
    type: str  # short event name, e.g. "CreditsGranted"
    at: datetime
    data: dict[str, Any]
    actor: str

    @property
    def category(self) -> str:
        return self.key.split("-", 1)[0]


def _drafts() -> list[Draft]:
    script: list[tuple[str, str, dict[str, Any], str]] = [
        ("wallet-a", "Opened", {"owner": "alice"}, "alice@example.com"),
        ("job-x", "Posted", {"title": "Logo redesign", "budget": 120}, "bruno@example.com"),
        ("wallet-a", "CreditsGranted", {"amount": 50}, "support@example.com"),
        ("wallet-b", "Opened", {"owner": "bruno"}, "bruno@example.com"),
        ("wallet-a", "CreditsSpent", {"amount": 20}, "alice@example.com"),
        ("job-x", "Assigned", {"worker": "chen"}, "bruno@example.com"),
        ("wallet-b", "CreditsGranted", {"amount": 10}, "support@example.com"),
        ("job-y", "Posted", {"title": "Fix checkout bug", "budget": 80}, "alice@example.com"),
        ("wallet-a", "CreditsGranted", {"amount": 5}, "support@example.com"),
        ("job-x", "Completed", {"rating": 5}, "chen@example.com"),
        ("wallet-b", "CreditsSpent", {"amount": 3}, "bruno@example.com"),
        ("wallet-a", "CreditsSpent", {"amount": 40}, "alice@example.com"),
        ("job-y", "Assigned", {"worker": "dana"}, "alice@example.com"),
        ("wallet-a", "CreditsGranted", {"amount": 7}, "support@example.com"),
        ("wallet-b", "CreditsSpent", {"amount": 2}, "bruno@example.com"),
        ("job-z", "Posted", {"title": "Podcast redesign", "budget": 60}, "dana@example.com"),
    ]
    versions: Counter[str] = Counter()
    drafts = []
    for index, (key, kind, data, actor) in enumerate(script):
        versions[key] += 1
        drafts.append(Draft(key, versions[key], kind, BASE_TIME + timedelta(hours=index * 7), data, actor))
    return drafts


DRAFTS: list[Draft] = _drafts()
STREAM_KEYS = sorted({d.key for d in DRAFTS})


def balance(key: str, upto: int) -> int:
    """A wallet's credits after version ``upto``, computed from the drafts."""
    total = 0
    for d in DRAFTS:
        if d.key == key and d.version <= upto:
            if d.type == "CreditsGranted":
                total += d.data["amount"]
            elif d.type == "CreditsSpent":
                total -= d.data["amount"]
    return total


def wallet_state(key: str, upto: int) -> dict[str, Any]:
    """What ``contract_wallet`` must hold after version ``upto`` (1-based), computed from the drafts."""
    state: dict[str, Any] = {}
    for d in DRAFTS:
        if d.key != key or d.version > upto:
            continue
        if d.type == "Opened":
            state["owner"] = d.data["owner"]
        elif d.type == "CreditsGranted":
            state["credits"] = state.get("credits", 0) + d.data["amount"]
            state["grants"] = state.get("grants", 0) + 1
        elif d.type == "CreditsSpent":
            state["credits"] = state.get("credits", 0) - d.data["amount"]
            state["spent"] = state.get("spent", 0) + d.data["amount"]
    return state


def _kind(type_shown: str) -> str:
    """A layout's type name reduced to the draft's: ``Wallet.CreditsGranted``, ``credits_granted``,
    ``com.acme.marketplace.wallet.CreditsGranted`` and ``marketplace.wallets.events.credits_granted``
    all become ``creditsgranted``."""
    return re.split(r"[.:$]", type_shown)[-1].replace("_", "").lower()


@projector("wallet")
def contract_wallet(state: dict, event) -> dict:
    """The wallet projector every layout's wallets are replayed with (owner, credits, grants, spent)."""
    kind = _kind(event.type)
    if kind == "opened":
        state["owner"] = event.data["owner"]
    elif kind == "creditsgranted":
        state["credits"] = state.get("credits", 0) + event.data["amount"]
        state["grants"] = state.get("grants", 0) + 1
    elif kind == "creditsspent":
        state["credits"] = state.get("credits", 0) - event.data["amount"]
        state["spent"] = state.get("spent", 0) + event.data["amount"]
    return state


@dataclass(frozen=True)
class BadRow:
    """A row the builder planted that cannot be decoded: it must come back with a problem."""

    stream: str  # as the store shows it
    version: int | None
    type: str  # as the store shows it
    problem: str  # a fragment of the expected problem text


@dataclass
class Built:
    """What a builder wrote and how its layout shows it."""

    store: EventStore
    layout: str
    streams: dict[str, str]  # logical key -> stream name as shown
    type_name: Callable[[Draft], str]  # how the layout shows a draft's type
    categories: dict[str, str | None]  # logical category -> category as shown
    has_time: bool = True
    #: times of bad rows that have one (always before the drafts' first time)
    extra_times: list[datetime] = field(default_factory=list)
    #: stream summaries carry first/last times (also where the time is inside compressed payloads)
    summary_times: bool = True
    bad: list[BadRow] = field(default_factory=list)
    #: rows in a bad stream that look odd (compressed, plain among compressed) but must decode:
    #: (stream shown, version, type shown)
    decodable: list[tuple[str, int, str]] = field(default_factory=list)
    #: rows in a format the layout shows raw without decoding, not damage (Axon's XStream XML):
    #: (stream shown, version, type shown, the raw text expected)
    shown_raw: list[tuple[str, int, str, str]] = field(default_factory=list)
    #: store-native snapshots: stream shown -> [(version, expected subset of state)]
    snapshots: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    #: a stream with duplicate and NULL versions: (stream shown, versions in expected read order)
    loose: tuple[str, list[int | None]] | None = None
    files: list[Path] = field(default_factory=list)
    #: added to a draft's 1-based version to get the version the store shows (-1 for Message DB's 0-based positions)
    version_offset: int = 0
    cleanup: Callable[[], None] | None = None
    digest_before: dict[Path, str] = field(default_factory=dict)

    def shown(self, drafts: list[Draft]) -> list[tuple[str, int]]:
        return [(self.streams[d.key], d.version + self.version_offset) for d in drafts]

    def v(self, *versions: int) -> list[int]:
        """Draft versions as the store shows them."""
        return [version + self.version_offset for version in versions]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _with_journals(files: list[Path]) -> list[Path]:
    """The store files and any rollback journal or write-ahead log beside them (a WAL store keeps one)."""
    found = []
    for path in files:
        found.append(path)
        found.extend(p for p in (Path(f"{path}-journal"), Path(f"{path}-wal")) if p.exists())
    return found


def data_matches(event_data: Any, draft: Draft) -> bool:
    """The decoded payload holds at least the draft's fields (layouts may add their own)."""
    return isinstance(event_data, dict) and all(event_data.get(k) == v for k, v in draft.data.items())


def _wallet_projector():
    """``contract_wallet`` as the CLI would load it: the @projector functions of this module."""
    (found,) = load_projectors(__name__).projectors
    return found


def _instant_between(earlier: datetime, later: datetime) -> datetime:
    return earlier + (later - earlier) / 2


def _top_level_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[str, Any, Any]]:
    """path -> (op, before, after) between two flat states."""
    changes: dict[str, tuple[str, Any, Any]] = {}
    for key in before.keys() | after.keys():
        if key not in after:
            changes["/" + key] = ("remove", before[key], None)
        elif key not in before:
            changes["/" + key] = ("add", None, after[key])
        elif before[key] != after[key]:
            changes["/" + key] = ("change", before[key], after[key])
    return changes


#: a predicate over the wallet's state that, once true, stays true in wallet-a
BISECT_WHEN = 'state.get("credits", 0) < 10 and state.get("spent", 0) > 0'


def _bisect_holds(state: dict[str, Any]) -> bool:
    return state.get("credits", 0) < 10 and state.get("spent", 0) > 0


class ReplayContract:
    """Replay, diff and bisect through ``inspector.replay`` give the answers computed from ``DRAFTS``.

    Each runs without a cache and with a snapshot cache (checkpoints every 2 versions) that a
    first replay of the whole stream has already filled, so the answers come through the cache.
    """

    WALLET = "wallet-a"

    @pytest.fixture(params=["without cache", "with snapshot cache"])
    def replay_cache(self, request, built, tmp_path):
        if request.param == "without cache":
            yield None
            return
        cache = SnapshotCache(tmp_path / "snapshots.sqlite", every=2)
        # Fill the cache: later calls start from its checkpoints.
        warm = replay(built.store, built.streams[self.WALLET], projectors=_wallet_projector(), cache=cache)
        assert warm.problem is None, warm.problem
        yield cache
        cache.close()

    def _drafts_of(self, key: str) -> list[Draft]:
        return [d for d in DRAFTS if d.key == key]

    def test_replay_to_each_version_gives_the_wallet_computed_from_the_drafts(self, built, store, replay_cache):
        name, wallet = built.streams[self.WALLET], _wallet_projector()
        mine = self._drafts_of(self.WALLET)
        for draft in mine:
            (shown,) = built.v(draft.version)
            result = replay(store, name, at=Moment(version=shown), projectors=wallet, cache=replay_cache)
            assert result.problem is None, (shown, result.problem)
            assert result.stopped is None, (shown, result.stopped)
            assert result.version == shown
            assert result.state == wallet_state(self.WALLET, draft.version), shown
            assert result.state.get("credits", 0) == balance(self.WALLET, draft.version)
            assert result.last_event is not None
            assert (result.last_event.stream, result.last_event.version) == (name, shown)
            if replay_cache is None:
                assert result.events_applied == draft.version
                assert result.snapshot_source is None
            if built.has_time:
                assert result.recorded_at == draft.at
        latest = replay(store, name, projectors=wallet, cache=replay_cache)
        assert latest.problem is None
        assert latest.version == built.v(len(mine))[0]
        assert latest.state == wallet_state(self.WALLET, len(mine))

    def test_replay_at_an_instant_between_two_events_answers_the_earlier_version(self, built, store, replay_cache):
        if not built.has_time:
            return
        name, wallet = built.streams[self.WALLET], _wallet_projector()
        mine = self._drafts_of(self.WALLET)
        for earlier, later in zip(mine, mine[1:]):
            instant = _instant_between(earlier.at, later.at)
            result = replay(store, name, at=Moment(at=instant), projectors=wallet, cache=replay_cache)
            assert result.problem is None, (instant, result.problem)
            assert result.version == built.v(earlier.version)[0], instant
            assert result.state == wallet_state(self.WALLET, earlier.version), instant
            # an instant equal to an event's own time includes that event
            exact = replay(store, name, at=Moment(at=later.at), projectors=wallet, cache=replay_cache)
            assert exact.version == built.v(later.version)[0], later.at
            assert exact.state == wallet_state(self.WALLET, later.version)
        before = replay(store, name, at=Moment(at=mine[0].at - timedelta(seconds=1)), projectors=wallet,
                        cache=replay_cache)
        assert before.problem is None
        assert (before.version, before.state, before.events_applied) == (None, {}, 0)
        after = replay(store, name, at=Moment(at=mine[-1].at + timedelta(days=30)), projectors=wallet,
                       cache=replay_cache)
        assert after.version == built.v(mine[-1].version)[0]
        assert after.state == wallet_state(self.WALLET, mine[-1].version)

    def test_replay_to_a_version_beyond_the_last_says_there_is_no_such_version(self, built, store, replay_cache):
        name, wallet = built.streams[self.WALLET], _wallet_projector()
        (beyond,) = built.v(len(self._drafts_of(self.WALLET)) + 1)
        result = replay(store, name, at=Moment(version=beyond), projectors=wallet, cache=replay_cache)
        assert result.problem is not None, (
            f"replay to v{beyond} answered v{result.version} with {result.state} and no problem"
        )
        assert str(beyond) in result.problem, result.problem
        assert result.version != beyond

    def test_replay_with_the_generic_projector_keeps_the_last_value_of_each_field(self, built, store, replay_cache):
        name = built.streams[self.WALLET]
        amount = None
        for draft in self._drafts_of(self.WALLET):
            amount = draft.data.get("amount", amount)
            (shown,) = built.v(draft.version)
            result = replay(store, name, at=Moment(version=shown), projectors=GENERIC_PROJECTOR, cache=replay_cache)
            assert result.problem is None, result.problem
            assert result.projector == "generic"
            assert result.version == shown
            assert result.state.get("owner") == "alice", result.state  # written by Opened, never again
            assert result.state.get("amount") == amount, (shown, result.state)

    def test_diff_between_two_versions_blames_the_events_that_changed_each_path(self, built, store, replay_cache):
        name, wallet = built.streams[self.WALLET], _wallet_projector()
        mine = self._drafts_of(self.WALLET)
        low, high = 2, 5
        result = diff(store, name, Moment(version=built.v(low)[0]), Moment(version=built.v(high)[0]),
                      projectors=wallet, cache=replay_cache)
        assert result.problem is None, result.problem
        assert (result.from_.version, result.to.version) == tuple(built.v(low, high))
        assert result.before == wallet_state(self.WALLET, low)
        assert result.after == wallet_state(self.WALLET, high)
        expected = _top_level_changes(wallet_state(self.WALLET, low), wallet_state(self.WALLET, high))
        assert {c.path: (c.op, c.before, c.after) for c in result.changes} == expected
        assert set(expected) >= {"/credits", "/grants", "/spent"}
        for change in result.changes:
            key = change.path[1:]
            blamed = [d for d in mine if low < d.version <= high
                      and wallet_state(self.WALLET, d.version).get(key) != wallet_state(self.WALLET, d.version - 1).get(key)]
            assert [(b.version, b.type) for b in change.events] == [
                (built.v(d.version)[0], built.type_name(d)) for d in blamed
            ], change.path
            if built.has_time:
                assert [b.recorded_at for b in change.events] == [d.at for d in blamed]
            assert [b.actor for b in change.events] == [d.actor for d in blamed]
        between = [d for d in mine if low < d.version <= high]
        assert result.events_between_total == len(between)
        assert [(e.stream, e.version) for e in result.events_between] == built.shown(between)

    def test_bisect_finds_the_first_version_where_the_predicate_holds(self, built, store, replay_cache):
        name, wallet = built.streams[self.WALLET], _wallet_projector()
        mine = self._drafts_of(self.WALLET)
        holds = [_bisect_holds(wallet_state(self.WALLET, d.version)) for d in mine]
        first = next(d for i, d in enumerate(mine) if all(holds[i:]))
        assert 1 < first.version < len(mine)  # the data set makes this a real search
        result = bisect(store, name, BISECT_WHEN, projectors=wallet, cache=replay_cache)
        assert result.problem is None, result.problem
        assert result.found
        assert result.version == built.v(first.version)[0]
        assert result.event is not None
        assert (result.event.stream, result.event.version) == (name, result.version)
        assert result.event.type == built.type_name(first)
        assert result.state_after == wallet_state(self.WALLET, first.version)
        assert result.state_before == wallet_state(self.WALLET, first.version - 1)

    def test_bisect_of_a_predicate_true_from_the_first_event_or_never(self, built, store, replay_cache):
        name, wallet = built.streams[self.WALLET], _wallet_projector()
        opened = bisect(store, name, 'state.get("owner") == "alice"', projectors=wallet, cache=replay_cache)
        assert opened.problem is None and opened.found
        assert opened.version == built.v(1)[0]
        assert opened.state_before == {}
        never = bisect(store, name, 'state.get("credits", 0) > 1000', projectors=wallet, cache=replay_cache)
        assert never.problem is None
        assert not never.found and never.version is None

    def test_a_second_replay_starts_from_a_checkpoint_in_the_snapshot_cache(self, built, store, tmp_path):
        name, wallet = built.streams[self.WALLET], _wallet_projector()
        cache = SnapshotCache(tmp_path / "checkpoints.sqlite", every=2)
        wait_for_a_change_mark(store)
        try:
            cold = replay(store, name, projectors=wallet, cache=cache)
            assert cold.snapshot_source is None and cold.events_applied == len(self._drafts_of(self.WALLET))
            (target,) = built.v(5)
            warm = replay(store, name, at=Moment(version=target), projectors=wallet, cache=cache)
            assert warm.problem is None
            assert warm.snapshot_source == "cache", warm.describe()
            assert warm.snapshot_version is not None and warm.snapshot_version <= target
            assert warm.events_applied == target - warm.snapshot_version
            assert warm.state == wallet_state(self.WALLET, 5)
        finally:
            cache.close()

    def test_a_projector_for_the_category_the_store_lists_is_chosen_for_its_streams(self, built, store, tmp_path):
        """A user names the category as the store shows it (``streams`` lists it) in ``@projector``."""
        wallet_category = built.categories["wallet"]
        if wallet_category is None:
            return
        file = tmp_path / "wallet_projector.py"
        file.write_text(
            "from inspector.replay import projector\n\n\n"
            f"@projector({wallet_category!r})\n"
            "def wallet(state, event):\n"
            "    state['seen'] = state.get('seen', 0) + 1\n"
            "    return state\n",
            encoding="utf-8",
        )
        projectors = load_projectors(str(file))
        result = replay(store, built.streams[self.WALLET], projectors=projectors)
        assert result.problem is None, result.problem
        assert result.projector == "wallet"
        assert result.state == {"seen": len(self._drafts_of(self.WALLET))}
        job = replay(store, built.streams["job-x"], projectors=projectors)
        assert job.projector == "generic"


class EventStoreContract(ReplayContract):
    """The tests every adapter passes, replay, diff and bisect included. Subclasses implement ``build``."""

    def build(self, request: pytest.FixtureRequest, tmp_path: Path) -> Built:
        raise NotImplementedError  # each store subclass writes DRAFTS in its own layout

    @pytest.fixture(scope="class")
    @classmethod
    def built(cls, request, tmp_path_factory):
        result = cls().build(request, tmp_path_factory.mktemp(cls.__name__))
        result.digest_before = {path: digest(path) for path in _with_journals(result.files)}
        try:
            yield result
        finally:
            result.store.close()
            if result.cleanup is not None:
                result.cleanup()

    @pytest.fixture
    def store(self, built):
        return built.store

    # --- helpers ------------------------------------------------------------------------
    def _bad_streams(self, built: Built) -> set[str]:
        names = {row.stream for row in built.bad}
        if built.loose:
            names.add(built.loose[0])
        return names

    def _good(self, built: Built, events) -> list[tuple[str, int | None]]:
        bad = self._bad_streams(built)
        # a JSON Lines line that is no event is listed in place, in no stream (marked "(unreadable)")
        return [(e.stream, e.version) for e in events
                if e.stream not in bad and not (e.stream == "(unreadable)" and e.version is None and e.problem)]

    def _all_events(self, store):
        return store.read_all(limit=100_000)

    # --- describe -----------------------------------------------------------------------
    def test_describe_names_the_layout_and_says_read_only(self, built, store):
        info = store.describe()
        assert info.layout == built.layout
        assert info.read_only is True
        expected_rows = len(DRAFTS) + len(built.bad) + len(built.decodable) + len(built.shown_raw)
        expected_rows += len(built.loose[1]) if built.loose else 0
        if info.events is not None:
            assert info.events == expected_rows
        if info.streams is not None:
            assert info.streams == len(set(built.streams.values()) | self._bad_streams(built))

    # --- streams ------------------------------------------------------------------------
    def test_streams_lists_every_stream_with_its_counts_versions_and_times(self, built, store):
        listed = {s.stream: s for s in store.streams(limit=1000)}
        assert set(built.streams.values()) <= set(listed)
        assert set(listed) == set(built.streams.values()) | self._bad_streams(built)
        assert list(listed) == sorted(listed)
        for key in STREAM_KEYS:
            mine = [d for d in DRAFTS if d.key == key]
            summary = listed[built.streams[key]]
            assert summary.count == len(mine)
            assert [summary.first_version, summary.last_version] == built.v(1, len(mine))
            assert summary.category == built.categories[mine[0].category]
            if built.has_time and built.summary_times:
                assert summary.first_at == mine[0].at and summary.last_at == mine[-1].at

    def test_streams_page_by_key_after_the_last_name_seen(self, store):
        everything = [s.stream for s in store.streams(limit=1000)]
        paged: list[str] = []
        after = None
        while True:
            page = store.streams(after=after, limit=2)
            assert len(page) <= 2
            if not page:
                break
            paged.extend(s.stream for s in page)
            after = page[-1].stream
        assert paged == everything

    def test_streams_match_a_glob_or_a_substring(self, built, store):
        everything = [s.stream for s in store.streams(limit=1000)]
        name = built.streams["wallet-a"]
        glob = name[: max(3, len(name) - 2)] + "*"
        assert [s.stream for s in store.streams(match=glob)] == [n for n in everything if fnmatch.fnmatchcase(n, glob)]
        middle = name[1:5]
        expected = [n for n in everything if middle in n]  # a case-sensitive substring
        assert [s.stream for s in store.streams(match=middle)] == expected
        assert name in expected
        assert store.streams(match="no-such-stream-anywhere*") == []

    def test_streams_match_is_case_sensitive_on_every_store(self, built, store):
        """A pattern matches the name exactly as shown: ``WALLET-*`` does not list ``wallet-a``."""
        everything = [s.stream for s in store.streams(limit=1000)]
        for name in (built.streams["wallet-a"], built.streams["job-x"]):
            for pattern in (name.swapcase(), name.swapcase()[:4] + "*", "*" + name.swapcase()[-4:]):
                if pattern.lower() == pattern.upper():
                    continue  # no letters to change the case of
                expected = [n for n in everything if fnmatch.fnmatchcase(n, pattern)] if "*" in pattern else [
                    n for n in everything if pattern in n]
                assert [s.stream for s in store.streams(match=pattern, limit=1000)] == expected, pattern
        shown = built.streams["wallet-a"]
        assert [s.stream for s in store.streams(match=shown, limit=1000)] == [n for n in everything if shown in n]
        single = shown[:-1] + "?"
        assert [s.stream for s in store.streams(match=single, limit=1000)] == [
            n for n in everything if fnmatch.fnmatchcase(n, single)
        ]

    def test_streams_of_one_category_and_category_counts(self, built, store):
        for logical in ("wallet", "job"):
            shown = built.categories[logical]
            expected = sorted(built.streams[k] for k in STREAM_KEYS if k.startswith(logical + "-"))
            assert [s.stream for s in store.streams(category=shown, limit=1000)] == expected
            paged = store.streams(category=shown, limit=1) + store.streams(category=shown, after=expected[0], limit=10)
            assert [s.stream for s in paged] == expected
        counts = dict(store.categories())
        assert counts[built.categories["wallet"]] == 2
        assert counts[built.categories["job"]] == 3

    def test_every_category_counted_selects_exactly_its_streams(self, built, store):
        """Each category ``categories`` counts, ``(none)`` among them, lists as many streams as it
        counts, each shown with that category (``(none)``: with none); ``(none)`` lists no stream
        where none is counted under it."""
        counts = dict(store.categories())
        for category, count in counts.items():
            listed = store.streams(category=category, limit=1000)
            assert len(listed) == count, (category, [s.stream for s in listed])
            assert all((s.category or "(none)") == category for s in listed), (category, listed)
        if "(none)" not in counts:
            assert store.streams(category="(none)", limit=10) == []

    def test_event_types_are_counted(self, built, store):
        expected = Counter(built.type_name(d) for d in DRAFTS)
        for row in built.bad:
            expected[row.type] += 1
        for _, _, kind in built.decodable:
            expected[kind] += 1
        for _, _, kind, _ in built.shown_raw:
            expected[kind] += 1
        counts = dict(store.event_types())
        for name, count in expected.items():
            assert counts.get(name) == count, name

    # --- one stream ---------------------------------------------------------------------
    def test_read_stream_returns_events_in_version_order_with_payloads(self, built, store):
        for key in STREAM_KEYS:
            mine = [d for d in DRAFTS if d.key == key]
            events = list(store.read_stream(built.streams[key]))
            assert [(e.stream, e.version) for e in events] == built.shown(mine)
            for event, draft in zip(events, mine):
                assert event.problem is None
                assert event.type == built.type_name(draft)
                assert data_matches(event.data, draft), (event.data, draft)
                assert event.actor == draft.actor
                if built.has_time:
                    assert event.recorded_at == draft.at

    def test_read_stream_between_versions_and_with_a_limit(self, built, store):
        name = built.streams["wallet-a"]
        v = built.v
        assert [e.version for e in store.read_stream(name, from_version=v(2)[0], to_version=v(4)[0])] == v(2, 3, 4)
        assert [e.version for e in store.read_stream(name, from_version=v(5)[0])] == v(5, 6)
        assert [e.version for e in store.read_stream(name, limit=2)] == v(1, 2)
        assert [e.version for e in store.read_stream(name, from_version=v(3)[0], limit=2)] == v(3, 4)
        assert list(store.read_stream("no-such-stream")) == []

    def test_read_stream_pages_across_small_pages(self, built, store, monkeypatch):
        if hasattr(store, "page_size"):
            monkeypatch.setattr(store, "page_size", 2)
        name = built.streams["wallet-a"]
        assert [e.version for e in store.read_stream(name)] == built.v(1, 2, 3, 4, 5, 6)

    def test_read_stream_stops_when_cancelled(self, built, store):
        token = CancelToken()
        token.cancel()
        with pytest.raises(Cancelled):
            list(store.read_stream(built.streams["wallet-a"], cancel=token))
        with pytest.raises(Cancelled):
            store.read_all(cancel=token)

    # --- all streams --------------------------------------------------------------------
    def test_read_all_is_in_global_order_and_pages_by_position(self, built, store):
        everything = self._all_events(store)
        positions = [e.position for e in everything]
        assert positions == sorted(set(positions))
        assert self._good(built, everything) == built.shown(DRAFTS)
        paged = []
        after = None
        while True:
            page = store.read_all(after_position=after, limit=3)
            if not page:
                break
            assert len(page) <= 3
            paged.extend(page)
            after = page[-1].position
        assert [e.position for e in paged] == positions

    def test_read_all_filters_by_type_stream_actor_and_text(self, built, store):
        granted = built.type_name(next(d for d in DRAFTS if d.type == "CreditsGranted"))
        posted = built.type_name(next(d for d in DRAFTS if d.type == "Posted"))

        def read(**kwargs):
            return self._good(built, store.read_all(limit=1000, filters=EventFilter(**kwargs)))

        assert read(types=(granted,)) == built.shown([d for d in DRAFTS if d.type == "CreditsGranted"])
        assert read(types=(granted, posted)) == built.shown(
            [d for d in DRAFTS if d.type in ("CreditsGranted", "Posted")]
        )
        wallet_b = built.streams["wallet-b"]
        assert read(streams=(wallet_b,)) == built.shown([d for d in DRAFTS if d.key == "wallet-b"])
        assert read(actor="alice@example.com") == built.shown([d for d in DRAFTS if d.actor == "alice@example.com"])
        assert read(text="redesign") == built.shown([d for d in DRAFTS if "redesign" in str(d.data.get("title"))])
        assert read(types=(granted,), actor="support@example.com", streams=(wallet_b,)) == built.shown(
            [d for d in DRAFTS if d.type == "CreditsGranted" and d.key == "wallet-b"]
        )
        # the filters are exact: bad rows never sneak in
        assert store.read_all(limit=1000, filters=EventFilter(actor="nobody@example.com")) == []

    def test_actor_names_are_the_actors_of_the_newest_events_and_name_a_misspelt_one(self, built, store):
        from inspector.core.suggest import missing_actor

        names = store.actor_names()
        assert {d.actor for d in DRAFTS} <= set(names)
        assert store.actor_names(limit=1) == names[:1]
        assert store.actor_names(containing="ALICE@") == ["alice@example.com"]
        assert store.actor_names(containing="50%_") == []  # matched literally, not as LIKE wildcards
        assert missing_actor(store, "alice@example.com") is None
        assert missing_actor(store, "alice@exmaple.com") == (
            "--actor alice@exmaple.com: no event names that actor; did you mean 'alice@example.com'?")

    def test_read_all_filters_by_time_range(self, built, store):
        if not built.has_time:
            return
        since, until = DRAFTS[4].at, DRAFTS[10].at
        events = store.read_all(limit=1000, filters=EventFilter(since=since, until=until))
        assert self._good(built, events) == built.shown(DRAFTS[4:11])
        assert all(since <= e.recorded_at <= until for e in events)
        paged = store.read_all(limit=3, filters=EventFilter(since=since, until=until))
        rest = store.read_all(after_position=paged[-1].position, limit=100, filters=EventFilter(since=since, until=until))
        assert [e.position for e in paged + rest] == [e.position for e in events]

    def test_histogram_counts_equal_an_independent_count(self, built, store):
        if not built.has_time:
            return
        start, end, buckets = DRAFTS[0].at, DRAFTS[-1].at + timedelta(hours=1), 6
        width = (end - start) / buckets
        expected = [0] * buckets
        for d in DRAFTS:
            expected[int((d.at - start) / width)] += 1
        assert store.histogram(start, end, buckets).counts == expected
        spent = built.type_name(next(d for d in DRAFTS if d.type == "CreditsSpent"))
        only_spent = [0] * buckets
        for d in DRAFTS:
            if d.type == "CreditsSpent":
                only_spent[int((d.at - start) / width)] += 1
        assert store.histogram(start, end, buckets, EventFilter(types=(spent,))).counts == only_spent

    def test_time_range_spans_the_first_and_last_event(self, built, store):
        if not built.has_time:
            return
        assert store.time_range() == (min([DRAFTS[0].at, *built.extra_times]), DRAFTS[-1].at)

    def test_latest_position_is_the_last_event_of_read_all(self, store):
        assert store.latest_position() == self._all_events(store)[-1].position

    # --- snapshots ----------------------------------------------------------------------
    def test_snapshots_are_the_stores_own_oldest_first(self, built, store):
        for stream, expected in built.snapshots.items():
            found = store.snapshots(stream)
            assert [s.version for s in found] == [version for version, _ in expected]
            for snapshot, (_, subset) in zip(found, expected):
                assert snapshot.problem is None
                assert {k: snapshot.state.get(k) for k in subset} == subset
        without = [built.streams[k] for k in STREAM_KEYS if built.streams[k] not in built.snapshots]
        assert store.snapshots(without[0]) == []

    # --- bad rows -----------------------------------------------------------------------
    def test_bad_rows_become_events_with_a_problem(self, built, store):
        assert built.bad, "every store plants at least one bad row"
        for row in built.bad:
            events = [e for e in store.read_stream(row.stream) if e.version == row.version]
            assert events, row
            assert any(e.problem and row.problem in e.problem for e in events), (row, [e.problem for e in events])
        everything = self._all_events(store)
        assert sum(1 for e in everything if e.problem) >= len(built.bad)

    def test_unusual_but_readable_rows_decode(self, built, store):
        for stream, version, _ in built.decodable:
            (event,) = [e for e in store.read_stream(stream) if e.version == version]
            assert event.problem is None and isinstance(event.data, dict)

    def test_rows_in_a_format_shown_raw_are_not_problems(self, built, store):
        for stream, version, _, raw in built.shown_raw:
            (event,) = [e for e in store.read_stream(stream) if e.version == version]
            assert (event.problem, event.data, event.raw) == (None, None, raw)


class LooseVersionsContract:
    """Stores without a unique (stream, version) key: duplicates and NULL versions are read, not lost."""

    def test_duplicate_and_null_versions_survive_a_page_edge(self, built, store, monkeypatch):
        stream, versions = built.loose
        if hasattr(store, "page_size"):
            monkeypatch.setattr(store, "page_size", 2)
        events = list(store.read_stream(stream))
        assert [e.version for e in events] == versions
        assert len({e.position for e in events}) == len(versions)
        assert any(e.version is None and e.problem for e in events)
        summary = store.streams(match=stream)[0]
        assert summary.count == len(versions)


class SqlContract:
    """A write attempted through the adapter's own engine is refused by the database."""

    def test_a_write_through_the_adapters_connection_is_refused(self, built, store):
        table = store.layout.table
        with store.engine.connect() as conn:
            before = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        for statement in (sa.delete(table), sa.text("CREATE TABLE inspector_write_probe (x integer)")):
            with store.engine.connect() as conn:
                with pytest.raises(sa.exc.DBAPIError) as refused:
                    conn.execute(statement)
                    conn.commit()
            message = str(refused.value.orig).lower().replace("-", "").replace(" ", "")
            # SQLite's authorizer refuses it while preparing ("not authorized"); servers' sessions say read-only
            assert "readonly" in message or "notauthorized" in message, message
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == before


class FileContract:
    """The store file is byte-for-byte the same after every call, and no journal appears."""

    def test_store_file_is_unchanged_after_every_call(self, built, store):
        start, end = DRAFTS[0].at, DRAFTS[-1].at
        store.describe()
        store.streams(limit=5)
        store.categories()
        store.event_types()
        for name in built.streams.values():
            list(store.read_stream(name))
            store.snapshots(name)
        store.read_all(limit=1000, filters=EventFilter(text="redesign", since=start))
        store.latest_position()
        store.time_range()
        if built.has_time:
            store.histogram(start, end, 4)
        after = {path: digest(path) for path in _with_journals(built.files)}
        assert after == built.digest_before
