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
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from inspector.core.cancel import Cancelled, CancelToken
from inspector.stores import EventFilter, EventStore

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
    #: stream summaries carry first/last times (not when the time is inside compressed payloads)
    summary_times: bool = True
    bad: list[BadRow] = field(default_factory=list)
    #: rows in a bad stream that look odd (compressed, plain among compressed) but must decode:
    #: (stream shown, version, type shown)
    decodable: list[tuple[str, int, str]] = field(default_factory=list)
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


class EventStoreContract:
    """The tests every adapter passes. Subclasses implement ``build``."""

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
        return [(e.stream, e.version) for e in events if e.stream not in bad]

    def _all_events(self, store):
        return store.read_all(limit=100_000)

    # --- describe -----------------------------------------------------------------------
    def test_describe_names_the_layout_and_says_read_only(self, built, store):
        info = store.describe()
        assert info.layout == built.layout
        assert info.read_only is True
        expected_rows = len(DRAFTS) + len(built.bad) + len(built.decodable)
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
        expected = [n for n in everything if middle.lower() in n.lower()]
        assert [s.stream for s in store.streams(match=middle)] == expected
        assert name in expected
        assert store.streams(match="no-such-stream-anywhere*") == []

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

    def test_event_types_are_counted(self, built, store):
        expected = Counter(built.type_name(d) for d in DRAFTS)
        for row in built.bad:
            expected[row.type] += 1
        for _, _, kind in built.decodable:
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
            assert "readonly" in message, message
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
