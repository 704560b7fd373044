"""The core must stay importable without Qt: the CLI and the tests use it headless."""

from __future__ import annotations

import subprocess
import sys

CORE_PACKAGES = ["inspector.core", "inspector.stores", "inspector.replay", "inspector.export", "inspector.cli"]


def test_core_stores_and_replay_import_no_qt():
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {CORE_PACKAGES!r}:\n"
        "    try:\n"
        "        package = importlib.import_module(name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if exc.name == name: continue\n"
        "        raise\n"
        "    for info in pkgutil.walk_packages(getattr(package, '__path__', []), name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "import inspector.commands.store\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Qt imported by the core: {result.stdout}"
