"""Building the window's panes: the stream browser, the timeline, the events table, the detail tabs,
the splitters and the status bar.

Owns the widgets every other part of the window uses; no behaviour beyond wiring signals.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QToolButton,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.audit import AuditView
from inspector.ui.keep_in_view import CurrentRowKeptInView
from inspector.ui.models import EventTableModel, StreamListModel
from inspector.ui.models.streams import TYPE_NAME, ElidingDelegate
from inspector.ui.replay_views import DiffView, StateView
from inspector.ui.timeline import TimelineWidget
from inspector.ui.widgets import ConnectionBanner, ElidingLabel, ErrorBanner, EventView, NameComboBox, ProgressStrip
from inspector.ui.window.banners import BannerOverlay
from inspector.ui.window.names import ALL
from inspector.ui.window.play_speed import remember_play_speed
from inspector.ui.window.table_columns import EventColumnsFitter


class WindowLayout:
    """Part of ``MainWindow`` (a mixin: ``self`` is the window)."""

    def _build_browser(self) -> None:
        self.stream_model = StreamListModel(self.runner, self)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter streams (text or glob: wallet-*)  Ctrl+F")
        self.filter_edit.setToolTip("Streams whose name contains the text, or matches a glob (* any run, ? one "
                                    "character).\nCase-sensitive, on the name as shown, on every store.")
        self.filter_edit.setClearButtonEnabled(True)
        self.category_box = NameComboBox()  # long names cut where they still read apart
        self.category_box.addItem("All categories", ALL)
        self.category_box.setToolTip("Group: show the streams of one category")
        self.streams_view = QTableView()
        self.streams_view.setModel(self.stream_model)
        self.streams_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.streams_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.streams_view.verticalHeader().hide()
        self.streams_view.verticalHeader().setDefaultSectionSize(22)
        self.streams_view.setShowGrid(False)
        self.streams_view.setTabKeyNavigation(False)  # Tab moves to the next pane, not the next cell
        self.streams_view.setAlternatingRowColors(True)
        # Names that share a prefix (wallet-…, uuids) differ at the end: keep both ends visible.
        self.streams_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self._stream_name_delegate = ElidingDelegate(self.streams_view)
        self.streams_view.setItemDelegateForColumn(StreamListModel.STREAM, self._stream_name_delegate)
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
        self.category_box.currentIndexChanged.connect(lambda _i: self._on_category_changed())
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
        self.events_view.setTabKeyNavigation(False)  # Tab moves to the next pane, not the next cell
        self.events_view.setAlternatingRowColors(True)
        self.events_view.setWordWrap(False)
        self.events_view.horizontalHeader().setStretchLastSection(True)
        # Stream names as in the stream list (both ends kept); type names drop their namespace
        # first, where names of one aggregate differ (Account.Deposited, Account.Withdrawn: …Deposited).
        self._event_stream_delegate = ElidingDelegate(self.events_view)
        self._event_type_delegate = ElidingDelegate(self.events_view, TYPE_NAME)
        self.events_view.setItemDelegateForColumn(EventTableModel.STREAM, self._event_stream_delegate)
        self.events_view.setItemDelegateForColumn(EventTableModel.TYPE, self._event_type_delegate)
        self.event_columns = EventColumnsFitter(self.events_view)  # Summary keeps a readable width
        self._events_kept_in_view = CurrentRowKeptInView(self.events_view)  # the window made smaller
        self.events_view.selectionModel().currentRowChanged.connect(self._on_events_current_changed)
        self.event_model.rowsLoaded.connect(self._on_event_model_rows_loaded)
        self.event_model.failed.connect(self.show_error)

        self.events_title = ElidingLabel("All events")
        self.events_title.setStyleSheet("font-weight: bold;")
        self.show_all_button = QPushButton("Show all streams")
        self.show_all_button.setToolTip("Stop filtering the table to the selected stream")
        self.show_all_button.clicked.connect(lambda: self.select_stream(None))
        self.show_all_button.hide()
        self.type_box = NameComboBox()
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
        # An actor filter that matches nothing says so, with the actors meant (as events --actor does)
        self.events_note = QLabel("")
        self.events_note.setWordWrap(True)
        self.events_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.events_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.events_note.hide()
        self._actor_hinted: tuple[int, str] | None = None
        self.events_panel = QWidget()
        box = QVBoxLayout(self.events_panel)
        box.setContentsMargins(4, 2, 4, 2)
        box.setSpacing(3)
        box.addLayout(bar)
        box.addLayout(filters)
        box.addWidget(self.events_note)
        box.addWidget(self.events_view, 1)

    def _build_details(self) -> None:
        self.tabs = QTabWidget()
        self.event_view = EventView()
        self.event_view.loadCancelled.connect(self._on_event_load_cancelled)
        self.event_view.loadRequested.connect(self._on_event_load_requested)
        self.state_view = StateView()
        self.diff_view = DiffView()
        self.tabs.addTab(self.event_view, "Event")
        self.tabs.addTab(self.state_view, "State")
        self.tabs.addTab(self.diff_view, "Diff")
        self.play_speed = remember_play_speed(self.state_view, self.settings)
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
        box.addWidget(self.main_split, 1)
        self.setCentralWidget(central)
        # Messages float over the bottom of the panes: showing one never moves the panes.
        self.banner_overlay = BannerOverlay(central, [self.connection_banner, self.banner])

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
