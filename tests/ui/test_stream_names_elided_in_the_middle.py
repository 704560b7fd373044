"""Stream names too long for the list are elided once, in the middle, every row alike: names
that share a prefix (acl-project-…, job-…, UUIDs) keep both their start and their distinguishing
tail; the full name is in the row's tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem

from inspector.ui.models import StreamListModel


def _shown(win, row):
    view = win.streams_view
    index = win.stream_model.index(row, StreamListModel.STREAM)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    return view.itemDelegateForColumn(StreamListModel.STREAM).shown_text(option, index)


def test_names_sharing_a_prefix_keep_both_ends_at_1000_pixels(qtbot, window):
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: window.stream_model.exhausted or window.stream_model.rowCount() >= 50, timeout=10000)
    qtbot.waitUntil(lambda: window.streams_view.columnWidth(StreamListModel.STREAM) > 0, timeout=10000)
    names = [s.stream for s in window.stream_model.summaries()]
    shown = [_shown(window, row) for row in range(len(names))]
    elided = [(name, text) for name, text in zip(names, shown) if text != name]
    assert elided, "at 1000 px some names must be too long for the list (else this test proves nothing)"
    for name, text in elided:
        assert text.count("…") == 1, text  # elided once
        head, tail = text.split("…")
        assert name.startswith(head) and name.endswith(tail), (name, text)
        assert len(tail) >= 3 and len(head) >= 3, (name, text)  # both ends kept
        assert abs(len(head) - len(tail)) <= 2, (name, text)  # the middle goes, not one end
    # names of one length are shown alike (no row "acl-…" beside "acl-project-…")
    by_length: dict[int, set[int]] = {}
    for name, text in zip(names, shown):
        by_length.setdefault(len(name), set()).add(len(text))
    assert all(len(lengths) == 1 for lengths in by_length.values()), by_length
    # the distinguishing tails differ where the names differ
    assert len({text for _name, text in elided}) == len(elided)
    first = window.stream_model.index(0, StreamListModel.STREAM)
    assert names[0] in first.data(Qt.ItemDataRole.ToolTipRole).splitlines()[0]


def test_uuid_names_are_elided_once(qtbot, window, tmp_path):
    import sqlite3

    uuid = "cb96f5da-ef41-4d6c-b7e3-5a2c0e1f9b77"
    path = tmp_path / "uuids.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
                     " recorded_at TEXT, data TEXT, metadata TEXT)")
        conn.execute("INSERT INTO events VALUES (1, ?, 1, 'Opened', '2026-05-01T10:00:00Z', '{}', '{}')", (uuid,))
    conn.close()
    window.resize(1000, 700)
    window.open_target(str(path))
    qtbot.waitUntil(lambda: window.stream_model.row_of(uuid) is not None, timeout=10000)
    qtbot.waitUntil(lambda: window.streams_view.columnWidth(StreamListModel.STREAM) > 0, timeout=10000)
    text = _shown(window, 0)
    assert text.count("…") == 1, text
    head, tail = text.split("…")
    assert uuid.startswith(head) and uuid.endswith(tail) and len(tail) >= 4, text
