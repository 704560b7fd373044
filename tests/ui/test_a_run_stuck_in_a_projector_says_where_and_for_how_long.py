"""Analyse › States and Compare with a projector stuck in a loop: the status line does not stay
at "Starting a worker process for the projector…" while the worker is running the projector; it
names the stream being replayed (its number of the total), the matches and events applied so far,
and once nothing has moved for a while says for how long, that the projector may be stuck, and that
Cancel stops it; Cancel does."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker
from inspector.ui import category_run_view


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


@pytest.fixture
def stuck(tmp_path):
    """A wallet projector looping forever from version 3 of the second wallet on."""
    path = tmp_path / "stuck.py"
    path.write_text(
        "from inspector.replay import projector\n\n"
        "seen = set()\n\n"
        "@projector('wallet')\n"
        "def wallet(state, event):\n"
        "    seen.add(event.stream)\n"
        "    while len(seen) > 1 and event.version >= 3:\n"
        "        pass\n"
        "    return state\n", encoding="utf-8")
    return path


def _wallets(window):
    return sorted(s.stream for s in window.store.streams(category="wallet", limit=10000))


def _says_stuck(view, stream, number, total):
    text = view.status.text()
    return (f"stream {stream} ({number} of {total})" in text
            and re.search(r"\): no progress for \d+ s \(a stuck projector or a long stream\); Cancel stops it",
                          text) is not None)


def test_states_names_the_stream_a_stuck_projector_is_in_and_how_long_nothing_moved(
        qtbot, window, stuck, monkeypatch, tmp_path):
    monkeypatch.setattr(category_run_view, "STALL_SECONDS", 2)
    window.set_projector_file(str(stuck))
    qtbot.waitUntil(lambda: window.projectors is not None and window.projectors.spec == str(stuck.resolve()),
                    timeout=15000)
    window.analysis_actions["states"].trigger()
    view = window.analysis_window.states_view
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0 and view.projectors is window.projectors,
                    timeout=10000)
    wallets = _wallets(window)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert view.status.text() == "Starting a worker process for the projector…"

    # before nothing moves for a while: the stream, its number, matches and events applied so far
    qtbot.waitUntil(lambda: view.status.text().startswith(f"Replaying stream {wallets[1]} (2 of {len(wallets)})… "
                                                          "1 match so far · "), timeout=60000)
    assert re.search(r" · [1-9][0-9,]* events applied$", view.status.text()), view.status.text()
    qtbot.waitUntil(lambda: _says_stuck(view, wallets[1], 2, len(wallets)), timeout=10000)
    assert view.status.text().endswith("1 match so far")
    view.grab().save(str(tmp_path / "states_stuck.png"))
    assert view.cancel_button.isEnabled()
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert view.run_button.isEnabled() and "Cancelled" in view.status.text()
    qtbot.waitUntil(lambda: worker.category_processes() == [], timeout=10000)


def test_compare_names_the_stream_a_stuck_projector_is_in(qtbot, window, stuck, monkeypatch):
    monkeypatch.setattr(category_run_view, "STALL_SECONDS", 2)
    window.analysis_actions["compare"].trigger()
    view = window.analysis_window.compare_view
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    wallets = _wallets(window)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.old_picker.set_choice("demo", None)
    view.new_picker.set_choice("file", str(stuck))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: _says_stuck(view, wallets[1], 2, len(wallets)), timeout=60000)
    assert view.status.text().startswith(f"Comparing stream {wallets[1]} (2 of {len(wallets)}): no progress for ")
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert view.run_button.isEnabled() and view.status.text().startswith("Cancelled after")
    qtbot.waitUntil(lambda: worker.category_processes() == [], timeout=10000)


def test_the_state_tabs_replay_says_when_its_projector_makes_no_progress(qtbot, window, tmp_path, monkeypatch):
    from inspector.ui import widgets

    monkeypatch.setattr(widgets, "PROGRESS_STALL_SECONDS", 2)
    looping = tmp_path / "looping.py"
    looping.write_text(
        "from inspector.replay import projector\n\n"
        "@projector('wallet')\n"
        "def wallet(state, event):\n"
        "    while event.version >= 3:\n"
        "        pass\n"
        "    return state\n", encoding="utf-8")
    window.set_projector_file(str(looping))
    qtbot.waitUntil(lambda: window.projectors is not None and window.projectors.spec == str(looping.resolve()),
                    timeout=15000)
    wallet = _wallets(window)[0]
    window.select_stream(wallet)
    strip = window.progress_strip
    # the news first (the status bar may cut the label's end), the whole text on hover too
    qtbot.waitUntil(lambda: strip.isVisible() and re.match(rf"No progress for \d+ s · Replaying {wallet} to v\d+ ",
                                                           strip.label.text()) is not None, timeout=30000)
    assert strip.label.text().endswith("(a stuck projector or a long stream); Cancel stops it")
    assert strip.label.toolTip() == strip.label.text()
    window.grab().save(str(tmp_path / "strip.png"))
    qtbot.mouseClick(strip.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not strip.isVisible(), timeout=10000)
