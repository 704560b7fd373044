"""The Event types view: a type that gains a field half-way through its history is marked with when
the field appeared; how the survey was made is stated; only drifting fields can be shown."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from inspector.core.events import format_time
from inspector.ui.models.type_survey import TypeSurveyModel
from inspector.ui.presenting import local_time

UTC = timezone.utc
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
#: the day PriceSet events started to carry a currency
CURRENCY_FROM = T0 + 5 * DAY


def _price_rows() -> list[tuple[str, int, str, datetime, dict]]:
    """``PriceSet`` gains ``currency`` half-way: 10 events, one a day, the last 5 with it; then a ``ProductRetired``."""
    rows = []
    for day in range(10):
        data = {"sku": f"sku-{day % 3}", "amount": 100 + day}
        if day >= 5:
            data["currency"] = "EUR"
        rows.append((f"product-{day % 3}", day // 3 + 1, "PriceSet", T0 + day * DAY, data))
    rows.append(("product-0", 5, "ProductRetired", T0 + 11 * DAY, {"reason": "old"}))
    return rows


@pytest.fixture
def prices_lines(tmp_path) -> Path:
    """The same history as a JSON Lines file (its survey is sampled: no SQL looks into it)."""
    path = tmp_path / "prices.jsonl"
    path.write_text("".join(json.dumps({"position": position, "stream": stream, "version": version, "type": kind,
                                        "recorded_at": at.isoformat(), "data": data, "metadata": {}}) + "\n"
                            for position, (stream, version, kind, at, data) in enumerate(_price_rows(), 1)),
                    encoding="utf-8")
    return path


@pytest.fixture
def prices_store(tmp_path) -> Path:
    """A store where ``PriceSet`` gains ``currency`` half-way: 10 events, one a day, the last 5 with it."""
    path = tmp_path / "prices.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL,"
                     " type TEXT NOT NULL, recorded_at TEXT, data TEXT, metadata TEXT)")
        conn.execute("CREATE UNIQUE INDEX events_stream ON events (stream, version)")
        for stream, version, kind, at, data in _price_rows():
            conn.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                         (stream, version, kind, at.isoformat().replace("+00:00", "Z"), json.dumps(data), "{}"))
    conn.close()
    return path


@pytest.fixture
def prices_window(qtbot, prices_store):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(prices_store))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
    yield win
    win.shutdown()


def _survey(qtbot, window):
    window.analysis_actions["types"].trigger()
    view = window.analysis_window.types_view
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.survey is not None and view.run_button.isEnabled(), timeout=20000)
    return view


def _field_row(view, event_type: str, field: str) -> dict[int, str]:
    parent = view.model.type_row(event_type)
    for row in range(view.model.rowCount(parent)):
        if view.model.index(row, 0, parent).data() == field:
            return {column: view.model.index(row, column, parent).data()
                    for column in range(view.model.columnCount())}
    raise AssertionError(f"{event_type}.{field} is not listed")


def test_a_field_gained_half_way_is_marked_with_when_it_appeared(qtbot, prices_window):
    view = _survey(qtbot, prices_window)

    assert view.model.drifting_fields() == {"PriceSet": ["currency"]}
    currency = _field_row(view, "PriceSet", "currency")
    assert currency[TypeSurveyModel.DRIFT] == f"+ appeared {local_time(CURRENCY_FROM)}"
    assert currency[TypeSurveyModel.COUNT] == "5 of 10"
    assert currency[TypeSurveyModel.FIRST] == local_time(CURRENCY_FROM)
    assert _field_row(view, "PriceSet", "amount")[TypeSurveyModel.DRIFT] == ""
    price_set = view.model.type_row("PriceSet")
    assert view.tree.isExpanded(price_set)  # the drifting type is open
    assert price_set.siblingAtColumn(TypeSurveyModel.COUNT).data() == "10"
    assert price_set.siblingAtColumn(TypeSurveyModel.DRIFT).data() == "1 field drifted"
    currency_row = next(row for row in range(view.model.rowCount(price_set))
                        if view.model.index(row, 0, price_set).data() == "currency")
    tip = view.model.index(currency_row, TypeSurveyModel.DRIFT, price_set).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == f"appeared {format_time(CURRENCY_FROM)} (absent from the earlier events of the type)"


def test_the_survey_says_how_it_was_made_and_what_it_counted(qtbot, prices_window):
    view = _survey(qtbot, prices_window)

    assert view.method_label.text().startswith("<b>Counted in SQL</b>")
    assert view.status.text() == "2 event types · 11 events · 1 field drifted"
    retired = view.model.type_row("ProductRetired")
    assert retired.siblingAtColumn(TypeSurveyModel.FIRST).data() == local_time(T0 + 11 * DAY)


def test_only_fields_that_drifted_can_be_shown(qtbot, prices_window):
    view = _survey(qtbot, prices_window)

    view.drift_only.setChecked(True)

    assert [view.model.index(row, 0).data() for row in range(view.model.rowCount())] == ["PriceSet"]
    parent = view.model.type_row("PriceSet")
    assert [view.model.index(row, 0, parent).data() for row in range(view.model.rowCount(parent))] == ["currency"]


def test_the_demo_store_is_surveyed_by_category(qtbot, window):
    window.analysis_actions["types"].trigger()
    view = window.analysis_window.types_view
    qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
    view.category_box.setCurrentIndex(view.category_box.findData("wallet"))

    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.survey is not None and view.run_button.isEnabled(), timeout=20000)

    names = [view.model.index(row, 0).data() for row in range(view.model.rowCount())]
    assert names == ["CreditsGranted", "CreditsSpent", "StatementIssued", "WalletOpened"]
    assert "of category wallet" in view.status.text()


def test_cancel_stops_a_long_survey_and_shows_what_was_counted_so_far(qtbot, window, monkeypatch):
    import threading

    from inspector.stores import survey as survey_module

    monkeypatch.setattr(survey_module, "PART_ROWS", 500)  # the demo's 5,400 events in 11 parts
    store = window.store
    real = store.type_survey

    def slow_survey(*, progress=None, cancel=None, **kwargs):
        def paused(done, total=None):
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
    qtbot.waitUntil(lambda: view.progress.isVisible() and "1 of 11 parts" == view.progress.format(), timeout=20000)
    assert view.cancel_button.isEnabled() and not view.run_button.isEnabled()

    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)

    assert view.run_button.isEnabled() and view.progress.isHidden()
    qtbot.waitUntil(lambda: view.survey is not None, timeout=20000)
    assert not view.survey.complete
    assert view.status.text().startswith("Incomplete (cancelled): counted so far")
    assert 0 < view.survey.events < 5400


def test_a_survey_that_decoded_every_event_says_it_counted_in_full(qtbot, prices_lines):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(prices_lines))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
    try:
        view = _survey(qtbot, win)

        text = view.method_label.text()
        assert text.startswith("<b>Counted in full</b>: every event decoded (11): a JSON Lines file"), text
        assert "ample" not in text  # no sample was read: not "Sampled: decoded every event (11)"
        assert view.model.drifting_fields() == {"PriceSet": ["currency"]}
        assert _field_row(view, "PriceSet", "currency")[TypeSurveyModel.DRIFT] == f"+ appeared {local_time(CURRENCY_FROM)}"
    finally:
        win.shutdown()


def test_the_sample_size_and_the_drift_filter_are_remembered(qtbot, prices_window):
    from inspector.ui.types_view import EventTypesView

    prices_window.analysis_actions["types"].trigger()
    view = prices_window.analysis_window.types_view
    view.sample_spin.setValue(5000)
    view.drift_only.setChecked(True)
    qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.survey is not None and view.run_button.isEnabled(), timeout=20000)

    again = EventTypesView(prices_window.runner, prices_window.settings)
    qtbot.addWidget(again)
    assert again.sample_spin.value() == 5000 and again.drift_only.isChecked()


def test_the_cli_says_a_survey_of_every_event_was_counted_in_full_and_a_sample_its_size(prices_lines, capsys):
    from inspector.cli import main

    assert main(["types", str(prices_lines)]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("method:"))
    assert line.startswith("method: decoded — counted in full, every event decoded (11): a JSON Lines file"), line
    assert "ample" not in out  # neither the method line nor a type's lines speak of a sample

    assert main(["types", str(prices_lines), "--sample", "4"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("method:"))
    assert line.startswith("method: sample — sampled 4 of 11 events"), line
    sampled = [line.strip() for line in out.splitlines() if "payloads sampled" in line]
    assert sampled and all(" of " in line for line in sampled), sampled  # each type's share of the sample, of its count


def test_a_sampled_category_says_its_counts_are_the_sample_s(qtbot, demo_store_path, tmp_path, capsys):
    from inspector.cli import main
    from inspector.ui.app import MainWindow, make_app

    lines = tmp_path / "demo.jsonl"
    assert main(["export", str(demo_store_path), "--format", "jsonl", "-o", str(lines)]) == 0
    capsys.readouterr()
    make_app()
    win = MainWindow(str(lines))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
    try:
        win.analysis_actions["types"].trigger()
        view = win.analysis_window.types_view
        qtbot.waitUntil(lambda: view.category_box.findData("wallet") >= 0, timeout=10000)
        view.category_box.setCurrentIndex(view.category_box.findData("wallet"))
        view.sample_spin.setValue(100)
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: view.survey is not None and view.run_button.isEnabled(), timeout=20000)

        total = view.survey.sampled_from
        assert view.survey.sampled == 100 and total is not None and total > 100
        assert view.method_label.text().startswith(f"<b>Sampled</b> 100 of {total:,} events"), view.method_label.text()
        assert "decoded 100" not in view.method_label.text()  # one wording: sampled
        assert f"of category wallet · a sample of 100 of the category's {total:,} events" in view.status.text()
    finally:
        win.shutdown()
