"""Window settings and recent stores in the platformdirs user config dir. No Qt here.

Passwords never reach this file: URLs are saved with the password removed (the driver
then takes it from the environment or a prompt), and anything else is saved as given.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

MAX_RECENT = 10


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("event-inspector", appauthor=False))


def without_password(target: str) -> str:
    """``postgresql://u:secret@h/db`` → ``postgresql://u@h/db``; paths unchanged."""
    if "://" not in target:
        return target
    try:
        from sqlalchemy.engine import make_url

        url = make_url(target)
    except Exception:  # unparsable: keep only what cannot hold a password
        scheme, _, rest = target.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2]}"
    if url.password is None:
        return target
    # URL.set(password=None) keeps the old password ("None" means "unchanged"): replace it.
    return url._replace(password=None).render_as_string(hide_password=False)


class Settings:
    """A small JSON document, written atomically on every change."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "settings.json"
        self._data: dict[str, Any] = {}
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._data = loaded
        except (OSError, ValueError):
            self._data = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._data[key] = value
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.path)

    # --- recent stores ---------------------------------------------------------------
    def recent_stores(self) -> list[str]:
        return [item for item in self._data.get("recent_stores", []) if isinstance(item, str)]

    def add_recent_store(self, target: str) -> None:
        entry = without_password(target)
        recent = [item for item in self.recent_stores() if item != entry]
        self.set("recent_stores", [entry, *recent][:MAX_RECENT])

    # --- projector per store ---------------------------------------------------------
    def projector_for(self, store_key: str) -> str | None:
        value = self._data.get("projectors", {}).get(without_password(store_key))
        return value if isinstance(value, str) else None

    def set_projector_for(self, store_key: str, projector: str | None) -> None:
        projectors = dict(self._data.get("projectors", {}))
        key = without_password(store_key)
        if projector:
            projectors[key] = projector
        else:
            projectors.pop(key, None)
        self.set("projectors", projectors)
