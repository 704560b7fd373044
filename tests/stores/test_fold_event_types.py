"""A fold reads each event's type as a full read gives it, however the stored type looks.

Events of a fold page take their type from the row when the page is made (a type column shown as
stored); a NULL type, a type stored as bytes or as a number must still read as a full read shows
it, in single-stream replays and whole-category reads, and whatever a projector is handed.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inspector.replay.projectors import ProjectorEvent
from inspector.stores import open_store

#: stored types by version: text, NULL, bytes, a number (SQLite keeps each as given in a BLOB column)
TYPES = {1: "Opened", 2: None, 3: b"Raw\xffType", 4: 7, 5: "Closed"}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("types")) / "types.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER,"
                 " type BLOB, recorded_at TEXT, data TEXT, metadata TEXT)")
    rows = [(index * 10 + version, f"box-{index}", version, kind, f"2026-01-01T00:00:0{version}Z",
             f'{{"n": {version}}}', "{}") for index in (1, 2) for version, kind in TYPES.items()]
    conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", rows)
    conn.commit()
    conn.close()
    opened = open_store(str(path))
    yield opened
    opened.close()


def test_a_fold_reads_each_event_type_as_a_full_read_does(store):
    shown = [event.type for event in store.read_stream("box-1")]
    assert shown[0] == "Opened" and shown[4] == "Closed" and len(set(shown)) == 5
    assert [event.type for event in store.read_for_replay("box-1")] == shown
    assert [event.event().type for event in store.read_for_replay("box-1")] == shown
    assert [ProjectorEvent(event).type for event in store.read_for_replay("box-1")] == shown


def test_a_whole_category_read_gives_each_event_type_as_a_full_read_does(store):
    read = store.read_category_for_replay(category="box")
    assert read is not None
    for name, events in read:
        assert [event.type for event in events] == [event.type for event in store.read_stream(name)]


def test_an_event_handed_to_a_projector_keeps_its_type_and_payload_its_own(store):
    event = next(iter(store.read_for_replay("box-2")))
    view = ProjectorEvent(event)
    with pytest.raises(AttributeError):
        view.type = "Other"
    view.data["n"] = 99
    assert event.type == "Opened" and event.data == {"n": 1} and ProjectorEvent(event).data == {"n": 1}
