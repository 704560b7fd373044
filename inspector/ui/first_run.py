"""The first-run hint: a slim strip over the window that says how to open your own store.

Shown until the user dismisses it; the dismissal is kept in the settings file
(``first_run_hint_dismissed``), so it is never shown again after that.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

#: The settings key that remembers the dismissal.
DISMISSED_KEY = "first_run_hint_dismissed"

HINT_TEXT = (
    "<b>New here?</b> Started without a store, the window shows a demo store. Open your own with "
    "<b>File › Open store</b> (Ctrl+O): a .db, .sqlite or "
    ".jsonl file, or a URL such as <tt>postgresql+psycopg://me@host/db</tt>; <b>File › Recent stores</b> "
    "reopens one. <b>Tools › Load projector file…</b> replays streams with your own code "
    "(Help › About shows where the sample projectors to copy are)."
)


class FirstRunHint(QFrame):
    """A dismissible hint strip; ``dismissed`` is emitted once, when the user closes it."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunHint")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#firstRunHint { background: rgba(66, 139, 202, 40); border: 1px solid #428bca; border-radius: 3px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel(HINT_TEXT)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.close_button = QToolButton()
        self.close_button.setText("Got it")
        self.close_button.setToolTip("Hide this hint for good")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self._dismiss)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)

    def _dismiss(self) -> None:
        self.hide()
        self.dismissed.emit()


def first_run_hint(settings: Any, parent: QWidget | None = None) -> FirstRunHint:
    """The hint strip, hidden when ``settings`` (``get``/``set``) says it was dismissed before;
    dismissing it records that in ``settings``."""
    hint = FirstRunHint(parent)
    if settings.get(DISMISSED_KEY):
        hint.hide()
    hint.dismissed.connect(lambda: settings.set(DISMISSED_KEY, True))
    return hint
