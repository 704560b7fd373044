"""The Audit tab on the demo store: an actor's events across streams, causes, correlated events, CSV."""

from __future__ import annotations

import csv
import hashlib

from PySide6.QtCore import QModelIndex, Qt

from inspector.stores import open_store
from inspector.ui.presenting import summarize


def _all_events(path):
    store = open_store(str(path))
    try:
        events, after = [], None
        while True:
            page = store.read_all(after_position=after, limit=1000)
            events.extend(page)
            if len(page) < 1000:
                return events
            after = page[-1].position
    finally:
        store.close()


def _load_everything(qtbot, model):
    while not model.exhausted:
        qtbot.waitUntil(lambda: not model.loading, timeout=5000)
        if model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not model.loading, timeout=5000)


def _choose_actor(qtbot, win, actor):
    view = win.audit_view
    view.actor_box.setEditText(actor)
    qtbot.keyClick(view.actor_box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=5000)
    _load_everything(qtbot, view.model)


def test_the_actor_list_comes_from_the_events_shown(qtbot, window, demo_planted):
    stream, _bad = demo_planted.negative_wallet
    window.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: window.stream_model.row_of(stream) is not None, timeout=5000)
    window.streams_view.setCurrentIndex(window.stream_model.index(window.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: window.event_model.exhausted and window.event_model.filter.streams == (stream,),
                    timeout=5000)
    window.tabs.setCurrentWidget(window.audit_view)
    shown = {e.actor for e in window.event_model.events() if e.actor}
    offered = window.audit_view.actors_offered()
    assert set(offered) == shown and "system:billing" in offered
    counts = [sum(1 for e in window.event_model.events() if e.actor == a) for a in offered]
    assert counts == sorted(counts, reverse=True)  # most active first
    assert window.audit_view.actor_box.itemText(0).endswith(f"({counts[0]:,} shown)")


def test_an_actors_events_across_streams_with_causes_correlations_and_a_masked_csv(
        qtbot, qtmodeltester, window, demo_copy, tmp_path):
    everything = _all_events(demo_copy)
    actor = "dana@example.com"
    expected = [e for e in everything if e.actor == actor]
    window.tabs.setCurrentWidget(window.audit_view)
    _choose_actor(qtbot, window, actor)
    view = window.audit_view
    shown = view.model.events()
    assert [e.position for e in shown] == [e.position for e in expected]
    assert len({e.stream for e in shown}) > 1  # across streams
    times = [e.recorded_at for e in shown]
    assert times == sorted(times)  # in time order
    assert f"{len(expected):,} events in {len({e.stream for e in expected})} streams" in view.summary.text()
    first = expected[0]
    what = view.model.index(0, 1).data()  # type, where, then the payload in plain words
    assert what.startswith(f"{first.type} · {first.stream} v{first.version}\n")
    assert what.split("\n")[1] == summarize(first, limit=70) and "=" in what.split("\n")[1]
    assert view.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole).startswith("UTC 2026-")

    # an event with a cause: its chain is followed back through metadata.event_id
    by_id = {e.metadata.get("event_id"): e for e in everything}
    chosen_row = next(r for r, e in enumerate(shown)
                      if e.metadata["causation_id"] in by_id and by_id[e.metadata["causation_id"]]
                      .metadata["causation_id"] in by_id)
    chosen = shown[chosen_row]
    want_chain = [chosen]
    while want_chain[-1].metadata["causation_id"] in by_id:
        want_chain.append(by_id[want_chain[-1].metadata["causation_id"]])
    want_chain.reverse()
    view.table.setCurrentIndex(view.model.index(chosen_row, 0))
    qtbot.waitUntil(lambda: view.chain_model.rowCount() > 0 and view.selected is chosen and bool(view.chain_end), timeout=5000)
    assert [e.position for e in view.chain_model.events()] == [e.position for e in want_chain]
    assert len(want_chain) >= 3
    assert f"{len(want_chain) - 1} causes, first cause at the top" in view.chain_label.text()
    assert "its correlation id" in view.chain_label.text()
    correlation = chosen.metadata["correlation_id"]
    want_correlated = [e.position for e in everything if e.metadata.get("correlation_id") == correlation]
    assert [e.position for e in view.correlated_model.events()] == want_correlated
    share = "event shares" if len(want_correlated) == 1 else "events share"
    assert f"{len(want_correlated)} {share} correlation id {correlation}" in view.correlated_label.text()
    for model in (view.model, view.chain_model, view.correlated_model):
        qtmodeltester.check(model)

    # double-click shows the first cause everywhere in the window
    root = view.chain_model.index(0, 1)
    view.chain.doubleClicked.emit(root)
    qtbot.waitUntil(lambda: window.current_event is not None and window.current_event.position == want_chain[0].position,
                    timeout=5000)

    # Export CSV…: every event of the actor, e-mail addresses masked, the store untouched
    before = hashlib.sha256(demo_copy.read_bytes()).hexdigest()
    output = tmp_path / "audit.csv"
    view.export_csv(output)
    qtbot.waitUntil(lambda: str(output) in window.statusBar().currentMessage(), timeout=10000)
    with output.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["position"]) for r in rows] == [e.position for e in expected]
    text = output.read_text(encoding="utf-8")
    assert "dana@" not in text and "alice@" not in text
    assert {r["actor"] for r in rows} == {rows[0]["actor"]} and rows[0]["actor"].endswith("@example.com")
    assert rows[0]["actor"].startswith("masked:")
    assert hashlib.sha256(demo_copy.read_bytes()).hexdigest() == before

    # the store's own file is refused, with a message, and left as it was
    messages = []
    view.failed.connect(messages.append)
    view.export_csv(demo_copy)
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert "onto the store itself" in messages[0]
    assert hashlib.sha256(demo_copy.read_bytes()).hexdigest() == before


def test_an_actor_nobody_is_says_so(qtbot, window):
    view = window.audit_view
    view.actor_box.setEditText("nobody@nowhere.test")
    qtbot.keyClick(view.actor_box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.exhausted and "No event names" in view.summary.text(), timeout=5000)
    assert view.model.rowCount() == 0


def test_a_misspelt_actor_is_answered_with_the_actor_meant(qtbot, window):
    view = window.audit_view
    view.actor_box.setEditText("bruno@exmple.com")
    qtbot.keyClick(view.actor_box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "did you mean" in view.summary.text(), timeout=10000)
    assert view.summary.text() == ("No event names bruno@exmple.com as its actor; "
                                   "did you mean 'bruno@example.com'?")
    assert view.model.rowCount() == 0


def test_export_csv_is_offered_only_for_an_actor_with_events(qtbot, window):
    view = window.audit_view
    view.actor_box.setEditText("bruno@exmple.com")
    qtbot.keyClick(view.actor_box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.exhausted and "No event names" in view.summary.text(), timeout=5000)
    assert not view.export_button.isEnabled()  # nothing to export

    _choose_actor(qtbot, window, "bruno@example.com")
    assert view.export_button.isEnabled()

    view.actor_box.setEditText("nobody@nowhere.test")
    qtbot.keyClick(view.actor_box.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.model.exhausted and "No event names" in view.summary.text(), timeout=5000)
    assert not view.export_button.isEnabled()


def test_the_event_selected_in_the_table_gets_its_causes_in_the_audit_tab(qtbot, window, demo_planted):
    """Selecting an event with the Audit tab in front (or bringing the tab to the front with an
    event selected) shows that event's causation chain and correlated events there."""
    stream, _bad = demo_planted.negative_wallet
    window.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: window.stream_model.row_of(stream) is not None, timeout=5000)
    window.streams_view.setCurrentIndex(window.stream_model.index(window.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 3 and not window.event_model.loading, timeout=10000)
    view = window.audit_view
    window.events_view.setCurrentIndex(window.event_model.index(2, window.event_model.TYPE))
    chosen = window.event_model.event_at(2)
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: view.chain_label.text().startswith(f"Causation chain of {stream} v{chosen.version}")
                    and "reading" not in view.chain_label.text(), timeout=10000)
    assert view.selected.position == chosen.position and view.chain_model.rowCount() >= 1

    window.events_view.setCurrentIndex(window.event_model.index(3, window.event_model.TYPE))
    later = window.event_model.event_at(3)
    qtbot.waitUntil(lambda: view.chain_label.text().startswith(f"Causation chain of {stream} v{later.version}")
                    and "reading" not in view.chain_label.text(), timeout=10000)
