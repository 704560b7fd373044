"""A fresh database per test class on the local servers, dropped afterwards.

Each class gets its own database, so fixed table names (``mt_events``, the
``message_store`` schema) never collide with other tests running at the same time.
Rows are written through a separate writable engine, never the inspector's.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import make_url


@dataclass
class ScratchDatabase:
    url: str  # for the inspector
    writer: sa.Engine  # writable, for the test's own DDL and rows
    _admin_url: str
    _name: str

    def drop(self) -> None:
        self.writer.dispose()
        admin = sa.create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if admin.dialect.name == "postgresql":
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{self._name}`")
        admin.dispose()


def scratch_database(server_url: str, label: str) -> ScratchDatabase:
    name = f"insp_{label}_{uuid.uuid4().hex[:10]}".lower()
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if admin.dialect.name == "postgresql":
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        else:
            conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    return ScratchDatabase(url, sa.create_engine(url), server_url, name)


def writable_target(request: Any, engine: str, sqlite_path: Path, label: str) -> tuple[sa.Engine, str, Callable[[], None]]:
    """Somewhere a test writes a store on ``engine`` (``sqlite``, ``postgresql``/``postgres`` or
    ``mysql``/``mariadb``): ``(writable engine, what the inspector opens, clean-up)``. SQLite is the
    file ``sqlite_path``; a server gets a ``scratch_database`` named after ``label``, which the
    clean-up drops. ``request`` is the test's or fixture's (it reaches the server URL fixtures)."""
    if engine == "sqlite":
        writer = sa.create_engine(f"sqlite:///{sqlite_path}")
        return writer, str(sqlite_path), writer.dispose
    url_fixture = "postgres_url" if engine in ("postgresql", "postgres") else "mysql_url"
    db = scratch_database(request.getfixturevalue(url_fixture), label)
    return db.writer, db.url, db.drop


def eventsourcing_postgres_env(url: Any, **extra: str) -> dict[str, str]:
    """The ``eventsourcing`` library's environment for a PostgreSQL store at ``url`` (a SQLAlchemy
    URL object, as ``make_url`` gives): its persistence module and connection settings, plus
    ``extra`` settings (``POSTGRES_SCHEMA``, ``IS_SNAPSHOTTING_ENABLED`` ...)."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": url.database or "",
        "POSTGRES_HOST": url.host or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "",
        **extra,
    }


def imported_domain(folder: Path, monkeypatch: Any, source: str, prefix: str) -> Any:
    """``source`` (a domain module's text, dedented here) written into ``folder`` as a module of
    a fresh name ``{prefix}_<hex>`` and imported, as an application's own code is: the library
    records its aggregates' topics by that name. Take it out of ``sys.modules`` when done."""
    import sys
    import textwrap

    folder.mkdir(exist_ok=True)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    (folder / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    __import__(name)
    return sys.modules[name]


def eventsourcing_target(request: Any, engine: str, sqlite_path: Path, label: str) -> tuple[str, dict[str, str], Callable[[], None]]:
    """Where the ``eventsourcing`` library writes a test's store on ``engine`` (``sqlite`` or
    ``postgresql``): ``(what the inspector opens, the library's environment, clean-up)``. SQLite
    is the file ``sqlite_path``; PostgreSQL a ``scratch_database`` named after ``label``."""
    if engine == "sqlite":
        return str(sqlite_path), {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(sqlite_path)}, lambda: None
    db = scratch_database(request.getfixturevalue("postgres_url"), label)
    db.writer.dispose()
    return db.url, eventsourcing_postgres_env(make_url(db.url)), db.drop


def wait_for_a_change_mark(store: Any) -> None:
    """Poll until ``store.change_mark()`` gives a mark (or fail after a hundred polls).

    A server keeps replay checkpoints only under a change mark, and InnoDB gives one (its
    table's last-update time) only a second after the last write: until then a replay is
    right but uncached. File stores (SQLite, JSON Lines) are pinned by their file identity
    instead and never give one: for them this returns at once.
    """
    engine = getattr(store, "engine", None)
    if engine is None or engine.dialect.name == "sqlite":
        return
    for _ in range(100):  # polls, a tenth of a second apart
        if store.change_mark() is not None:
            return
        time.sleep(0.1)
    assert store.change_mark() is not None, "the store never gave a change mark"
