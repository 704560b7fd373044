"""Selecting a 50 MB event: the events table and the timeline read pages that leave its payload
in the store (the row says how big it is), and the Event tab reads it whole on a worker while it
says "Loading 50.0 MB event…"; selecting another event meanwhile shows that one, Cancel stops the
read, and a replay still folds the whole payload."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from inspector.stores.lazy import PayloadLeftOut, left_out
from inspector.ui.window import browsing

T0 = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
BLOB = "imported-row;" * 3_846_154  # 50,000,002 characters: a 50 MB payload
BIG_SIZE = len(json.dumps({"note": "nightly import", "blob": BLOB}))


@pytest.fixture(scope="module")
def huge_store(tmp_path_factory):
    """A generic SQLite store: two small wallets and, in ``import-1``, v2 with a 50 MB payload."""
    path = tmp_path_factory.mktemp("huge") / "huge.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    rows = [("wallet-1", 1, "Opened", {"owner": "ann"}), ("import-1", 1, "ImportStarted", {"file": "rows.csv"}),
            ("import-1", 2, "RowsImported", {"note": "nightly import", "blob": BLOB}),
            ("wallet-1", 2, "Credited", {"amount": 5}), ("import-1", 3, "ImportFinished", {"rows": 3})]
    for minute, (stream, version, kind, data) in enumerate(rows):
        conn.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                     (stream, version, kind, (T0 + timedelta(minutes=minute)).isoformat(), json.dumps(data),
                      json.dumps({"actor": "ops@example.com"})))
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def window(qtbot, huge_store):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(huge_store))
    qtbot.addWidget(win)
    win.resize(1300, 800)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.event_model.rowCount() == 5 and not win.event_model.loading,
                    timeout=20000)
    win.tabs.setCurrentWidget(win.event_view)
    yield win
    win.shutdown()


def _row_of(win, kind: str) -> int:
    model = win.event_model
    return next(row for row in range(model.rowCount()) if model.event_at(row).type == kind)


def _select(win, kind: str) -> None:
    index = win.event_model.index(_row_of(win, kind), win.event_model.TYPE)
    win.events_view.selectionModel().setCurrentIndex(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


def test_the_row_of_a_50_mb_event_shows_its_size_and_the_page_holds_no_decoded_payload(qtbot, window):
    model = window.event_model
    row = _row_of(window, "RowsImported")
    event = model.event_at(row)
    assert event.data == PayloadLeftOut(BIG_SIZE)  # the marker, not the 50 MB dict
    assert (event.stream, event.version, event.actor) == ("import-1", 2, "ops@example.com")
    summary = model.data(model.index(row, model.SUMMARY), Qt.ItemDataRole.DisplayRole)
    assert summary == "50.0 MB payload, shown in the Event tab"
    small = model.data(model.index(_row_of(window, "Credited"), model.SUMMARY), Qt.ItemDataRole.DisplayRole)
    assert "amount=5" in small
    window.timeline.set_streams(["import-1", "wallet-1"])
    qtbot.waitUntil(lambda: len(window.timeline.drawn_events()) == 5, timeout=20000)
    drawn = {e.type: e for e in window.timeline.drawn_events()}
    assert isinstance(drawn["RowsImported"].data, PayloadLeftOut) and drawn["Credited"].data == {"amount": 5}


def _whole_text_conversions_of_the_event_tab(monkeypatch) -> list[str]:
    """Every 50 MB ``str`` the Event tab's read decodes from the bytes stored or encodes back
    (``json_pieces.decode_in_slices``/``encode_in_slices``; each ends in one C call holding the
    GIL for 60-90 ms); a replay's own on other threads are not counted."""
    from inspector.core import json_pieces

    reading = threading.local()
    real_read = browsing.full_event

    def marked(store, event, cancel=None):
        reading.event_tab = True
        try:
            return real_read(store, event, cancel)
        finally:
            reading.event_tab = False

    converted: list[str] = []
    for name in ("decode_in_slices", "encode_in_slices"):
        real = getattr(json_pieces, name)

        def spy(value, _real=real, _name=name):
            if getattr(reading, "event_tab", False):
                converted.append(_name)
            return _real(value)

        monkeypatch.setattr(json_pieces, name, spy)
    monkeypatch.setattr(browsing, "full_event", marked)
    return converted


def test_selecting_it_shows_loading_then_the_whole_payload(qtbot, window, monkeypatch):
    from inspector.stores import lazy

    converted = _whole_text_conversions_of_the_event_tab(monkeypatch)
    by_blob_io: list[int] = []  # payloads read by SQLite's blob I/O (no query row carries them)
    real_blob_read = lazy._stored_payload_bytes

    def blob_read(store, position, size):
        blob = real_blob_read(store, position, size)
        by_blob_io.append(-1 if blob is None else len(blob))
        return blob

    monkeypatch.setattr(lazy, "_stored_payload_bytes", blob_read)
    _select(window, "RowsImported")
    view = window.event_view
    # shown at once, before any worker answered: the header and the loading line
    assert view.loading and view.loading_bar.isVisibleTo(view)
    assert view.loading_label.text() == "Loading 50.0 MB event…"
    assert "import-1" in view.header.text() and "RowsImported" in view.header.text()
    assert view.model.rowCount() == 0
    qtbot.waitUntil(lambda: not view.loading and view.model.find("data", "note").isValid(), timeout=60000)
    assert not view.loading_bar.isVisibleTo(view)
    shown = view.shown_event
    assert shown.data["note"] == "nightly import" and len(shown.data["blob"]) == len(BLOB)
    assert shown.problem is None and converted == []  # parsed from the bytes SQLite handed over
    assert by_blob_io == [BIG_SIZE]  # read by blob I/O: the driver fills it with the GIL released
    assert window.current_event is shown  # the window's selection holds the whole event now
    # selecting it again (the timeline, a jump) keeps what is shown: no second read
    window.select_event(window.event_model.event_at(_row_of(window, "RowsImported")))
    assert view.shown_event is shown and not view.loading


def test_selecting_another_event_while_it_loads_shows_the_other_one(qtbot, window, monkeypatch):
    finished = threading.Event()
    real = browsing.full_event

    def watched(store, event, cancel=None):
        try:
            return real(store, event, cancel)
        finally:
            finished.set()

    monkeypatch.setattr(browsing, "full_event", watched)
    credited = window.event_model.event_at(_row_of(window, "Credited"))
    _select(window, "RowsImported")
    assert window.event_view.loading
    window.select_event(credited)  # as a click on the timeline or a jump selects it
    view = window.event_view
    assert not view.loading and view.shown_event.type == "Credited"
    qtbot.waitUntil(finished.is_set, timeout=60000)  # the big read ended (or was stopped) meanwhile
    qtbot.waitUntil(lambda: not window.runner.busy(browsing.EVENT_PAYLOAD_CHANNEL), timeout=10000)
    QApplication.processEvents()  # a late answer would be delivered now
    assert view.shown_event.type == "Credited" and view.shown_event.data == {"amount": 5}
    assert not view.loading_bar.isVisibleTo(view) and '"amount": 5' in view.raw.toPlainText()


def test_cancel_stops_the_read_and_load_reads_it_again(qtbot, window):
    _select(window, "RowsImported")
    view = window.event_view
    assert view.loading
    view.cancel_load_button.click()
    assert not view.loading and view.loading_label.text() == "Loading stopped: the 50.0 MB payload is not shown."
    assert view.load_button.isVisibleTo(view) and not view.cancel_load_button.isVisibleTo(view)
    assert left_out(view.shown_event) is not None and view.model.rowCount() == 0
    view.load_button.click()
    assert view.loading
    qtbot.waitUntil(lambda: not view.loading and view.model.find("data", "blob").isValid(), timeout=60000)
    assert len(view.shown_event.data["blob"]) == len(BLOB)


def test_a_replay_folds_the_whole_payload_of_the_event_the_table_left_out(qtbot, window):
    _select(window, "RowsImported")
    state = window.state_view
    qtbot.waitUntil(lambda: state.result is not None and state.result.version == 2 and state.result.stream == "import-1",
                    timeout=60000)
    folded = state.result.state
    assert folded["note"] == "nightly import" and len(folded["blob"]) == len(BLOB)
    assert folded["file"] == "rows.csv"  # and v1 before it


def test_a_big_event_arriving_while_following_live_is_listed_by_its_size(qtbot, huge_store, tmp_path):
    """The live tail reads pages as the table does: a big payload written while following stays in
    the store until the event is selected."""
    import shutil

    from inspector.ui.app import MainWindow, make_app

    copy = tmp_path / "live-huge.db"
    shutil.copyfile(huge_store, copy)
    make_app()
    win = MainWindow(str(copy))
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.event_model.rowCount() == 5
                        and not win.event_model.loading, timeout=20000)
        win.live_button.click()
        qtbot.waitUntil(lambda: win.follower.polls >= 1, timeout=10000)
        writer = sqlite3.connect(copy)
        try:
            writer.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?,?,?,?,?,?)",
                           ("import-1", 4, "RowsReimported", (T0 + timedelta(hours=1)).isoformat(),
                            json.dumps({"note": "again", "blob": BLOB}), "{}"))
            writer.commit()
        finally:
            writer.close()
        qtbot.waitUntil(lambda: win.event_model.rowCount() == 6, timeout=20000)
        row = _row_of(win, "RowsReimported")
        assert isinstance(win.event_model.event_at(row).data, PayloadLeftOut)
        summary = win.event_model.data(win.event_model.index(row, win.event_model.SUMMARY), Qt.ItemDataRole.DisplayRole)
        assert summary.endswith("MB payload, shown in the Event tab")
    finally:
        win.shutdown()


def test_while_it_loads_the_tab_says_how_far_the_decoding_has_got(qtbot, window, monkeypatch):
    from inspector.ui.widgets import EventView

    shown: list[str] = []
    real = EventView.show_loading_progress

    def recorded(self, event, parsed, total):
        real(self, event, parsed, total)
        shown.append(self.loading_label.text())

    monkeypatch.setattr(EventView, "show_loading_progress", recorded)
    _select(window, "RowsImported")
    view = window.event_view
    qtbot.waitUntil(lambda: not view.loading and view.model.find("data", "note").isValid(), timeout=60000)
    assert shown and all(text.startswith("Loading 50.0 MB event… ") and text.endswith("% decoded") for text in shown)
    assert shown[-1] == "Loading 50.0 MB event… 100% decoded"


def test_a_big_payload_that_is_not_utf8_or_not_json_reads_as_a_full_read_gives_it(tmp_path):
    """Payloads over 4 MB fetched as bytes are kept only when the event is the one a full read
    gives; text that is not UTF-8 or not JSON is read again the usual way."""
    from inspector.stores import open_store
    from inspector.stores.lazy import full_event

    path = tmp_path / "odd.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    filler = "x" * 4_100_000
    payloads = [("Accented", json.dumps({"name": "é" * 2_100_000, "n": 1}, ensure_ascii=False).encode()),
                ("NotUtf8", b'{"a": "\xff' + filler.encode() + b'"}'), ("NotJson", ("{" + filler).encode()),
                ("ExactNumber", ('{"n": 12345678901234567890123, "pad": "' + filler + '"}').encode())]
    for version, (kind, blob) in enumerate(payloads, start=1):
        conn.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                     "VALUES (?, ?, ?, ?, CAST(? AS TEXT), ?)",
                     ("odd-1", version, kind, (T0 + timedelta(minutes=version)).isoformat(), blob, '{"actor": "ann"}'))
    conn.commit()
    conn.close()
    store = open_store(str(path))
    try:
        capped = store.read_all(limit=10, payload_cap=1_000_000)
        whole = store.read_all(limit=10)
        assert [left_out(event) is not None for event in capped] == [True] * len(payloads)
        for left, read in zip(capped, whole):
            assert full_event(store, left) == read, left.type
        assert whole[0].data["name"] == "é" * 2_100_000 and whole[3].data["n"] == 12345678901234567890123
        assert [event.problem is not None for event in whole] == [False, True, True, False]
    finally:
        store.close()
