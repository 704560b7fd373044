"""The State tab on a version two events claim (the demo's job stream with a duplicate v2):
selecting either event shows the state just after that event and highlights what that event
changed on its own, not what the two made together; with a projector file (run in a worker
process) too."""

from __future__ import annotations

import textwrap

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def _open_stream(qtbot, win, stream):
    win.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: win.stream_model.row_of(stream) is not None, timeout=5000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: win.state_view.result is not None and win.state_view.result.stream == stream,
                    timeout=15000)


def _rows_at(qtbot, win, version):
    """The events table's rows at ``version``, in table order, once they are loaded."""
    model = win.event_model

    def rows():
        return [row for row in range(model.rowCount()) if model.event_at(row).version == version]

    qtbot.waitUntil(lambda: len(rows()) == 2, timeout=10000)
    return rows()


def _click_row(win, row):
    from inspector.ui.models import EventTableModel

    win.events_view.setCurrentIndex(win.event_model.index(row, EventTableModel.TYPE))
    return win.event_model.event_at(row)


def _highlighted_fields(state_view):
    """The top-level fields the tree shows tinted, as the user sees them."""
    model = state_view.model
    shown = {}
    for row in range(model.rowCount()):
        index = model.index(row, model.KEY)
        if index.data(Qt.ItemDataRole.BackgroundRole) is not None:
            shown[index.data()] = model.value_at(index.data())
    return shown


def test_each_event_of_a_shared_version_shows_its_own_state_and_changes(qtbot, window, demo_planted):
    stream, version = demo_planted.duplicate_version
    _open_stream(qtbot, window, stream)
    first_row, second_row = _rows_at(qtbot, window, version)
    state = window.state_view

    assigned = _click_row(window, first_row)
    assert assigned.type == "JobAssigned"
    qtbot.waitUntil(lambda: state.position == assigned.position and state.model.value_at("status") == "assigned",
                    timeout=15000)
    worker_name = state.model.value_at("worker")
    assert worker_name and state.model.value_at("rating") is None  # the other event's rating is not there yet
    assert _highlighted_fields(state) == {"status": "assigned", "worker": worker_name}
    words = state.describe_label.text()
    assert "2 fields changed by this event" in words
    assert (f"v{version} is claimed by 2 events: this is the state just after the 1st, JobAssigned "
            f"(position {assigned.position}), before JobCompleted") in words
    assert "both were applied" not in words
    assert f"<b>{stream}</b> at v{version}" in state.header.text()

    completed = _click_row(window, second_row)
    assert completed.type == "JobCompleted"
    qtbot.waitUntil(lambda: state.position == completed.position and state.model.value_at("status") == "completed",
                    timeout=15000)
    assert state.model.value_at("worker") == worker_name  # kept from the event before it
    assert _highlighted_fields(state) == {"status": "completed", "rating": state.model.value_at("rating")}
    assert state.model.value_at("rating") is not None
    words = state.describe_label.text()
    assert "2 fields changed by this event" in words
    assert (f"this is the state just after the 2nd, JobCompleted (position {completed.position}), after "
            f"JobAssigned (position {assigned.position})") in words

    # and back: the first event again, though the version shown is the same
    _click_row(window, first_row)
    qtbot.waitUntil(lambda: state.position == assigned.position and state.model.value_at("status") == "assigned",
                    timeout=15000)
    assert _highlighted_fields(state) == {"status": "assigned", "worker": worker_name}


JOB_STEPS = """
from inspector.replay import projector

@projector("job")
def job(state, event):
    state["seen"] = state.get("seen", []) + [event.type]
    if event.type == "JobCompleted":
        state["done"] = True
    return state
"""


def test_a_projector_file_shows_each_events_own_state_from_its_worker(qtbot, window, demo_planted, tmp_path):
    from pathlib import Path

    path = tmp_path / "job_steps.py"
    path.write_text(textwrap.dedent(JOB_STEPS), encoding="utf-8")
    window.set_projector_file(str(path))
    qtbot.waitUntil(lambda: window.projectors is not None and window.projectors.spec == str(Path(path).resolve()),
                    timeout=15000)
    stream, version = demo_planted.duplicate_version
    _open_stream(qtbot, window, stream)
    first_row, _second_row = _rows_at(qtbot, window, version)
    state = window.state_view

    assigned = _click_row(window, first_row)
    qtbot.waitUntil(lambda: state.position == assigned.position and state.model.value_at("seen") is not None,
                    timeout=30000)
    assert state.model.value_at("seen") == ["JobPosted", "JobAssigned"]  # JobCompleted not applied yet
    assert state.model.value_at("done") is None
    assert state.model.highlighted() == {"/seen/1": "add"}
    assert state.model.find("seen", 1).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "1 field changed by this event" in state.describe_label.text()
