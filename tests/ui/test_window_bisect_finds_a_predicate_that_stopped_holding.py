"""Tools › Bisect in the window: a predicate that held and then stopped holding is found at its
first version and selected, and the status bar says it no longer holds at the latest version."""

from __future__ import annotations


def test_bisect_selects_the_first_version_where_it_held(qtbot, window):
    window.run_bisect("wallet-9b2e71cc", 'state["credits"] > 150')
    qtbot.waitUntil(lambda: "no longer holds" in window.statusBar().currentMessage(), timeout=30000)
    assert window.statusBar().currentMessage() == (
        'state["credits"] > 150 first holds at wallet-9b2e71cc v10; it no longer holds at the latest version, v198')
    qtbot.waitUntil(lambda: window.current_event is not None and window.current_event.version == 10, timeout=10000)
    assert window.current_event.stream == "wallet-9b2e71cc"
