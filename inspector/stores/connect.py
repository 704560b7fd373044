"""Open engines read-only, and keep passwords out of everything we print or save."""

from __future__ import annotations

import functools
import itertools
import os
import re
import sqlite3
import weakref
from collections import namedtuple
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Generator
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from inspector.core.decoding import driver_loads, text_or_bytes
from inspector.core.events import parse_time
from inspector.stores.files import refuse_special_file
from inspector.stores.base import StoreError

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz")
SQLITE_HEADER = b"SQLite format 3\x00"


def is_url(target: str) -> bool:
    return "://" in target


#: URL query keys whose values are shown as written (libpq, psycopg, PyMySQL spellings); every
#: other key's value is redacted, and so is any key whose name hints at a secret.
SAFE_QUERY_KEYS = frozenset({
    "charset", "sslmode", "connect_timeout", "application_name", "client_encoding", "target_session_attrs",
    "gssencmode", "binary_prefix", "local_infile", "read_timeout", "write_timeout", "autocommit", "host",
    "port", "sslrootcert", "sslcert", "sslcrl", "ssl_ca", "ssl_cert", "ssl_check_hostname",
    "ssl_verify_cert", "ssl_verify_identity", "ssl_disabled", "keepalives", "keepalives_idle",
    "keepalives_interval", "keepalives_count", "tcp_user_timeout", "load_balance_hosts", "channel_binding",
    "sslsni", "ssl_min_protocol_version", "ssl_max_protocol_version", "program_name", "unix_socket",
})
_SECRET_HINT = re.compile(r"pass|pwd|secret|token|key|auth|cred|cookie|sig", re.IGNORECASE)
#: a host list (host[:port][,host[:port]...]) that ends a URL's authority
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]*)(?::[0-9]*)?(?:,(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]*)(?::[0-9]*)?)*(?=[/?#]|$)")


#: what may follow a URL's user info: host list, then a path without ``@``, then a query of
#: ``key=value`` pairs (URLs of databases have no fragment)
_AFTER_CREDENTIALS = re.compile(
    _HOST.pattern + r"(?:/[^?#@]*)?(?:\?(?:[^=&#]+=[^&#]*(?:&[^=&#]+=[^&#]*)*)?)?$"
)


def _credentials_end(rest: str) -> int:
    """Where the user-info part of a URL's ``rest`` (after ``scheme://``) ends: the index of its
    ``@``, or -1. A password may hold unencoded ``@``, ``/``, ``?`` or ``#``: the ``@`` taken is
    the first one after which the rest reads as host, path and ``key=value`` query (an address
    in the query is never taken for the host); failing that, the last ``@``."""
    for index, char in enumerate(rest):
        if char == "@" and _AFTER_CREDENTIALS.match(rest, index + 1):
            return index
    return rest.rfind("@")


def normalise_url(target: str) -> str:
    """``target`` with a password (or user name) that holds unencoded URL characters
    (``@``, ``/``, ``?``, ``#``) percent-encoded, so the host is read as the host.

    A URL that parses as written is returned unchanged.
    """
    scheme, sep, rest = target.partition("://")
    if not sep:
        return target
    end = _credentials_end(rest)
    if end < 0:
        return target
    credentials = rest[:end]
    if not any(ch in credentials for ch in "@/?#"):
        return target
    user, colon, password = credentials.partition(":")
    encoded = quote(user, safe="%") + (colon + quote(password, safe="") if colon else "")
    return f"{scheme}://{encoded}{rest[end:]}"


def _shown_query_value(key: str) -> bool:
    return key.lower() in SAFE_QUERY_KEYS and not _SECRET_HINT.search(key)


def redact(target: str | URL) -> str:
    """The target as it may be shown: a URL's password, and every query value that may be a
    secret (any key not known to be harmless), become ``***``. A password holding unencoded
    ``@`` (``user:p@ss@host``) is hidden whole, never its tail."""
    if isinstance(target, URL):
        url = target
    elif is_url(str(target)):
        text = normalise_url(str(target))
        try:
            url = make_url(text)
        except Exception:  # an unparsable URL: keep only the scheme and the host part
            scheme, _, rest = text.partition("://")
            end = _credentials_end(rest)
            host = rest[end + 1:] if end >= 0 else rest
            host = host.split("?", 1)[0].split("#", 1)[0]
            return f"{scheme}://***@{host}" if end >= 0 or "?" in rest else f"{scheme}://{host}"
    else:
        return str(target)
    secret = {key: "***" for key in url.query if not _shown_query_value(key)}
    if secret:
        url = url.update_query_dict(secret)
    return url.render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` with each secret (as written or percent-encoded) replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            for form in {secret, quote(secret, safe=""), quote(secret)}:
                text = text.replace(form, "***")
    return text


class ReadOnlyRefused(StoreError):
    """A statement or call that could write, or could turn the inspector's connection writable."""


# SQLite authorizer: what a statement on the inspector's connections may do. Anything else
# (INSERT/UPDATE/DELETE, CREATE/DROP/ALTER of any object, temp ones included, ATTACH/DETACH,
# ANALYZE, REINDEX...) is denied while the statement is prepared, before it runs.
_SQLITE_ALLOWED = frozenset({
    sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_TRANSACTION,
    sqlite3.SQLITE_SAVEPOINT, sqlite3.SQLITE_RECURSIVE,
})
#: pragmas that read with an argument (``table_info(events)``); any other pragma given a value sets it
_SQLITE_READING_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
    "foreign_key_check", "integrity_check", "quick_check", "table_list",
})
#: pragmas that act (checkpoint, vacuum, analyse) even without a value
_SQLITE_ACTING_PRAGMAS = frozenset({"optimize", "wal_checkpoint", "incremental_vacuum", "shrink_memory"})


def _sqlite_authorizer(action: int, arg1: str | None, arg2: str | None, _db: str | None, _source: str | None) -> int:
    if action in _SQLITE_ALLOWED:
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() == "load_extension":
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _SQLITE_ACTING_PRAGMAS:
            return sqlite3.SQLITE_DENY
        if arg2 is None or name in _SQLITE_READING_PRAGMAS:
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


#: an SQL function on the inspector's SQLite connections: 1 where its argument (a BLOB) is strict
#: UTF-8, as the payload decoders read text, else 0 (SQLite's own functions take any bytes as text)
UTF8_FUNCTION = "inspector_strict_utf8"


def _strict_utf8(value: Any) -> int:
    if type(value) is not bytes:
        return 0
    if value.isascii():
        return 1
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return 0
    return 1


#: an SQL function on the inspector's SQLite connections: the microseconds since 1970 of a stored
#: time text (given as a BLOB) as ``parse_time`` reads it, else NULL (``layouts.base.sqlite_iso_micros``)
TIME_FUNCTION = "inspector_stored_time_micros"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _stored_time_micros(value: Any) -> int | None:
    if type(value) is not bytes or not value.isascii():
        return None  # the grammar of stored times is ASCII
    at = parse_time(value.decode("ascii"))
    if at is None:
        return None
    delta = at - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


#: the pools of the engines ``sqlite_read_only_engine`` made: their connections have ``TIME_FUNCTION``
_GUARDED_POOLS: "weakref.WeakSet[Any]" = weakref.WeakSet()


def has_time_function(engine: Any) -> bool:
    """Whether ``engine``'s connections have ``TIME_FUNCTION`` (the inspector's own SQLite engines)."""
    return getattr(engine, "pool", None) in _GUARDED_POOLS


class GuardedSqliteConnection(sqlite3.Connection):
    """A ``sqlite3`` connection that stays read-only whoever holds it.

    Opened with ``mode=ro``; ``PRAGMA query_only = ON`` is set and then an authorizer is
    installed that denies, on every statement, writes of any kind, ``ATTACH``/``DETACH`` and
    any pragma given a value (so ``PRAGMA query_only = OFF`` is refused). The authorizer cannot
    be replaced or removed, and extension loading and ``deserialize`` are refused.
    """

    _guarded = False

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - sqlite3.connect's own
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA query_only = ON")
        self.create_function(UTF8_FUNCTION, 1, _strict_utf8, deterministic=True)
        self.create_function(TIME_FUNCTION, 1, _stored_time_micros, deterministic=True)
        super().set_authorizer(_sqlite_authorizer)
        self._guarded = True

    def set_authorizer(self, *_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
        if self._guarded:
            raise ReadOnlyRefused("the inspector's SQLite connection keeps its read-only authorizer")
        super().set_authorizer(*_args, **_kwargs)

    def enable_load_extension(self, *_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
        raise ReadOnlyRefused("the inspector's SQLite connection loads no extensions")

    def load_extension(self, *_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
        raise ReadOnlyRefused("the inspector's SQLite connection loads no extensions")

    def deserialize(self, *_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
        raise ReadOnlyRefused("the inspector's SQLite connection is never replaced in memory")


#: the sidecar files SQLite keeps beside a WAL-mode database while it is read
WAL_SIDECARS = ("-wal", "-shm")
#: store files whose WAL sidecars this process's engines caused (they were absent when opened)
_SIDECARS_WE_CAUSED: set[Path] = set()


def _sidecars(file: Path) -> list[Path]:
    return [file.with_name(file.name + suffix) for suffix in WAL_SIDECARS]


def _tidy_wal_sidecars(file: Path) -> None:
    """Let SQLite remove the ``-wal``/``-shm`` it created for our reads, when nothing else uses them.

    A read-only connection cannot delete them on close; the connection that closes last does,
    after its checkpoint. So, when the ``-wal`` holds no frames (nothing to copy into the store),
    one connection opened without ``mode=ro`` but guarded like every other (``query_only`` and
    the authorizer: it can run no write) reads the schema and closes: SQLite itself then removes
    both files only if no other connection, in any process, has the store open.
    """
    wal, _shm = _sidecars(file)
    try:
        if not wal.exists() or wal.stat().st_size != 0:
            return  # frames written by someone else: a checkpoint would write the store
        uri = f"file:{quote(file.as_posix(), safe='/')}?mode=rw"
        conn = sqlite3.connect(uri, uri=True, factory=GuardedSqliteConnection)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        finally:
            conn.close()
    except (sqlite3.Error, OSError, StoreError):
        return  # left for the next writer, which removes them as usual
    if not any(path.exists() for path in _sidecars(file)):
        _SIDECARS_WE_CAUSED.discard(file)


def sqlite_read_only_engine(path: str | Path) -> Engine:
    """An engine on an existing SQLite file that cannot write to it.

    ``mode=ro`` makes SQLite refuse every write at the file level; on every connection
    ``query_only`` and an authorizer that cannot be switched off refuse writes, ``ATTACH``
    and pragma changes (``GuardedSqliteConnection``). On a WAL-mode store, the ``-wal`` and
    ``-shm`` files SQLite creates for reading are removed again when the engine's last
    connection closes, where SQLite allows it (no other connection open, no frames in the WAL).
    """
    file = Path(path).expanduser()
    if not file.exists():
        raise StoreError(f"no such file: {file}")
    if file.is_dir():
        raise StoreError(f"{file} is a folder, not a store file")
    refuse_special_file(file)
    try:
        with file.open("rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read {file}: {exc.strerror}") from None
    if header != SQLITE_HEADER:
        raise StoreError(f"{file} is not an SQLite database")
    resolved = file.resolve()
    if not any(sidecar.exists() for sidecar in _sidecars(resolved)):
        _SIDECARS_WE_CAUSED.add(resolved)
    # Quote the path: '?', '#' or '%' in a file name would otherwise end the path early,
    # open another file and drop mode=ro.
    uri = f"file:{quote(resolved.as_posix(), safe='/')}?mode=ro"
    # The driver gets the URI itself: SQLAlchemy's URL parsing would unquote the path again.
    engine = sa.create_engine(
        "sqlite+pysqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False, factory=GuardedSqliteConnection),
        poolclass=sa.pool.QueuePool,
        json_deserializer=driver_loads,  # a column typed JSON: numbers exactly as written
    )
    _GUARDED_POOLS.add(engine.pool)
    open_connections = [0]

    @sa.event.listens_for(engine, "connect")
    def _opened(_dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        open_connections[0] += 1
        _dbapi_connection.text_factory = text_or_bytes  # TEXT that is not UTF-8 arrives as bytes, not an error

    @sa.event.listens_for(engine.pool, "close")
    def _closed(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.close()  # the pool closes it after this event: SQLite must see it closed now
        open_connections[0] -= 1
        if open_connections[0] <= 0 and resolved in _SIDECARS_WE_CAUSED:
            _tidy_wal_sidecars(resolved)

    @sa.event.listens_for(engine.pool, "close_detached")
    def _closed_detached(dbapi_connection, _record=None):  # noqa: ANN001
        _closed(dbapi_connection, _record)

    return engine


#: statements through the inspector's engine that could turn its session writable or write
#: beside the store's tables (PostgreSQL large objects and set_config, roles, COPY and
#: INTO OUTFILE, dblink's second connection); matched case-insensitively anywhere in the text
_WRITE_ESCAPES = re.compile(
    r"""\bREAD\s+WRITE\b
      | \bSET\b[^;]*(?:tx|transaction)_read_only\b
      | \bset_config\s*\(
      | \blo_(?:create|creat|unlink|import|export|put|from_bytea|truncate|truncate64)\s*\(
      | \blo(?:creat|write|import|export|unlink)\s*\(
      | \bSET\s+(?:SESSION\s+|LOCAL\s+)?(?:ROLE|PASSWORD)\b | \bSESSION\s+AUTHORIZATION\b
      | \bdblink\w*\s*\( | \bINTO\s+(?:OUTFILE|DUMPFILE)\b | ^\s*COPY\b
      | \bpg_(?:file_write|terminate_backend|cancel_backend|reload_conf|rotate_logfile|switch_wal|promote
               |create_restore_point|\w*replication\w*)\s*\(
    """,
    re.IGNORECASE | re.VERBOSE,
)
def refuse_write_escapes(statement: str) -> None:
    """Raise ``ReadOnlyRefused`` for a statement that could turn the session writable
    (``SET TRANSACTION READ WRITE``, ``set_config``, roles) or write outside the session's
    read-only rule (PostgreSQL ``lo_create``/``lo_unlink``, ``COPY``... ``INTO OUTFILE``).
    Plain writes (INSERT, DELETE, DDL) are left to the read-only session, which refuses them.

    This guards statements sent through the inspector's engine. Code holding the raw driver
    connection can still switch a PostgreSQL or MariaDB session back to read-write: only a
    role without write privileges makes that impossible (``role_can_write`` says which).
    """
    shown = _write_escape_in(statement)
    if shown is not None:
        raise ReadOnlyRefused(f"refused: {shown!r} could write or make the session writable (the inspector is read-only)")


@functools.lru_cache(maxsize=512)
def _write_escape_in(statement: str) -> str | None:
    """The escape ``statement`` holds, as shown in the refusal, or None. Remembered per text: a
    statement is sent again and again (SQLAlchemy compiles each once), and the search costs
    about 0.2 ms on a 1 KB statement, more than the round trip that runs it."""
    found = _WRITE_ESCAPES.search(statement)
    return None if found is None else " ".join(found.group(0).split())


#: run when a pooled connection is handed out, so a session someone switched to read-write
#: (through the driver) never serves the next caller that way; its round trip is also the
#: check that the connection is alive (a failure: the pool opens another), so no pre-ping
_PG_RESET = "SET SESSION AUTHORIZATION DEFAULT; RESET ALL"  # back to the startup options: read-only, UTC
_PG_RESET_BYTES = _PG_RESET.encode()
_MYSQL_RESET = "SET SESSION TRANSACTION READ ONLY"


#: the startup options every PostgreSQL session of the inspector gets, after the user's own
_PG_OPTIONS = "-c default_transaction_read_only=on -c TimeZone=UTC"


def postgres_options(given: str | tuple[str, ...] | None) -> str:
    """The libpq ``options`` the inspector's PostgreSQL sessions start with: the user's own
    (the URL's ``options`` query value, several joined in order; else ``PGOPTIONS``, as libpq
    reads it when a connection names none), then ``default_transaction_read_only=on`` and
    ``TimeZone=UTC``. PostgreSQL applies startup options in order, so these two always win:
    ``?options=-csearch_path%3Dbilling`` reads a schema, ``-c default_transaction_read_only=off``
    changes nothing."""
    parts = [given] if isinstance(given, str) else list(given or ())
    if not parts and os.environ.get("PGOPTIONS", "").strip():
        parts = [os.environ["PGOPTIONS"]]
    return " ".join([*(part.strip() for part in parts if part and part.strip()), _PG_OPTIONS])


def server_read_only_engine(url: str) -> Engine:
    """An engine on a PostgreSQL or MySQL/MariaDB server whose sessions are read-only.

    PostgreSQL sessions start with ``default_transaction_read_only=on`` (after the URL's own
    ``options``, e.g. a ``search_path``: ``postgres_options``), MySQL/MariaDB ones
    run ``SET SESSION TRANSACTION READ ONLY``; statements through the engine are checked by
    ``refuse_write_escapes``; a pooled connection is reset to read-only each time it is handed
    out, in one round trip that also finds a connection the server closed (the pool then opens
    another: a connection killed while idle is never handed out). A password with unencoded
    ``@``, ``/``, ``?`` or ``#`` is read as written; errors never show it.
    """
    url = normalise_url(url)
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
    # No pool_pre_ping: the reset each checkout runs (_reset_to_read_only) is that round trip.
    kwargs: dict = {"pool_size": 4, "max_overflow": 4, "json_deserializer": driver_loads}
    if backend == "postgresql":
        kwargs["connect_args"] = {"options": postgres_options(parsed.query.get("options"))}
    elif backend in ("mysql", "mariadb"):
        kwargs["connect_args"] = {"init_command": "SET SESSION time_zone = '+00:00'"}
    elif backend == "sqlite":
        database = parsed.database
        if not database or database == ":memory:":
            raise StoreError("an in-memory SQLite URL has no events to inspect")
        return sqlite_read_only_engine(database)
    else:
        raise StoreError(f"unsupported database {backend!r}: use sqlite, postgresql or mysql URLs")
    password = None if parsed.password is None else str(parsed.password)
    try:
        engine = sa.create_engine(parsed, **kwargs)
    except ModuleNotFoundError as exc:
        extra = "postgres" if backend == "postgresql" else "mysql"
        raise StoreError(
            f"the driver {exc.name!r} is not installed: pip install 'event-stream-inspector[{extra}]'"
        ) from None
    except Exception as exc:  # bad URL parts: report without the password
        raise StoreError(f"cannot use {redact(parsed)}: {scrub(str(exc), password)}") from None

    if backend == "postgresql" and engine.dialect.driver == "psycopg":
        connection_class = _connection_keeping_prepared_statements()

        @sa.event.listens_for(engine, "do_connect")
        def _open(_dialect, _record, cargs, cparams):  # noqa: ANN001 - SQLAlchemy's connect arguments
            return connection_class.connect(*cargs, **cparams)

    if backend in ("mysql", "mariadb"):

        @sa.event.listens_for(engine, "connect")
        def _read_only_session(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
            with dbapi_connection.cursor() as cursor:
                cursor.execute(_MYSQL_RESET)

    @sa.event.listens_for(engine, "checkout")
    def _reset_to_read_only(dbapi_connection, _record, _proxy):  # noqa: ANN001 - DB-API objects
        try:
            _reset_session(backend, dbapi_connection)
        except Exception as exc:  # a dead connection: the pool drops it and opens another (SQLAlchemy
            # retries a checkout whose "checkout" event raises DisconnectionError on a new connection)
            raise sa.exc.DisconnectionError(scrub(str(exc), password)) from None

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _guard(_conn, _cursor, statement, _parameters, _context, _executemany):  # noqa: ANN001
        refuse_write_escapes(statement)

    if backend in ("mysql", "mariadb"):

        @sa.event.listens_for(engine, "handle_error")
        def _forget_a_stream_cut_short(context):  # noqa: ANN001 - SQLAlchemy's ExceptionContext
            """A lost connection in the middle of a streamed result: PyMySQL would try to read the
            rest of it from the closed socket when the cursor is closed or collected, and Python
            prints each failure as an "Exception ignored" traceback. Nothing is left to read."""
            if not context.is_disconnect:
                return
            holders = [getattr(context.execution_context, "cursor", None)]
            if context.connection is not None:
                try:
                    holders.append(context.connection.connection.dbapi_connection)
                except Exception:  # an invalidated connection: nothing to reach
                    pass
            for holder in holders:
                result = getattr(holder, "_result", None)
                if result is not None and getattr(result, "unbuffered_active", False):
                    result.unbuffered_active = False

    accepted: list[bool] = []  # a first connection was made: the server took these credentials once

    @sa.event.listens_for(engine, "connect")
    def _credentials_accepted(_dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        if not accepted:
            accepted.append(True)

    @sa.event.listens_for(engine, "handle_error")
    def _refused_after_accepting(context):  # noqa: ANN001 - SQLAlchemy's ExceptionContext
        """The server refuses the password it took before (it was changed, the sessions were
        killed): the store's connection is lost, and the window's reconnect asks for the new one."""
        if accepted and asks_for_password(str(context.original_exception or "")):
            context.is_disconnect = True

    if password:

        @sa.event.listens_for(engine, "handle_error")
        def _no_password_in_errors(context):  # noqa: ANN001 - SQLAlchemy's ExceptionContext
            original = context.original_exception
            if original is not None and scrub(str(original), password) != str(original):
                raise StoreError(f"{redact(parsed)}: {scrub(str(original), password).splitlines()[0]}") from None

    return engine


def for_one_statement(conn: sa.Connection) -> sa.Connection:
    """``conn`` ready for one bounded read whose rows are all fetched at once: on PostgreSQL
    outside a transaction block (no ``BEGIN`` and no ``ROLLBACK`` round trips; psycopg then
    keeps the statements it prepared, which a rollback discards), elsewhere as it is.

    Still read-only: ``default_transaction_read_only`` makes every statement's own transaction
    read-only, and statements are checked as on any connection of the engine. The pool sets
    the connection back to transactions when it is returned. Not for a streamed read (a
    PostgreSQL server-side cursor needs a transaction block) nor for several statements that
    must see one snapshot.
    """
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


#: per statement: how the driver runs it (``_plain_form``), or ``_NOT_PLAIN`` where SQLAlchemy must
_PLAIN_FORMS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_NOT_PLAIN = object()
_PLAIN_DIALECTS = frozenset({"sqlite", "postgresql"})


def plain_rows(target: sa.Connection | Engine, statement: sa.Select, parameters: dict[str, Any]) -> list[Any] | None:
    """All rows of one bounded SELECT, ``statement`` with ``parameters`` (its bound values by
    name), run by the driver itself: a list of named tuples whose fields are the statement's
    column names, in its column order, each value as SQLAlchemy would give it. None where
    SQLAlchemy's own execution is needed: MySQL/MariaDB, a column whose values SQLAlchemy
    converts on the way out, a value rendered into the SQL at execution; and, given an engine
    rather than a connection, every engine but SQLite's.

    ``target``: a connection fresh from the pool (no statement run on it yet), whose engine's
    ``before_cursor_execute`` listeners see the statement as they see SQLAlchemy's own (on a
    server, the statement guard ``refuse_write_escapes``); or an SQLite engine, whose pooled
    driver connection runs it without a SQLAlchemy connection around it (SQLite engines have no
    statement listeners: their connections' own rules keep them read-only, ``mode=ro``,
    ``query_only`` and the authorizer of ``GuardedSqliteConnection``). On PostgreSQL the
    statement runs outside a transaction block as with ``for_one_statement`` (its own
    transaction read-only by ``default_transaction_read_only``), prepared once per session,
    and the connection is set back to transactions after. This saves SQLAlchemy's execution
    and row objects: about 60 µs of a one-row read on SQLite (10 µs more without the
    connection object), 80 µs on PostgreSQL.

    Raises ``ReadOnlyRefused``, or ``sqlalchemy.exc.DBAPIError`` for a driver error as
    SQLAlchemy's execution would (``connection_invalidated`` and the connection invalidated
    when it was lost).
    """
    dialect = target.dialect
    backend = dialect.name
    if backend not in _PLAIN_DIALECTS or isinstance(target, Engine) and backend != "sqlite":
        return None
    form = _form(dialect, statement)
    if form is None:
        return None
    _compiled, sql, _processors, shape = form
    arguments = _arguments(form, parameters)
    if isinstance(target, Engine):
        pooled = target.raw_connection()  # back to the pool (rolled back) when closed
        try:
            return _driver_rows(None, pooled.driver_connection, dialect, sql, arguments, shape)
        finally:
            pooled.close()
    return _driver_rows(target, target.connection.driver_connection, dialect, sql, arguments, shape)


def streamed_plain_rows(conn: sa.Connection, statement: sa.Select, parameters: dict[str, Any],
                        size: int) -> Generator[list[tuple[Any, ...]], None, None] | None:
    """The rows of one SELECT of any length, ``statement`` with ``parameters`` (its bound values
    by name), streamed by the driver's own server-side cursor in lists of at most ``size`` plain
    tuples (the statement's columns in its order, each value as SQLAlchemy would give it: see
    ``plain_rows``), one ``FETCH`` a list. None where SQLAlchemy's own execution is needed: every
    engine but PostgreSQL through psycopg, a column whose values SQLAlchemy converts on the way
    out, a value rendered into the SQL at execution.

    ``conn``: a connection fresh from the pool, in a transaction block as the pool hands it out
    (a server-side cursor needs one; it ends with the rollback that returns the connection); the
    engine's ``before_cursor_execute`` listeners see the statement (the statement guard
    ``refuse_write_escapes``). SQLAlchemy's streamed result makes a ``Row`` of every row (about
    2.4k instructions a row of eight columns, a fifth of the fetch) and fetches its first row
    alone before the first batch; this makes neither. The cursor is closed when the iterator
    ends or is closed (``Cancelled`` between lists, a consumer that stops early).

    Raises ``ReadOnlyRefused``, or ``sqlalchemy.exc.DBAPIError`` for a driver error as
    SQLAlchemy's execution would (``connection_invalidated`` and the connection invalidated when
    it was lost), from the call that sent the statement or from the list being fetched.
    """
    dialect = conn.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return None
    form = _form(dialect, statement)
    if form is None:
        return None
    return _streamed_driver_rows(conn, dialect, form[1], _arguments(form, parameters), size)


def _streamed_driver_rows(conn: sa.Connection, dialect: sa.Dialect, sql: str, arguments: Any,
                          size: int) -> Generator[list[tuple[Any, ...]], None, None]:
    driver: Any = conn.connection.driver_connection
    cursor = None
    lost = False
    try:
        # named as SQLAlchemy names its own server-side cursors: unique within the session
        cursor = driver.cursor(f"c_{id(arguments):x}_{next(_CURSOR_NUMBERS):x}")
        conn.dispatch.before_cursor_execute(conn, cursor, sql, arguments, None, False)  # the engine's guard, and all
        cursor.execute(sql, arguments)
        fetch = cursor.fetchmany
        while True:
            try:
                rows = fetch(size)
            except dialect.loaded_dbapi.Error as exc:
                lost = dialect.is_disconnect(exc, driver, cursor)
                raise _driver_error(conn, dialect, sql, arguments, exc, lost) from None
            if rows:
                yield rows
            if len(rows) < size:  # the server had no more (a FETCH is never short otherwise)
                return
    except dialect.loaded_dbapi.Error as exc:  # the statement itself
        lost = dialect.is_disconnect(exc, driver, cursor)
        raise _driver_error(conn, dialect, sql, arguments, exc, lost) from None
    finally:
        if cursor is not None:  # sends CLOSE where the session is sane (psycopg sends nothing on a lost one)
            try:
                cursor.close()
            except dialect.loaded_dbapi.Error as exc:
                if not lost:
                    raise _driver_error(conn, dialect, sql, arguments, exc,
                                        dialect.is_disconnect(exc, driver, cursor)) from None


_CURSOR_NUMBERS = itertools.count(1)


def _driver_error(conn: sa.Connection | None, dialect: sa.Dialect, sql: str, arguments: Any, exc: Exception,
                  lost: bool) -> sa.exc.StatementError:
    """SQLAlchemy's error for the driver's ``exc``, the connection invalidated where it was ``lost``."""
    if lost and conn is not None:
        conn.invalidate(exc)
    return sa.exc.DBAPIError.instance(sql, arguments, exc, dialect.loaded_dbapi.Error,
                                      connection_invalidated=lost, dialect=dialect)


def _form(dialect: sa.Dialect, statement: sa.Select) -> tuple[Any, str, dict[str, Any], Any] | None:
    """``_plain_form`` of ``statement``, made once per statement and dialect."""
    form: Any = _PLAIN_FORMS.get(statement)
    if form is None or form is not _NOT_PLAIN and form[0].dialect is not dialect:
        form = _PLAIN_FORMS[statement] = _plain_form(dialect, statement) or _NOT_PLAIN
    return None if form is _NOT_PLAIN else form


def _arguments(form: tuple[Any, str, dict[str, Any], Any], parameters: dict[str, Any]) -> Any:
    """The driver's arguments of a statement of ``form`` with ``parameters``, as SQLAlchemy's execution makes them."""
    compiled, _sql, processors, _shape = form
    values = compiled.construct_params(parameters, escape_names=False)
    for name, processor in processors.items():
        values[name] = processor(values[name])
    return tuple(values[name] for name in compiled.positiontup) if compiled.positional else values


def _driver_rows(conn: sa.Connection | None, driver: Any, dialect: sa.Dialect, sql: str, arguments: Any,
                 shape: Any) -> list[Any]:
    backend = dialect.name
    one_statement = backend == "postgresql" and not driver.autocommit
    if one_statement:
        driver.autocommit = True  # no BEGIN, no ROLLBACK, the driver's prepared statements kept
    cursor = None
    lost = False
    try:
        cursor = driver.cursor()
        if conn is not None:
            conn.dispatch.before_cursor_execute(conn, cursor, sql, arguments, None, False)  # the engine's guard, and all
        if backend == "postgresql":  # planned once per session, as the library's own reads are
            cursor.execute(sql, arguments, prepare=True)
        else:
            cursor.execute(sql, arguments)
        rows = cursor.fetchall()
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, driver, cursor)
        raise _driver_error(conn, dialect, sql, arguments, exc, lost) from None
    finally:
        if cursor is not None and not lost:
            cursor.close()
        if one_statement and not lost:
            driver.autocommit = False
    return [shape._make(row) for row in rows]


def _plain_form(dialect: sa.Dialect, statement: sa.Select) -> tuple[Any, str, dict[str, Any], Any] | None:
    """``(compiled, sql, bind processors, row shape)``, or None when the
    driver's rows would differ from SQLAlchemy's or the SQL is only known at execution."""
    compiled: Any = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names:
        return None
    columns = list(statement.selected_columns)
    fields = [getattr(column, "name", None) for column in columns]
    if (len(set(fields)) != len(fields)
            or not all(isinstance(name, str) and name.isidentifier() and not name.startswith("_") for name in fields)):
        return None
    try:
        if any(column.type.dialect_impl(dialect).result_processor(dialect, None) is not None for column in columns):
            return None
    except Exception:  # a processor chosen by the column's type on the wire (PostgreSQL numerics): not known yet
        return None
    processors = dict(compiled._bind_processors or {})
    return compiled, str(compiled), processors, namedtuple("PlainRow", [str(name) for name in fields])


@functools.cache
def _connection_keeping_prepared_statements() -> Any:
    """psycopg's ``Connection`` whose ``rollback`` keeps the statements psycopg prepared.

    psycopg forgets them at every rollback (and has the server deallocate them), in case the
    transaction created or dropped what they name; the inspector's sessions are read-only and
    create nothing, and every read ends in a rollback, so a statement run over and over was
    never prepared (PostgreSQL planned it anew each time: ~0.2 ms for a snapshot read). The
    rollback is the same ``ROLLBACK``; only the driver's cache of prepared statements stays.
    """
    import psycopg
    from psycopg import pq

    ending = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)

    class ReadOnlySessionConnection(psycopg.Connection):
        def rollback(self) -> None:
            pgconn = self.pgconn
            if pgconn.transaction_status not in ending:
                return super().rollback()  # idle (nothing to do), or a state psycopg's own rollback handles
            with self.lock:
                result = pgconn.exec_(b"ROLLBACK")
            if result.status != pq.ExecStatus.COMMAND_OK or pgconn.transaction_status in ending:
                super().rollback()  # the driver's own rollback, and its error
            return None

    return ReadOnlySessionConnection


def _reset_session(backend: str, dbapi_connection) -> None:  # noqa: ANN001 - a DB-API connection
    if backend == "postgresql":
        from psycopg import pq

        pgconn = dbapi_connection.pgconn
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            dbapi_connection.rollback()
        # RESET is transactional: it runs on its own, outside a transaction block, as one simple
        # query through libpq (psycopg's execute and two autocommit switches cost ~25 µs more)
        result = pgconn.exec_(_PG_RESET_BYTES)
        if result.status != pq.ExecStatus.COMMAND_OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            message = (result.error_message or pgconn.error_message or b"").decode("utf-8", "replace").strip()
            raise sa.exc.DisconnectionError(message or f"the session could not be reset ({result.status.name})")
        if dbapi_connection.autocommit:  # left so by a holder of the driver's connection
            dbapi_connection.autocommit = False
    else:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(_MYSQL_RESET)


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
            return value is not None and int(value) == 1
    return False


_MYSQL_WRITE_PRIVILEGES = frozenset({
    "ALL", "ALL PRIVILEGES", "INSERT", "UPDATE", "DELETE", "DROP", "ALTER", "CREATE", "INDEX", "TRIGGER",
    "DELETE HISTORY", "EXECUTE", "SUPER", "FILE",
})
_MYSQL_GRANT = re.compile(r"^GRANT\s+(?P<privileges>.+?)\s+ON\s+(?:(?:TABLE|PROCEDURE|FUNCTION|PACKAGE(?:\s+BODY)?)\s+)?"
                          r"(?P<target>\S+)\s+TO\s", re.IGNORECASE)


def role_can_write(engine: Engine, tables: tuple[tuple[str | None, str], ...] = ()) -> tuple[bool | None, str]:
    """Whether the role the engine connects as could write to the store, were its session
    switched back to read-write, and why: ``(True, "superuser")``, ``(False, "...")``, or
    ``(None, reason)`` when the server does not say (SQLite and JSON Lines have no roles: the
    inspector's own guard cannot be switched off there).

    PostgreSQL: superuser, or INSERT/UPDATE/DELETE/TRUNCATE on any table of the schemas of
    ``tables`` (``(schema, table)`` pairs; ``None`` is the current schema), through its own
    grants or those of roles it inherits. MySQL/MariaDB: ``SHOW GRANTS`` (with the grants of
    the roles it lists) holding a writing privilege (INSERT, UPDATE, DELETE, DROP, ALTER, ALL...)
    on ``*.*``, on the store's database or on one of its tables.
    """
    backend = engine.dialect.name
    try:
        with engine.connect() as conn:
            if backend == "postgresql":
                return _postgres_role_can_write(conn, tables)
            if backend in ("mysql", "mariadb"):
                return _mysql_role_can_write(conn)
    except StoreError:
        raise
    except sa.exc.SQLAlchemyError as exc:
        original = getattr(exc, "orig", None) or exc
        return None, f"could not read the role's privileges: {str(original).splitlines()[0] if str(original) else type(original).__name__}"
    return None, "no roles: the inspector's read-only guard on this store cannot be switched off"


def _postgres_role_can_write(conn: sa.Connection, tables: tuple[tuple[str | None, str], ...]) -> tuple[bool | None, str]:
    role, superuser = conn.execute(sa.text(
        "SELECT current_user, rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user"
    )).one()
    if superuser:
        return True, f"role {role} is a superuser"
    schemas = sorted({schema for schema, _ in tables if schema} or {conn.execute(sa.text("SELECT current_schema()")).scalar() or "public"})
    writable = conn.execute(sa.text(
        "SELECT n.nspname || '.' || c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(:schemas) AND c.relkind IN ('r', 'p') "
        "AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') ORDER BY 1 LIMIT 4"
    ), {"schemas": schemas}).scalars().all()
    if writable:
        return True, f"role {role} may insert, update, delete or truncate {', '.join(writable)}"
    return False, f"role {role} has no write privilege on the tables of {', '.join(schemas)}"


def _mysql_role_can_write(conn: sa.Connection) -> tuple[bool | None, str]:
    user, database = conn.execute(sa.text("SELECT CURRENT_USER(), DATABASE()")).one()
    lines = [row[0] for row in conn.exec_driver_sql("SHOW GRANTS")]
    seen_roles: set[str] = set()
    index = 0
    while index < len(lines):  # a granted role's own grants, once each
        line = lines[index]
        index += 1
        role = re.match(r"^GRANT\s+(`[^`]+`(?:@`[^`]*`)?)\s+TO\s", line, re.IGNORECASE)
        if role and " ON " not in line.upper() and role.group(1) not in seen_roles:
            seen_roles.add(role.group(1))
            try:
                lines += [row[0] for row in conn.exec_driver_sql(f"SHOW GRANTS FOR {role.group(1)}")]
            except sa.exc.DBAPIError:
                return None, f"{user} holds role {role.group(1)}, whose grants it cannot read"
    for line in lines:
        match = _MYSQL_GRANT.match(line)
        if match is None:
            continue
        privileges = {re.sub(r"\s*\(.*?\)", "", part).strip().upper() for part in match.group("privileges").split(",")}
        if not privileges & _MYSQL_WRITE_PRIVILEGES:
            continue
        target_db = match.group("target").split(".", 1)[0].strip("`")
        if target_db == "*" or _mysql_db_pattern_matches(target_db, database or ""):
            shown = ", ".join(sorted(privileges & _MYSQL_WRITE_PRIVILEGES))
            return True, f"{user} holds {shown} on {match.group('target')}"
    return False, f"{user} holds no writing privilege on {database or 'this server'}"


def _mysql_db_pattern_matches(pattern: str, database: str) -> bool:
    """A grant's database name, where ``_`` and ``%`` are wildcards unless escaped."""
    regex = ""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            regex += re.escape(pattern[index + 1])
            index += 2
            continue
        regex += "." if char == "_" else ".*" if char == "%" else re.escape(char)
        index += 1
    return re.fullmatch(regex, database, re.IGNORECASE) is not None


# --- a password asked for when the server wants one ------------------------------------------
#: what the drivers say when the server wants a password it did not get, or refused the one
#: given: libpq/psycopg ("no password supplied", "password authentication failed"), MySQL and
#: MariaDB through PyMySQL (error 1045 "Access denied for user ... (using password: NO|YES)")
_PASSWORD_WANTED = re.compile(
    r"password authentication failed|no password supplied|fe_sendauth: no password|"
    r"\(1045, |Access denied for user .*\(using password: (?:NO|YES)\)",
    re.IGNORECASE,
)


def asks_for_password(error: BaseException | str) -> bool:
    """True when ``error`` (an exception or its text) says the server wants a (different) password."""
    return bool(_PASSWORD_WANTED.search(str(error)))


def url_password(target: str) -> str | None:
    """The password written in the URL ``target``, or None (also for a path or a bad URL)."""
    if not is_url(target):
        return None
    try:
        password = make_url(normalise_url(target)).password
    except Exception:
        return None
    return None if password is None else str(password)


def url_without_password(target: str) -> str:
    """``target`` with its password taken out (as the user may see it, or as a keyring entry's name)."""
    url = make_url(normalise_url(target))
    # URL.set(password=None) keeps the old password ("None" means "unchanged"): replace it.
    return url._replace(password=None).render_as_string(hide_password=False)


def url_with_password(target: str, password: str) -> str:
    """``target`` with ``password`` in it, percent-encoded as needed. The result holds the secret:
    open it, never print, save or log it (``redact`` it for that)."""
    return make_url(normalise_url(target)).set(password=password).render_as_string(hide_password=False)
