"""Cancel of a long replay leaves the State tab's scrubber at the version of the state it shows
("v157 of v198" over a tree of v20 read as if v157 were shown)."""

from __future__ import annotations

import os
import textwrap

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from inspector.replay import worker

STREAM = "wallet-9b2e71cc"  # 198 versions in the demo store


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_cancel_moves_the_scrubber_back_to_the_version_shown(qtbot, window, tmp_path):
    slow, started = tmp_path / "slow", tmp_path / "started.pid"
    source = tmp_path / "wallet.py"
    # counts events; past v20 it never ends once the file "slow" exists (a replay long enough to cancel)
    source.write_text(
        textwrap.dedent(f"""
        import os
        from inspector.replay import projector

        @projector("wallet")
        def wallet(state, event):
            if event.version > 20 and os.path.exists({str(slow)!r}):
                with open({str(started)!r}, "w") as handle:
                    handle.write(str(os.getpid()))
                while True:
                    pass
            state["events"] = state.get("events", 0) + 1
            return state
        """),
        encoding="utf-8",
    )
    window.set_projector_file(str(source))
    qtbot.waitUntil(
        lambda: window.projectors is not None and window.projectors.spec == str(source.resolve()), timeout=15000
    )
    window.filter_edit.setText(STREAM)
    qtbot.waitUntil(lambda: window.stream_model.row_of(STREAM) is not None, timeout=10000)
    window.streams_view.setCurrentIndex(window.stream_model.index(window.stream_model.row_of(STREAM), 0))
    window.tabs.setCurrentWidget(window.state_view)
    view = window.state_view
    qtbot.waitUntil(lambda: view.result is not None and view.result.version == 198, timeout=30000)
    view.slider.setValue(20)
    qtbot.waitUntil(lambda: view.result.version == 20 and view.model.value_at("events") == 20, timeout=30000)
    assert view.version_label.text() == "v20 of v198"

    slow.write_text("")
    view.slider.setValue(157)  # the user drags the scrubber on: a replay that takes long
    qtbot.waitUntil(lambda: started.exists() and started.read_text() != "", timeout=30000)
    qtbot.waitUntil(window.progress_strip.isVisible, timeout=10000)
    qtbot.mouseClick(window.progress_strip.cancel_button, Qt.MouseButton.LeftButton)

    assert view.version_label.text() == "v20 of v198"  # where the state shown is
    assert view.scrub_version() == 20
    assert "at v20" in view.header.text() and view.model.value_at("events") == 20
    assert "v157" in view.describe_label.text() and "v20" in view.describe_label.text()
    QApplication.processEvents()  # the layout takes the new text's height
    window.grab().save(str(tmp_path / "cancelled.png"))
    qtbot.waitUntil(lambda: _gone(int(started.read_text())), timeout=10000)

    # the scrubber moved again replays from there
    slow.unlink()
    view.slider.setValue(30)
    qtbot.waitUntil(lambda: view.result.version == 30 and view.model.value_at("events") == 30, timeout=30000)
    assert view.version_label.text() == "v30 of v198"
