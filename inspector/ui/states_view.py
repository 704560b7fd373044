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
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import Moment
from inspector.core.terminal import plural
from inspector.ui.category_run_view import CategoryRunView, progress_text, table
from inspector.ui.models.category_states import CategoryStatesModel, StateRow
from inspector.ui.models.stopped_streams import StoppedRow, StoppedStreamsModel
from inspector.ui.runner import TaskRunner

#: Settings key of the last inputs.
SETTINGS_KEY = "states_view"
#: The stopped streams' title when the projector raised on none (not "(none)": that reads as
#: the name of the category without one)
NO_STREAM_STOPPED = "No stream stopped (the projector raised no error)"
#: The stopped streams' title before a run (nothing is known yet) and while one goes on
NOT_RUN_YET = "Stopped streams: not run yet"
NONE_STOPPED_SO_FAR = "Stopped streams (the projector raised): none so far"


class StatesView(CategoryRunView):
    """Category, pattern, predicate, moment, ever → the matching streams, as they are found."""

    #: a projector kind picked here (``inspector.replay.choices.KINDS``): the window loads it
    projectorChoiceRequested = Signal(str)

    SETTINGS_KEY = SETTINGS_KEY
    CHANNEL = "states-view"

    def __init__(self, runner: TaskRunner, settings: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(runner, settings, "Find streams", parent)
        from inspector.replay.choices import KINDS, TITLES

        self.projectors: Any = None
        self._matches = 0
        self._shown_run: str | None = None  # what the listed results answer: "wallet, where … at latest"
        self._ran_ever = False  # the run listed looked for the first version where the expression held

        self.category_box.setToolTip("Every stream of this category is replayed")
        self.where_edit = QLineEdit()
        self.where_edit.setPlaceholderText('state["credits"] < 0   (empty: every stream)')
        self.where_edit.setToolTip("A Python expression over state and event (the last event applied), as in "
                                   "Bisect; a missing key means it does not hold; any other error it raises "
                                   "counts as not holding and is reported below")
        self.where_edit.setClearButtonEnabled(True)
        self.where_error = self._error_label()
        self.at_edit.setToolTip("Replay each stream to this moment: a version vN, or an ISO-8601 time (the last "
                                "version recorded at or before it; streams that did not exist yet are left out). "
                                "A time without a zone is UTC (e.g. 2026-09-01T12:00Z). Empty: each stream's latest version.")
        self.ever_box = QCheckBox("ever (first version)")
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
        # at the window's narrowest "the State tab's projector" takes two lines rather than being cut
        self.projector_label.setWordWrap(True)
        self.projector_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.run_button.setToolTip("Replay every stream of the category (Enter in any field)")
        for edit in (self.match_edit, self.where_edit, self.at_edit):
            edit.returnPressed.connect(self.start)
        self.where_edit.textChanged.connect(lambda _t: self.where_error.hide())

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
        stopped_header = self.stopped_view.horizontalHeader()
        stopped_header.resizeSection(StoppedStreamsModel.STREAM, 260)
        stopped_header.resizeSection(StoppedStreamsModel.VERSION, 70)
        stopped_header.resizeSection(StoppedStreamsModel.TYPE, 150)
        stopped_header.setStretchLastSection(True)
        self.stopped_title = QLabel(NOT_RUN_YET)
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
        self._lay_out(form, split, "Click a stream (or press Enter on it) to open it at that version: "
                                   "the State tab shows its state there.")

    # --- context from the window -------------------------------------------------------
    def _idle_text(self, has_categories: bool) -> str:
        return ("Choose a category and press Find streams." if has_categories
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
        return {**super().inputs(), "where": self.where_edit.text().strip(), "ever": self.ever_box.isChecked()}

    def _restore_inputs(self) -> None:
        super()._restore_inputs()
        saved = self._saved()
        self.where_edit.setText(str(saved.get("where") or ""))
        self.ever_box.setChecked(bool(saved.get("ever")))

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
        usable, at = self._moment_input()
        return (where, at) if ok and usable else None

    # --- running -----------------------------------------------------------------------
    def start(self) -> None:
        """Replay the category with the inputs as they are (nothing runs when one is not usable)."""
        self.where_error.hide()
        self.at_error.hide()
        selection = self._selection()
        if selection is None:
            return
        category, match = selection
        checked = self._checked_inputs()
        if checked is None:
            self._not_run("Not run: correct the input marked in red.")
            return
        where, at = checked
        store, projectors, ever = self.store, self.projectors, self.ever_box.isChecked()
        if projectors is None:
            self._not_run("The projector is still loading; try again in a moment.")
            return
        isolated = getattr(projectors, "isolated", False)
        self._begin(at, "Starting a worker process for the projector…" if isolated else "Replaying…")
        self._shown_run = (f"{category or match}{f', where {where}' if where else ''}"
                           f"{' (ever)' if ever else ''} at {self._moment}")
        self._matches = 0
        self._ran_ever = ever

        def make_run(cancel, progress):
            from inspector.replay.worker import category_run

            return category_run("states", store, projectors=projectors, category=category, match=match, at=at,
                                where=where, ever=ever, cancel=cancel, progress=progress)

        self.run.start(make_run, label=f"Replaying {category or match}")

    def _found(self) -> str:
        return plural(self._matches, "match", "matches")

    def _found_count(self) -> int:
        return self._matches

    def _not_run(self, message: str) -> None:
        """Say ``message`` (why nothing runs); results still listed are named as the previous
        run's, so they are not read as the answer to the inputs shown now."""
        if self._shown_run is not None and (self.model.rowCount() or self.stopped_model.rowCount()):
            message += f" The streams listed are from the previous run ({self._shown_run}), not these inputs."
            self._update_titles()
            for title in (self.matches_title, self.stopped_title):
                title.setText(f"{title.text()} — previous run")
        super()._not_run(message)

    def _clear_results(self) -> None:
        super()._clear_results()
        self.model.clear()
        self.matches_title.setText("Matching streams")
        self.stopped_title.setText(NOT_RUN_YET)

    def _begin(self, at: Moment | None, status: str) -> None:
        super()._begin(at, status)
        self.stopped_title.setText(NONE_STOPPED_SO_FAR)  # "no stream stopped" only once the run has finished

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
        self._show_running()

    def _update_titles(self) -> None:
        dropped = self.model.dropped
        more = f" (first {self.model.rowCount():,} listed)" if dropped else ""
        self.matches_title.setText(f"Matching streams: {self._matches:,}{more}")
        count = self.stopped_model.rowCount()
        self.stopped_title.setText(f"Stopped streams (the projector raised): {count:,}" if count
                                   else NONE_STOPPED_SO_FAR if self.run.running else NO_STREAM_STOPPED)

    def _on_finished(self, totals: Any) -> None:
        self._set_idle()
        self._update_titles()
        found = plural(totals.matches, "match", "matches")
        stopped = f", {totals.stopped:,} stopped" if totals.stopped else ""
        ended = getattr(totals, "ended_before", 0)
        if ended:  # streams that never reached the version asked for have no state there
            stopped += f", {ended:,} left out (they end before {self._moment})"
        # as the CLI says it: with "ever" a match is the first version where the expression held,
        # not its state at the moment
        moment = f"at {self._moment}"
        if self._ran_ever:
            moment = "held at some version" + ("" if self._moment == "latest" else f" up to {self._moment}")
        text = f"Done: {found}{stopped} {moment} · {progress_text(totals)}"
        where_note = totals.where_note() if hasattr(totals, "where_note") else None
        if where_note:  # a key no state had (a misspelling?), errors it raised: the CLI's note too
            text += f"\nNote: {where_note}"
        self.status.setText(text)

    def _on_failed(self, exc: BaseException) -> None:
        from inspector.replay.category import ExpressionError

        if isinstance(exc, ExpressionError):
            self._set_idle()
            self._show_input_error(self.where_error, str(exc))
            self.status.setText("Nothing was replayed.")
            return
        super()._on_failed(exc)

    # --- opening a stream --------------------------------------------------------------
    def _on_match_activated(self, index: Any) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.streamRequested.emit(row.stream, row.version)
