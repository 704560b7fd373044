"""The State tab's Play speed: how many versions a second Play steps through, remembered."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLayout

#: Versions per second offered; the first Play speed is 2 a second.
SPEEDS = (1, 2, 5, 10, 25, 50)
DEFAULT_SPEED = 2
SETTING = "play_speed"


class PlaySpeedBox(QComboBox):
    """Versions per second for the State tab's Play button; sets the player's interval and
    remembers the choice in ``settings``."""

    def __init__(self, state_view: Any, settings: Any) -> None:
        super().__init__()
        self._state_view = state_view
        self._settings = settings
        self.setObjectName("playSpeed")
        self.setToolTip("Play speed: versions a second (each one replays the state)")
        for speed in SPEEDS:
            self.addItem(f"{speed}/s", speed)
        saved = settings.get(SETTING, DEFAULT_SPEED)
        index = self.findData(saved if saved in SPEEDS else DEFAULT_SPEED)
        self.setCurrentIndex(index)
        self.currentIndexChanged.connect(self._on_changed)
        self._apply(self.speed())

    def speed(self) -> int:
        return int(self.currentData())

    def set_speed(self, speed: int) -> None:
        index = self.findData(speed)
        if index >= 0:
            self.setCurrentIndex(index)

    def _on_changed(self, _index: int) -> None:
        self._settings.set(SETTING, self.speed())
        self._apply(self.speed())

    def _apply(self, speed: int) -> None:
        self._state_view._player.setInterval(max(1, round(1000 / speed)))


def _layout_holding(layout: QLayout, widget: Any) -> QHBoxLayout | None:
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item.widget() is widget and isinstance(layout, QHBoxLayout):
            return layout
        child = item.layout()
        if child is not None:
            found = _layout_holding(child, widget)
            if found is not None:
                return found
    return None


def add_play_speed(state_view: Any, settings: Any) -> PlaySpeedBox:
    """A PlaySpeedBox placed just after the State tab's Play button."""
    box = PlaySpeedBox(state_view, settings)
    row = _layout_holding(state_view.layout(), state_view.play_button)
    if row is not None:
        row.insertWidget(row.indexOf(state_view.play_button) + 1, box)
    return box
