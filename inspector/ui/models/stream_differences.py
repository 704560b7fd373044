"""Streams whose state differs between two projectors: the stream, its version and how many paths changed."""

from __future__ import annotations

from typing import Any

from inspector.ui.models.stream_rows import StreamRowsModel
from inspector.ui.presenting import local_time, utc_time


def stopped_text(difference: Any) -> str:
    """Which side stopped where, for a difference where a projector raised (empty when none did)."""
    parts = []
    for side, stopped in (("old", difference.old_stopped), ("new", difference.new_stopped)):
        if stopped is not None:
            parts.append(f"{side} stopped at v{stopped.version} ({stopped.type}): {stopped.error}")
    return "; ".join(parts)


class StreamDifferencesModel(StreamRowsModel):
    """``StreamDifference`` rows (``inspector.replay.category``) as a compare run yields them; at most
    ``limit`` are kept (each holds its changed paths), ``dropped`` counts the differences beyond."""

    COLUMNS = ("Stream", "Version", "Recorded", "Changed paths")
    STREAM, VERSION, RECORDED, PATHS = range(4)

    def cell(self, row: Any, column: int) -> str:
        if column == self.RECORDED:
            return local_time(row.recorded_at)
        stopped = stopped_text(row)
        if stopped:
            return stopped
        count = len(row.changes)
        return f"{count:,} path{'s' if count != 1 else ''}"

    def tooltip(self, row: Any) -> str:
        when = f" (UTC {utc_time(row.recorded_at)})" if row.recorded_at is not None else ""
        paths = "\n".join(change.path or "/" for change in row.changes[:12])
        more = f"\n… {len(row.changes) - 12:,} more" if len(row.changes) > 12 else ""
        return f"{row.stream} at v{row.version}{when}\n{stopped_text(row) or paths}{more}\nClick to see the changed paths"

    def problem(self, row: Any, column: int) -> bool:
        return column == self.PATHS and bool(stopped_text(row))
