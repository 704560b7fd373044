"""Journey 3: the Health tab lists what ``check`` finds in the open store and jumps to each event."""

from __future__ import annotations

from inspector.ui.health import jump_version


def test_the_health_view_lists_the_demos_four_planted_faults_and_jumps_to_each(qtbot, window, demo_planted):
    health = window.health_view
    window.tabs.setCurrentWidget(health)
    health.check_button.click()
    qtbot.waitUntil(lambda: health.tree.topLevelItemCount() > 0 and health.check_button.isEnabled(), timeout=30000)
    found = {(f.kind, f.stream, f.version) for f in health.findings}
    planted = {
        ("version_gap", *demo_planted.version_gap),
        ("duplicate_version", *demo_planted.duplicate_version),
        ("time_regression", *demo_planted.time_regression),
        ("undecodable_payload", *demo_planted.undecodable_payload),
    }
    assert planted <= found
    assert f"Health ({len(health.findings)})" == window.tabs.tabText(window.tabs.indexOf(health))
    assert "finding" in health.summary.text()

    for row in range(health.tree.topLevelItemCount()):
        item = health.tree.topLevelItem(row)
        finding = health.findings[row]
        if (finding.kind, finding.stream, finding.version) not in planted:
            continue
        health.tree.setCurrentItem(item)
        health.tree.itemActivated.emit(item, 0)
        expected = jump_version(finding)
        qtbot.waitUntil(lambda: window.current_event is not None and window.current_event.stream == finding.stream
                        and window.current_event.version == expected, timeout=10000)
        assert window.current_stream == finding.stream
        if finding.kind == "undecodable_payload":
            assert window.current_event.problem


def test_checking_only_the_listed_streams_checks_those_streams(qtbot, window, demo_planted):
    stream, _version = demo_planted.version_gap
    window.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: window.stream_model.rowCount() == 1 and window.stream_model.row_of(stream) == 0,
                    timeout=10000)
    health = window.health_view
    health.listed_button.click()
    qtbot.waitUntil(lambda: health.check_button.isEnabled() and "1 listed stream checked" in health.summary.text(),
                    timeout=10000)
    assert {f.stream for f in health.findings} == {stream}
    assert any(f.kind == "version_gap" for f in health.findings)
