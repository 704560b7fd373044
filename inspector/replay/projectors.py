"""Projectors fold events into state; this module registers, matches and loads them.

A projector is plain Python the user points to (a ``.py`` file or an importable
module). It is loaded only from paths the user names: the inspector never imports
the classes a store's topics name unless the user asks for native replay.

Every projector has a ``code_hash``: the snapshot cache keys entries by it, so an
edited projector never reuses state computed by its previous version.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import inspect
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from inspector.core import jsontext
from inspector.core.cancel import CancelToken
from inspector.core.events import Event, category_of_stream_name
from inspector.core.matching import StreamPattern
from inspector.stores.base import Snapshot

ProjectorFunction = Callable[[Any, Event], Any]

_MARK = "__inspector_projector__"


class ProjectorError(Exception):
    """A projector file or module could not be loaded; the message says why in one line."""


def projector(pattern: str) -> Callable[[ProjectorFunction], ProjectorFunction]:
    """Mark ``fn(state, event) -> state`` as the projector for a category or a stream glob.

    The function is returned unchanged, so it stays callable (and testable) on its own.
    """
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError("@projector needs a category or stream pattern, e.g. @projector('wallet')")

    def mark(fn: ProjectorFunction) -> ProjectorFunction:
        if not callable(fn):
            raise TypeError("@projector decorates a function fn(state, event) -> state")
        patterns = list(getattr(fn, _MARK, ()))
        patterns.append(pattern.strip())
        setattr(fn, _MARK, tuple(patterns))
        return fn

    return mark


def matches(pattern: str, stream: str, category: str | None) -> bool:
    """A glob matches the stream name by the stores' stream-pattern rule (``inspector.core.matching``:
    case-sensitive); a plain word is a category, equal to the stream's category (or the text before
    its first ``-``), or the stream's whole name."""
    if StreamPattern(pattern).is_glob:
        return StreamPattern(pattern).matches(stream)
    return pattern in (stream, category, category_of_stream_name(stream))


def hash_text(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def _source_of(fn: Callable[..., Any]) -> tuple[str, str | None]:
    """The code a function's results depend on: its whole module file when there is one."""
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    path = getattr(module, "__file__", None) if module else None
    if path and Path(path).is_file():
        return Path(path).read_text(encoding="utf-8", errors="replace"), str(path)
    try:
        return inspect.getsource(fn), None
    except (OSError, TypeError):
        return getattr(fn, "__qualname__", repr(fn)), None


class Projector:
    """Folds one stream's events into state.

    Subclasses override ``fold``; the hooks below let special projectors (the native
    eventsourcing one) read events their own way and keep non-dict state.
    """

    name: str = "projector"
    code_hash: str = ""
    source_path: str | None = None
    patterns: tuple[str, ...] = ()
    #: Whether store-native snapshots describe this projector's state.
    uses_store_snapshots: bool = False

    def applies_to(self, stream: str, category: str | None = None) -> bool:
        return any(matches(pattern, stream, category) for pattern in self.patterns)

    def initial(self) -> Any:
        """The state before the stream's first event."""
        return {}

    def fold(self, state: Any, event: Any) -> Any:
        raise NotImplementedError  # every projector defines its own fold

    # --- state handling ---------------------------------------------------------------
    def to_json(self, state: Any) -> Any:
        """The state as JSON values (what results, diffs and the window show)."""
        return state

    def dump(self, state: Any) -> bytes:
        """Serialise state for the snapshot cache; raises TypeError when it cannot.

        Numbers keep their exact value and type (integers of any size, Decimals with their
        exponent, NaN/Infinity); non-string keys, datetimes and other objects raise.
        """
        return jsontext.dumps_state(state)

    def load(self, blob: bytes) -> Any:
        return jsontext.loads_state(blob)

    def cacheable(self, state: Any) -> bool:
        """Only state that survives a dump/load round trip unchanged may be cached."""
        try:
            return self.load(self.dump(state)) == state
        except (TypeError, ValueError, orjson.JSONEncodeError):
            return False

    def copy(self, state: Any) -> Any:
        """An independent copy, so later folds cannot change a state we keep (diff, bisect)."""
        try:
            blob = self.dump(state)
            restored = self.load(blob)
            if restored == state:
                return restored
        except (TypeError, ValueError, orjson.JSONEncodeError):
            pass
        return copy.deepcopy(state)

    # --- reading ----------------------------------------------------------------------
    def read(
        self,
        store: Any,
        stream: str,
        *,
        after: int | None,
        upto: int | None,
        cancel: CancelToken | None,
        full: bool = False,
    ) -> Iterator[Event]:
        """The events ``fold`` receives, after version ``after`` up to ``upto``.

        ``full`` asks for completely decoded events (diffs show each one's time and actor).
        """
        return store.read_for_replay(stream, after=after, upto=upto, cancel=cancel, full=full)

    def store_snapshot(self, store: Any, stream: str, upto: int | None) -> tuple[int, Any] | None:
        """The latest usable store-native snapshot at or before ``upto``: ``(version, state)``."""
        if not self.uses_store_snapshots:
            return None
        snapshots: list[Snapshot] = store.snapshots(stream)
        for snapshot in sorted(snapshots, key=lambda s: s.version, reverse=True):
            if upto is not None and snapshot.version > upto:
                continue  # never a snapshot after the target
            if snapshot.problem:
                continue
            state = self.from_store_snapshot(snapshot)
            if state is not None:
                return snapshot.version, state
        return None

    def from_store_snapshot(self, snapshot: Snapshot) -> Any:
        """State from a store-native snapshot, or None when this projector cannot use it."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.code_hash}>"


class FunctionProjector(Projector):
    """A user's ``@projector`` function."""

    def __init__(self, fn: ProjectorFunction, patterns: tuple[str, ...], code: str, source_path: str | None) -> None:
        self.fn = fn
        self.patterns = patterns
        self.name = getattr(fn, "__name__", "projector")
        self.source_path = source_path
        self.code_hash = hash_text(code, self.name)

    def fold(self, state: Any, event: Any) -> Any:
        result = self.fn(state, event)
        # A function that mutates in place and forgets ``return state`` still works.
        return state if result is None else result


class GenericProjector(Projector):
    """Per top-level field, the last value any event's payload wrote: useful with no code at all."""

    name = "generic"
    patterns = ("*",)

    def __init__(self) -> None:
        self.code_hash = hash_text(*_source_of(type(self).fold)[:1], "generic-1")

    def applies_to(self, stream: str, category: str | None = None) -> bool:
        return True

    def fold(self, state: Any, event: Any) -> Any:
        data = event.data
        if type(data) is dict:
            state.update(data)
        return state


GENERIC_PROJECTOR = GenericProjector()


@dataclass
class ProjectorSet:
    """The projectors in force for a store; each stream gets the first that applies, else the fallback."""

    projectors: list[Projector] = field(default_factory=list)
    fallback: Projector = GENERIC_PROJECTOR
    source_path: str | None = None
    label: str = "generic"

    def for_stream(self, stream: str, category: str | None = None) -> Projector:
        for candidate in self.projectors:
            if candidate.applies_to(stream, category):
                return candidate
        return self.fallback

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.projectors] or [self.fallback.name]


_load_lock = threading.Lock()


def projectors_in_module(module: Any) -> list[Projector]:
    """Every ``@projector`` function defined in (or imported into) a module, in definition order."""
    found: list[Projector] = []
    seen: set[int] = set()
    for value in vars(module).values():
        patterns = getattr(value, _MARK, None)
        if not patterns or id(value) in seen or not callable(value):
            continue
        seen.add(id(value))
        code, path = _source_of(value)
        found.append(FunctionProjector(value, tuple(patterns), code, path))
    return found


def _add_import_path(path: str | None) -> None:
    if not path:
        return
    folder = str(Path(path).expanduser().resolve())
    if not Path(folder).is_dir():
        raise ProjectorError(f"--path {path}: no such folder")
    if folder not in sys.path:
        sys.path.insert(0, folder)


def _load_file(file: Path) -> Any:
    # A fresh module name per load, so a reloaded (edited) file is executed again.
    name = f"inspector_user_projector_{hash_text(str(file.resolve()), file.read_bytes())}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ProjectorError(f"cannot load {file} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's code: any error is reported, not raised further
        sys.modules.pop(name, None)
        raise ProjectorError(f"{file}: {type(exc).__name__}: {exc}") from None
    return module


NATIVE_SPECS = ("native", "eventsourcing")


def load_projectors(spec: str | None = None, *, path: str | None = None, store: Any = None) -> ProjectorSet:
    """The projectors to use: from a file or module, native eventsourcing, the demo's, or generic.

    ``spec`` None picks the demo projector for the demo store, the native eventsourcing
    projector when ``path`` is given for an eventsourcing store, else the generic one.
    """
    with _load_lock:
        _add_import_path(path)
        if spec is None:
            if store is not None and _is_demo(store):
                from inspector.replay.demo_projector import DEMO_PROJECTORS

                return ProjectorSet(list(DEMO_PROJECTORS), label="demo")
            if path and store is not None and getattr(store, "layout_name", None) == "eventsourcing":
                spec = "native"
            else:
                return ProjectorSet(label="generic")
        if spec.strip().lower() in NATIVE_SPECS or spec.startswith("native:"):
            from inspector.replay.native import NativeEventsourcingProjector

            application = spec.split(":", 1)[1] if spec.startswith("native:") else None
            native = NativeEventsourcingProjector(path=path, application=application)
            return ProjectorSet([native], fallback=native, label=native.name)
        if spec.strip().lower() == "generic":
            return ProjectorSet(label="generic")
        if spec.strip().lower() == "demo":
            from inspector.replay.demo_projector import DEMO_PROJECTORS

            return ProjectorSet(list(DEMO_PROJECTORS), label="demo")
        file = Path(spec).expanduser()
        if spec.endswith(".py") or file.is_file():
            if not file.is_file():
                raise ProjectorError(f"projector file not found: {spec}")
            module = _load_file(file)
            source = str(file.resolve())
        else:
            try:
                module = importlib.import_module(spec)
            except Exception as exc:  # ImportError or the module's own error
                raise ProjectorError(f"cannot import projector module {spec!r}: {type(exc).__name__}: {exc}") from None
            source = getattr(module, "__file__", None)
        found = projectors_in_module(module)
        if not found:
            raise ProjectorError(
                f"{spec} defines no projector: decorate fn(state, event) with @projector('category')"
            )
        return ProjectorSet(found, source_path=source, label=", ".join(p.name for p in found))


def _is_demo(store: Any) -> bool:
    from inspector.demo import is_demo_store

    return is_demo_store(store)


__all__ = [
    "GENERIC_PROJECTOR",
    "FunctionProjector",
    "GenericProjector",
    "Projector",
    "ProjectorError",
    "ProjectorSet",
    "load_projectors",
    "matches",
    "projector",
    "projectors_in_module",
]
