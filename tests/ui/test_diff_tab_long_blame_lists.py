"""The Diff tab when one path was changed by many events: its blame list is cut to a few
rows and a "… N more" row, so the next changed path stays in sight; the count of events
blame left out (``events_omitted``) is shown; A and B unset list no events between."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QModelIndex, Qt

from inspector.core import Moment
from inspector.core.diff import Blame, Change
from inspector.replay.engine import MomentRef, StateDiff
from inspector.ui.replay_views import BLAMES_SHOWN, DiffView

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)


def _blames(first: int, count: int) -> list[Blame]:
    return [Blame(v, "CreditsSpent", T0 + timedelta(minutes=v), "dana@example.com") for v in range(first, first + count)]


def _diff(omitted: int = 0) -> StateDiff:
    changes = [
        Change("/credits", "change", 10, -5, events=_blames(2, 40), events_omitted=omitted),
        Change("/owner", "change", "ann", "bob", events=_blames(3, 1)),
        Change("/spent", "add", None, 15, events=_blames(5, 4)),
    ]
    return StateDiff("wallet-1", MomentRef(1, T0), MomentRef(60, T0 + timedelta(hours=1)), changes=changes,
                     elapsed_ms=1.0)


@pytest.fixture
def view(qtbot):
    view = DiffView()
    qtbot.addWidget(view)
    view.resize(420, 520)
    view.show()
    qtbot.waitExposed(view)
    return view


def _rows_under(model, path_row):
    parent = model.index(path_row, 0)
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def test_a_path_with_many_blames_lists_a_few_and_a_count_so_the_next_path_stays_in_sight(qtbot, qtmodeltester, view):
    view.show_diff(_diff())
    model, tree = view.model, view.tree
    assert model.paths() == ["/credits", "/owner", "/spent"]
    credits = _rows_under(model, 0)
    assert len(credits) == BLAMES_SHOWN + 1
    assert credits[0].startswith("v2 CreditsSpent")
    assert credits[-1] == f"… {40 - BLAMES_SHOWN} more events changed it (click to list them)"
    assert model.blame_count(0) == 40
    # short lists are not cut: one blame, and four (a "1 more" row would save nothing)
    assert len(_rows_under(model, 1)) == 1 and len(_rows_under(model, 2)) == 4
    # the next changed path is on screen without scrolling
    owner = tree.visualRect(model.index(1, 0))
    assert owner.isValid() and tree.viewport().rect().contains(owner)
    qtmodeltester.check(model)

    # a click on the "more" row lists every blaming event, in the tree and for the user
    more = model.index(BLAMES_SHOWN, 0, model.index(0, 0))
    tree.clicked.emit(more)
    assert len(_rows_under(model, 0)) == 40
    assert _rows_under(model, 0)[-1].startswith("v41 CreditsSpent")
    assert tree.isFirstColumnSpanned(39, model.index(0, 0))
    qtmodeltester.check(model)


def test_blames_the_engine_left_out_are_counted_on_the_path_and_in_the_summary(qtbot, view):
    view.show_diff(_diff(omitted=1_250))
    model = view.model
    last = _rows_under(model, 0)[-1]
    assert last == (f"… {40 - BLAMES_SHOWN} more events changed it (click to list them) · "
                    "1,250 earlier events also changed it (not listed)")
    assert "1,250 earlier blaming events not listed" in view.summary.text()
    view.tree.clicked.emit(model.index(BLAMES_SHOWN, 0, model.index(0, 0)))
    rows = _rows_under(model, 0)
    assert len(rows) == 41 and rows[-1] == "1,250 earlier events also changed it (not listed)"
    assert model.index(40, 0, model.index(0, 0)).data(Qt.ItemDataRole.ToolTipRole).startswith(
        "1,290 events changed /credits")


def test_with_a_and_b_unset_no_events_between_are_counted(qtbot, view):
    view.show_diff(_diff())
    view.show_moments("wallet-1", Moment(version=1), None)
    assert view.between_label.text() == "Events between A and B"
    assert view.model.rowCount(QModelIndex()) == 0 and view.between_model.rowCount() == 0


def test_the_demo_wallets_credits_blame_is_collapsed_in_the_window(qtbot, window, demo_planted, tmp_path):
    stream, bad = demo_planted.negative_wallet
    window.resize(1280, 800)
    window.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: window.stream_model.row_of(stream) is not None, timeout=5000)
    window.streams_view.setCurrentIndex(window.stream_model.index(window.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: window.state_view.result is not None, timeout=10000)
    window.set_cursor("A", Moment(version=1))
    window.set_cursor("B", Moment(version=bad))
    window.tabs.setCurrentWidget(window.diff_view)
    qtbot.waitUntil(lambda: window.diff_view.diff is not None, timeout=10000)
    model = window.diff_view.model
    row = model.paths().index("/credits")
    assert model.blame_count(row) > BLAMES_SHOWN + 1
    assert _rows_under(model, row)[-1].startswith(f"… {model.blame_count(row) - BLAMES_SHOWN} more events")
    window.grab().save(str(tmp_path / "diff.png"))
