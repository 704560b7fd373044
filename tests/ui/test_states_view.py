"""The States view: which wallets of the demo store are negative, opened at the version where they are;
a bad expression is said next to it; Cancel stops a projector stuck in a loop; stopped streams are listed."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker

NEGATIVE = 'state["credits"] < 0'


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def _states(qtbot, window):
    window.analysis_actions["states"].trigger()
    view = window.analysis_window.states_view
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    return view


def _find(qtbot, view, category: str, where: str = "", *, ever: bool = False, at: str = "") -> None:
    view.category_box.setCurrentIndex(view.category_box.findData(category))
    view.match_edit.clear()
    view.where_edit.setText(where)
    view.at_edit.setText(at)
    view.ever_box.setChecked(ever)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)


def _wait_done(qtbot, view) -> None:
    qtbot.waitUntil(lambda: view.status.text().startswith("Done"), timeout=20000)


def _click_row(qtbot, table, row: int) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _wallets(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT DISTINCT stream FROM events WHERE stream LIKE 'wallet-%'").fetchall()
    conn.close()
    return sorted(row[0] for row in rows)


def test_negative_credits_on_wallets_lists_exactly_the_planted_wallet(qtbot, window, demo_copy, demo_planted):
    view = _states(qtbot, window)

    _find(qtbot, view, "wallet", NEGATIVE)
    _wait_done(qtbot, view)

    assert view.model.streams() == [demo_planted.negative_wallet[0]]
    assert view.stopped_model.rowCount() == 0
    assert view.matches_title.text() == "Matching streams: 1"
    # not "(none)": beside the category without one, that read as naming it
    assert view.stopped_title.text() == "No stream stopped (the projector raised no error)"
    assert "Done: 1 match at latest · " in view.status.text()
    assert f"{len(_wallets(demo_copy))} streams" in view.status.text()  # every wallet was replayed
    assert view.progress.isHidden() and view.run_button.isEnabled() and not view.cancel_button.isEnabled()


def test_clicking_the_match_opens_the_wallet_at_its_first_negative_version_in_the_state_tab(qtbot, window, demo_planted):
    stream, first_negative = demo_planted.negative_wallet
    view = _states(qtbot, window)
    _find(qtbot, view, "wallet", NEGATIVE, ever=True)
    _wait_done(qtbot, view)
    assert [(row.stream, row.version) for row in (view.model.row_at(0),)] == [(stream, first_negative)]

    _click_row(qtbot, view.matches_view, 0)

    state_view = window.state_view
    qtbot.waitUntil(lambda: state_view.result is not None and state_view.result.stream == stream
                    and state_view.result.version == first_negative, timeout=15000)
    assert window.current_stream == stream
    assert window.tabs.currentWidget() is state_view
    assert state_view.result.state["credits"] < 0
    assert window.current_event is not None and window.current_event.version == first_negative


def test_at_a_version_each_wallet_is_replayed_to_that_version(qtbot, window, demo_planted):
    stream, first_negative = demo_planted.negative_wallet
    view = _states(qtbot, window)

    _find(qtbot, view, "wallet", NEGATIVE, at=f"v{first_negative}")
    _wait_done(qtbot, view)
    assert [(row.stream, row.version) for row in map(view.model.row_at, range(view.model.rowCount()))] == [
        (stream, first_negative)]
    assert f"at v{first_negative} · " in view.status.text()

    _find(qtbot, view, "wallet", NEGATIVE, at=f"v{first_negative - 1}")
    _wait_done(qtbot, view)
    assert view.model.rowCount() == 0 and view.status.text().startswith("Done: 0 matches")


def test_enter_on_a_match_opens_it_too(qtbot, window, demo_planted):
    stream = demo_planted.negative_wallet[0]
    view = _states(qtbot, window)
    _find(qtbot, view, "wallet", NEGATIVE)
    _wait_done(qtbot, view)

    view.matches_view.setFocus()
    view.matches_view.setCurrentIndex(view.model.index(0, 0))
    qtbot.keyClick(view.matches_view, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: window.state_view.result is not None and window.state_view.result.stream == stream,
                    timeout=15000)
    assert window.state_view.result.state["credits"] < 0


def test_a_bad_expression_is_said_next_to_it_and_nothing_is_replayed(qtbot, window):
    view = _states(qtbot, window)

    _find(qtbot, view, "wallet", 'state["credits" < 0')
    assert view.where_error.isVisible() and "not a Python expression" in view.where_error.text()

    _find(qtbot, view, "wallet", "balance < 0")
    assert view.where_error.isVisible() and "balance" in view.where_error.text()

    _find(qtbot, view, "wallet", "", ever=True)
    assert view.where_error.isVisible() and "needs an expression" in view.where_error.text()

    _find(qtbot, view, "wallet", NEGATIVE, at="next tuesday")
    assert view.at_error.isVisible() and "not a moment" in view.at_error.text()

    assert view.model.rowCount() == 0 and view.run_button.isEnabled() and not view.run.running
    view.where_edit.setText(NEGATIVE)
    assert not view.where_error.isVisible()  # editing clears the message


def test_the_job_the_projector_stops_on_is_listed_with_its_error(qtbot, window, demo_planted):
    broken, version = demo_planted.undecodable_payload
    view = _states(qtbot, window)

    _find(qtbot, view, "job")
    _wait_done(qtbot, view)

    assert view.stopped_model.rowCount() == 1
    assert view.stopped_title.text() == "Stopped streams (the projector raised): 1"
    row = view.stopped_model.row_at(0)
    assert (row.stream, row.version, row.type) == (broken, version, "JobPosted")
    assert "not readable" in row.error
    assert broken not in view.model.streams() and view.model.rowCount() > 0


def _stuck_projector(qtbot, window, tmp_path: Path):
    """A wallet projector that loops forever from version 3 on (after writing ``marker``), in use."""
    marker = tmp_path / "looping.pid"
    projector = tmp_path / "looping.py"
    projector.write_text(textwrap.dedent(f"""
        import os
        from inspector.replay import projector

        @projector("wallet")
        def wallet(state, event):
            if event.version >= 3:
                with open({str(marker)!r}, "w") as handle:
                    handle.write(str(os.getpid()))
                while True:
                    pass
            return state
        """), encoding="utf-8")
    window.set_projector_file(str(projector))
    qtbot.waitUntil(lambda: window.projectors is not None and window.projectors.spec == str(projector.resolve()),
                    timeout=15000)
    view = _states(qtbot, window)
    qtbot.waitUntil(lambda: view.projectors is window.projectors, timeout=5000)
    return view, marker


def test_cancel_stops_a_projector_stuck_in_a_loop(qtbot, window, tmp_path):
    view, marker = _stuck_projector(qtbot, window, tmp_path)

    _find(qtbot, view, "wallet")
    qtbot.waitUntil(marker.exists, timeout=60000)  # the worker process is in the loop
    stuck = worker.category_processes()
    assert len(stuck) == 1 and view.cancel_button.isEnabled()

    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)

    assert view.run_button.isEnabled() and "Cancelled" in view.status.text()
    qtbot.waitUntil(lambda: not stuck[0].is_alive() and worker.category_processes() == [], timeout=10000)


def test_streams_fill_in_as_they_are_replayed_with_progress(qtbot, window, demo_copy, tmp_path):
    """A projector that hangs on the last wallet: the others are listed, and counted, before the run ends."""
    wallets = _wallets(demo_copy)
    projector = tmp_path / "slow_last.py"
    projector.write_text(
        "from inspector.replay import projector\n\n"
        "@projector('wallet')\n"
        "def wallet(state, event):\n"
        f"    while event.stream == {wallets[-1]!r}:\n"
        "        pass\n"
        "    state['events'] = state.get('events', 0) + 1\n"
        "    return state\n", encoding="utf-8")
    window.set_projector_file(str(projector))
    qtbot.waitUntil(lambda: window.projectors is not None and window.projectors.spec == str(projector.resolve()),
                    timeout=15000)
    view = _states(qtbot, window)
    qtbot.waitUntil(lambda: view.projectors is window.projectors, timeout=5000)

    _find(qtbot, view, "wallet")

    qtbot.waitUntil(lambda: view.model.rowCount() == len(wallets) - 1, timeout=60000)
    assert view.model.streams() == wallets[:-1]
    qtbot.waitUntil(lambda: view.progress.value() == len(wallets) - 1, timeout=10000)
    assert view.progress.isVisible() and view.progress.maximum() == len(wallets)
    # the stream it is in, by number, the matches so far and the events applied in the streams done
    assert view.status.text().startswith(f"Replaying stream {wallets[-1]} ({len(wallets)} of {len(wallets)})… "
                                         f"{len(wallets) - 1} matches so far · "), view.status.text()
    assert view.status.text().endswith(" events applied")
    assert view.run.running and view.cancel_button.isEnabled()
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert view.status.text().startswith(f"Cancelled after {len(wallets) - 1} of {len(wallets)} streams")
    assert view.model.rowCount() == len(wallets) - 1  # what was found stays listed


def test_closing_the_window_ends_a_run_stuck_in_a_projector(qtbot, window, tmp_path):
    view, marker = _stuck_projector(qtbot, window, tmp_path)
    _find(qtbot, view, "wallet")
    qtbot.waitUntil(marker.exists, timeout=60000)
    stuck = worker.category_processes()
    assert len(stuck) == 1

    window.shutdown()

    # ended by the window (it was killed); the run's own thread may be reaping it at the same moment,
    # and a process being reaped by another thread can read as alive for an instant
    qtbot.waitUntil(lambda: not stuck[0].is_alive(), timeout=5000)


def test_the_analyse_menu_offers_the_three_views_with_shortcuts(qtbot, window):
    titles = [action.text() for action in window.analysis_menu.actions()]
    shortcuts = [action.shortcut().toString() for action in window.analysis_menu.actions()]

    assert titles == ["&States of a category…", "&Compare two projectors…", "Event &types and schema drift…"]
    assert shortcuts == ["Ctrl+Shift+S", "Ctrl+Shift+P", "Ctrl+Shift+T"]
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus.index("&Analyse") == menus.index("&Help") - 1
    window.analysis_actions["types"].trigger()
    analysis = window.analysis_window
    assert analysis.isVisible() and analysis.tabs.currentWidget() is analysis.types_view


def test_the_view_keeps_a_bounded_number_of_rows_and_counts_the_rest(qtbot, window, demo_copy):
    wallets = _wallets(demo_copy)
    view = _states(qtbot, window)
    view.model.limit = 5

    _find(qtbot, view, "wallet")
    _wait_done(qtbot, view)

    assert view.model.streams() == wallets[:5]
    assert view.model.dropped == len(wallets) - 5
    assert view.matches_title.text() == f"Matching streams: {len(wallets)} (first 5 listed)"
    assert view.status.text().startswith(f"Done: {len(wallets)} matches at latest · ")


def test_the_last_inputs_are_remembered(qtbot, window):
    from inspector.ui.states_view import StatesView

    view = _states(qtbot, window)
    _find(qtbot, view, "wallet", NEGATIVE, ever=True)
    _wait_done(qtbot, view)

    again = StatesView(window.runner, window.settings)
    qtbot.addWidget(again)
    again.set_categories([("acl", 12), ("job", 24), ("wallet", 24)])
    assert again.where_edit.text() == NEGATIVE and again.ever_box.isChecked()
    assert again.category_box.currentData() == "wallet"


@pytest.mark.parametrize("closing", ["the main window", "the Analyse window"])
def test_the_at_field_comes_back_as_the_user_left_it_not_as_last_run(qtbot, window, demo_copy, closing):
    from inspector.ui.app import MainWindow

    view = _states(qtbot, window)
    _find(qtbot, view, "wallet", NEGATIVE, at="v3")
    _wait_done(qtbot, view)
    view.at_edit.clear()
    qtbot.keyClicks(view.at_edit, "v7")  # typed after the run, never run with
    view.where_edit.clear()
    if closing == "the Analyse window":
        window.analysis_window.close()
        qtbot.waitUntil(lambda: not window.analysis_window.isVisible(), timeout=5000)
    window.close()

    again = MainWindow(str(demo_copy))
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.store is not None, timeout=10000)
    try:
        reopened = _states(qtbot, again)
        assert reopened.at_edit.text() == "v7"
        assert reopened.where_edit.text() == ""
        assert reopened.category_box.currentData() == "wallet"
    finally:
        again.shutdown()


@pytest.mark.parametrize(("stuck_on", "said"), [
    (0, "none found so far."),
    (1, "the 1 match found so far is listed."),
    (2, "the 2 matches found so far are listed."),
])
def test_a_cancelled_run_counts_what_it_found_in_words(qtbot, window, demo_copy, tmp_path, stuck_on, said):
    """A projector that hangs on one wallet, cancelled there: one match is said as one, none as none."""
    wallets = _wallets(demo_copy)
    projector = tmp_path / "hangs.py"
    projector.write_text(
        "from inspector.replay import projector\n\n"
        "@projector('wallet')\n"
        "def wallet(state, event):\n"
        f"    while event.stream == {wallets[stuck_on]!r}:\n"
        "        pass\n"
        "    return state\n", encoding="utf-8")
    window.set_projector_file(str(projector))
    qtbot.waitUntil(lambda: window.projectors is not None and window.projectors.spec == str(projector.resolve()),
                    timeout=15000)
    view = _states(qtbot, window)
    qtbot.waitUntil(lambda: view.projectors is window.projectors, timeout=5000)

    _find(qtbot, view, "wallet")
    qtbot.waitUntil(lambda: view.status.text().startswith(f"Replaying stream {wallets[stuck_on]} ")
                    and view.model.rowCount() == stuck_on, timeout=60000)
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)

    if stuck_on:
        assert view.status.text() == f"Cancelled after {stuck_on} of {len(wallets)} streams: {said}"
    else:  # the first stream's replay has not told the number of streams yet
        assert view.status.text() in (f"Cancelled after 0 of {len(wallets)} streams: {said}",
                                      f"Cancelled after 0 streams: {said}")
