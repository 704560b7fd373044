"""Cooperative cancellation: long core calls check a token between pages or events.

Core functions block and know nothing of threads; the UI runs them on a worker and
flips the token when the user presses Cancel or a newer request supersedes the old one.
"""

from __future__ import annotations

import threading
from typing import Callable

#: ``progress(done, total)``; ``total`` is None when it is not known in advance.
Progress = Callable[[int, "int | None"], None]


class Cancelled(Exception):
    """Raised inside a core call when its token was cancelled."""


class CancelToken:
    """A flag shared between the caller that may cancel and the work that checks it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled")


def check(token: CancelToken | None) -> None:
    """Raise Cancelled when ``token`` is set; a None token never cancels."""
    if token is not None:
        token.raise_if_cancelled()
