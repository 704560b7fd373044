"""Mask personal data before it leaves the inspector (audit exports, fixtures).

A mask names a field (``email``, ``owner``, ``metadata.actor``): every value under that key,
at any depth of the payload and metadata, is replaced. ``MASK_EMAILS`` additionally hides
e-mail addresses wherever they appear (payload values and keys, stream names, event types,
problems, raw payloads, report titles), keeping the domain so a reader can still tell
internal from external actors. Addresses written with an escaped ``@`` (``\\u0040``, ``%40``,
``&#64;``) are found too.

A masked value becomes ``masked:<12 hex digits>``: an HMAC-SHA256 of the value under a key
kept in the user's config directory (``masking.key``, created on first use, readable by the
user only). The same value masks to the same token for that user, so rows can still be
correlated; without the key a token cannot be recovered by hashing guesses.

A raw payload (one the inspector could not decode) is masked as text: named fields where
they look like JSON (``"owner": ...``), XML (``<owner>...</owner>``, ``owner="..."``) or
``owner=...``/``owner: ...``, and e-mail addresses. When it is not UTF-8 text (binary,
compressed, another codec), or a named field still appears in it in a form not masked, the
raw payload is withheld rather than exported: the event keeps its problem, which says so.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Iterator

from inspector.core.events import _ACTOR_KEYS, Event

MASK_EMAILS = "emails"
#: what replaces the raw payload's text when it cannot be masked
WITHHELD = "raw payload withheld by masking"
KEY_FILE = "masking.key"

_AT = r"(?:@|%40|\\u0040|\\x40|&#64;|&#x40;)"
# Local parts and domains in any script (``jörg@bücher.de``): ``\w`` is Unicode-aware. An address
# is found from its ``@`` (``_addresses``), never by trying every start of a long word: one pattern
# for the whole address tried from each character took 5 s for 10,000 letters and a minute for
# 40,000 (a masked export of a payload holding a long token never ended).
_AT_FORM = re.compile(_AT, re.IGNORECASE)
_LOCAL_CHAR = re.compile(r"[\w.%+-]")
_DOMAIN = re.compile(r"[\w.-]+\.[^\W\d_]{2,}")
_TOKEN = r"masked:[0-9a-f]{12}"


def masking_key_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("event-inspector", appauthor=False)) / KEY_FILE


def load_masking_key(path: Path | None = None) -> bytes:
    """The user's masking key: 32 random bytes, written on first use with mode 0600."""
    path = path or masking_key_path()
    try:
        key = path.read_bytes()
        if len(key) >= 16:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, key)
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)  # first writer wins: two processes never end up with two keys
    except FileExistsError:
        key = path.read_bytes()
    finally:
        temporary.unlink(missing_ok=True)
    return key


class Masker:
    """Masks events for export. ``fields`` as given to ``--mask``; ``key`` the HMAC key
    (default: the user's, from ``load_masking_key``, read when first needed)."""

    def __init__(self, fields: Iterable[str] = (), *, key: bytes | None = None) -> None:
        names = [name.strip() for name in fields if name.strip()]
        self.emails = MASK_EMAILS in names or "email" in names
        self.keys = {name.split(".")[-1] for name in names if name != MASK_EMAILS}
        if self.keys & set(_ACTOR_KEYS):
            # "actor" means whoever caused the event, under whichever key the store records it.
            self.keys |= set(_ACTOR_KEYS)
        self._key = key
        names_pattern = "|".join(map(re.escape, sorted(self.keys, key=len, reverse=True)))
        self._key_names = re.compile(r"(?<![A-Za-z0-9_])(?:%s)(?![A-Za-z0-9_])" % names_pattern, re.IGNORECASE) \
            if self.keys else None
        scalar = r'"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null'
        self._raw_forms = [
            # JSON: "owner": "Carol" / 12 / true
            re.compile(r'("(?:%s)"\s*:\s*)(%s)' % (names_pattern, scalar), re.IGNORECASE),
            # XML element, nested content included: <owner ...>...</owner>
            re.compile(r"(<(%s)\b[^>]*>)(.*?)(</\2\s*>)" % names_pattern, re.IGNORECASE | re.DOTALL),
            # XML/HTML attribute: owner="Carol" or owner='Carol'
            re.compile(r"""((?<![A-Za-z0-9_<>/])(?:%s)\s*=\s*)("[^"]*"|'[^']*')""" % names_pattern, re.IGNORECASE),
            # key=value, key: value (query strings, logs, YAML, properties)
            re.compile(r"""((?<![A-Za-z0-9_"'<>/])(?:%s)\s*[=:]\s*)([^\s,;&"'<>{}\[\]]+)""" % names_pattern,
                       re.IGNORECASE),
        ] if self.keys else []

    @property
    def active(self) -> bool:
        return self.emails or bool(self.keys)

    # --- tokens -----------------------------------------------------------------------
    def token(self, value: Any) -> str:
        """A stable stand-in: the same value masks to the same token under the same key."""
        if self._key is None:
            self._key = load_masking_key()
        digest = hmac.new(self._key, str(value).encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        return f"masked:{digest[:12]}"

    def mask_text(self, text: str) -> str:
        """E-mail addresses in ``text`` with their local part masked (when e-mails are masked)."""
        if not self.emails or not text:
            return text
        parts: list[str] = []
        done = 0
        for start, at, domain_start, end in _addresses(text):
            parts += [text[done:start], self.token(text[start:at].lower()), "@", text[domain_start:end]]
            done = end
        return "".join(parts) + text[done:] if parts else text

    def label(self, text: str | None) -> str | None:
        """A name an export shows (a stream in a title or a fixture): its e-mail addresses masked,
        as the events' own stream names are."""
        if text is None:
            return None
        return self.mask_text(text)

    def actor(self, actor: str | None) -> str | None:
        """An actor as an export shows it: a token when actors are masked, else its addresses masked."""
        if actor is None:
            return None
        if self.keys & set(_ACTOR_KEYS):
            return self.token(actor)
        return self.mask_text(actor)

    # --- values -----------------------------------------------------------------------
    def value(self, value: Any, key: str | None = None) -> Any:
        if key is not None and key in self.keys:
            return None if value is None else self.token(value)
        if isinstance(value, dict):
            return {self.mask_text(k) if isinstance(k, str) else k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, str) and self.emails:
            return self.mask_text(value)
        return value

    def text(self, text: str) -> str | None:
        """Mask raw payload text: named fields in the forms above, and e-mail addresses.

        None when a named field still appears in a form that was not masked (the text is then
        not safe to export)."""
        text = self.mask_text(text)  # addresses first: a local part may hold a field's name
        if self._raw_forms:
            json_form, element, attribute, pair = self._raw_forms
            text = json_form.sub(lambda m: f'{m.group(1)}"{self.token(_unquote(m.group(2)))}"', text)
            text = element.sub(lambda m: f"{m.group(1)}{self.token(m.group(3))}{m.group(4)}", text)
            text = attribute.sub(lambda m: f'{m.group(1)}"{self.token(m.group(2)[1:-1])}"', text)
            text = pair.sub(lambda m: m.group(0) if re.fullmatch(_TOKEN, m.group(2)) else
                            f"{m.group(1)}{self.token(m.group(2))}", text)
            if self._unmasked_name(text):
                return None
        return text

    def _unmasked_name(self, text: str) -> bool:
        """Does a masked field's name appear in ``text`` other than in front of a token?"""
        assert self._key_names is not None
        for found in self._key_names.finditer(text):
            before, after = text[max(0, found.start() - 2):found.start()], text[found.end():found.end() + 200]
            if re.match(r"""["']?\s*[=:]\s*["']?""" + _TOKEN, after):
                continue  # "owner": "masked:…", owner="masked:…", owner=masked:…
            if before.endswith("<") and re.match(r"[^<>]*>" + _TOKEN, after):
                continue  # <owner …>masked:…
            if before == "</" and re.match(r"\s*>", after):
                continue  # </owner>
            return True
        return False

    def raw(self, raw: bytes | str | None) -> tuple[bytes | str | None, bool]:
        """The raw payload masked, and whether it was withheld (None) because it could not be."""
        if raw is None or not self.active:
            return raw, False
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return None, True  # binary, compressed or another codec: nothing we can mask reliably
            masked = self.text(text)
            return (None, True) if masked is None else (masked.encode("utf-8"), False)
        masked = self.text(raw)
        return (None, True) if masked is None else (masked, False)

    def event(self, event: Event) -> Event:
        if not self.active:
            return event
        raw, withheld = self.raw(event.raw)
        problem = event.problem
        if problem:
            problem = self.text(problem) or "payload could not be decoded"
        if withheld:
            problem = f"{problem or 'payload could not be decoded'} ({WITHHELD})"
        return replace(
            event,
            stream=self.mask_text(event.stream),
            type=self.mask_text(event.type) if isinstance(event.type, str) else event.type,
            data=self.value(event.data),
            metadata=self.value(event.metadata) if isinstance(event.metadata, dict) else event.metadata,
            raw=raw,
            problem=problem,
        )


def _addresses(text: str) -> Iterator[tuple[int, int, int, int]]:
    """Each e-mail address in ``text`` as ``(start, at, domain_start, end)``: the local part is
    ``text[start:at]``, the ``@`` (or ``%40``, ``\\u0040``, ``&#64;``...) ``text[at:domain_start]``, the
    domain ``text[domain_start:end]``. Found from each ``@``: the local part is the run of local-part
    characters before it (not reaching back past the previous ``@`` or address), the domain is
    matched after it; each character is looked at a bounded number of times."""
    floor = 0  # no local part reaches back before this: the end of the previous @ or address
    for at in _AT_FORM.finditer(text):
        index = at.start()
        if index < floor:
            continue
        start = index
        while start > floor and _LOCAL_CHAR.match(text, start - 1):
            start -= 1
        domain = _DOMAIN.match(text, at.end()) if start < index else None
        if domain is None:
            floor = at.end()
            continue
        yield start, index, at.end(), domain.end()
        floor = domain.end()


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def mask_text(text: str, key: bytes | None = None) -> str:
    """E-mail addresses in ``text`` masked (the local part), keeping the domain."""
    return Masker([MASK_EMAILS], key=key).mask_text(text)
