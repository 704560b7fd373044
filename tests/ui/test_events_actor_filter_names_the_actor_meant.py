"""The events table's Actor filter: a misspelt actor that leaves the table empty is answered
above the table with the actor meant, as ``events --actor`` and the Audit tab answer it; an
actor that has events, or one that has events only outside the stream shown, gets no note."""

from __future__ import annotations


def _type_actor(qtbot, win, actor):
    win.actor_edit.setText(actor)
    qtbot.waitUntil(lambda: win.event_model.filter.actor == (actor or None) and not win.event_model.loading
                    and win.event_model.exhausted or win.event_model.rowCount() > 0, timeout=10000)


def test_a_misspelt_actor_in_the_filter_names_the_actor_meant(qtbot, window):
    note = window.events_note
    assert note.isHidden()
    _type_actor(qtbot, window, "bruno@exmple.com")
    qtbot.waitUntil(lambda: not note.isHidden(), timeout=10000)
    assert window.event_model.rowCount() == 0
    assert note.text() == "No event names bruno@exmple.com as its actor; did you mean 'bruno@example.com'?"

    # fixing the typo fills the table and the note goes
    _type_actor(qtbot, window, "bruno@example.com")
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 0, timeout=10000)
    assert note.isHidden()
    assert {event.actor for event in window.event_model.events()} == {"bruno@example.com"}

    # the same typo again is answered again
    _type_actor(qtbot, window, "bruno@exmple.com")
    qtbot.waitUntil(lambda: not note.isHidden(), timeout=10000)
    assert "did you mean 'bruno@example.com'?" in note.text()

    # clearing the filter clears the note
    window.actor_edit.clear()
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 0, timeout=10000)
    assert note.isHidden()


def test_an_actor_with_events_elsewhere_gets_no_note_in_a_stream_without_them(qtbot, window, demo_planted):
    stream, _version = demo_planted.negative_wallet
    window.select_stream(stream)
    qtbot.waitUntil(lambda: window.event_model.rowCount() > 0 and not window.event_model.loading, timeout=10000)
    actors = {event.actor for event in window.event_model.events()}
    elsewhere = next(name for name in ("alice@example.com", "bruno@example.com", "chen@example.com",
                                       "dana@example.com") if name not in actors)
    window.actor_edit.setText(elsewhere)
    qtbot.waitUntil(lambda: window.event_model.filter.actor == elsewhere and window.event_model.exhausted
                    and not window.event_model.loading, timeout=10000)
    assert window.event_model.rowCount() == 0
    # the look-up runs off the GUI thread and finds the actor's events in other streams: no hint
    qtbot.waitUntil(lambda: not window.runner.busy("events-close-actors"), timeout=10000)
    assert window.events_note.isHidden()
