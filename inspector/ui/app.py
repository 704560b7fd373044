"""The main window and ``run_gui``: a thin Qt skin over the stores and the replay engine.

Every store call and replay goes through ``TaskRunner`` (never on the GUI thread);
each widget only shows what the core returned.
"""

from __future__ import annotations

import base64
import sys
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QFileSystemWatcher, QItemSelectionModel, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QToolButton,
    QApplication,
    QComboBox,
    QFileDialog,
    QInputDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import Event, Moment
from inspector.stores import EventFilter, open_store, redact
from inspector.ui.audit import AuditView
from inspector.ui.live import LiveFollower, Reconnector
from inspector.ui.models import EventTableModel, ObjectRole, StreamListModel, type_icon
from inspector.ui.preferences import Preferences, PreferencesDialog
from inspector.ui.replay_views import DiffView, StateView
from inspector.ui.timeline import TimelineWidget
from inspector.ui.runner import TaskRunner
from inspector.ui.settings import Settings, normalized_target, store_key, without_secrets
from inspector.ui.widgets import ConnectionBanner, ErrorBanner, EventView, OpenStoreDialog, ProgressStrip

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


class MainWindow(QMainWindow):
    """Streams on the left, events in the centre, details on the right, status below."""

    def __init__(self, target: str | None = None, *, layout: str | None = None, mapping: str | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.preferences = Preferences.load(self.settings)
        self.runner = TaskRunner(self)
        self.store: Any = None
        self.store_target: str | None = None
        self.store_info: Any = None
        self.current_stream: str | None = None
        self.current_event: Event | None = None
        self.projectors: Any = None
        self.projector_file: str | None = None
        self.projector_choice: Any = None  # inspector.replay.choices.ProjectorChoice in force
        self.projector_reason = ""
        self.projector_offer: Any = None  # a choice a slice's source used, offered (not loaded)
        self.slice_record: dict[str, Any] | None = None  # the projector an opened slice records
        self.moments: dict[str, Moment | None] = {"A": None, "B": None}
        self._cache: Any = None
        self._state_request: tuple[str, int] | None = None
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)
        self.follower = LiveFollower(self.runner, self, interval_ms=self.preferences.poll_ms)
        self.follower.eventsArrived.connect(self._on_follower_events_arrived)
        self.follower.failed.connect(self.show_error)
        self.live_count = 0
        self.last_export: Any = None
        self.reconnector = Reconnector(self.runner, self)
        self.runner.connectionLost.connect(self.reconnector.on_connection_lost)
        self.reconnector.lost.connect(self._on_reconnector_lost)
        self.reconnector.retrying.connect(self._on_reconnector_retrying)
        self.reconnector.restored.connect(self._on_reconnector_restored)

        self._build_browser()
        self._build_timeline()
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
        self.filter_edit.setToolTip("Streams whose name contains the text, or matches a glob (* any run, ? one "
                                    "character).\nCase-sensitive, on the name as shown, on every store.")
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
        # Names that share a prefix (wallet-…, uuids) differ at the end: keep both ends visible.
        self.streams_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
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
        self._stream_rows_fitted = 0  # rows the count/age columns were last fitted to
        self.stream_model.modelReset.connect(self._on_stream_model_reset)
        self.stream_model.loadingChanged.connect(self._on_stream_model_loading_changed)
        self.stream_model.failed.connect(self._on_stream_model_failed)
        self._streams_failed = False

        self.browser = QWidget()
        self.browser.setMinimumWidth(230)  # a narrow window squeezes the centre, not the names
        box = QVBoxLayout(self.browser)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.filter_edit)
        box.addWidget(self.category_box)
        box.addWidget(self.streams_view, 1)
        box.addWidget(self.streams_status)

    def _build_timeline(self) -> None:
        self.timeline = TimelineWidget(self.runner)
        self.timeline.eventClicked.connect(self.select_event)
        self.timeline.regionChanged.connect(self._on_timeline_region_changed)
        self.timeline.cursorRequested.connect(self._on_timeline_cursor_requested)
        self.timeline.cursorMoved.connect(self._on_timeline_cursor_moved)
        self.timeline.failed.connect(self.show_error)

    def _build_events(self) -> None:
        self.event_model = EventTableModel(self.runner, self, page_size=self.preferences.page_size)
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
        # The actor column fits a support address such as support:ines@example.com.
        for column, width in ((0, 58), (1, 124), (2, 56), (3, 132), (4, 136), (5, 172)):
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

        # Title and filters on two rows: with a stream's name in the title, one row squeezed
        # the actor and text boxes to nothing at the default window size.
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.events_title)
        bar.addWidget(self.show_all_button)
        bar.addStretch(1)
        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.type_box)
        filters.addWidget(self.actor_edit, 2)
        filters.addWidget(self.text_edit, 3)
        self.actor_edit.setMinimumWidth(100)
        self.text_edit.setMinimumWidth(140)
        self.events_panel = QWidget()
        box = QVBoxLayout(self.events_panel)
        box.setContentsMargins(4, 2, 4, 2)
        box.setSpacing(3)
        box.addLayout(bar)
        box.addLayout(filters)
        box.addWidget(self.events_view, 1)

    def _build_details(self) -> None:
        self.tabs = QTabWidget()
        self.event_view = EventView()
        self.state_view = StateView()
        self.diff_view = DiffView()
        self.tabs.addTab(self.event_view, "Event")
        self.tabs.addTab(self.state_view, "State")
        self.tabs.addTab(self.diff_view, "Diff")
        self.audit_view = AuditView(self.runner)
        self.tabs.addTab(self.audit_view, "Audit")
        self.audit_view.eventActivated.connect(self.select_event)
        self.audit_view.message.connect(lambda text: self.statusBar().showMessage(text, 20000))
        self.audit_view.failed.connect(self.show_error)
        from inspector.ui.health import HealthView

        self.health_view = HealthView()
        self.tabs.addTab(self.health_view, "Health")
        self.health_view.checkRequested.connect(self.run_check)
        self.health_view.findingActivated.connect(self.jump_to_version)
        self.health_view.streamActivated.connect(self.select_stream)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.state_view.versionRequested.connect(self._on_state_version_requested)
        bar = self.state_view.projector_bar
        bar.loadRequested.connect(self.choose_projector_file)
        bar.choiceRequested.connect(self.choose_projector)
        bar.reloadRequested.connect(self.reload_projectors)
        bar.resetRequested.connect(lambda: self.set_projector_choice(None))
        bar.offerAccepted.connect(self._accept_projector_offer)
        self.diff_view.eventRequested.connect(self.jump_to_version)
        self.projector_watcher = QFileSystemWatcher(self)
        self.projector_watcher.fileChanged.connect(self._on_projector_file_changed)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(300)
        self._reload_timer.timeout.connect(self.reload_projectors)
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(250)
        self._progress_timer.timeout.connect(self._show_progress_strip)
        self._progress_text = ""

    def _build_central(self) -> None:
        self.banner = ErrorBanner()
        self.connection_banner = ConnectionBanner()
        self.connection_banner.retryRequested.connect(self.reconnector.probe)
        self.centre_split = QSplitter(Qt.Orientation.Vertical)
        self.centre_split.setObjectName("centreSplit")
        self.centre_split.addWidget(self.timeline)
        self.centre_split.addWidget(self.events_panel)
        self.centre_split.setStretchFactor(0, 3)
        self.centre_split.setStretchFactor(1, 2)
        self.centre_split.setSizes([430, 300])
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.setObjectName("mainSplit")
        self.main_split.addWidget(self.browser)
        self.main_split.addWidget(self.centre_split)
        self.main_split.addWidget(self.tabs)
        self.main_split.setStretchFactor(0, 0)
        self.main_split.setStretchFactor(1, 3)
        self.main_split.setStretchFactor(2, 2)
        browser = self._browser_width()
        self.main_split.setSizes([browser, 905 - browser, 375])
        central = QWidget()
        box = QVBoxLayout(central)
        box.setContentsMargins(4, 4, 4, 0)
        from inspector.ui.first_run import first_run_hint

        self.first_run_hint = first_run_hint(self.settings)
        box.addWidget(self.first_run_hint)
        box.addWidget(self.connection_banner)
        box.addWidget(self.banner)
        box.addWidget(self.main_split, 1)
        self.setCentralWidget(central)

    def _browser_width(self) -> int:
        """Wide enough for a 20-character stream name (acl-project-133e6153), its count and age."""
        from PySide6.QtGui import QFontMetrics

        from inspector.ui.models import _monospace

        view = self.streams_view
        names = QFontMetrics(_monospace()).horizontalAdvance("acl-project-133e6153") + 10
        text = view.fontMetrics()
        counts = max(text.horizontalAdvance("Events"), text.horizontalAdvance("99,999")) + 14
        ages = max(text.horizontalAdvance("Last"), text.horizontalAdvance("116 d ago")) + 14
        scrollbar = view.verticalScrollBar().sizeHint().width()
        return max(265, min(360, names + counts + ages + scrollbar + 2 * view.frameWidth() + 10))

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
        self.live_label = QLabel("")
        self.live_label.hide()
        self.live_button = QToolButton()
        self.live_button.setAutoRaise(True)
        status.addWidget(self.store_label, 1)
        status.addPermanentWidget(self.progress_strip)
        status.addPermanentWidget(self.live_label)
        status.addPermanentWidget(self.live_button)
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
        self.live_button.setText("● Live")
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
        QApplication.instance().removeEventFilter(self._shortcuts_first)
        self.runner.shutdown()
        if self._cache is not None:
            self._cache.close()
            self._cache = None
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
        # One spelling per store (absolute, resolved path): the recent entry, the remembered
        # projector and the audit/export paths must not depend on the working directory.
        target = normalized_target(target)
        shown = redact(target)
        self.store_label.setText(f"Opening {shown}…")

        def work(cancel, progress):
            store = open_store(target, layout=layout, mapping=mapping)
            try:
                info = _describe(store)
                latest = store.latest_position()
            except Exception:
                store.close()
                raise
            loaded = self._load_projectors(store, target)
            return store, info, latest, loaded

        self.runner.submit("open", work, lambda result: self._on_store_opened(target, *result),
                           self._on_open_failed, label=f"Opening {shown}")

    def _on_open_failed(self, exc: BaseException) -> None:
        self.store_label.setText("No store open" if self.store is None else redact(self.store_target or ""))
        self.show_error(f"Could not open the store: {exc}")

    def _on_store_opened(self, target: str, store: Any, info: Any, latest: int | None, loaded: Any) -> None:
        """Show the new store at once: its streams and timeline first; the type counts and the
        time range (store-wide aggregates, seconds on a big store) fill in when they arrive."""
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
        self.readonly_badge.setText(" READ-ONLY · role could write " if getattr(info, "role_can_write", None) else " READ-ONLY ")
        self.banner.hide()
        self.connection_banner.hide()
        self.reconnector.set_store(store)
        # Live events start after the last one that existed when the store was opened, so
        # nothing written while the first pages load is missed (the table drops repeats).
        engine = str(getattr(info, "engine", ""))
        lookback = 0 if engine in ("sqlite", "jsonl") else 50  # sequences can commit out of order
        self.follower.set_store(store, latest, lookback=lookback)
        self.live_count = 0
        self._update_live_label()
        self.current_stream = None
        self.current_event = None
        self.event_view.show_event(None)
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItem("All types (counting…)", ALL)
        self.type_box.blockSignals(False)
        self.category_box.blockSignals(True)
        self.category_box.clear()
        self.category_box.addItem("All categories", ALL)
        self.category_box.blockSignals(False)
        self.stream_model.set_store(store)
        self.event_model.set_store(store)
        self.audit_view.set_store(store, None if "://" in target else target)
        self._apply_stream_query()
        self._update_events_title()
        self.runner.submit("categories", lambda cancel, progress: store.categories(), self._on_categories,
                           lambda exc: self.show_error(f"Listing categories failed: {exc}"),
                           label="Counting categories")
        self.moments = {"A": None, "B": None}
        self.timeline.set_store(store, None, None, [])
        self.runner.submit("store-types", lambda cancel, progress: store.event_types(),
                           lambda types, opened=store: self._on_event_types(opened, types),
                           lambda exc: self.show_error(f"Counting event types failed: {exc}"),
                           label="Counting event types")
        self.runner.submit("store-span", lambda cancel, progress: store.time_range(),
                           lambda span, opened=store: self._on_time_range(opened, span),
                           lambda exc: self.show_error(f"Reading the time range failed: {exc}"),
                           label="Reading the time range")
        self.state_view.set_stream(None, None, None)
        self.health_view.clear()
        self.tabs.setTabText(self.tabs.indexOf(self.health_view), "Health")
        self.state_view.snapshot_owner = {"eventsourcing": "the eventsourcing library", "axon": "Axon",
                                          "marten": "Marten"}.get(getattr(store, "layout_name", ""))
        self.diff_view.show_moments(None, None, None)
        # A remembered choice that fails to load stays remembered (it may be fixed by the next
        # session) but is not named as the projector in use: the default one is.
        projectors, choice, reason, problem, record, offer = loaded
        self.slice_record = record
        self._set_projectors(projectors, choice, reason)
        self._offer_projector(offer)
        if problem:
            self.show_error(problem)

    def _on_event_types(self, opened: Any, types: list[tuple[str, int]]) -> None:
        if opened is not self.store:
            return  # another store was opened meanwhile
        current = self.type_box.currentData()
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItem("All types", ALL)
        for name, count in types:
            self.type_box.addItem(type_icon(name), f"{name} ({count:,})", name)
        self.type_box.setCurrentIndex(max(self.type_box.findData(current), 0))
        self.type_box.blockSignals(False)
        self.timeline.set_legend([name for name, _count in types])

    def _on_time_range(self, opened: Any, span: tuple[Any, Any]) -> None:
        if opened is not self.store:
            return
        self.timeline.set_range(span[0], span[1])

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

    def _on_stream_model_loading_changed(self, loading: bool) -> None:
        if loading:
            self._streams_failed = False
        self._update_streams_status()

    def _on_stream_model_failed(self, message: str) -> None:
        self._streams_failed = True
        self._update_streams_status()
        self.show_error(message)

    def _update_streams_status(self) -> None:
        model = self.stream_model
        shown = model.rowCount()
        if self.store is None:
            text = "Open a store: File › Open store (Ctrl+O)"
        elif shown == 0 and self._streams_failed:
            text = "Listing streams failed (see the message above)."
        elif shown == 0 and (model.loading or not model.exhausted):
            # A new query empties the list before its first page is asked for: until a
            # fetch has finished, "no stream matches" would be a guess.
            text = "Loading streams…"
        elif shown == 0:
            text = "No stream matches the filter." if model.query != (None, None) else "This store holds no streams."
        else:
            more = "" if model.exhausted else "+ (scroll for more)"
            text = f"{shown:,}{more} streams · select one to see its events"
        self.streams_status.setText(text)

    def _on_stream_model_reset(self) -> None:
        self._stream_rows_fitted = 0

    def _on_stream_model_rows_loaded(self) -> None:
        model = self.stream_model
        shown = model.rowCount()
        self._update_streams_status()
        fitted = self._stream_rows_fitted
        if shown and (fitted == 0 or shown - fitted >= 100):
            # ResizeToContents columns shrink to their headers when a new query empties the
            # list and do not grow again on their own when its rows arrive. Fitting asks the
            # model about many rows, so it runs when a query's first rows or a new page arrive,
            # not on every live batch into a long list.
            header = self.streams_view.horizontalHeader()
            for column in (StreamListModel.COUNT, StreamListModel.LAST):
                header.resizeSection(column, max(header.sectionSizeHint(column),
                                                 self.streams_view.sizeHintForColumn(column)))
            self._stream_rows_fitted = shown
        self._reselect_current_stream()
        self.timeline.set_streams([summary.stream for summary in model.summaries()])

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
        if stream is not None and self.current_event is not None and self.current_event.stream != stream:
            # Another stream: the event shown belongs to the old one (select_event sets its
            # event before it gets here, so an event of the new stream is kept).
            self.current_event = None
            self.event_view.show_event(None)
            self.timeline.set_selected_event(None)
        for name, moment in self.moments.items():
            if moment is not None and moment.version is not None:
                # a version belongs to the stream it was set on; an instant holds for any stream
                self.moments[name] = None
                self.timeline.place_cursor(name, None)
        if stream is None:
            self.streams_view.selectionModel().clearSelection()
        else:
            self._reselect_current_stream()
        self.refresh_events()
        self.timeline.set_selected_stream(stream)
        summary = None
        if stream is not None:
            row = self.stream_model.row_of(stream)
            summary = self.stream_model.summary(row) if row is not None else None
        if summary is not None:
            self.state_view.set_stream(stream, summary.first_version, summary.last_version)
        else:
            self.state_view.set_stream(stream, None, None)
        if stream is not None and (self.current_event is None or self.current_event.stream != stream):
            if summary is not None and summary.last_version is not None:
                self.request_state(stream, summary.last_version)
        self.request_diff()

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
        # One stream's table does not repeat the stream's name on every row, and its versions
        # order it, so the global position gives its width to the summary (the Event tab has it).
        self.events_view.setColumnHidden(EventTableModel.STREAM, self.current_stream is not None)
        self.events_view.setColumnHidden(EventTableModel.POSITION, self.current_stream is not None)

    def _update_events_title(self) -> None:
        parts = [f"Events of {self.current_stream}" if self.current_stream else "All events"]
        if self.region_filter:
            parts.append("in the timeline region")
        count = self.event_model.rowCount()
        more = "" if self.event_model.exhausted else "+"
        parts.append(f"({count:,}{more})")
        if self.event_model.starts_after is not None and count:
            # A jump to a far event loaded the rows around it, not everything before it.
            first = self.event_model.event_at(0)
            where = f"v{first.version}" if self.current_stream and first.version is not None else f"position {first.position:,}"
            parts.append(f"from {where}, earlier events not loaded")
        self.events_title.setText(" ".join(parts))
        self.show_all_button.setVisible(self.current_stream is not None)

    def _on_tabs_current_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.audit_view:
            self.audit_view.offer_actors(self.event_model.events())

    def _on_event_model_rows_loaded(self) -> None:
        self._update_events_title()
        if self.tabs.currentWidget() is self.audit_view:
            self.audit_view.offer_actors(self.event_model.events())
        if self.current_event is not None:
            row = self.event_model.row_of_position(self.current_event.position)
            if row is not None and self.events_view.currentIndex().row() != row:
                self._set_current_event_row(row)

    def _set_current_event_row(self, row: int) -> None:
        # A visible column: scrollTo ignores an index in a hidden one (position, for one stream).
        index = self.event_model.index(row, EventTableModel.TYPE)
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
        self.timeline.set_selected_event(event)
        if not same and event.version is not None:
            self.state_view.set_version(event.version)
            if self.state_view.version != event.version:
                self.request_state(event.stream, event.version)

    def jump_to_version(self, stream: str, version: int) -> None:
        """Find the event at ``stream`` v``version`` and select it everywhere."""
        store = self.store
        if store is None:
            return

        def work(cancel, progress):
            return next(iter(store.read_stream(stream, from_version=version, to_version=version, limit=1,
                                               cancel=cancel)), None)

        def done(event: Event | None) -> None:
            if event is None:
                self.show_error(f"{stream} has no event at v{version}.")
            else:
                self.select_event(event)

        self.runner.submit("jump", work, done, lambda exc: self.show_error(f"Reading {stream} v{version} failed: {exc}"))

    # --- timeline ------------------------------------------------------------------------
    def _on_timeline_region_changed(self, region: Any) -> None:
        self.region_filter = region
        self.refresh_events()

    def _on_timeline_cursor_requested(self, name: str) -> None:
        event = self.current_event
        if event is None or event.version is None:
            self.show_error(f"Select an event first: cursor {name} is placed on the selected event.")
            return
        self.set_cursor(name, Moment(version=event.version), event.recorded_at)

    def _on_timeline_cursor_moved(self, name: str, when: Any) -> None:
        self.set_cursor(name, Moment(at=when), when)

    def set_cursor(self, name: str, moment: Moment | None, when: Any = None) -> None:
        """Set diff moment ``name`` ("A" or "B") and show its cursor on the timeline."""
        self.moments[name] = moment
        self.timeline.place_cursor(name, when if moment is not None else None)
        self.request_diff()

    # --- replay --------------------------------------------------------------------------
    def _load_projectors(self, store: Any, target: str) -> tuple[Any, Any, str, str | None, Any, Any]:
        """Projectors for ``store`` opened as ``target`` (runs on a worker): the remembered choice,
        the one a slice records, the demo's, or the generic one; a choice that fails to load falls
        back to the default. Returns (projectors, choice, reason, problem, slice record, offer)."""
        from inspector.export.provenance import recorded_projector
        from inspector.replay.choices import default_choice, offered_choice

        record = recorded_projector(store.source_file())
        source = record.get("source") if record else None
        offer = offered_choice(record, self.settings.projector_choice_for(source) if isinstance(source, str) else None)
        remembered = self.settings.projector_choice_for(target)
        choice, reason = default_choice(store, remembered, record)
        try:
            return choice.load(store), choice, reason, None, record, offer
        except Exception as exc:  # the user's code: say what is wrong, keep working
            problem = f"Projector {choice.describe()} could not be loaded: {exc}"
            fallback, why = default_choice(store, None, record)
            return fallback.load(store), fallback, f"{why} ({choice.describe()} failed to load)", problem, record, offer

    def _snapshot_cache(self) -> Any:
        if self._cache is None:
            from inspector.replay import SnapshotCache

            self._cache = SnapshotCache(every=self.preferences.snapshot_every,
                                        max_bytes=self.preferences.cache_mb * 1024 * 1024)
        return self._cache

    # --- preferences -----------------------------------------------------------------------
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

    def clear_snapshot_cache(self, dialog: PreferencesDialog | None = None) -> None:
        """Forget every saved snapshot, on a worker (the cache file may be large)."""
        cache = self._snapshot_cache()

        def done(_result: Any) -> None:
            self.statusBar().showMessage("Snapshot cache cleared.", 8000)
            if dialog is not None and dialog.isVisible():
                dialog.show_cache_cleared("Cleared.")

        def failed(exc: BaseException) -> None:
            self.show_error(f"Clearing the snapshot cache failed: {exc}")
            if dialog is not None and dialog.isVisible():
                dialog.show_cache_cleared("Not cleared.")

        self.runner.submit("cache-clear", lambda cancel, progress: cache.clear(), done, failed,
                           label="Clearing the snapshot cache")

    def _set_projectors(self, projectors: Any, choice: Any, reason: str) -> None:
        from inspector.replay.choices import ProjectorChoice

        choice = choice or ProjectorChoice("generic")
        self.projectors = projectors
        self.projector_choice = choice
        self.projector_reason = reason
        old = self.projector_watcher.files()
        if old:
            self.projector_watcher.removePaths(old)
        source = choice.target if choice.kind in ("file", "native") else None
        self.projector_file = choice.target if choice.kind == "file" else None
        if self.projector_file:
            self.projector_watcher.addPath(self.projector_file)
        label = getattr(projectors, "label", None) or ", ".join(getattr(projectors, "names", []) or ["generic"])
        remembered = self.store_target is not None and self.settings.projector_choice_for(self.store_target) is not None
        self.state_view.projector_bar.show_choice(choice.kind, label, source, reason, choice.explanation(self.store),
                                                  remembered=remembered)
        if self.projector_offer is not None and self.projector_offer == choice:
            self._offer_projector(None)
        if getattr(projectors, "isolated", False):
            from inspector.replay import worker

            worker.prestart()  # user code replays in a worker process: have one ready

    def _offer_projector(self, offer: Any) -> None:
        self.projector_offer = offer
        bar = self.state_view.projector_bar
        if offer is None or offer == self.projector_choice:
            bar.offer(None)
        else:
            bar.offer(f"Use {offer.describe()}: the projector of this slice's source store")

    def _accept_projector_offer(self) -> None:
        if self.projector_offer is not None:
            self.set_projector_choice(self.projector_offer)

    def choose_projector(self, kind: str) -> None:
        """Switch to a projector kind: a folder is asked for native eventsourcing, a file for a file."""
        from inspector.replay.choices import ProjectorChoice

        if kind == "file":
            self.choose_projector_file()
        elif kind == "native":
            start = (self.projector_choice.target if self.projector_choice is not None
                     and self.projector_choice.kind == "native" else None) or self._store_folder()
            folder = QFileDialog.getExistingDirectory(
                self, "Folder with your eventsourcing application's code (on the import path)", start)
            if folder:
                self.set_projector_choice(ProjectorChoice("native", folder))
        else:
            self.set_projector_choice(ProjectorChoice(kind))

    def _store_folder(self) -> str:
        from pathlib import Path

        target = self.store_target or ""
        return str(Path(target).parent) if target and "://" not in target else ""

    def choose_projector_file(self) -> None:
        start = self.projector_file or self._store_folder()
        path, _ = QFileDialog.getOpenFileName(self, "Load projector file", start, "Python files (*.py);;All files (*)")
        if path:
            self.set_projector_file(path)

    def set_projector_file(self, path: str | None) -> None:
        """Use the projector file at ``path`` (None: the default), remembered for this store
        once it has loaded: a broken file leaves the previous projector active and remembered."""
        from inspector.replay.choices import ProjectorChoice

        self.set_projector_choice(ProjectorChoice("file", path) if path else None)

    def set_projector_choice(self, choice: Any) -> None:
        """Use ``choice`` (a ProjectorChoice; None forgets the store's choice and uses the default),
        remembered for this store once it has loaded."""
        self._load_projectors_from(choice, chosen=True)

    def reload_projectors(self) -> None:
        """Load the current projector again (its file changed on disk, or Reload was asked)."""
        self._load_projectors_from(self.projector_choice, chosen=False)

    def _load_projectors_from(self, choice: Any, *, chosen: bool) -> None:
        store, target, record = self.store, self.store_target, self.slice_record
        if store is None:
            return

        def work(cancel, progress):
            from inspector.replay.choices import default_choice

            if choice is None:
                picked, reason = default_choice(store, None, record)
            else:
                picked, reason = choice, ("chosen in the window" if chosen else self.projector_reason)
            return picked.load(store), picked, reason

        def done(outcome: Any) -> None:
            projectors, picked, reason = outcome
            if chosen and target is not None:
                self.settings.set_projector_for(target, None if choice is None else choice.to_setting())
            self._set_projectors(projectors, picked, reason)
            self.banner.hide()
            self._replay_again()

        def failed(exc: BaseException) -> None:
            what = choice.describe() if choice is not None else "the default projector"
            if chosen:
                current = self.projector_choice.describe() if self.projector_choice is not None else "the default"
                self.show_error(f"Projector {what} could not be loaded: {exc}. Still using {current}.")
                return
            self.show_error(f"Projector {what} could not be loaded: {exc}")
            spec = self.projector_file
            if spec and spec not in self.projector_watcher.files():
                self.projector_watcher.addPath(spec)  # editors replace files: keep watching for the fix

        self.runner.submit("projector", work, done, failed, label="Loading projectors")

    def _on_projector_file_changed(self, path: str) -> None:
        # Editors often replace the file: watch the new one too.
        if path not in self.projector_watcher.files():
            QTimer.singleShot(100, lambda: self.projector_watcher.addPath(path))
        self._reload_timer.start()

    def _replay_again(self) -> None:
        stream = self.state_view.stream
        if stream is not None:
            self.state_view.version = None
            self.request_state(stream, self.state_view.scrub_version())
        self.request_diff()

    def _on_state_version_requested(self, version: int) -> None:
        stream = self.state_view.stream
        if stream is not None:
            self.request_state(stream, version, select=True)

    def request_state(self, stream: str, version: int, *, select: bool = False) -> None:
        """Replay ``stream`` to ``version`` on a worker; show it in the State tab (latest wins)."""
        store, projectors = self.store, self.projectors
        if store is None or projectors is None:
            return
        cache = self._snapshot_cache()
        self._state_request = (stream, version)
        self.state_view.show_working(stream, version)

        def work(cancel, progress):
            from inspector.replay.change import event_change  # user projectors: in a process Cancel stops

            change = event_change(store, stream, version, projectors=projectors, cache=cache, cancel=cancel,
                                  progress=progress)
            return change.after, change.changes

        def done(outcome: tuple[Any, list[Any]]) -> None:
            self._end_progress()
            result, changes = outcome
            self.state_view.show_result(result, changes)
            if result.stopped is not None:
                self.show_error(f"The projector stopped replaying {stream} at v{result.stopped.version} "
                                f"({result.stopped.type}): {result.stopped.error}. The state shown is the one just before it.")
            elif result.problem:
                self.show_error(f"Replay of {stream} to v{version}: {result.problem}")
            last = result.last_event
            if select and last is not None and last.version == result.version and last.stream == stream:
                self.select_event(last)

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.state_view.show_failed(f"Replay failed: {exc}")
            self.show_error(f"Replay of {stream} to v{version} failed: {exc}")

        self._begin_progress("state", f"Replaying {stream} to v{version}")
        self.runner.submit("state", work, done, failed, label=f"Replaying {stream}",
                           on_progress=self.progress_strip.update_progress)

    def request_diff(self) -> None:
        """Compare the selected stream at A and B on a worker; show it in the Diff tab."""
        a, b, stream = self.moments["A"], self.moments["B"], self.current_stream
        self.diff_view.show_moments(stream, a, b)
        store, projectors = self.store, self.projectors
        if a is None or b is None or stream is None or store is None or projectors is None:
            self.runner.cancel("diff")
            return
        cache = self._snapshot_cache()
        self.diff_view.show_working()

        def work(cancel, progress):
            from inspector.replay.worker import diff  # user projectors: in a process Cancel stops

            return diff(store, stream, a, b, projectors=projectors, cache=cache, cancel=cancel, progress=progress)

        def done(result: Any) -> None:
            self._end_progress()
            self.diff_view.show_diff(result)
            if result.problem:
                self.show_error(f"Diff of {stream} from {a} to {b}: {result.problem}")

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.diff_view.show_failed(f"Diff failed: {exc}")
            self.show_error(f"Diff of {stream} from {a} to {b} failed: {exc}")

        self._begin_progress("diff", f"Comparing {stream} {a} → {b}")
        self.runner.submit("diff", work, done, failed, label=f"Comparing {stream}",
                           on_progress=self.progress_strip.update_progress)

    def bisect_dialog(self) -> None:
        stream = self.current_stream
        if stream is None:
            self.show_error("Select a stream first: bisect searches one stream's versions.")
            return
        expression, ok = QInputDialog.getText(
            self, "Bisect", f"First version of {stream} where this holds (Python, sees state and event):",
            text=self.settings.get("last_bisect", 'state["credits"] < 0'))
        if ok and expression.strip():
            self.settings.set("last_bisect", expression.strip())
            self.run_bisect(stream, expression.strip())

    def run_bisect(self, stream: str, expression: str) -> None:
        """Find the first version where ``expression`` holds and select that event."""
        store, projectors = self.store, self.projectors
        if store is None or projectors is None:
            return
        cache = self._snapshot_cache()

        def work(cancel, progress):
            from inspector.replay.worker import bisect  # user projectors: in a process Cancel stops

            return bisect(store, stream, expression, projectors=projectors, cache=cache, cancel=cancel,
                          progress=progress)

        def done(result: Any) -> None:
            self._end_progress()
            if result.problem:
                self.show_error(f"Bisect of {stream} for {expression}: {result.problem}")
            elif not result.found:
                self.show_error(f"{expression} never holds in {stream} (checked {result.probes} versions).")
            elif result.event is not None:
                self.statusBar().showMessage(f"{expression} first holds at {stream} v{result.version}", 8000)
                self.select_event(result.event)
                self.tabs.setCurrentWidget(self.state_view)

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.show_error(f"Bisect of {stream} for {expression} failed: {exc}")

        self._begin_progress("bisect", f"Bisecting {stream}")
        self.runner.submit("bisect", work, done, failed, label=f"Bisecting {stream}",
                           on_progress=self.progress_strip.update_progress)

    # --- health ----------------------------------------------------------------------------
    def run_check(self, listed: bool = False) -> None:
        """The ``check`` findings of the store (``listed``: of the streams the list shows), in the Health tab."""
        from inspector.core.health import CheckReport, check_store

        store = self.store
        if store is None:
            self.show_error("Open a store first: File › Open store (Ctrl+O).")
            return
        streams = ([self.stream_model.summary(row).stream for row in range(self.stream_model.rowCount())]
                   if listed else None)

        def work(cancel, progress):
            if streams is None:
                return check_store(store, cancel=cancel, progress=progress)
            report = CheckReport()
            for count, name in enumerate(streams, start=1):
                report.findings.extend(check_store(store, stream=name, cancel=cancel).findings)
                report.streams_checked += 1
                progress(count, len(streams))
            return report

        def done(report: Any) -> None:
            self._end_progress()
            self.health_view.show_report(report, listed)
            count = len(report.findings)
            self.tabs.setTabText(self.tabs.indexOf(self.health_view), f"Health ({count})" if count else "Health")

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.health_view.show_failed(f"Check failed: {exc}")
            self.show_error(f"Checking the store failed: {exc}")

        self.health_view.show_working(listed)
        self._begin_progress("check", "Checking streams")
        self.runner.submit("check", work, done, failed, label="Checking streams",
                           on_progress=self.progress_strip.update_progress)

    # --- progress ------------------------------------------------------------------------
    def _begin_progress(self, channel: str, text: str) -> None:
        # Shown only for work that takes a moment: quick replays do not flash a bar.
        self._progress_channel = channel
        self._progress_text = text
        self._progress_timer.start()

    def _show_progress_strip(self) -> None:
        if self.runner.busy(getattr(self, "_progress_channel", "")):
            self.progress_strip.start(self._progress_text)

    def _end_progress(self) -> None:
        if not any(self.runner.busy(channel) for channel in ("state", "diff", "bisect", "export", "check")):
            self._progress_timer.stop()
            self.progress_strip.finish()

    # --- export ------------------------------------------------------------------------
    def export_dialog(self) -> None:
        """File › Export slice…: the dialog opens prefilled; the export runs in the background."""
        from pathlib import Path

        from inspector.ui.export_dialog import ExportDialog

        if self.store is None:
            self.show_error("Open a store first: File › Open store (Ctrl+O).")
            return
        target = self.store_target or ""
        store_path = None if "://" in target else target
        folder = self.settings.get("last_export_dir") or str(Path.home())
        dialog = ExportDialog(stream=self.current_stream, region=self.region_filter, folder=folder,
                              store_path=store_path, parent=self)
        dialog.accepted.connect(lambda: dialog.request is not None and self.run_export(dialog.request))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        self.export_dialog_widget = dialog
        dialog.open()  # window-modal, without a nested event loop

    def run_export(self, request: Any) -> None:
        """Write the slice to ``request.output`` on a worker, with progress and Cancel."""
        from inspector.core.cancel import Cancelled
        from inspector.export import export

        from inspector.export.provenance import record_projector
        from inspector.replay.choices import projector_record

        store, choice, projectors = self.store, self.projector_choice, self.projectors
        if store is None:
            return
        self.settings.set("last_export_dir", str(request.output.parent))
        # The fixture replays with the projector in force; slices record it (name, module or file, code hash).
        projector = choice.spec() if choice is not None and choice.kind != "generic" else None
        projector_path = choice.path() if choice is not None else None
        record = projector_record(choice, projectors) if choice is not None and projectors is not None else None
        if record is not None:
            record["source"] = store_key(self.store_target or "")  # as the settings name it: no secret

        def work(cancel, progress):
            result = export(store, request.format, request.output, part=request.part, mask=request.mask,
                            projector=projector, projector_path=projector_path, cancel=cancel, progress=progress)
            if cancel.cancelled:  # cancelled just as it finished: honour the Cancel
                result.path.unlink(missing_ok=True)
                raise Cancelled("cancelled")
            if record is not None:
                record_projector(result.path, request.format, record)
            return result

        def done(result: Any) -> None:
            self._end_progress()
            self.last_export = result
            masked = " (e-mail addresses masked)" if "emails" in request.mask else ""
            self.statusBar().showMessage(
                f"Exported {result.events:,} event{'s' if result.events != 1 else ''} of "
                f"{request.part.describe()} to {result.path}{masked}", 20000)

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.show_error(f"Export to {request.output} failed: {exc}")

        self._begin_progress("export", f"Exporting {request.format} to {request.output.name}")
        self.runner.submit("export", work, done, failed, label=f"Exporting to {request.output.name}",
                           on_progress=self.progress_strip.update_progress)

    # --- live tail ---------------------------------------------------------------------
    def set_following(self, on: bool) -> None:
        """Follow live: poll for new events about once a second and add them to what is shown."""
        if self.follow_action.isChecked() != on:
            self.follow_action.setChecked(on)  # toggled() calls back here
            return
        if on:
            self.follower.start()
        else:
            self.follower.stop()
        self._update_live_label()

    def _update_live_label(self) -> None:
        if not self.follower.following:
            self.live_label.hide()
            return
        if self.reconnector.active:
            text = "Live: paused while reconnecting"
        elif self.live_count:
            text = f"Live: {self.live_count:,} new event{'s' if self.live_count != 1 else ''}"
        else:
            text = "Live: waiting for new events"
        self.live_label.setText(text)
        self.live_label.show()

    def _on_follower_events_arrived(self, events: list[Event]) -> None:
        self.live_count += len(events)
        # Streams first: a new stream's lane exists before its ticks are drawn.
        self.stream_model.add_live_events(events)
        self.event_model.add_live_events(events)
        self.timeline.add_live_events(events)
        known = {self.type_box.itemData(i) for i in range(self.type_box.count())}
        new_types = sorted({event.type for event in events} - known)
        if new_types:
            self.type_box.blockSignals(True)
            for name in new_types:
                self.type_box.addItem(type_icon(name), name, name)
            self.type_box.blockSignals(False)
            self.timeline.set_legend([self.type_box.itemData(i) for i in range(1, self.type_box.count())])
        stream = self.state_view.stream
        versions = [event.version for event in events if event.stream == stream and event.version is not None]
        if stream is not None and versions:
            self.state_view.extend_versions(max(versions))
        self._update_live_label()

    # --- connection loss -------------------------------------------------------------
    def _store_where(self) -> str:
        return redact(self.store_target or "the store")

    def _on_reconnector_lost(self, message: str) -> None:
        self.follower.pause()
        self.connection_banner.show_lost(self._store_where())
        self._update_live_label()

    def _on_reconnector_retrying(self, attempts: int, delay: float, why: str) -> None:
        self.connection_banner.show_retrying(self._store_where(), attempts, delay, why)

    def _on_reconnector_restored(self) -> None:
        """The store answers again: read again what is shown and carry on following."""
        self.connection_banner.show_restored(self._store_where())
        if self.banner.isVisible() and "lost" in self.banner.text():
            self.banner.hide()
        self._apply_stream_query()
        self.refresh_events()
        self.timeline.refetch()
        self._replay_again()
        self.follower.resume()
        self._update_live_label()

    # --- messages ----------------------------------------------------------------------
    def show_error(self, text: str) -> None:
        if self.runner.delivering_connection_loss and self.reconnector.active:
            return  # the connection banner says it, and says when it is back
        self.banner.show_message(text)

    def _on_progress_cancel(self) -> None:
        cancelled_state = self.runner.busy("state")
        cancelled_export = self.runner.busy("export")
        if self.runner.busy("check"):
            self.health_view.show_failed("Check cancelled: press Check store to run it again.")
        for channel in ("state", "diff", "bisect", "export", "check"):
            self.runner.cancel(channel)
        self._progress_timer.stop()
        self.progress_strip.finish()
        if cancelled_state:
            self.state_view.version = None
            self.state_view.show_cancelled()
        self.statusBar().showMessage("Export cancelled: nothing was written." if cancelled_export else "Cancelled.",
                                     6000)

    def show_about(self) -> None:
        """Help › About: versions, where settings and the cache live, Clear snapshot cache."""
        from inspector.ui.about import AboutDialog

        dialog = AboutDialog(self)
        dialog.clearCacheRequested.connect(lambda: self.clear_snapshot_cache(dialog))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        self.about_dialog = dialog
        dialog.open()


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Fusion style; Fusion follows the system's dark or light palette."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("event-inspector")
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(app_version())
    from inspector import APP_ID
    from inspector.ui.about import app_icon

    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ID)  # Wayland matches windows to the desktop entry io.github.event_inspector.desktop
    app.setStyle("Fusion")
    from inspector.ui.theme import dark_palette, is_dark

    if QApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark and not is_dark(app.palette()):
        # the system asks for dark but the platform gave Qt a light palette (no platform theme)
        app.setPalette(dark_palette())
    return app


def run_gui(target: str | None, *, layout: str | None = None, mapping: str | None = None) -> int:
    """Open the main window on ``target`` (the demo store when None) and run the event loop."""
    app = make_app()
    if target is None:
        from inspector.demo import ensure_demo

        target = str(ensure_demo())
    window = MainWindow(target, layout=layout, mapping=mapping)
    window.show()
    code = app.exec()
    window.shutdown()
    leave_now(code)
    return code  # not reached


def leave_now(code: int) -> None:
    """End the process once the window is closed and its work stopped: output flushed, the
    store and the snapshot cache already closed. Background threads may still sit in a query
    nothing can interrupt; letting the interpreter tear Qt down under them can crash the
    process on the way out, so it ends here instead."""
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


__all__ = ["MainWindow", "make_app", "run_gui", "without_secrets"]
