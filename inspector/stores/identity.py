"""What makes a store this store, for the snapshot cache: never a password, never a reader's side effect."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_identity(path: Path) -> str:
    """Device, inode, size and change times of the file (and of an SQLite write-ahead log beside it)."""
    parts = [str(path.resolve())]
    for candidate in (path, path.with_name(path.name + "-wal")):
        try:
            st = candidate.stat()
        except OSError:
            parts.append("-")
            continue
        parts.append(f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
    return "|".join(parts)


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
