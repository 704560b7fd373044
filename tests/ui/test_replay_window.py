"""Timeline, State and Diff tabs on real stores, with replays off the GUI thread."""

from __future__ import annotations

import sqlite3
import time

import pytest
from PySide6.QtCore import QTimer

from inspector.stores import open_store


def _events_of(path, stream):
    store = open_store(str(path))
    try:
        return list(store.read_stream(stream))
    finally:
        store.close()


def _balance_after(events, version):
    """An independent fold of the demo wallet's events: credits after ``version``."""
    credits = 0
    for event in events:
        if event.version is None or event.version > version:
            continue
        if event.type == "CreditsGranted":
            credits += event.data["amount"]
        elif event.type == "CreditsSpent":
            credits -= event.data["amount"]
    return credits


def _open_stream(qtbot, win, stream):
    win.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: win.stream_model.row_of(stream) is not None, timeout=5000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: win.state_view.result is not None and win.state_view.result.stream == stream,
                    timeout=10000)


def test_scrubbing_to_a_version_shows_the_balance_at_that_version(qtbot, window, demo_copy, demo_planted):
    stream, bad = demo_planted.negative_wallet
    events = _events_of(demo_copy, stream)
    _open_stream(qtbot, window, stream)
    state = window.state_view
    state.tree.setCurrentIndex(state.model.find("credits"))  # the row the user looks at stays selected
    for version in (bad - 1, 5, bad):
        state.slider.setValue(version)
        qtbot.waitUntil(lambda: state.version == version, timeout=20000)  # a replay in the projector process: slow on a loaded machine
        assert state.model.value_at("credits") == _balance_after(events, version)
        assert state.model.place_of(state.tree.currentIndex()) == ("value", ("credits",))
    assert state.model.value_at("credits") == -3
    # the field the event at this version changed is highlighted, and the scrubber selected that event
    assert state.model.highlighted().get("/credits") == "change"
    assert window.current_event.version == bad and window.current_event.stream == stream
    assert "event" in state.describe_label.text() and "ms" in state.describe_label.text()

    state.back_button.click()
    qtbot.waitUntil(lambda: state.version == bad - 1, timeout=5000)
    assert state.model.value_at("credits") == _balance_after(events, bad - 1)
    assert state.tree.currentIndex().siblingAtColumn(1).data() == str(_balance_after(events, bad - 1))


def test_cursors_a_and_b_show_the_changed_paths_with_their_blame(qtbot, window, demo_planted):
    stream, bad = demo_planted.negative_wallet
    _open_stream(qtbot, window, stream)
    window.jump_to_version(stream, bad - 1)
    qtbot.waitUntil(lambda: window.current_event is not None and window.current_event.version == bad - 1, timeout=5000)
    window.timeline.a_button.click()
    window.jump_to_version(stream, bad)
    qtbot.waitUntil(lambda: window.current_event.version == bad, timeout=5000)
    window.timeline.b_button.click()
    view = window.diff_view
    qtbot.waitUntil(lambda: view.diff is not None, timeout=10000)
    assert window.timeline.cursors["A"].isVisible() and window.timeline.cursors["B"].isVisible()
    assert "/credits" in view.model.paths()
    change = view.model.change_at("/credits")
    assert change.op == "change" and change.after == -3
    assert [(b.version, b.type, b.actor) for b in change.events] == [(bad, "CreditsSpent", "system:billing")]
    assert [e.version for e in view.between_model.events()] == [bad]

    # clicking the blamed event selects it everywhere
    window.jump_to_version(stream, 2)
    qtbot.waitUntil(lambda: window.current_event.version == 2, timeout=5000)
    path_index = view.model.index_of_path("/credits")
    view.tree.clicked.emit(view.model.index(0, 0, path_index))
    qtbot.waitUntil(lambda: window.current_event.version == bad, timeout=5000)
    assert window.event_view.shown_event.version == bad


def test_a_loaded_projector_file_is_used_remembered_and_reloaded_when_it_changes(qtbot, window, demo_copy,
                                                                                 demo_planted, tmp_path):
    stream, _bad = demo_planted.negative_wallet
    source = tmp_path / "my_projector.py"
    source.write_text(
        "from inspector.replay import projector\n\n"
        "@projector('wallet')\n"
        "def counted(state, event):\n"
        "    state['seen'] = state.get('seen', 0) + 1\n"
        "    return state\n"
    )
    _open_stream(qtbot, window, stream)
    state = window.state_view
    state.slider.setValue(10)
    qtbot.waitUntil(lambda: state.version == 10, timeout=5000)
    window.set_projector_file(str(source))
    qtbot.waitUntil(lambda: state.model.value_at("seen") == 10, timeout=10000)
    assert state.model.value_at("credits") is None
    assert str(source) in state.projector_bar.label.toolTip()
    assert window.settings.projector_for(str(demo_copy)) == str(source)

    source.write_text(source.read_text().replace("+ 1", "+ 100"))
    qtbot.waitUntil(lambda: state.model.value_at("seen") == 1000, timeout=10000)

    source.write_text("def broken(:\n")
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10000)
    assert "my_projector.py" in window.banner.text()
    assert state.model.value_at("seen") == 1000  # the last good projector stays in use


def test_clicking_a_tick_on_the_timeline_selects_the_event_everywhere(qtbot, window, demo_planted):
    stream, _bad = demo_planted.negative_wallet
    _open_stream(qtbot, window, stream)
    timeline = window.timeline
    qtbot.waitUntil(lambda: any(e.stream == stream for e in timeline.drawn_events()), timeout=10000)
    spot = next(s for s in timeline.ticks.points() if s.data().stream == stream and s.data().version == 7)
    timeline.ticks.sigClicked.emit(timeline.ticks, [spot], None)
    qtbot.waitUntil(lambda: window.events_view.currentIndex().isValid()
                    and window.event_model.event_at(window.events_view.currentIndex().row()).version == 7,
                    timeout=5000)
    assert window.event_view.shown_event.version == 7
    qtbot.waitUntil(lambda: window.state_view.version == 7, timeout=5000)
    assert window.stream_model.summary(window.streams_view.currentIndex().row()).stream == stream
    assert timeline.lane_highlight.isVisible()


def test_the_timeline_region_filters_the_event_table(qtbot, window):
    events = [window.event_model.event_at(r) for r in range(window.event_model.rowCount())]
    since, until = events[100].recorded_at, events[160].recorded_at
    window.timeline.set_region(since, until)
    qtbot.waitUntil(lambda: window.event_model.exhausted and window.event_model.filter.since is not None, timeout=5000)
    shown = [window.event_model.event_at(r) for r in range(window.event_model.rowCount())]
    assert shown and all(since <= e.recorded_at <= until for e in shown)
    assert len(shown) == 61
    window.timeline.region_button.setChecked(False)
    qtbot.waitUntil(lambda: window.event_model.filter.since is None and window.event_model.rowCount() > 61,
                    timeout=5000)


def test_the_histogram_is_requeried_for_the_visible_range(qtbot, window):
    timeline = window.timeline
    # the store's own range shown (not the first streams' provisional span, which it replaces)
    qtbot.waitUntil(lambda: timeline.range_known and timeline.loaded_range is not None, timeout=10000)
    wide = timeline.loaded_range
    assert wide[1] - wide[0] > 30 * 86400
    middle = (wide[0] + wide[1]) / 2
    timeline.lanes_plot.setXRange(middle - 86400, middle + 86400, padding=0)
    qtbot.waitUntil(lambda: timeline.loaded_range[1] - timeline.loaded_range[0] < 3 * 86400, timeout=10000)
    start, end = timeline.loaded_range
    assert start <= middle <= end
    assert all(start <= e.recorded_at.timestamp() <= end for e in timeline.drawn_events())


def test_diff_and_state_models_pass_the_model_tester(qtbot, qtmodeltester, window, demo_planted):
    stream, bad = demo_planted.negative_wallet
    _open_stream(qtbot, window, stream)
    window.set_cursor("A", __import__("inspector.core", fromlist=["Moment"]).Moment(version=2))
    window.set_cursor("B", __import__("inspector.core", fromlist=["Moment"]).Moment(version=bad))
    qtbot.waitUntil(lambda: window.diff_view.diff is not None, timeout=10000)
    qtmodeltester.check(window.diff_view.model)
    qtmodeltester.check(window.diff_view.between_model)
    qtmodeltester.check(window.state_view.model)


# --- a long replay -------------------------------------------------------------------------
MILLION = 1_000_000


@pytest.fixture(scope="module")
def million_event_store(tmp_path_factory):
    """One stream of 1,000,000 events in the generic layout, written with a recursive CTE."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER,
                                 type TEXT NOT NULL, recorded_at TEXT, data TEXT, metadata TEXT);
            """
        )
        conn.execute(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {MILLION})
            INSERT INTO events
            SELECT i, 'meter-1', i, CASE i % 3 WHEN 0 THEN 'Reset' ELSE 'Ticked' END,
                   strftime('%Y-%m-%dT%H:%M:%SZ', 1767225600 + i, 'unixepoch'),
                   '{{"n": ' || i || ', "slot": ' || (i % 97) || '}}', '{{"actor": "bot"}}'
            FROM n
            """
        )
        conn.execute("CREATE INDEX events_stream_version ON events (stream, version)")
        conn.execute("CREATE INDEX events_recorded_at ON events (recorded_at)")
    conn.close()
    return path


def test_a_long_replay_shows_progress_keeps_the_window_responsive_and_can_be_cancelled(qtbot, million_event_store):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(million_event_store))
    qtbot.addWidget(win)
    win.show()
    # listing times a million ISO text times in SQL (seconds on a busy machine): not what this test is about
    qtbot.waitUntil(lambda: win.stream_model.row_of("meter-1") is not None, timeout=60000)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    win.streams_view.setCurrentIndex(win.stream_model.index(0, 0))  # replays to the latest version
    qtbot.waitUntil(lambda: win.runner.busy("state"), timeout=5000)
    task = next(t for t in win.runner.running() if t.channel == "state")
    timer.start()
    qtbot.waitUntil(lambda: win.progress_strip.isVisible() and win.progress_strip.bar.value() > 0, timeout=20000)
    # the window answers while the replay runs: the timer fires and typing in the filter box is taken
    qtbot.keyClicks(win.filter_edit, "met")
    qtbot.waitUntil(lambda: win.filter_edit.text() == "met" and len(ticks) > 5, timeout=10000)
    timer.stop()
    assert win.runner.busy("state"), "the replay should still be running"

    win.progress_strip.cancel_button.click()
    qtbot.waitUntil(lambda: task.future.done(), timeout=10000)
    assert task.cancel.cancelled
    assert not win.progress_strip.isVisible()
    assert "cancelled" in win.state_view.describe_label.text().lower()
    assert win.state_view.result is None
    win.shutdown()
