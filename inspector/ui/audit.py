"""The Audit tab: who did what, when — one actor's events across streams, each with its
causation chain and the events that share its correlation id, exportable as CSV.

The look-ups (causation chain, correlated events) are Qt-free, in ``inspector.core.audit``;
they run on the runner, page by key with ``read_all`` and are capped.
"""

from __future__ import annotations

import html
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.audit import CORRELATED_LIMIT, causation_chain, cause_named, correlated_events, correlation_of
from inspector.core.events import Event
from inspector.core.masking import MASK_EMAILS
from inspector.core.suggest import missing_actor
from inspector.export import ExportResult, Slice, export
from inspector.stores.base import EventFilter
from PySide6.QtGui import QBrush

from inspector.ui.keep_in_view import CurrentRowKeptInView
from inspector.ui.models import PROBLEM_COLOUR, EventRowsModel, EventTableModel, ObjectRole, type_icon
from inspector.ui.presenting import local_time, shown_name, summarize, utc_time
from inspector.ui.runner import TaskRunner

class _ActivityColumns:
    """Two columns that read like an activity feed in the narrow right pane:
    the time (date over clock), then "type · stream vN" over the payload in plain words."""

    COLUMNS = ("Time", "Event")
    TIME, EVENT = range(2)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.COLUMNS):
            return self.COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        event = self.event_at(index.row()) if index.isValid() else None
        if event is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.TIME:
                return local_time(event.recorded_at).replace(" ", "\n") or "—"
            version = "" if event.version is None else f" v{event.version}"
            return f"{event.type} · {shown_name(event.stream)}{version}\n{summarize(event, limit=70)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.TIME:
                return f"UTC {utc_time(event.recorded_at)}"
            tip = f"{event.type} · {shown_name(event.stream)} v{event.version}\n{event.problem or summarize(event, limit=400)}"
            return "<p>" + html.escape(tip).replace("\n", "<br>") + "</p>"  # names as written, not markup
        if role == Qt.ItemDataRole.DecorationRole and column == self.EVENT:
            return type_icon(event.type)
        if role == Qt.ItemDataRole.ForegroundRole and event.problem:
            return QBrush(PROBLEM_COLOUR)
        if role == ObjectRole:
            return event
        return None


class AuditEventModel(_ActivityColumns, EventTableModel):
    """The actor's events, key-paged like the main table."""


class AuditRowsModel(_ActivityColumns, EventRowsModel):
    """A fixed list of events (a causation chain, correlated events)."""


def _table(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(2 * view.fontMetrics().lineSpacing() + 6)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = view.horizontalHeader()
    header.resizeSection(_ActivityColumns.TIME, view.fontMetrics().horizontalAdvance("2026-09-26") + 16)
    header.setStretchLastSection(True)
    view.setToolTip("Double-click an event to show it in the window")
    return view


#: the chain and correlated lists grow to this many rows, then scroll
CHAIN_ROWS_SHOWN = 3
#: and are never shorter than this many rows (one row read as a squashed strip)
CHAIN_ROWS_MIN = 2


def _fit_rows(view: QTableView, rows: int) -> None:
    """Make ``view`` as tall as ``rows`` rows (CHAIN_ROWS_MIN … CHAIN_ROWS_SHOWN) plus its
    header, so the actor's own events keep the rest of the tab."""
    shown = max(CHAIN_ROWS_MIN, min(CHAIN_ROWS_SHOWN, rows))
    height = (view.horizontalHeader().sizeHint().height() + shown * view.verticalHeader().defaultSectionSize()
              + 2 * view.frameWidth())
    view.setFixedHeight(height)


class AuditView(QWidget):
    """Pick an actor; see what they did; follow one event's causes and correlated events."""

    #: the user wants this event shown everywhere in the window (double-click)
    eventActivated = Signal(object)
    #: a one-line result for the status bar
    message = Signal(str)
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent=None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._store: Any = None
        self._store_path: str | None = None
        self.selected: Event | None = None
        self.actor: str | None = None
        #: (store, actor) whose close actors were last looked for
        self._hinted: tuple[int, str] | None = None
        self.chain_end = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        self.actor_box = QComboBox()
        self.actor_box.setEditable(True)
        self.actor_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        # short enough to read whole in the narrow right pane; the tooltip says the rest
        self.actor_box.lineEdit().setPlaceholderText("Actor: pick or type one")
        self.actor_box.setToolTip("The actors of the events in the table, most active first; any actor may be typed")
        self.actor_box.activated.connect(lambda _i: self.show_actor(self.current_actor()))
        self.actor_box.lineEdit().returnPressed.connect(lambda: self.show_actor(self.current_actor()))
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save this actor's events as CSV, with e-mail addresses masked")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._on_export_clicked)
        row = QHBoxLayout()
        row.addWidget(self.actor_box, 1)
        row.addWidget(self.export_button)
        layout.addLayout(row)

        self.summary = QLabel("Pick an actor to see every event they caused, across streams, in order.")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.model = AuditEventModel(runner, self, channel="audit")
        self.model.rowsLoaded.connect(self._update_summary)
        self.model.failed.connect(self.failed)
        self.table = _table(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.table.doubleClicked.connect(lambda index: self._activate(self.model, index))
        # the event picked stays in view when the chain and correlated lists take their room
        self._kept_in_view = CurrentRowKeptInView(self.table)

        self.chain_label = QLabel("Causation chain")
        self.chain_label.setTextFormat(Qt.TextFormat.PlainText)  # names a stream as written
        self.chain_label.setStyleSheet("font-weight: bold;")
        self.chain_label.setWordWrap(True)
        self.chain_model = AuditRowsModel(self)
        self.chain = _table(self.chain_model)
        self.chain.doubleClicked.connect(lambda index: self._activate(self.chain_model, index))
        self.correlated_label = QLabel("Correlated events")
        self.correlated_label.setStyleSheet("font-weight: bold;")
        self.correlated_label.setWordWrap(True)
        self.correlated_model = AuditRowsModel(self)
        self.correlated = _table(self.correlated_model)
        self.correlated.doubleClicked.connect(lambda index: self._activate(self.correlated_model, index))

        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("auditSplit")
        split.addWidget(self.table)
        for label, view in ((self.chain_label, self.chain), (self.correlated_label, self.correlated)):
            box = QWidget()
            inner = QVBoxLayout(box)
            inner.setContentsMargins(0, 4, 0, 0)
            inner.addWidget(label)
            inner.addWidget(view, 1)
            split.addWidget(box)
        # the actor's events get the space; the chain and correlated lists are only as tall
        # as their rows (at most CHAIN_ROWS_SHOWN, then they scroll), see _fit_rows
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setStretchFactor(2, 0)
        split.setChildrenCollapsible(False)
        self.split = split
        layout.addWidget(split, 1)
        self._show_no_selection()

    # --- inputs ------------------------------------------------------------------------
    def set_store(self, store: Any, store_path: str | None) -> None:
        self._store = store
        self._store_path = store_path
        self.actor: str | None = None
        self._hinted = None
        self.model.set_store(store, load=False)  # show_actor sets the query
        self.actor_box.clear()
        self.actor_box.setEditText("")
        self.export_button.setEnabled(False)
        self.summary.setText("Pick an actor to see every event they caused, across streams, in order.")
        self._show_no_selection()

    def offer_actors(self, events: Iterable[Event]) -> None:
        """Fill the actor list from the events shown, most active first (typed text is kept)."""
        counts = Counter(event.actor for event in events if event.actor)
        typed = self.actor_box.currentText()
        self.actor_box.blockSignals(True)
        self.actor_box.clear()
        for actor, count in counts.most_common():
            self.actor_box.addItem(f"{actor}  ({count:,} shown)", actor)
        self.actor_box.setCurrentIndex(-1)
        self.actor_box.setEditText(typed)
        self.actor_box.blockSignals(False)

    def actors_offered(self) -> list[str]:
        return [self.actor_box.itemData(i) for i in range(self.actor_box.count())]

    def current_actor(self) -> str:
        text = self.actor_box.currentText().strip()
        index = self.actor_box.findText(text)
        if index >= 0 and self.actor_box.itemData(index):
            return self.actor_box.itemData(index)
        return text

    def show_actor(self, actor: str) -> None:
        """List every event ``actor`` caused, paged lazily as the table scrolls."""
        actor = actor.strip()
        if not actor or self._store is None:
            return
        self.actor = actor
        self._hinted = None
        self.actor_box.setEditText(actor)
        self.model.set_filter(EventFilter(actor=actor))
        self.export_button.setEnabled(False)  # until the actor's first events are read
        self._show_no_selection()
        self._update_summary()

    def _update_summary(self) -> None:
        actor = self.actor
        if not actor:
            return
        events = self.model.events()
        streams = len({event.stream for event in events})
        more = "" if self.model.exhausted else "+ (scroll for more)"
        self.export_button.setEnabled(bool(events))  # an actor with no events has nothing to export
        if self.model.loading and not events:
            self.summary.setText(f"Reading the events of {actor}…")
        elif not events:
            self.summary.setText(f"No event names {actor} as its actor.")
            self._name_close_actors(actor)
        else:
            self.summary.setText(f"<b>{html.escape(actor)}</b>: {len(events):,}{more} events in {streams:,} "
                                 f"stream{'s' if streams != 1 else ''}, oldest first. Select one to see its causes.")

    def _name_close_actors(self, actor: str) -> None:
        """Say the actors closest to ``actor`` (no event names it) in the summary line, as
        ``events --actor`` does: asked of the store off the GUI thread, once per actor shown."""
        store = self._store
        if store is None or self._hinted == (id(store), actor):
            return
        self._hinted = (id(store), actor)

        def done(note: str | None) -> None:
            if note and store is self._store and actor == self.actor and not self.model.events():
                hint = note.split(": no event names that actor", 1)[-1].removeprefix("; ")
                self.summary.setText(f"No event names {actor} as its actor; {hint}")

        self._runner.submit("audit-close-actors",
                            lambda cancel, progress: missing_actor(store, actor, checked=True), done,
                            lambda exc: None, label="Looking for close actors")

    # --- chain -------------------------------------------------------------------------
    def _show_no_selection(self) -> None:
        self.selected = None
        self.chain_end = ""
        self._runner.cancel("audit-chain")
        self.chain_model.set_events([])
        self.correlated_model.set_events([])
        _fit_rows(self.chain, 0)
        _fit_rows(self.correlated, 0)
        self.chain_label.setText("Causation chain — select an event above")
        self.correlated_label.setText("Correlated events")
        self._give_the_rest_to_the_actor()

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        event = self.model.event_at(current.row()) if current.isValid() else None
        if event is not None:
            self.show_causes(event)

    def show_causes(self, event: Event) -> None:
        """Follow ``event``'s causation ids back to the first cause, and list its correlated events."""
        store = self._store
        if store is None:
            return
        self.selected = event
        self.chain_label.setText(f"Causation chain of {shown_name(event.stream)} v{event.version} — reading…")
        self.correlated_label.setText("Correlated events — reading…")

        def work(cancel, progress):
            chain, end = causation_chain(store, event, cancel=cancel)
            return chain, end, correlated_events(store, event, cancel=cancel)

        self._runner.submit("audit-chain", work, lambda result: self._on_chain(event, *result),
                            lambda exc: self._on_chain_failed(event, exc), label="Following causes")

    def _on_chain(self, event: Event, chain: list[Event], end: str, correlated: list[Event]) -> None:
        self.chain_end = end
        self.chain_model.set_events(chain)
        _fit_rows(self.chain, len(chain))
        self.chain.selectRow(len(chain) - 1)
        causes = len(chain) - 1
        where = f"Causation chain of {shown_name(event.stream)} v{event.version}"
        if causes:
            self.chain_label.setText(f"{where}: {causes} cause{'s' if causes != 1 else ''}, "
                                     f"first cause at the top; {end}")
        elif cause_named(event) is None:
            self.chain_label.setText(f"{where}: no cause recorded (the event has no causation id)")
        else:
            self.chain_label.setText(f"{where}: no stored event caused it; {end}")
        correlation = correlation_of(event)
        capped = " (first ones)" if len(correlated) >= CORRELATED_LIMIT else ""
        self.correlated_label.setText(
            f"Correlated events{capped}: {len(correlated):,} {'event shares' if len(correlated) == 1 else 'events share'} "
            f"correlation id {correlation}"
            if correlation else "Correlated events: this event has no correlation id")
        self.correlated_model.set_events(correlated)
        _fit_rows(self.correlated, len(correlated))
        self._give_the_rest_to_the_actor()

    def _give_the_rest_to_the_actor(self) -> None:
        """Chain and correlated lists at their fitted heights, the actor's events in the rest."""
        boxes = [self.split.widget(i).sizeHint().height() for i in (1, 2)]
        total = sum(self.split.sizes()) or self.split.sizeHint().height()
        self.split.setSizes([max(total - sum(boxes), 1), *boxes])

    def _on_chain_failed(self, event: Event, exc: BaseException) -> None:
        self.chain_label.setText(f"Causation chain of {shown_name(event.stream)} v{event.version}: reading failed ({exc})")
        self.correlated_label.setText("Correlated events")
        self.failed.emit(f"Following the causes of {shown_name(event.stream)} v{event.version} failed: {exc}")

    def _activate(self, model: EventRowsModel, index: QModelIndex) -> None:
        event = model.event_at(index.row())
        if event is not None:
            self.eventActivated.emit(event)

    # --- export ------------------------------------------------------------------------
    def _on_export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export audit CSV", str(Path.home() / "audit.csv"), "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def export_csv(self, path: str | Path) -> None:
        """Write every event of the current actor to ``path`` as CSV, e-mail addresses masked."""
        store, actor = self._store, self.actor
        if store is None or not actor:
            return
        target = Path(path).expanduser()

        def work(cancel, progress):
            # export() refuses the store's own file, writes via a temporary file, masks and reports progress.
            return export(store, "csv", target, part=Slice(actor=actor), mask=(MASK_EMAILS,),
                          cancel=cancel, progress=progress)

        def done(result: ExportResult) -> None:
            self.message.emit(f"Audit CSV: {result.events:,} events of the chosen actor written to {target} "
                              "(e-mail addresses masked)")

        self._runner.submit("audit-export", work, done,
                            lambda exc: self.failed.emit(f"Audit export to {target} failed: {exc}"),
                            label="Exporting the audit CSV")
