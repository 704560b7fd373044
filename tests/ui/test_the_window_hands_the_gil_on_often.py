"""The window's process hands the GIL from thread to thread every 0.5 ms, not Python's 5 ms: the
GUI thread takes the GIL for every Python override it paints through, and while a worker decodes
or formats a 50 MB event each take waits up to that interval (a repaint of hundreds of takes
stalled the window for a second)."""

from __future__ import annotations

import os
import subprocess
import sys

from inspector.ui.app import GUI_SWITCH_INTERVAL

SHOW_THE_INTERVAL = """
import sys
print(sys.getswitchinterval())
from inspector.ui.app import make_app
make_app()
print(sys.getswitchinterval())
"""


def test_the_windows_process_switches_threads_every_half_millisecond():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    shown = subprocess.run([sys.executable, "-c", SHOW_THE_INTERVAL], capture_output=True, text=True, env=env,
                           timeout=120, check=True).stdout.split()
    before, with_the_app = (float(value) for value in shown[-2:])
    assert before == 0.005  # Python's own, until the window's application exists
    assert with_the_app == GUI_SWITCH_INTERVAL == 0.0005
