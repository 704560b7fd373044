"""Streams a projector stopped on: the stream, the event's version and type, and the error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspector.ui.models.common import type_icon
from inspector.ui.models.stream_rows import StreamRowsModel
from inspector.ui.presenting import shown_name


@dataclass(frozen=True, slots=True)
class StoppedRow:
    """A stream whose projector raised: at ``version`` (event ``type``), with ``error``; ``side``
    names the projector that raised when two are compared (empty otherwise)."""

    stream: str
    version: int | None
    type: str
    error: str
    side: str = ""

    @classmethod
    def of(cls, stream: str, stopped: Any, side: str = "") -> "StoppedRow":
        """From a ``StoppedAt`` (``inspector.replay.engine``)."""
        return cls(stream, stopped.version, stopped.type, stopped.error, side)


class StoppedStreamsModel(StreamRowsModel):
    """Stopped streams, appended as a run reports them (all kept: a run stops on few)."""

    COLUMNS = ("Stream", "Version", "Event type", "Error")
    STREAM, VERSION, TYPE, ERROR = range(4)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, limit=None)

    def cell(self, row: StoppedRow, column: int) -> str:
        if column == self.TYPE:
            return shown_name(row.type)
        return f"{row.side}: {row.error}" if row.side else row.error

    def tooltip(self, row: StoppedRow) -> str:
        who = f"{row.side} projector" if row.side else "The projector"
        return (f"{who} raised on {shown_name(row.stream)} v{row.version} ({shown_name(row.type)}):\n{row.error}\n"
                "Click or press Enter to open the stream at that version")

    def problem(self, row: StoppedRow, column: int) -> bool:
        return column == self.ERROR

    def decoration(self, row: StoppedRow, column: int) -> Any:
        return type_icon(row.type) if column == self.TYPE else None
