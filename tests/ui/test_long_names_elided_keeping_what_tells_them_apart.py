"""Names too long for their column are elided once, every row alike, keeping what tells them
apart: stream names lose their middle (acl-project-…, job-…, UUIDs keep both ends), type names
their namespace first (…Deposited beside …Withdrawn); the full text shows on hover."""

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


def _aggregate_store(path):
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
                     " recorded_at TEXT, data TEXT, metadata TEXT)")
        for position, kind in enumerate(("Account.Opened", "Account.Deposited", "Account.Withdrawn"), start=1):
            conn.execute("INSERT INTO events VALUES (?, 'd9f7e9a5-ac33-4e97-a54f-f5c2608413ef', ?, ?,"
                         " '2026-05-01T10:00:00Z', '{}', '{}')", (position, position, kind))
    conn.close()
    return path


def test_type_names_of_one_aggregate_keep_their_distinguishing_end_in_the_events_table(qtbot, window, tmp_path):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    from inspector.ui.models import EventTableModel

    window.open_target(str(_aggregate_store(tmp_path / "accounts.db")))
    qtbot.waitUntil(lambda: window.event_model.rowCount() == 3, timeout=10000)
    view = window.events_view
    metrics = view.fontMetrics()
    # wide enough for "…Withdrawn" with the type's colour mark, too narrow for "Account.Withdrawn"
    view.setColumnWidth(EventTableModel.TYPE, metrics.horizontalAdvance("…Withdrawn") + 40)
    view.setColumnWidth(EventTableModel.STREAM, 110)
    delegate = view.itemDelegateForColumn(EventTableModel.TYPE)
    shown = {}
    for row in range(3):
        index = window.event_model.index(row, EventTableModel.TYPE)
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        option.rect = view.visualRect(index)
        shown[index.data()] = delegate.shown_text(option, index)
    assert shown == {"Account.Opened": "…Opened", "Account.Deposited": "…Deposited",
                     "Account.Withdrawn": "…Withdrawn"}
    # the stream column elides as the stream list does: both ends kept
    index = window.event_model.index(0, EventTableModel.STREAM)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    text = view.itemDelegateForColumn(EventTableModel.STREAM).shown_text(option, index)
    head, tail = text.split("…")
    assert index.data().startswith(head) and index.data().endswith(tail) and len(tail) >= 3
    # an elided name shows in full on hover
    index = window.event_model.index(1, EventTableModel.TYPE)
    option.rect = view.visualRect(index)
    at = option.rect.center()
    event = QHelpEvent(QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at))
    assert delegate.helpEvent(event, view, option, index)
    qtbot.waitUntil(lambda: QToolTip.text() == index.data(), timeout=5000)
    QToolTip.hideText()


def test_type_names_drop_their_namespace_before_their_ending(qtbot, window):
    from inspector.ui.models.streams import elided_type_name

    metrics = window.events_view.fontMetrics()
    width = metrics.horizontalAdvance

    assert elided_type_name(metrics, "Account.Deposited", width("Account.Deposited")) == "Account.Deposited"
    assert elided_type_name(metrics, "Bank.Account.Opened", width("…Account.Opened")) == "…Account.Opened"
    assert elided_type_name(metrics, "Bank.Account.Opened", width("…Opened")) == "…Opened"
    narrow = elided_type_name(metrics, "Account.Deposited", width("Depos…"))
    assert narrow.startswith("Depos") and narrow.endswith("…")
    # no namespace: the end goes, as in the type box
    plain = elided_type_name(metrics, "CreditsGranted", width("CreditsGr…"))
    assert plain.startswith("CreditsG") and plain.endswith("…")
