"""Mask personal data before it leaves the inspector (audit exports, fixtures).

A mask names a field (``email``, ``owner``, ``metadata.actor``): every value under that key,
at any depth of the payload and metadata, is replaced. ``MASK_EMAILS`` additionally hides
e-mail addresses wherever they appear in text, keeping the domain so a reader can still
tell internal from external actors.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Any, Iterable

from inspector.core.events import _ACTOR_KEYS, Event

MASK_EMAILS = "emails"
_EMAIL = re.compile(r"([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def _token(value: Any) -> str:
    """A stable stand-in: the same value masks to the same token, so rows can still be correlated."""
    digest = hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:8]
    return f"masked:{digest}"


def mask_text(text: str) -> str:
    return _EMAIL.sub(lambda m: f"{_token(m.group(1))}@{m.group(2)}", text)


class Masker:
    def __init__(self, fields: Iterable[str] = ()) -> None:
        names = [name.strip() for name in fields if name.strip()]
        self.emails = MASK_EMAILS in names or "email" in names
        self.keys = {name.split(".")[-1] for name in names if name != MASK_EMAILS}
        if self.keys & set(_ACTOR_KEYS):
            # "actor" means whoever caused the event, under whichever key the store records it.
            self.keys |= set(_ACTOR_KEYS)
        self._raw_fields = (
            re.compile(r'("(?:%s)"\s*:\s*)("(?:[^"\\]|\\.)*"|-?[0-9.eE+-]+|true|false)' % "|".join(map(re.escape, sorted(self.keys))))
            if self.keys else None
        )

    @property
    def active(self) -> bool:
        return self.emails or bool(self.keys)

    def value(self, value: Any, key: str | None = None) -> Any:
        if key is not None and key in self.keys:
            return None if value is None else _token(value)
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, str) and self.emails:
            return mask_text(value)
        return value

    def text(self, text: str) -> str:
        """Mask undecodable payload text: named fields where they look like JSON, and e-mail addresses."""
        if self._raw_fields is not None:
            text = self._raw_fields.sub(lambda m: f'{m.group(1)}"{_token(m.group(2).strip(chr(34)))}"', text)
        return mask_text(text) if self.emails else text

    def event(self, event: Event) -> Event:
        if not self.active:
            return event
        raw = event.raw
        if isinstance(raw, str):
            raw = self.text(raw)
        elif isinstance(raw, bytes):
            try:
                raw = self.text(raw.decode("utf-8")).encode("utf-8")
            except UnicodeDecodeError:
                pass  # binary that is not text: nothing readable to mask
        return replace(
            event,
            stream=mask_text(event.stream) if self.emails else event.stream,
            data=self.value(event.data),
            metadata=self.value(event.metadata) if isinstance(event.metadata, dict) else event.metadata,
            raw=raw,
            problem=mask_text(event.problem) if event.problem and self.emails else event.problem,
        )
