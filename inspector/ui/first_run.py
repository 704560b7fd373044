"""The first-run hint: a slim strip over the window that says how to open your own store.

Shown until the user dismisses it; the dismissal is kept in the settings file
(``first_run_hint_dismissed``), so it is never shown again after that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

#: The settings key that remembers the dismissal.
DISMISSED_KEY = "first_run_hint_dismissed"

_HOW_TO = (
    "<b>File › Open store</b> (Ctrl+O): a .db, .sqlite or "
    ".jsonl file, or a URL such as <tt>postgresql+psycopg://me@host/db</tt>; <b>File › Recent stores</b> "
    "reopens one. <b>Tools › Load projector file…</b> replays streams with your own code "
    "(Help › About shows where the sample projectors to copy are)."
)


def hint_text(demo: bool | None) -> str:
    """The hint's rich text: ``demo`` True when the store shown is the demo store the window opens
    when started without one, False for a store the user gave, None before any store is open."""
    if demo is None:
        return f"<b>New here?</b> Open a store with {_HOW_TO}"
    if demo:
        return ("<b>New here?</b> The window shows the demo store (a small marketplace with planted faults). "
                f"Open your own with {_HOW_TO}")
    return f"<b>New here?</b> Open another store with {_HOW_TO}"


#: The hint over the demo store (what a start without a store shows).
HINT_TEXT = hint_text(True)


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
        self.label = QLabel(hint_text(None))
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.close_button = QToolButton()
        self.close_button.setText("Got it")
        self.close_button.setToolTip("Hide this hint for good")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self._dismiss)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button)

    def show_store(self, target: str | None) -> None:
        """Word the hint for the store now open: ``target`` as opened (a path or URL), None for none."""
        if target is None:
            self.label.setText(hint_text(None))
            return
        demo = False
        if "://" not in target:
            from inspector.demo import default_demo_path

            try:
                demo = Path(target).resolve() == default_demo_path().resolve()
            except OSError:
                demo = False
        self.label.setText(hint_text(demo))

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
