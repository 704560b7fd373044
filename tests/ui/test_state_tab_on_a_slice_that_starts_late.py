"""The State tab on a slice whose stream starts at v61 says, in its provenance line and in amber,
that v1-v60 are not in the store and the state folds from v61 (the CLI's warning, the same words);
the Diff tab's summary line says it too."""

from __future__ import annotations

import os
from pathlib import Path

from inspector.cli import main
from inspector.core.events import format_time
from inspector.stores import open_store

SCREENSHOTS = Path(__file__).resolve().parents[2] / "resources" / "screenshots"


def test_the_state_tab_warns_that_a_slice_s_stream_starts_late(qtbot, demo_store_path, demo_planted, tmp_path, capsys):
    from inspector.ui.app import MainWindow, make_app

    stream, _ = demo_planted.negative_wallet
    store = open_store(str(demo_store_path))
    try:
        since = next(e.recorded_at for e in store.read_stream(stream) if e.version == 61)
    finally:
        store.close()
    target = tmp_path / "slice.db"
    assert main(["export", str(demo_store_path), "--since", format_time(since), "--format", "sqlite",
                 "-o", str(target)]) == 0
    capsys.readouterr()

    make_app()
    win = MainWindow(str(target))
    qtbot.addWidget(win)
    win.resize(1400, 850)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
        win.filter_edit.setText(stream)
        qtbot.waitUntil(lambda: win.stream_model.row_of(stream) is not None, timeout=5000)
        win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))
        state = win.state_view
        qtbot.waitUntil(lambda: state.result is not None and state.result.stream == stream, timeout=10000)
        text = state.describe_label.text()
        assert ("warning: the stream starts at v61 here: v1\u2013v60 are not in this store (a slice?); "
                "states fold from v61") in text
        assert "#b8860b" in state.describe_label.styleSheet()
        from inspector.core import Moment

        win.set_cursor("A", Moment(version=62))
        win.set_cursor("B", Moment(version=90))
        qtbot.waitUntil(lambda: win.diff_view.diff is not None, timeout=10000)
        summary = win.diff_view.summary
        assert "changed from v62 to v90" in summary.text()
        assert "warning: the stream starts at v61 here" in summary.text()
        assert "#b8860b" in summary.styleSheet()
        win.tabs.setCurrentWidget(state)
        qtbot.waitUntil(lambda: win.stream_model.rowCount() > 0 and "Loading" not in win.statusBar().currentMessage(),
                        timeout=10000)
        qtbot.waitUntil(lambda: state.isVisible(), timeout=5000)
        if os.environ.get("INSPECTOR_SAVE_SCREENSHOTS"):  # refresh the README's picture on request only
            qtbot.waitUntil(lambda: win.timeline.lanes_drawn() and not win.timeline.histogram_pending()
                            and "counting" not in win.type_box.itemText(0), timeout=30000)
            win.grab().save(str(SCREENSHOTS / "state-tab-slice-starts-late.png"))
    finally:
        win.shutdown()
