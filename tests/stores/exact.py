"""Comparing decoded payloads exactly in tests: the type of every number kept."""

from __future__ import annotations

from typing import Any


def typed(value: Any) -> Any:
    """``value`` with the type of every number kept, for comparing (1 == 1.0 == True otherwise)."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, repr(value))
