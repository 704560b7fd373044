"""The main window and ``run_gui``: a thin Qt skin over the stores and the replay engine.

Every store call and replay goes through ``TaskRunner`` (never on the GUI thread);
each widget only shows what the core returned.
"""

from __future__ import annotations

import base64
import sys
from typing import Any

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import Event
from inspector.stores import EventFilter, open_store, redact
from inspector.ui.models import EventTableModel, ObjectRole, StreamListModel
from inspector.ui.runner import TaskRunner
from inspector.ui.settings import Settings, without_password
from inspector.ui.widgets import ErrorBanner, EventView, OpenStoreDialog, ProgressStrip

APP_NAME = "Event Stream Inspector"
ALL = "__all__"


def app_version() -> str:
    try:
        from importlib.metadata import version

        return version("event-stream-inspector")
    except Exception:  # running from a checkout that was never installed
        return "0.1.0"


def _describe(store: Any) -> Any:
    try:
        return store.describe(counts=False)
    except TypeError:  # adapters whose describe() takes no options
        return store.describe()


class MainWindow(QMainWindow):
    """Streams on the left, events in the centre, details on the right, status below."""

    def __init__(self, target: str | None = None, *, layout: str | None = None, mapping: str | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.runner = TaskRunner(self)
        self.store: Any = None
        self.store_target: str | None = None
        self.store_info: Any = None
        self.current_stream: str | None = None
        self.current_event: Event | None = None
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)

        self._build_browser()
        self._build_events()
        self._build_details()
        self._build_central()
        self._build_status()
        self._build_menus()
        self._restore_window_state()
        if target:
            self.open_target(target, layout=layout, mapping=mapping)

    # --- construction ------------------------------------------------------------------
    def _build_browser(self) -> None:
        self.stream_model = StreamListModel(self.runner, self)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter streams (text or glob: wallet-*)  Ctrl+F")
        self.filter_edit.setClearButtonEnabled(True)
        self.category_box = QComboBox()
        self.category_box.addItem("All categories", ALL)
        self.category_box.setToolTip("Group: show the streams of one category")
        self.streams_view = QTableView()
        self.streams_view.setModel(self.stream_model)
        self.streams_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.streams_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.streams_view.verticalHeader().hide()
        self.streams_view.verticalHeader().setDefaultSectionSize(22)
        self.streams_view.setShowGrid(False)
        self.streams_view.setAlternatingRowColors(True)
        header = self.streams_view.horizontalHeader()
        header.setSectionResizeMode(StreamListModel.STREAM, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(StreamListModel.COUNT, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(StreamListModel.LAST, QHeaderView.ResizeMode.ResizeToContents)
        self.streams_status = QLabel("Open a store: File › Open store (Ctrl+O)")
        self.streams_status.setWordWrap(True)
        self.streams_status.setEnabled(False)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(250)
        self._filter_timer.timeout.connect(self._apply_stream_query)
        self.filter_edit.textChanged.connect(lambda _text: self._filter_timer.start())
        self.category_box.currentIndexChanged.connect(lambda _i: self._apply_stream_query())
        self.streams_view.selectionModel().currentRowChanged.connect(self._on_streams_current_changed)
        self.stream_model.rowsLoaded.connect(self._on_stream_model_rows_loaded)
        self.stream_model.failed.connect(self.show_error)

        self.browser = QWidget()
        box = QVBoxLayout(self.browser)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.filter_edit)
        box.addWidget(self.category_box)
        box.addWidget(self.streams_view, 1)
        box.addWidget(self.streams_status)

    def _build_events(self) -> None:
        self.event_model = EventTableModel(self.runner, self)
        self.events_view = QTableView()
        self.events_view.setModel(self.event_model)
        self.events_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.events_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.events_view.verticalHeader().hide()
        self.events_view.verticalHeader().setDefaultSectionSize(22)
        self.events_view.setShowGrid(False)
        self.events_view.setAlternatingRowColors(True)
        self.events_view.setWordWrap(False)
        header = self.events_view.horizontalHeader()
        for column, width in ((0, 70), (1, 150), (2, 60), (3, 140), (4, 140), (5, 150)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.events_view.selectionModel().currentRowChanged.connect(self._on_events_current_changed)
        self.event_model.rowsLoaded.connect(self._on_event_model_rows_loaded)
        self.event_model.failed.connect(self.show_error)

        self.events_title = QLabel("All events")
        self.events_title.setStyleSheet("font-weight: bold;")
        self.show_all_button = QPushButton("Show all streams")
        self.show_all_button.setToolTip("Stop filtering the table to the selected stream")
        self.show_all_button.clicked.connect(lambda: self.select_stream(None))
        self.show_all_button.hide()
        self.type_box = QComboBox()
        self.type_box.addItem("All types", ALL)
        self.type_box.setMinimumContentsLength(14)
        self.actor_edit = QLineEdit()
        self.actor_edit.setPlaceholderText("Actor")
        self.actor_edit.setClearButtonEnabled(True)
        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText("Search payload and metadata")
        self.text_edit.setClearButtonEnabled(True)
        self._table_filter_timer = QTimer(self)
        self._table_filter_timer.setSingleShot(True)
        self._table_filter_timer.setInterval(300)
        self._table_filter_timer.timeout.connect(self.refresh_events)
        self.type_box.currentIndexChanged.connect(lambda _i: self.refresh_events())
        self.actor_edit.textChanged.connect(lambda _t: self._table_filter_timer.start())
        self.text_edit.textChanged.connect(lambda _t: self._table_filter_timer.start())
        self.region_filter: tuple[Any, Any] | None = None

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.events_title)
        bar.addWidget(self.show_all_button)
        bar.addStretch(1)
        bar.addWidget(self.type_box)
        bar.addWidget(self.actor_edit)
        bar.addWidget(self.text_edit)
        self.events_panel = QWidget()
        box = QVBoxLayout(self.events_panel)
        box.setContentsMargins(4, 2, 4, 2)
        box.addLayout(bar)
        box.addWidget(self.events_view, 1)

    def _build_details(self) -> None:
        self.tabs = QTabWidget()
        self.event_view = EventView()
        self.tabs.addTab(self.event_view, "Event")

    def _build_central(self) -> None:
        self.banner = ErrorBanner()
        self.centre_split = QSplitter(Qt.Orientation.Vertical)
        self.centre_split.setObjectName("centreSplit")
        self.centre_split.addWidget(self.events_panel)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.setObjectName("mainSplit")
        self.main_split.addWidget(self.browser)
        self.main_split.addWidget(self.centre_split)
        self.main_split.addWidget(self.tabs)
        self.main_split.setStretchFactor(0, 0)
        self.main_split.setStretchFactor(1, 3)
        self.main_split.setStretchFactor(2, 2)
        self.main_split.setSizes([300, 620, 360])
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(4, 4, 4, 0)
        box.addWidget(self.banner)
        box.addWidget(self.main_split, 1)
        self.setCentralWidget(central)

    def _build_status(self) -> None:
        status = self.statusBar()
        self.store_label = QLabel("No store open")
        self.layout_label = QLabel("")
        self.readonly_badge = QLabel(" READ-ONLY ")
        self.readonly_badge.setObjectName("readOnlyBadge")
        self.readonly_badge.setStyleSheet(
            "#readOnlyBadge { background: #2e7d32; color: white; font-weight: bold; border-radius: 3px; padding: 0 4px; }"
        )
        self.readonly_badge.setToolTip("The store is opened read-only: nothing the inspector does can change it.")
        self.progress_strip = ProgressStrip()
        self.progress_strip.cancelRequested.connect(self._on_progress_cancel)
        status.addWidget(self.store_label, 1)
        status.addPermanentWidget(self.progress_strip)
        status.addPermanentWidget(self.layout_label)
        status.addPermanentWidget(self.readonly_badge)

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
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        self.find_action = QAction("&Find stream", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_filter)
        edit_menu.addAction(self.find_action)

        self.view_menu = self.menuBar().addMenu("&View")
        self.tools_menu = self.menuBar().addMenu("&Tools")
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Event Stream Inspector", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        self._fill_recent_menu()

    # --- window state ------------------------------------------------------------------
    def _splitters(self) -> dict[str, QSplitter]:
        return {split.objectName(): split for split in self.findChildren(QSplitter) if split.objectName()}

    def _restore_window_state(self) -> None:
        geometry = self.settings.get("geometry")
        if isinstance(geometry, str):
            self.restoreGeometry(QByteArray(base64.b64decode(geometry)))
        saved = self.settings.get("splitters", {})
        for name, split in self._splitters().items():
            state = saved.get(name) if isinstance(saved, dict) else None
            if isinstance(state, str):
                split.restoreState(QByteArray(base64.b64decode(state)))

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

    def shutdown(self) -> None:
        """Stop background work and release the store (idempotent)."""
        self.runner.shutdown()
        if self.store is not None:
            try:
                self.store.close()
            finally:
                self.store = None

    # --- opening stores ----------------------------------------------------------------
    def open_store_dialog(self) -> None:
        dialog = OpenStoreDialog(self.settings.recent_stores(), self)
        if dialog.exec():
            target, layout = dialog.chosen()
            if target:
                self.open_target(target, layout=layout)

    def open_demo(self) -> None:
        def build(cancel, progress):
            from inspector.demo import ensure_demo

            return str(ensure_demo())

        self.runner.submit("open", build, lambda path: self.open_target(path), self._on_open_failed,
                           label="Preparing the demo store")

    def open_target(self, target: str, *, layout: str | None = None, mapping: str | None = None) -> None:
        """Open ``target`` on a worker; the window switches to it when it is ready."""
        shown = redact(target)
        self.store_label.setText(f"Opening {shown}…")

        def work(cancel, progress):
            store = open_store(target, layout=layout, mapping=mapping)
            try:
                info = _describe(store)
                types = store.event_types()
            except Exception:
                store.close()
                raise
            return store, info, types

        self.runner.submit("open", work, lambda result: self._on_store_opened(target, *result),
                           self._on_open_failed, label=f"Opening {shown}")

    def _on_open_failed(self, exc: BaseException) -> None:
        self.store_label.setText("No store open" if self.store is None else redact(self.store_target or ""))
        self.show_error(f"Could not open the store: {exc}")

    def _on_store_opened(self, target: str, store: Any, info: Any, types: list[tuple[str, int]]) -> None:
        old = self.store
        for channel in [task.channel for task in self.runner.running() if task.channel != "open"]:
            self.runner.cancel(channel)
        self.store, self.store_target, self.store_info = store, target, info
        if old is not None:
            old.close()
        self.settings.add_recent_store(target)
        shown = redact(target)
        self.setWindowTitle(f"{shown} — {APP_NAME}")
        self.store_label.setText(f"Store: {shown}")
        self.store_label.setToolTip(shown)
        self.layout_label.setText(f"Layout: {info.layout} ({info.engine})")
        self.readonly_badge.setVisible(bool(info.read_only))
        self.banner.hide()
        self.current_stream = None
        self.current_event = None
        self.event_view.show_event(None)
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItem("All types", ALL)
        for name, count in types:
            from inspector.ui.models import type_icon

            self.type_box.addItem(type_icon(name), f"{name} ({count:,})", name)
        self.type_box.blockSignals(False)
        self.category_box.blockSignals(True)
        self.category_box.clear()
        self.category_box.addItem("All categories", ALL)
        self.category_box.blockSignals(False)
        self.stream_model.set_store(store)
        self.event_model.set_store(store)
        self._apply_stream_query()
        self._update_events_title()
        self.runner.submit("categories", lambda cancel, progress: store.categories(), self._on_categories,
                           lambda exc: self.show_error(f"Listing categories failed: {exc}"),
                           label="Counting categories")
        self.store_opened(store)

    def store_opened(self, store: Any) -> None:
        """Hook for the parts of the window that follow the store (timeline, replay)."""

    def _on_categories(self, categories: list[tuple[str, int]]) -> None:
        current = self.category_box.currentData()
        self.category_box.blockSignals(True)
        self.category_box.clear()
        total = sum(count for _name, count in categories)
        self.category_box.addItem(f"All categories ({total:,} streams)", ALL)
        for name, count in categories:
            self.category_box.addItem(f"{name} ({count:,} streams)", name)
        index = self.category_box.findData(current)
        self.category_box.setCurrentIndex(max(index, 0))
        self.category_box.blockSignals(False)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_stores()
        if not recent:
            empty = self.recent_menu.addAction("No recent stores")
            empty.setEnabled(False)
        for target in recent:
            action = self.recent_menu.addAction(redact(target))
            action.triggered.connect(lambda _checked=False, t=target: self.open_target(t))

    # --- streams -----------------------------------------------------------------------
    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _apply_stream_query(self) -> None:
        category = self.category_box.currentData()
        self.stream_model.set_query(self.filter_edit.text().strip() or None,
                                    None if category in (None, ALL) else category)

    def _on_stream_model_rows_loaded(self) -> None:
        model = self.stream_model
        shown = model.rowCount()
        if self.store is None:
            text = "Open a store: File › Open store (Ctrl+O)"
        elif model.loading and shown == 0:
            text = "Loading streams…"
        elif shown == 0:
            text = "No stream matches the filter." if model.query != (None, None) else "This store holds no streams."
        else:
            more = "" if model.exhausted else "+ (scroll for more)"
            text = f"{shown:,}{more} streams · select one to see its events"
        self.streams_status.setText(text)
        self._reselect_current_stream()

    def _reselect_current_stream(self) -> None:
        if self.current_stream is None:
            return
        row = self.stream_model.row_of(self.current_stream)
        if row is None:
            return
        index = self.stream_model.index(row, 0)
        if self.streams_view.currentIndex().row() != row:
            selection = self.streams_view.selectionModel()
            selection.blockSignals(True)
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                      | QItemSelectionModel.SelectionFlag.Rows)
            selection.blockSignals(False)
            self.streams_view.viewport().update()

    def _on_streams_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        summary = current.data(ObjectRole) if current.isValid() else None
        if summary is not None and summary.stream != self.current_stream:
            self.select_stream(summary.stream)

    def select_stream(self, stream: str | None) -> None:
        """Show ``stream``'s events (None: all streams) and tell every part of the window."""
        if stream == self.current_stream:
            return
        self.current_stream = stream
        if stream is None:
            self.streams_view.selectionModel().clearSelection()
        else:
            self._reselect_current_stream()
        self.refresh_events()
        self.stream_selected(stream)

    def stream_selected(self, stream: str | None) -> None:
        """Hook for the parts of the window that follow the selected stream."""

    # --- events ------------------------------------------------------------------------
    def current_filter(self) -> EventFilter:
        event_type = self.type_box.currentData()
        since, until = self.region_filter or (None, None)
        return EventFilter(
            types=() if event_type in (None, ALL) else (event_type,),
            streams=(self.current_stream,) if self.current_stream else (),
            since=since,
            until=until,
            actor=self.actor_edit.text().strip() or None,
            text=self.text_edit.text().strip() or None,
        )

    def refresh_events(self) -> None:
        if self.store is None:
            return
        self.event_model.set_filter(self.current_filter())
        self._update_events_title()

    def _update_events_title(self) -> None:
        parts = [f"Events of {self.current_stream}" if self.current_stream else "All events"]
        if self.region_filter:
            parts.append("in the timeline region")
        count = self.event_model.rowCount()
        more = "" if self.event_model.exhausted else "+"
        parts.append(f"({count:,}{more})")
        self.events_title.setText(" ".join(parts))
        self.show_all_button.setVisible(self.current_stream is not None)

    def _on_event_model_rows_loaded(self) -> None:
        self._update_events_title()
        if self.current_event is not None:
            row = self.event_model.row_of_position(self.current_event.position)
            if row is not None and self.events_view.currentIndex().row() != row:
                self._set_current_event_row(row)

    def _set_current_event_row(self, row: int) -> None:
        index = self.event_model.index(row, 0)
        selection = self.events_view.selectionModel()
        selection.blockSignals(True)
        selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                  | QItemSelectionModel.SelectionFlag.Rows)
        selection.blockSignals(False)
        self.events_view.scrollTo(index)
        self.events_view.viewport().update()

    def _on_events_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        event = current.data(ObjectRole) if current.isValid() else None
        if event is not None:
            self.select_event(event)

    def select_event(self, event: Event) -> None:
        """Select ``event`` everywhere: stream list, table, details, timeline, state."""
        same = self.current_event is not None and self.current_event.position == event.position
        self.current_event = event
        if event.stream != self.current_stream:
            self.select_stream(event.stream)
        row = self.event_model.row_of_position(event.position)
        if row is not None:
            if self.events_view.currentIndex().row() != row:
                self._set_current_event_row(row)
        else:
            self.event_model.want_position(event.position)
        self.event_view.show_event(event)
        if not same:
            self.event_selected(event)

    def event_selected(self, event: Event) -> None:
        """Hook for the parts of the window that follow the selected event."""

    # --- messages ----------------------------------------------------------------------
    def show_error(self, text: str) -> None:
        self.banner.show_message(text)

    def _on_progress_cancel(self) -> None:
        for channel in ("state", "diff", "bisect"):
            self.runner.cancel(channel)
        self.progress_strip.finish()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<h3>{APP_NAME} {app_version()}</h3>"
            "<p>A read-only inspector for event stores: browse streams on a timeline, "
            "replay aggregates to any moment, diff state with blame.</p>"
            f"<p>Qt {QApplication.instance().applicationVersion() or ''} · Python {sys.version.split()[0]}</p>",
        )


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Fusion style; Fusion follows the system's dark or light palette."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("event-inspector")
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(app_version())
    app.setStyle("Fusion")
    return app


def run_gui(target: str | None, *, layout: str | None = None, mapping: str | None = None) -> int:
    """Open the main window on ``target`` (the demo store when None) and run the event loop."""
    app = make_app()
    if target is None:
        from inspector.demo import ensure_demo

        target = str(ensure_demo())
    window = MainWindow(target, layout=layout, mapping=mapping)
    window.show()
    return app.exec()


__all__ = ["MainWindow", "make_app", "run_gui", "without_password"]
