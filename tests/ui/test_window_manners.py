"""How the main window behaves day to day: the status bar says "Live" only while following,
Tab moves between panes, a message never pushes the panes around, file dialogs start where
the user last was (and offer compressed JSON Lines), and Play has a speed that is remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog


# --- the live button says what is true ----------------------------------------------------
def test_the_status_bar_says_live_only_while_following(qtbot, window):
    assert not window.follow_action.isChecked()
    assert "Live" not in window.live_button.text().replace("Follow live", "")
    assert window.live_button.text() == "○ Follow live"
    window.set_following(True)
    qtbot.waitUntil(lambda: window.live_button.text() == "● Live", timeout=5000)
    assert window.live_label.isVisible()
    window.follow_action.trigger()  # off again, as the menu or Ctrl+L does
    qtbot.waitUntil(lambda: window.live_button.text() == "○ Follow live", timeout=5000)
    assert not window.live_label.isVisible()


# --- Tab moves between panes -----------------------------------------------------------------
def test_tab_leaves_the_stream_list_and_the_events_table(qtbot, window):
    window.activateWindow()
    for view in (window.streams_view, window.events_view):
        view.setFocus()
        qtbot.waitUntil(lambda v=view: QApplication.focusWidget() is v, timeout=5000)
        view.setCurrentIndex(view.model().index(0, 0))
        qtbot.keyClick(view, Qt.Key.Key_Tab)
        qtbot.waitUntil(lambda v=view: QApplication.focusWidget() is not v, timeout=5000)
        assert QApplication.focusWidget() is not None


# --- messages float over the panes ----------------------------------------------------------
def test_an_error_message_does_not_move_the_panes_or_grow_the_window(qtbot, window):
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.height() == 700, timeout=5000)
    split = window.main_split.geometry()
    for attempt in range(2):
        window.show_error(f"Reading the timeline failed (attempt {attempt}): " + "the server said no. " * 12)
        qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=5000)
        assert window.main_split.geometry() == split
        assert (window.width(), window.height()) == (1024, 700)
        overlay = window.banner_overlay
        assert overlay.isVisible() and overlay.geometry().bottom() <= window.centralWidget().height()
        label = window.banner.label  # the whole message fits: it is not cut off at the bottom
        assert label.height() >= label.heightForWidth(label.width())
        window.banner.hide()
        qtbot.waitUntil(lambda: not window.banner_overlay.isVisible(), timeout=5000)
        assert window.main_split.geometry() == split


# --- dialogs start where the user was ---------------------------------------------------------
def test_open_store_browse_starts_in_the_folder_of_the_store_opened_last_and_offers_jsonl_gz(
        qtbot, window, demo_copy, tmp_path, monkeypatch):
    from inspector.ui.window.folders import OpenStoreFileDialog

    asked: list[tuple[str, str]] = []
    elsewhere = tmp_path / "stores elsewhere"
    elsewhere.mkdir()
    picked = [str(elsewhere / "events.jsonl.gz")]

    def fake_open(_parent, _title, folder, filters):
        asked.append((folder, filters))
        return picked.pop(0) if picked else "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_open))

    def browse_instead_of_exec(dialog):
        dialog._browse()
        return 0  # as Cancel: nothing is opened

    monkeypatch.setattr(OpenStoreFileDialog, "exec", browse_instead_of_exec)
    window.open_store_dialog()  # File › Open store… › Browse…
    assert asked[0][0] == str(demo_copy.parent.resolve())
    assert "*.jsonl.gz" in asked[0][1]
    window.open_store_dialog()  # the folder browsed to last is where it starts next
    assert asked[1][0] == str(elsewhere.resolve())


def test_load_projector_starts_in_the_folder_a_projector_was_last_loaded_from(qtbot, window, demo_copy, tmp_path,
                                                                               monkeypatch):
    folder = tmp_path / "projectors"
    folder.mkdir()
    source = folder / "counted.py"
    source.write_text("from inspector.replay import projector\n\n"
                      "@projector('wallet')\n"
                      "def counted(state, event):\n"
                      "    state['seen'] = state.get('seen', 0) + 1\n"
                      "    return state\n")
    asked: list[str] = []
    answers = ["", str(source), ""]

    def fake_open(_parent, _title, start, _filters):
        asked.append(start)
        return answers.pop(0), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake_open))
    window.choose_projector_file()  # nothing loaded yet: the store's folder
    assert asked[0] == str(demo_copy.parent.resolve())
    window.choose_projector_file()  # loads counted.py
    qtbot.waitUntil(lambda: window.projector_file == str(source), timeout=10000)
    window.set_projector_choice(None)  # back to the default projector
    qtbot.waitUntil(lambda: window.projector_file is None, timeout=10000)
    window.choose_projector_file()
    assert asked[2] == str(folder.resolve())


# --- Play speed -------------------------------------------------------------------------------
def test_play_steps_at_the_chosen_speed_which_is_remembered(qtbot, window, demo_copy, demo_planted):
    from inspector.ui.app import MainWindow

    state = window.state_view
    assert window.play_speed.speed() == 2 and state._player.interval() == 500
    window.play_speed.set_speed(25)
    assert state._player.interval() == 40
    stream, _bad = demo_planted.negative_wallet
    window.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: window.stream_model.row_of(stream) is not None, timeout=10000)
    window.streams_view.setCurrentIndex(window.stream_model.index(window.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: state.slider.isEnabled() and state.result is not None, timeout=10000)
    state.slider.setValue(state.slider.minimum())
    start = state.slider.value()
    state.play_button.setChecked(True)
    qtbot.waitUntil(lambda: state.slider.value() >= start + 5, timeout=10000)
    state.play_button.setChecked(False)

    again = MainWindow(settings=window.settings)
    qtbot.addWidget(again)
    try:
        assert again.play_speed.speed() == 25 and again.state_view._player.interval() == 40
        assert again.play_speed.parentWidget() is again.state_view.play_button.parentWidget()
    finally:
        again.shutdown()
    assert Path(demo_copy).exists()


# --- a jump to a stream the list does not show ------------------------------------------------
def test_a_jump_to_a_stream_the_list_hides_leaves_no_other_row_selected_and_scrubs_its_versions(qtbot, window):
    window.filter_edit.setText("wallet-*")
    qtbot.waitUntil(lambda: window.stream_model.exhausted and window.stream_model.rowCount() > 0
                    and all(s.stream.startswith("wallet-") for s in window.stream_model.summaries()), timeout=10000)
    wallet = window.stream_model.summary(2).stream
    window.streams_view.setCurrentIndex(window.stream_model.index(2, 0))
    qtbot.waitUntil(lambda: window.state_view.result is not None and window.state_view.stream == wallet,
                    timeout=10000)
    acl = next(s.stream for s in window.store.streams(match="acl-", limit=5))
    window.jump_to_version(acl, 5)  # as the Health tab or the Diff tab's blame does
    qtbot.waitUntil(lambda: window.current_event is not None and window.current_event.stream == acl, timeout=10000)
    assert not window.streams_view.selectionModel().hasSelection()
    state = window.state_view
    qtbot.waitUntil(lambda: state.slider.isEnabled() and state.version_label.text().startswith("v5 of v"),
                    timeout=10000)
    qtbot.waitUntil(lambda: state.result is not None and state.result.stream == acl and state.result.version == 5,
                    timeout=10000)


# --- the Diff tab counts events between A and B only when both are set ---------------------------
def test_the_diff_tab_counts_events_between_a_and_b_only_while_both_are_set(qtbot, window):
    first, second = window.stream_model.summary(0).stream, window.stream_model.summary(1).stream
    window.streams_view.setCurrentIndex(window.stream_model.index(0, 0))
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 2 and window.event_model.event_at(0).stream == first,
                    timeout=10000)
    diff = window.diff_view
    assert diff.between_label.text() == "Events between A and B"
    window.select_event(window.event_model.event_at(0))
    window.timeline.a_button.click()
    window.select_event(window.event_model.event_at(2))
    window.timeline.b_button.click()
    qtbot.waitUntil(lambda: diff.between_label.text().startswith("Events between A and B ("), timeout=10000)
    window.streams_view.setCurrentIndex(window.stream_model.index(1, 0))  # version cursors belong to `first`
    qtbot.waitUntil(lambda: window.current_stream == second, timeout=10000)
    assert window.moments == {"A": None, "B": None}
    assert diff.between_label.text() == "Events between A and B"
    assert diff.between_model.rowCount() == 0 and "not set" in diff.header.text()


# --- the Summary column at 1280x800 -------------------------------------------------------------
def test_at_1280_by_800_one_streams_table_shows_every_column_and_the_summary_without_scrolling(qtbot, window):
    from inspector.ui.models import EventTableModel

    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=5000)
    stream = window.stream_model.summary(0).stream
    window.streams_view.setCurrentIndex(window.stream_model.index(0, 0))
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 0 and window.event_model.event_at(0).stream == stream,
                    timeout=10000)
    view = window.events_view
    qtbot.waitUntil(lambda: view.horizontalScrollBar().maximum() == 0, timeout=5000)
    summary_left = view.columnViewportPosition(EventTableModel.SUMMARY)
    assert view.viewport().width() - summary_left >= 120  # the summary reads ("amount=48 · job=…"), not a sliver
    header = view.horizontalHeader()
    words = header.fontMetrics()
    for column in (EventTableModel.VERSION, EventTableModel.TYPE, EventTableModel.TIME, EventTableModel.ACTOR):
        assert header.sectionSize(column) >= words.horizontalAdvance(EventTableModel.COLUMNS[column])
