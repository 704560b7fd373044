"""The Audit tab as a user reads it: the actor's events fill the tab, and an event with no
cause says so in words instead of "0 causes, first cause at the top"."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QModelIndex, Qt


def _rows_visible(view) -> int:
    """How many whole rows the table shows at once."""
    return view.viewport().height() // view.verticalHeader().defaultSectionSize()


def _choose_actor(qtbot, win, actor):
    view = win.audit_view
    view.actor_box.setEditText(actor)
    qtbot.keyClick(view.actor_box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.rowCount() > 20, timeout=5000)


def test_the_actors_events_get_the_space_and_the_chain_lists_are_as_tall_as_their_rows(qtbot, window, tmp_path):
    window.resize(1280, 800)
    window.tabs.setCurrentWidget(window.audit_view)
    view = window.audit_view
    _choose_actor(qtbot, window, "dana@example.com")
    qtbot.waitUntil(lambda: _rows_visible(view.table) >= 9, timeout=5000)  # was about 4 to 6

    view.table.setCurrentIndex(view.model.index(0, 0))  # an event caused by a request, not an event
    qtbot.waitUntil(lambda: bool(view.chain_end) and view.selected is view.model.event_at(0), timeout=5000)
    assert view.chain_model.rowCount() == 1
    # one row in the chain: the chain list is two rows tall (never a squashed strip), not
    # three; the actor's list keeps the rest
    row = view.chain.verticalHeader().defaultSectionSize()
    assert 2 * row <= view.chain.viewport().height() < 3 * row
    assert view.table.height() > view.chain.height() + view.correlated.height()
    assert _rows_visible(view.table) >= 8
    assert "0 causes" not in view.chain_label.text()
    assert "no stored event caused it" in view.chain_label.text()
    window.grab().save(str(tmp_path / "audit.png"))


def test_an_event_with_no_causation_id_reads_no_cause_recorded(qtbot, window):
    window.tabs.setCurrentWidget(window.audit_view)
    view = window.audit_view
    _choose_actor(qtbot, window, "dana@example.com")
    first = view.model.event_at(0)
    uncaused = dataclasses.replace(first, metadata={k: v for k, v in first.metadata.items()
                                                    if k not in ("causation_id", "correlation_id")})
    view.show_causes(uncaused)
    qtbot.waitUntil(lambda: bool(view.chain_end) and view.selected is uncaused, timeout=5000)
    label = view.chain_label.text()
    assert label == f"Causation chain of {first.stream} v{first.version}: no cause recorded (the event has no causation id)"
    assert view.correlated_label.text() == "Correlated events: this event has no correlation id"
    assert view.chain_model.rowCount() == 1 and view.correlated_model.rowCount() == 0
    assert view.chain_model.index(0, 1, QModelIndex()).data().startswith(f"{first.type} · {first.stream}")
