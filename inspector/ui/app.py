"""The main window and ``run_gui``: a thin Qt skin over the stores and the replay engine.

Every store call and replay goes through ``TaskRunner`` (never on the GUI thread);
each widget only shows what the core returned.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow

from inspector.core.events import Event, Moment
from inspector.ui.analysis import Analysing
from inspector.ui.live import LiveFollower, Reconnector
from inspector.ui.preferences import Preferences
from inspector.ui.runner import TaskRunner
from inspector.ui.settings import Settings, without_secrets
from inspector.ui.window.actions import WindowActions, WindowShortcutsFirst
from inspector.ui.window.browsing import Browsing
from inspector.ui.window.exporting import Exporting
from inspector.ui.window.following import LiveFollow
from inspector.ui.window.layout import WindowLayout
from inspector.ui.window.names import ALL, APP_NAME
from inspector.ui.window.projectors import ProjectorControl
from inspector.ui.window.replaying import ReplayRequests
from inspector.ui.window.session import StoreSession


def app_version() -> str:
    try:
        from importlib.metadata import version

        return version("event-stream-inspector")
    except Exception:  # running from a checkout that was never installed
        return "0.1.0"


class MainWindow(Analysing, WindowLayout, WindowActions, StoreSession, Browsing, ProjectorControl, ReplayRequests,
                 Exporting, LiveFollow, QMainWindow):
    """Streams on the left, events in the centre, details on the right, status below.

    The behaviour lives in one mixin per concern (``inspector.ui.window``); this class builds
    the state they share and puts them together."""

    def __init__(self, target: str | None = None, *, layout: str | None = None, mapping: str | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.preferences = Preferences.load(self.settings)
        self.runner = TaskRunner(self)
        self.store: Any = None
        self.store_target: str | None = None
        self.store_info: Any = None
        self.current_stream: str | None = None
        self.current_event: Event | None = None
        self.projectors: Any = None
        self.projector_file: str | None = None
        self.projector_choice: Any = None  # inspector.replay.choices.ProjectorChoice in force
        self.projector_reason = ""
        self.projector_offer: Any = None  # a choice a slice's source used, offered (not loaded)
        self.slice_record: dict[str, Any] | None = None  # the projector an opened slice records
        self.moments: dict[str, Moment | None] = {"A": None, "B": None}
        self._cache: Any = None
        self._state_request: tuple[str, int] | None = None
        self.region_filter: tuple[Any, Any] | None = None
        # a store is opening: the progress strip stays until its first screen is shown
        self._first_screen_pending = False
        self._first_screen_store: Any = None
        self._first_screen_timeline_failed = False
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 800)
        self.follower = LiveFollower(self.runner, self, interval_ms=self.preferences.poll_ms)
        self.follower.eventsArrived.connect(self._on_follower_events_arrived)
        self.follower.failed.connect(self.show_error)
        self.live_count = 0
        self.last_export: Any = None
        self.reconnector = Reconnector(self.runner, self)
        self.runner.connectionLost.connect(self.reconnector.on_connection_lost)
        self.reconnector.lost.connect(self._on_reconnector_lost)
        self.reconnector.retrying.connect(self._on_reconnector_retrying)
        self.reconnector.restored.connect(self._on_reconnector_restored)

        self._build_browser()
        self._build_timeline()
        self._build_events()
        self._build_details()
        self._build_central()
        self._build_status()
        self._build_menus()
        self._build_analysis_menu()
        self._restore_window_state()
        if target:
            self.open_target(target, layout=layout, mapping=mapping)


GUI_SWITCH_INTERVAL = 0.0005
"""Seconds a thread runs Python before it must hand the GIL on, in the window's process
(``sys.setswitchinterval``, set by ``make_app``; Python's default is 0.005).

The GUI thread takes the GIL for every Python override it paints through (item delegates, views,
the timeline) and for every slot; each take waits while a worker holds the GIL (decoding or
formatting a 50 MB event, a replay), up to the switch interval. A repaint makes hundreds of such
takes: at 5 ms, selecting a 50 MB event stalled the window 0.7-1.5 s, at 0.5 ms 0.3-0.4 s, the
workers' wall time unchanged (``benchmarks/huge_event.py``, RESULTS.md). Shorter still (0.1 ms)
costs the workers 15-25 % of their time."""


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Fusion style; Fusion follows the system's dark or light palette."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or sys.argv[:1])
    from inspector.ui.collector import collect_on_the_gui_thread

    collect_on_the_gui_thread(app)  # cyclic garbage is collected on this thread only
    sys.setswitchinterval(GUI_SWITCH_INTERVAL)  # the GUI thread waits less for the GIL
    app.setApplicationName("event-inspector")
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(app_version())
    from inspector import APP_ID
    from inspector.ui.about import app_icon

    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ID)  # Wayland matches windows to the desktop entry io.github.event_inspector.desktop
    if app.style().name().lower() != "fusion":
        # Setting a style re-polishes every widget of every window: only when it changes.
        app.setStyle("Fusion")
    from inspector.ui.theme import dark_palette, is_dark

    if QApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark and not is_dark(app.palette()):
        # the system asks for dark but the platform gave Qt a light palette (no platform theme)
        app.setPalette(dark_palette())
    return app


def run_gui(target: str | None, *, layout: str | None = None, mapping: str | None = None) -> int:
    """Open the main window on ``target`` (the demo store when None) and run the event loop."""
    app = make_app()
    if target is None:
        from inspector.demo import ensure_demo

        target = str(ensure_demo())
    window = MainWindow(target, layout=layout, mapping=mapping)
    window.show()
    code = app.exec()
    window.shutdown()
    leave_now(code)
    return code  # not reached


def leave_now(code: int) -> None:
    """End the process once the window is closed and its work stopped: output flushed, the
    store and the snapshot cache already closed. Background threads may still sit in a query
    nothing can interrupt; letting the interpreter tear Qt down under them can crash the
    process on the way out, so it ends here instead."""
    import os

    release_semaphores()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def release_semaphores() -> None:
    """Unlink the named semaphores this process's multiprocessing objects still hold (the cancel
    event of a projector worker or of a whole-category run whose thread has not ended yet).

    They are unlinked by finalizers that an ordinary exit runs and ``os._exit`` skips: the resource
    tracker then said "There appear to be 10 leaked semaphore objects to clean up at shutdown".
    Only those finalizers run here (not the others at exit: a ``multiprocessing.Pool``'s can wait
    forever); the processes that still use a semaphore keep it until they end."""
    from multiprocessing import synchronize, util

    registry = getattr(util, "_finalizer_registry", {})
    cleanup = getattr(synchronize.SemLock, "_cleanup", None)
    for finalizer in list(registry.values()):
        if cleanup is not None and getattr(finalizer, "_callback", None) is cleanup:
            try:
                finalizer()
            except Exception:  # noqa: BLE001 - leaving: at worst the tracker cleans it up and says so
                pass


__all__ = ["ALL", "APP_NAME", "MainWindow", "WindowShortcutsFirst", "make_app", "run_gui", "without_secrets"]
