"""Journey 1: a store written by the ``eventsourcing`` library, in the window.

Without code the State tab shows what the layout allows (per field, the last value the events
wrote, from the first event: the library's snapshots not used, no envelope fields) and says so; choosing the native projector
and the folder with the application's code shows the library's own aggregate at each
version, from the library's snapshots, remembered for the store.
"""

from __future__ import annotations

import pytest

pytest.importorskip("eventsourcing")

from eventsourcing_store import build_library_store  # noqa: E402

from inspector.ui.settings import Settings  # noqa: E402


@pytest.fixture
def library_store(tmp_path, monkeypatch):
    built = build_library_store(tmp_path, monkeypatch)
    yield built
    built.app.close()


def _open(qtbot, target, settings=None):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(target), settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
    return win


def _select(qtbot, win, stream):
    row = win.stream_model.row_of(stream)
    win.streams_view.setCurrentIndex(win.stream_model.index(row, 0))
    qtbot.waitUntil(lambda: win.state_view.result is not None and win.state_view.result.stream == stream,
                    timeout=10000)


def _scrub_to(qtbot, win, version):
    state = win.state_view
    state.slider.setValue(version)
    qtbot.waitUntil(lambda: state.version == version and not win.runner.busy("state"), timeout=10000)


def test_without_code_the_state_is_the_fields_the_events_wrote_without_envelope_fields_or_snapshot_attributes(
        qtbot, library_store):
    win = _open(qtbot, library_store.path)
    try:
        _select(qtbot, win, library_store.stream)
        state = win.state_view
        _scrub_to(qtbot, win, 13)
        shown = state.result.state
        assert state.model.value_at("amount") == shown["amount"]
        for envelope in ("timestamp", "originator_topic", "originator_id", "originator_version"):
            assert envelope not in shown
        # per field, the last value v1-v13 wrote (v12: Deposited 110 by ann, v13: Tagged t12); the
        # v10 snapshot's balance and tags are the aggregate's, which no code here moves forward
        assert shown == {"owner": "ada", "amount": 110, "by": "ann", "label": "t12"}
        assert "13 events from the start" in state.describe_label.text()
        bar = state.projector_bar
        assert bar.choice_box.currentData() == "generic"
        assert "generic (eventsourcing)" in bar.label.text() and "Native eventsourcing" in bar.label.text()
        assert "snapshots are not used" in bar.explanation.text() and "envelope" in bar.explanation.text()
    finally:
        win.shutdown()


def test_the_native_projector_chosen_in_the_window_shows_the_librarys_own_aggregate_and_is_remembered(
        qtbot, library_store, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    asked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *args, **kwargs: asked.append(args) or str(library_store.domain_dir)))
    win = _open(qtbot, library_store.path)
    try:
        _select(qtbot, win, library_store.stream)
        bar = win.state_view.projector_bar
        bar.choice_box.activated.emit(bar.choice_box.findData("native"))
        qtbot.waitUntil(lambda: win.projector_choice.kind == "native" and not win.runner.busy("state"),
                        timeout=10000)
        assert asked, "the window asks for the folder with the application's code"
        state = win.state_view
        for version in (3, 7, 10, 12):
            _scrub_to(qtbot, win, version)
            aggregate = library_store.aggregate_at(version)
            shown = state.result.state
            assert state.model.value_at("balance") == shown["balance"]
            assert (shown["balance"], shown["tags"], shown["owner"], shown["version"]) == (
                aggregate.balance, aggregate.tags, aggregate.owner, aggregate.version)
            assert "amount" not in shown and "timestamp" not in shown
        assert "snapshot v10 stored by the eventsourcing library + 2 events" in state.describe_label.text()
        assert bar.choice_box.currentData() == "native"
        assert str(library_store.domain_dir) in bar.label.text() and "chosen in the window" in bar.label.text()
    finally:
        win.shutdown()

    again = _open(qtbot, library_store.path, settings=Settings())
    try:
        assert again.projector_choice.kind == "native"
        assert again.projector_choice.target == str(library_store.domain_dir)
        assert "remembered for this store" in again.state_view.projector_bar.label.text()
    finally:
        again.shutdown()


def test_each_projector_choice_carries_a_one_line_explanation(qtbot, library_store):
    from PySide6.QtCore import Qt

    win = _open(qtbot, library_store.path)
    try:
        box = win.state_view.projector_bar.choice_box
        kinds = [box.itemData(i) for i in range(box.count())]
        assert kinds == ["generic", "native", "demo", "file"]
        for i in range(box.count()):
            tip = box.itemData(i, Qt.ItemDataRole.ToolTipRole)
            assert tip and "\n" not in tip
    finally:
        win.shutdown()
