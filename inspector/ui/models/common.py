"""What every item model shares: the roles, colours, type swatches and the monospace font."""

from __future__ import annotations


from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPixmap

from inspector.ui.presenting import (
    type_colour,
)

#: Role holding the row's core object (StreamSummary, Event, Change or Blame).
ObjectRole = Qt.ItemDataRole.UserRole + 1
#: Role holding native, comparable values (numbers, datetimes) for sorting via a proxy.
SortRole = Qt.ItemDataRole.UserRole + 2

RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
PROBLEM_COLOUR = QColor("#d9534f")
_ICONS: dict[str, QIcon] = {}


def type_icon(event_type: str) -> QIcon:
    """A small swatch in the type's colour, shared by every view (kept per colour: a type's
    colour may change when another store's types take the palette)."""
    colour = type_colour(event_type)
    icon = _ICONS.get(colour)
    if icon is None:
        pixmap = QPixmap(10, 10)
        pixmap.fill(QColor(colour))
        icon = _ICONS[colour] = QIcon(pixmap)
    return icon


def _valid_parent(parent: QModelIndex | QPersistentModelIndex) -> bool:
    return parent is not None and parent.isValid()


HIGHLIGHT = {"add": QColor(76, 175, 80, 90), "remove": QColor(229, 57, 53, 90), "change": QColor(255, 179, 0, 100)}


_MONO: QFont | None = None


def _monospace() -> QFont:
    global _MONO
    if _MONO is None:
        from PySide6.QtGui import QFontDatabase

        _MONO = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    return QFont(_MONO)
