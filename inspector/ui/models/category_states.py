"""The streams a whole-category replay found: stream, version, time and a short view of the state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inspector.core import jsontext
from inspector.ui.models.stream_rows import StreamRowsModel
from inspector.ui.presenting import local_time, utc_time

#: Characters of a state kept per row: the row shows a preview; the State tab shows it whole.
STATE_PREVIEW = 400


@dataclass(frozen=True, slots=True)
class StateRow:
    """One matching stream as the view keeps it: the full state is not held (memory stays bounded
    however many streams match; opening the row replays the stream in the State tab)."""

    stream: str
    version: int | None
    recorded_at: datetime | None
    preview: str
    note: str | None = None

    @classmethod
    def of(cls, outcome: Any) -> "StateRow":
        """From a ``StreamOutcome`` (``inspector.replay.category``)."""
        try:
            text = jsontext.dumps(outcome.state)
        except (TypeError, ValueError, RecursionError):
            text = "(cannot be shown as JSON)"
        if len(text) > STATE_PREVIEW:
            text = text[:STATE_PREVIEW - 1] + "…"
        return cls(outcome.stream, outcome.version, outcome.recorded_at, text, outcome.state_note)


class CategoryStatesModel(StreamRowsModel):
    """Matching streams, appended as a run finds them (at most ``limit`` rows are kept; ``dropped``
    counts the matches beyond it)."""

    COLUMNS = ("Stream", "Version", "Recorded", "State")
    STREAM, VERSION, RECORDED, STATE = range(4)
    MONOSPACE = (STATE,)

    def cell(self, row: StateRow, column: int) -> str:
        return local_time(row.recorded_at) if column == self.RECORDED else row.preview

    def tooltip(self, row: StateRow) -> str:
        where = "" if row.version is None else f" at v{row.version}"
        when = f" (UTC {utc_time(row.recorded_at)})" if row.recorded_at is not None else ""
        note = f"\n{row.note}" if row.note else ""
        return f"{row.stream}{where}{when}\n{row.preview}{note}\nClick or press Enter to open it in the State tab"
