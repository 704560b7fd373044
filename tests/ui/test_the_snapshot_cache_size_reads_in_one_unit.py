"""The snapshot cache's size limit is in MiB (1,048,576 bytes): Preferences and the README say so
alike (the README said "512 MB" beside Preferences' "512 MiB")."""

from __future__ import annotations

import re
from pathlib import Path

from inspector.replay.cache import DEFAULT_MAX_BYTES
from inspector.ui.preferences import Preferences, PreferencesDialog

README = Path(__file__).resolve().parents[2] / "README.md"


def test_preferences_and_the_readme_give_the_cache_bound_in_mib(qtbot, tmp_path):
    dialog = PreferencesDialog(Preferences())
    qtbot.addWidget(dialog)
    dialog.show()
    shown = dialog.cache_box.text()  # what the user reads in the field
    assert shown == "512 MiB"
    assert DEFAULT_MAX_BYTES == Preferences().cache_mb * 1024 * 1024  # MiB is the unit the cache counts in
    text = " ".join(README.read_text(encoding="utf-8").split())
    bounds = re.findall(r"50,000 entries or (\d[\d,]* \w+)", text)
    assert bounds == ["512 MiB"]
    dialog.grab().save(str(tmp_path / "preferences.png"))
