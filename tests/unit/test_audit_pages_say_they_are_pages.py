"""``audit --actor`` and ``--correlation`` never pass one page off as the whole: a page cut by
--limit says it shows the first events and that more exist; its stream count is the page's."""

from __future__ import annotations

from inspector.cli import main
from inspector.core.audit import ActorPage, actor_page
from inspector.core.events import Event
from inspector.stores import open_store


def test_a_page_cut_by_limit_says_more_exist(demo_store_path, capsys):
    assert main(["audit", str(demo_store_path), "--actor", "alice@example.com", "--limit", "5"]) == 0
    first = capsys.readouterr()[0].splitlines()[0]
    assert first.startswith("alice@example.com: first 5 events shown (oldest first), in ")
    assert first.endswith("; more exist")


def test_the_whole_of_an_actor_s_events_counts_every_stream_they_acted_in(demo_store_path, capsys):
    store = open_store(str(demo_store_path))
    try:
        whole = actor_page(store, "alice@example.com", limit=100_000)
        first_five = actor_page(store, "alice@example.com", limit=5)
    finally:
        store.close()
    streams = len({event.stream for event in whole.events})
    assert not whole.more and first_five.more and streams > 1
    assert whole.headline() == f"alice@example.com: {len(whole.events):,} events in {streams} streams, oldest first"
    assert first_five.next_after == first_five.events[-1].position


def _event(position: int, stream: str) -> Event:
    return Event(position=position, stream=stream, version=1, type="CreditsSpent")


def test_later_pages_say_where_they_start():
    page = ActorPage("alice", [_event(501, "wallet-1"), _event(502, "wallet-2")], more=False, after_position=500)
    assert page.headline() == "alice: the last 2 events after position 500 (oldest first), in 2 streams"
    page = ActorPage("alice", [_event(501, "wallet-1")], more=True, after_position=500)
    assert page.headline() == "alice: next 1 event shown after position 500 (oldest first), in 1 stream; more exist"


def test_a_correlation_listing_cut_by_limit_says_more_exist(demo_store_path, capsys):
    store = open_store(str(demo_store_path))
    try:
        correlation = next(event.metadata["correlation_id"] for event in store.read_all(limit=50)
                           if event.metadata.get("correlation_id"))
    finally:
        store.close()
    assert main(["audit", str(demo_store_path), "--correlation", correlation, "--limit", "1", "--json"]) == 0
    import json

    listed = json.loads(capsys.readouterr()[0])
    assert len(listed["events"]) == 1
    assert main(["audit", str(demo_store_path), "--correlation", correlation, "--limit", "1000", "--json"]) == 0
    every = json.loads(capsys.readouterr()[0])
    assert listed["capped"] is (len(every["events"]) > 1) and every["capped"] is False
