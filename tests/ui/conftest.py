"""Fixtures for window tests: a private copy of the demo store and a window open on it."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def demo_copy(demo_store_path, tmp_path):
    """A copy of the demo store this test may open (the session's original stays untouched)."""
    target = tmp_path / "demo.db"
    shutil.copyfile(demo_store_path, target)
    return target


@pytest.fixture
def window_on_streams(qtbot, tmp_path):
    """``open(rows)``: a generic SQLite store of one ``Noted`` event per ``(stream, version)`` of
    ``rows`` (all at 2024-03-01T10:00:00Z, payload ``{"n": 1}``) and a window shown on it; the
    window and the replay workers are shut down after the test."""
    import sqlite3

    from inspector.replay import worker
    from inspector.ui.app import MainWindow, make_app

    from tests.stores.test_sqlite_contract import GENERIC_DDL

    windows = []

    def open_on(rows):
        path = tmp_path / f"streams-{len(windows)}.db"
        db = sqlite3.connect(path)
        db.executescript(GENERIC_DDL)
        db.executemany("INSERT INTO events (stream, version, type, recorded_at, data) VALUES (?,?,?,?,?)",
                       [(stream, version, "Noted", "2024-03-01T10:00:00Z", '{"n": 1}') for stream, version in rows])
        db.commit()
        db.close()
        make_app()
        win = MainWindow(str(path))
        qtbot.addWidget(win)
        win.show()
        windows.append(win)
        return win

    yield open_on
    for win in windows:
        win.shutdown()
    worker.shutdown()


@pytest.fixture
def window(qtbot, demo_copy):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(demo_copy))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
    yield win
    win.shutdown()


@pytest.fixture
def pg_events_db(postgres_url):
    """A fresh PostgreSQL database with a generic ``events`` table and a writable engine.

    Yields ``(url, writer)``: the inspector opens ``url`` read-only; the test writes rows
    (and locks or kills sessions) through ``writer``, a connection of its own.
    """
    import uuid

    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = f"insp_ui_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    writer = sa.create_engine(url)
    with writer.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, version bigint, "
            "type text, recorded_at timestamptz, data text, metadata jsonb)")
        conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
        for version, kind in enumerate(("WalletOpened", "CreditsGranted", "CreditsSpent"), start=1):
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) "
                "VALUES ('wallet-1', %(v)s, %(t)s, now() - interval '1 hour' * (4 - %(v)s), '{\"amount\": 5}', "
                "'{\"actor\": \"ann@example.com\"}')", {"v": version, "t": kind})
    yield url, writer
    writer.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
