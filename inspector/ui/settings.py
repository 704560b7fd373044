"""Window settings and recent stores in the platformdirs user config dir. No Qt here.

Passwords never reach this file: URLs are saved with the password and the secret query
parameters removed (the driver then takes them from the environment or a prompt). Stores
are keyed by one spelling each: file paths are saved absolute and resolved.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import re

from inspector.stores.connect import is_url
from inspector.ui.presenting import TYPE_PALETTE

#: query keys that may hold a secret (password, passwd, sslpassword, token, …): never saved
_SECRET_KEY = re.compile(r"pass|pwd|secret|token|key|auth|cred|cookie|sig", re.IGNORECASE)

MAX_RECENT = 10

#: how many stores' event type colours are remembered (the most recently opened)
MAX_COLOUR_STORES = 50
#: how many types' colours are remembered per store (the palette's size: colours repeat beyond it)
MAX_COLOURS_PER_STORE = len(TYPE_PALETTE)


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("event-inspector", appauthor=False))


def without_secrets(target: str) -> str:
    """The target as it may be saved: no password and no secret query parameters.

    ``postgresql://u:pw@h/db?sslpassword=x&sslmode=require`` → ``postgresql://u@h/db?sslmode=require``.
    The secret query keys are dropped entirely (not masked): a saved ``***`` would be sent
    as the password when the recent entry is opened again.
    """
    if not is_url(target):
        return target
    try:
        from sqlalchemy.engine import make_url

        url = make_url(target)
    except Exception:  # unparsable: keep only what cannot hold a secret (no user info, no query)
        scheme, _, rest = target.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2].split('?', 1)[0]}"
    secret = [key for key in url.query if _SECRET_KEY.search(key)]
    if url.password is None and not secret:
        return target
    if secret:
        url = url.difference_update_query(secret)
    # URL.set(password=None) keeps the old password ("None" means "unchanged"): replace it.
    return url._replace(password=None).render_as_string(hide_password=False)


def normalized_target(target: str) -> str:
    """One spelling per store: file paths (and ``sqlite:///`` paths) made absolute and resolved.

    ``/tmp/x/../x/s.db``, ``./s.db`` run from ``/tmp/x`` and ``~/s.db`` all name one file, so
    they must share one recent entry and one remembered projector, wherever the app starts.
    Server URLs are left as given.
    """
    if not is_url(target):
        if not target.strip():
            return target
        return str(Path(target).expanduser().resolve())
    try:
        from sqlalchemy.engine import make_url

        url = make_url(target)
    except Exception:
        return target
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return target
    resolved = str(Path(url.database).expanduser().resolve())
    if resolved == url.database:
        return target
    return url.set(database=resolved).render_as_string(hide_password=False)


def store_key(target: str) -> str:
    """How ``target`` is named in the settings file: normalized, without secrets."""
    return without_secrets(normalized_target(target))


#: the type of each value the window reads back without checking it; a value of another type (a
#: hand-edited or damaged file) is left out when the file is read, as if it had not been saved,
#: so the window starts with its default instead of failing to start
_TYPES: dict[str, type] = {
    "geometry": str, "splitters": dict, "recent_stores": list, "projectors": dict, "type_colours": list,
    "last_export_dir": str, "last_bisect": str, "preferences": dict,
}


class Settings:
    """A small JSON document, written atomically on every change."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "settings.json"
        self._data: dict[str, Any] = {}
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._data = {key: value for key, value in loaded.items()
                              if key not in _TYPES or isinstance(value, _TYPES[key])}
        except (OSError, ValueError):
            self._data = {}
        if self._scrub_secrets():
            try:
                self.save()
            except OSError:  # a read-only config dir: at least nothing new is written
                pass

    def _scrub_secrets(self) -> bool:
        """Remove secrets an older version saved with the recent stores; True if any was."""
        changed = False
        recent = self._data.get("recent_stores")
        if isinstance(recent, list):
            cleaned: list[Any] = []
            for item in recent:
                entry = without_secrets(item) if isinstance(item, str) else item
                if entry not in cleaned:
                    cleaned.append(entry)
            if cleaned != recent:
                self._data["recent_stores"], changed = cleaned, True
        projectors = self._data.get("projectors")
        if isinstance(projectors, dict):
            cleaned_keys = {without_secrets(str(key)): value for key, value in projectors.items()}
            if cleaned_keys != projectors:
                self._data["projectors"], changed = cleaned_keys, True
        return changed

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
        entry = store_key(target)
        recent = [item for item in self.recent_stores() if item != entry]
        self.set("recent_stores", [entry, *recent][:MAX_RECENT])

    # --- projector per store ---------------------------------------------------------
    def projector_for(self, target: str) -> str | None:
        value = self._data.get("projectors", {}).get(store_key(target))
        return value if isinstance(value, str) else None

    def projector_choice_for(self, target: str) -> Any:
        """The saved projector choice for ``target``: a file's path (str), a dict such as
        ``{"kind": "native", "path": DIR}`` (see ``inspector.replay.choices``), or None."""
        value = self._data.get("projectors", {}).get(store_key(target))
        return value if isinstance(value, (str, dict)) else None

    def set_projector_for(self, target: str, projector: Any) -> None:
        """Remember ``projector`` (a file's path or a choice's dict; None forgets) for ``target``."""
        projectors = dict(self._data.get("projectors", {}))
        key = store_key(target)
        if projector:
            projectors[key] = projector
        else:
            projectors.pop(key, None)
        self.set("projectors", projectors)

    # --- event type colours per store ------------------------------------------------
    def type_colours_for(self, target: str) -> dict[str, str]:
        """The event type colours remembered for ``target``, ``{type: "#rrggbb"}`` (``{}`` if none)."""
        key = store_key(target)
        for entry in self._type_colour_entries():
            if entry["store"] == key:
                return dict(entry["colours"])
        return {}

    def set_type_colours_for(self, target: str, colours: dict[str, str]) -> None:
        """Remember ``colours`` (``{type: "#rrggbb"}``; at most ``MAX_COLOURS_PER_STORE`` kept, by
        type name) for ``target``, as its most recent entry; the least recently remembered of more
        than ``MAX_COLOUR_STORES`` stores are forgotten. Writes only when something changed."""
        key = store_key(target)
        kept = {name: colours[name] for name in sorted(colours)[:MAX_COLOURS_PER_STORE]}
        entries = self._type_colour_entries()
        others = [entry for entry in entries if entry["store"] != key]
        updated = [{"store": key, "colours": kept}, *others][:MAX_COLOUR_STORES]
        if updated != entries:
            self.set("type_colours", updated)

    def _type_colour_entries(self) -> list[dict[str, Any]]:
        """The saved ``[{"store": key, "colours": {type: colour}}]``, most recent first; malformed
        entries (a hand-edited file) are skipped."""
        saved = self._data.get("type_colours")
        entries: list[dict[str, Any]] = []
        for entry in saved if isinstance(saved, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("store"), str) \
                    and isinstance(entry.get("colours"), dict):
                colours = {str(name): colour for name, colour in entry["colours"].items() if isinstance(colour, str)}
                entries.append({"store": entry["store"], "colours": colours})
        return entries
