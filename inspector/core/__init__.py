"""The Qt-free domain: events, moments, cancellation, decoding, health checks, diffs."""

from inspector.core.cancel import CancelToken, Cancelled, Progress
from inspector.core.events import Event, Moment, StreamSummary, parse_moment, parse_time

__all__ = [
    "CancelToken",
    "Cancelled",
    "Event",
    "Moment",
    "Progress",
    "StreamSummary",
    "parse_moment",
    "parse_time",
]
