"""The State tab's scrubber reaches every version of a stream whose versions are beyond Qt's
32-bit slider range (a 64-bit version must not raise inside a Qt slot)."""

from __future__ import annotations

from inspector.ui.replay_views import StateView

FIRST = 2**40


def test_a_stream_with_versions_beyond_32_bits_is_scrubbed_version_by_version(qtbot):
    view = StateView()
    qtbot.addWidget(view)
    view.set_stream("meter-1", FIRST, FIRST + 5)
    assert view.scrub_version() == FIRST + 5
    assert view.version_label.text() == f"v{FIRST + 5} of v{FIRST + 5}"
    view.set_version(FIRST + 2)
    assert view.scrub_version() == FIRST + 2 and view.version_label.text() == f"v{FIRST + 2} of v{FIRST + 5}"
    with qtbot.waitSignal(view.versionRequested, timeout=5000) as asked:
        view.step(1)
    assert asked.args == [FIRST + 3]
    view.extend_versions(FIRST + 9)
    assert view.version_label.text() == f"v{FIRST + 3} of v{FIRST + 9}"


def test_an_ordinary_stream_keeps_its_versions_as_slider_positions(qtbot):
    view = StateView()
    qtbot.addWidget(view)
    view.set_stream("wallet-1", 1, 198)
    assert (view.slider.minimum(), view.slider.maximum(), view.scrub_version()) == (1, 198, 198)
