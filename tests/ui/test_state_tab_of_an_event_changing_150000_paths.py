"""The State tab of a stream whose last event changes 150,000 paths: the changed paths are
highlighted as for any event, and the look-up they are highlighted from is built on the worker
that replayed the stream, not on the GUI thread (it took 0.5 s there, the window frozen). A jump
to an event of another stream at the version the tab shows replays that stream."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from inspector.core.changed_paths import ChangedPaths

T0 = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
PATHS = 150_000


@pytest.fixture(scope="module")
def wide_store(tmp_path_factory):
    """A generic SQLite store: ``prices-1``, whose v2 changes every one of 150,000 prices, and a
    small ``wallet-1`` with a v2 of its own."""
    path = tmp_path_factory.mktemp("wide") / "wide.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    rows = [("wallet-1", 1, "Opened", {"owner": "ann"}),
            ("prices-1", 1, "PricesSet", {"currency": "EUR", "prices": {f"p{i:06d}": i for i in range(PATHS)}}),
            ("wallet-1", 2, "Credited", {"amount": 5}),
            ("prices-1", 2, "PricesSet", {"prices": {f"p{i:06d}": i + 1 for i in range(PATHS)}})]
    for minute, (stream, version, kind, data) in enumerate(rows):
        conn.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                     (stream, version, kind, (T0 + timedelta(minutes=minute)).isoformat(), json.dumps(data),
                      json.dumps({"actor": "ops@example.com"})))
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def window(qtbot, wide_store):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(wide_store))
    qtbot.addWidget(win)
    win.resize(1300, 800)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.row_of("prices-1") is not None, timeout=20000)
    win.tabs.setCurrentWidget(win.state_view)
    yield win
    win.shutdown()


@pytest.fixture
def lookups_built(monkeypatch):
    """``(changes counted, built on the GUI thread)`` for every ``ChangedPaths.of`` call."""
    calls: list[tuple[int, bool]] = []
    real = ChangedPaths.of.__func__

    def watched(cls, changes):
        built = real(cls, changes)
        calls.append((built.count, threading.current_thread() is threading.main_thread()))
        return built

    monkeypatch.setattr(ChangedPaths, "of", classmethod(watched))
    return calls


def _shown(qtbot, win, stream, version):
    state = win.state_view
    qtbot.waitUntil(lambda: state.result is not None and state.result.stream == stream and state.version == version
                    and not win.runner.busy("state"), timeout=60000)
    return state


def test_the_150000_prices_its_last_event_changed_are_highlighted(qtbot, window, lookups_built):
    window.select_stream("prices-1")
    state = _shown(qtbot, window, "prices-1", 2)
    model = state.model

    assert f"{PATHS:,} fields changed by this event" in state.describe_label.text()
    keys = {model.index(row, model.KEY).data(): model.index(row, model.KEY) for row in range(model.rowCount())}
    assert set(keys) == {"currency", "prices"}
    # the map holding the changed prices is bold, the unchanged currency is not
    assert keys["prices"].data(Qt.ItemDataRole.FontRole).bold()
    currency_font = keys["currency"].data(Qt.ItemDataRole.FontRole)
    assert currency_font is None or not currency_font.bold()
    assert keys["currency"].data(Qt.ItemDataRole.BackgroundRole) is None
    # it opens as ranges of a thousand prices, bold as they hold changed ones; its prices, first
    # and last, are tinted as changed and say so (the last one's range made as it is looked for)
    state.tree.expand(keys["prices"])
    first_range = model.index(0, model.KEY, keys["prices"])
    assert model.rowCount(keys["prices"]) == PATHS // 1000
    assert first_range.data() == "p000000 … p000999" and first_range.data(Qt.ItemDataRole.FontRole).bold()
    last = model.find("prices", f"p{PATHS - 1:06d}")
    for price in (model.index(0, model.KEY, first_range), last):
        assert price.data(Qt.ItemDataRole.BackgroundRole) is not None
        assert price.data(Qt.ItemDataRole.ToolTipRole).endswith("(changed by this event)")
    assert last.siblingAtColumn(model.VALUE).data() == str(PATHS)

    # the look-up of the 150,000 changed paths was built on the replaying worker
    assert (PATHS, False) in lookups_built
    assert not [count for count, on_gui_thread in lookups_built if on_gui_thread and count > 1000]


def test_a_jump_to_another_stream_at_the_version_shown_replays_that_stream(qtbot, window):
    window.select_stream("wallet-1")
    _shown(qtbot, window, "wallet-1", 2)
    prices_v2 = next(iter(window.store.read_stream("prices-1", from_version=2, to_version=2)))

    window.select_event(prices_v2)  # as a link in the Health or Audit tab jumps to it
    state = _shown(qtbot, window, "prices-1", 2)
    assert {state.model.index(row, 0).data() for row in range(state.model.rowCount())} == {"currency", "prices"}
    assert f"{PATHS:,} fields changed by this event" in state.describe_label.text()
