"""A mapping declaring ``time = "iso"`` over text times written with mixed offsets: the window's
Fit all shows every event (the time range is the events' own earliest and latest instants, not
the text's order), and the layout label says the declaration does not hold (its tooltip why)."""

from __future__ import annotations

import pytest

from tests.stores.test_a_mapping_declaring_iso_times_is_checked_against_the_stored_times import (
    MIXED,
    _instants,
    _store,
)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql", "mysql"])
def test_fit_all_shows_all_six_events_written_with_mixed_offsets(qtbot, request, tmp_path, engine):
    from inspector.ui.app import MainWindow, make_app

    target, mapping = _store(request, tmp_path, engine, MIXED)
    make_app()
    window = MainWindow(target, mapping=str(mapping))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    try:
        qtbot.waitUntil(lambda: window.store is not None and window.stream_model.rowCount() == 3, timeout=20000)
        qtbot.waitUntil(lambda: 'mixed time forms' in window.layout_label.text(), timeout=10000)
        assert "'2026-03-29T00:10:00Z' at position 2" in window.layout_label.toolTip()
        timeline = window.timeline
        timeline.fit_all()
        box = timeline.lanes_plot.getViewBox()
        instants = [t.timestamp() for t in _instants(MIXED)]

        def all_shown() -> bool:
            (x0, x1), _ = box.viewRange()
            return x0 < min(instants) and max(instants) < x1 and timeline.lanes_drawn()
        qtbot.waitUntil(all_shown, timeout=10000)
        if engine == "postgresql":
            window.grab().save(str(tmp_path / "iso_fit_all.png"))
    finally:
        window.shutdown()
