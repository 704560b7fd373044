"""The States view: which streams of a category are in a given state.

Inputs: a category (filled from the store's categories), an optional stream pattern, a predicate
in ``bisect``'s expression language (``state`` and ``event``), a moment (latest, ``vN`` or a
time) and "ever" (the first version where the predicate held, found by a scan). The projector is
the window's (the State tab's choice). The run is ``inspector.replay.worker.category_run``: user
projectors fold in a worker process of its own, so Cancel stops even one stuck in a loop; the
matching streams fill in as they are found, with progress (streams done of the total). A match
opens its stream at that version (``streamRequested``); streams the projector stopped on are
listed with their error. A bad predicate or moment is said next to its input; nothing runs.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import Moment, parse_moment
from inspector.ui.models.category_states import CategoryStatesModel, StateRow
from inspector.ui.models.stopped_streams import StoppedRow, StoppedStreamsModel
from inspector.ui.runner import TaskRunner
from inspector.ui.streamed_run import StreamedRun

ERROR_STYLE = "color: #d9534f;"
#: Settings key of the last inputs.
SETTINGS_KEY = "states_view"


def table(model: Any) -> QTableView:
    """A read-only row table as the analysis views use it."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(22)
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    return view


def progress_text(totals: Any, done: int | None = None, total: int | None = None) -> str:
    """``12 of 24 streams · 4,743 events · 133 ms``."""
    if done is None:
        done = totals.streams
    of = f" of {total:,}" if total else ""
    return f"{done:,}{of} streams · {totals.events_applied:,} events · {totals.elapsed_ms:,.0f} ms"


class StatesView(QWidget):
    """Category, pattern, predicate, moment, ever → the matching streams, as they are found."""

    #: stream, version (an int, or None for a stream before its first event): open it there
    streamRequested = Signal(str, object)
    #: a projector kind picked here (``inspector.replay.choices.KINDS``): the window loads it
    projectorChoiceRequested = Signal(str)

    def __init__(self, runner: TaskRunner, settings: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from inspector.replay.choices import KINDS, TITLES

        self.settings = settings
        self.store: Any = None
        self.projectors: Any = None
        self.run = StreamedRun(runner, "states-view", self)
        self.run.itemsArrived.connect(self._on_items)
        self.run.progressed.connect(self._on_progressed)
        self.run.finished.connect(self._on_finished)
        self.run.failed.connect(self._on_failed)
        self._done = 0
        self._total: int | None = None
        self._matches = 0
        self._moment = "latest"
        self._shown_run: str | None = None  # what the listed results answer: "wallet, where … at latest"

        self.category_box = QComboBox()
        self.category_box.setMinimumContentsLength(18)
        self.category_box.setToolTip("Every stream of this category is replayed")
        self.match_edit = QLineEdit()
        self.match_edit.setPlaceholderText("optional: wallet-9* (glob) or text")
        self.match_edit.setToolTip("Only streams whose name matches: * any run, ? one character; no wildcard: a substring")
        self.match_edit.setClearButtonEnabled(True)
        self.where_edit = QLineEdit()
        self.where_edit.setPlaceholderText('state["credits"] < 0   (empty: every stream)')
        self.where_edit.setToolTip("A Python expression over state and event (the last event applied), as in "
                                   "Bisect; a missing key or None means it does not hold")
        self.where_edit.setClearButtonEnabled(True)
        self.where_error = QLabel("")
        self.where_error.setStyleSheet(ERROR_STYLE)
        self.where_error.setWordWrap(True)
        self.where_error.hide()
        self.at_edit = QLineEdit()
        self.at_edit.setPlaceholderText("latest  (or v42, or 2026-09-01T12:00Z)")
        self.at_edit.setToolTip("Replay each stream to this moment: a version vN, or an ISO-8601 time (the last "
                                "version recorded at or before it; streams that did not exist yet are left out). "
                                "A time without a zone is UTC. Empty: each stream's latest version.")
        self.at_edit.setClearButtonEnabled(True)
        self.at_error = QLabel("")
        self.at_error.setStyleSheet(ERROR_STYLE)
        self.at_error.setWordWrap(True)
        self.at_error.hide()
        self.ever_box = QCheckBox("ever: at any version (first one)")
        self.ever_box.setToolTip("Streams where the expression held at ANY version up to the moment, with the first "
                                 "such version (a scan of every version: it need not stay true)")
        self.projector_box = QComboBox()
        for kind in KINDS:
            self.projector_box.addItem(TITLES[kind], kind)
        self.projector_box.setToolTip("The window's projector (the State tab's choice): changing it here changes it there")
        self.projector_box.activated.connect(self._on_projector_activated)
        self.projector_label = QLabel("—")
        # a long file path must not widen the form: the label takes the room there is (full text on hover)
        self.projector_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.projector_label.setMinimumWidth(60)
        self.projector_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_button = QPushButton("Find streams")
        self.run_button.setDefault(True)
        self.run_button.setToolTip("Replay every stream of the category (Enter in any field)")
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        for edit in (self.match_edit, self.where_edit, self.at_edit):
            edit.returnPressed.connect(self.start)
        self.where_edit.textChanged.connect(lambda _t: self.where_error.hide())
        self.at_edit.textChanged.connect(lambda _t: self.at_error.hide())

        form = QGridLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(8)
        form.addWidget(QLabel("Category:"), 0, 0)
        form.addWidget(self.category_box, 0, 1)
        form.addWidget(QLabel("Streams:"), 0, 2)
        form.addWidget(self.match_edit, 0, 3)
        form.addWidget(QLabel("Projector:"), 0, 4)
        projector_row = QHBoxLayout()
        projector_row.addWidget(self.projector_box)
        projector_row.addWidget(self.projector_label, 1)
        form.addLayout(projector_row, 0, 5)
        form.addWidget(QLabel("Where:"), 1, 0)
        form.addWidget(self.where_edit, 1, 1, 1, 3)
        form.addWidget(QLabel("At:"), 1, 4)
        at_row = QHBoxLayout()
        at_row.addWidget(self.at_edit, 1)
        at_row.addWidget(self.ever_box)
        form.addLayout(at_row, 1, 5)
        form.addWidget(self.where_error, 2, 1, 1, 3)
        form.addWidget(self.at_error, 2, 5)
        form.setColumnStretch(1, 2)
        form.setColumnStretch(3, 2)
        form.setColumnStretch(5, 3)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v of %m streams")
        self.progress.setMaximumWidth(260)
        self.progress.hide()
        self.status = QLabel("Choose a category and press Find streams.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        actions = QHBoxLayout()
        actions.addWidget(self.run_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.progress)
        actions.addWidget(self.status, 1)

        self.model = CategoryStatesModel(self)
        self.matches_view = table(self.model)
        header = self.matches_view.horizontalHeader()
        header.resizeSection(CategoryStatesModel.STREAM, 260)
        header.resizeSection(CategoryStatesModel.VERSION, 70)
        header.resizeSection(CategoryStatesModel.RECORDED, 150)
        header.setStretchLastSection(True)
        self.matches_view.clicked.connect(self._on_match_activated)
        self.matches_view.activated.connect(self._on_match_activated)
        self.matches_title = QLabel("Matching streams")
        self.matches_title.setStyleSheet("font-weight: bold;")
        self.stopped_model = StoppedStreamsModel(self)
        self.stopped_view = table(self.stopped_model)
        stopped_header = self.stopped_view.horizontalHeader()
        stopped_header.resizeSection(StoppedStreamsModel.STREAM, 260)
        stopped_header.resizeSection(StoppedStreamsModel.VERSION, 70)
        stopped_header.resizeSection(StoppedStreamsModel.TYPE, 150)
        stopped_header.setStretchLastSection(True)
        self.stopped_view.clicked.connect(self._on_stopped_activated)
        self.stopped_view.activated.connect(self._on_stopped_activated)
        self.stopped_title = QLabel("Stopped streams: the projector raised (none)")
        self.stopped_title.setStyleSheet("font-weight: bold;")

        upper = QWidget()
        upper_box = QVBoxLayout(upper)
        upper_box.setContentsMargins(0, 0, 0, 0)
        upper_box.addWidget(self.matches_title)
        upper_box.addWidget(self.matches_view, 1)
        lower = QWidget()
        lower_box = QVBoxLayout(lower)
        lower_box.setContentsMargins(0, 0, 0, 0)
        lower_box.addWidget(self.stopped_title)
        lower_box.addWidget(self.stopped_view, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("statesSplit")
        split.addWidget(upper)
        split.addWidget(lower)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        hint = QLabel("Click a stream (or press Enter on it) to open it at that version: the State tab shows "
                      "its state there.")
        hint.setStyleSheet("color: palette(placeholder-text);")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(split, 1)
        layout.addWidget(hint)
        self._restore_inputs()

    # --- context from the window -------------------------------------------------------
    def set_store(self, store: Any) -> None:
        """A store was opened: results of the old one go; the categories follow (``set_categories``)."""
        self.run.cancel()
        self.store = store
        self._clear_results()
        self._set_idle()
        self.category_box.clear()
        self.status.setText("Counting categories…" if store is not None else "Open a store first.")

    def set_categories(self, categories: list[tuple[str, int]]) -> None:
        """The store's categories with their stream counts; the remembered one is selected again."""
        wanted = self.category_box.currentData() or self._saved().get("category")
        self.category_box.clear()
        for name, count in categories:
            self.category_box.addItem(f"{name} ({count:,} streams)", name)
        index = self.category_box.findData(wanted)
        self.category_box.setCurrentIndex(max(index, 0))
        if not self.run.running:
            self.status.setText("Choose a category and press Find streams." if categories
                                else "This store has no categories to replay.")

    def set_projectors(self, projectors: Any, kind: str, description: str) -> None:
        """The window's projector set, its kind (``generic``, ``native``, ``demo``, ``file``) and name."""
        self.projectors = projectors
        self.projector_box.setCurrentIndex(max(self.projector_box.findData(kind), 0))
        shown = description if kind in ("file", "native") else "the State tab's projector"
        self.projector_label.setText(shown)
        self.projector_label.setToolTip(f"{description}: the State tab's projector (changing it here changes it there)")

    def _on_projector_activated(self, index: int) -> None:
        kind = self.projector_box.itemData(index)
        self.projectorChoiceRequested.emit(kind)

    # --- inputs ------------------------------------------------------------------------
    def inputs(self) -> dict[str, Any]:
        return {"category": self.category_box.currentData(), "match": self.match_edit.text().strip(),
                "where": self.where_edit.text().strip(), "at": self.at_edit.text().strip(),
                "ever": self.ever_box.isChecked()}

    def _saved(self) -> dict[str, Any]:
        value = self.settings.get(SETTINGS_KEY) if self.settings is not None else None
        return value if isinstance(value, dict) else {}

    def _restore_inputs(self) -> None:
        saved = self._saved()
        self.match_edit.setText(str(saved.get("match") or ""))
        self.where_edit.setText(str(saved.get("where") or ""))
        self.at_edit.setText(str(saved.get("at") or ""))
        self.ever_box.setChecked(bool(saved.get("ever")))

    def _remember_inputs(self) -> None:
        if self.settings is not None:
            self.settings.set(SETTINGS_KEY, self.inputs())

    def _checked_inputs(self) -> tuple[str | None, Moment | None] | None:
        """(where, moment) when the inputs are usable; else the problems are shown and None returned."""
        from inspector.replay.category import ExpressionError, compile_where

        ok = True
        where = self.where_edit.text().strip() or None
        if where is not None:
            try:
                compile_where(where)
            except ExpressionError as exc:
                self._show_input_error(self.where_error, str(exc).replace("--where", "The expression"))
                ok = False
        elif self.ever_box.isChecked():
            self._show_input_error(self.where_error, "“ever” needs an expression: it finds the first version "
                                                     "where the expression held.")
            ok = False
        at = None
        text = self.at_edit.text().strip()
        if text and text.lower() != "latest":
            try:
                at = parse_moment(text)
            except ValueError as exc:
                self._show_input_error(self.at_error, str(exc))
                ok = False
        return (where, at) if ok else None

    @staticmethod
    def _show_input_error(label: QLabel, text: str) -> None:
        label.setText(text)
        label.show()

    # --- running -----------------------------------------------------------------------
    def start(self) -> None:
        """Replay the category with the inputs as they are (nothing runs when one is not usable)."""
        self.where_error.hide()
        self.at_error.hide()
        if self.store is None:
            self.status.setText("Open a store first.")
            return
        category = self.category_box.currentData()
        match = self.match_edit.text().strip() or None
        if category is None and match is None:
            self._mark_results_stale("Choose a category (or give a stream pattern).")
            return
        checked = self._checked_inputs()
        if checked is None:
            self._mark_results_stale("Not run: correct the input marked in red.")
            return
        where, at = checked
        self._remember_inputs()
        store, projectors, ever = self.store, self.projectors, self.ever_box.isChecked()
        if projectors is None:
            self._mark_results_stale("The projector is still loading; try again in a moment.")
            return
        self._moment = "latest" if at is None else str(at)
        self._clear_results()
        self._shown_run = (f"{category or match}{f', where {where}' if where else ''}"
                           f"{' (ever)' if ever else ''} at {self._moment}")
        self._done, self._total, self._matches = 0, None, 0
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        isolated = getattr(projectors, "isolated", False)
        self.status.setText("Starting a worker process for the projector…" if isolated else "Replaying…")
        scope = category or match

        def make_run(cancel, progress):
            from inspector.replay.worker import category_run

            return category_run("states", store, projectors=projectors, category=category, match=match, at=at,
                                where=where, ever=ever, cancel=cancel, progress=progress)

        self.run.start(make_run, label=f"Replaying {scope}")

    def cancel(self) -> None:
        """Stop the run; the streams found so far stay listed."""
        if not self.run.cancel():
            return
        self._set_idle()
        of = f" of {self._total:,}" if self._total else ""
        self.status.setText(f"Cancelled after {self._done:,}{of} streams: {self._matches:,} "
                            f"match{'es' if self._matches != 1 else ''} found so far are listed.")

    def _mark_results_stale(self, message: str) -> None:
        """Say ``message`` (why nothing runs); results still listed are named as the previous
        run's, so they are not read as the answer to the inputs shown now."""
        self.status.setStyleSheet("")
        if self._shown_run is not None and (self.model.rowCount() or self.stopped_model.rowCount()):
            message += f" The streams listed are from the previous run ({self._shown_run}), not these inputs."
            self._update_titles()
            for title in (self.matches_title, self.stopped_title):
                title.setText(f"{title.text()} — previous run")
        self.status.setText(message)

    def _clear_results(self) -> None:
        self.model.clear()
        self.stopped_model.clear()
        self.matches_title.setText("Matching streams")
        self.stopped_title.setText("Stopped streams: the projector raised (none)")

    def _set_idle(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()
        self.status.setStyleSheet("")

    def _on_items(self, outcomes: list[Any]) -> None:
        matches = [outcome for outcome in outcomes if outcome.matched]
        room = max(0, self.model.limit - self.model.rowCount())
        # matches beyond the view's limit are only counted: no row (nor preview) is made for them
        matched = [StateRow.of(outcome) for outcome in matches[:room]]
        stopped = [StoppedRow.of(outcome.stream, outcome.stopped) for outcome in outcomes
                   if outcome.stopped is not None]
        self._matches += len(matches)
        self.model.append(matched)
        self.model.dropped += len(matches) - len(matched)
        self.stopped_model.append(stopped)
        self._update_titles()
        if self._done:
            self._show_running()

    def _update_titles(self) -> None:
        dropped = self.model.dropped
        more = f" (first {self.model.rowCount():,} listed)" if dropped else ""
        self.matches_title.setText(f"Matching streams: {self._matches:,}{more}")
        count = self.stopped_model.rowCount()
        self.stopped_title.setText(f"Stopped streams: the projector raised ({count:,})" if count
                                   else "Stopped streams: the projector raised (none)")

    def _on_progressed(self, done: int, total: Any) -> None:
        self._done, self._total = done, total
        if total:
            self.progress.setRange(0, int(total))
            self.progress.setValue(min(done, int(total)))
        self._show_running()

    def _show_running(self) -> None:
        """The status line while a run goes on: streams done (of the total) and matches so far."""
        if not self.run.running:
            return
        total = self._total
        self.status.setText(f"Replaying… {self._done:,}{f' of {total:,}' if total else ''} streams, "
                            f"{self._matches:,} match{'es' if self._matches != 1 else ''} so far")

    def _on_finished(self, totals: Any) -> None:
        self._set_idle()
        self._update_titles()
        found = f"{totals.matches:,} match{'es' if totals.matches != 1 else ''}"
        stopped = f", {totals.stopped:,} stopped" if totals.stopped else ""
        self.status.setText(f"Done: {found}{stopped} at {self._moment} · {progress_text(totals)}")

    def _on_failed(self, exc: BaseException) -> None:
        self._set_idle()
        from inspector.replay.category import ExpressionError

        if isinstance(exc, ExpressionError):
            self._show_input_error(self.where_error, str(exc))
            self.status.setText("Nothing was replayed.")
            return
        self.status.setText(f"The replay failed: {exc}")
        self.status.setStyleSheet(ERROR_STYLE)

    # --- opening a stream --------------------------------------------------------------
    def _on_match_activated(self, index: Any) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.streamRequested.emit(row.stream, row.version)

    def _on_stopped_activated(self, index: Any) -> None:
        row = self.stopped_model.row_at(index.row())
        if row is not None:
            self.streamRequested.emit(row.stream, row.version)
