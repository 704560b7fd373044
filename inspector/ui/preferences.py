"""Edit › Preferences…: the few settings the inspector really has.

``Preferences`` is a plain value read from and written to the settings file (no Qt);
``PreferencesDialog`` only edits one. The window applies them: the snapshot cache's
checkpoint interval and size limit, the follow-live poll interval and the table's page size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

#: name → (smallest, largest) accepted value; anything else in the file is clamped.
LIMITS = {
    "snapshot_every": (10, 1_000_000),
    "cache_mb": (16, 100_000),
    "poll_ms": (200, 60_000),
    "page_size": (50, 10_000),
}


@dataclass(frozen=True)
class Preferences:
    #: events between two snapshot checkpoints of a replay
    snapshot_every: int = 1000
    #: the snapshot cache's size limit, in MiB (least recently used snapshots go first)
    cache_mb: int = 512
    #: how often Follow live asks the store for new events, in milliseconds
    poll_ms: int = 1000
    #: events read per page of the event table
    page_size: int = 500

    @classmethod
    def load(cls, settings: Any) -> "Preferences":
        """The saved preferences; missing or unusable values fall back to the defaults."""
        saved = settings.get("preferences", {})
        saved = saved if isinstance(saved, dict) else {}
        values: dict[str, int] = {}
        for item in fields(cls):
            value = saved.get(item.name, item.default)
            if isinstance(value, bool) or not isinstance(value, int):
                value = item.default
            low, high = LIMITS[item.name]
            values[item.name] = min(max(value, low), high)
        return cls(**values)

    def save(self, settings: Any) -> None:
        settings.set("preferences", asdict(self))


class PreferencesDialog(QDialog):
    """Edits a ``Preferences``; the window applies the result when it is accepted."""

    #: the user asked to empty the snapshot cache (the window does it on a worker)
    clearCacheRequested = Signal()

    def __init__(self, current: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.every_box = self._spin("snapshot_every", current.snapshot_every, " events",
                                    "A replay keeps a snapshot every this many events, so the next one "
                                    "starts close to where it is asked to stop.")
        self.every_box.setSingleStep(100)
        self.cache_box = self._spin("cache_mb", current.cache_mb, " MiB",
                                    "Snapshots beyond this size are dropped, least recently used first.")
        self.poll_box = self._spin("poll_ms", current.poll_ms, " ms",
                                   "Follow live asks the store for new events this often.")
        self.poll_box.setSingleStep(250)
        self.page_box = self._spin("page_size", current.page_size, " events",
                                   "Events read at a time as the table scrolls (from the next start).")
        self.page_box.setSingleStep(100)
        self.clear_button = QPushButton("Clear snapshot cache")
        self.clear_button.setToolTip("Forget every saved snapshot: replays start from the first event again.")
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.cache_status = QLabel("")
        form = QFormLayout()
        form.addRow("Snapshot every", self.every_box)
        form.addRow("Snapshot cache limit", self.cache_box)
        clear_row = QHBoxLayout()
        clear_row.addWidget(self.clear_button)
        clear_row.addWidget(self.cache_status, 1)
        form.addRow("", clear_row)
        form.addRow("Follow live: poll every", self.poll_box)
        form.addRow("Event table page (next start)", self.page_box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.buttons)

    @staticmethod
    def _spin(name: str, value: int, suffix: str, tip: str) -> QSpinBox:
        spin = QSpinBox()
        low, high = LIMITS[name]
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setGroupSeparatorShown(True)
        spin.setToolTip(tip)
        return spin

    def _on_clear_clicked(self) -> None:
        self.clear_button.setEnabled(False)
        self.cache_status.setText("Clearing…")
        self.clearCacheRequested.emit()

    def show_cache_cleared(self, text: str) -> None:
        self.clear_button.setEnabled(True)
        self.cache_status.setText(text)

    def preferences(self) -> Preferences:
        return Preferences(
            snapshot_every=self.every_box.value(),
            cache_mb=self.cache_box.value(),
            poll_ms=self.poll_box.value(),
            page_size=self.page_box.value(),
        )
