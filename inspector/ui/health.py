"""The Health tab: what ``event-inspector check`` finds in the open store, each finding a jump to its event.

Findings come from ``inspector.core.health.check_store`` (version gaps, duplicate versions,
time regressions, undecodable payloads, events without a version), run on the window's
background runner for the whole store or for the streams the list shows.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.health import Finding
from inspector.core.terminal import shown_name

KIND_WORDS = {
    "version_gap": "Version gap",
    "duplicate_version": "Duplicate version",
    "time_regression": "Time goes back",
    "undecodable_payload": "Unreadable payload",
    "missing_version": "No version",
    "snapshot_drift": "Snapshot drift",
}


def kind_label(kind: str) -> str:
    """The finding's kind in words and as ``event-inspector check`` names it: ``Time goes back (time_regression)``."""
    words = KIND_WORDS.get(kind)
    return kind if words is None else f"{words} ({kind})"


def jump_version(finding: Finding) -> int | None:
    """The version whose event shows the finding: the event before a gap, else the finding's own."""
    if finding.version is None:
        return None
    if finding.kind == "version_gap":
        return max(finding.version - 1, 0) or None
    return finding.version


class _DetailDelegate(QStyledItemDelegate):
    """Draws a finding's detail line (a child row spanning the columns) wrapped at word
    boundaries over the tree's width, as tall as it needs; other rows as usual."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    def _is_detail(self, index: QModelIndex) -> bool:
        return index.parent().isValid()

    def _text_rect(self, index: QModelIndex) -> QRect:
        left = self._tree.indentation() + 4
        return QRect(left, 0, max(self._tree.viewport().width() - left - 4, 40), 100_000)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802 (Qt naming)
        if not self._is_detail(index):
            return super().sizeHint(option, index)
        area = self._text_rect(index)
        flags = int(Qt.TextFlag.TextWordWrap)
        height = option.fontMetrics.boundingRect(area, flags, str(index.data() or "")).height()
        return QSize(area.width(), height + 4)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        if not self._is_detail(index):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        painter.setPen(opt.palette.color(QPalette.ColorRole.HighlightedText) if selected
                       else opt.palette.color(QPalette.ColorRole.PlaceholderText))
        rect = opt.rect.adjusted(4, 2, -4, -2)
        painter.drawText(rect, int(Qt.TextFlag.TextWordWrap), text)
        painter.restore()


def _plain_tip(text: str) -> str:
    """``text`` as a tooltip shows it, never read as markup (a stream named ``<i>x</i>-1``)."""
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


class HealthView(QWidget):
    """Check findings in a list; activating one asks the window to select its event."""

    checkRequested = Signal(bool)  # True: only the streams listed on the left
    findingActivated = Signal(str, int)  # stream, version
    streamActivated = Signal(str)  # a finding without a version

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.findings: list[Finding] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        buttons = QHBoxLayout()
        self.check_button = QPushButton("Check store")
        self.check_button.setToolTip("Look for version gaps, duplicate versions, times that go back and "
                                     "unreadable payloads in every stream (as event-inspector check does)")
        self.check_button.clicked.connect(lambda: self.checkRequested.emit(False))
        self.listed_button = QPushButton("Check listed streams")
        self.listed_button.setToolTip("The same checks on the streams the list on the left shows")
        self.listed_button.clicked.connect(lambda: self.checkRequested.emit(True))
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.listed_button)
        buttons.addStretch(1)
        self.summary = QLabel("Check the store to list what looks damaged; each finding jumps to its event.")
        self.summary.setWordWrap(True)
        # each finding on two lines: what, where and which version, then its detail under it
        # across the whole width (a Detail column left "v25 m…" in the narrow right pane)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Finding", "Stream", "Version"])
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.setIndentation(14)
        # a long detail wraps onto more lines rather than being cut (the rows' heights follow
        # the pane's width)
        self.tree.setUniformRowHeights(False)
        self.tree.setItemDelegate(_DetailDelegate(self.tree))
        self.tree.viewport().installEventFilter(self)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.itemActivated.connect(self._on_item_activated)
        self.tree.itemClicked.connect(self._on_item_activated)
        self.tree.currentItemChanged.connect(self._on_current_item_changed)
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addLayout(buttons)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.detail)

    def clear(self, text: str = "Check the store to list what looks damaged; each finding jumps to its event.") -> None:
        self.findings = []
        self.tree.clear()
        self.detail.setText("")
        self.summary.setText(text)
        self.check_button.setEnabled(True)  # a check stopped unanswered (another store opened) is asked again here
        self.listed_button.setEnabled(True)

    def show_working(self, listed: bool) -> None:
        self.tree.clear()
        self.summary.setText("Checking the listed streams…" if listed else "Checking every stream…")
        self.check_button.setEnabled(False)
        self.listed_button.setEnabled(False)

    def show_report(self, report: Any, listed: bool) -> None:
        self.check_button.setEnabled(True)
        self.listed_button.setEnabled(True)
        self.findings = list(report.findings)
        self.tree.clear()
        for finding in self.findings:
            # a problem in no stream (a JSON Lines line that is no event) names none
            where = "" if finding.stream is None else shown_name(finding.stream)
            item = QTreeWidgetItem([KIND_WORDS.get(finding.kind, finding.kind), where,
                                    "" if finding.version is None else f"v{finding.version}"])
            item.setToolTip(1, _plain_tip(where or "in no stream: a line of the file that is no event"))
            item.setToolTip(0, _plain_tip(finding.detail))
            item.setData(0, Qt.ItemDataRole.UserRole, finding)
            item.setForeground(0, Qt.GlobalColor.red)
            detail = QTreeWidgetItem([finding.detail])
            detail.setToolTip(0, _plain_tip(finding.detail))
            detail.setData(0, Qt.ItemDataRole.UserRole, finding)
            item.addChild(detail)
            self.tree.addTopLevelItem(item)
            detail.setFirstColumnSpanned(True)
            item.setExpanded(True)
        where = "listed stream" if listed else "stream"
        checked = f"{report.streams_checked:,} {where}{'s' if report.streams_checked != 1 else ''} checked"
        count = len(self.findings)
        outside = sum(1 for finding in self.findings if finding.stream is None)  # lines that are no event
        if outside:
            self.summary.setText(f"{count} finding{'s' if count != 1 else ''} ({outside} outside any stream), "
                                 f"{checked}. Select one to go to its event.")
        elif count:
            self.summary.setText(f"{count} finding{'s' if count != 1 else ''} in {checked}. "
                                 "Select one to go to its event.")
        else:
            self.summary.setText(f"Nothing found: {checked}.")

    def show_failed(self, text: str) -> None:
        self.check_button.setEnabled(True)
        self.listed_button.setEnabled(True)
        self.summary.setText(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if watched is self.tree.viewport() and event.type() == QEvent.Type.Resize:
            self.tree.scheduleDelayedItemsLayout()  # the details wrap anew at the new width
        return super().eventFilter(watched, event)

    def detail_of(self, row: int) -> str:
        """The detail line shown under the ``row``-th finding."""
        item = self.tree.topLevelItem(row)
        return item.child(0).text(0) if item is not None and item.childCount() else ""

    def _on_current_item_changed(self, item: QTreeWidgetItem | None, _previous: Any = None) -> None:
        finding = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        self.detail.setText("" if finding is None else
                            f"<b>{html.escape(kind_label(finding.kind))}</b> in "
                            f"{'no stream' if finding.stream is None else html.escape(shown_name(finding.stream))}: "
                            f"{html.escape(finding.detail)}")
        self.detail.setTextFormat(Qt.TextFormat.RichText)

    def _on_item_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        finding = item.data(0, Qt.ItemDataRole.UserRole)
        if finding is None or finding.stream is None:  # in no stream: nothing to go to
            return
        version = jump_version(finding)
        if version is None:
            self.streamActivated.emit(finding.stream)
        else:
            self.findingActivated.emit(finding.stream, version)


__all__ = ["HealthView", "KIND_WORDS", "jump_version", "kind_label"]
