"""Projectors fold events into state; this module registers, matches and loads them.

A projector is plain Python the user points to (a ``.py`` file or an importable
module). It is loaded only from paths the user names: the inspector never imports
the classes a store's topics name unless the user asks for native replay.

Every projector has a ``code_hash``: the snapshot cache keys entries by it, so an
edited projector never reuses state computed by its previous version.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib
import importlib.util
import inspect
import itertools
import signal
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time as dtime
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson

from inspector.core import jsontext
from inspector.core.cancel import CancelToken
from inspector.core.events import Event, category_of_stream_name
from inspector.core.matching import StreamPattern
from inspector.replay.key_reads import error_text as named_error
from inspector.stores.base import Snapshot

#: ``fn(state, event) -> state``; a user's function gets a ``ProjectorEvent`` (an Event's attributes)
ProjectorFunction = Callable[[Any, Any], Any]

_MARK = "__inspector_projector__"
_HANDLES = "__inspector_handles__"


class ProjectorError(Exception):
    """A projector file or module could not be loaded; the message says why in one line."""


class ProjectorRaised(Exception):
    """A projector raised something that is not an ``Exception`` (``SystemExit``, ``KeyboardInterrupt``,
    another ``BaseException``): carried as an ordinary error so it stops the replay at that event and
    is reported as the projector's, instead of ending the program or reading as an interruption."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(repr(original))
        self.original = original


def error_text(exc: BaseException) -> str:
    """How a projector's error is reported: ``ValueError: bad amount``, ``DivisionByZero: division
    by zero`` (a decimal signal in words), or ``SystemExit(3)`` for what a projector raised that is
    not an ``Exception``."""
    if isinstance(exc, ProjectorRaised):
        return repr(exc.original)
    return named_error(exc)


class UserInterrupt(KeyboardInterrupt):
    """Ctrl+C pressed by the user, raised while ``marked_interrupts()`` is in force."""


_interrupts_marked = False


@contextmanager
def marked_interrupts() -> Iterator[None]:
    """While in force (main thread only), Ctrl+C raises ``UserInterrupt``.

    A plain ``KeyboardInterrupt`` that reaches a projector's fold is then the projector's own
    and stops the replay like any error; outside it a ``KeyboardInterrupt`` is let through,
    as it may be the user's.
    """
    global _interrupts_marked
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum: int, frame: Any) -> None:
        raise UserInterrupt()

    previous = signal.signal(signal.SIGINT, interrupted)
    was, _interrupts_marked = _interrupts_marked, True
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _interrupts_marked = was


def mark_all_interrupts() -> None:
    """For a worker process that ignores SIGINT: every ``KeyboardInterrupt`` there is a projector's."""
    global _interrupts_marked
    _interrupts_marked = True


# --- what a user's projector is handed -----------------------------------------------------
#: Values shared as they are: nothing a projector does to them can change them.
_IMMUTABLE = frozenset({str, int, float, bool, type(None), Decimal, bytes, datetime, date, dtime})


def private_copy(value: Any) -> Any:
    """A deep copy of a decoded payload: dicts and lists copied, immutable values shared.

    Numbers keep their exact value and type (integers of any size, Decimals, NaN).
    """
    kind = type(value)
    if kind is dict:
        copied = value.copy()  # one C-level copy; only nested containers are copied again
        for key, item in value.items():
            if type(item) not in _IMMUTABLE:
                copied[key] = private_copy(item)
        return copied
    if kind is list:
        copied_list = value.copy()
        for index, item in enumerate(value):
            if type(item) not in _IMMUTABLE:
                copied_list[index] = private_copy(item)
        return copied_list
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


_UNREAD: Any = object()


class ProjectorEvent:
    """The event a user's projector receives: the same attributes as ``Event``, none settable.

    ``data`` and ``metadata`` are the projector's own deep copies (made when first read), so
    a projector that changes them, or keeps them in its state and changes that later, never
    changes the event that diffs, blame, the event table and exports show.
    """

    # Every public attribute is a property without a setter: assigning one raises AttributeError.
    # The plain ones read the wrapped event through ``attrgetter`` (C: no Python frame per read,
    # a fold reads ``type`` about once per event).
    __slots__ = ("_event", "_data", "_metadata")

    def __init__(self, event: Any) -> None:
        self._event = event
        self._data: Any = _UNREAD
        self._metadata: Any = _UNREAD

    @property
    def data(self) -> Any:
        data = self._data
        if data is _UNREAD:
            event = self._event
            # a lazy event decodes a payload of the projector's own (a copy only where it was read)
            fresh = getattr(event, "fresh_data", None)
            data = self._data = private_copy(event.data) if fresh is None else fresh(private_copy)
        return data

    @property
    def metadata(self) -> dict[str, Any]:
        metadata = self._metadata
        if metadata is _UNREAD:
            metadata = self._metadata = private_copy(self._event.metadata)
        return metadata

    position = property(attrgetter("_event.position"), doc="int: the event's place in the store")
    stream = property(attrgetter("_event.stream"), doc="str: the stream's name")
    version = property(attrgetter("_event.version"), doc="int | None: the event's version in its stream")
    type = property(attrgetter("_event.type"), doc="str: the event type as the store shows it")
    recorded_at = property(attrgetter("_event.recorded_at"), doc="datetime | None: when it was recorded")
    raw = property(attrgetter("_event.raw"), doc="bytes | str | None: the payload as stored, when kept")
    problem = property(attrgetter("_event.problem"), doc="str | None: what could not be decoded")
    actor = property(attrgetter("_event.actor"), doc="str | None: who caused it, from the metadata")

    def event(self) -> Event:
        """A plain ``Event`` carrying this view's copies."""
        plain = self._event if isinstance(self._event, Event) else self._event.event()
        return replace(plain, data=self.data, metadata=self.metadata)

    def to_json(self) -> dict[str, Any]:
        return self.event().to_json()

    def __repr__(self) -> str:
        return f"Event({self.stream!r}, v{self.version}, {self.type!r})"


_new_view = object.__new__


class AheadProjectorEvent(ProjectorEvent):
    """A ``ProjectorEvent`` whose payload a fold decoded for it before the call (``_data`` set
    with the view, a value of this view's own, as ``ProjectorEvent.data`` makes it): ``data``
    is read with no Python call. Made by a whole-category fold (``category._fold_both``,
    ``replay_stream_states``) for a user's projector that reads ``data``."""

    __slots__ = ()
    data = property(attrgetter("_data"), doc="the payload, this view's own")

class RowProjectorEvent(ProjectorEvent):
    """The view a user's projector gets of one row of a fold's page (``_Run._fold_user`` in
    the replay engine), with no event made for the row. ``_page`` is ``(kind, layout, stream,
    position place, version place)``: the row's ``LazyEvent`` is ``kind(row, layout, stream)``,
    made only when a field the fold did not read is asked (time, metadata, actor, raw, problem,
    and the type or payload where the fold did not read them ahead); ``version`` is the row's
    own (a whole number: a row whose version is not is shown by an ``OddRowProjectorEvent``,
    which reads its keys from its event), and so is ``position`` where it is a whole number
    (else its event's). Every value is the one a ``ProjectorEvent`` of the row's event gives.

    ``kinds[data ahead][type ahead]``: where the fold decoded the payload for the projector
    ahead (its own value, as ``ProjectorEvent.data`` makes it) or read the type as the row's
    event would, the view's ``data`` or ``type`` reads it with no Python call. Slots the fold
    did not set (``_made``, ``_metadata``, and ``_data``, ``_type`` where not read ahead) are
    filled on first use."""

    __slots__ = ("_row", "_page", "_made", "_type")
    _row: Any
    _page: tuple[Any, ...]
    _made: Any
    _type: Any
    kinds: tuple[tuple[type["RowProjectorEvent"], ...], ...] = ()

    @property
    def _event(self) -> Any:  # the row's event, made on first use
        try:
            return self._made
        except AttributeError:
            page = self._page
            made = self._made = page[0](self._row, page[1], page[2])
            return made

    @property
    def data(self) -> Any:
        try:
            return self._data
        except AttributeError:
            data = self._data = self._event.fresh_data(private_copy)  # decoded for this view alone
            return data

    @property
    def metadata(self) -> dict[str, Any]:
        try:
            return self._metadata
        except AttributeError:
            metadata = self._metadata = private_copy(self._event.metadata)
            return metadata

    @property
    def type(self) -> str:
        try:
            return self._type
        except AttributeError:
            kind = self._type = self._event.type
            return kind

    @property
    def position(self) -> int:
        position = self._row[self._page[3]]
        return position if type(position) is int else self._event.position  # the layout converts odd keys

    @property
    def version(self) -> int:
        return self._row[self._page[4]]

    @property
    def stream(self) -> str:
        return self._page[2]


class OddRowProjectorEvent(RowProjectorEvent):
    """A ``RowProjectorEvent`` of a row whose position or version is not a whole number as
    read (the layout converts it its own way): they are its event's (``_made``, set by the
    fold). ``kinds[data ahead]``."""

    __slots__ = ()
    kinds: tuple[type["OddRowProjectorEvent"], ...] = ()  # type: ignore[assignment]
    position = property(attrgetter("_made.position"), doc="int: the event's place in the store")
    version = property(attrgetter("_made.version"), doc="int | None: the event's version in its stream")


def _view_kind(base: type[RowProjectorEvent], data_ahead: bool, type_ahead: bool) -> Any:
    """``base`` with ``data`` and ``type`` read with no call where the fold set them ahead."""
    if not (data_ahead or type_ahead):
        return base
    members: dict[str, Any] = {"__slots__": ()}
    if data_ahead:
        members["data"] = property(attrgetter("_data"), doc="the payload, this view's own")
    if type_ahead:
        members["type"] = property(attrgetter("_type"), doc="str: the event type as the store shows it")
    return type(base.__name__ + ("Data" if data_ahead else "") + ("Type" if type_ahead else ""), (base,), members)


RowProjectorEvent.kinds = tuple(tuple(_view_kind(RowProjectorEvent, data, kind) for kind in (False, True))
                                for data in (False, True))
OddRowProjectorEvent.kinds = tuple(_view_kind(OddRowProjectorEvent, data, False) for data in (False, True))


def projector(pattern: str, *, handles: Iterable[str] | None = None
              ) -> Callable[[ProjectorFunction], ProjectorFunction]:
    """Mark ``fn(state, event) -> state`` as the projector for a category or a stream glob.

    ``handles``: the event types (exact names, as the store shows them) the function folds;
    ``check --projector`` reports events of other types in its streams as ``unknown_type``.
    None (the default) declares nothing and nothing is reported. Stacked decorators add up.
    The function is returned unchanged, so it stays callable (and testable) on its own.
    Raises ValueError for an empty pattern or a ``handles`` that is not a list of type names.
    """
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError("@projector needs a category or stream pattern, e.g. @projector('wallet')")
    declared = _handled_types(handles)

    def mark(fn: ProjectorFunction) -> ProjectorFunction:
        if not callable(fn):
            raise TypeError("@projector decorates a function fn(state, event) -> state")
        patterns = list(getattr(fn, _MARK, ()))
        patterns.append(pattern.strip())
        setattr(fn, _MARK, tuple(patterns))
        if declared is not None:
            setattr(fn, _HANDLES, getattr(fn, _HANDLES, frozenset()) | declared)
        return fn

    return mark


def _handled_types(handles: Iterable[str] | None) -> frozenset[str] | None:
    """``handles=`` as a set of type names; a bare string is refused (it would be read letter by letter)."""
    if handles is None:
        return None
    if isinstance(handles, (str, bytes)) or not isinstance(handles, Iterable):
        raise ValueError("@projector(handles=...) takes a list of event type names, "
                         "e.g. handles=['WalletOpened', 'CreditsGranted']")
    names = list(handles)
    if not all(isinstance(name, str) and name for name in names):
        raise ValueError("@projector(handles=...) takes event type names (non-empty strings)")
    return frozenset(names)


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
    #: The event types it declares it folds (``@projector(..., handles=[...])``); None: not declared.
    handles: frozenset[str] | None = None
    #: Whether store-native snapshots describe this projector's state.
    uses_store_snapshots: bool = False
    #: The inspector's own projectors (generic, demo) may run in the window's process and get
    #: events as they are; every other projector runs isolated and gets read-only events.
    trusted: bool = False
    #: Whether ``fold`` may read events' ``type``: where not, a store may fetch the type only of
    #: the events whose type is asked (a hint for speed: a type asked is always the stored one).
    reads_type: bool = True

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
        except (TypeError, ValueError, RecursionError, orjson.JSONEncodeError):
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
        return store.read_for_replay(stream, after=after, upto=upto, cancel=cancel, full=full,
                                     reads_type=self.reads_type)

    def store_snapshot(self, store: Any, stream: str, upto: int | None) -> tuple[int, Any] | tuple[int, Any, Any] | None:
        """The latest usable store-native snapshot at or before ``upto``: ``(version, state)``, or
        ``(version, state, event)`` with the stream's event at that version where the store read
        it with the snapshot (the replay then reads nothing else for it)."""
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


#: Modules whose ``@projector`` functions are the inspector's own (read events, never change them).
TRUSTED_MODULES = frozenset({"inspector.replay.demo_projector"})


class FunctionProjector(Projector):
    """A user's ``@projector`` function.

    Unless it is one of the inspector's own (``trusted``), it receives each event as a
    ``ProjectorEvent`` (read-only, with its own copies of ``data`` and ``metadata``), and
    whatever it raises, ``SystemExit`` and ``KeyboardInterrupt`` included, stops the replay
    at that event as its error (``ProjectorRaised``).
    """

    def __init__(self, fn: ProjectorFunction, patterns: tuple[str, ...], code: str, source_path: str | None) -> None:
        self.fn = fn
        self.patterns = patterns
        self.name = getattr(fn, "__name__", "projector")
        self.source_path = source_path
        # handles= changes no state, and the source hashed holds the decorator anyway
        self.handles: frozenset[str] | None = getattr(fn, _HANDLES, None)
        self.code_hash = hash_text(code, self.name)
        self.trusted = getattr(fn, "__module__", None) in TRUSTED_MODULES
        self.reads_type = _may_read_types(fn)
        #: whether its source may read events' ``data`` (``_may_read``): a whole-category fold
        #: then decodes each payload for it ahead (``fold_with_data``); a hint for speed only
        self.reads_data = _may_read(fn, "data")

    def fold(self, state: Any, event: Any) -> Any:
        if self.trusted:
            result = self.fn(state, event)
        else:
            # ``ProjectorEvent(event)`` written out: no ``__init__`` frame for each event
            view = _new_view(ProjectorEvent)
            view._event = event
            view._data = view._metadata = _UNREAD
            try:
                result = self.fn(state, view)
            except Exception:
                raise
            except UserInterrupt:
                raise
            except KeyboardInterrupt as exc:
                if not _interrupts_marked:
                    raise  # it may be the user's Ctrl+C
                raise ProjectorRaised(exc) from exc
            except BaseException as exc:  # SystemExit, GeneratorExit, a BaseException of its own
                raise ProjectorRaised(exc) from exc
        # A function that mutates in place and forgets ``return state`` still works.
        return state if result is None else result

    def fold_with_data(self, state: Any, event: Any, data: Any) -> Any:
        """``fold`` with the event's payload decoded already: ``data`` is this projector's own (a
        value nothing else holds or will hold, as ``ProjectorEvent.data`` makes it), handed to it
        as the view's ``data``; a trusted projector gets the event itself, as from ``fold``."""
        if self.trusted:
            result = self.fn(state, event)
        else:
            view = _new_view(ProjectorEvent)  # as in ``fold``, with ``data`` read already
            view._event = event
            view._data = data
            view._metadata = _UNREAD
            try:
                result = self.fn(state, view)
            except Exception:
                raise
            except UserInterrupt:
                raise
            except KeyboardInterrupt as exc:
                if not _interrupts_marked:
                    raise  # it may be the user's Ctrl+C
                raise ProjectorRaised(exc) from exc
            except BaseException as exc:  # SystemExit, GeneratorExit, a BaseException of its own
                raise ProjectorRaised(exc) from exc
        return state if result is None else result

    @staticmethod
    def error_of(exc: BaseException) -> Exception:
        """What a fold that calls ``fn`` itself (``_Run._fold_user``) reports for what it raised
        that is not an ``Exception``, as ``fold`` does: ``ProjectorRaised``; a ``UserInterrupt``,
        or a ``KeyboardInterrupt`` while interrupts are not marked (it may be the user's Ctrl+C),
        is raised again."""
        if isinstance(exc, UserInterrupt) or (isinstance(exc, KeyboardInterrupt) and not _interrupts_marked):
            raise exc
        error = ProjectorRaised(exc)
        error.__cause__ = exc
        return error


def _may_read_types(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` may read an event's ``type``: its module's source (else its own) names a
    ``.type`` attribute or holds the text ``"type"``; True where no source is found. Only a hint
    for the fold's read: a type asked of an event is read, whatever this said."""
    return _may_read(fn, "type")


def _may_read(fn: Callable[..., Any], name: str) -> bool:
    """Whether ``fn``'s module's source (else its own) names a ``.name`` attribute or holds the
    text ``"name"``; True where no source is found (``_may_read_types``)."""
    module = sys.modules.get(getattr(fn, "__module__", "") or "")
    path = getattr(module, "__file__", None) if module else None
    try:
        if path and str(path).endswith(".py") and Path(path).is_file():
            source = Path(path).read_text(encoding="utf-8", errors="replace")
        else:
            source = inspect.getsource(fn)
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, ValueError):
        return True
    return any((isinstance(node, ast.Attribute) and node.attr == name)
               or (isinstance(node, ast.Constant) and node.value == name) for node in ast.walk(tree))


class GenericProjector(Projector):
    """Per top-level field, the last value any event's payload wrote: useful with no code at all."""

    name = "generic"
    patterns = ("*",)
    trusted = True
    reads_type = False  # ``fold`` reads the payload alone

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
    #: How ``load_projectors`` was asked for this set (``demo``, ``generic``, ``native...``, a file
    #: or a module) and the ``--path`` folder: enough for a worker process to load it again.
    spec: str | None = None
    path: str | None = None

    @property
    def isolated(self) -> bool:
        """Whether any projector here is user code (to run in a worker process that can be stopped)."""
        return any(not getattr(p, "trusted", False) for p in [*self.projectors, self.fallback])

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
    except UserInterrupt:
        sys.modules.pop(name, None)
        raise
    except Exception as exc:  # the user's code: any error is reported, not raised further
        sys.modules.pop(name, None)
        raise ProjectorError(f"{file}: {type(exc).__name__}: {exc}") from None
    except BaseException as exc:  # SystemExit at its top level: still the file's error, not ours
        sys.modules.pop(name, None)
        raise ProjectorError(f"{file}: raised {exc!r}") from None
    return module


NATIVE_SPECS = ("native", "eventsourcing")
#: The code-free state of eventsourcing events on any store (a slice exported from one): the
#: generic projector with the library's envelope fields left out.
GENERIC_EVENTSOURCING_SPEC = "generic:eventsourcing"


def load_projectors(spec: str | None = None, *, path: str | None = None, store: Any = None) -> ProjectorSet:
    """The projectors to use: from a file or module, native eventsourcing, the demo's, or generic.

    ``spec`` None picks the demo projector for the demo store, the native eventsourcing
    projector when ``path`` is given for an eventsourcing store, else the generic one.
    """
    with _load_lock:
        found = _load_projectors(spec, path=path, store=store)
    found.path = path
    return found


def _load_projectors(spec: str | None, *, path: str | None, store: Any) -> ProjectorSet:
    """``load_projectors`` under its lock."""
    _add_import_path(path)
    if spec is None:
        if store is not None and _is_demo(store):
            from inspector.replay.demo_projector import DEMO_PROJECTORS

            return ProjectorSet(list(DEMO_PROJECTORS), label="demo", spec="demo")
        if path and store is not None and getattr(store, "layout_name", None) == "eventsourcing":
            spec = "native"
        else:
            return _generic_set(store)
    if spec.strip().lower() in NATIVE_SPECS or spec.startswith("native:"):
        from inspector.replay.native import NativeEventsourcingProjector

        application = spec.split(":", 1)[1] if spec.startswith("native:") else None
        native = NativeEventsourcingProjector(path=path, application=application)
        return ProjectorSet([native], fallback=native, label=native.name, spec=spec.strip())
    if spec.strip().lower() == "generic":
        return _generic_set(store)
    if spec.strip().lower() == GENERIC_EVENTSOURCING_SPEC:
        return _generic_set(store, envelope=True)
    if spec.strip().lower() == "demo":
        from inspector.replay.demo_projector import DEMO_PROJECTORS

        return ProjectorSet(list(DEMO_PROJECTORS), label="demo", spec="demo")
    file = Path(spec).expanduser()
    if spec.endswith(".py") or file.is_file():
        if not file.is_file():
            raise ProjectorError(f"projector file not found: {spec}")
        module = _load_file(file)
        spec = str(file.resolve())
        source: str | None = spec
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
    return ProjectorSet(found, source_path=source, label=", ".join(p.name for p in found), spec=spec)


def _generic_set(store: Any, *, envelope: bool = False) -> ProjectorSet:
    """The code-free projector for ``store``: on an eventsourcing store (or with ``envelope``: a
    slice exported from one) the one that leaves the library's envelope fields out
    (``inspector.replay.eventsourcing_state``), else the generic one."""
    if envelope or getattr(store, "layout_name", None) == "eventsourcing":
        from inspector.replay.eventsourcing_state import EventsourcingStateProjector

        projector = EventsourcingStateProjector()
        return ProjectorSet([], fallback=projector, label=projector.name,
                            spec=GENERIC_EVENTSOURCING_SPEC if envelope else "generic")
    return ProjectorSet(label="generic", spec="generic")


# --- showing a state that is not plain JSON -------------------------------------------------
_PLAIN_SCALARS = (str, int, float, bool, type(None), Decimal)
_NOTES_SHOWN = 5


def shown_state(state: Any, *, in_pieces: bool = False) -> tuple[Any, str | None]:
    """``(value, note)``: the state as JSON values, and what had to change to show it (None: nothing).

    Integers of any size, Decimals and NaN/Infinity are JSON values here and stay exactly as
    they are. Keys that are not text (tuples, numbers) are shown as text, tuples and sets as
    lists, a container that contains itself as the text ``<cycle: /path>`` naming the place it
    repeats, other objects as their ``repr``; the note lists the first few places.

    ``in_pieces``: a big state is checked a part at a time (``_dumps_in_pieces``: calls of at
    most ``_CHECK_ITEMS`` items or ``_CHECK_TEXT`` characters, the same answer): one
    ``orjson.dumps`` of a 50 MB state is a C call of 60-70 ms holding the GIL (the window's
    replays; a category's many small states keep the one call).
    """
    try:
        if in_pieces:
            _dumps_in_pieces(state, 0)
        else:
            orjson.dumps(state)  # the usual case: plain JSON, shown as it is
        return state, None
    except (TypeError, orjson.JSONEncodeError):
        pass
    notes: list[str] = []
    try:
        value = _shown(state, "", {}, notes)
    except RecursionError:
        return None, "state is nested too deeply to be shown"
    if not notes:
        return value, None
    more = f"; and {len(notes) - _NOTES_SHOWN} more" if len(notes) > _NOTES_SHOWN else ""
    return value, "state is not plain JSON, shown as far as it can be: " + "; ".join(notes[:_NOTES_SHOWN]) + more


#: a container with more items than this is checked a run of this many items at a time
_CHECK_ITEMS = 1_000
#: text longer than this is checked a slice of this many characters at a time
_CHECK_TEXT = 1_000_000
#: containers this many levels down or deeper are checked whole
_CHECK_DEPTH = 3
#: a short container holding a container of at most this many items looks into it too
_LOOKED_INTO = 16


def _dumps_in_pieces(value: Any, depth: int) -> None:
    """Raise as ``orjson.dumps`` of the state does where ``value`` stands ``depth`` levels down
    (``TypeError`` or ``JSONEncodeError``: a value orjson cannot write, a key that is not text,
    nesting beyond its limit, a cycle), in calls on parts of it: a long list or dict a run of
    ``_CHECK_ITEMS`` items at a time (the items written whole), long text a slice at a time; a
    shorter container is written with its long items and its containers of at most
    ``_LOOKED_INTO`` items left out (``None`` in their place), and those are checked on their
    own, down to ``_CHECK_DEPTH`` levels. Each part is written inside ``depth`` lists, so
    orjson's depth limit counts its levels as in the whole state."""
    kind = type(value)
    if kind is str:
        if len(value) > _CHECK_TEXT:  # a slice ends between code points: each is checked alone
            for start in range(0, len(value), _CHECK_TEXT):
                orjson.dumps(value[start:start + _CHECK_TEXT])
        else:
            orjson.dumps(value)
        return
    if depth >= _CHECK_DEPTH or (kind is not dict and kind is not list):
        orjson.dumps(_inside_lists(value, depth))
        return
    if len(value) > _CHECK_ITEMS:
        if kind is list:
            for start in range(0, len(value), _CHECK_ITEMS):
                orjson.dumps(_inside_lists(value[start:start + _CHECK_ITEMS], depth))
        else:
            items = iter(value.items())
            while run := dict(itertools.islice(items, _CHECK_ITEMS)):
                orjson.dumps(_inside_lists(run, depth))
        return
    apart: list[Any] = []
    level: Any = {} if kind is dict else []
    for key, item in value.items() if kind is dict else enumerate(value):
        if _apart(item):
            apart.append(item)
            item = None
        if kind is dict:
            level[key] = item
        else:
            level.append(item)
    orjson.dumps(_inside_lists(level, depth))
    for item in apart:
        _dumps_in_pieces(item, depth + 1)


def _apart(item: Any) -> bool:
    """Whether ``_dumps_in_pieces`` checks ``item`` of a short container on its own."""
    kind = type(item)
    if kind is str:
        return len(item) > _CHECK_TEXT
    return (kind is dict or kind is list) and (len(item) > _CHECK_ITEMS or len(item) <= _LOOKED_INTO)


def _inside_lists(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


def _pointer(path: str) -> str:
    return path or "/"


def _shown(value: Any, path: str, open_: dict[int, str], notes: list[str]) -> Any:
    if isinstance(value, _PLAIN_SCALARS):
        return value
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        marker = id(value)
        if marker in open_:
            notes.append(f"a cycle at {_pointer(path)} (back to {_pointer(open_[marker])})")
            return f"<cycle: {_pointer(open_[marker])}>"
        open_[marker] = path
        try:
            if isinstance(value, dict):
                shown: dict[str, Any] = {}
                for key, item in value.items():
                    if isinstance(key, str):
                        text = key
                    else:
                        text = str(key) if isinstance(key, (int, float, bool, type(None), Decimal)) else repr(key)
                        notes.append(f"{type(key).__name__} key {key!r} at {_pointer(path)} shown as text")
                    if text in shown:
                        notes.append(f"two keys at {_pointer(path)} read {text!r} as text: the last is shown")
                    shown[text] = _shown(item, f"{path}/{escape_key(text)}", open_, notes)
                return shown
            if isinstance(value, (set, frozenset)):
                notes.append(f"a {type(value).__name__} at {_pointer(path)} shown as a list")
                items = list(value)
                try:
                    items.sort()
                except TypeError:
                    items.sort(key=repr)
                value = items
            elif isinstance(value, tuple):
                pass  # a tuple reads as a list in JSON: nothing is lost
            return [_shown(item, f"{path}/{index}", open_, notes) for index, item in enumerate(value)]
        finally:
            del open_[marker]
    if isinstance(value, (datetime, date, dtime)):
        return value.isoformat()
    notes.append(f"{type(value).__name__} at {_pointer(path)} shown as its repr")
    return repr(value)


def escape_key(key: str) -> str:
    """A key as one JSON-pointer step (``~`` → ``~0``, ``/`` → ``~1``)."""
    return key.replace("~", "~0").replace("/", "~1")


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
    "shown_state",
]
