"""Event Stream Inspector: a read-only inspector for event-sourced systems."""

__version__ = "0.1.0"

#: The application id: the desktop entry's and the AppStream file's name, and the window's desktop file name.
APP_ID = "io.github.event_inspector"
