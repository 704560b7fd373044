"""Checks on the files a user names as stores."""

from __future__ import annotations

import stat
from pathlib import Path

from inspector.stores.base import StoreError


def special_kind(mode: int) -> str | None:
    """What a ``st_mode`` is when it is not a regular file or a folder (``"a FIFO (named pipe)"``,
    ``"a device"``, ``"a socket"``), else None."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def refuse_special_file(file: Path) -> None:
    """Raise ``StoreError`` unless ``file`` (its link target, for a symlink) is a regular file
    or a folder: reading a FIFO, a socket or a device named like a store would block or never end."""
    try:
        mode = file.stat().st_mode
    except OSError as exc:
        raise StoreError(f"cannot read {file}: {exc.strerror}") from None
    kind = special_kind(mode)
    if kind is not None:
        raise StoreError(f"{file} is {kind}, not a store file")
