"""The category box narrows the stream list, the timeline's lanes and, with no stream selected,
the events table: picking "wallet" lists the wallets' events alone, titled "Events of category
wallet"; a selected stream shows its own events; "All categories" shows every event again."""

from __future__ import annotations

from inspector.core.matching import EventFilter
from inspector.stores import open_store
from inspector.ui.window.names import ALL


def _pick(qtbot, window, category):
    box = window.category_box
    qtbot.waitUntil(lambda: box.findData(category) >= 0, timeout=10000)
    box.setCurrentIndex(box.findData(category))


def _loaded(window):
    model = window.event_model
    return not model.loading and model.rowCount() > 0


def test_picking_a_category_lists_only_its_events(qtbot, window, demo_copy):
    source = open_store(str(demo_copy))
    try:
        wallets = {s.stream for s in source.streams(category="wallet", limit=10_000)}
        first_wallet_events = [e.position for e in source.read_all(limit=50, filters=EventFilter(category="wallet"))]
    finally:
        source.close()
    assert wallets and first_wallet_events
    qtbot.waitUntil(lambda: _loaded(window) and window.events_title.text().startswith("All events"), timeout=10000)
    assert {e.stream for e in window.event_model.events()} - wallets  # every category at first

    _pick(qtbot, window, "wallet")
    qtbot.waitUntil(
        lambda: window.events_title.text().startswith("Events of category wallet (") and _loaded(window), timeout=10000
    )
    shown = window.event_model.events()
    assert {e.stream for e in shown} <= wallets
    assert [e.position for e in shown[:50]] == first_wallet_events  # as events --category wallet lists them

    # a stream selected shows its own events; Show all goes back to the category's
    stream = sorted(wallets)[0]
    window.select_stream(stream)
    qtbot.waitUntil(
        lambda: window.events_title.text().startswith(f"Events of {stream} (") and _loaded(window), timeout=10000
    )
    assert {e.stream for e in window.event_model.events()} == {stream}
    window.show_all_button.click()
    qtbot.waitUntil(
        lambda: window.events_title.text().startswith("Events of category wallet (") and _loaded(window), timeout=10000
    )
    title = window.events_title
    qtbot.waitUntil(lambda: title.shown_text() == title.text(), timeout=5000)  # the title whole, not elided

    _pick(qtbot, window, ALL)
    qtbot.waitUntil(lambda: window.events_title.text().startswith("All events (") and _loaded(window), timeout=10000)
    assert {e.stream for e in window.event_model.events()} - wallets
