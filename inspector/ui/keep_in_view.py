"""A list's selected row stays in view when the list gets shorter (a window made smaller, a pane
below it taking its room), if it was in view before."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPersistentModelIndex, QTimer
from PySide6.QtWidgets import QAbstractItemView


class CurrentRowKeptInView(QObject):
    """Watches ``view``'s viewport: on a resize, a current row that was (partly) in view before
    is scrolled back whole into view once the view has taken its new height."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Resize:
            view = self._view
            current = view.currentIndex()
            row = view.visualRect(current) if current.isValid() else None
            if row is not None and row.isValid() and row.bottom() >= 0 and row.top() < event.oldSize().height():
                picked = QPersistentModelIndex(current)
                # after the view's own handling of the resize (its scroll range follows it)
                QTimer.singleShot(0, self, lambda: self._keep(picked))
        return False

    def _keep(self, picked: QPersistentModelIndex) -> None:
        current = self._view.currentIndex()
        if picked.isValid() and current.isValid() and picked.row() == current.row():
            self._view.scrollTo(current, QAbstractItemView.ScrollHint.EnsureVisible)
