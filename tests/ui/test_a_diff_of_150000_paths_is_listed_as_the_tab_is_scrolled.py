"""The Diff tab of a diff changing 150,000 paths: the tab lists the first thousand paths, open
with their blame, and the next ones as the list is scrolled to its end, instead of making and
opening a row for every path on the GUI thread (Qt's expandAll over them held it 16 s)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from inspector.core.diff import Blame, Change
from inspector.replay.engine import MomentRef, StateDiff
from inspector.ui.models import DiffTreeModel
from inspector.ui.replay_views import DiffPathsModel, DiffView

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)
AT_A_TIME = DiffTreeModel.PATHS_AT_A_TIME


def _diff(paths: int) -> StateDiff:
    changes = [Change(f"/records/{n}/status", "change", "open", "closed", events=[Blame(7, "RecordsClosed", T0)])
               for n in range(paths)]
    return StateDiff("ledger-1", MomentRef(6, T0), MomentRef(7, T0), changes=changes, elapsed_ms=1.0)


@pytest.fixture
def view(qtbot):
    view = DiffView()
    qtbot.addWidget(view)
    view.resize(700, 520)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_a_diff_of_150000_paths_lists_the_first_thousand_open_and_the_rest_as_scrolled(qtbot, view):
    view.show_diff(_diff(150_000))
    model, tree = view.model, view.tree
    assert view.summary.text().startswith("150,000 paths changed from v6 to v7")
    # rows made: the first thousand, and a thousand more each time Qt lays the whole list out
    assert model.path_count() == 150_000 and AT_A_TIME <= model.rowCount() <= 3 * AT_A_TIME
    first = model.index(0, 0)
    assert tree.isExpanded(first) and tree.isExpanded(model.index(AT_A_TIME - 1, 0))
    assert not tree.isExpanded(model.index(AT_A_TIME, 0))
    assert model.index(0, 0, first).data().startswith("v7 RecordsClosed") and tree.isFirstColumnSpanned(0, first)
    qtbot.waitUntil(lambda: tree.visualRect(model.index(0, 0, first)).isValid())  # its blame is on screen

    listed = model.rowCount()
    tree.scrollToBottom()  # the user scrolls to the end of the list: the next thousand come
    qtbot.waitUntil(lambda: model.rowCount() >= listed + AT_A_TIME, timeout=10000)
    later = model.index(AT_A_TIME, 0)
    assert later.data() == f"/records/{AT_A_TIME}/status" and not tree.isExpanded(later)
    tree.expand(later)  # opened by the user, its blame reads as one line as the first ones do
    assert tree.isExpanded(later) and tree.isFirstColumnSpanned(0, later)

    # every path is still there to find, the last one included
    assert model.paths()[-1] == "/records/149999/status" and len(model.paths()) == 150_000
    last = model.index_of_path("/records/149999/status")
    assert last.row() == 149_999 and model.rowCount() == 150_000 and last.data() == "/records/149999/status"
    assert model.change_at("/records/149999/status").after == "closed"


def test_the_paths_listed_a_thousand_at_a_time_make_a_correct_model(qtbot, qtmodeltester, view):
    model = DiffPathsModel()  # no view asking for rows: only what set_changes lists
    model.set_changes(_diff(2 * AT_A_TIME + 5).changes)
    assert model.canFetchMore() and model.rowCount() == AT_A_TIME and model.path_count() == 2 * AT_A_TIME + 5
    qtmodeltester.check(model)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 2 * AT_A_TIME + 5 and not model.canFetchMore()
    assert [model.index(row, 0).data() for row in (0, AT_A_TIME, 2 * AT_A_TIME + 4)] == [
        "/records/0/status", f"/records/{AT_A_TIME}/status", f"/records/{2 * AT_A_TIME + 4}/status"]
    qtmodeltester.check(model)
    view.show_diff(_diff(2 * AT_A_TIME + 5))
    view.show_diff(_diff(3))  # the next diff starts over
    assert view.model.rowCount() == 3 and not view.model.canFetchMore()
    assert view.tree.isExpanded(view.model.index(2, 0))
