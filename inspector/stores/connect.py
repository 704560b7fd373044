"""Open engines read-only, and keep passwords out of everything we print or save."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from inspector.core.decoding import loads_exact
from inspector.stores.base import StoreError

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz")
SQLITE_HEADER = b"SQLite format 3\x00"


def is_url(target: str) -> bool:
    return "://" in target


#: URL query keys whose values are secrets (libpq, psycopg, PyMySQL spellings).
SECRET_QUERY_KEYS = {"password", "passwd", "pwd", "sslpassword", "sslkey_password", "passfile", "token", "secret"}


def redact(target: str | URL) -> str:
    """The target as it may be shown: a URL's password, and secrets in its query, become ``***``."""
    if isinstance(target, URL):
        url = target
    elif is_url(str(target)):
        try:
            url = make_url(str(target))
        except Exception:  # an unparsable URL: keep only the scheme and the host part
            scheme, _, rest = str(target).partition("://")
            host = rest.rpartition("@")[2].split("?", 1)[0]
            return f"{scheme}://***@{host}" if "@" in rest or "?" in rest else f"{scheme}://{host}"
    else:
        return str(target)
    secret = {key: "***" for key in url.query if key.lower() in SECRET_QUERY_KEYS}
    if secret:
        url = url.update_query_dict(secret)
    return url.render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def sqlite_read_only_engine(path: str | Path) -> Engine:
    """An engine on an existing SQLite file that cannot write to it.

    ``mode=ro`` makes SQLite refuse every write at the file level; ``query_only``
    adds a second refusal inside the connection.
    """
    file = Path(path).expanduser()
    if not file.exists():
        raise StoreError(f"no such file: {file}")
    if file.is_dir():
        raise StoreError(f"{file} is a folder, not a store file")
    try:
        with file.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read {file}: {exc.strerror}") from None
    if header != SQLITE_HEADER:
        raise StoreError(f"{file} is not an SQLite database")
    # Quote the path: '?', '#' or '%' in a file name would otherwise end the path early,
    # open another file and drop mode=ro.
    uri = f"file:{quote(file.resolve().as_posix(), safe='/')}?mode=ro"
    # The driver gets the URI itself: SQLAlchemy's URL parsing would unquote the path again.
    engine = sa.create_engine(
        "sqlite+pysqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        poolclass=sa.pool.QueuePool,
        json_deserializer=loads_exact,  # a column typed JSON: numbers exactly as written
    )

    @sa.event.listens_for(engine, "connect")
    def _query_only(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        dbapi_connection.execute("PRAGMA query_only = ON")

    return engine


def server_read_only_engine(url: str) -> Engine:
    """An engine on a PostgreSQL or MySQL/MariaDB server whose sessions are read-only."""
    try:
        parsed = make_url(url)
    except Exception:
        raise StoreError(f"not a database URL: {redact(url)}") from None
    backend = parsed.get_backend_name()
    if parsed.password is None:
        env_password = _password_from_environment(backend)
        if env_password is not None:
            parsed = parsed.set(password=env_password)
    # json/jsonb values the driver parses (psycopg) or SQLAlchemy parses (a column typed JSON)
    # keep integers of any size, decimals as written and NaN/Infinity: see loads_exact.
    kwargs: dict = {"pool_pre_ping": True, "pool_size": 4, "max_overflow": 4, "json_deserializer": loads_exact}
    if backend == "postgresql":
        kwargs["connect_args"] = {"options": "-c default_transaction_read_only=on -c TimeZone=UTC"}
    elif backend in ("mysql", "mariadb"):
        kwargs["connect_args"] = {"init_command": "SET SESSION time_zone = '+00:00'"}
    elif backend == "sqlite":
        database = parsed.database
        if not database or database == ":memory:":
            raise StoreError("an in-memory SQLite URL has no events to inspect")
        return sqlite_read_only_engine(database)
    else:
        raise StoreError(f"unsupported database {backend!r}: use sqlite, postgresql or mysql URLs")
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except ModuleNotFoundError as exc:
        extra = "postgres" if backend == "postgresql" else "mysql"
        raise StoreError(
            f"the driver {exc.name!r} is not installed: pip install 'event-stream-inspector[{extra}]'"
        ) from None
    except Exception as exc:  # bad URL parts: report without the password
        raise StoreError(f"cannot use {redact(parsed)}: {exc}") from None
    if backend in ("mysql", "mariadb"):

        @sa.event.listens_for(engine, "connect")
        def _read_only_session(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")

    return engine


def _password_from_environment(backend: str) -> str | None:
    """The engine's usual variable (PGPASSWORD, MYSQL_PWD), or the inspector's own."""
    names = {"postgresql": ("PGPASSWORD",), "mysql": ("MYSQL_PWD",), "mariadb": ("MYSQL_PWD",)}.get(backend, ())
    for name in ("INSPECTOR_DB_PASSWORD", *names):
        if os.environ.get(name):
            return os.environ[name]
    return None


def enforce_read_only_check(engine: Engine) -> bool:
    """True when the engine's sessions refuse writes (what ``info`` reports)."""
    backend = engine.dialect.name
    with engine.connect() as conn:
        if backend == "sqlite":
            return conn.exec_driver_sql("PRAGMA query_only").scalar() == 1
        if backend == "postgresql":
            return conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        if backend in ("mysql", "mariadb"):
            value = conn.exec_driver_sql("SELECT @@session.tx_read_only").scalar()
            return int(value) == 1
    return False
