"""Follow live on PostgreSQL, where a bigserial position can commit out of order: transaction A
takes position n for wallet-1's v4 and is still open, B writes v5 at n+1 and commits, then A
commits. The events table shows v4 when it is committed (the tail looks back), and the stream
list's count catches up too (it counted v5 and, seeing v4 below its last version, could not tell
whether it already had it: it asks the store again). A row made from live events alone counts
each event once."""

from __future__ import annotations

from inspector.ui.models import StreamListModel


def _count(win, stream):
    row = win.stream_model.row_of(stream)
    return None if row is None else win.stream_model.index(row, StreamListModel.COUNT).data()


def _versions(win, stream):
    model = win.event_model
    return sorted(model.event_at(r).version for r in range(model.rowCount()) if model.event_at(r).stream == stream)


INSERT = ("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES "
          "(%(s)s, %(v)s, 'CreditsGranted', now(), '{}', '{}')")


def test_a_late_committed_event_is_counted_in_the_stream_list(qtbot, pg_events_db, tmp_path):
    from inspector.ui.app import MainWindow, make_app

    url, writer = pg_events_db
    make_app()
    win = MainWindow(url, layout="generic")
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and _count(win, "wallet-1") == "3", timeout=10000)
        win.select_stream("wallet-1")
        qtbot.waitUntil(lambda: _versions(win, "wallet-1") == [1, 2, 3], timeout=10000)
        win.set_following(True)
        qtbot.waitUntil(lambda: win.follower.polls >= 1, timeout=10000)
        a, b = writer.connect(), writer.connect()
        try:
            late = a.begin()
            a.exec_driver_sql(INSERT, {"s": "wallet-1", "v": 4})  # takes its position, not committed
            with b.begin():
                b.exec_driver_sql(INSERT, {"s": "wallet-1", "v": 5})  # the next position, committed first
            qtbot.waitUntil(lambda: _versions(win, "wallet-1") == [1, 2, 3, 5] and _count(win, "wallet-1") == "4",
                            timeout=10000)
            late.commit()
        finally:
            a.close()
            b.close()
        qtbot.waitUntil(lambda: _versions(win, "wallet-1") == [1, 2, 3, 4, 5], timeout=10000)
        qtbot.waitUntil(lambda: _count(win, "wallet-1") == "5", timeout=10000)
        summary = win.stream_model.summary(win.stream_model.row_of("wallet-1"))
        assert (summary.first_version, summary.last_version) == (1, 5)

        # a stream the list did not hold, its events committed out of order too: counted once each
        a, b = writer.connect(), writer.connect()
        try:
            late = a.begin()
            a.exec_driver_sql(INSERT, {"s": "wallet-2", "v": 1})
            with b.begin():
                b.exec_driver_sql(INSERT, {"s": "wallet-2", "v": 2})
            qtbot.waitUntil(lambda: _count(win, "wallet-2") == "1", timeout=10000)
            late.commit()
        finally:
            a.close()
            b.close()
        qtbot.waitUntil(lambda: _count(win, "wallet-2") == "2", timeout=10000)
        win.grab().save(str(tmp_path / "live_count.png"))
    finally:
        win.shutdown()
