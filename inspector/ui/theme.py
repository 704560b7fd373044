"""Dark or light: the palette the window follows, and a dark Fusion palette when needed.

The window uses Qt's Fusion style with the system palette. Where the system asks for a
dark colour scheme but the platform hands Qt a light palette (no platform theme, as on a
bare X server), ``make_app`` applies :func:`dark_palette` so the window still follows it.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette


def is_dark(palette: QPalette) -> bool:
    """True when the palette draws light text on a dark window."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def _luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255.0
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green()) + 0.0722 * channel(colour.blue())


def contrast(a: QColor | str, b: QColor | str) -> float:
    """The WCAG contrast ratio of two colours (1 … 21)."""
    la, lb = sorted((_luminance(QColor(a)), _luminance(QColor(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def dark_palette() -> QPalette:
    """A dark palette for Fusion: light text on dark grey, blue selection."""
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    palette = QPalette()
    colours = {
        role.Window: "#2d2d2d",
        role.WindowText: "#e8e8e8",
        role.Base: "#1f1f1f",
        role.AlternateBase: "#282828",
        role.ToolTipBase: "#3a3a3a",
        role.ToolTipText: "#e8e8e8",
        role.PlaceholderText: "#8a8a8a",
        role.Text: "#e8e8e8",
        role.Button: "#353535",
        role.ButtonText: "#e8e8e8",
        role.BrightText: "#ff6b6b",
        role.Light: "#4a4a4a",
        role.Midlight: "#3e3e3e",
        role.Mid: "#2a2a2a",
        role.Dark: "#1a1a1a",
        role.Shadow: "#0a0a0a",
        role.Highlight: "#2f6fb0",
        role.HighlightedText: "#ffffff",
        role.Link: "#6cb4ff",
        role.LinkVisited: "#b493ff",
    }
    for name, value in colours.items():
        palette.setColor(name, QColor(value))
    for name in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, name, QColor("#808080"))
    palette.setColor(group.Disabled, role.Highlight, QColor("#4a4a4a"))
    palette.setColor(group.Disabled, role.HighlightedText, QColor("#9a9a9a"))
    return palette
