"""What makes a store this store, for the snapshot cache: never a password, never a reader's side effect."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_identity(path: Path) -> str:
    """What changes when a store file's history may have: never what a reader's open changes.

    The file's device, inode, size and modification time (a replaced, restored, appended or
    rewritten file); for an SQLite database also its header's change counter (bumped by
    every write transaction in rollback-journal mode) and, beside a WAL-mode database, the
    write-ahead log's size and header (checkpoint sequence and salts: new frames make it
    longer, a restarted log gets new salts). The log's times are left out: opening the
    database changes them without writing anything.
    """
    parts = [str(path.resolve())]
    try:
        st = path.stat()
    except OSError:
        return "|".join([*parts, "-"])
    parts.append(f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}")
    header = _read(path, 0, 100)
    if header.startswith(b"SQLite format 3\x00"):
        parts.append(header[24:28].hex())  # file change counter
        wal = path.with_name(path.name + "-wal")
        try:
            wal_size = wal.stat().st_size
        except OSError:
            wal_size = -1
        parts.append(f"wal:{wal_size}:{_read(wal, 0, 32).hex() if wal_size > 0 else ''}")
    return "|".join(parts)


def _read(path: Path, offset: int, size: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read(size)
    except OSError:
        return b""


def store_identity_key(layout: str, location: str, file: Path | None) -> str:
    """A hex key from the layout, the redacted location and, for a file store, ``file_identity``:
    a file rewritten or replaced at the same path is another store."""
    digest = hashlib.sha256()
    for part in (layout, location, file_identity(file) if file is not None else ""):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def sqlite_file_of(location: str) -> Path | None:
    """The file an SQLite location names: a path or an ``sqlite:///`` URL (None for ``:memory:``)."""
    from inspector.stores.connect import is_url

    if is_url(location):
        from sqlalchemy.engine import make_url

        try:
            database = make_url(location).database
        except Exception:  # a location we cannot parse: no file to pin
            return None
        return Path(database) if database and database != ":memory:" else None
    return Path(location).expanduser() if location else None


__all__ = ["file_identity", "sqlite_file_of", "store_identity_key"]
