"""File dialogs that start where the user last was: the folder of the last store opened or
browsed to (Open), of the last projector loaded (Load projector), remembered in the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from inspector.ui.widgets import OpenStoreDialog

#: What File › Open store… › Browse offers: every file the inspector opens, compressed JSON Lines too.
STORE_FILE_FILTER = ("Event stores (*.db *.sqlite *.sqlite3 *.db3 *.jsonl *.jsonl.gz *.ndjson);;"
                     "JSON Lines (*.jsonl *.jsonl.gz *.ndjson);;SQLite (*.db *.sqlite *.sqlite3 *.db3);;All files (*)")
#: Settings keys of the remembered folders.
OPEN_FOLDER = "last_open_dir"
PROJECTOR_FOLDER = "last_projector_dir"


def remembered_folder(settings: Any, key: str, *fallbacks: str | None) -> str:
    """The folder remembered under ``key`` if it still exists, else the first existing fallback,
    else the home folder."""
    for candidate in (settings.get(key), *fallbacks):
        if isinstance(candidate, str) and candidate and Path(candidate).is_dir():
            return candidate
    return str(Path.home())


def remember_folder(settings: Any, key: str, path: str | Path) -> None:
    """Remember the folder of ``path`` (a file) or ``path`` itself (a folder) under ``key``."""
    where = Path(path).expanduser()
    folder = where if where.is_dir() else where.parent
    if folder.is_dir():
        settings.set(key, str(folder.resolve()))


class OpenStoreFileDialog(OpenStoreDialog):
    """File › Open store…: Browse… starts in the last folder a store was opened from."""

    def __init__(self, recent: list[str], settings: Any, parent=None) -> None:
        self._settings = settings
        super().__init__(recent, parent)

    def start_folder(self) -> str:
        return remembered_folder(self._settings, OPEN_FOLDER)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open store file", self.start_folder(), STORE_FILE_FILTER)
        if path:
            remember_folder(self._settings, OPEN_FOLDER, path)
            self.target.setCurrentText(path)
