"""The events table's column widths: each column at its preferred width while the table is
wide enough, and narrowed towards a minimum that still reads (a time, a short address) when it
is not, so the Summary column keeps a readable width in a narrow window.

Narrower still (a 1024 px window: the table gets about 370 px), the columns go down to a tight
width with their cells elided (``…``; the whole value is in the Event tab), and when even that
leaves Summary less than ``SUMMARY_NARROW`` the columns in ``GIVE_WAY`` are left out, one after
another, until it does not: the Summary is always in view without sideways scrolling. They come
back as soon as the table is wide enough; the header's tooltip names those left out."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView

from inspector.ui.models import EventTableModel

#: The width the Summary column keeps before the others get narrower than preferred.
SUMMARY_MIN = 180
#: The least Summary keeps in a narrow table, before columns are left out for it.
SUMMARY_NARROW = 84
#: The narrowest Summary, when nothing more can give way (every column of all streams at 1024 px).
SUMMARY_FLOOR = 60
#: Left out in this order when the table is too narrow for them and a readable Summary
#: (Position: the rows are in its order; Actor: the actor filter and the Event tab still have it).
GIVE_WAY = (EventTableModel.POSITION, EventTableModel.ACTOR, EventTableModel.VERSION)


class EventColumnsFitter(QObject):
    """Sets the widths of ``view``'s columns before Summary (the last, stretched) whenever the
    table is resized or a column is shown or hidden (``fit``). A column the user dragged keeps
    its width until the table's size changes again."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(view)
        self._view = view
        text = view.fontMetrics()
        pad = 14
        m = EventTableModel
        # preferred: the actor column fits a support address such as support:ines@example.com
        self.preferred = {m.POSITION: 58, m.STREAM: 124, m.VERSION: 56, m.TYPE: 132,
                          m.TIME: max(136, text.horizontalAdvance("2026-09-23 09:01:05") + pad), m.ACTOR: 172}
        self.minimum = {m.POSITION: 50, m.STREAM: 90, m.VERSION: 44, m.TYPE: 100,
                        m.TIME: text.horizontalAdvance("2026-09-23 09:01:05") + pad, m.ACTOR: 110}
        # no column narrower than its header's word ("Version" clipped to "ersion" reads as a bug)
        titles = view.horizontalHeader().fontMetrics()
        for column in self.preferred:
            word = titles.horizontalAdvance(str(m.COLUMNS[column])) + 2 * pad
            self.preferred[column] = max(self.preferred[column], word)
            self.minimum[column] = max(self.minimum[column], word)
        #: the Time column when it gives milliseconds (events of the page share a second)
        self.time_with_milliseconds = text.horizontalAdvance("2026-09-23 09:01:05.123") + pad
        # tight: cells elided (a time never: a cut time reads as another time); headers whole
        self.tight = {m.POSITION: titles.horizontalAdvance(m.COLUMNS[m.POSITION]) + 16, m.STREAM: 80,
                      m.VERSION: titles.horizontalAdvance(m.COLUMNS[m.VERSION]) + 12, m.TYPE: 88,
                      m.TIME: self.minimum[m.TIME], m.ACTOR: 72}
        self.tight = {c: min(width, self.minimum[c]) for c, width in self.tight.items()}
        #: columns the window leaves out whatever the width (one stream's Position and Stream)
        self._unwanted: set[int] = set()
        #: columns left out for Summary at the last fit, in ``GIVE_WAY`` order
        self.left_out: list[int] = []
        view.viewport().installEventFilter(self)
        self.fit()

    def is_wanted(self, column: int) -> bool:
        """Whether the window wants ``column`` shown (it is, unless left out for Summary)."""
        return column not in self._unwanted

    def set_wanted(self, column: int, wanted: bool) -> None:
        """Whether the window wants ``column`` shown at all (then it is, when there is room);
        call ``fit`` after."""
        if wanted:
            self._unwanted.discard(column)
        else:
            self._unwanted.add(column)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def widths(self, available: int, wanted: list[int] | None = None) -> dict[int, int]:
        """The widths of the columns shown in a table ``available`` pixels wide, out of ``wanted``
        (default: those shown now): Time wider when it gives milliseconds; a column missing
        from the answer is left out for Summary (``GIVE_WAY``)."""
        m = EventTableModel
        preferred, minimum, tight = dict(self.preferred), dict(self.minimum), dict(self.tight)
        model = self._view.model()
        if getattr(model, "shows_milliseconds", lambda: False)():
            for widths in (preferred, minimum, tight):
                widths[m.TIME] = max(widths[m.TIME], self.time_with_milliseconds)
        shown = list(wanted) if wanted is not None else [c for c in preferred if not self._view.isColumnHidden(c)]
        if sum(minimum[c] for c in shown) + SUMMARY_MIN <= available:
            return _squeezed(shown, preferred, minimum, available - SUMMARY_MIN)
        for column in GIVE_WAY:
            if sum(tight[c] for c in shown) + SUMMARY_NARROW <= available:
                break
            if column in shown:
                shown.remove(column)
        if sum(minimum[c] for c in shown) + SUMMARY_MIN <= available:
            return _squeezed(shown, preferred, minimum, available - SUMMARY_MIN)
        return _squeezed(shown, minimum, tight, available - SUMMARY_NARROW)

    def fit(self) -> None:
        header = self._view.horizontalHeader()
        # a page whose events name no actor (an eventsourcing store) hides the empty Actor
        # column: its width goes to Summary
        model = self._view.model()
        empty = model is not None and model.rowCount() > 0 and not getattr(model, "has_actors", lambda: True)()
        wanted = [c for c in self.preferred if c not in self._unwanted and not (c == EventTableModel.ACTOR and empty)]
        available = self._view.viewport().width()
        widths = self.widths(available, wanted)
        for column in self.preferred:
            hidden = column not in widths
            if self._view.isColumnHidden(column) != hidden:
                self._view.setColumnHidden(column, hidden)
        for column, width in widths.items():
            header.resizeSection(column, width)
        # the stretched Summary takes the room left; Qt keeps it at least as wide as it was last
        # given, so it is given that room (a wider width left from a wider table would scroll)
        header.resizeSection(EventTableModel.SUMMARY, max(SUMMARY_FLOOR, available - sum(widths.values())))
        self.left_out = [c for c in GIVE_WAY if c in wanted and c not in widths]
        names = " and ".join(EventTableModel.COLUMNS[c] for c in self.left_out)
        header.setToolTip(f"{names} left out: the table is too narrow for them and a readable Summary "
                          "(widen the window or this pane to see them; the Event tab has every field)"
                          if names else "")
        if sum(widths.values()) + SUMMARY_NARROW <= available + 1:
            self._view.horizontalScrollBar().setValue(0)  # everything fits: start at the first column


def _squeezed(shown: list[int], upper: dict[int, int], lower: dict[int, int], room: int) -> dict[int, int]:
    """``shown`` at their ``upper`` widths when they fit in ``room`` pixels, else each narrowed
    towards its ``lower`` width by the same share of its slack (never below it)."""
    wanted = sum(upper[c] for c in shown)
    excess = wanted - room
    if excess <= 0:
        return {c: upper[c] for c in shown}
    slack = {c: upper[c] - lower[c] for c in shown}
    total = sum(slack.values()) or 1
    share = min(1.0, excess / total)
    return {c: upper[c] - int(slack[c] * share + 0.999) for c in shown}
