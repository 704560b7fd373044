"""First run as a new user sees it: the hint over the demo store, Help › About, the app icon."""

from __future__ import annotations

from pathlib import Path

import PySide6
import pytest
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication

from inspector import APP_ID


def test_first_run_shows_a_hint_on_how_to_open_your_own_store_until_it_is_dismissed(qtbot, window, demo_copy):
    from inspector.ui.app import MainWindow

    hint = window.first_run_hint
    assert hint.isVisible()
    text = hint.label.text()
    for words in ("Open store", "Ctrl+O", ".jsonl", "postgresql+psycopg://", "Recent stores", "projector"):
        assert words in text
    hint.close_button.click()
    assert not hint.isVisible()

    again = MainWindow(str(demo_copy))  # a later start: settings read again from the config dir
    qtbot.addWidget(again)
    again.show()
    try:
        assert again.first_run_hint.isHidden()
    finally:
        again.shutdown()


def test_about_names_the_versions_and_where_settings_and_the_cache_live(qtbot, window, tmp_path):
    from inspector.replay.cache import default_cache_path
    from inspector.ui.settings import config_dir

    window.show_about()
    dialog = window.about_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.version_labels["Qt"].text() == qVersion()
    assert dialog.version_labels["PySide6"].text() == PySide6.__version__
    assert dialog.location_labels["Settings"].text() == str(config_dir() / "settings.json")
    assert dialog.location_labels["Snapshot cache"].text() == str(default_cache_path())
    assert str(tmp_path) in dialog.location_labels["Snapshot cache"].text()  # the test's own home
    projectors = Path(dialog.location_labels["Sample projectors"].text())
    assert {"wallet_projector.py", "audit_projector.py"} <= {p.name for p in projectors.iterdir()}
    assert dialog.grab().save(str(tmp_path / "about.png"))


def test_clear_snapshot_cache_from_about_empties_the_cache(qtbot, window):
    from inspector.replay.cache import CacheEntry

    cache = window._snapshot_cache()
    cache.put_many("store", "wallet-1", "p", [CacheEntry(version=3, fingerprint="f", recorded_at=None, state=b"{}")])
    assert len(cache) == 1
    window.show_about()
    dialog = window.about_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.clear_button.click()
    qtbot.waitUntil(lambda: dialog.cache_status.text() == "Cleared.", timeout=10000)
    assert len(cache) == 0 and dialog.clear_button.isEnabled()


def test_the_window_carries_the_app_icon_and_the_desktop_file_name(window):
    app = QApplication.instance()
    assert app.desktopFileName() == APP_ID
    sizes = {(s.width(), s.height()) for s in app.windowIcon().availableSizes()}
    assert {(n, n) for n in (16, 32, 48, 64, 128, 256)} <= sizes
    assert not window.windowIcon().isNull()


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256])
def test_the_icon_files_have_the_size_their_folder_names(size):
    from PySide6.QtGui import QImage

    from inspector.ui.about import resources_dir

    image = QImage(str(resources_dir() / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
    assert (image.width(), image.height()) == (size, size) and image.hasAlphaChannel()
