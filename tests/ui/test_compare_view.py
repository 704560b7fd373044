"""The Compare view: the demo's projector against a copy with one changed rule lists exactly the
wallets the rule touches, each with the one path it changes; a click shows those paths and opens
the wallet in the window; a side that names no usable projector says so next to it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from inspector.replay import worker

DEMO_PROJECTOR = Path(__file__).resolve().parents[2] / "inspector" / "replay" / "demo_projector.py"
RULE = 'state["statements"] = state.get("statements", 0) + 1'


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


@pytest.fixture
def statements_counted_twice(tmp_path) -> Path:
    """The demo projector with one rule changed: a statement counts twice."""
    source = DEMO_PROJECTOR.read_text(encoding="utf-8")
    assert source.count(RULE) == 1
    path = tmp_path / "wallet_v2.py"
    path.write_text(source.replace(RULE, RULE.replace("+ 1", "+ 2")), encoding="utf-8")
    return path


def _wallets_with_statements(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT DISTINCT stream FROM events WHERE type = 'StatementIssued'").fetchall()
    conn.close()
    return sorted(row[0] for row in rows)


def _until_done(qtbot, view, timeout: int = 60000) -> None:
    """Wait for the comparison to end; when it does not end "Done", say what the view and its
    worker process showed instead (a stuck worker is made to print its stacks first)."""
    import os
    import signal

    try:
        qtbot.waitUntil(lambda: not view.run.running, timeout=timeout)
    except Exception:
        for process in worker.category_processes():
            os.kill(process.pid, signal.SIGABRT)  # PYTHONFAULTHANDLER=1 (tests/conftest.py): its stacks on stderr
            process.join(5)
        raise AssertionError(f"the comparison did not end; the view says {view.status.text()!r}") from None
    assert view.status.text().startswith("Done"), view.status.text()


def _compare(qtbot, window):
    window.analysis_actions["compare"].trigger()
    view = window.analysis_window.compare_view
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    return view


def test_a_changed_rule_lists_exactly_the_wallets_it_alters_with_the_path_it_changes(
        qtbot, window, demo_copy, statements_counted_twice):
    expected = _wallets_with_statements(demo_copy)
    assert expected  # the demo issues statements to some wallets, not all
    view = _compare(qtbot, window)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.old_picker.set_choice("demo", None)
    view.new_picker.set_choice("file", str(statements_counted_twice))

    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    _until_done(qtbot, view)

    assert view.model.streams() == expected
    for row in range(view.model.rowCount()):
        difference = view.model.row_at(row)
        assert [(c.path, c.op) for c in difference.changes] == [("/statements", "change")]
        assert difference.changes[0].after == 2 * difference.changes[0].before
    assert view.stopped_model.rowCount() == 0
    assert f"{len(expected)} stream" in view.status.text()


def test_clicking_a_difference_shows_its_changed_paths_and_opens_the_wallet(
        qtbot, window, demo_copy, statements_counted_twice):
    view = _compare(qtbot, window)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.old_picker.set_choice("demo", None)
    view.new_picker.set_choice("file", str(statements_counted_twice))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    _until_done(qtbot, view)
    last = view.model.rowCount() - 1
    difference = view.model.row_at(last)

    rect = view.differences_view.visualRect(view.model.index(last, 0))
    qtbot.mouseClick(view.differences_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    assert view.changes_model.paths() == ["/statements"]
    assert view.detail_title.text() == f"{difference.stream} at v{difference.version}: 1 changed path"
    qtbot.waitUntil(lambda: window.current_stream == difference.stream and window.state_view.result is not None
                    and window.state_view.result.version == difference.version, timeout=15000)


def test_the_same_projector_on_both_sides_alters_nothing(qtbot, window):
    view = _compare(qtbot, window)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.old_picker.set_choice("demo", None)
    view.new_picker.set_choice("file", str(DEMO_PROJECTOR))

    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    _until_done(qtbot, view)

    assert view.model.rowCount() == 0 and "no stream differs" in view.status.text()
    assert view.stopped_title.text() == "No stream stopped alike on both sides"


def test_a_side_without_a_usable_projector_is_said_next_to_it(qtbot, window, tmp_path):
    view = _compare(qtbot, window)
    view.old_picker.set_choice("demo", None)
    view.new_picker.set_choice("file", str(tmp_path / "missing.py"))

    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)

    assert view.new_picker.error.isVisible() and "No such file" in view.new_picker.error.text()
    assert not view.old_picker.error.isVisible() and not view.run.running

    view.new_picker.set_choice("file", "")
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert "Give the projector file" in view.new_picker.error.text()


def test_a_projector_file_that_does_not_load_fails_with_its_reason(qtbot, window, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def wallet(state, event:\n", encoding="utf-8")
    view = _compare(qtbot, window)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.old_picker.set_choice("demo", None)
    view.new_picker.set_choice("file", str(broken))

    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status.text().startswith("The comparison failed"), timeout=60000)

    assert "broken.py" in view.status.text() and view.run_button.isEnabled()


def test_cancel_stops_a_new_projector_stuck_in_a_loop(qtbot, window, tmp_path):
    marker = tmp_path / "looping.pid"
    looping = tmp_path / "looping.py"
    looping.write_text(
        "from inspector.replay import projector\n\n"
        "@projector('wallet')\n"
        "def wallet(state, event):\n"
        "    if event.version >= 3:\n"
        f"        open({str(marker)!r}, 'w').close()\n"
        "        while True:\n"
        "            pass\n"
        "    return state\n", encoding="utf-8")
    view = _compare(qtbot, window)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.old_picker.set_choice("demo", None)
    view.new_picker.set_choice("file", str(looping))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(marker.exists, timeout=60000)
    stuck = worker.category_processes()
    assert len(stuck) == 1

    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)

    assert view.run_button.isEnabled() and view.status.text().startswith("Cancelled after")
    qtbot.waitUntil(lambda: not stuck[0].is_alive() and worker.category_processes() == [], timeout=10000)


def test_opening_another_store_starts_the_views_over_with_its_categories(qtbot, window, tmp_path, statements_counted_twice):
    import json
    import sqlite3 as sqlite

    view = _compare(qtbot, window)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.old_picker.set_choice("demo", None)
    view.new_picker.set_choice("file", str(statements_counted_twice))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    _until_done(qtbot, view)
    assert view.model.rowCount() > 0
    other = tmp_path / "orders.db"
    with sqlite.connect(other) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,"
                     " type TEXT NOT NULL, recorded_at TEXT, data TEXT, metadata TEXT)")
        conn.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES "
                     "('order-1', 1, 'OrderPlaced', '2025-01-01T00:00:00Z', ?, '{}')", (json.dumps({"total": 3}),))
    conn.close()

    window.open_target(str(other))

    states = window.analysis_window.states_view
    qtbot.waitUntil(lambda: [view.category_box.itemData(i) for i in range(view.category_box.count())] == ["order"],
                    timeout=15000)
    assert view.model.rowCount() == 0 and view.changes_model.rowCount() == 0
    assert [states.category_box.itemData(i) for i in range(states.category_box.count())] == ["order"]
    assert states.store is window.store and view.store is window.store


def test_the_last_projectors_compared_are_remembered(qtbot, window, statements_counted_twice):
    from inspector.ui.compare_view import CompareView

    view = _compare(qtbot, window)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
    view.old_picker.set_choice("demo", None)
    view.new_picker.set_choice("file", str(statements_counted_twice))
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    _until_done(qtbot, view)

    again = CompareView(window.runner, window.settings)
    qtbot.addWidget(again)
    again.set_categories([("acl", 12), ("job", 24), ("wallet", 24)])
    assert again.old_picker.value() == {"kind": "demo", "target": ""}
    assert again.new_picker.value() == {"kind": "file", "target": str(statements_counted_twice)}
    assert again.category_box.currentData() == "wallet"
