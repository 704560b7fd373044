"""Menus, shortcuts, window state (geometry, splitters), preferences and About.

Owns the QActions, the recent-stores menu and what the window remembers of its own shape.
"""

from __future__ import annotations

import base64

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QSplitter,
    QWidget,
)

from inspector.stores import redact
from inspector.ui.analysis import fitted_geometry
from inspector.ui.preferences import Preferences, PreferencesDialog


class WindowShortcutsFirst(QObject):
    """Lets the window's own shortcuts win over a text field's key bindings.

    On X11 a line edit claims Ctrl+E (end of line) through ``ShortcutOverride``, so Export
    never fired while the filter box had focus. For the window's few shortcuts the
    override is refused before the field sees it; editing keys the window does not use
    (Ctrl+A, Ctrl+C, …) stay with the field.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.keys: set[int] = set()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() != QEvent.Type.ShortcutOverride or not self.keys:
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self._window:
            return False
        if event.keyCombination().toCombined() in self.keys:
            event.ignore()  # not the field's: the shortcut map gets the key
            return True
        return False


class WindowActions:
    """Part of ``MainWindow`` (a mixin: ``self`` is the window)."""

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open store…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.open_store_dialog)
        file_menu.addAction(self.open_action)
        self.open_demo_action = QAction("Open &demo store", self)
        self.open_demo_action.triggered.connect(self.open_demo)
        file_menu.addAction(self.open_demo_action)
        self.recent_menu = file_menu.addMenu("&Recent stores")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.export_action = QAction("&Export slice…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self.export_dialog)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        self.find_action = QAction("&Find stream", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_filter)
        edit_menu.addAction(self.find_action)
        edit_menu.addSeparator()
        self.preferences_action = QAction("&Preferences…", self)
        self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.preferences_action.triggered.connect(self.preferences_dialog)
        edit_menu.addAction(self.preferences_action)

        self.view_menu = self.menuBar().addMenu("&View")
        self.follow_action = QAction("Follow &live", self)
        self.follow_action.setCheckable(True)
        self.follow_action.setShortcut(QKeySequence("Ctrl+L"))
        self.follow_action.setToolTip("Follow live (Ctrl+L): show events as they are written, polling about once a second")
        self.follow_action.toggled.connect(self.set_following)
        self.view_menu.addAction(self.follow_action)
        self.view_menu.addSeparator()
        self.live_button.setDefaultAction(self.follow_action)
        self.follow_action.changed.connect(self._update_live_label)  # the action resets the button's text
        self._update_live_label()
        self.tools_menu = self.menuBar().addMenu("&Tools")
        self.bisect_action = QAction("&Bisect: first version where…", self)
        self.bisect_action.setShortcut(QKeySequence("Ctrl+B"))
        self.bisect_action.triggered.connect(self.bisect_dialog)
        self.tools_menu.addAction(self.bisect_action)
        load_projector = QAction("Load &projector file…", self)
        load_projector.triggered.connect(self.choose_projector_file)
        self.tools_menu.addAction(load_projector)
        for index, name in enumerate(("Event", "State", "Diff", "Audit", "Health")):
            action = QAction(f"Show {name} tab", self)
            action.setShortcut(QKeySequence(f"Alt+{index + 1}"))
            action.triggered.connect(lambda _checked=False, i=index: self.tabs.setCurrentIndex(i))
            self.view_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Event Stream Inspector", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        self._fill_recent_menu()
        self._shortcuts_first = WindowShortcutsFirst(self)
        self._shortcuts_first.keys = {
            action.shortcut()[0].toCombined()
            for action in (self.export_action, self.follow_action, self.bisect_action, self.preferences_action)
            if not action.shortcut().isEmpty()
        }
        QApplication.instance().installEventFilter(self._shortcuts_first)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_stores()
        if not recent:
            empty = self.recent_menu.addAction("No recent stores")
            empty.setEnabled(False)
        for target in recent:
            action = self.recent_menu.addAction(redact(target))
            action.triggered.connect(lambda _checked=False, t=target: self.open_target(t))

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _splitters(self) -> dict[str, QSplitter]:
        return {split.objectName(): split for split in self.findChildren(QSplitter) if split.objectName()}

    def _restore_window_state(self) -> None:
        """Where the window was and as big (remembered), else 1280x800 or as much of the screen's
        free area as fits with its frame (a 1024x700 screen: none of it off-screen), centred."""
        geometry = _saved_bytes(self.settings.get("geometry"))
        # none saved, or a damaged one (not base64, or not a geometry Qt can restore): the default
        if geometry is None or not self.restoreGeometry(QByteArray(geometry)):
            screen = self.screen() or QGuiApplication.primaryScreen()
            if screen is not None:
                self.setGeometry(fitted_geometry(screen.availableGeometry()))
        saved = self.settings.get("splitters", {})
        for name, split in self._splitters().items():
            state = _saved_bytes(saved.get(name) if isinstance(saved, dict) else None)
            if state is not None:
                split.restoreState(QByteArray(state))  # False (and left as it is) for a damaged state

    def save_window_state(self) -> None:
        self.settings.set("geometry", base64.b64encode(bytes(self.saveGeometry())).decode())
        self.settings.set(
            "splitters",
            {name: base64.b64encode(bytes(split.saveState())).decode() for name, split in self._splitters().items()},
        )

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.save_window_state()
        self.shutdown()
        super().closeEvent(event)

    def preferences_dialog(self) -> None:
        """Edit › Preferences…: window-modal; the values apply (and are saved) on OK."""
        dialog = PreferencesDialog(self.preferences, self)
        dialog.accepted.connect(lambda: self.apply_preferences(dialog.preferences()))
        dialog.clearCacheRequested.connect(lambda: self.clear_snapshot_cache(dialog))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        self.preferences_dialog_widget = dialog
        dialog.open()

    def apply_preferences(self, preferences: Preferences) -> None:
        """Save ``preferences`` and use them from now on (the page size from the next start)."""
        self.preferences = preferences
        preferences.save(self.settings)
        if self._cache is not None:
            # Plain attributes the replay reads when it starts and the cache when it stores.
            self._cache.every = preferences.snapshot_every
            self._cache.max_bytes = preferences.cache_mb * 1024 * 1024
        self.follower.interval_ms = preferences.poll_ms
        self.statusBar().showMessage("Preferences saved.", 5000)

    def show_about(self) -> None:
        """Help › About: versions, where settings and the cache live, Clear snapshot cache."""
        from inspector.ui.about import AboutDialog

        dialog = AboutDialog(self)
        dialog.clearCacheRequested.connect(lambda: self.clear_snapshot_cache(dialog))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        self.about_dialog = dialog
        dialog.open()

    def show_error(self, text: str, stream: str | None = None) -> None:
        """Say ``text`` in the error banner; with ``stream``, the message is about that stream:
        not shown once another stream is, and hidden when another one is selected."""
        if self.runner.delivering_connection_loss and self.reconnector.active:
            return  # the connection banner says it, and says when it is back
        if stream is not None and stream != self.current_stream:
            return  # the answer for a stream no longer shown
        self.banner.show_message(text)
        self.banner.about_stream = stream


def _saved_bytes(value: object) -> bytes | None:
    """A remembered base64 value's bytes; None when it is not text or not base64 (a damaged file)."""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error
        return None
