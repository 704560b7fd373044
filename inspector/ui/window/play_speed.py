"""Remembering the State tab's Play speed (versions a second) across sessions."""

from __future__ import annotations

from typing import Any

from inspector.ui.replay_views import PLAY_SPEEDS, PlaySpeedBox, StateView

SETTING = "play_speed"


def remember_play_speed(state_view: StateView, settings: Any) -> PlaySpeedBox:
    """Give ``state_view`` the Play speed saved in ``settings`` (a ``get``/``set`` store; a missing
    or unknown value keeps the view's default) and save each later choice there.

    Returns the view's speed box (``speed()``, ``set_speed(n)``).
    """
    saved = settings.get(SETTING, None)
    if isinstance(saved, int) and not isinstance(saved, bool) and saved in PLAY_SPEEDS:
        state_view.set_play_speed(saved)
    state_view.playSpeedChanged.connect(lambda speed: settings.set(SETTING, speed))
    return state_view.speed_box
