"""File › Export slice…: what to export, where to, and what to mask.

The dialog only gathers and checks an ``ExportRequest``; the window runs ``export()`` on
the background runner with progress and Cancel.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.events import NO_CATEGORY
from inspector.core.masking import MASK_EMAILS
from inspector.export import FORMATS, Slice
from inspector.ui.presenting import shown_name

FORMAT_LABELS = {
    "jsonl": "JSON Lines — every field, opens in the inspector",
    "csv": "CSV — audit spreadsheet",
    "html": "HTML — audit report",
    "sqlite": "SQLite — a local store to replay offline",
    "pytest": "pytest fixture — replays one stream and pins its state",
}
SUFFIXES = {"jsonl": ".jsonl", "csv": ".csv", "html": ".html", "sqlite": ".db", "pytest": ".py"}
FILTERS = {
    "jsonl": "JSON Lines (*.jsonl)", "csv": "CSV (*.csv)", "html": "HTML (*.html)",
    "sqlite": "SQLite (*.db *.sqlite)", "pytest": "Python (*.py)",
}


@dataclass(frozen=True)
class ExportRequest:
    format: str
    output: Path
    part: Slice
    mask: tuple[str, ...]


def default_file_name(fmt: str, stream: str | None) -> str:
    """The file name an export of ``stream`` (a stream's or a category's exact name; None: the
    whole store) suggests: ``order-1.jsonl``, ``events.csv``. Names that only differ at their
    edges stay apart: blank space at either end shows as ``_`` (``order `` → ``order_.jsonl``,
    ``order`` → ``order.jsonl``) and the empty name is ``empty-name``; other characters that are
    not safe in a file name become ``-``."""
    if stream is None:
        base = "events"
    elif not stream:
        base = "empty-name"
    else:
        core = stream.strip()
        base = re.sub(r"[^A-Za-z0-9_.-]+", "-", core).strip("-") or ("events" if core else "")
        base = ("_" if stream[0].isspace() else "") + base + ("_" if stream[-1].isspace() else "")
    if fmt == "pytest":
        return "test_" + re.sub(r"\W+", "_", base) + ".py"  # edge "_" kept: "order " stays apart
    return base + SUFFIXES[fmt]


def _category_base(category: str | None) -> str | None:
    """What an export of ``category`` is named after: the category itself, or ``no-category`` for
    the streams without one (``(none)``, which as a name would read as the category ``none``)."""
    return "no-category" if category == NO_CATEGORY else category


def _to_qt(value: datetime, *, up: bool = False) -> QDateTime:
    seconds = value.timestamp()
    return QDateTime.fromSecsSinceEpoch(math.ceil(seconds) if up else math.floor(seconds))


def _from_qt(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), tz=timezone.utc)


class ExportDialog(QDialog):
    """Format, output file, scope, time range (from the timeline region) and masking.

    Scope: the selected ``stream``; the streams of ``category`` (the category the stream list is
    filtered by, None when it is not: the choice is then hidden); or every stream of the store."""

    def __init__(self, *, stream: str | None, region: tuple[datetime, datetime] | None, folder: str,
                 store_path: str | None, category: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export slice")
        self.setMinimumWidth(620)
        self._stream = stream
        self._category = category
        self._store_path = store_path
        self._folder = folder
        self.request: ExportRequest | None = None
        form = QFormLayout()

        self.format_box = QComboBox()
        for fmt in FORMATS:
            self.format_box.addItem(FORMAT_LABELS.get(fmt, fmt), fmt)
        form.addRow("Format:", self.format_box)

        first_base = stream if stream is not None else _category_base(category) if category else None
        self.output_edit = QLineEdit(str(Path(folder) / default_file_name(self.format(), first_base)))
        self.output_edit.setToolTip("A new file; the store itself is never written")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.output_edit, 1)
        row.addWidget(browse)
        form.addRow("Save to:", row)

        self.stream_radio = QRadioButton(f"Selected stream: {shown_name(stream)}" if stream is not None
                                         else "Selected stream (none selected)")
        self.category_radio = QRadioButton(
            "Streams of category (none): those without one" if category == NO_CATEGORY
            else f"Streams of category {shown_name(category)}" if category else "Streams of a category")
        self.category_radio.setToolTip("The streams the list shows for this category, whatever the name filter")
        self.all_radio = QRadioButton("All streams (the whole store)")
        self.stream_radio.setEnabled(stream is not None)
        self.category_radio.setVisible(category is not None)
        self.category_radio.setEnabled(category is not None)
        chosen = self.stream_radio if stream is not None else self.category_radio if category else self.all_radio
        chosen.setChecked(True)
        self._last_base = self._name_base()
        scope = QButtonGroup(self)
        scope.addButton(self.stream_radio)
        scope.addButton(self.category_radio)
        scope.addButton(self.all_radio)
        scope.buttonToggled.connect(lambda _button, checked: checked and self._follow_name())
        scope_box = QVBoxLayout()
        scope_box.addWidget(self.stream_radio)
        scope_box.addWidget(self.category_radio)
        scope_box.addWidget(self.all_radio)
        form.addRow("Streams:", scope_box)

        self.since_check = QCheckBox("From")
        self.until_check = QCheckBox("until")
        self.since_edit = QDateTimeEdit()
        self.until_edit = QDateTimeEdit()
        for edit in (self.since_edit, self.until_edit):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
            edit.setCalendarPopup(True)
            edit.setToolTip("Local time")
        if region is not None:
            self.since_edit.setDateTime(_to_qt(region[0]))
            self.until_edit.setDateTime(_to_qt(region[1], up=True))
            self.since_check.setChecked(True)
            self.until_check.setChecked(True)
        else:
            now = QDateTime.currentDateTime()
            self.since_edit.setDateTime(now.addDays(-1))
            self.until_edit.setDateTime(now)
        self.since_check.toggled.connect(self.since_edit.setEnabled)
        self.until_check.toggled.connect(self.until_edit.setEnabled)
        self.since_edit.setEnabled(self.since_check.isChecked())
        self.until_edit.setEnabled(self.until_check.isChecked())
        times = QHBoxLayout()
        times.addWidget(self.since_check)
        times.addWidget(self.since_edit, 1)
        times.addWidget(self.until_check)
        times.addWidget(self.until_edit, 1)
        form.addRow("Time:", times)
        hint = QLabel("Prefilled from the timeline region." if region else
                      "Whole history; tick From/until to limit it (or drag a region on the timeline first).")
        hint.setEnabled(False)
        form.addRow("", hint)

        self.mask_emails = QCheckBox("Mask e-mail addresses (the domain is kept)")
        self.mask_emails.setChecked(True)
        self.mask_fields = QLineEdit()
        self.mask_fields.setPlaceholderText("also mask these fields, e.g. owner, member, metadata.actor")
        form.addRow("Masking:", self.mask_emails)
        form.addRow("", self.mask_fields)

        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #d9534f;")
        self.problem.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.format_box.currentIndexChanged.connect(self._on_format_changed)
        self._last_format = self.format()

    # --- inputs --------------------------------------------------------------------------
    def format(self) -> str:
        return self.format_box.currentData()

    def set_format(self, fmt: str) -> None:
        self.format_box.setCurrentIndex(self.format_box.findData(fmt))

    def _name_base(self) -> str | None:
        """What the suggested file is named after: the stream or the category chosen (None: all)."""
        if self.stream_radio.isChecked():
            return self._stream
        return _category_base(self._category) if self.category_radio.isChecked() else None

    def _follow_name(self) -> None:
        # The suggested name follows the format and the scope unless the user typed a name of their own.
        old = default_file_name(self._last_format, self._last_base)
        current = Path(self.output_edit.text().strip())
        if current.name == old:
            self.output_edit.setText(str(current.with_name(default_file_name(self.format(), self._name_base()))))
        self._last_format = self.format()
        self._last_base = self._name_base()
        self.problem.hide()

    def _on_format_changed(self, _index: int) -> None:
        self._follow_name()

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.output_edit.text(), FILTERS[self.format()])
        if path:
            self.output_edit.setText(path)

    # --- checking ------------------------------------------------------------------------
    def build_request(self) -> ExportRequest | str:
        """The request, or what is wrong with the inputs in one sentence."""
        fmt = self.format()
        text = self.output_edit.text().strip()
        if not text:
            return "Choose a file to save to."
        output = Path(text).expanduser()
        if output.is_dir():
            return f"{output} is a folder: add a file name."
        if not output.parent.is_dir():
            return f"No such folder: {output.parent}. Choose a file in a folder that exists (nothing is created)."
        if self._store_path and output.resolve() == Path(self._store_path).expanduser().resolve():
            return "That is the store itself: the inspector never writes to it. Choose another file."
        stream = self._stream if self.stream_radio.isChecked() else None
        category = self._category if self.category_radio.isChecked() else None
        if fmt == "pytest" and stream is None:
            return "A pytest fixture replays one stream: select a stream first and choose “Selected stream”."
        since = _from_qt(self.since_edit.dateTime()) if self.since_check.isChecked() else None
        until = _from_qt(self.until_edit.dateTime()) if self.until_check.isChecked() else None
        if since and until and since > until:
            return "The time range ends before it starts."
        mask = [field.strip() for field in self.mask_fields.text().replace(";", ",").split(",") if field.strip()]
        if self.mask_emails.isChecked():
            mask.insert(0, MASK_EMAILS)
        return ExportRequest(fmt, output, Slice(stream, since, until, category=category), tuple(mask))

    def accept(self) -> None:
        outcome = self.build_request()
        if isinstance(outcome, str):
            self.problem.setText(outcome)
            self.problem.show()
            return
        self.request = outcome
        super().accept()
