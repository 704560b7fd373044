"""The window's Actor box finds the events whose actor the table shows, read by the one rule
(the first of metadata actor, user, user_id, userId, ... that is not empty): an actor kept under
userId is found by typing it, on a SQLite generic store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any


def test_the_actor_box_finds_an_actor_kept_under_user_id(tmp_path: Path, qtbot: Any) -> None:
    from inspector.ui.app import MainWindow, make_app

    path = tmp_path / "actors.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT, "
                     "data TEXT, metadata TEXT)")
        conn.executemany("INSERT INTO events VALUES (?, 'a-1', ?, 'T', '{}', ?)",
                         [(1, 1, json.dumps({"userId": "zoe"})), (2, 2, json.dumps({"actor": "ann"})),
                          (3, 3, json.dumps({"user": "zoe"}))])
    make_app()
    window = MainWindow(str(path))
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.store is not None and window.event_model.rowCount() == 3, timeout=15000)
        assert [event.actor for event in window.event_model.events()] == ["zoe", "ann", "zoe"]
        window.actor_edit.setText("zoe")
        qtbot.waitUntil(lambda: window.event_model.filter.actor == "zoe" and not window.event_model.loading
                        and window.event_model.rowCount() == 2, timeout=10000)
        assert [event.position for event in window.event_model.events()] == [1, 3]
    finally:
        window.shutdown()
