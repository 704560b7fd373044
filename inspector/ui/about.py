"""Help › About: the app, Qt and PySide6 versions, where settings and the snapshot cache live,
and a button to clear the cache. Also the app's icon and id, used by ``make_app``."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, Signal, qVersion
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector import APP_ID, __version__

APP_NAME = "Event Stream Inspector"

#: The PNG sizes shipped (``inspector/resources/icons/hicolor/NxN/apps``), besides the SVG.
ICON_SIZES = (16, 32, 48, 64, 128, 256)


def resources_dir() -> Path:
    """``inspector/resources`` of the installed package (or of the bundle, which keeps the same layout)."""
    return Path(__file__).resolve().parent.parent / "resources"


def app_icon() -> QIcon:
    """The app icon with every shipped size, so each desktop picks the sharpest."""
    icons = resources_dir() / "icons" / "hicolor"
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
    icon.addFile(str(icons / "scalable" / "apps" / f"{APP_ID}.svg"))
    return icon


def locations() -> dict[str, Path]:
    """Where the app keeps its files: settings, snapshot cache, demo store, sample projectors."""
    from inspector.demo import default_demo_path
    from inspector.replay.cache import default_cache_path
    from inspector.ui.settings import config_dir

    return {
        "Settings": config_dir() / "settings.json",
        "Snapshot cache": default_cache_path(),
        "Demo store": default_demo_path(),
        "Sample projectors": resources_dir() / "projectors",
    }


def versions() -> dict[str, str]:
    """The app's version, then the Qt library's (at run time), PySide6's and Python's."""
    import PySide6

    return {APP_NAME: __version__, "Qt": qVersion(), "PySide6": PySide6.__version__,
            "Python": sys.version.split()[0]}


class AboutDialog(QDialog):
    """Versions, file locations and Clear snapshot cache (``clearCacheRequested``; the window
    clears it on a worker and answers with ``show_cache_cleared``)."""

    clearCacheRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        box = QVBoxLayout(self)
        head = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        title = QLabel(
            f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>A read-only inspector for event stores: browse streams on a timeline, replay "
            "aggregates to any moment, diff state with blame. MIT licence.</p>"
        )
        title.setWordWrap(True)
        head.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(title, 1)
        box.addLayout(head)

        form = QFormLayout()
        self.version_labels: dict[str, QLabel] = {}
        for name, value in versions().items():
            self.version_labels[name] = QLabel(value)
            self.version_labels[name].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow("Version:" if name == APP_NAME else f"{name}:", self.version_labels[name])
        self.location_labels: dict[str, QLabel] = {}
        for name, path in locations().items():
            label = QLabel(str(path))
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setToolTip("Select to copy")
            self.location_labels[name] = label
            form.addRow(f"{name}:", label)
        box.addLayout(form)

        row = QHBoxLayout()
        self.clear_button = QPushButton("Clear snapshot cache")
        self.clear_button.setToolTip("Forget every saved snapshot: replays start from the first event again.")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.cache_status = QLabel("")
        row.addWidget(self.clear_button)
        row.addWidget(self.cache_status, 1)
        box.addLayout(row)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).clicked.connect(self.reject)
        box.addWidget(buttons)

    def _on_clear_clicked(self) -> None:
        self.clear_button.setEnabled(False)
        self.cache_status.setText("Clearing…")
        self.clearCacheRequested.emit()

    def show_cache_cleared(self, text: str) -> None:
        self.clear_button.setEnabled(True)
        self.cache_status.setText(text)
