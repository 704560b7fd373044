"""The window on every entry of the corpus of malformed stores (``tests/unit/test_malformed_stores``):
it opens, lists every readable event (each bad row an event with its problem), shows each one in
the Event tab and replays the stream, with no exception raised inside a Qt slot (pytest-qt fails a
test on one) and no error banner: one bad row never ends a read, in the window as in the CLI."""

from __future__ import annotations

import pytest

from inspector.core.events import Event
from inspector.ui.models import ObjectRole
from tests.unit.test_malformed_stores import CORPUS


@pytest.fixture
def open_window(qtbot, tmp_path, monkeypatch):
    from inspector.replay import worker
    from inspector.ui.app import MainWindow, make_app

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    windows = []

    def open_on(target: str):
        make_app()
        win = MainWindow(target)
        qtbot.addWidget(win)
        win.resize(1280, 800)
        win.show()
        windows.append(win)
        return win

    yield open_on
    for win in windows:
        win.shutdown()
    worker.shutdown()


@pytest.mark.parametrize("entry", CORPUS, ids=[entry.name for entry in CORPUS])
def test_the_window_lists_shows_and_replays_every_readable_event_of_a_malformed_store(
        qtbot, open_window, tmp_path, entry):
    root = tmp_path / "corpus"
    root.mkdir()
    win = open_window(str(entry.build(root)))
    model = win.event_model
    qtbot.waitUntil(lambda: win.store is not None and not model.loading and model.rowCount() == entry.events,
                    timeout=30000)
    assert not win.banner.isVisible(), win.banner.text()
    events: list[Event] = [model.index(row, 0).data(ObjectRole) for row in range(model.rowCount())]
    problems = " | ".join(event.problem or "" for event in events)
    for expected in entry.problems:
        assert expected in problems, (expected, problems)
    for event in events:  # each shown in the Event tab (tree, raw text or problem), from the list of all events
        if win.show_all_button.isVisible():
            win.show_all_button.click()  # the last one selected its stream: back to every event
        qtbot.waitUntil(lambda: not model.loading and model.rowCount() == entry.events, timeout=10000)
        win.events_view.setCurrentIndex(model.index(model.row_of_position(event.position), 0))
        qtbot.waitUntil(lambda: win.event_view.shown_event is not None
                        and win.event_view.shown_event.position == event.position, timeout=10000)
        if event.problem:
            qtbot.waitUntil(lambda: event.problem in win.event_view.problem.text(), timeout=10000)
    # the stream, selected in the list, replays to its last readable version in the State tab
    if win.show_all_button.isVisible():
        win.show_all_button.click()
    qtbot.waitUntil(lambda: win.current_stream is None and win.stream_model.row_of("order-1") is not None,
                    timeout=10000)
    row = win.stream_model.row_of("order-1")
    win.streams_view.setCurrentIndex(win.stream_model.index(row, 0))
    state = win.state_view
    qtbot.waitUntil(lambda: state.result is not None and state.result.stream == "order-1", timeout=30000)
    assert state.result.version is not None and not win.banner.isVisible(), win.banner.text()


def test_selecting_an_event_without_a_version_shows_its_stream_s_last_state(qtbot, open_window, tmp_path):
    # versions stored as text: order-1 holds v0, v1 and two events whose version is no number
    win = open_window(str(CORPUS[0].build(tmp_path)))
    model = win.event_model
    qtbot.waitUntil(lambda: win.store is not None and not model.loading and model.rowCount() == 4, timeout=30000)
    versionless = [model.index(row, 0).data(ObjectRole) for row in range(4)][3]
    assert versionless.version is None and versionless.stream == "order-1"
    win.events_view.setCurrentIndex(model.index(3, 0))  # from the list of all events: selects order-1 too
    state = win.state_view
    qtbot.waitUntil(lambda: state.result is not None and state.result.stream == "order-1", timeout=30000)
    assert state.result.version == 1 and state.model.value_at("a") == 2  # the last state, not a blank tab
    win.show_all_button.click()
    qtbot.waitUntil(lambda: win.current_stream is None and state.result is None, timeout=10000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of("order-1"), 0))
    qtbot.waitUntil(lambda: state.result is not None and state.result.version == 1, timeout=30000)
