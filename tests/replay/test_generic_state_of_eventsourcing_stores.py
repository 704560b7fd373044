"""The code-free ("generic") state of a store the ``eventsourcing`` library wrote, with snapshots
every 5 versions: one answer in the command line and the window, envelope fields left out, and
never a snapshot attribute (a balance) shown as the state at a later version.

The library's snapshot at v10 holds ``balance``; events carry ``amount``. Without the
application's code nothing can move the balance forward, so the generic state is folded from the
first event and has no balance at all (the native projector shows it).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("eventsourcing")

from inspector.cli import main  # noqa: E402

ENVELOPE = ("timestamp", "originator_topic", "originator_id", "originator_version")
#: What the library store's events wrote by v14 (tests/ui/eventsourcing_store.py: v1 Opened by ada,
#: v14 Deposited 130 by ann, the last Tagged before it t12); per field, the last value written.
AT_V14 = {"owner": "ada", "amount": 130, "by": "ann", "label": "t12"}


def _builder():
    """``build_library_store`` from the window tests' helper (tests/ui is not a package)."""
    name = "eventsourcing_store"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "ui" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclass looks its module up
        spec.loader.exec_module(module)
    return module.build_library_store


@pytest.fixture
def bank(tmp_path, monkeypatch):
    built = _builder()(tmp_path, monkeypatch, events=15)  # v1..v15, library snapshots at v5, v10, v15
    yield built
    built.app.close()
    sys.modules.pop(built.module, None)  # other tests look for the one bank domain module they imported


def _replay(capsys, bank, *options):
    capsys.readouterr()
    assert main(["replay", str(bank.path), "--stream", bank.stream, "--at", "v14", "--json", "--no-cache",
                 *options]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("options", [(), ("--projector", "generic")], ids=["default", "--projector generic"])
def test_the_command_lines_generic_state_is_the_fields_written_with_no_envelope_and_no_stale_balance(
        capsys, bank, options):
    assert bank.aggregate_at(14).balance != bank.aggregate_at(10).balance  # a stale balance would show
    result = _replay(capsys, bank, *options)
    assert result["version"] == 14
    assert result["state"] == AT_V14
    for envelope in ENVELOPE:
        assert envelope not in result["state"]
    assert "balance" not in result["state"] and "tags" not in result["state"]
    assert result["projector"] == "generic (eventsourcing)"
    assert result["snapshot"]["source"] is None  # folded from the first event, not from the v10 snapshot


def test_the_native_projector_still_shows_the_librarys_balance(capsys, bank):
    result = _replay(capsys, bank, "--projector", "native", "--path", str(bank.domain_dir))
    assert result["state"]["balance"] == bank.aggregate_at(14).balance


def test_the_windows_generic_state_tab_agrees_with_the_command_line(qtbot, capsys, bank, tmp_path):
    from inspector.ui.app import MainWindow, make_app

    expected = _replay(capsys, bank, "--projector", "generic")["state"]
    make_app()
    win = MainWindow(str(bank.path))
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
        win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(bank.stream), 0))
        state = win.state_view
        qtbot.waitUntil(lambda: state.result is not None and state.result.stream == bank.stream, timeout=10000)
        state.slider.setValue(14)
        qtbot.waitUntil(lambda: state.version == 14 and not win.runner.busy("state")
                        and state.result.version == 14, timeout=10000)
        assert state.projector_bar.choice_box.currentData() == "generic"
        assert state.result.state == expected == AT_V14
        assert state.model.value_at("amount") == 130
        assert state.model.value_at("balance") is None
        assert "snapshot" not in state.describe_label.text()
        assert "14 events from the start" in state.describe_label.text()
        assert "not used" in state.projector_bar.explanation.text()
        win.tabs.setCurrentWidget(state)
        qtbot.waitUntil(lambda: win.timeline.lanes_drawn() and not win.timeline.histogram_pending()
                        and "counting" not in win.type_box.itemText(0), timeout=30000)
        shot = tmp_path / "generic-eventsourcing-state.png"
        if os.environ.get("INSPECTOR_SAVE_SCREENSHOTS"):  # refresh the README's picture on request only
            shot = Path(__file__).resolve().parents[2] / "resources" / "screenshots" / "eventsourcing-store-generic.png"
        win.grab().save(str(shot))
    finally:
        win.shutdown()
