"""The State and Diff tabs: they show what the replay engine returned, nothing more.

Requests go out as signals; the window runs them on the background runner and hands
the results back through ``show_*`` methods.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QTableView,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from inspector.core.changed_paths import ChangedPaths
from inspector.core.events import Moment
from inspector.ui.models import DiffTreeModel, EventRowsModel, JsonTreeModel, ObjectRole
from inspector.ui.presenting import local_time, shown_name, utc_time
from inspector.ui.timeline import CURSOR_COLOURS
from inspector.ui.widgets import (
    EXPAND_LIMIT,
    JsonTreeView,
    expand_all_under,
    expand_small_containers,
    fit_json_columns,
    json_tree_columns,
)


def _tree(model, widths: tuple[int, ...] = ()) -> QTreeView:
    view = JsonTreeView() if isinstance(model, JsonTreeModel) else QTreeView()
    view.setModel(model)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    header = view.header()
    if widths:
        for column, width in enumerate(widths):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
    else:  # key, value (stretches), kind
        json_tree_columns(view)
    return view


class ProjectorBar(QWidget):
    """Which projector replays this store, why it was chosen, and a choice of the others.

    The choice box lists generic, native eventsourcing (asks for the folder with the
    application's code), the demo's projector and a projector file, each with a one-line
    explanation as its tooltip; ``choiceRequested`` carries the kind picked. A slice whose
    source used a projector of the user's is offered through ``offerAccepted``.
    """

    choiceRequested = Signal(str)
    loadRequested = Signal()  # a projector file (Tools › Load projector file…)
    reloadRequested = Signal()
    resetRequested = Signal()
    offerAccepted = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        from inspector.replay.choices import EXPLANATIONS, KINDS, TITLES

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        caption = QLabel("Projector:")
        self.choice_box = QComboBox()
        self.choice_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.choice_box.setMinimumContentsLength(12)
        for kind in KINDS:
            self.choice_box.addItem(TITLES[kind], kind)
            self.choice_box.setItemData(self.choice_box.count() - 1, EXPLANATIONS[kind], Qt.ItemDataRole.ToolTipRole)
        self.choice_box.setToolTip("Which projector folds the events into state (remembered for this store)")
        self.choice_box.activated.connect(self._on_choice_activated)
        self.reload_button = QPushButton("Reload")
        self.reload_button.setToolTip("Load the projector again (also done when its file changes)")
        self.reload_button.clicked.connect(self.reloadRequested)
        self.reload_button.setEnabled(False)
        # Kept for Tools › Load projector file… and older callers; the choice box is the way in.
        self.load_button = QPushButton("Load…")
        self.load_button.clicked.connect(self.loadRequested)
        self.load_button.hide()
        self.reset_button = QToolButton()
        self.reset_button.setText("Default")
        self.reset_button.setToolTip("Forget the choice for this store and use the default projector")
        self.reset_button.clicked.connect(self.resetRequested)
        self.reset_button.setEnabled(False)
        row.addWidget(caption)
        row.addWidget(self.choice_box, 1)
        row.addWidget(self.reload_button)
        row.addWidget(self.reset_button)
        self.label = QLabel("Projector: —")
        self.label.setWordWrap(True)
        self.label.setMinimumWidth(40)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation = QLabel("")
        self.explanation.setWordWrap(True)
        self.explanation.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.explanation.setStyleSheet("color: palette(placeholder-text);")
        self.offer_button = QPushButton("")
        self.offer_button.clicked.connect(self.offerAccepted)
        self.offer_button.hide()
        column.addLayout(row)
        column.addWidget(self.label)
        column.addWidget(self.explanation)
        column.addWidget(self.offer_button)
        self.kind = "generic"

    def _on_choice_activated(self, index: int) -> None:
        kind = self.choice_box.itemData(index)
        self._select(self.kind)  # stays on the active one until the new one has loaded
        self.choiceRequested.emit(kind)

    def _select(self, kind: str) -> None:
        index = self.choice_box.findData(kind)
        self.choice_box.blockSignals(True)
        self.choice_box.setCurrentIndex(max(index, 0))
        self.choice_box.blockSignals(False)

    def show_choice(self, kind: str, label: str, source: str | None, reason: str, explanation: str,
                    *, remembered: bool) -> None:
        """The active projector: its kind, name, file or folder, why it was chosen and what it does."""
        self.kind = kind
        self._select(kind)
        where = f" — {source}" if source else ""
        self.label.setText(f"Active: <b>{label}</b>{where}<br><i>Why:</i> {reason}")
        self.label.setToolTip(source or f"{label}: a built-in projector")
        self.explanation.setText(explanation)
        self.reload_button.setEnabled(kind in ("file", "native"))
        self.reset_button.setEnabled(remembered)

    def set_native_available(self, available: bool, layout: str | None = None) -> None:
        """Native eventsourcing replay only where the store is one the library wrote: elsewhere (a
        slice, another layout) its item is greyed out and its tooltip says why."""
        from inspector.replay.choices import EXPLANATIONS

        index = self.choice_box.findData("native")
        item = self.choice_box.model().item(index) if index >= 0 else None
        if item is None:
            return
        item.setEnabled(available)
        item.setToolTip(EXPLANATIONS["native"] if available else
                        "Native eventsourcing replay reads the library's own tables; this store "
                        f"({layout or 'another layout'}) does not have them")

    def show_projectors(self, label: str, source: str | None) -> None:
        """Older form of ``show_choice``: a file (``source``) or the built-in projector ``label``."""
        self.show_choice("file" if source else "generic", label, source,
                         "remembered for this store" if source else "the built-in projector", "",
                         remembered=bool(source))

    def offer(self, text: str | None) -> None:
        """Offer another projector (``text`` says which); None hides the offer."""
        self.offer_button.setVisible(bool(text))
        self.offer_button.setText(text or "")
        self.offer_button.setToolTip(text or "")


#: The largest position Qt's slider holds (a C int).
_SLIDER_MAX = 2**31 - 1


#: versions a second that Play offers; Play starts at 2 a second
PLAY_SPEEDS = (1, 2, 5, 10, 25, 50)
DEFAULT_PLAY_SPEED = 2


class PlaySpeedBox(QComboBox):
    """The State tab's Play speed: one of ``PLAY_SPEEDS`` versions a second."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playSpeed")
        self.setToolTip("Play speed: versions a second (each one replays the state)")
        for speed in PLAY_SPEEDS:
            self.addItem(f"{speed}/s", speed)
        self.setCurrentIndex(self.findData(DEFAULT_PLAY_SPEED))

    def speed(self) -> int:
        """Versions a second."""
        return int(self.currentData())

    def set_speed(self, speed: int) -> None:
        """Choose ``speed`` versions a second; ValueError when it is not one of ``PLAY_SPEEDS``."""
        index = self.findData(speed)
        if speed not in PLAY_SPEEDS or index < 0:
            raise ValueError(f"Play speed {speed!r} is not one of {PLAY_SPEEDS}")
        self.setCurrentIndex(index)


class StateView(QWidget):
    """Replayed state at a version, a scrubber over versions, and how the state was obtained."""

    versionRequested = Signal(object)  # a version: any int, 64 bits too
    playSpeedChanged = Signal(int)  # versions a second, chosen by the user or set_play_speed

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.stream: str | None = None
        self.version: int | None = None
        #: on a version several events claim: the position of the event whose state is shown
        self.position: Any = None
        self.result: Any = None
        #: who wrote the store's own snapshots, for the provenance line (e.g. "the eventsourcing library")
        self.snapshot_owner: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.projector_bar = ProjectorBar()
        self.header = QLabel("Select a stream on the left (or an event) to replay its state.")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)  # the stream's name is escaped into it

        self._base = 0  # the first version: the slider holds offsets from it
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.setToolTip("Scrub through the stream's versions")
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.back_button = QToolButton()
        self.back_button.setText("◀")
        self.back_button.setToolTip("Previous version")
        self.back_button.setAutoRepeat(True)
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.forward_button = QToolButton()
        self.forward_button.setText("▶")
        self.forward_button.setToolTip("Next version")
        self.forward_button.setAutoRepeat(True)
        self.forward_button.clicked.connect(lambda: self.step(1))
        self.play_button = QToolButton()
        self.play_button.setText("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Step through the versions one by one")
        self.play_button.toggled.connect(self._on_play_toggled)
        self.speed_box = PlaySpeedBox()
        self.speed_box.currentIndexChanged.connect(self._on_speed_changed)
        self.version_label = QLabel("")
        self.version_label.setMinimumWidth(90)
        self.version_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        scrub = QHBoxLayout()
        scrub.addWidget(self.back_button)
        scrub.addWidget(self.slider, 1)
        scrub.addWidget(self.forward_button)
        scrub.addWidget(self.play_button)
        scrub.addWidget(self.speed_box)
        scrub.addWidget(self.version_label)
        for button in (self.back_button, self.forward_button, self.play_button):
            button.setEnabled(False)

        self.describe_label = QLabel("")
        self.describe_label.setTextFormat(Qt.TextFormat.PlainText)  # it names the stream: never markup
        self.describe_label.setWordWrap(True)
        self.describe_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model = JsonTreeModel(self)
        self.tree = _tree(self.model)
        # What the user opened and selected in this stream's state, kept from version to version
        # (``_keep_view``, restored in ``show_result``): places as ``JsonTreeModel.place_of`` gives
        # them, only those the user expanded (the tree's own expansions are made with its signals
        # blocked), so restoring costs what the user's clicks did, whatever the state's size;
        # True for a row opened with "*" (opened again the same way, as bounded).
        self._view_stream: str | None = None
        self._opened: dict[tuple[Any, ...], bool] = {}
        self._selected: tuple[Any, ...] | None = None
        self._selected_top = 0  # pixels from the top of the tree's viewport to the selected row
        self._scrolled = 0  # the scroll bar's value, where no selected row is shown
        self.tree.expanded.connect(self._on_user_expanded)
        self.tree.collapsed.connect(self._on_user_collapsed)
        self.tree.expandedAll.connect(self._on_user_expanded_all)
        # Enabled on purpose: greyed text on the tinted swatches was unreadable (dark and light);
        # the swatches carry the same tints as the highlighted rows, with the same text colour.
        legend = self.legend = QLabel("<span style='background: rgba(255,179,0,0.4)'>&nbsp;changed&nbsp;</span> "
                                      "<span style='background: rgba(76,175,80,0.35)'>&nbsp;added&nbsp;</span> "
                                      "by the event at this version")
        layout.addWidget(self.projector_bar)
        layout.addWidget(self.header)
        layout.addLayout(scrub)
        layout.addWidget(self.describe_label)
        layout.addWidget(self.tree, 1)
        layout.addWidget(legend)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)
        self._debounce.timeout.connect(lambda: self.versionRequested.emit(self.scrub_version()))
        self._player = QTimer(self)
        self._player.setInterval(self._interval_ms(self.speed_box.speed()))
        self._player.timeout.connect(self._on_player_tick)

    # --- inputs ------------------------------------------------------------------------
    def set_stream(self, stream: str | None, first: int | None, last: int | None) -> None:
        self.play_button.setChecked(False)
        self._keep_view(stream)
        self.stream = stream
        self.result = None
        self.version = None  # nothing shown: a jump to this stream's event at the old version replays it
        self.position = None
        self.model.clear()
        self.describe_label.setText("")
        enabled = stream is not None and first is not None and last is not None
        self.slider.blockSignals(True)
        if enabled:
            assert first is not None and last is not None
            # Qt's slider is a 32-bit int, a stream's versions need not be (a 64-bit version must
            # not raise inside a slot): beyond its range the slider holds offsets from the first
            self._base = 0 if -_SLIDER_MAX <= first and last <= _SLIDER_MAX else first
            self.slider.setRange(self._offset(first), self._offset(last))
            self.slider.setValue(self._offset(last))
        self.slider.blockSignals(False)
        for widget in (self.slider, self.back_button, self.forward_button, self.play_button):
            widget.setEnabled(enabled)
        if stream is None:
            self.header.setText("Select a stream on the left (or an event) to replay its state.")
            self.version_label.setText("")
        else:
            self.header.setText(f"<b>{html.escape(shown_name(stream))}</b>")
            self._update_version_label(self.slider.value())

    def scrub_version(self) -> int:
        """The version the scrubber points at."""
        return self._base + self.slider.value()

    def _offset(self, version: int) -> int:
        """A version as a slider position: its distance from the first, within Qt's int range."""
        return max(0, min(version - self._base, _SLIDER_MAX))

    def set_version(self, version: int) -> None:
        """Move the scrubber without asking for a replay (the caller does that)."""
        self.slider.blockSignals(True)
        self.slider.setValue(self._offset(version))
        self.slider.blockSignals(False)
        self._update_version_label(self.slider.value())

    def extend_versions(self, last: int) -> None:
        """The stream grew (live tail): let the scrubber reach its new last version."""
        if self.slider.isEnabled() and self._offset(last) > self.slider.maximum():
            self.slider.blockSignals(True)
            self.slider.setMaximum(self._offset(last))
            self.slider.blockSignals(False)
            self._update_version_label(self.slider.value())

    def step(self, delta: int) -> None:
        self.slider.setValue(self.slider.value() + delta)

    def _on_slider_value_changed(self, value: int) -> None:
        self._update_version_label(value)
        self._debounce.start()

    def _update_version_label(self, value: int) -> None:
        if self.slider.isEnabled():
            self.version_label.setText(f"v{self._base + value} of v{self._base + self.slider.maximum()}")

    def _on_play_toggled(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        if on:
            if self.slider.value() >= self.slider.maximum():
                self.slider.setValue(self.slider.minimum())
            self._player.start()
        else:
            self._player.stop()

    def play_speed(self) -> int:
        """How many versions a second Play steps through."""
        return self.speed_box.speed()

    def set_play_speed(self, versions_per_second: int) -> None:
        """Play steps through ``versions_per_second`` versions a second (one of ``PLAY_SPEEDS``;
        ValueError otherwise); emits ``playSpeedChanged`` when it changes."""
        self.speed_box.set_speed(versions_per_second)

    @staticmethod
    def _interval_ms(versions_per_second: int) -> int:
        return max(1, round(1000 / versions_per_second))

    def _on_speed_changed(self, _index: int) -> None:
        speed = self.speed_box.speed()
        self._player.setInterval(self._interval_ms(speed))
        self.playSpeedChanged.emit(speed)

    def _on_player_tick(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play_button.setChecked(False)
        else:
            self.step(1)

    # --- results -----------------------------------------------------------------------
    def show_working(self, stream: str, version: int) -> None:
        self._replaying_to = version
        self.describe_label.setText(f"Replaying {shown_name(stream)} to v{version}…")

    def show_result(self, result: Any, changes: list[Any] | ChangedPaths, *, position: Any = None) -> None:
        """Show ``result``'s state with ``changes`` highlighted (what the event shown changed):
        the ``Change``s themselves (their look-up is built here, on the GUI thread: fine for a
        few), or their ``ChangedPaths`` built on the worker (what the window hands: an event
        changing 150,000 paths took 0.5 s to look up here). ``position``: on a version several
        events claim, the one whose state is shown (its warnings say so); None elsewhere."""
        self.result = result
        self.version = result.version
        self.position = position
        marked = changes if isinstance(changes, ChangedPaths) else ChangedPaths.of(changes)
        highlights = marked.ops
        self._keep_view(result.stream)
        self.model.set_value(result.state if result.state is not None else {}, marked)
        # The changed paths are opened to (their containers expanded), the first EXPAND_LIMIT of
        # them: an event adding 150,000 paths froze the window for 40 s, as every expansion
        # measured the columns again. The columns are measured once, after.
        blocked = self.tree.blockSignals(True)
        try:
            expand_small_containers(self.tree, depth=0)
            state = result.state
            for pointer in islice(highlights, EXPAND_LIMIT):
                keys = [_key(part) for part in pointer.split("/")[1:]]
                # not into a container too big to expand: its rows would be made, never shown
                value, depth = state, 0
                while depth < len(keys) and isinstance(value, (dict, list)) and len(value) <= EXPAND_LIMIT:
                    try:
                        value = value[keys[depth]]
                    except (KeyError, IndexError, TypeError):
                        break
                    depth += 1
                index = self.model.find(*keys[:depth])
                while index.isValid():
                    if self.model.child_count(index) <= EXPAND_LIMIT:
                        # a list of 400,000 items took 6 s to expand on the GUI thread; the user can open it
                        self.tree.expand(index)
                    index = index.parent()
            for place, everything in self._opened.items():  # what the user opened, where it still is
                index = self.model.index_of_place(place)
                if index.isValid():
                    if everything:
                        expand_all_under(self.tree, index)
                    else:
                        self.tree.expand(index)
        finally:
            self.tree.blockSignals(blocked)
        fit_json_columns(self.tree)
        self._restore_selection()
        when = local_time(result.recorded_at)
        at = f"at v{result.version}" if result.version is not None else "before its first event"
        self.header.setText(f"<b>{html.escape(shown_name(result.stream))}</b> {at}"
                            + (f" · <span title='UTC {utc_time(result.recorded_at)}'>{when}</span>" if when else ""))
        text = result.describe()
        if result.snapshot_source == "store" and self.snapshot_owner:
            # name whose snapshot it is: "snapshot v10 stored by the eventsourcing library + 3 events"
            text = text.replace(" from the store ", f" stored by {self.snapshot_owner} ", 1)
        if marked.count:  # said before the warnings (a long one names the events sharing the version)
            head, sep, rest = text.partition("; warning: ")
            text = head + f" · {marked.count:,} field{'s' if marked.count != 1 else ''} changed by this event" + sep + rest
        self.describe_label.setText(text)
        colour = "#d9534f" if (result.stopped is not None or result.problem) else ("#b8860b" if result.warnings else "")
        self.describe_label.setStyleSheet(f"color: {colour};" if colour else "")
        if result.version is not None:
            self.set_version(result.version)

    # --- what the user opened, kept across versions ------------------------------------
    def _on_user_expanded(self, index: QModelIndex) -> None:
        place = self.model.place_of(index.siblingAtColumn(0))
        if place is not None:
            self._opened.setdefault(place, False)

    def _on_user_expanded_all(self, index: QModelIndex) -> None:
        place = self.model.place_of(index)
        if place is not None:
            self._opened[place] = True

    def _on_user_collapsed(self, index: QModelIndex) -> None:
        place = self.model.place_of(index.siblingAtColumn(0))
        if place is not None:
            self._opened.pop(place, None)

    def _keep_view(self, stream: str | None) -> None:
        """Before the tree shows another state of ``stream``: note its selected row and where
        it stands on screen; before another stream's: forget what was opened (it starts closed)."""
        if stream != self._view_stream:
            self._view_stream = stream
            self._opened.clear()
            self._selected, self._selected_top, self._scrolled = None, 0, 0
            return
        if self.result is None:
            return  # nothing shown (a replay on its way): what was noted stands
        current = self.tree.currentIndex()
        if current.isValid():
            self._selected = self.model.place_of(current.siblingAtColumn(0))
            self._selected_top = self.tree.visualRect(current).top()
        self._scrolled = self.tree.verticalScrollBar().value()

    def _restore_selection(self) -> None:
        """Select the row noted by ``_keep_view`` where the new state has it, at about the same
        height on screen; else keep the scroll position."""
        index = self.model.index_of_place(self._selected)
        bar = self.tree.verticalScrollBar()
        if not index.isValid():
            bar.setValue(self._scrolled)
            return
        parent = index.parent()
        while parent.isValid() and self.tree.isExpanded(parent):
            parent = parent.parent()
        if parent.isValid():
            return  # under a row the user closed: selecting it would open it (Qt scrolls to it)
        auto = self.tree.hasAutoScroll()
        self.tree.setAutoScroll(False)  # scrolled once, below, not also to its nearest edge
        try:
            self.tree.setCurrentIndex(index)
        finally:
            self.tree.setAutoScroll(auto)
        self.tree.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)
        top = max(0, self._selected_top)
        if self.tree.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerPixel:
            bar.setValue(bar.value() - top)
        else:
            bar.setValue(bar.value() - top // max(1, self.tree.rowHeight(index)))

    def show_cancelled(self) -> None:
        """The replay under way was cancelled: Play stops and the scrubber goes back to the version
        of the state shown (the tree still shows it), without asking for a replay; the tab says
        which version was asked for and which one is shown."""
        self.play_button.setChecked(False)
        self._debounce.stop()  # a scrubber move not yet asked for is dropped with it
        asked = getattr(self, "_replaying_to", None)
        result = self.result
        if result is not None and result.stream == self.stream and result.version is not None:
            self.set_version(result.version)
            text = (f"Replay{'' if asked is None else f' to v{asked}'} cancelled: the state shown is at "
                    f"v{result.version}. Move the scrubber or select an event to replay again.")
        else:
            text = "Replay cancelled. Move the scrubber or select an event to replay again."
        self.describe_label.setText(text)
        self.describe_label.setStyleSheet("")

    def show_failed(self, text: str) -> None:
        self.describe_label.setText(text)
        self.describe_label.setStyleSheet("color: #d9534f;")


def _key(part: str) -> Any:
    text = part.replace("~1", "/").replace("~0", "~")
    return int(text) if text.isdigit() else text


#: a changed path shows at most this many of its blaming events until the user asks for all
BLAMES_SHOWN = 3


@dataclass(eq=False)
class _MoreNode:
    """The last row under a changed path whose blame list is cut short: how many events are
    not listed in the tree (``hidden``: click to list them) and how many blame itself left out
    (``omitted``: the engine keeps only the latest ones)."""

    parent: Any
    row: int
    hidden: int
    omitted: int
    item: Any = None
    children: list[Any] = field(default_factory=list)


class DiffPathsModel(DiffTreeModel):
    """The diff tree with long blame lists collapsed: a path changed by many events lists the
    first ``BLAMES_SHOWN`` and a "… N more" row that lists the rest when clicked
    (``show_all_blames``), so the next changed path stays in sight. Earlier events that blame
    left out (``events_omitted``) are counted on that row too."""

    def set_changes(self, changes: list[Any]) -> None:
        self._full: dict[int, list[Any]] = {}
        super().set_changes(changes)

    def _path_node(self, row: int, change: Any) -> Any:
        node = super()._path_node(row, change)
        everything = node.children
        omitted = getattr(node.item, "events_omitted", 0) or 0
        # cut only when it saves rows: a "1 more" row would take the place of that one event
        cut = len(everything) > BLAMES_SHOWN + 1
        if cut:
            self._full[id(node)] = everything
            node.children = everything[:BLAMES_SHOWN]
        if cut or omitted:
            hidden = len(everything) - len(node.children)
            node.children.append(_MoreNode(node, len(node.children), hidden, omitted))
        return node

    @staticmethod
    def is_more(index: QModelIndex) -> bool:
        """True for a path's "… N more" row."""
        return index.isValid() and isinstance(index.internalPointer(), _MoreNode)

    def blame_count(self, path_row: int) -> int:
        """How many events changed the path at ``path_row``, listed or not."""
        node = self._root.children[path_row]
        return len(node.item.events or []) + (getattr(node.item, "events_omitted", 0) or 0)

    def show_all_blames(self, index: QModelIndex) -> None:
        """List every blaming event of the path whose "… N more" row is ``index``."""
        if not self.is_more(index):
            return
        more: _MoreNode = index.internalPointer()
        node = more.parent
        rest = self._full.pop(id(node), None)
        if rest is None or not more.hidden:
            return
        parent = self.createIndex(node.row, 0, node)
        shown = len(node.children) - 1
        self.beginInsertRows(parent, shown, len(rest) - 1)
        node.children[shown:shown] = rest[shown:]
        more.row = len(rest)
        self.endInsertRows()
        more.hidden = 0  # after the insert: the row's text changes only now, and says so below
        if not more.omitted:  # nothing left to say: the row goes
            self.beginRemoveRows(parent, more.row, more.row)
            node.children.pop()
            self.endRemoveRows()
        else:
            changed = self.createIndex(more.row, 0, more)
            self.dataChanged.emit(changed, changed.siblingAtColumn(self.BLAME))

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not self.is_more(index):
            return super().data(index, role)
        more: _MoreNode = index.internalPointer()
        if role == Qt.ItemDataRole.DisplayRole and index.column() == self.PATH:
            parts = []
            if more.hidden:
                parts.append(f"… {more.hidden:,} more event{'s' if more.hidden != 1 else ''} changed it "
                             "(click to list them)")
            if more.omitted:
                parts.append(f"{more.omitted:,} earlier event{'s' if more.omitted != 1 else ''} also changed it "
                             "(not listed)")
            return " · ".join(parts)
        if role == Qt.ItemDataRole.ToolTipRole:
            listed = len(more.parent.item.events or [])
            text = f"{listed + more.omitted:,} events changed {more.parent.item.path or '/'}"
            if more.omitted:
                text += f"; blame keeps the latest {listed:,} and counts the {more.omitted:,} before them"
            return text
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setItalic(True)
            return font
        return None


class DiffView(QWidget):
    """State at A against state at B: changed paths, blame per path, the events between."""

    eventRequested = Signal(str, int)  # stream, version

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.diff: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.model = DiffPathsModel(self)
        self.tree = _tree(self.model)
        self.tree.setColumnHidden(DiffTreeModel.BLAME, True)  # the expanded blame rows say it
        # Paths and ops keep their width; before and after share the rest, so neither is cut short.
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(DiffTreeModel.PATH, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(DiffTreeModel.PATH, 96)
        header.setSectionResizeMode(DiffTreeModel.OP, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DiffTreeModel.BEFORE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DiffTreeModel.AFTER, QHeaderView.ResizeMode.Stretch)
        self.tree.setToolTip("Changed paths; expand one to see the events that changed it")
        # A blame row reads as one line across the columns: version, type, actor, time.
        self.tree.expanded.connect(self._on_path_expanded)
        self.tree.activated.connect(self._on_tree_activated)
        self.tree.doubleClicked.connect(self._on_tree_activated)
        self.tree.clicked.connect(self._on_tree_clicked)
        self.between_model = EventRowsModel(self)
        self.between = QTableView()
        self.between.setModel(self.between_model)
        self.between.verticalHeader().hide()
        self.between.verticalHeader().setDefaultSectionSize(22)
        self.between.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.between.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.between.setShowGrid(False)
        self.between.setWordWrap(False)
        for column in (EventRowsModel.POSITION, EventRowsModel.STREAM):
            self.between.hideColumn(column)
        self.between.horizontalHeader().setStretchLastSection(True)
        self.between.horizontalHeader().resizeSection(EventRowsModel.VERSION, 52)
        self.between.horizontalHeader().resizeSection(EventRowsModel.TYPE, 112)
        self.between.horizontalHeader().resizeSection(EventRowsModel.TIME, 136)
        self.between.hideColumn(EventRowsModel.SUMMARY)
        # The hidden summary is the last column, so the actor takes the remaining width itself,
        # or, where that is too little to read (the right pane at 1280x800 left it 35 px: 'sys…'),
        # the actor is left out and the type takes it (_fit_between_columns)
        self.between.horizontalHeader().setStretchLastSection(False)
        self.between.horizontalHeader().setSectionResizeMode(EventRowsModel.ACTOR, QHeaderView.ResizeMode.Stretch)
        self.between.viewport().installEventFilter(self)
        self.between.activated.connect(self._on_between_activated)
        self.between.clicked.connect(self._on_between_activated)
        self.between_label = QLabel("Events between A and B")
        self.between_label.setStyleSheet("font-weight: bold;")
        lower = QWidget()
        lower_box = QVBoxLayout(lower)
        lower_box.setContentsMargins(0, 0, 0, 0)
        lower_box.addWidget(self.between_label)
        lower_box.addWidget(self.between, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("diffSplit")
        split.addWidget(self.tree)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(self.header)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.show_moments(None, None, None)

    #: the least width the Events between table's Actor column is shown at (an address reads)
    BETWEEN_ACTOR_MIN = 90

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
        if watched is self.between.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_between_columns(event.size().width())
        return super().eventFilter(watched, event)

    def _fit_between_columns(self, width: int) -> None:
        """The Actor column where the table leaves it ``BETWEEN_ACTOR_MIN`` or more, stretched;
        else left out, the Type column stretched over its room (named in the header's tooltip)."""
        header = self.between.horizontalHeader()
        fixed = sum(header.sectionSize(c) for c in (EventRowsModel.VERSION, EventRowsModel.TIME))
        room = width - fixed - 112  # Type at its own width
        narrow = room < self.BETWEEN_ACTOR_MIN
        if narrow != self.between.isColumnHidden(EventRowsModel.ACTOR):
            self.between.setColumnHidden(EventRowsModel.ACTOR, narrow)
            header.setSectionResizeMode(EventRowsModel.TYPE, QHeaderView.ResizeMode.Stretch if narrow
                                        else QHeaderView.ResizeMode.Interactive)
            if not narrow:
                header.resizeSection(EventRowsModel.TYPE, 112)
            header.setToolTip("Actor left out: the pane is too narrow for it (widen it; the Event tab "
                              "has every field)" if narrow else "")

    def show_moments(self, stream: str | None, a: Moment | None, b: Moment | None) -> None:
        def side(name: str, moment: Moment | None) -> str:
            colour = CURSOR_COLOURS[name]
            text = "not set" if moment is None else (f"v{moment.version}" if moment.version is not None
                                                      else local_time(moment.at))
            return f"<span style='color:{colour}; font-weight:bold'>{name}</span> {text}"

        self.header.setText(f"{side('A', a)} &nbsp;→&nbsp; {side('B', b)}"
                            + (f" &nbsp;·&nbsp; <b>{html.escape(shown_name(stream))}</b>" if stream is not None else ""))
        if a is None or b is None or stream is None:
            self.summary.setText("Select a stream, then put cursors A and B on the timeline (select an event and "
                                 "press Set A / Set B, or drag them) to compare two moments.")
            self.summary.setStyleSheet("")
            self.diff = None
            self.model.set_changes([])
            self.between_model.set_events([])
            self.between_label.setText("Events between A and B")

    def show_working(self) -> None:
        self.summary.setText("Comparing…")
        self.summary.setStyleSheet("")

    def show_diff(self, diff: Any) -> None:
        self.diff = diff
        self.model.set_changes(diff.changes)
        # Long blame lists are cut to a few rows and a "… N more" row (DiffPathsModel). The paths
        # the model lists first are opened (at most PATHS_AT_A_TIME; later ones are listed closed
        # as the list is scrolled): Qt's expandAll over 150,000 paths held the GUI thread 16 s.
        # The tree's signals are blocked meanwhile, as expandAll sends none: each `expanded` would
        # measure the columns again.
        opened = min(self.model.rowCount(), DiffTreeModel.PATHS_AT_A_TIME)
        blocked = self.tree.blockSignals(True)
        try:
            paths = [self.model.index(row, 0) for row in range(opened)]
            for index in paths:  # while the model's reset is not laid out yet: each is only noted
                self.tree.expand(index)
            for index in paths:
                self._span_blames(index)
        finally:
            self.tree.blockSignals(blocked)
        self.between_model.set_events(diff.events_between)
        total = getattr(diff, "events_between_total", len(diff.events_between))
        shown = len(diff.events_between)
        self.between_label.setText(f"Events between A and B ({total:,}"
                                   + (f", first {shown:,} listed)" if shown < total else ")"))
        if diff.problem:
            self.summary.setText(diff.problem)
            self.summary.setStyleSheet("color: #d9534f;")
            return
        count = len(diff.changes)
        text = (f"{count:,} path{'s' if count != 1 else ''} changed from v{diff.from_.version} to v{diff.to.version}"
                if count else f"No difference between v{diff.from_.version} and v{diff.to.version}")
        omitted = sum(getattr(change, "events_omitted", 0) or 0 for change in diff.changes)
        if omitted:
            text += (f" · {omitted:,} earlier blaming event{'s' if omitted != 1 else ''} not listed "
                     "(the latest ones are)")
        text += f" · {diff.elapsed_ms:.1f} ms"
        if diff.stopped is not None:
            text += f" · projector stopped at v{diff.stopped.version} ({diff.stopped.type}): {diff.stopped.error}"
        warnings = list(getattr(diff, "warnings", ()) or ())
        for warning in warnings:  # a stream that starts late, a duplicated version: as the State tab says
            text += f" · warning: {warning}"
        self.summary.setText(text)
        colour = "#d9534f" if diff.stopped is not None else ("#b8860b" if warnings else "")
        self.summary.setStyleSheet(f"color: {colour};" if colour else "")

    def show_failed(self, text: str) -> None:
        self.summary.setText(text)
        self.summary.setStyleSheet("color: #d9534f;")

    def _on_path_expanded(self, index: QModelIndex) -> None:
        if index.isValid() and not index.parent().isValid():
            self._span_blames(index.siblingAtColumn(0))

    def _span_blames(self, parent: QModelIndex) -> None:
        """A blame row reads as one line across the columns."""
        for child in range(self.model.rowCount(parent)):
            self.tree.setFirstColumnSpanned(child, parent, True)

    def _on_tree_clicked(self, index: QModelIndex) -> None:
        if index.parent().isValid():
            self._on_tree_activated(index)

    def _on_tree_activated(self, index: QModelIndex) -> None:
        if self.model.is_more(index.siblingAtColumn(0)):
            parent = index.parent()
            self.model.show_all_blames(index.siblingAtColumn(0))
            self._span_blames(parent)
            return
        if not index.isValid() or not index.parent().isValid() or self.diff is None:
            return
        blame = index.siblingAtColumn(0).data(ObjectRole)
        if blame is not None and blame.version is not None:
            self.eventRequested.emit(self.diff.stream, blame.version)

    def _on_between_activated(self, index: QModelIndex) -> None:
        event = self.between_model.event_at(index.row())
        if event is not None and event.version is not None:
            self.eventRequested.emit(event.stream, event.version)
