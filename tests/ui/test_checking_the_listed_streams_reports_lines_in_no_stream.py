"""The Health tab's "Check listed streams" reports a JSON Lines file's lines that are no event,
as "Check store" and ``check`` do: they are in no stream, so no stream list can list them, and
leaving them out hid a damaged line whenever the list was narrowed."""

from __future__ import annotations

import json

import pytest

LINES = [
    {"position": 1, "stream": "order-1", "version": 1, "type": "Placed", "data": {}},
    "{not json",
    {"position": 3, "stream": "order-1", "version": 2, "type": "Paid", "data": {}},
    {"position": 4, "stream": "wallet-1", "version": 1, "type": "Opened", "data": {}},
]


@pytest.fixture
def window(qtbot, tmp_path):
    from inspector.replay import worker
    from inspector.ui.app import MainWindow, make_app

    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in LINES) + "\n")
    make_app()
    win = MainWindow(str(path))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() == 2, timeout=20000)
    yield win
    win.shutdown()
    worker.shutdown()


def test_checking_the_listed_streams_reports_the_line_that_is_in_no_stream(qtbot, window):
    window.filter_edit.setText("order-1")
    qtbot.waitUntil(lambda: window.stream_model.rowCount() == 1, timeout=10000)
    health = window.health_view
    window.tabs.setCurrentWidget(health)
    health.listed_button.click()
    qtbot.waitUntil(lambda: health.check_button.isEnabled() and "listed stream checked" in health.summary.text(),
                    timeout=20000)
    assert health.summary.text().startswith("1 finding (1 outside any stream), 1 listed stream checked.")
    [finding] = health.findings
    assert finding.stream is None and finding.kind == "undecodable_payload" and "line 2" in finding.detail
    assert health.tree.topLevelItem(0).text(1) == ""  # names no stream
    assert window.tabs.tabText(window.tabs.indexOf(health)) == "Health (1)"
