"""Projectors cannot take the window down: a projector stuck in a loop is stopped by Cancel, the
worker it held is free again and the next replay works; what a projector raises is its error."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from inspector.replay import worker
from inspector.stores import open_store


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def _write(path: Path, source: str) -> str:
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return str(path)


def _looping_projector(tmp_path: Path) -> tuple[str, Path]:
    marker = tmp_path / "looping.pid"
    source = f"""
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
    """
    return _write(tmp_path / "looping.py", source), marker


CREDITS = """
from inspector.replay import projector

@projector("wallet")
def wallet(state, event):
    if event.type == "CreditsGranted":
        state["credits"] = state.get("credits", 0) + event.data["amount"]
    elif event.type == "CreditsSpent":
        state["credits"] = state.get("credits", 0) - event.data["amount"]
    return state
"""


def _balance_after(path, stream, version):
    store = open_store(str(path))
    try:
        credits = 0
        for event in store.read_stream(stream):
            if event.version is not None and event.version <= version:
                sign = {"CreditsGranted": 1, "CreditsSpent": -1}.get(event.type, 0)
                credits += sign * event.data.get("amount", 0) if sign else 0
        return credits
    finally:
        store.close()


def _use_projector(qtbot, win, path: str) -> None:
    win.set_projector_file(path)
    qtbot.waitUntil(lambda: win.projectors is not None and win.projectors.spec == str(Path(path).resolve()),
                    timeout=15000)


def _select_stream(qtbot, win, stream: str) -> None:
    win.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: win.stream_model.row_of(stream) is not None, timeout=5000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_looping_projector_in_the_window_cancel_frees_the_worker_and_the_next_replay_works(
        qtbot, window, demo_copy, demo_planted, tmp_path):
    stream, bad = demo_planted.negative_wallet
    looping, marker = _looping_projector(tmp_path)
    _use_projector(qtbot, window, looping)
    _select_stream(qtbot, window, stream)
    strip = window.progress_strip
    for attempt, version in enumerate((bad, bad - 1, 5, 4, bad), start=1):
        marker.unlink(missing_ok=True)
        if attempt > 1:
            window.state_view.slider.setValue(version)  # the user asks again, at another version
        qtbot.waitUntil(lambda: marker.exists() and marker.read_text() != "", timeout=30000)
        pid = int(marker.read_text())
        qtbot.waitUntil(strip.isVisible, timeout=10000)  # long work shows progress and a Cancel button
        strip.cancel_button.click()
        assert not window.runner.busy("state")
        # Cancel always works: the stuck process ends and no task thread stays held by it
        qtbot.waitUntil(lambda: _gone(pid), timeout=10000)
        qtbot.waitUntil(lambda: window.runner.busy_workers() == 0, timeout=10000)
        assert "cancel" in window.statusBar().currentMessage().lower()
    assert len(worker.pool().processes()) <= worker.MAX_PROCESSES

    # the next replay works, with a projector that terminates
    _use_projector(qtbot, window, _write(tmp_path / "credits.py", CREDITS))
    state = window.state_view
    state.slider.setValue(bad)
    qtbot.waitUntil(lambda: state.result is not None and state.result.stream == stream
                    and state.result.version == bad and state.result.problem is None, timeout=30000)
    assert state.model.value_at("credits") == _balance_after(demo_copy, stream, bad) == -3

    # and diff and bisect run in the workers too
    window.run_bisect(stream, 'state.get("credits", 0) < 0')
    qtbot.waitUntil(lambda: window.current_event is not None and window.current_event.version == bad, timeout=30000)


def test_a_projector_calling_sys_exit_in_the_window_stops_its_replay_not_the_window(
        qtbot, window, demo_planted, tmp_path):
    stream, bad = demo_planted.negative_wallet
    exiting = _write(tmp_path / "exiting.py", """
    import sys
    from inspector.replay import projector

    @projector("wallet")
    def wallet(state, event):
        print("about to leave")
        if event.version == 4:
            sys.exit(3)
        state["n"] = state.get("n", 0) + 1
        return state
    """)
    _use_projector(qtbot, window, exiting)
    _select_stream(qtbot, window, stream)
    state = window.state_view
    qtbot.waitUntil(lambda: state.result is not None and state.result.stream == stream, timeout=30000)
    assert state.result.stopped is not None
    assert (state.result.stopped.version, state.result.stopped.error) == (4, "SystemExit(3)")
    assert state.model.value_at("n") == 3  # the state just before it
    assert "SystemExit(3)" in window.banner.text()
    assert window.isVisible()
