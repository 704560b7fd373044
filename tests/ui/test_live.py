"""Follow live and connection loss: rows written by another connection appear in the window;
a killed server session shows a banner, is restored off the GUI thread, and the window goes on."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone


from inspector.ui.models import EventTableModel


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _select_stream(qtbot, win, stream, match=None):
    win.filter_edit.setText(match or stream)
    # the filtered list, not the one shown before the filter was typed
    qtbot.waitUntil(lambda: win.stream_model.query == (match or stream, None) and win.stream_model.exhausted
                    and win.stream_model.row_of(stream) is not None, timeout=5000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: win.event_model.exhausted and win.event_model.rowCount() > 0
                    and win.event_model.filter.streams == (stream,), timeout=5000)


def _shown_versions(win, stream):
    model = win.event_model
    return [model.event_at(r).version for r in range(model.rowCount()) if model.event_at(r).stream == stream]


def _polls_when_events_arrive(win) -> list[tuple[int, list]]:
    """(polls answered so far, the events) for each batch the follower delivers from now on."""
    arrivals: list[tuple[int, list]] = []
    win.follower.eventsArrived.connect(lambda events: arrivals.append((win.follower.polls, events)))
    return arrivals


def _shown_at_the_next_poll(arrivals, polls_at_commit: int, stream: str, version: int) -> None:
    """The poll that brought ``stream``'s ``version`` began after the commit: the one answered
    next (it may have been asked just before the commit) or the one after it. Polls come about
    once a second, so this is "shown within two seconds" counted in polls, not on a clock."""
    polls, events = arrivals[0]
    assert (stream, version) in {(e.stream, e.version) for e in events}
    assert polls_at_commit < polls <= polls_at_commit + 2


def test_following_live_shows_rows_written_by_another_sqlite_connection_at_the_next_poll(
        qtbot, window, demo_copy, demo_planted):
    stream, _bad = demo_planted.negative_wallet
    _select_stream(qtbot, window, stream, match="wallet")
    before_rows = window.event_model.rowCount()
    last_version = window.event_model.event_at(before_rows - 1).version
    first_shown = window.event_model.event_at(0)
    count_before = window.stream_model.summary(window.stream_model.row_of(stream)).count
    reads = []
    window.runner.activity.connect(lambda channel, _label, running: running and reads.append(channel))

    qtbot.waitUntil(lambda: window.stream_model.query == ("wallet", None) and window.stream_model.exhausted,
                    timeout=10000)
    window.live_button.click()  # the status-bar button is the View › Follow live action
    assert window.follow_action.isChecked()
    qtbot.waitUntil(lambda: window.follower.polls >= 1, timeout=10000)
    assert window.live_label.text() == "Live: waiting for new events"
    assert window.follower.polls == 1  # about once a second, not in a tight loop

    arrivals = _polls_when_events_arrive(window)
    writer = sqlite3.connect(demo_copy)  # the inspector's own connection is read-only
    try:
        writer.execute(
            "INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?,?,?,?,?,?)",
            (stream, last_version + 1, "CreditsGranted", _now(), '{"amount": 77, "reason": "live"}',
             '{"actor": "live@example.com"}'))
        writer.execute(
            "INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?,?,?,?,?,?)",
            ("wallet-0000live", 1, "WalletOpened", _now(), '{"owner": "new@example.com"}', "{}"))
        writer.commit()
        polls_at_commit = window.follower.polls
        qtbot.waitUntil(lambda: last_version + 1 in _shown_versions(window, stream), timeout=10000)
        _shown_at_the_next_poll(arrivals, polls_at_commit, stream, last_version + 1)
    finally:
        writer.close()

    model = window.event_model
    row = model.rowCount() - 1
    assert model.rowCount() == before_rows + 1  # appended; the new stream's event is not in this stream's table
    assert model.index(row, EventTableModel.SUMMARY).data() == "amount=77 · reason=live"
    assert model.index(row, EventTableModel.ACTOR).data() == "live@example.com"
    assert model.event_at(0) is first_shown  # what was shown was not read again
    assert "events" not in reads
    assert window.events_title.text() == f"Events of {stream} ({before_rows + 1:,})"
    # the stream list counts it, and a new stream gets its row and a lane on the timeline
    qtbot.waitUntil(lambda: window.stream_model.row_of("wallet-0000live") is not None, timeout=10000)
    summary = window.stream_model.summary(window.stream_model.row_of(stream))
    assert summary.count == count_before + 1 and summary.last_version == last_version + 1
    assert window.stream_model.index(window.stream_model.row_of(stream), 1).data() == f"{count_before + 1:,}"
    assert window.stream_model.index(window.stream_model.row_of("wallet-0000live"), 2).data() == "just now"
    assert window.timeline._streams[0] == "wallet-0000live"
    window.timeline.scroll.setValue(0)
    assert window.timeline.visible_streams()[0] == "wallet-0000live"
    qtbot.waitUntil(lambda: ("wallet-0000live", 1) in {(e.stream, e.version) for e in window.timeline.drawn_events()},
                    timeout=10000)
    window.timeline.set_selected_stream(stream)  # its lane scrolled into view: its new event drawn there too
    assert stream in window.timeline.visible_streams()
    qtbot.waitUntil(lambda: (stream, last_version + 1) in {(e.stream, e.version) for e in window.timeline.drawn_events()},
                    timeout=10000)
    assert window.live_label.text() == "Live: 2 new events"
    # the scrubber reaches the new version
    assert window.state_view.slider.maximum() == last_version + 1

    window.follow_action.trigger()  # off again: no more polls
    assert not window.follower.following and not window.live_label.isVisible()


def test_following_live_on_postgres_shows_a_new_row_at_the_next_poll(qtbot, pg_events_db):
    from inspector.ui.app import MainWindow, make_app

    url, writer = pg_events_db
    make_app()
    win = MainWindow(url)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() == 1, timeout=10000)
        _select_stream(qtbot, win, "wallet-1")
        assert _shown_versions(win, "wallet-1") == [1, 2, 3]
        win.follow_action.trigger()
        qtbot.waitUntil(lambda: win.follower.polls >= 1, timeout=10000)
        arrivals = _polls_when_events_arrive(win)
        with writer.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES "
                "('wallet-1', 4, 'CreditsGranted', now(), '{\"amount\": 9}', '{\"actor\": \"bo@example.com\"}')")
        polls_at_commit = win.follower.polls
        qtbot.waitUntil(lambda: _shown_versions(win, "wallet-1") == [1, 2, 3, 4], timeout=10000)
        _shown_at_the_next_poll(arrivals, polls_at_commit, "wallet-1", 4)
        assert win.event_model.index(3, EventTableModel.SUMMARY).data() == "amount=9"
        assert win.stream_model.index(0, 1).data() == "4"
    finally:
        win.shutdown()


def _inspector_sessions(conn, database):
    return conn.exec_driver_sql(
        "SELECT pid, wait_event_type FROM pg_stat_activity WHERE datname = %(db)s AND pid <> pg_backend_pid()",
        {"db": database}).all()


def test_a_killed_postgres_session_shows_a_banner_reconnects_and_refreshes(qtbot, pg_events_db):
    import sqlalchemy as sa

    from inspector.ui.app import MainWindow, make_app

    url, writer = pg_events_db
    database = sa.engine.make_url(url).database
    make_app()
    win = MainWindow(url)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() == 1, timeout=10000)
        # the store-wide counts (time range, types, categories) and the histogram are in: only the
        # live poll reads the store from here on, so the session found waiting on the lock is its
        qtbot.waitUntil(lambda: win.category_box.itemText(0).startswith("All categories (")
                        and not win.timeline.histogram_pending(), timeout=10000)
        _select_stream(qtbot, win, "wallet-1")
        win.follow_action.trigger()
        qtbot.waitUntil(lambda: win.follower.polls >= 1, timeout=10000)

        # Hold a lock so the next poll waits inside the server, then kill the inspector's sessions.
        locker = writer.connect()
        locker.exec_driver_sql("BEGIN")
        locker.exec_driver_sql("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        killer = writer.connect()
        try:
            qtbot.waitUntil(lambda: any(wait == "Lock" for _pid, wait in _inspector_sessions(killer, database)),
                            timeout=5000)
            for pid, _wait in _inspector_sessions(killer, database):
                if pid != locker.exec_driver_sql("SELECT pg_backend_pid()").scalar():
                    killer.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            qtbot.waitUntil(lambda: "lost — reconnecting" in win.connection_banner.text(), timeout=5000)
            assert f"Connection to {url}" in win.connection_banner.text()
            assert not win.banner.isVisible()  # one message, not one per failed call
            assert win.live_label.text() == "Live: paused while reconnecting"
            # the window stays usable meanwhile: the tabs and filters still answer
            win.tabs.setCurrentWidget(win.state_view)
            assert win.tabs.currentWidget() is win.state_view
        finally:
            locker.exec_driver_sql("ROLLBACK")
            locker.close()
            killer.close()

        qtbot.waitUntil(lambda: "restored" in win.connection_banner.text(), timeout=10000)
        assert win.connection_banner.text() == f"✓ Connection to {url} restored — the view was refreshed."
        qtbot.waitUntil(lambda: win.event_model.exhausted and _shown_versions(win, "wallet-1") == [1, 2, 3],
                        timeout=5000)
        # following goes on after the reconnect
        with writer.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES "
                "('wallet-1', 4, 'CreditsSpent', now(), '{\"amount\": 2}', '{}')")
        qtbot.waitUntil(lambda: _shown_versions(win, "wallet-1") == [1, 2, 3, 4], timeout=10000)
    finally:
        win.shutdown()


class _FlakyStore:
    """A real store whose next ``fails`` calls of ``latest_position`` report a lost connection."""

    def __init__(self, store, fails):
        self._store = store
        self.fails = fails
        self.probes = 0

    def latest_position(self):
        from inspector.stores import ConnectionLost

        self.probes += 1
        if self.probes <= self.fails:
            raise ConnectionLost("connection to flaky.db lost: server closed the connection unexpectedly")
        return self._store.latest_position()

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_reconnect_retries_with_growing_delays_until_the_store_answers(qtbot, window):
    flaky = _FlakyStore(window.store, fails=3)
    window.reconnector.set_store(flaky)
    window.reconnector.delays = (0.05, 0.1, 0.2)
    waits = []  # (failed attempts so far, seconds until the next probe), as the banner is told
    window.reconnector.retrying.connect(lambda attempts, delay, _why: waits.append((attempts, delay)))
    window.runner.submit("probe", lambda cancel, progress: flaky.latest_position(), None,
                         lambda exc: window.show_error(f"Reading failed: {exc}"))
    qtbot.waitUntil(lambda: "attempt 2 failed" in window.connection_banner.text(), timeout=10000)
    assert "next try in 0.2 s" in window.connection_banner.text()
    assert "server closed the connection unexpectedly" in window.connection_banner.text()
    assert not window.banner.isVisible()
    qtbot.waitUntil(lambda: "restored" in window.connection_banner.text(), timeout=10000)
    # the lost call, then probes after 0.05 s, 0.1 s and 0.2 s: each wait longer than the last
    assert flaky.probes == 4
    assert waits == [(1, 0.1), (2, 0.2)]
    assert not window.reconnector.active

