"""After a jump to a far event the table says it does not start at the beginning."""

from __future__ import annotations


def test_the_events_title_says_when_earlier_events_are_not_loaded(qtbot, window, demo_planted):
    stream = demo_planted.negative_wallet[0]
    window.select_stream(stream)
    model = window.event_model
    qtbot.waitUntil(lambda: model.rowCount() > 0 and not model.loading, timeout=10000)
    assert "earlier events not loaded" not in window.events_title.text()

    model._page_size = 20  # a small page, so the stream's last events are "far" from its first
    model.set_filter(window.current_filter())
    qtbot.waitUntil(lambda: model.rowCount() == 20 and not model.loading, timeout=10000)
    last = list(window.store.read_stream(stream))[-1]
    model.want_position(last.position)
    qtbot.waitUntil(lambda: model.row_of_position(last.position) is not None and not model.loading, timeout=10000)
    first_shown = model.event_at(0)
    assert first_shown.version > 1
    assert f"from v{first_shown.version}, earlier events not loaded" in window.events_title.text()


def test_an_event_asked_for_while_its_short_stream_loads_is_found_without_a_jump(qtbot, window, demo_planted):
    stream = demo_planted.negative_wallet[0]
    last = list(window.store.read_stream(stream))[-1]
    window.select_stream(stream)
    window.event_model.want_position(last.position)  # before the first page has arrived
    model = window.event_model
    qtbot.waitUntil(lambda: model.row_of_position(last.position) is not None and not model.loading, timeout=10000)
    assert model.starts_after is None and model.event_at(0).version == 1
    assert "earlier events not loaded" not in window.events_title.text()
