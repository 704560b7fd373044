"""Event types in the window on a store whose positions are sparse up to the largest 64-bit value
(snowflake ids): the survey starts at once, reports its parts by rows (4 parts of 3 rows here),
and Cancel stops it with what was counted so far; it used to build one bound per step of the
position range first, using all memory while Cancel could not reach it."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

POSITIONS = [1, 2, 3, 1000, 2**53 + 1, 2**53 + 8, 2**62, 2**63 - 3, 2**63 - 2, 2**63 - 1]


def test_cancel_stops_the_survey_of_a_store_with_huge_positions(qtbot: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from inspector.stores import survey as survey_module
    from inspector.ui.app import MainWindow, make_app

    path = tmp_path / "snowflakes.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT, "
                     "data TEXT, recorded_at TEXT)")
        conn.executemany("INSERT INTO events VALUES (?, 'a-1', ?, 'T', ?, ?)",
                         [(position, index + 1, json.dumps({"x": index}), f"2026-01-01T00:00:{index:02d}Z")
                          for index, position in enumerate(POSITIONS)])
    monkeypatch.setattr(survey_module, "PART_ROWS", 3)
    make_app()
    window = MainWindow(str(path))
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.store is not None and window.stream_model.rowCount() > 0, timeout=10000)
        store = window.store
        real = store.type_survey

        def slow_survey(*, progress: Any = None, cancel: Any = None, **kwargs: Any) -> Any:
            def paused(done: int, total: Any = None) -> None:
                if progress is not None:
                    progress(done, total)
                for _ in range(2000):  # a slow part: at most 20 s, until Cancel is pressed
                    if cancel is not None and cancel.cancelled:
                        break
                    threading.Event().wait(0.01)

            return real(progress=paused, cancel=cancel, **kwargs)

        monkeypatch.setattr(store, "type_survey", slow_survey)
        window.analysis_actions["types"].trigger()
        view = window.analysis_window.types_view
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: view.progress.isVisible() and view.progress.format() == "1 of 4 parts", timeout=20000)
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: view.survey is not None, timeout=20000)
        assert not view.survey.complete
        assert view.survey.events == 3  # the first part's rows
        assert view.status.text().startswith("Incomplete (cancelled): counted so far")
    finally:
        window.shutdown()
