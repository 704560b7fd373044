"""What the States and Compare views share: a whole-category run with its inputs, progress and results.

``CategoryRunView`` holds the inputs both take (a category filled from the store's, an optional
stream pattern, a moment: latest, ``vN`` or a time), the action row (run, Cancel, a progress bar
of streams done of the total, a status line), the table of streams a projector stopped on, and
the run itself: a ``StreamedRun`` on the window's ``TaskRunner``, whose results fill in as they
are found. The inputs are remembered in the settings under the view's ``SETTINGS_KEY``, as the
fields hold them when a run starts and when the window closes.
A subclass lays the widgets out, says what it runs (``start``), how results are shown
(``_on_items``) and how its results are counted in the status line (``_found``).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import Moment, parse_moment
from inspector.core.terminal import plural
from inspector.ui.models.stopped_streams import StoppedStreamsModel
from inspector.ui.presenting import shown_name
from inspector.ui.runner import TaskRunner
from inspector.ui.streamed_run import StreamedRun
from inspector.ui.widgets import NameComboBox

ERROR_STYLE = "color: #d9534f;"
#: seconds without news from a run (no stream started or finished) before its status line says so
STALL_SECONDS = 10


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


class CategoryRunView(QWidget):
    """The inputs, actions and run shared by the whole-category views (see the module's text)."""

    #: stream, version (an int, or None for a stream before its first event): open it there
    streamRequested = Signal(str, object)

    #: Settings key of the last inputs; the runner channel; what the run does, for the status line
    SETTINGS_KEY = ""
    CHANNEL = ""
    RUNNING = "Replaying"
    FAILED = "The replay failed"

    def __init__(self, runner: TaskRunner, settings: Any, run_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.store: Any = None
        self.run = StreamedRun(runner, self.CHANNEL, self)
        self.run.itemsArrived.connect(self._on_items)
        self.run.progressed.connect(self._on_progressed)
        self.run.finished.connect(self._on_finished)
        self.run.failed.connect(self._on_failed)
        self._done = 0
        self._total: int | None = None
        self._moment = "latest"
        self._begun_text = ""
        #: redraws the status line while a run goes on, so a run with no news says how long (a
        #: projector stuck in a loop inside one event sends none)
        self._watch = QTimer(self)
        self._watch.setInterval(1000)
        self._watch.timeout.connect(self._show_running)

        self.category_box = NameComboBox()
        self.category_box.setMinimumContentsLength(18)
        #: the category the user picked here (for this store): the selected stream's no longer applies
        self._picked_category = False
        #: the selected stream's category in the window (``prefer_category``), when known
        self._preferred_category: str | None = None
        self.category_box.activated.connect(self._on_category_picked)
        self.match_edit = QLineEdit()
        self.match_edit.setPlaceholderText("optional: wallet-9* (glob) or text")
        self.match_edit.setToolTip("Only streams whose name matches: * any run, ? one character; no wildcard: a substring")
        self.match_edit.setClearButtonEnabled(True)
        self.at_edit = QLineEdit()
        # short enough to read whole at 1024 px; the tooltip gives a time's form
        self.at_edit.setPlaceholderText("latest, v42 or a time")
        self.at_edit.setClearButtonEnabled(True)
        self.at_error = self._error_label()
        self.at_edit.textChanged.connect(lambda _t: self.at_error.hide())

        self.run_button = QPushButton(run_text)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v of %m streams")
        self.progress.setMaximumWidth(260)
        self.progress.hide()
        self.status = QLabel(self._idle_text(True))
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.stopped_model = StoppedStreamsModel(self)
        self.stopped_view = table(self.stopped_model)
        self.stopped_view.clicked.connect(self._on_stopped_activated)
        self.stopped_view.activated.connect(self._on_stopped_activated)

    # --- for subclasses ----------------------------------------------------------------------
    def start(self) -> None:
        raise NotImplementedError

    def _on_items(self, items: list[Any]) -> None:
        raise NotImplementedError

    def _on_finished(self, totals: Any) -> None:
        raise NotImplementedError

    def _found(self) -> str:
        """The results so far, counted: ``3 matches``."""
        raise NotImplementedError

    def _found_count(self) -> int:
        """How many results ``_found`` counts."""
        raise NotImplementedError

    def _idle_text(self, has_categories: bool) -> str:
        """The status line when nothing runs."""
        raise NotImplementedError

    def _clear_results(self) -> None:
        self.stopped_model.clear()

    def inputs(self) -> dict[str, Any]:
        """What is remembered between sessions."""
        return {"category": self.category_box.currentData(), "match": self.match_edit.text().strip(),
                "at": self.at_edit.text().strip()}

    def _restore_inputs(self) -> None:
        saved = self._saved()
        self.match_edit.setText(str(saved.get("match") or ""))
        self.at_edit.setText(str(saved.get("at") or ""))

    # --- building blocks -----------------------------------------------------------------------
    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel("")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        return label

    @staticmethod
    def _show_input_error(label: QLabel, text: str) -> None:
        label.setText(text)
        label.show()

    def _action_row(self) -> QHBoxLayout:
        actions = QHBoxLayout()
        actions.addWidget(self.run_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.progress)
        actions.addWidget(self.status, 1)
        return actions

    def _lay_out(self, form: QLayout, results: QWidget, hint: str) -> None:
        """The view from top to bottom: the inputs, the action row, the results, a grey hint;
        then the remembered inputs are put back."""
        hint_label = QLabel(hint)
        hint_label.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(form)
        layout.addLayout(self._action_row())
        layout.addWidget(results, 1)
        layout.addWidget(hint_label)
        self._restore_inputs()

    # --- context from the window -------------------------------------------------------------
    def set_store(self, store: Any) -> None:
        """A store was opened: results of the old one go; the categories follow (``set_categories``)."""
        self.run.cancel()
        self.store = store
        self._picked_category = False  # a category picked was one of the old store's
        self._preferred_category = None
        self._clear_results()
        self._set_idle()
        self.category_box.clear()
        self.status.setText("Counting categories…" if store is not None else "Open a store first.")

    def set_categories(self, categories: list[tuple[str, int]]) -> None:
        """The store's categories with their stream counts; the one picked here is selected
        again, else the selected stream's (``prefer_category``), else the remembered one."""
        current = self.category_box.currentData()
        wanted = (current if self._picked_category else self._preferred_category or current) \
            or self._saved().get("category")
        self.category_box.clear()
        for name, count in categories:
            self.category_box.addItem(f"{shown_name(name)} ({plural(count, 'stream')})", name)
        self.category_box.setCurrentIndex(max(self.category_box.findData(wanted), 0))
        if not self.run.running:
            self.status.setText(self._idle_text(bool(categories)))

    def prefer_category(self, category: str | None) -> None:
        """The window's selected stream is of ``category``: select it, unless the user picked a
        category here since the store was opened (their choice stays)."""
        self._preferred_category = category
        if self._picked_category or category is None:
            return
        index = self.category_box.findData(category)
        if index >= 0:
            self.category_box.setCurrentIndex(index)

    def _on_category_picked(self, _index: int) -> None:
        self._picked_category = True

    # --- inputs ------------------------------------------------------------------------------
    def _saved(self) -> dict[str, Any]:
        value = self.settings.get(self.SETTINGS_KEY) if self.settings is not None else None
        return value if isinstance(value, dict) else {}

    def _remember_inputs(self) -> None:
        if self.settings is not None:
            self.settings.set(self.SETTINGS_KEY, self.inputs())

    def remember_inputs(self) -> None:
        """Remember the inputs as they are in their fields now (run or not): called when the
        window closes, so the next session shows what the user last had. An empty category list
        (no store, or its categories still being counted) keeps the remembered category."""
        if self.settings is None:
            return
        inputs = self.inputs()
        if inputs.get("category") is None and self.category_box.count() == 0:
            inputs["category"] = self._saved().get("category")
        self.settings.set(self.SETTINGS_KEY, inputs)

    def _selection(self) -> tuple[str | None, str | None] | None:
        """(category, match) when a store is open and one of them is given; else None, said."""
        if self.store is None:
            self.status.setText("Open a store first.")
            return None
        category = self.category_box.currentData()
        match = self.match_edit.text().strip() or None
        if category is None and match is None:
            self._not_run("Choose a category (or give a stream pattern).")
            return None
        return category, match

    def _not_run(self, message: str) -> None:
        """Say why nothing runs."""
        self.status.setStyleSheet("")
        self.status.setText(message)

    def _moment_input(self) -> tuple[bool, Moment | None]:
        """(usable, moment): None is each stream's latest version; a bad moment is said under its input."""
        text = self.at_edit.text().strip()
        if not text or text.lower() == "latest":
            return True, None
        try:
            return True, parse_moment(text)
        except ValueError as exc:
            self._show_input_error(self.at_error, str(exc))
            return False, None

    # --- running -------------------------------------------------------------------------------
    def _begin(self, at: Moment | None, status: str) -> None:
        """The inputs were usable: remember them, clear the results and show the run going."""
        self._remember_inputs()
        self._moment = "latest" if at is None else str(at)
        self._clear_results()
        self._done, self._total = 0, None
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(status)
        self._begun_text = status
        self._watch.start()

    def cancel(self) -> None:
        """Stop the run; what was found so far stays listed."""
        if not self.run.cancel():
            return
        self._set_idle()
        self.status.setText(self.cancelled_text(self._done, self._total, self._found_count(), self._found()))

    @staticmethod
    def cancelled_text(done: int, total: int, count: int, found: str) -> str:
        """What the status line says once a run is cancelled: the streams done (of ``total`` when
        known) and the ``count`` results, ``found`` in words, still listed (one or many, or none)."""
        streams = f"{done:,} of {plural(total, 'stream')}" if total else plural(done, "stream")
        if count == 0:
            return f"Cancelled after {streams}: none found so far."
        return f"Cancelled after {streams}: the {found} found so far {'is' if count == 1 else 'are'} listed."

    def _set_idle(self) -> None:
        self._watch.stop()
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()
        self.status.setStyleSheet("")

    def _on_progressed(self, done: int, total: Any) -> None:
        self._done, self._total = done, total
        if total:
            self.progress.setRange(0, int(total))
            self.progress.setValue(min(done, int(total)))
        self._show_running()

    def _show_running(self) -> None:
        """The status line while a run goes on: the stream being folded (its number of the total),
        results and events applied so far; before that, the worker process starting or the streams
        being listed; and, after ``STALL_SECONDS`` without news, for how long (with Cancel)."""
        run = self.run
        if not run.running:
            return
        total = self._total
        current = run.current
        applied = getattr(run.totals, "events_applied", 0) or 0
        if current is not None:
            stream, number, of = current
            of = of or total
            where = f"stream {shown_name(stream)} ({number:,}{f' of {of:,}' if of else ''})"
            text = f"{self.RUNNING} {where}… {self._found()} so far · {applied:,} events applied"
        elif self._done:
            where = f"{self._done:,}{f' of {total:,}' if total else ''} streams"
            text = f"{self.RUNNING}… {where}, {self._found()} so far · {applied:,} events applied"
        elif run.worker_ready:
            where = "the worker process"
            text = "The worker process started: opening the store, loading the projector and listing the streams…"
        else:
            where = "the worker process" if "worker" in self._begun_text else "the run"
            text = self._begun_text
        quiet = time.monotonic() - run.last_news
        if quiet >= STALL_SECONDS:  # one line: the status row does not grow
            lead = f"{self.RUNNING} {where}" if current is not None else f"Waiting for {where}"
            text = (f"{lead}: no progress for {quiet:.0f} s (a stuck projector or a long stream); "
                    f"Cancel stops it · {self._found()} so far")
        self.status.setText(text)

    def _on_failed(self, exc: BaseException) -> None:
        self._set_idle()
        self.status.setText(f"{self.FAILED}: {exc}")
        self.status.setStyleSheet(ERROR_STYLE)

    def _on_stopped_activated(self, index: Any) -> None:
        row = self.stopped_model.row_at(index.row())
        if row is not None:
            self.streamRequested.emit(row.stream, row.version)
