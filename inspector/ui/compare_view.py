"""The Compare view: which streams of a category would a projector change alter?

Two projectors (each generic, the demo's, native eventsourcing with a folder, a ``.py`` file or
a module, as the window's projector choice offers) fold every stream of the category; the
streams whose states differ fill in as they are found, each with its count of changed paths.
Selecting one shows its changed paths in ``diff``'s change shape (path, change, old value, new
value); a click (or Enter) also opens the stream at that version in the window. The run is
``inspector.replay.worker.category_run``: a user projector on either side folds in a worker
process of its own, so Cancel always stops it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.terminal import plural, shown_name
from inspector.ui.category_run_view import ERROR_STYLE, CategoryRunView, progress_text, table
from inspector.ui.models.projector_changes import ProjectorChangesModel
from inspector.ui.models.stopped_streams import StoppedRow, StoppedStreamsModel
from inspector.ui.models.stream_differences import StreamDifferencesModel, stopped_text
from inspector.ui.runner import TaskRunner

#: Settings key of the last inputs.
SETTINGS_KEY = "compare_view"
#: The kinds a side offers, with what its text field holds.
SIDE_KINDS = (
    ("generic", "Generic", ""),
    ("demo", "Demo's projector", ""),
    ("file", "Projector file", "path of a .py file with @projector functions"),
    ("module", "Module", "importable module name, e.g. myapp.projectors"),
    ("native", "Native eventsourcing", "folder with your eventsourcing application's code"),
)


class ProjectorPicker(QWidget):
    """One side of a comparison: a projector kind and, for a file, module or native, what to load."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind_box = QComboBox()
        self.kind_box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        for kind, title, hint in SIDE_KINDS:
            self.kind_box.addItem(title, kind)
            self.kind_box.setItemData(self.kind_box.count() - 1, hint or title, Qt.ItemDataRole.ToolTipRole)
        self.target_edit = QLineEdit()
        self.target_edit.setClearButtonEnabled(True)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        self.error = QLabel("")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.kind_box.currentIndexChanged.connect(lambda _i: self._update())
        self.target_edit.textChanged.connect(lambda _t: self.error.hide())
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.kind_box)
        row.addWidget(self.target_edit, 1)
        row.addWidget(self.browse_button)
        row.addStretch(0)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.error)
        self._update()

    @property
    def kind(self) -> str:
        return self.kind_box.currentData()

    def set_choice(self, kind: str, target: str | None) -> None:
        self.kind_box.setCurrentIndex(max(self.kind_box.findData(kind), 0))
        self.target_edit.setText(target or "")

    def value(self) -> dict[str, str]:
        return {"kind": self.kind, "target": self.target_edit.text().strip()}

    def _update(self) -> None:
        hint = next(hint for kind, _title, hint in SIDE_KINDS if kind == self.kind)
        self.target_edit.setVisible(bool(hint))
        self.target_edit.setPlaceholderText(hint)
        self.browse_button.setVisible(self.kind in ("file", "native"))
        self.error.hide()

    def _browse(self) -> None:
        start = self.target_edit.text().strip()
        if self.kind == "native":
            chosen = QFileDialog.getExistingDirectory(self, "Folder with your eventsourcing application's code", start)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, "Projector file", start, "Python files (*.py);;All files (*)")
        if chosen:
            self.target_edit.setText(chosen)

    def spec(self) -> tuple[str, str | None] | None:
        """``(spec, path)`` for ``load_projectors`` (see ``inspector.replay.worker.category_run``), or
        None with the problem shown under the picker."""
        kind, target = self.kind, self.target_edit.text().strip()
        if kind in ("generic", "demo"):
            return kind, None
        if not target:
            self._problem({"file": "Give the projector file.", "module": "Give the module's name.",
                           "native": "Give the folder with your application's code."}[kind])
            return None
        if kind == "file":
            path = Path(target).expanduser()
            if not path.is_file():
                self._problem(f"No such file: {target}")
                return None
            return str(path.resolve()), None
        if kind == "native":
            folder = Path(target).expanduser()
            if not folder.is_dir():
                self._problem(f"No such folder: {target}")
                return None
            return "native", str(folder.resolve())
        return target, None

    def _problem(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        return None

    def describe(self) -> str:
        kind, target = self.kind, self.target_edit.text().strip()
        title = next(title for k, title, _hint in SIDE_KINDS if k == kind)
        return f"{title} {Path(target).name}" if target and kind == "file" else (f"{title} {target}" if target and
                                                                                  kind != "generic" else title)


class CompareView(CategoryRunView):
    """Two projectors → the streams whose state differs, with the changed paths of the one selected."""

    SETTINGS_KEY = SETTINGS_KEY
    CHANNEL = "compare-view"
    RUNNING = "Comparing"
    FAILED = "The comparison failed"

    def __init__(self, runner: TaskRunner, settings: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(runner, settings, "Compare", parent)
        self.at_edit.setToolTip("Compare each stream's states at this moment: a version vN, or an ISO-8601 time (a time "
                                "without a zone is UTC). Empty: each stream's latest version.")
        self.at_error = QLabel("")
        self.at_error.setStyleSheet(ERROR_STYLE)
        self.at_error.hide()
        self.at_edit.textChanged.connect(lambda _t: self.at_error.hide())
        self.old_picker = ProjectorPicker()
        self.new_picker = ProjectorPicker()
        self.old_picker.setToolTip("The projector in use: its states are the 'before' of each change")
        self.new_picker.setToolTip("The changed projector: its states are the 'after' of each change")
        for edit in (self.match_edit, self.at_edit, self.old_picker.target_edit, self.new_picker.target_edit):
            edit.returnPressed.connect(self.start)

        form = QGridLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(8)
        form.addWidget(QLabel("Category:"), 0, 0)
        form.addWidget(self.category_box, 0, 1)
        form.addWidget(QLabel("Streams:"), 0, 2)
        form.addWidget(self.match_edit, 0, 3)
        form.addWidget(QLabel("At:"), 0, 4)
        form.addWidget(self.at_edit, 0, 5)
        form.addWidget(self.at_error, 1, 5)
        form.addWidget(QLabel("Old projector:"), 2, 0)
        form.addWidget(self.old_picker, 2, 1, 1, 5)
        form.addWidget(QLabel("New projector:"), 3, 0)
        form.addWidget(self.new_picker, 3, 1, 1, 5)
        form.setColumnStretch(1, 2)
        form.setColumnStretch(3, 2)
        form.setColumnStretch(5, 2)


        self.model = StreamDifferencesModel(self)
        self.differences_view = table(self.model)
        header = self.differences_view.horizontalHeader()
        # narrow enough that "Changed paths" is read whole in half of a 1024 px window
        header.resizeSection(StreamDifferencesModel.STREAM, 170)
        metrics = self.differences_view.fontMetrics()
        header.resizeSection(StreamDifferencesModel.VERSION, metrics.horizontalAdvance("Version") + 16)
        header.resizeSection(StreamDifferencesModel.RECORDED, metrics.horizontalAdvance("2026-09-28 23:59:59") + 14)
        header.setStretchLastSection(True)
        self.differences_view.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.differences_view.clicked.connect(self._on_difference_activated)
        self.differences_view.activated.connect(self._on_difference_activated)
        self.differences_title = QLabel("Streams whose state differs")
        self.differences_title.setStyleSheet("font-weight: bold;")
        self.stopped_view.horizontalHeader().resizeSection(StoppedStreamsModel.STREAM, 200)
        self.stopped_view.horizontalHeader().setStretchLastSection(True)
        self.stopped_title = QLabel("Stopped alike on both sides: not run yet")
        self.stopped_title.setStyleSheet("font-weight: bold;")

        self.detail_title = QLabel("Select a stream to see its changed paths.")
        self.detail_title.setTextFormat(Qt.TextFormat.PlainText)  # names a stream as written
        self.detail_title.setWordWrap(True)
        self.detail_title.setStyleSheet("font-weight: bold;")
        self.changes_model = ProjectorChangesModel(self)
        self.changes_view = QTreeView()
        self.changes_view.setModel(self.changes_model)
        self.changes_view.setUniformRowHeights(True)
        self.changes_view.setAlternatingRowColors(True)
        self.changes_view.setRootIsDecorated(False)
        self.changes_view.setColumnHidden(ProjectorChangesModel.BLAME, True)
        changes_header = self.changes_view.header()
        changes_header.setStretchLastSection(False)
        changes_header.setSectionResizeMode(ProjectorChangesModel.PATH, QHeaderView.ResizeMode.Interactive)
        changes_header.resizeSection(ProjectorChangesModel.PATH, 150)
        changes_header.setSectionResizeMode(ProjectorChangesModel.OP, QHeaderView.ResizeMode.ResizeToContents)
        changes_header.setSectionResizeMode(ProjectorChangesModel.BEFORE, QHeaderView.ResizeMode.Stretch)
        changes_header.setSectionResizeMode(ProjectorChangesModel.AFTER, QHeaderView.ResizeMode.Stretch)

        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(self.differences_title)
        left_box.addWidget(self.differences_view, 3)
        left_box.addWidget(self.stopped_title)
        left_box.addWidget(self.stopped_view, 1)
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.detail_title)
        right_box.addWidget(self.changes_view, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("compareSplit")
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([600, 600])
        self._lay_out(form, split, "Select a stream to see its changed paths; click it (or press Enter) to "
                                   "also open it in the window at that version.")

    # --- context from the window -------------------------------------------------------
    def _idle_text(self, has_categories: bool) -> str:
        return ("Pick the projector in use and the changed one, then press Compare." if has_categories
                else "This store has no categories to compare.")

    def offer_current(self, kind: str, target: str | None) -> None:
        """The window's projector as the old side, unless the user has picked one here before."""
        if not self._saved().get("old"):
            side = "native" if kind == "native" else kind
            self.old_picker.set_choice(side, target)

    # --- inputs ------------------------------------------------------------------------
    def inputs(self) -> dict[str, Any]:
        return {**super().inputs(), "old": self.old_picker.value(), "new": self.new_picker.value()}

    def _restore_inputs(self) -> None:
        super()._restore_inputs()
        saved = self._saved()
        for picker, key, default in ((self.old_picker, "old", "demo"), (self.new_picker, "new", "file")):
            found = saved.get(key)
            side: dict[str, Any] = found if isinstance(found, dict) else {}
            picker.set_choice(str(side.get("kind") or default), str(side.get("target") or ""))

    # --- running -----------------------------------------------------------------------
    def start(self) -> None:
        self.at_error.hide()
        selection = self._selection()
        if selection is None:
            return
        category, match = selection
        old, new = self.old_picker.spec(), self.new_picker.spec()
        usable, at = self._moment_input()
        if old is None or new is None or not usable:
            return
        store = self.store
        self._begin(at, f"Comparing {self.old_picker.describe()} with {self.new_picker.describe()}…")

        def make_run(cancel, progress):
            from inspector.replay.worker import category_run

            return category_run("compare", store, specs=(old, new), category=category, match=match, at=at,
                                cancel=cancel, progress=progress)

        self.run.start(make_run, label=f"Comparing projectors on {category or match}")

    def _found(self) -> str:
        return plural(self._found_count(), "difference")

    def _found_count(self) -> int:
        return self.model.rowCount() + self.model.dropped

    def _clear_results(self) -> None:
        super()._clear_results()
        self.model.clear()
        self.changes_model.set_changes([])
        self.detail_title.setText("Select a stream to see its changed paths.")
        self._run_state = "not run yet"
        self._update_titles()

    def _begin(self, at: Any, status: str) -> None:
        super()._begin(at, status)
        self._run_state = "none so far"  # "no stream stopped" only once the run has finished
        self._update_titles()

    def _update_titles(self) -> None:
        count = self.model.rowCount() + self.model.dropped
        more = f", first {self.model.rowCount():,} listed" if self.model.dropped else ""
        self.differences_title.setText(f"Streams whose state differs ({count:,}{more})" if count
                                       else "Streams whose state differs")
        stopped = self.stopped_model.rowCount()
        self.stopped_view.setVisible(stopped > 0)  # rare: no empty table takes the differences' room
        state = getattr(self, "_run_state", "not run yet")
        self.stopped_title.setText(f"Stopped alike on both sides: {stopped:,}" if stopped
                                   else "No stream stopped alike on both sides" if state == "finished"
                                   else f"Stopped alike on both sides: {state}")

    def _on_items(self, differences: list[Any]) -> None:
        self.model.append([d for d in differences if d.differs])
        self.stopped_model.append([StoppedRow.of(d.stream, d.old_stopped, "both") for d in differences
                                   if not d.differs and d.old_stopped is not None])
        self._update_titles()
        self._show_running()
        if self.differences_view.currentIndex().row() < 0 and self.model.rowCount():
            self.differences_view.setCurrentIndex(self.model.index(0, 0))

    def _on_finished(self, totals: Any) -> None:
        self._set_idle()
        self._run_state = "finished"
        self._update_titles()
        found = (f"{totals.differences:,} stream{'s differ' if totals.differences != 1 else ' differs'}"
                 if totals.differences else "no stream differs")
        ended = getattr(totals, "ended_before", 0)
        if ended:  # streams that never reached the version asked for have no state there
            found += f", {ended:,} left out (they end before {self._moment})"
        self.status.setText(f"Done: {found} at {self._moment} · {progress_text(totals)}")

    # --- the selected difference ---------------------------------------------------------
    def show_difference(self, difference: Any) -> None:
        """Its changed paths in the detail pane (old value → new value)."""
        self.changes_model.set_changes(difference.changes)
        count = len(difference.changes)
        stopped = stopped_text(difference)
        where = "" if difference.version is None else f" at v{difference.version}"
        text = f"{shown_name(difference.stream)}{where}: " + (stopped or f"{count:,} changed path{'s' if count != 1 else ''}")
        self.detail_title.setText(text)
        self.detail_title.setStyleSheet("font-weight: bold;" + (ERROR_STYLE if stopped else ""))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        difference = self.model.row_at(current.row())
        if difference is not None:
            self.show_difference(difference)

    def _on_difference_activated(self, index: QModelIndex) -> None:
        difference = self.model.row_at(index.row())
        if difference is not None:
            self.show_difference(difference)
            self.streamRequested.emit(difference.stream, difference.version)
