"""The window at scale: big views do only the work their visible part needs and still show
the right things.

Each test drives the real widget on a real SQLite store (or a real event) a few thousand rows
big and checks what the code does, not how long it takes: ticks share one brush and pen per
type, a JSON tree builds the nodes a view opens, a big live batch repaints with one signal.
How long these take is measured by ``benchmarks/window_at_scale.py``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from inspector.core.events import Event
from inspector.stores import open_store
from inspector.ui.presenting import type_colour

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
TYPES = ("Opened", "Credited", "Debited", "Closed")


def _make_store(path, streams: dict[str, int]) -> str:
    """A generic-layout SQLite store: ``streams`` maps a name to its number of events."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    conn.execute("CREATE INDEX events_stream_version ON events (stream, version)")
    rows = []
    for offset, (stream, count) in enumerate(streams.items()):
        for version in range(1, count + 1):
            rows.append((stream, version, TYPES[version % len(TYPES)],
                         (T0 + timedelta(seconds=version * 10 + offset)).isoformat(),
                         json.dumps({"n": version}), json.dumps({"actor": f"user{version % 7}@example.com"})))
    rows.sort(key=lambda row: row[3] or "")  # written in time order: the streams' positions interleave
    conn.executemany("INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                     "VALUES (?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return str(path)


@pytest.fixture
def runner():
    from inspector.ui.app import make_app
    from inspector.ui.runner import TaskRunner

    make_app()
    task_runner = TaskRunner()
    yield task_runner
    task_runner.shutdown()


def _count_nodes_built(monkeypatch) -> list[int]:
    """Counts the JSON tree nodes made from now on (a node is made when a view asks for it)."""
    from inspector.ui import models

    built = [0]
    make = models._Node.__init__

    def counting(self, *args, **kwargs):
        built[0] += 1
        make(self, *args, **kwargs)

    monkeypatch.setattr(models._Node, "__init__", counting)
    return built


# --- 1. the timeline --------------------------------------------------------------------------
@pytest.fixture
def lanes_store(tmp_path):
    store = open_store(_make_store(tmp_path / "lanes.db", {"acct-a": 2500, "acct-b": 2500, "acct-c": 1000}))
    yield store
    store.close()


def _timeline(qtbot, runner, store):
    from inspector.ui.timeline import TimelineWidget

    timeline = TimelineWidget(runner)
    qtbot.addWidget(timeline)
    timeline.resize(900, 420)
    timeline.show()
    start, end = store.time_range()
    timeline.set_store(store, start, end, list(TYPES))
    timeline.set_streams(["acct-a", "acct-b", "acct-c"])
    qtbot.waitUntil(lambda: len(timeline.drawn_events()) == 6000, timeout=15000)
    return timeline


def test_six_thousand_ticks_draw_quickly_each_on_its_lane_in_its_type_colour(qtbot, runner, lanes_store):
    timeline = _timeline(qtbot, runner, lanes_store)
    # a redraw (as every lane scroll does) places all ticks in one update, sharing one brush and
    # one pen per event type (a pen made per tick was the slow way)
    placed = []
    update = timeline.ticks.updateSpots

    def counting(data=None):
        if not timeline.ticks._placing:
            placed.append(len(timeline.ticks.data) if data is None else len(data))
        update(data)

    timeline.ticks.updateSpots = counting
    try:
        timeline._draw()
    finally:
        del timeline.ticks.updateSpots
    assert placed == [6000]
    assert len({id(brush) for brush in timeline.ticks.data["brush"]}) == len(TYPES)
    assert len({id(pen) for pen in timeline.ticks.data["pen"]}) == len(TYPES)
    lanes = {"acct-a": 0, "acct-b": 1, "acct-c": 2}
    points = timeline.ticks.points()
    assert len(points) == 6000
    for spot in points[::97]:
        event = spot.data()
        assert spot.pos().y() == lanes[event.stream]
        assert spot.pos().x() == pytest.approx(event.recorded_at.timestamp())
        assert spot.brush().color().name() == type_colour(event.type)
        assert spot.pen().color().name() == type_colour(event.type)
    assert "6,000 events in view" in timeline.info.text()


def test_clicking_a_tick_among_thousands_selects_its_event(qtbot, runner, lanes_store):
    timeline = _timeline(qtbot, runner, lanes_store)
    spot = next(s for s in timeline.ticks.points() if s.data().stream == "acct-b" and s.data().version == 1234)
    with qtbot.waitSignal(timeline.eventClicked, timeout=10000) as clicked:
        timeline.ticks.sigClicked.emit(timeline.ticks, [spot], None)
    assert (clicked.args[0].stream, clicked.args[0].version) == ("acct-b", 1234)


def test_scrolling_the_lanes_redraws_only_the_visible_lanes(qtbot, runner, tmp_path):
    names = {f"s-{i:03d}": 40 for i in range(80)}
    store = open_store(_make_store(tmp_path / "many.db", names))
    try:
        from inspector.ui.timeline import TimelineWidget

        timeline = TimelineWidget(runner)
        qtbot.addWidget(timeline)
        timeline.resize(900, 420)
        timeline.show()
        start, end = store.time_range()
        timeline.set_store(store, start, end, list(TYPES))
        timeline.set_streams(list(names))
        visible = timeline.visible_lanes()
        qtbot.waitUntil(lambda: len(timeline.drawn_events()) == 40 * visible, timeout=15000)
        assert {e.stream for e in timeline.drawn_events()} == set(list(names)[:visible])
        timeline.scroll.setValue(10)
        qtbot.waitUntil(lambda: {e.stream for e in timeline.drawn_events()} == set(list(names)[10:10 + visible]),
                        timeout=15000)
        lane_of = {name: i for i, name in enumerate(names)}
        assert all(s.pos().y() == lane_of[s.data().stream] for s in timeline.ticks.points())
    finally:
        store.close()


def test_live_events_add_their_ticks_and_keep_the_drawn_ones(qtbot, runner, lanes_store):
    timeline = _timeline(qtbot, runner, lanes_store)
    before = timeline.ticks.points()
    first = before[0].data()
    last = max(e.recorded_at for e in timeline.drawn_events())
    fresh = [Event(position=10_000 + i, stream="acct-c", version=1001 + i, type="Refunded",
                   recorded_at=last + timedelta(seconds=1 + i), data={}, metadata={}) for i in range(3)]
    fresh.append(Event(position=10_100, stream="elsewhere", version=1, type="Opened",
                       recorded_at=last, data={}, metadata={}))  # not a listed lane: no tick
    timeline.add_live_events(fresh, follow=False)
    points = timeline.ticks.points()
    assert len(points) == 6003
    assert points[0].data() is first  # the drawn ticks stayed
    added = [s for s in points if s.data().type == "Refunded"]
    assert [s.data().version for s in added] == [1001, 1002, 1003]
    assert all(s.pos().y() == 2 and s.brush().color().name() == type_colour("Refunded") for s in added)
    assert "6,004 events in view" in timeline.info.text()


# --- 2. a huge event --------------------------------------------------------------------------
def _huge_event() -> Event:
    """A ~2 MB event: one list of 30,000 small objects, beside small fields."""
    items = [{"k": i, "s": "x" * 40} for i in range(30_000)]
    return Event(position=1, stream="huge-1", version=1, type="Imported", recorded_at=T0,
                 data={"blob": items, "count": 30_000, "owner": {"name": "ann"}},
                 metadata={"actor": "ann@example.com"})


def test_selecting_a_2_mb_event_shows_its_top_level_and_a_truncated_raw_view_quickly(qtbot, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from inspector.ui.presenting import raw_text
    from inspector.ui.widgets import RAW_LIMIT, EventView

    event = _huge_event()
    text = raw_text(event)
    assert len(text) > 1_500_000
    view = EventView()
    qtbot.addWidget(view)
    view.resize(420, 640)
    view.show()
    qtbot.waitExposed(view)

    built = _count_nodes_built(monkeypatch)
    view.show_event(event)
    QApplication.processEvents()  # painted: the view asked for every row it shows
    # the tree made the nodes of the few small containers it opened, none of the 30,000 items
    # (an eager tree, the whole text and expanding the big list were the slow way)
    assert 0 < built[0] < 100
    model, tree = view.model, view.tree
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["data", "metadata"]
    blob = model.find("data", "blob")
    assert blob.isValid() and model.index(blob.row(), 1, blob.parent()).data() == "30,000 items"
    # small containers open, the 30,000-item list stays closed until the user opens it
    assert tree.isExpanded(model.find("data")) and tree.isExpanded(model.find("metadata"))
    assert not tree.isExpanded(blob)
    assert model.hasChildren(blob)
    assert model.value_at("data", "owner", "name") == "ann"
    # the raw view holds the first 200 KB and says how much there is; Copy takes it all
    shown = view.raw.toPlainText()
    assert len(shown) <= RAW_LIMIT + 2 and text.startswith(shown[:RAW_LIMIT])
    assert view.show_all_button.isVisible()
    assert view.show_all_button.text() == f"Show all ({len(text) / 1_000_000:.1f} MB of text)"
    view.copy_raw()
    assert QApplication.clipboard().text() == text
    view.show_all_button.click()
    assert view.raw.toPlainText() == text and not view.show_all_button.isVisible()
    # a small event shows whole again, without the button
    small = Event(position=2, stream="s", version=1, type="T", recorded_at=T0, data={"a": [1, 2]}, metadata={})
    view.show_event(small)
    assert view.raw.toPlainText() == raw_text(small) and not view.show_all_button.isVisible()
    assert tree.isExpanded(model.find("data", "a"))


def _reads_bold(index) -> bool:
    from PySide6.QtCore import Qt

    font = index.data(Qt.ItemDataRole.FontRole)
    return font is not None and font.bold()


def test_opening_a_big_list_in_the_json_tree_lists_every_item_in_ranges(qtbot, qtmodeltester):
    from PySide6.QtCore import Qt

    from inspector.ui.models import JsonTreeModel

    model = JsonTreeModel()
    model.set_value({"blob": list(range(2500)), "nested": {"a": [{"b": 1}]}}, {"/nested/a/0/b": "add", "/blob/1700": "change"})
    blob = model.find("blob")
    assert model.hasChildren(blob) and model.child_count(blob) == 2500
    # ranges of a thousand, the last one shorter; the one holding the changed item reads bold
    ranges = [model.index(row, 0, blob) for row in range(model.rowCount(blob))]
    assert [r.data() for r in ranges] == ["[0 … 999]", "[1,000 … 1,999]", "[2,000 … 2,499]"]
    assert [model.rowCount(r) for r in ranges] == [1000, 1000, 500]
    assert [_reads_bold(r) for r in ranges] == [False, True, False]
    assert model.index(499, 0, ranges[2]).data() == "[2499]" and model.index(499, 1, ranges[2]).data() == "2499"
    assert model.find("blob", 1700).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.value_at("blob", 2499) == 2499
    leaf = model.find("nested", "a", 0, "b")
    assert leaf.isValid() and leaf.data() == "b"
    assert model.data(leaf, 3) == "/nested/a/0/b  (added by this event)"  # tooltip: pointer and change
    assert model.parent(model.parent(leaf)) == model.find("nested", "a")
    qtmodeltester.check(model)


def test_a_map_of_2500_keys_opens_in_ranges_named_by_their_first_and_last_keys(qtbot, qtmodeltester):
    from PySide6.QtCore import Qt

    from inspector.ui.models import JsonTreeModel

    model = JsonTreeModel()
    model.set_value({"prices": {f"p/{i:04d}": i for i in range(2500)}}, {"/prices/p~12400": "change"})
    prices = model.find("prices")
    ranges = [model.index(row, 0, prices) for row in range(model.rowCount(prices))]
    assert [r.data() for r in ranges] == ["p/0000 … p/0999", "p/1000 … p/1999", "p/2000 … p/2499"]
    assert [_reads_bold(r) for r in ranges] == [False, False, True]
    price = model.find("prices", "p/2400")
    assert price.parent() == ranges[2] and price.data() == "p/2400"
    assert price.data(Qt.ItemDataRole.ToolTipRole) == "/prices/p~12400  (changed by this event)"
    qtmodeltester.check(model)


def test_a_list_of_a_million_and_one_items_nests_its_ranges(qtbot):
    from inspector.ui.models import JsonTreeModel

    model = JsonTreeModel()
    model.set_value({"xs": list(range(1_000_001))})
    xs = model.find("xs")
    assert [model.index(row, 0, xs).data() for row in range(model.rowCount(xs))] == \
        ["[0 … 999,999]", "[1,000,000]"]  # a range of one item is named by its index alone
    item = model.find("xs", 999_999)
    assert item.data() == "[999999]"
    assert item.parent().data() == "[999,000 … 999,999]" and item.parent().parent().data() == "[0 … 999,999]"
    assert model.rowCount(item.parent().parent()) == 1000
    last = model.find("xs", 1_000_000)
    assert last.parent().data() == "[1,000,000]" and last.parent().parent() == xs  # no group within a group of one


def test_the_state_of_a_huge_event_shows_without_expanding_its_big_list(qtbot, monkeypatch):
    from types import SimpleNamespace

    from PySide6.QtWidgets import QApplication

    from inspector.ui.replay_views import StateView

    view = StateView()
    qtbot.addWidget(view)
    view.show()
    state = {"items": [{"k": i} for i in range(30_000)], "owner": {"name": "ann"}, "count": 3}
    result = SimpleNamespace(state=state, version=1, stream="huge-1", recorded_at=T0, stopped=None, problem=None, warnings=[],
                             snapshot_source=None, describe=lambda: "replayed 1 event")
    built = _count_nodes_built(monkeypatch)
    view.show_result(result, [])
    QApplication.processEvents()
    assert 0 < built[0] < 100  # the top level and the small "owner", none of the 30,000 items
    items = view.model.find("items")
    assert not view.tree.isExpanded(items) and view.tree.isExpanded(view.model.find("owner"))
    assert view.model.value_at("owner", "name") == "ann"


# --- 3. live events into a long stream list ---------------------------------------------------
def test_a_live_batch_into_a_long_stream_list_counts_each_row_and_lists_new_streams_in_order(
        qtbot, qtmodeltester, runner, tmp_path):
    from PySide6.QtWidgets import QTableView

    from inspector.ui.models import StreamListModel

    names = [f"acct-{i:05d}" for i in range(0, 10_000, 2)]  # 5,000 streams, every other number
    store = open_store(_make_store(tmp_path / "long.db", dict.fromkeys(names, 1)))
    try:
        model = StreamListModel(runner, page_size=2500)
        view = QTableView()
        qtbot.addWidget(view)
        view.setModel(model)
        view.show()
        model.set_store(store)
        while not model.exhausted:
            qtbot.waitUntil(lambda: not model.loading, timeout=10000)
            model.fetchMore()
        qtbot.waitUntil(lambda: model.rowCount() == 5000 and model.exhausted, timeout=10000)

        now = T0 + timedelta(days=1)
        into_old = [Event(position=100_000 + i, stream=names[(i * 37) % 5000], version=2 + i // 5000,
                          type="Credited", recorded_at=now, data={}, metadata={}) for i in range(3000)]
        brand_new = [Event(position=200_000 + i, stream=f"acct-{i * 200 + 1:05d}", version=1, type="Opened",
                           recorded_at=now, data={}, metadata={}) for i in range(50)]
        batch = into_old + brand_new + brand_new[:1]  # the repeat: already counted, no second row
        signals = {"dataChanged": [], "rowsInserted": [], "modelReset": [], "rowsLoaded": []}
        model.dataChanged.connect(lambda top, bottom, *_: signals["dataChanged"].append((top.row(), bottom.row())))
        model.rowsInserted.connect(lambda _parent, first, last: signals["rowsInserted"].append((first, last)))
        model.modelReset.connect(lambda: signals["modelReset"].append(True))
        model.rowsLoaded.connect(lambda: signals["rowsLoaded"].append(True))
        model.add_live_events(batch)
        # one repaint signal for the 3,000 counted rows (not one each), each new stream inserted
        # as one row where it sorts, and the list is not reset (a reset re-reads every row)
        assert len(signals["dataChanged"]) == 1
        assert signals["rowsInserted"] == [(model.row_of(e.stream),) * 2 for e in brand_new]
        assert signals["modelReset"] == [] and len(signals["rowsLoaded"]) == 1

        assert model.rowCount() == 5050
        listed = [model.index(r, 0).data() for r in range(model.rowCount())]
        assert listed == sorted(names + [e.stream for e in brand_new])
        for stream in (names[0], names[37], names[4999], brand_new[0].stream, brand_new[49].stream):
            assert model.row_of(stream) == listed.index(stream)
        assert model.row_of("acct-99999") is None
        touched = {e.stream for e in into_old}
        assert len(touched) == 3000  # 37 and 5000 share no factor: one event per stream
        (repainted,) = signals["dataChanged"]
        rows = [model.row_of(stream) for stream in touched]
        assert repainted[0] <= min(rows) and repainted[1] >= max(rows)
        assert all(model.summary(model.row_of(stream)).count == 2 for stream in touched)
        hit = model.summary(model.row_of(names[37]))
        assert hit.count == 2 and hit.last_version == 2 and hit.last_at == now
        untouched = next(name for name in names if name not in touched)
        assert model.summary(model.row_of(untouched)).count == 1
        fresh = model.summary(model.row_of(brand_new[3].stream))
        assert fresh.count == 1 and fresh.last_at == now
        assert model.index(model.row_of(names[37]), StreamListModel.COUNT).data() == "2"
        qtmodeltester.check(model)
    finally:
        store.close()


# --- 4. jumping to a far event ----------------------------------------------------------------
def test_jumping_to_a_far_event_reads_a_window_around_it_and_pages_on_from_there(
        qtbot, qtmodeltester, runner, tmp_path):
    from PySide6.QtWidgets import QTableView

    from inspector.stores import EventFilter
    from inspector.ui.models import EventTableModel

    # big-1's events interleave with another stream's, so its positions are far apart
    store = open_store(_make_store(tmp_path / "far.db", {"big-1": 3000, "other": 3000}))
    try:
        events = {e.version: e for e in store.read_stream("big-1")}
        model = EventTableModel(runner, page_size=40)
        view = QTableView()
        qtbot.addWidget(view)
        view.setModel(model)
        view.show()
        model.set_store(store, load=False)
        model.set_filter(EventFilter(streams=("big-1",)))
        qtbot.waitUntil(lambda: model.rowCount() == 40, timeout=5000)
        reads = []
        runner.activity.connect(lambda channel, _label, running: running and reads.append(channel))

        wanted = events[2900]
        model.want_position(wanted.position)
        qtbot.waitUntil(lambda: model.row_of_position(wanted.position) is not None and not model.loading,
                        timeout=5000)
        row = model.row_of_position(wanted.position)
        assert model.index(row, EventTableModel.VERSION).data() == "2900"
        assert model.rowCount() == 40  # one page around it, not the 2,900 rows before it
        assert reads == ["events"]
        # the page starts 20 versions earlier (half a page of context), and goes on in order
        shown = [model.event_at(r).version for r in range(model.rowCount())]
        assert shown == list(range(2880, 2920))
        assert model.starts_after == events[2880].position - 1
        model.fetchMore()
        qtbot.waitUntil(lambda: model.rowCount() == 80, timeout=5000)
        assert [model.event_at(r).version for r in range(40, 80)] == list(range(2920, 2960))

        # jumping back near the start shows the table from its first row again
        model.want_position(events[3].position)
        qtbot.waitUntil(lambda: model.row_of_position(events[3].position) is not None and not model.loading,
                        timeout=5000)
        assert model.event_at(0).version == 1 and model.starts_after is None
        # an event the filter does not admit is not chased
        model.want_position(events[10].position + 1)  # the other stream's event next to it
        assert not model.loading
        qtmodeltester.check(model)
    finally:
        store.close()
