"""Small widgets: the error banner, the event view, the open-store dialog."""

from __future__ import annotations

import html
import itertools
from typing import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QFontDatabase, QGuiApplication, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QToolButton,
    QToolTip,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from inspector.core import jsontext
from inspector.core.events import Event
from inspector.stores.layouts import layout_names
from inspector.stores.lazy import size_text
from inspector.ui.models import JsonTreeModel
from inspector.ui import presenting
from inspector.ui.elision import elided_unmistakable
from inspector.ui.presenting import local_time, shown_name, type_colour, utc_time
from inspector.ui.runner import WorkerPool
from inspector.ui.text_chunks import pretty_json_pieces


#: a container with more children than this is not expanded for the user (expanding lays
#: out every child row; the user can still expand it)
EXPAND_LIMIT = 300
#: the raw view shows at most this many characters until the user asks for all of it
#: (QPlainTextEdit takes ~0.3 s per MB to lay out, on the GUI thread)
RAW_LIMIT = 200_000
#: an event whose text is estimated longer than this is formatted off the GUI thread (the
#: exact JSON text takes ~30 ms per MB, the estimate runs ~25% short: at most ~0.1 s inline;
#: a 50 MB event took 2.8 s on the GUI thread)
INLINE_FORMAT_LIMIT = 3_000_000
#: formats big events' text for the Event tab (daemon threads: closing never waits for one)
_FORMATTER = WorkerPool(1, "event-text")


#: a list or object with more items than this is estimated from its first ``_SAMPLE`` items
_SAMPLE = 64


def estimated_text_size(event: Event, limit: int = INLINE_FORMAT_LIMIT) -> int:
    """About how many characters the event's raw view holds; counting stops past ``limit``, and
    a long list or object is judged by its first ``_SAMPLE`` items (so a 50 MB payload of
    400,000 records costs as little to estimate as a small one: this runs on the GUI thread)."""
    if event.raw is not None:
        return len(event.raw) if isinstance(event.raw, str) else 3 * len(event.raw)
    return _estimated_size([event.data, event.metadata], limit)


def _estimated_size(values: list, limit: int) -> int:
    size, stack = 0, list(values)
    while stack and size <= limit:
        value = stack.pop()
        if isinstance(value, dict):
            if len(value) > 2 * _SAMPLE:
                sample = dict(itertools.islice(value.items(), _SAMPLE))
                size += _estimated_size([sample], limit) * len(value) // _SAMPLE
                continue
            for key, item in value.items():
                size += len(key) + 8 if isinstance(key, str) else 16
                stack.append(item)
        elif isinstance(value, (list, tuple)):
            if len(value) > 2 * _SAMPLE:
                size += _estimated_size([list(value[:_SAMPLE])], limit) * len(value) // _SAMPLE
                continue
            size += 4 * len(value)
            stack.extend(value)
        elif isinstance(value, str):
            size += len(value) + 2
        elif isinstance(value, (bytes, bytearray)):
            size += 2 * len(value)
        else:
            size += 8
    return size


def event_text(event: Event) -> str:
    """The raw view's text of ``event``; a value nested too deep for the JSON writer (a
    projector's or a store's) is said to be so instead of raising."""
    try:
        return presenting.raw_text(event)
    except (TypeError, ValueError, RecursionError) as exc:
        return (f"(The stored value cannot be printed as text: {exc}. It is nested very deep; "
                "the tree above shows every level.)")


#: how many characters between two progress reports of a big event's formatting
PROGRESS_EVERY = 2_000_000


class PiecesOfText:
    """A long text kept as the pieces it was written in (``event_text_in_pieces``): joined only
    when the whole of it is asked for (``whole``: Copy, Show all), not where it is written. One
    join of 60 MB of text is a C call of 50-80 ms holding the GIL: on the formatting thread it
    stalled the GUI thread for as long while the Event tab showed a 50 MB event."""

    __slots__ = ("_pieces", "_length")

    def __init__(self, pieces: list[str]) -> None:
        self._pieces = pieces
        self._length = sum(map(len, pieces))

    def __len__(self) -> int:
        return self._length

    def head(self, count: int) -> str:
        """The first ``count`` characters (all of them when it is shorter)."""
        taken: list[str] = []
        left = count
        for piece in self._pieces:
            if left <= 0:
                break
            taken.append(piece[:left])
            left -= len(taken[-1])
        return "".join(taken)

    def whole(self) -> str:
        """The whole text, joined the first time it is asked for."""
        if len(self._pieces) != 1:
            self._pieces = ["".join(self._pieces)]
        return self._pieces[0] if self._pieces else ""


def event_text_in_pieces(event: Event, wanted: Callable[[], bool] = lambda: True,
                         progress: Callable[[int], None] = lambda _done: None, *,
                         joined: bool = True) -> str | PiecesOfText | None:
    """``event_text(event)``, written piece by piece (``text_chunks.pretty_json_pieces``) so the
    thread doing it gives the interpreter back between two pieces: formatting a 50 MB payload on
    a worker thread never holds the GUI thread. Between pieces, stops and returns None once
    ``wanted()`` is false, and calls ``progress(characters written)`` every ``PROGRESS_EVERY``.
    ``joined=False``: the text written is handed back as its pieces (``PiecesOfText``)."""
    if event.raw is not None:
        return event_text(event)
    parts: list[str] = []
    done, next_report = 0, PROGRESS_EVERY
    try:
        for piece in pretty_json_pieces({"data": event.data, "metadata": event.metadata}):
            if not wanted():
                return None
            parts.append(piece)
            done += len(piece)
            if done >= next_report:
                progress(done)
                next_report = done + PROGRESS_EVERY
    except (TypeError, ValueError, RecursionError):
        return event_text(event)  # says why it cannot be printed
    return "".join(parts) if joined else PiecesOfText(parts)


def monospace_font():
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def expand_small_containers(tree: QTreeView, depth: int, limit: int = EXPAND_LIMIT,
                            parent: QModelIndex = QModelIndex()) -> None:
    """Expand the JSON tree's containers down to ``depth`` (0: the rows under ``parent``,
    by default the top rows) that have at most ``limit`` children; bigger ones stay collapsed,
    and so do the range groups of a big list (even a short last one), and only the first
    ``limit`` rows of a level are looked at."""
    model: JsonTreeModel = tree.model()

    def walk(parent: QModelIndex, level: int) -> None:
        for row in range(min(limit, model.rowCount(parent))):
            index = model.index(row, 0, parent)
            if 0 < model.child_count(index) <= limit and not model.is_group(index):
                tree.expand(index)
                if level < depth:
                    walk(index, level + 1)

    walk(parent, 0)
    fit_json_columns(tree)


#: how many levels under a row "*" (expand all) opens in a JSON tree
EXPAND_ALL_DEPTH = 3


class _BoundedExpandAll(QObject):
    """"*" on a JSON tree row: Qt's own expands every container under it, each one a layout
    and a measure of the columns (200,000 records: minutes). Here it expands the row (its first
    rows, fetched as any expansion) and the containers under it ``EXPAND_ALL_DEPTH`` levels
    down with at most ``EXPAND_LIMIT`` children, the first ``EXPAND_LIMIT`` rows of a level."""

    def __init__(self, tree: QTreeView) -> None:
        super().__init__(tree)
        self._tree = tree

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Asterisk \
                and isinstance(self._tree.model(), JsonTreeModel):  # the Diff tab's tree keeps Qt's
            index = self._tree.currentIndex()
            expand_all_under(self._tree, index)
            if index.isValid() and isinstance(self._tree, JsonTreeView):
                self._tree.expandedAll.emit(index.siblingAtColumn(0))
            return True
        return False


class JsonTreeView(QTreeView):
    """The view of a ``JsonTreeModel``: ``expandToDepth`` and ``expandAll`` open the containers
    of at most ``EXPAND_LIMIT`` children down to that depth (``expand_small_containers``; for
    ``expandAll`` ``EXPAND_ALL_DEPTH`` levels), bigger ones stay closed for the user to open.
    Qt's own lay the tree out again for every container opened: ``expandToDepth(1)`` over a
    200,000-item list did not finish in 5 minutes.

    Copy on a row (its context menu, or the keys): "Copy value" (Ctrl+C) puts the row's value
    on the clipboard as JSON text, numbers exactly as held (big ints, decimals); a value whose
    text is over ``INLINE_FORMAT_LIMIT`` characters is written on a worker thread, as the Raw
    view's text, and reaches the clipboard when done (``copyingChanged`` says so). "Copy path"
    (Ctrl+Shift+C) copies its JSON pointer (``/records/150000/status``). A range group row
    (``[150,000 … 150,999]``) has neither: both are disabled there and its keys copy nothing.
    """

    #: the user pressed "*" on this row (column 0): it and its small containers were opened
    #: (``expand_all_under``, with the tree's signals blocked: ``expanded`` does not say so)
    expandedAll = Signal(QModelIndex)
    #: True while a big value's text is being written for the clipboard, False when it is there
    copyingChanged = Signal(bool)
    #: (ticket, text) from the worker writing a big value's text
    _value_written = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._copy_ticket = 0
        self._latest_copy = [0]  # the latest copy's ticket, read by the worker writing a big one
        self.copying = False
        self._value_written.connect(self._on_value_written)
        self.copy_value_action = QAction("Copy value", self)
        self.copy_value_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_value_action.setToolTip("Copy the row's value as JSON text")
        self.copy_value_action.triggered.connect(self.copy_value)
        self.copy_path_action = QAction("Copy path", self)
        self.copy_path_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_path_action.setToolTip("Copy the row's JSON pointer, e.g. /records/150000/status")
        self.copy_path_action.triggered.connect(self.copy_path)
        for action in (self.copy_value_action, self.copy_path_action):
            # the keys are read in keyPressEvent (an item view takes Ctrl+C for its label first);
            # the menu only shows them
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.setShortcutVisibleInContextMenu(True)

    def expandToDepth(self, depth: int) -> None:  # noqa: N802 (Qt naming)
        blocked = self.blockSignals(True)  # the columns are measured once, after
        try:
            expand_small_containers(self, depth)
        finally:
            self.blockSignals(blocked)

    def expandAll(self) -> None:  # noqa: N802 (Qt naming)
        self.expandToDepth(EXPAND_ALL_DEPTH - 1)

    def _copyable(self) -> QModelIndex:
        """The current row (column 0) when it is a key or item of the JSON value, else invalid."""
        model = self.model()
        index = self.currentIndex()
        if not isinstance(model, JsonTreeModel) or not index.isValid() or model.is_group(index):
            return QModelIndex()
        return index.siblingAtColumn(0)

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        index = self.indexAt(event.pos())
        if index.isValid():
            self.setCurrentIndex(index)
        usable = self._copyable().isValid()
        self.copy_value_action.setEnabled(usable)
        self.copy_path_action.setEnabled(usable)
        menu = QMenu(self)
        menu.addAction(self.copy_value_action)
        menu.addAction(self.copy_path_action)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_value()  # on a range group: nothing (Qt's own copies the row's label)
            event.accept()
            return
        if event.keyCombination() == QKeySequence("Ctrl+Shift+C")[0]:
            self.copy_path()
            event.accept()
            return
        super().keyPressEvent(event)

    def copy_path(self) -> None:
        """Put the current row's JSON pointer on the clipboard; nothing on a range group."""
        index = self._copyable()
        if index.isValid():
            QGuiApplication.clipboard().setText(self.model().pointer_at(index))
            self._say("Path copied", index)

    def copy_value(self) -> None:
        """Put the current row's value on the clipboard as JSON text (indented, numbers exact);
        nothing on a range group. Over ``INLINE_FORMAT_LIMIT`` characters of text (estimated as the
        Event tab's, from a sample of a big list or object) it is written on a worker thread (``copying`` is True until it is on the clipboard); a newer copy
        drops an older one still being written."""
        index = self._copyable()
        if not index.isValid():
            return
        value = self.model().value_of(index)
        self._copy_ticket += 1
        ticket = self._latest_copy[0] = self._copy_ticket
        latest = self._latest_copy
        if _estimated_size([value], INLINE_FORMAT_LIMIT) <= INLINE_FORMAT_LIMIT:  # sampled: cheap at any size
            self._set_copying(False)
            QGuiApplication.clipboard().setText(_value_text(value))
            self._say("Value copied", index)
            return
        self._set_copying(True)
        self._say("Copying the value… (it is big: it reaches the clipboard in a moment)", index)
        emit = self._value_written.emit

        def write() -> None:
            parts: list[str] = []
            try:
                for piece in pretty_json_pieces(value):
                    if latest[0] != ticket:
                        return  # a newer copy was asked for
                    parts.append(piece)
            except (TypeError, ValueError, RecursionError) as exc:
                emit(ticket, exc)
                return
            emit(ticket, "".join(parts))

        _FORMATTER.submit(write)

    def _on_value_written(self, ticket: int, text: object) -> None:
        if ticket != self._copy_ticket:
            return
        self._set_copying(False)
        if isinstance(text, str):
            QGuiApplication.clipboard().setText(text)
            self._say("Value copied", self.currentIndex())
        else:
            self._say(f"The value cannot be written as text: {text}", self.currentIndex())

    def _set_copying(self, copying: bool) -> None:
        if copying != self.copying:
            self.copying = copying
            self.copyingChanged.emit(copying)

    def _say(self, text: str, index: QModelIndex) -> None:
        """A short note beside the row copied (a tooltip: it goes by itself)."""
        rect = self.visualRect(index)
        if self.isVisible() and rect.isValid():
            QToolTip.showText(self.viewport().mapToGlobal(rect.bottomLeft()), text, self)


def _value_text(value: object) -> str:
    """``value`` as indented JSON text, numbers exact; a value nested too deep for the writer
    is said to be so instead."""
    try:
        return jsontext.dumps(value, indent=True)
    except (TypeError, ValueError, RecursionError) as exc:
        return f"(The value cannot be written as text: {exc})"


def expand_all_under(tree: QTreeView, index: QModelIndex) -> None:
    """What "*" does on a JSON tree: expand ``index`` (its first rows) and the small containers
    under it, ``EXPAND_ALL_DEPTH`` levels deep (see ``_BoundedExpandAll``); nothing for an
    invalid index."""
    if not index.isValid():
        return
    index = index.siblingAtColumn(0)
    blocked = tree.blockSignals(True)  # the columns are measured once, after
    try:
        tree.expand(index)
        expand_small_containers(tree, EXPAND_ALL_DEPTH - 1, parent=index)  # measures the columns
    finally:
        tree.blockSignals(blocked)


def json_tree_columns(tree: QTreeView) -> None:
    """Key and kind as wide as their shown rows, value stretched. Not ResizeToContents:
    it re-measures on every change of rows, and expanding a big container is change enough.
    Measured over the rows on screen only: Qt's default, 1,000 rows from the first one shown,
    was 0.1 s for each row expanded on the way to a row deep in a big list."""
    header = tree.header()
    header.setStretchLastSection(False)
    header.setResizeContentsPrecision(0)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
    tree.expanded.connect(lambda _index: fit_json_columns(tree))
    tree.installEventFilter(_BoundedExpandAll(tree))
    tree.verticalScrollBar().valueChanged.connect(lambda _value: widen_json_columns(tree))


def widen_json_columns(tree: QTreeView) -> None:
    """Widen key and kind to the rows scrolled onto screen, never narrow them (a column that
    shifts as the user scrolls is hard to read); ~30 rows measured, a millisecond or two."""
    for column in (0, 2):
        needed = tree.sizeHintForColumn(column)
        if needed > tree.columnWidth(column):
            tree.setColumnWidth(column, needed)


def fit_json_columns(tree: QTreeView) -> None:
    """Size key and kind to the rows on screen (``json_tree_columns`` sets the precision)."""
    for column in (0, 2):
        tree.resizeColumnToContents(column)


def size_words(characters: int) -> str:
    """``840 KB``, ``5.1 MB``: how big a text is, for a button."""
    if characters >= 1_000_000:
        return f"{characters / 1_000_000:.1f} MB"
    return f"{max(1, round(characters / 1000))} KB"


class ErrorBanner(QFrame):
    """A non-modal message strip: names what failed and why; the window stays usable."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#errorBanner { background: rgba(217, 83, 79, 40); border: 1px solid #d9534f; border-radius: 3px; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        icon = QLabel("⚠")
        icon.setStyleSheet("color: #d9534f; font-weight: bold;")
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # stream names and errors ("<class …>") as written
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


class ElidingLabel(QLabel):
    """A one-line label that never asks for more width than it is given: a long text (a long
    stream name in the table's title) is drawn cut in the middle with "…", and shown whole in
    its tooltip, instead of widening its pane. ``text()`` is the whole text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming)
        super().setText(text)
        self._update_tooltip()

    def shown_text(self) -> str:
        """The text as drawn at the label's width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, self.contentsRect().width())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self.text()) + margins.left() + margins.right() + 2
        return QSize(width, super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        self.setToolTip(self.text() if self.shown_text() != self.text() else "")

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt naming)
        painter = QPainter(self)
        try:
            self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()), self.palette(),
                                      self.isEnabled(), self.shown_text(), self.foregroundRole())
        finally:
            painter.end()


class NoteLabel(QLabel):
    """A dim note of plain text on a line of its own, wrapped to the width it is given (so it is
    read whole in a narrow pane and never widens it), and hidden while it has no text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setEnabled(False)
        self.hide()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt naming)
        super().setText(text)
        self.setVisible(bool(text))


#: Room between two widgets of a row, as styles lay them out (pixels; most use 6)
_SPACING = 6


class EventView(QWidget):
    """One event: a header line, its problem (if any), a JSON tree and the raw text.

    The tree builds only what is opened; the raw text of a big event (``INLINE_FORMAT_LIMIT``)
    is formatted on a worker thread in small pieces (``event_text_in_pieces``: the GIL goes back
    to the GUI thread between two) while the view says how far it has got; selecting another
    event meanwhile stops that work and drops the late text.
    """

    #: the user stopped the loading of the shown event's payload (Cancel)
    loadCancelled = Signal()
    #: the user asked for the shown event's payload again (Load, after a Cancel or a failure)
    loadRequested = Signal()
    #: (ticket, text) from the formatting thread (an object: a 50 MB str is not copied to a QString)
    _formatted = Signal(int, object)
    #: (ticket, characters written so far) from the formatting thread
    _formatting_progress = Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.shown_event: Event | None = None
        self._ticket = 0
        self._formatted.connect(self._on_formatted)
        self._formatting_progress.connect(self._on_formatting_progress)
        self._format_note = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.header = QLabel("Select an event in the table or on the timeline.")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)  # names, type and actor are escaped into it
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)  # a stream's name and the problem's text, as they are
        self.problem.setObjectName("eventProblem")
        self.problem.setStyleSheet(
            "#eventProblem { color: #d9534f; font-weight: bold; padding: 4px;"
            " border: 1px solid #d9534f; border-radius: 3px; }"
        )
        self.problem.hide()
        # a payload the table's page left out, being read whole on a worker ("Loading 52.4 MB event…")
        self.loading_bar = QFrame()
        self.loading_bar.setObjectName("eventLoading")
        self.loading_bar.setStyleSheet("#eventLoading { border: 1px solid palette(mid); border-radius: 3px; }")
        loading_row = QHBoxLayout(self.loading_bar)
        loading_row.setContentsMargins(8, 4, 4, 4)
        self.loading_label = QLabel()
        self.loading_label.setWordWrap(True)
        self.cancel_load_button = QPushButton("Cancel")
        self.cancel_load_button.setToolTip("Stop reading this event's payload")
        self.cancel_load_button.clicked.connect(self.loadCancelled)
        self.load_button = QPushButton("Load")
        self.load_button.setToolTip("Read this event's payload from the store and show it")
        self.load_button.clicked.connect(self.loadRequested)
        loading_row.addWidget(self.loading_label, 1)
        loading_row.addWidget(self.cancel_load_button)
        loading_row.addWidget(self.load_button)
        self.loading_bar.hide()
        self._loading = False
        self._loading_size = 0  # bytes of the payload being loaded (``show_loading``)
        self._stored_sizes: tuple[object, int] | None = None  # (event key, bytes as stored) of the last one loaded
        _FORMATTER.start_threads()  # now, not while a big event loads (see ``WorkerPool.start_threads``)
        self.model = JsonTreeModel(self)
        self.tree = JsonTreeView()
        self.tree.setModel(self.model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        json_tree_columns(self.tree)
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setFont(monospace_font())
        # lines are kept whole (scroll sideways): wrapping cut ids such as UUIDs in two
        self.raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.raw.setPlaceholderText("The event's stored text appears here.")
        self._raw: str | PiecesOfText = ""
        copy_row = QHBoxLayout()
        raw_label = QLabel("Raw")
        raw_label.setStyleSheet("font-weight: bold;")
        self._raw_label = raw_label
        # under the buttons, wrapped: read whole in a narrow pane, never widening it (nor the window)
        self.raw_note = NoteLabel()
        self.show_all_button = QPushButton("Show all")
        self.show_all_button.setToolTip("Show the whole stored text (a big text takes a moment to lay out)")
        self.show_all_button.clicked.connect(self.show_all_raw)
        self.show_all_button.hide()
        self.copy_button = QPushButton("Copy raw")
        self.copy_button.setToolTip("Copy the event's whole stored text")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_raw)
        copy_row.addWidget(raw_label)
        copy_row.addStretch(1)
        copy_row.addWidget(self.show_all_button)
        copy_row.addWidget(self.copy_button)
        raw_box = QWidget()
        raw_layout = QVBoxLayout(raw_box)
        raw_layout.setContentsMargins(0, 0, 0, 0)
        raw_layout.addLayout(copy_row)
        raw_layout.addWidget(self.raw_note)
        raw_layout.addWidget(self.raw)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(raw_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(self.header)
        layout.addWidget(self.problem)
        layout.addWidget(self.loading_bar)
        layout.addWidget(split, 1)

    @property
    def loading(self) -> bool:
        """True while the shown event's payload is being read (``show_loading``)."""
        return self._loading

    def show_loading(self, event: Event, size: int) -> None:
        """Show ``event``'s header while its payload (``size`` bytes, left out of the table's page)
        is read whole: the tree and text stay empty, the bar says "Loading 52.4 MB event…" with Cancel."""
        self.show_event(None)
        self.shown_event = event
        self._show_header(event)
        self._loading = True
        self._loading_size = size
        self._stored_sizes = ((event.stream, event.position), size)
        self.loading_label.setText(f"Loading {size_text(size)} event…")
        self.cancel_load_button.show()
        self.load_button.hide()
        self.loading_bar.show()

    def show_loading_progress(self, event: Event, parsed: int, total: int | None) -> None:
        """How far the decoding of ``event``'s payload has got (``parsed`` of ``total`` bytes): the
        bar says "Loading 52.4 MB event… 40% decoded" while that event is still loading."""
        if self._loading and self.shown_event is event and total:
            self.loading_label.setText(
                f"Loading {size_text(self._loading_size)} event… {min(100, parsed * 100 // total)}% decoded")

    def show_load_stopped(self, text: str) -> None:
        """The shown event's payload is not coming (cancelled, failed, gone): say ``text`` and offer Load."""
        self._loading = False
        self.loading_label.setText(text)
        self.cancel_load_button.hide()
        self.load_button.show()
        self.loading_bar.show()

    def show_event(self, event: Event | None) -> None:  # type: ignore[override]
        self.shown_event = event
        self._ticket += 1  # a text still being formatted for the previous event is dropped
        self._loading = False
        self.loading_bar.hide()
        if event is None:
            self.header.setText("Select an event in the table or on the timeline.")
            self.problem.hide()
            self.model.clear()
            self._set_raw("")
            self.copy_button.setEnabled(False)
            return
        self._show_header(event)
        body = {"data": event.data, "metadata": event.metadata}
        self.model.set_value(body)
        expand_small_containers(self.tree, depth=1)
        size = estimated_text_size(event)
        if size <= INLINE_FORMAT_LIMIT:
            self._set_raw(event_text(event))
            self.copy_button.setEnabled(True)
            return
        ticket = self._ticket
        self._set_raw("")
        self._format_note = f"formatting the stored text (about {size_words(size)}, or more)…"
        self.raw_note.setText(self._format_note)
        self.copy_button.setEnabled(False)
        emit, report = self._formatted.emit, self._formatting_progress.emit

        def still_wanted() -> bool:
            return self._ticket == ticket

        _FORMATTER.submit(lambda: emit(ticket, event_text_in_pieces(event, still_wanted,
                                                                    lambda done: report(ticket, done), joined=False)))

    def _show_header(self, event: Event) -> None:
        colour = type_colour(event.type)
        actor = f" · {html.escape(event.actor)}" if event.actor else ""
        self.header.setText(
            f"<b>{html.escape(shown_name(event.stream))}</b> v{event.version if event.version is not None else '—'} · "
            f"<span style='color:{colour}; font-weight:bold'>■ {html.escape(event.type)}</span><br>"
            f"<span title='UTC {utc_time(event.recorded_at)}'>{local_time(event.recorded_at)}</span>"
            f"{actor} · position {event.position}"
        )
        self.header.setToolTip(f"UTC {utc_time(event.recorded_at)}")
        if event.problem:
            self.problem.setText(
                f"Problem in {shown_name(event.stream)} v{event.version}: {event.problem}"
            )
            self.problem.show()
        else:
            self.problem.hide()

    @property
    def formatting(self) -> bool:
        """True while the shown event's raw text is being formatted on a worker."""
        return self.shown_event is not None and self.loading_bar.isHidden() and not self.copy_button.isEnabled()

    def _on_formatting_progress(self, ticket: int, done: int) -> None:
        if ticket == self._ticket and self.formatting:
            # the note has a line of its own, wrapped: it keeps the size it expects
            self.raw_note.setText(f"{self._format_note} {size_words(done)} written")

    def _on_formatted(self, ticket: int, text: str | PiecesOfText | None) -> None:
        if ticket != self._ticket or text is None:
            return  # another event was selected meanwhile
        self._set_raw(text)
        self.copy_button.setEnabled(True)

    @property
    def _raw_text(self) -> str:
        """The whole raw text (a big event's pieces joined the first time it is asked for)."""
        raw = self._raw
        return raw if isinstance(raw, str) else raw.whole()

    def _set_raw(self, text: str | PiecesOfText) -> None:
        self._raw = text
        if len(text) <= RAW_LIMIT:
            self.raw.setPlainText(text if isinstance(text, str) else text.whole())
            self.raw_note.setText("")
            self.raw_note.setToolTip("")
            self.show_all_button.hide()
            return
        self.raw.setPlainText((text[:RAW_LIMIT] if isinstance(text, str) else text.head(RAW_LIMIT)) + "\n…")
        # the note stays short: "Show all" beside it names the whole size: the
        # event's as stored where known, and the text's (indented, with the metadata: often twice as big)
        self.raw_note.setText(f"first {size_words(RAW_LIMIT)} shown")
        self.raw_note.setToolTip(f"showing the first {size_words(RAW_LIMIT)} of {size_words(len(text))} of text")
        stored, whole = self.stored_size(), size_words(len(text))
        self._show_all_labels = (f"Show all ({whole} of text)",) if stored is None else (
            f"Show all ({size_text(stored)} event, {whole} of text)", f"Show all ({whole} of text)")
        self.show_all_button.setToolTip(
            "Show the whole stored text" + (f": the {size_text(stored)} event" if stored is not None else "")
            + f" laid out as indented text with its metadata is {whole} (a big text takes a moment to lay out)")
        self._fit_show_all_label()
        self.show_all_button.show()

    def _fit_show_all_label(self) -> None:
        """The longest of the Show all labels that fits in the Raw row beside its title and Copy raw:
        the event's size and its text's where the pane has room, the text's alone in a narrow one."""
        labels = getattr(self, "_show_all_labels", ())
        if not labels:
            return
        button = self.show_all_button
        taken = button.sizeHint().width() - button.fontMetrics().horizontalAdvance(button.text())
        row = self.raw.width() or self.width()
        room = row - self._raw_label.sizeHint().width() - self.copy_button.sizeHint().width() - 3 * _SPACING - taken
        fitting = next((label for label in labels if button.fontMetrics().horizontalAdvance(label) <= room), labels[-1])
        if button.text() != fitting:
            button.setText(fitting)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        if self.show_all_button.isVisible():
            self._fit_show_all_label()

    def stored_size(self) -> int | None:
        """The shown event's size as the store holds it (bytes of its payload), when known: read
        whole after the table's page left it out (``show_loading``), or kept as its stored text."""
        event = self.shown_event
        if event is None:
            return None
        if self._stored_sizes is not None and self._stored_sizes[0] == (event.stream, event.position):
            return self._stored_sizes[1]
        raw = getattr(event, "raw", None)  # characters of a stored text: its bytes, near enough
        return len(raw) if isinstance(raw, (str, bytes, bytearray)) else None

    @property
    def raw_truncated(self) -> bool:
        return self.show_all_button.isVisible()

    def show_all_raw(self) -> None:
        """Lay out the whole stored text (the user asked: it may take a moment)."""
        self.raw.setPlainText(self._raw_text)
        self.raw_note.setText("")
        self.show_all_button.hide()

    def copy_raw(self) -> None:
        QGuiApplication.clipboard().setText(self._raw_text)


class OpenStoreDialog(QDialog):
    """Asks for a store: a file path (with Browse…) or a SQLAlchemy URL, and an optional layout
    (each one ``--layout`` takes: where a database holds several stores, the one the note names)."""

    LAYOUTS = ("auto-detect", *layout_names())

    def __init__(self, recent: list[str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open store")
        self.setMinimumWidth(560)
        form = QFormLayout(self)
        self.target = QComboBox()
        self.target.setEditable(True)
        self.target.addItems(recent)
        self.target.setCurrentText("")
        self.target.lineEdit().setPlaceholderText("path/to/store.db, events.jsonl or postgresql+psycopg://user@host/db")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        row.addWidget(browse)
        form.addRow("Store:", row)
        self.layout_box = QComboBox()
        self.layout_box.addItems(self.LAYOUTS)
        form.addRow("Layout:", self.layout_box)
        hint = QLabel("Stores are always opened read-only. Passwords are never saved in settings: give one "
                      "in the URL or the driver's environment variable, or type it when the server asks.")
        hint.setWordWrap(True)
        hint.setEnabled(False)
        form.addRow(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open store file", "", "Event stores (*.db *.sqlite *.sqlite3 *.db3 *.jsonl *.ndjson);;All files (*)"
        )
        if path:
            self.target.setCurrentText(path)

    def chosen(self) -> tuple[str, str | None]:
        layout = self.layout_box.currentText()
        return self.target.currentText().strip(), None if layout == "auto-detect" else layout


#: seconds without progress before a strip running a projector says so
PROGRESS_STALL_SECONDS = 10


class ProgressStrip(QWidget):
    """Status-bar strip for the long task in progress: label, bar and Cancel."""

    cancelRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QProgressBar

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancelRequested)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self, text: str, *, projector: bool = False) -> None:
        """Show ``text`` with a busy bar. ``projector``: the work runs a projector (a replay, a
        bisect, a diff), which may be stuck in a loop: once no progress has come for
        ``PROGRESS_STALL_SECONDS`` the label says for how long, and that Cancel stops it."""
        import time

        from PySide6.QtCore import QTimer

        self._text = text
        self._shown = text
        self._projector = projector
        self._news = time.monotonic()
        if not hasattr(self, "_watch"):
            self._watch = QTimer(self)
            self._watch.setInterval(1000)
            self._watch.timeout.connect(self._check_stall)
        if projector:
            self._watch.start()
        else:
            self._watch.stop()
        self.label.setText(text)
        self.label.setToolTip("")
        self.bar.setRange(0, 0)
        self.show()

    def update_progress(self, done: int, total: int | None) -> None:
        import time

        self._news = time.monotonic()
        if total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * done / total))
            self.bar.setFormat(f"{done:,} / {total:,}")
            self._shown = getattr(self, "_text", "")
        else:  # no total known (an export streams its slice): a busy bar and the count so far
            self.bar.setRange(0, 0)
            self._shown = f"{getattr(self, '_text', '')} · {done:,} events"
        self.label.setText(self._shown)
        self.label.setToolTip("")

    def _check_stall(self) -> None:
        import time

        if not self.isVisible() or not getattr(self, "_projector", False):
            return
        quiet = time.monotonic() - self._news
        if quiet >= PROGRESS_STALL_SECONDS:  # the news first: the status bar may cut the label's end
            text = f"No progress for {quiet:.0f} s · {self._shown} (a stuck projector or a long stream); Cancel stops it"
            self.label.setText(text)
            self.label.setToolTip(text)

    def finish(self) -> None:
        if hasattr(self, "_watch"):
            self._watch.stop()
        self.hide()


class ConnectionBanner(QFrame):
    """Says the connection was lost and is being restored, then that it is back.

    Separate from the error banner: it tracks one condition (the store's connection) and
    changes its own text as reconnect attempts go, without hiding other messages.
    """

    retryRequested = Signal()

    STYLES = {
        "lost": "#connectionBanner { background: rgba(255, 179, 0, 50); border: 1px solid #ffb300; border-radius: 3px; }",
        "restored": "#connectionBanner { background: rgba(76, 175, 80, 45); border: 1px solid #4caf50; border-radius: 3px; }",
    }

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        from PySide6.QtCore import QTimer

        self.setObjectName("connectionBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QToolButton()
        self.retry_button.setText("Retry now")
        self.retry_button.setAutoRaise(True)
        self.retry_button.clicked.connect(self.retryRequested)
        close = QToolButton()
        close.setText("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button)
        layout.addWidget(close)
        self.state = "hidden"
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(8000)
        self._hide_timer.timeout.connect(self.hide)
        self.hide()

    def show_lost(self, where: str, detail: str = "") -> None:
        self._set("lost", f"⚠ Connection to {where} lost — reconnecting…" + (f"  ({detail})" if detail else ""))

    def show_retrying(self, where: str, attempts: int, delay: float, why: str) -> None:
        self._set("lost", f"⚠ Connection to {where} lost — reconnecting: attempt {attempts} failed ({why}); "
                          f"next try in {delay:g} s.")

    def show_restored(self, where: str) -> None:
        self._set("restored", f"✓ Connection to {where} restored — the view was refreshed.")
        self._hide_timer.start()

    def _set(self, state: str, text: str) -> None:
        self.state = state
        self._hide_timer.stop()
        self.setStyleSheet(self.STYLES[state])
        self.label.setText(text)
        self.retry_button.setVisible(state == "lost")
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


class NameComboBox(QComboBox):
    """A combo box of names (categories, types, actors) whose closed box elides the current text
    so that it reads apart from every other item (``elided_unmistakable``: what is shown is a cut
    of no other item; dotted type names keep their tail); Qt's own cuts the end, so two names
    differing only there read alike."""

    _fitted_for: tuple[tuple[str, int, tuple[str, ...]], str] | None = None

    def shown_text(self) -> str:
        """The current text as the closed box draws it."""
        from PySide6.QtWidgets import QStyleOptionComboBox

        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        return self._fitted(option)

    def _fitted(self, option) -> str:
        from PySide6.QtWidgets import QStyle

        text = option.currentText
        if not text:
            return text
        room = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                           QStyle.SubControl.SC_ComboBoxEditField, self).width() - 4
        if not option.currentIcon.isNull():
            room -= option.iconSize.width() + 4
        metrics = self.fontMetrics()
        if metrics.horizontalAdvance(text) <= room:
            return text
        key = (text, room, tuple(self.itemText(i) for i in range(self.count())))
        if self._fitted_for is None or self._fitted_for[0] != key:
            self._fitted_for = (key, elided_unmistakable(metrics, text, key[2], max(room, 0)))
        return self._fitted_for[1]

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        from PySide6.QtWidgets import QStyle, QStyleOptionComboBox, QStylePainter

        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        if not self.isEditable():
            option.currentText = self._fitted(option)
            painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
