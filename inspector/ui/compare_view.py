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

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import Moment, parse_moment
from inspector.ui.models.projector_changes import ProjectorChangesModel
from inspector.ui.models.stopped_streams import StoppedRow, StoppedStreamsModel
from inspector.ui.models.stream_differences import StreamDifferencesModel, stopped_text
from inspector.ui.runner import TaskRunner
from inspector.ui.states_view import ERROR_STYLE, progress_text, table
from inspector.ui.streamed_run import StreamedRun

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


class CompareView(QWidget):
    """Two projectors → the streams whose state differs, with the changed paths of the one selected."""

    streamRequested = Signal(str, object)  # stream, version: open it there

    def __init__(self, runner: TaskRunner, settings: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.store: Any = None
        self.run = StreamedRun(runner, "compare-view", self)
        self.run.itemsArrived.connect(self._on_items)
        self.run.progressed.connect(self._on_progressed)
        self.run.finished.connect(self._on_finished)
        self.run.failed.connect(self._on_failed)
        self._done = 0
        self._total: int | None = None
        self._moment = "latest"

        self.category_box = QComboBox()
        self.category_box.setMinimumContentsLength(18)
        self.match_edit = QLineEdit()
        self.match_edit.setPlaceholderText("optional: wallet-9* (glob) or text")
        self.match_edit.setClearButtonEnabled(True)
        self.at_edit = QLineEdit()
        self.at_edit.setPlaceholderText("latest  (or v42, or 2026-09-01T12:00Z)")
        self.at_edit.setClearButtonEnabled(True)
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
        self.run_button = QPushButton("Compare")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
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

        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m streams")
        self.progress.setMaximumWidth(260)
        self.progress.hide()
        self.status = QLabel("Pick the projector in use and the changed one, then press Compare.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        actions = QHBoxLayout()
        actions.addWidget(self.run_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.progress)
        actions.addWidget(self.status, 1)

        self.model = StreamDifferencesModel(self)
        self.differences_view = table(self.model)
        header = self.differences_view.horizontalHeader()
        header.resizeSection(StreamDifferencesModel.STREAM, 230)
        header.resizeSection(StreamDifferencesModel.VERSION, 60)
        header.resizeSection(StreamDifferencesModel.RECORDED, 140)
        header.setStretchLastSection(True)
        self.differences_view.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.differences_view.clicked.connect(self._on_difference_activated)
        self.differences_view.activated.connect(self._on_difference_activated)
        self.differences_title = QLabel("Streams whose state differs")
        self.differences_title.setStyleSheet("font-weight: bold;")
        self.stopped_model = StoppedStreamsModel(self)
        self.stopped_view = table(self.stopped_model)
        self.stopped_view.horizontalHeader().resizeSection(StoppedStreamsModel.STREAM, 200)
        self.stopped_view.horizontalHeader().setStretchLastSection(True)
        self.stopped_view.clicked.connect(self._on_stopped_activated)
        self.stopped_view.activated.connect(self._on_stopped_activated)
        self.stopped_title = QLabel("Stopped alike on both sides (none)")
        self.stopped_title.setStyleSheet("font-weight: bold;")

        self.detail_title = QLabel("Select a stream to see its changed paths.")
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
        hint = QLabel("Select a stream to see its changed paths; click it (or press Enter) to also open it in the "
                      "window at that version.")
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
        self.run.cancel()
        self.store = store
        self._clear_results()
        self._set_idle()
        self.category_box.clear()
        self.status.setText("Counting categories…" if store is not None else "Open a store first.")

    def set_categories(self, categories: list[tuple[str, int]]) -> None:
        wanted = self.category_box.currentData() or self._saved().get("category")
        self.category_box.clear()
        for name, count in categories:
            self.category_box.addItem(f"{name} ({count:,} streams)", name)
        self.category_box.setCurrentIndex(max(self.category_box.findData(wanted), 0))
        if not self.run.running:
            self.status.setText("Pick the projector in use and the changed one, then press Compare.")

    def offer_current(self, kind: str, target: str | None) -> None:
        """The window's projector as the old side, unless the user has picked one here before."""
        if not self._saved().get("old"):
            side = "native" if kind == "native" else kind
            self.old_picker.set_choice(side, target)

    # --- inputs ------------------------------------------------------------------------
    def inputs(self) -> dict[str, Any]:
        return {"category": self.category_box.currentData(), "match": self.match_edit.text().strip(),
                "at": self.at_edit.text().strip(), "old": self.old_picker.value(), "new": self.new_picker.value()}

    def _saved(self) -> dict[str, Any]:
        value = self.settings.get(SETTINGS_KEY) if self.settings is not None else None
        return value if isinstance(value, dict) else {}

    def _restore_inputs(self) -> None:
        saved = self._saved()
        self.match_edit.setText(str(saved.get("match") or ""))
        self.at_edit.setText(str(saved.get("at") or ""))
        for picker, key, default in ((self.old_picker, "old", "demo"), (self.new_picker, "new", "file")):
            found = saved.get(key)
            side: dict[str, Any] = found if isinstance(found, dict) else {}
            picker.set_choice(str(side.get("kind") or default), str(side.get("target") or ""))

    def _remember_inputs(self) -> None:
        if self.settings is not None:
            self.settings.set(SETTINGS_KEY, self.inputs())

    # --- running -----------------------------------------------------------------------
    def start(self) -> None:
        self.at_error.hide()
        if self.store is None:
            self.status.setText("Open a store first.")
            return
        category = self.category_box.currentData()
        match = self.match_edit.text().strip() or None
        if category is None and match is None:
            self.status.setText("Choose a category (or give a stream pattern).")
            return
        old, new = self.old_picker.spec(), self.new_picker.spec()
        at: Moment | None = None
        text = self.at_edit.text().strip()
        bad_moment = False
        if text and text.lower() != "latest":
            try:
                at = parse_moment(text)
            except ValueError as exc:
                self.at_error.setText(str(exc))
                self.at_error.show()
                bad_moment = True
        if old is None or new is None or bad_moment:
            return
        self._remember_inputs()
        self._moment = "latest" if at is None else str(at)
        store = self.store
        self._clear_results()
        self._done, self._total = 0, None
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText(f"Comparing {self.old_picker.describe()} with {self.new_picker.describe()}…")

        def make_run(cancel, progress):
            from inspector.replay.worker import category_run

            return category_run("compare", store, specs=(old, new), category=category, match=match, at=at,
                                cancel=cancel, progress=progress)

        self.run.start(make_run, label=f"Comparing projectors on {category or match}")

    def cancel(self) -> None:
        if not self.run.cancel():
            return
        self._set_idle()
        of = f" of {self._total:,}" if self._total else ""
        count = self.model.rowCount()
        self.status.setText(f"Cancelled after {self._done:,}{of} streams: the {count:,} difference"
                            f"{'s' if count != 1 else ''} found so far are listed.")

    def _clear_results(self) -> None:
        self.model.clear()
        self.stopped_model.clear()
        self.changes_model.set_changes([])
        self.detail_title.setText("Select a stream to see its changed paths.")
        self._update_titles()

    def _set_idle(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()
        self.status.setStyleSheet("")

    def _update_titles(self) -> None:
        count = self.model.rowCount() + self.model.dropped
        more = f", first {self.model.rowCount():,} listed" if self.model.dropped else ""
        self.differences_title.setText(f"Streams whose state differs ({count:,}{more})" if count
                                       else "Streams whose state differs")
        stopped = self.stopped_model.rowCount()
        self.stopped_view.setVisible(stopped > 0)  # rare: no empty table takes the differences' room
        self.stopped_title.setText(f"Stopped alike on both sides ({stopped:,})" if stopped
                                   else "Stopped alike on both sides (none)")

    def _on_items(self, differences: list[Any]) -> None:
        self.model.append([d for d in differences if d.differs])
        self.stopped_model.append([StoppedRow.of(d.stream, d.old_stopped, "both") for d in differences
                                   if not d.differs and d.old_stopped is not None])
        self._update_titles()
        self._show_running()
        if self.differences_view.currentIndex().row() < 0 and self.model.rowCount():
            self.differences_view.setCurrentIndex(self.model.index(0, 0))

    def _on_progressed(self, done: int, total: Any) -> None:
        self._done, self._total = done, total
        if total:
            self.progress.setRange(0, int(total))
            self.progress.setValue(min(done, int(total)))
        self._show_running()

    def _show_running(self) -> None:
        """The status line while a run goes on: streams done (of the total) and differences so far."""
        if not self.run.running or not self._done:
            return
        total = self._total
        count = self.model.rowCount() + self.model.dropped
        self.status.setText(f"Comparing… {self._done:,}{f' of {total:,}' if total else ''} streams, "
                            f"{count:,} difference{'s' if count != 1 else ''} so far")

    def _on_finished(self, totals: Any) -> None:
        self._set_idle()
        self._update_titles()
        found = (f"{totals.differences:,} stream{'s differ' if totals.differences != 1 else ' differs'}"
                 if totals.differences else "no stream differs")
        self.status.setText(f"Done: {found} at {self._moment} · {progress_text(totals)}")

    def _on_failed(self, exc: BaseException) -> None:
        self._set_idle()
        self.status.setText(f"The comparison failed: {exc}")
        self.status.setStyleSheet(ERROR_STYLE)

    # --- the selected difference ---------------------------------------------------------
    def show_difference(self, difference: Any) -> None:
        """Its changed paths in the detail pane (old value → new value)."""
        self.changes_model.set_changes(difference.changes)
        count = len(difference.changes)
        stopped = stopped_text(difference)
        where = "" if difference.version is None else f" at v{difference.version}"
        text = f"{difference.stream}{where}: " + (stopped or f"{count:,} changed path{'s' if count != 1 else ''}")
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

    def _on_stopped_activated(self, index: QModelIndex) -> None:
        row = self.stopped_model.row_at(index.row())
        if row is not None:
            self.streamRequested.emit(row.stream, row.version)
