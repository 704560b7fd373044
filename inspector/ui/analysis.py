"""The Analyse window: whole-category questions about the open store, in three tabs.

- **States** (``StatesView``): which streams of a category are in a given state;
- **Compare projectors** (``CompareView``): which streams a projector change would alter;
- **Event types** (``EventTypesView``): the type survey with its schema drift marks.

``Analysing`` is the main window's part that owns it (a mixin, as the window's other parts):
the **Analyse** menu opens it on a tab (Ctrl+Shift+S, Ctrl+Shift+P, Ctrl+Shift+T); it follows
the window's store and projector; a stream picked in it opens in the window at that version,
State tab showing it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from inspector.core.events import category_key
from inspector.ui.compare_view import CompareView
from inspector.ui.runner import TaskRunner
from inspector.ui.states_view import StatesView
from inspector.ui.types_view import EventTypesView

#: The tabs, in order: key, title, shortcut.
VIEWS = (("states", "States", "Ctrl+Shift+S"), ("compare", "Compare projectors", "Ctrl+Shift+P"),
         ("types", "Event types", "Ctrl+Shift+T"))

#: The Analyse window's size on a screen with room for it (width, height in pixels).
PREFERRED_SIZE = (1280, 800)
#: Room kept around the window on a smaller screen, for its frame and title bar (pixels).
FRAME_ROOM = (16, 48)
#: The settings key of the Analyse window's geometry: ``{"x", "y", "width", "height"}`` (pixels,
#: inside its frame, as when not maximised) and ``"maximized"``.
GEOMETRY_KEY = "analysis_geometry"


def fitted_geometry(available: QRect, preferred: tuple[int, int] = PREFERRED_SIZE) -> QRect:
    """The geometry (inside its frame, as ``setGeometry`` takes it) of a window of ``preferred``
    size on a screen whose free area is ``available``: that size, or less so that the window with
    its frame (``FRAME_ROOM``) fits the area, the framed window centred in it."""
    width = max(1, min(preferred[0], available.width() - FRAME_ROOM[0]))
    height = max(1, min(preferred[1], available.height() - FRAME_ROOM[1]))
    side = FRAME_ROOM[0] // 2  # the frame's left, right and bottom edges; the title bar is the rest
    left = available.x() + max(0, (available.width() - width - FRAME_ROOM[0]) // 2) + side
    top = available.y() + max(0, (available.height() - height - FRAME_ROOM[1]) // 2) + FRAME_ROOM[1] - side
    return QRect(left, top, width, height)


def kept_on_screen(geometry: QRect, available: QRect) -> QRect:
    """``geometry`` (inside its frame) moved and, if need be, shrunk so that the window with its
    frame lies within ``available``; unchanged when it does already."""
    fitted = fitted_geometry(available, (geometry.width(), geometry.height()))
    side = FRAME_ROOM[0] // 2
    lowest_left, lowest_top = available.x() + side, available.y() + FRAME_ROOM[1] - side
    highest_left = available.x() + available.width() - side - fitted.width()
    highest_top = available.y() + available.height() - side - fitted.height()
    left = min(max(geometry.x(), lowest_left), max(lowest_left, highest_left))
    top = min(max(geometry.y(), lowest_top), max(lowest_top, highest_top))
    return QRect(left, top, fitted.width(), fitted.height())


class AnalysisWindow(QWidget):
    """A window of its own (the main window's child): States, Compare projectors and Event types."""

    def __init__(self, runner: TaskRunner, settings: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.runner = runner
        self.settings = settings
        self.setWindowTitle("Analyse — Event Stream Inspector")
        self.states_view = StatesView(runner, settings)
        self.compare_view = CompareView(runner, settings)
        self.types_view = EventTypesView(runner, settings)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.states_view, "States")
        self.tabs.addTab(self.compare_view, "Compare projectors")
        self.tabs.addTab(self.types_view, "Event types")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.tabs)
        self.store: Any = None
        # the menu's shortcuts work here too; Escape cancels the current view's run
        for key, _title, shortcut in VIEWS:
            QShortcut(QKeySequence(shortcut), self, lambda k=key: self.show_view(k))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel_current)
        self._place()

    def available_geometry(self) -> QRect:
        """The free area (no panels or docks) of the screen this window opens on: its parent's."""
        parent = self.parentWidget()
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        return screen.availableGeometry()

    def _place(self) -> None:
        """Where it was last and as big (remembered in settings), else 1280x800 or as much as the
        screen has, centred; never off the screen's free area nor bigger than it (a size
        remembered on a larger screen shrinks). Maximised again if it was."""
        available = self.available_geometry()
        saved = self.settings.get(GEOMETRY_KEY) if self.settings is not None else None
        self._maximize = False
        try:
            remembered = QRect(*(int(saved[key]) for key in ("x", "y", "width", "height")))
        except (TypeError, KeyError, ValueError):
            self.setGeometry(fitted_geometry(available))
            return
        self.setGeometry(kept_on_screen(remembered, available))
        self._maximize = saved.get("maximized") is True

    def save_geometry(self) -> None:
        """Remember where the window is and its size (settings), for the next time it opens."""
        if self.settings is None:
            return
        shown = self.normalGeometry() if self.isMaximized() else self.geometry()
        self.settings.set(GEOMETRY_KEY, {"x": shown.x(), "y": shown.y(), "width": shown.width(),
                                         "height": shown.height(), "maximized": self.isMaximized()})

    def remember_inputs(self) -> None:
        """Remember what States and Compare hold in their fields (for the next session)."""
        for view in (self.states_view, self.compare_view):
            view.remember_inputs()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 (Qt naming)
        self.remember_inputs()
        self.save_geometry()
        super().closeEvent(event)

    def cancel_current(self) -> None:
        """Cancel the run of the view on show (Escape)."""
        view = self.tabs.currentWidget()
        if isinstance(view, (StatesView, CompareView, EventTypesView)):
            view.cancel()

    def view(self, key: str) -> QWidget:
        return {"states": self.states_view, "compare": self.compare_view, "types": self.types_view}[key]

    def show_view(self, key: str) -> None:
        self.tabs.setCurrentWidget(self.view(key))
        if self._maximize:  # the first time only: it was maximised when it was last closed
            self._maximize = False
            self.showMaximized()
        self.show()
        self.raise_()
        self.activateWindow()

    def set_store(self, store: Any) -> None:
        """Follow the window's store: every view starts over, with the store's categories."""
        self.store = store
        for view in (self.states_view, self.compare_view, self.types_view):
            view.set_store(store)
        if store is None:
            return

        def done(categories: list[tuple[str, int]], opened: Any = store) -> None:
            if opened is self.store:
                for view in (self.states_view, self.compare_view, self.types_view):
                    view.set_categories(categories)

        def failed(exc: BaseException) -> None:
            self.states_view.status.setText(f"Listing categories failed: {exc}")

        self.runner.submit("analysis-categories", lambda cancel, progress: store.categories(), done, failed,
                           label="Counting categories")

    def prefer_category(self, category: str | None) -> None:
        """The window's selected stream is of ``category``: States and Compare select it, each
        unless the user picked a category there (for this store)."""
        for view in (self.states_view, self.compare_view):
            view.prefer_category(category)

    def set_projectors(self, projectors: Any, choice: Any) -> None:
        """Follow the window's projector (the State tab's choice)."""
        kind = getattr(choice, "kind", "generic")
        label = getattr(projectors, "label", None) or "generic"
        described = choice.describe() if choice is not None else label
        self.states_view.set_projectors(projectors, kind, f"{label} — {described}" if described != label else label)
        if choice is not None:
            self.compare_view.offer_current(kind, choice.target)


class Analysing:
    """Part of ``MainWindow`` (a mixin: ``self`` is the window): the Analyse menu and window."""

    analysis_window: AnalysisWindow | None = None

    def _build_analysis_menu(self) -> None:
        menu_bar = self.menuBar()
        help_action = next((action for action in menu_bar.actions() if action.text().replace("&", "") == "Help"),
                           None)
        from PySide6.QtWidgets import QMenu

        menu = QMenu("&Analyse", self)
        if help_action is not None:
            menu_bar.insertMenu(help_action, menu)
        else:
            menu_bar.addMenu(menu)
        self.analysis_menu = menu
        self.analysis_actions: dict[str, QAction] = {}
        titles = {"states": "&States of a category…", "compare": "&Compare two projectors…",
                  "types": "Event &types and schema drift…"}
        tips = {"states": "Which streams of a category are in a state (replays every stream)",
                "compare": "Which streams would a projector change alter",
                "types": "Every event type with its payload fields over time, and where they drifted"}
        for key, _title, shortcut in VIEWS:
            action = QAction(titles[key], self)
            action.setShortcut(QKeySequence(shortcut))
            action.setToolTip(tips[key])
            action.setStatusTip(tips[key])
            action.triggered.connect(lambda _checked=False, k=key: self.show_analysis(k))
            menu.addAction(action)
            self.analysis_actions[key] = action
        shortcuts = getattr(self, "_shortcuts_first", None)
        if shortcuts is not None:  # the window's shortcuts win over a text field's key bindings
            shortcuts.keys |= {action.shortcut()[0].toCombined() for action in self.analysis_actions.values()}

    def analysis(self) -> AnalysisWindow:
        """The Analyse window (made on first use, following the window's store and projector)."""
        if self.analysis_window is None:
            window = self.analysis_window = AnalysisWindow(self.runner, self.settings, self)
            window.states_view.streamRequested.connect(self.open_stream_at)
            window.states_view.projectorChoiceRequested.connect(self.choose_projector)
            window.compare_view.streamRequested.connect(self.open_stream_at)
            window.set_store(self.store)
            if self.projectors is not None:
                window.set_projectors(self.projectors, self.projector_choice)
        return self.analysis_window

    def show_analysis(self, key: str) -> None:
        """Open the Analyse window on ``key``: ``states``, ``compare`` or ``types``; States and
        Compare take the selected stream's category (unless one was picked there)."""
        window = self.analysis()
        self._prefer_selected_category(window)
        window.show_view(key)

    def _prefer_selected_category(self, window: AnalysisWindow) -> None:
        """Tell States and Compare the selected stream's category: from the stream list when it
        is listed there, else asked of the store off the GUI thread."""
        stream, store = self.current_stream, self.store
        if stream is None or store is None:
            return
        row = self.stream_model.row_of(stream)
        summary = self.stream_model.summary(row) if row is not None else None
        if summary is not None:  # listed without a category: the one ``categories`` names ``(none)``
            window.prefer_category(category_key(summary.category))
            return

        def done(category: str | None) -> None:
            if store is self.store and stream == self.current_stream:
                window.prefer_category(None if category is None else category_key(category))

        self.runner.submit("analysis-stream-category", lambda cancel, progress: store.category(stream), done,
                           lambda exc: None, label="Reading the stream's category")

    def open_stream_at(self, stream: str, version: Any) -> None:
        """Show ``stream`` at ``version`` in the window (the event selected, the State tab showing
        the state there), and bring the window forward."""
        if version is None:
            self.select_stream(stream)
        else:
            self.jump_to_version(stream, int(version))
        self.tabs.setCurrentWidget(self.state_view)
        self.raise_()
        self.activateWindow()

    # --- following the window (cooperative overrides: this part comes first in the bases) --
    def save_window_state(self) -> None:
        """Also the Analyse window's inputs, as their fields hold them (it may never be closed itself)."""
        super().save_window_state()  # type: ignore[misc]
        if self.analysis_window is not None:
            self.analysis_window.remember_inputs()
            if self.analysis_window.isVisible():  # a closed one saved its geometry when it closed
                self.analysis_window.save_geometry()

    def shutdown(self) -> None:
        """End the whole-category worker processes too (a projector stuck in a loop among them)."""
        from inspector.replay import worker

        try:
            super().shutdown()  # type: ignore[misc]
        finally:
            worker.end_category_runs()

    def _on_store_opened(self, *args: Any, **kwargs: Any) -> None:
        super()._on_store_opened(*args, **kwargs)  # type: ignore[misc]
        if self.analysis_window is not None:
            self.analysis_window.set_store(self.store)
            self.analysis_window.set_projectors(self.projectors, self.projector_choice)

    def _set_projectors(self, projectors: Any, choice: Any, reason: str) -> None:
        super()._set_projectors(projectors, choice, reason)  # type: ignore[misc]
        if self.analysis_window is not None:
            self.analysis_window.set_projectors(self.projectors, self.projector_choice)
