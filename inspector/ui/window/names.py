"""Names the parts of the main window share."""

from __future__ import annotations

from typing import Any

APP_NAME = "Event Stream Inspector"
#: The "all" entry of the type and category boxes.
ALL = "__all__"


def describe_store(store: Any) -> Any:
    """``store.describe(counts=False)`` (no counting on open), for adapters that take the option."""
    try:
        return store.describe(counts=False)
    except TypeError:  # adapters whose describe() takes no options
        return store.describe()
