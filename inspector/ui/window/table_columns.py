"""The events table's column widths: each column at its preferred width while the table is
wide enough, and narrowed towards a minimum that still reads (a time, a short address) when it
is not, so the Summary column keeps a readable width in a narrow window."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView

from inspector.ui.models import EventTableModel

#: The width the Summary column keeps before the others get narrower than preferred.
SUMMARY_MIN = 180


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
        view.viewport().installEventFilter(self)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def widths(self, available: int) -> dict[int, int]:
        """The widths of the shown columns for a table ``available`` pixels wide: Time wider
        when it gives milliseconds."""
        m = EventTableModel
        preferred, minimum = dict(self.preferred), dict(self.minimum)
        model = self._view.model()
        if getattr(model, "shows_milliseconds", lambda: False)():
            preferred[m.TIME] = max(preferred[m.TIME], self.time_with_milliseconds)
            minimum[m.TIME] = max(minimum[m.TIME], self.time_with_milliseconds)
        shown = [c for c in preferred if not self._view.isColumnHidden(c)]
        wanted = sum(preferred[c] for c in shown)
        excess = wanted + SUMMARY_MIN - available
        if excess <= 0:
            return {c: preferred[c] for c in shown}
        slack = {c: preferred[c] - minimum[c] for c in shown}
        total = sum(slack.values()) or 1
        share = min(1.0, excess / total)
        return {c: preferred[c] - int(slack[c] * share + 0.999) for c in shown}

    def fit(self) -> None:
        header = self._view.horizontalHeader()
        # a page whose events name no actor (an eventsourcing store) hides the empty Actor
        # column: its width goes to Summary
        model = self._view.model()
        empty = model is not None and model.rowCount() > 0 and not getattr(model, "has_actors", lambda: True)()
        if self._view.isColumnHidden(EventTableModel.ACTOR) != empty:
            self._view.setColumnHidden(EventTableModel.ACTOR, empty)
        available = self._view.viewport().width()
        widths = self.widths(available)
        for column, width in widths.items():
            header.resizeSection(column, width)
        if sum(widths.values()) + SUMMARY_MIN <= available + 1:
            self._view.horizontalScrollBar().setValue(0)  # everything fits: start at the first column
