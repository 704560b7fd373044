"""A damaged or hand-edited settings file never stops the window from starting: a remembered
value of the wrong type (``"recent_stores": 5``) or a window geometry that is not base64 made
the window raise while it was being built. Such a value is left out, as if it had not been saved:
the window opens on its store, at its default size, and saves good values over it."""

from __future__ import annotations

import json

import pytest

DAMAGED = {
    "geometry that is not base64": {"geometry": "a"},
    "splitter states that are not base64": {"splitters": {"mainSplit": "!!!", "rightSplit": 5}},
    "recent stores that are no list": {"recent_stores": 5},
    "projectors that are no mapping": {"projectors": ["x.py"]},
    "every value of the wrong type": {"geometry": 5, "splitters": [], "recent_stores": {"a": 1}, "projectors": 3,
                                      "type_colours": {"a": 1}, "last_export_dir": 7, "last_bisect": [],
                                      "preferences": "big"},
}


@pytest.mark.parametrize("saved", DAMAGED.values(), ids=DAMAGED.keys())
def test_the_window_opens_on_its_store_whatever_the_settings_file_holds(qtbot, demo_copy, saved):
    from inspector.ui.app import MainWindow, make_app
    from inspector.ui.settings import config_dir

    path = config_dir() / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved), encoding="utf-8")
    make_app()
    win = MainWindow(str(demo_copy))
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=30000)
        assert not win.banner.isVisible(), win.banner.text()
        assert win.width() > 0 and win.height() > 0
        win.save_window_state()  # good values are written over the damaged ones
        win.settings.add_recent_store(str(demo_copy))
        written = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(written["geometry"], str) and isinstance(written["splitters"], dict)
        assert written["recent_stores"][0] == str(demo_copy)
    finally:
        win.shutdown()
