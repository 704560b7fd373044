"""Journey 2: a slice exported from the window carries the projector that produced its states.

A wallet exported from the demo (JSON Lines or SQLite) opens with the demo's projector, so
the State tab shows ``credits`` without loading anything; a pytest fixture exported from
that slice pins the same state as the original store.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3

import pytest

from inspector.export import Slice
from inspector.export.provenance import recorded_projector, sidecar_of
from inspector.ui.export_dialog import ExportRequest
from inspector.ui.settings import Settings


def _open(qtbot, target, settings=None):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(target), settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
    return win


def _show_stream(qtbot, win, stream):
    win.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: win.stream_model.row_of(stream) is not None, timeout=5000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: win.state_view.result is not None and win.state_view.result.stream == stream
                    and not win.runner.busy("state"), timeout=10000)
    return win.state_view.result


def _export(qtbot, win, fmt, output, stream):
    win.run_export(ExportRequest(fmt, output, Slice(stream=stream), ()))
    qtbot.waitUntil(lambda: win.last_export is not None and win.last_export.path == output, timeout=15000)


@pytest.mark.parametrize("fmt, name", [("jsonl", "wallet.jsonl"), ("sqlite", "wallet.db")])
def test_a_demo_slice_reopens_with_the_demos_projector_and_shows_credits(qtbot, window, demo_planted, tmp_path,
                                                                         fmt, name):
    stream, _bad = demo_planted.negative_wallet
    original = _show_stream(qtbot, window, stream)
    assert original.state["credits"] == -3 or "credits" in original.state
    output = tmp_path / name
    _export(qtbot, window, fmt, output, stream)
    record = recorded_projector(output)
    assert record["kind"] == "demo" and record["module"] == "inspector.replay.demo_projector"
    assert record["code_hash"] and record["source"] == window.store_target
    if fmt == "jsonl":  # the lines stay events only; the record sits next to them
        assert sidecar_of(output).is_file()
        assert all("stream" in json.loads(line) for line in output.read_text().splitlines())
    else:
        with sqlite3.connect(output) as conn:
            assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == original.version

    sliced = _open(qtbot, output, settings=Settings())
    try:
        result = _show_stream(qtbot, sliced, stream)
        assert result.state == original.state and result.state["credits"] == original.state["credits"]
        bar = sliced.state_view.projector_bar
        assert bar.choice_box.currentData() == "demo"
        assert "exported from the demo" in bar.label.text()
    finally:
        sliced.shutdown()


def test_a_fixture_exported_from_a_slice_pins_the_original_stores_state(qtbot, window, demo_planted, tmp_path):
    stream, _bad = demo_planted.negative_wallet
    original = _show_stream(qtbot, window, stream)
    slice_path = tmp_path / "wallet.jsonl"
    _export(qtbot, window, "jsonl", slice_path, stream)

    sliced = _open(qtbot, slice_path, settings=Settings())
    try:
        _show_stream(qtbot, sliced, stream)
        fixture = tmp_path / "test_wallet_fixture.py"
        _export(qtbot, sliced, "pytest", fixture, stream)
    finally:
        sliced.shutdown()
    spec = importlib.util.spec_from_file_location("wallet_fixture_module", fixture)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.EXPECTED_STATE == original.state
    assert module.EXPECTED_STATE["credits"] == original.state["credits"]


def test_a_slice_of_a_store_with_a_projector_file_offers_the_file_remembered_for_its_source(
        qtbot, demo_copy, demo_planted, tmp_path):
    stream, _bad = demo_planted.negative_wallet
    source = tmp_path / "counted.py"
    source.write_text("from inspector.replay import projector\n\n@projector('wallet')\n"
                      "def counted(state, event):\n    state['seen'] = state.get('seen', 0) + 1\n    return state\n")
    win = _open(qtbot, demo_copy)
    try:
        win.set_projector_file(str(source))
        qtbot.waitUntil(lambda: win.projector_file == str(source), timeout=10000)
        output = tmp_path / "wallet.db"
        _show_stream(qtbot, win, stream)
        _export(qtbot, win, "sqlite", output, stream)
    finally:
        win.shutdown()
    assert recorded_projector(output)["file"] == str(source)

    sliced = _open(qtbot, output, settings=Settings())
    try:
        bar = sliced.state_view.projector_bar
        assert sliced.projector_choice.kind == "generic"  # a user's code is offered, never loaded unasked
        assert not bar.offer_button.isHidden() and "counted.py" in bar.offer_button.text()
        bar.offer_button.click()
        qtbot.waitUntil(lambda: sliced.projector_file == str(source), timeout=10000)
        result = _show_stream(qtbot, sliced, stream)
        assert result.state["seen"] == result.version
        assert not not bar.offer_button.isHidden()
    finally:
        sliced.shutdown()
