"""The window on the demo store: streams, events, payloads, settings, read-only."""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QModelIndex, Qt

from inspector.stores import open_store
from inspector.ui.models import EventTableModel, JsonTreeModel, ObjectRole, StreamListModel


def _row_of(model, column, text):
    for row in range(model.rowCount()):
        if model.index(row, column).data() == text:
            return row
    return None


def _select_stream(qtbot, win, stream):
    win.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: _row_of(win.stream_model, 0, stream) is not None, timeout=5000)
    row = _row_of(win.stream_model, 0, stream)
    win.streams_view.setCurrentIndex(win.stream_model.index(row, 0))
    qtbot.waitUntil(lambda: win.event_model.rowCount() > 0 and win.event_model.exhausted, timeout=5000)


def test_selecting_a_stream_shows_its_events_and_an_event_shows_its_payload(qtbot, window, demo_planted):
    stream, _bad = demo_planted.negative_wallet
    _select_stream(qtbot, window, stream)
    model = window.event_model
    assert {model.index(r, EventTableModel.STREAM).data() for r in range(model.rowCount())} == {stream}
    assert model.index(0, EventTableModel.VERSION).data() == "1"
    assert model.index(0, EventTableModel.TYPE).data() == "WalletOpened"
    # numbers are right-aligned; times are local with UTC on hover
    assert model.index(0, EventTableModel.VERSION).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert model.index(0, EventTableModel.TIME).data(Qt.ItemDataRole.ToolTipRole).startswith("UTC 2026-")

    window.events_view.setCurrentIndex(model.index(1, 0))
    chosen = model.index(1, 0).data(ObjectRole)
    tree = window.event_view.model
    assert window.event_view.shown_event is chosen
    assert tree.value_at("data") == chosen.data
    assert tree.value_at("metadata", "actor") == chosen.actor
    assert '"data"' in window.event_view.raw.toPlainText()
    assert stream in window.event_view.header.text()


def test_an_undecodable_event_shows_its_problem_and_raw_text(qtbot, window, demo_planted):
    stream, version = demo_planted.undecodable_payload
    _select_stream(qtbot, window, stream)
    row = window.event_model.row_of_version(stream, version)
    window.events_view.setCurrentIndex(window.event_model.index(row, 0))
    view = window.event_view
    assert view.problem.isVisible()
    assert stream in view.problem.text() and f"v{version}" in view.problem.text()
    assert "malformed JSON" in view.problem.text()
    assert view.raw.toPlainText() == '{"title": "Fix the roof", "budget": 1'
    assert window.event_model.index(row, EventTableModel.SUMMARY).data().startswith("⚠")


def test_the_stream_list_pages_lazily_and_filters_by_category(qtbot, window, demo_planted):
    model = window.stream_model
    qtbot.waitUntil(lambda: model.exhausted, timeout=5000)
    assert model.rowCount() == demo_planted.streams
    qtbot.waitUntil(lambda: window.category_box.count() > 1, timeout=5000)
    index = window.category_box.findData("wallet")
    window.category_box.setCurrentIndex(index)
    qtbot.waitUntil(lambda: model.exhausted and model.rowCount() > 0, timeout=5000)
    assert all(model.index(r, 0).data().startswith("wallet-") for r in range(model.rowCount()))
    assert model.index(0, StreamListModel.COUNT).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight


def test_stream_list_model_fetches_pages_on_demand(qtbot, demo_copy):
    from inspector.ui.runner import TaskRunner

    store = open_store(str(demo_copy))
    runner = TaskRunner(workers=2)
    model = StreamListModel(runner, page_size=7)
    inserted = []
    model.rowsInserted.connect(lambda parent, first, last: inserted.append(last - first + 1))
    model.set_store(store)
    qtbot.waitUntil(lambda: model.rowCount() == 7, timeout=5000)
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    qtbot.waitUntil(lambda: model.rowCount() == 14, timeout=5000)
    assert inserted == [7, 7]
    names = [model.index(r, 0).data() for r in range(14)]
    assert names == sorted(names) and len(set(names)) == 14
    runner.shutdown()
    store.close()


def test_ctrl_f_focuses_the_stream_filter(qtbot, window):
    window.events_view.setFocus()
    window.activateWindow()
    window.find_action.trigger()
    assert window.focusWidget() is window.filter_edit


def test_item_models_pass_the_model_tester(qtbot, qtmodeltester, window, demo_planted):
    stream, _ = demo_planted.negative_wallet
    _select_stream(qtbot, window, stream)
    qtmodeltester.check(window.stream_model)
    qtmodeltester.check(window.event_model)
    window.events_view.setCurrentIndex(window.event_model.index(2, 0))
    qtmodeltester.check(window.event_view.model)
    nested = JsonTreeModel()
    nested.set_value({"a": [1, {"b": None}], "c": {"d": "x"}}, {"/a/1/b": "add", "/c/d": "change"})
    qtmodeltester.check(nested)


def test_recent_stores_and_window_state_are_remembered_without_passwords(qtbot, window, demo_copy):
    from inspector.ui.app import MainWindow
    from inspector.ui.settings import Settings

    window.resize(760, 560)  # inside the offscreen screen, so the geometry is not clamped
    window.main_split.setSizes([200, 330, 200])
    qtbot.wait(10)
    window.save_window_state()
    window.settings.add_recent_store("postgresql+psycopg://ann:s3cret@db.example/events")
    text = window.settings.path.read_text()
    assert "s3cret" not in text
    assert "postgresql+psycopg://ann@db.example/events" in text
    again = MainWindow(settings=Settings())
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert abs(again.width() - window.width()) <= 2 and abs(again.height() - window.height()) <= 2
    assert again.settings.recent_stores()[0] == "postgresql+psycopg://ann@db.example/events"
    assert str(demo_copy) in again.settings.recent_stores()
    assert abs(again.main_split.sizes()[0] - window.main_split.sizes()[0]) <= 2
    again.shutdown()


def test_a_store_that_cannot_be_opened_shows_a_message_not_a_crash(qtbot, window, tmp_path):
    bogus = tmp_path / "not-a-store.db"
    bogus.write_bytes(b"hello, I am not SQLite")
    window.open_target(str(bogus))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
    assert "not an SQLite database" in window.banner.text()
    assert window.store is not None  # the store that was open stays usable


def test_status_bar_shows_store_layout_and_read_only_badge(window, demo_copy):
    assert str(demo_copy) in window.store_label.text()
    assert "generic" in window.layout_label.text()
    assert window.readonly_badge.isVisible()
    assert window.readonly_badge.text().strip() == "READ-ONLY"


def test_a_gui_session_does_not_change_the_store_file(qtbot, demo_copy, demo_planted):
    from inspector.ui.app import MainWindow, make_app

    before = hashlib.sha256(demo_copy.read_bytes()).hexdigest()
    make_app()
    win = MainWindow(str(demo_copy))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
    _select_stream(qtbot, win, demo_planted.negative_wallet[0])
    win.events_view.setCurrentIndex(win.event_model.index(3, 0))
    win.text_edit.setText("double charge")
    qtbot.waitUntil(lambda: win.event_model.exhausted and win.event_model.rowCount() == 1, timeout=5000)
    win.close()
    assert hashlib.sha256(demo_copy.read_bytes()).hexdigest() == before
