"""Follow live: a stream written after the store was opened is counted in the category picker, as
it is listed ("All categories (3 streams)" with 4 listed was out of date); a new category is
offered; the counts stay right when the list shows one category only."""

from __future__ import annotations

import sqlite3


def _items(win):
    return [win.category_box.itemText(i) for i in range(win.category_box.count())]


def _write(path, stream):
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO events (stream, version, type, recorded_at, data) VALUES (?, 1, 'Noted', "
            "'2024-03-01T11:00:00Z', '{\"n\": 2}')",
            (stream,),
        )
    db.close()


def test_the_category_picker_counts_streams_written_while_following(qtbot, window_on_streams, tmp_path):
    win = window_on_streams([("order-1", 1), ("order-2", 1), ("invoice-1", 1)])
    path = tmp_path / "streams-0.db"
    qtbot.waitUntil(
        lambda: _items(win) == ["All categories (3 streams)", "invoice (1 stream)", "order (2 streams)"], timeout=10000
    )
    win.follow_action.trigger()
    qtbot.waitUntil(lambda: win.follower.polls >= 1, timeout=10000)

    _write(path, "order-3")
    qtbot.waitUntil(lambda: win.stream_model.row_of("order-3") is not None, timeout=10000)
    qtbot.waitUntil(
        lambda: _items(win) == ["All categories (4 streams)", "invoice (1 stream)", "order (3 streams)"], timeout=10000
    )
    assert win.stream_model.rowCount() == 4

    # a new category; then with one category chosen, a stream of another one (not listed) is counted too
    _write(path, "refund-1")
    qtbot.waitUntil(lambda: "refund (1 stream)" in _items(win), timeout=10000)
    win.category_box.setCurrentIndex(win.category_box.findData("invoice"))
    qtbot.waitUntil(lambda: win.stream_model.rowCount() == 1, timeout=10000)
    _write(path, "order-4")
    qtbot.waitUntil(
        lambda: (
            _items(win)
            == ["All categories (6 streams)", "invoice (1 stream)", "order (4 streams)", "refund (1 stream)"]
        ),
        timeout=10000,
    )
    assert win.category_box.currentData() == "invoice" and win.stream_model.rowCount() == 1
    win.category_box.showPopup()
    win.category_box.view().window().grab().save(str(tmp_path / "categories_after_live.png"))
    win.category_box.hidePopup()
