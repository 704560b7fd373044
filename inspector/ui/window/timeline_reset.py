"""Emptying the timeline when another store is being opened: no lane, tick or histogram bar of
the previous store stays on screen while the new one loads."""

from __future__ import annotations

from typing import Any


def clear_timeline(timeline: Any) -> None:
    """``timeline`` without a store: no lanes, ticks, cursors, region or histogram bars.

    Uses the widget's own inputs (``set_store(None, …)``, ``set_streams([])``) and empties the
    histogram, which those keep until the next store's first answer arrives.
    """
    timeline.set_store(None, None, None, [])
    timeline.set_streams([])
    timeline._hist = None
    timeline.bars.setOpts(x0=[], height=[], width=1)
    timeline.hist_plot.setTitle(None)
    timeline.info.setText("")
