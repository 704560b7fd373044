"""Selecting one of an actor's events low in the Audit tab's list keeps that event whole in view:
its causation chain and correlated events then take their room below the list, which shrinks,
and the row picked must not slide under the list's bottom edge (the README's audit screenshot
showed the selected event cut in half)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_the_selected_event_stays_whole_in_view_when_its_causes_are_shown(qtbot, window, size):
    window.resize(*size)
    window.tabs.setCurrentWidget(window.audit_view)
    view = window.audit_view
    view.show_actor("dana@example.com")
    table = view.table
    qtbot.waitUntil(lambda: view.model.rowCount() > 20 and table.viewport().height() > 0, timeout=10000)
    viewport = table.viewport()
    last_whole = table.rowAt(viewport.height() - 1)
    if viewport.rect().contains(table.visualRect(view.model.index(last_whole, 0))) is False:
        last_whole -= 1
    assert last_whole > 2, "the list shows a few events before one is picked (else no proof)"
    table.setCurrentIndex(view.model.index(last_whole, 0))
    qtbot.waitUntil(lambda: view.selected is view.model.event_at(last_whole)
                    and "reading…" not in view.chain_label.text() and view.chain_model.rowCount() > 0,
                    timeout=10000)
    qtbot.waitUntil(lambda: viewport.rect().contains(table.visualRect(table.currentIndex())), timeout=5000)
    assert table.currentIndex().row() == last_whole
    assert view.chain.height() > 0 and view.correlated.height() > 0  # the lists took their room
