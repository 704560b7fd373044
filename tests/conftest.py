"""Shared fixtures: Qt runs offscreen; server databases are used for real when reachable.

Set ``INSPECTOR_REQUIRE_SERVERS=1`` (CI does) to turn a missing PostgreSQL or MariaDB
into a failure instead of a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.environ["QT_QPA_PLATFORM"] == "offscreen":
    # Qt's offscreen screen is 800x800 by default: a 1920x1080 one, so windows open at the size
    # they take on a desktop screen (1280x800) rather than shrunk to fit (tests of small screens
    # say how small). Spawned worker processes inherit it.
    import json
    import tempfile

    _screens = Path(tempfile.gettempdir()) / f"inspector-tests-screens-{os.getpid()}.json"
    _screens.write_text(json.dumps({"screens": [{"name": "OffscreenScreen", "x": 0, "y": 0, "width": 1920,
                                                 "height": 1080, "logicalDpi": 96, "logicalBaseDpi": 96,
                                                 "dpr": 1}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screens}"
# Worker processes (spawned) inherit this: a stuck one dumps every thread's stack on SIGABRT,
# which tests send before they give up waiting on it.
os.environ.setdefault("PYTHONFAULTHANDLER", "1")

import pytest  # noqa: E402

POSTGRES_URL = os.environ.get("INSPECTOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_URL = os.environ.get("INSPECTOR_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
REQUIRE_SERVERS = os.environ.get("INSPECTOR_REQUIRE_SERVERS") == "1"


def _server_or_skip(url: str, label: str) -> str:
    """The URL when the server answers; otherwise skip (or fail when servers are required)."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as exc:  # any reason the server cannot be used
        reason = f"{label} not reachable at {url} ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
        if REQUIRE_SERVERS:
            pytest.fail(f"{reason}; INSPECTOR_REQUIRE_SERVERS=1 makes this fatal")
        pytest.skip(reason)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return _server_or_skip(POSTGRES_URL, "PostgreSQL")


@pytest.fixture(scope="session")
def mysql_url() -> str:
    return _server_or_skip(MYSQL_URL, "MariaDB/MySQL")


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory) -> Path:
    """The demo store, built once per test session; tests must not change it."""
    from inspector.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path)
    return path


@pytest.fixture(scope="session")
def demo_planted(demo_store_path):
    from inspector.demo import build_demo

    # Building again with the same seed gives the same store and tells where the faults are.
    return build_demo(demo_store_path.parent / "again.db")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path, monkeypatch):
    """Settings, caches and the demo store go to a temporary home, never the developer's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture(autouse=True)
def _automatic_collection_as_before():
    """A window's task runner turns Python's automatic garbage collection off for its process
    (the GUI thread collects instead, ``inspector.ui.collector``): after a test that opened one,
    the next test starts with automatic collection on again, as the CLI and the core run."""
    import gc

    was_enabled = gc.isenabled()
    yield
    if was_enabled and not gc.isenabled():
        gc.enable()
