"""The Event types view: every event type with its count, first and last seen, and its payload
fields over time with their drift marks (appeared, disappeared, changed JSON type, and when).

The survey is ``EventStore.type_survey`` (counted in SQL where the engine has JSON functions,
else sampled with the sample size stated), run on the task runner with progress (parts of the
store done) and Cancel: a cancelled survey shows what was counted so far, marked incomplete.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.cancel import CancelToken
from inspector.export.provenance import slice_of_eventsourcing
from inspector.core.terminal import plural
from inspector.core.type_drift import DEFAULT_SAMPLE, TypeSurvey
from inspector.ui.models.streams import TYPE_NAME, ElidingDelegate
from inspector.ui.models.type_survey import MarksRole, TypeSurveyModel
from inspector.ui.presenting import shown_name
from inspector.ui.runner import TaskRunner
from inspector.ui.category_run_view import ERROR_STYLE
from inspector.ui.widgets import NameComboBox

#: Settings key of the last inputs.
SETTINGS_KEY = "types_view"
#: The category box's entry for the whole store.
WHOLE_STORE = ""


class _Stop(CancelToken):
    """The runner's token or the view's own Cancel, whichever comes first: the view's lets the
    survey return what it counted so far (the runner's drops the answer)."""

    def __init__(self, runner_token: CancelToken) -> None:
        super().__init__()
        self._runner_token = runner_token

    @property
    def cancelled(self) -> bool:
        return super().cancelled or self._runner_token.cancelled

    def raise_if_cancelled(self) -> None:
        self._runner_token.raise_if_cancelled()
        super().raise_if_cancelled()


#: between two drift marks of a field
MARK_SEPARATOR = " · "
#: the narrowest the columns before Drift are made when fitted to their contents (pixels)
_MIN_COLUMN = 60


class DriftDelegate(QStyledItemDelegate):
    """Draws a field's drift marks each in its colour (+ appeared green, − disappeared red,
    ~ changed type orange), as the legend says; what does not fit is cut with "…" (the
    tooltip holds every mark)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        marks = index.data(MarksRole) or []
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if not marks:
            return
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        metrics = opt.fontMetrics
        painter.save()
        painter.setFont(opt.font)
        x, right = text_rect.left() + 2, text_rect.right() - 2
        pieces: list[tuple[str, Any]] = []
        for i, (text, colour) in enumerate(marks):
            if i:
                pieces.append((MARK_SEPARATOR, None))
            pieces.append((text, colour))
        for text, colour in pieces:
            room = right - x
            if room <= metrics.horizontalAdvance("…"):
                break
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
            if selected:
                painter.setPen(opt.palette.color(QPalette.ColorRole.HighlightedText))
            else:
                painter.setPen(colour if colour is not None else opt.palette.color(QPalette.ColorRole.Text))
            painter.drawText(QRect(x, text_rect.top(), room, text_rect.height()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)
            x += metrics.horizontalAdvance(shown)
            if shown != text:
                break
        painter.restore()


class EventTypesView(QWidget):
    """The type survey of the store (or one category) with drift marks, surveyed on demand."""

    def __init__(self, runner: TaskRunner, settings: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.store: Any = None
        self.survey: TypeSurvey | None = None
        self._stop: _Stop | None = None
        self._generation = 0

        self.category_box = NameComboBox()
        self.category_box.setMinimumContentsLength(18)
        self.category_box.addItem("Whole store", WHOLE_STORE)
        self.sample_spin = QSpinBox()
        self.sample_spin.setRange(100, 10_000_000)
        self.sample_spin.setSingleStep(1000)
        self.sample_spin.setGroupSeparatorShown(True)
        self.sample_spin.setValue(DEFAULT_SAMPLE)
        self.sample_spin.setToolTip("Events decoded where the payload cannot be counted in SQL (binary or compressed "
                                    "payloads, text on PostgreSQL, JSON Lines): spread over the store's history")
        self.drift_only = QCheckBox("Only fields that drifted")
        self.drift_only.toggled.connect(self._on_drift_only_toggled)
        self.run_button = QPushButton("Survey")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("%p%")
        self.progress.hide()
        inputs = QHBoxLayout()
        inputs.addWidget(QLabel("Category:"))
        inputs.addWidget(self.category_box)
        inputs.addWidget(QLabel("Sample size (where sampled):"))
        inputs.addWidget(self.sample_spin)
        inputs.addWidget(self.drift_only)
        inputs.addStretch(1)
        inputs.addWidget(self.run_button)
        inputs.addWidget(self.cancel_button)
        inputs.addWidget(self.progress)

        self.method_label = QLabel("Press Survey to list the event types and the payload fields seen per type.")
        self.method_label.setWordWrap(True)
        self.method_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel("")
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # names a category as written
        self.status.setWordWrap(True)
        self.model = TypeSurveyModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.model)
        # type names of one aggregate differ at the end (Account.Deposited): drop the namespace first
        self._name_delegate = ElidingDelegate(self.tree, TYPE_NAME)
        self.tree.setItemDelegateForColumn(TypeSurveyModel.NAME, self._name_delegate)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for column, width in ((TypeSurveyModel.NAME, 230), (TypeSurveyModel.COUNT, 120),
                              (TypeSurveyModel.TYPES, 170), (TypeSurveyModel.FIRST, 150), (TypeSurveyModel.LAST, 150)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(TypeSurveyModel.NAME, QHeaderView.ResizeMode.Interactive)
        self._drift_delegate = DriftDelegate(self.tree)
        self.tree.setItemDelegateForColumn(TypeSurveyModel.DRIFT, self._drift_delegate)
        legend = QLabel("<span style='color:#2e7d32'>+ appeared</span> (absent from every earlier event of the type) "
                        "· <span style='color:#c62828'>− disappeared</span> (absent from every later one) "
                        "· <span style='color:#ef6c00'>~ changed JSON type</span> — with when. "
                        "Hover a mark for the exact UTC time.")
        legend.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(inputs)
        layout.addWidget(self.method_label)
        layout.addWidget(self.status)
        layout.addWidget(self.tree, 1)
        layout.addWidget(legend)
        self._restore_inputs()

    # --- context from the window -------------------------------------------------------
    def set_store(self, store: Any) -> None:
        self._generation += 1
        self.runner.cancel("types-view")
        self.store = store
        self.survey = None
        self.model.set_survey(None)
        self._set_idle()
        self.category_box.clear()
        self.category_box.addItem("Whole store", WHOLE_STORE)
        self.method_label.setText("Press Survey to list the event types and the payload fields seen per type."
                                  if store is not None else "Open a store first.")
        self.status.setText("")

    def set_categories(self, categories: list[tuple[str, int]]) -> None:
        wanted = self.category_box.currentData()
        if wanted in (None, WHOLE_STORE):
            wanted = self._saved().get("category", WHOLE_STORE)
        self.category_box.clear()
        self.category_box.addItem("Whole store", WHOLE_STORE)
        for name, count in categories:
            self.category_box.addItem(f"{shown_name(name)} ({plural(count, 'stream')})", name)
        self.category_box.setCurrentIndex(max(self.category_box.findData(wanted), 0))

    # --- inputs ------------------------------------------------------------------------
    def _saved(self) -> dict[str, Any]:
        value = self.settings.get(SETTINGS_KEY) if self.settings is not None else None
        return value if isinstance(value, dict) else {}

    def _restore_inputs(self) -> None:
        saved = self._saved()
        sample = saved.get("sample")
        if isinstance(sample, int) and sample > 0:
            self.sample_spin.setValue(sample)
        self.drift_only.setChecked(bool(saved.get("drift_only")))

    def _remember_inputs(self) -> None:
        if self.settings is not None:
            self.settings.set(SETTINGS_KEY, {"category": self.category_box.currentData() or WHOLE_STORE,
                                             "sample": self.sample_spin.value(),
                                             "drift_only": self.drift_only.isChecked()})

    # --- running -----------------------------------------------------------------------
    def start(self) -> None:
        if self.store is None:
            self.method_label.setText("Open a store first.")
            return
        self._remember_inputs()
        store, sample = self.store, self.sample_spin.value()
        category = self.category_box.currentData() or None
        self._generation += 1
        generation = self._generation
        self._stop = None

        def work(cancel: CancelToken, progress: Any) -> TypeSurvey:
            stop = _Stop(cancel)
            if generation == self._generation:
                self._stop = stop
            return store.type_survey(category=category, cancel=stop, sample=sample, progress=progress,
                                     envelope=slice_of_eventsourcing(store))

        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(f"Surveying {'category ' + category if category else 'the whole store'}…")
        self.status.setStyleSheet("")
        self.runner.submit("types-view", work, lambda survey: self._on_done(generation, survey),
                           lambda exc: self._on_failed(generation, exc), label="Surveying event types",
                           on_progress=lambda done, total: self._on_progress(generation, done, total))

    def cancel(self) -> None:
        """Stop the survey: what it counted so far is shown when it returns (a survey stuck in a
        query is left to finish on its own; its answer is then dropped)."""
        if not self.cancel_button.isEnabled():
            return
        stop = self._stop
        if stop is not None:
            stop.cancel()  # the survey returns what it counted so far, marked incomplete
        else:
            self._generation += 1
            self.runner.cancel("types-view")
        self._set_idle()
        self.status.setText("Cancelled: what was counted so far is shown when the survey stops.")

    def _set_idle(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()

    def _on_progress(self, generation: int, done: int, total: Any) -> None:
        if generation != self._generation:
            return
        if total:
            self.progress.setRange(0, int(total))
            self.progress.setValue(min(done, int(total)))
            self.progress.setFormat(f"{done:,} of {int(total):,} parts")

    def _on_done(self, generation: int, survey: TypeSurvey) -> None:
        if generation != self._generation:
            return
        self._stop = None
        self._set_idle()
        self.show_survey(survey)

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._stop = None
        self._set_idle()
        self.status.setText(f"The survey failed: {exc}")
        self.status.setStyleSheet(ERROR_STYLE)

    def show_survey(self, survey: TypeSurvey) -> None:
        """Show ``survey``: how it was made, then the types with their fields and drift marks."""
        self.survey = survey
        self.model.set_survey(survey, only_drift=self.drift_only.isChecked())
        self._expand()
        if survey.method == "sql":
            detail = survey.method_detail.removeprefix("counted by the database: ")
            method = f"<b>Counted in SQL</b> by the database: {detail}"
        elif survey.method == "decoded":  # every event decoded: no sample
            method = f"<b>Counted in full</b>: {html.escape(survey.method_detail)}"
        else:
            # the detail names the sample's size and spread ("sampled 40 of 900 events (4 stretches …): …"),
            # said as --json's method_detail says it
            detail = survey.method_detail
            detail = detail.removeprefix("sampled ") if detail.startswith("sampled ") else f": {detail}"
            method = f"<b>Sampled</b> {html.escape(detail)}; field counts and times are the sample's"
        self.method_label.setText(method)
        scope = f" of category {shown_name(survey.category)}" if survey.category else ""
        drifting = sum(len(fields) for fields in self.model.drifting_fields().values())
        events = f"{survey.events:,} events"
        if survey.counts_are_the_sample_s:  # the counts are the sample's, not the store's
            whose = "the category's" if survey.category else "the store's"
            events = f"a sample of {survey.events:,}" + (
                f" of {whose} {survey.sampled_from:,} events" if survey.sampled_from is not None else " events")
        parts = [f"{len(survey.types):,} event type{'s' if len(survey.types) != 1 else ''}{scope}",
                 events,
                 f"{drifting:,} field{'s' if drifting != 1 else ''} drifted"]
        if survey.unreadable:
            parts.append(f"{survey.unreadable:,} payload{'s' if survey.unreadable != 1 else ''} not JSON "
                         "(counted, not surveyed)")
        text = " · ".join(parts)
        if not survey.complete:
            text = "Incomplete (cancelled): counted so far — " + text
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if not survey.complete else "")

    def _on_drift_only_toggled(self, on: bool) -> None:
        self.model.set_survey(self.survey, only_drift=on)
        self._expand()

    def _expand(self) -> None:
        """Types with drifting fields open; the others stay closed (one click away); the
        columns are then fitted to what they show, leaving Drift the rest of the width."""
        for row in range(self.model.rowCount()):
            index = self.model.index(row, 0)
            node = index.internalPointer()
            self.tree.setExpanded(index, bool(node.marks))
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Every column but Drift as wide as its widest shown text (the name at most 260 px):
        fixed widths left Drift too narrow for its marks at 1024 px while counts had room."""
        if not self.model.rowCount():
            return
        header = self.tree.header()
        for column in (TypeSurveyModel.NAME, TypeSurveyModel.COUNT, TypeSurveyModel.TYPES,
                       TypeSurveyModel.FIRST, TypeSurveyModel.LAST):
            self.tree.resizeColumnToContents(column)
            width = max(header.sectionSize(column), header.sectionSizeHint(column), _MIN_COLUMN)
            header.resizeSection(column, min(width, 260) if column == TypeSurveyModel.NAME else width)
