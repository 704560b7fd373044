"""The Health tab names a finding's kind in words and as ``event-inspector check`` prints it
(``Time goes back (time_regression)``), so a finding reads the same in the window and in CI."""

from __future__ import annotations

from inspector.core.health import Finding
from inspector.ui.health import KIND_WORDS, kind_label


def test_every_kind_in_words_carries_its_check_name():
    for kind, words in KIND_WORDS.items():
        assert kind_label(kind) == f"{words} ({kind})"
    assert kind_label("unknown_type") == "unknown_type"


def test_the_selected_finding_shows_its_check_kind(qtbot, window, demo_planted):
    health = window.health_view
    window.tabs.setCurrentWidget(health)
    health.check_button.click()
    qtbot.waitUntil(lambda: health.tree.topLevelItemCount() > 0 and health.check_button.isEnabled(), timeout=30000)
    for kind in ("time_regression", "undecodable_payload"):
        row = next(index for index, finding in enumerate(health.findings) if finding.kind == kind)
        assert isinstance(health.findings[row], Finding)
        health.tree.setCurrentItem(health.tree.topLevelItem(row))
        qtbot.waitUntil(lambda: f"({kind})" in health.detail.text(), timeout=5000)
        assert f"<b>{KIND_WORDS[kind]} ({kind})</b>" in health.detail.text()
