"""The States view at ``vN``: wallets that end before vN are not listed at their own last version;
the status line says how many were left out and why."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def test_wallets_that_end_before_the_version_are_left_out_and_counted(qtbot, window, demo_copy):
    with sqlite3.connect(demo_copy) as conn:
        lengths = dict(conn.execute("SELECT stream, max(version) FROM events WHERE stream LIKE 'wallet-%' "
                                    "GROUP BY stream").fetchall())
    conn.close()
    longest = max(lengths.values())
    shorter = sum(1 for last in lengths.values() if last < longest)
    window.analysis_actions["states"].trigger()
    view = window.analysis_window.states_view
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.match_edit.clear()
    view.where_edit.clear()
    view.ever_box.setChecked(False)
    view.at_edit.setText(f"v{longest}")
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status.text().startswith("Done"), timeout=30000)

    assert {view.model.row_at(row).version for row in range(view.model.rowCount())} == {longest}
    assert view.model.rowCount() == len(lengths) - shorter
    assert f"{shorter} left out (they end before v{longest})" in view.status.text()
