"""Screenshots of what a new user sees: the window on the demo store with the first-run hint
(``first-run.png``, 1280x800) and Help › About (``about.png``).

Run: ``python resources/screenshots/make_first_run_screenshots.py`` (offscreen; a temporary
home, so the hint shows as on a first run; writes the PNGs next to this script).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent


def _wait(app, condition, timeout=20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        app.processEvents()
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        time.sleep(0.01)


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        for name in ("CONFIG", "CACHE", "DATA"):
            os.environ[f"XDG_{name}_HOME"] = str(Path(home) / name.lower())
        from inspector.demo import ensure_demo
        from inspector.ui.app import MainWindow, make_app

        app = make_app()
        window = MainWindow(str(ensure_demo()))
        window.resize(1280, 800)
        window.show()
        _wait(app, lambda: window.store is not None and window.stream_model.rowCount() > 0)
        _wait(app, lambda: window.timeline.lanes_drawn() and not window.timeline.histogram_pending(), 60.0)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        window.grab().save(str(HERE / "first-run.png"))
        window.show_about()
        dialog = window.about_dialog
        _wait(app, dialog.isVisible)
        app.processEvents()
        dialog.grab().save(str(HERE / "about.png"))
        dialog.close()
        window.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
