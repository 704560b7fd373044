"""Which projector a store is replayed with, and why: the choices the window offers.

Four kinds, each with a one-line explanation:

- ``generic``: no code; per field, the last value written, from the stream's first event.
  On an ``eventsourcing`` store it leaves the envelope fields out and does not start from the
  library's snapshots, which hold attributes it cannot carry forward
  (``inspector.replay.eventsourcing_state``). The command line's ``--projector generic`` is
  the same projector. With ``application`` "eventsourcing" it leaves them out on any store: a
  slice exported from an eventsourcing store (``--projector generic:eventsourcing``).
- ``native``: the ``eventsourcing`` library's own aggregate classes, imported from a folder
  the user picks (``target``), optionally with ``application`` (``package.module:Class``)
  for its transcodings; the library's snapshots are used.
- ``demo``: the demo store's projector (``inspector.replay.demo_projector``).
- ``file``: the user's ``@projector`` functions in a ``.py`` file (``target``).

A choice is saved per store as a small dict (``to_setting``); a plain string is the file
form older settings hold. Qt-free; ``load`` runs on a worker (it may import user code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inspector.replay.projectors import GENERIC_EVENTSOURCING_SPEC, ProjectorSet, load_projectors
from inspector.stores.slice_record import recorded_from_eventsourcing

KINDS = ("generic", "native", "demo", "file")
DEMO_MODULE = "inspector.replay.demo_projector"

EXPLANATIONS = {
    "generic": "No code needed: per field, the last value any event wrote.",
    "native": "Your eventsourcing aggregate classes rebuild the aggregate (pick the folder with your "
              "application's code); the library's own snapshots are used.",
    "demo": "The demo store's projector: wallet credits, job status, ACL members.",
    "file": "Your own @projector functions from a .py file, reloaded when the file changes.",
}
GENERIC_EVENTSOURCING = ("No code needed: per field, the last value any event wrote, from the first event "
                         "(timestamp, originator_topic and other envelope fields left out). The library's "
                         "snapshots are not used: their attributes (a balance) need your code to move forward.")
TITLES = {"generic": "Generic", "native": "Native eventsourcing…", "demo": "Demo's projector",
          "file": "Projector file…"}


@dataclass(frozen=True, slots=True)
class ProjectorChoice:
    """A projector kind and what it needs: a folder (native) or a file (file)."""

    kind: str = "generic"
    target: str | None = None
    application: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown projector kind {self.kind!r}: choose from {', '.join(KINDS)}")

    # --- persistence -----------------------------------------------------------------
    def to_setting(self) -> Any:
        """What the settings file keeps: the file's path for ``file`` (the older form), else a dict."""
        if self.kind == "file":
            return self.target
        value: dict[str, str] = {"kind": self.kind}
        if self.target:
            value["path"] = self.target
        if self.application:
            value["application"] = self.application
        return value

    @classmethod
    def from_setting(cls, value: Any) -> "ProjectorChoice | None":
        """The choice a settings value holds, or None when it holds none (or garbage)."""
        if isinstance(value, str) and value.strip():
            lowered = value.strip().lower()
            if lowered in ("generic", "demo"):
                return cls(lowered)
            if lowered in ("native", "eventsourcing"):
                return cls("native")
            return cls("file", value)
        if isinstance(value, dict) and value.get("kind") in KINDS:
            target = value.get("path")
            application = value.get("application")
            return cls(value["kind"], target if isinstance(target, str) and target else None,
                       application if isinstance(application, str) and application else None)
        return None

    # --- loading ---------------------------------------------------------------------
    def spec(self) -> str:
        """The ``--projector`` value (with ``path()`` as ``--path``) that loads the same projectors."""
        if self.kind == "file":
            return self.target or ""
        if self.kind == "native":
            return f"native:{self.application}" if self.application else "native"
        if self.kind == "demo":
            return DEMO_MODULE
        return GENERIC_EVENTSOURCING_SPEC if self.application == "eventsourcing" else "generic"

    def path(self) -> str | None:
        """The import folder (``--path``): the native choice's folder."""
        return self.target if self.kind == "native" else None

    def load(self, store: Any) -> ProjectorSet:
        """The projectors this choice names for ``store``; raises ProjectorError (one line) when they fail."""
        if self.kind == "generic":
            if self.application == "eventsourcing":
                return load_projectors(GENERIC_EVENTSOURCING_SPEC, store=store)
            return generic_projectors(store)
        if self.kind == "demo":
            return load_projectors("demo", store=store)
        return load_projectors(self.spec(), path=self.path(), store=store)

    def explanation(self, store: Any = None) -> str:
        if self.kind == "generic" and (_is_eventsourcing(store) or self.application == "eventsourcing"):
            return GENERIC_EVENTSOURCING
        return EXPLANATIONS[self.kind]

    def describe(self) -> str:
        """A short name for the window and the settings: ``native eventsourcing (~/shop)``."""
        if self.kind == "file":
            return self.target or "projector file"
        if self.kind == "native":
            where = f" ({self.target})" if self.target else ""
            return f"native eventsourcing{where}"
        if self.kind == "generic" and self.application == "eventsourcing":
            return "generic (eventsourcing)"
        return {"generic": "generic", "demo": "demo"}[self.kind]


def generic_projectors(store: Any) -> ProjectorSet:
    """The code-free projector that fits the store's layout (the eventsourcing-aware one on those
    stores): the one ``load_projectors("generic", store=store)`` gives the command line."""
    return load_projectors("generic", store=store)


def default_choice(store: Any, remembered: Any = None, recorded: dict[str, Any] | None = None
                   ) -> tuple[ProjectorChoice, str]:
    """The choice to start with and why, in words for the State tab.

    ``remembered`` is the settings value for this store; ``recorded`` the projector an exported
    slice says produced its states (``inspector.export.provenance``). Only built-in projectors
    are taken from a slice without asking: a file or folder it names is offered, not loaded.
    """
    choice = ProjectorChoice.from_setting(remembered)
    if choice is not None:
        return choice, "remembered for this store"
    if recorded and recorded.get("kind") == "demo":
        return ProjectorChoice("demo"), "this slice was exported from the demo with the demo's projector"
    if recorded and from_eventsourcing(recorded) and not _is_eventsourcing(store):
        return ProjectorChoice("generic", application="eventsourcing"), (
            "this slice was exported from an eventsourcing store: the library's envelope fields are left out"
            + (" (native replay needs the library's own tables, which a slice does not keep)"
               if recorded.get("kind") == "native" else ""))
    if store is not None:
        from inspector.demo import is_demo_store

        if is_demo_store(store):
            return ProjectorChoice("demo"), "the demo store's own projector"
    if _is_eventsourcing(store):
        return ProjectorChoice("generic"), ("no projector chosen for this store; for the aggregate itself choose "
                                            "Native eventsourcing and the folder with your application's code")
    return ProjectorChoice("generic"), "no projector chosen for this store"


def offered_choice(recorded: dict[str, Any] | None, remembered_for_source: Any = None,
                   store: Any = None) -> ProjectorChoice | None:
    """The projector a slice's source used, to offer (never to load unasked): the one remembered
    on this machine for the slice's source store, else the file or folder the slice names if it
    exists here. Native eventsourcing replay is offered only where ``store`` is an eventsourcing
    store: it needs the library's own tables, which a slice does not keep."""
    from pathlib import Path

    choice = ProjectorChoice.from_setting(remembered_for_source)
    if choice is not None and (choice.kind == "file" or (choice.kind == "native" and _is_eventsourcing(store))):
        return choice
    if not recorded:
        return None
    kind = recorded.get("kind")
    if kind == "file" and isinstance(recorded.get("file"), str) and Path(recorded["file"]).is_file():
        return ProjectorChoice("file", recorded["file"])
    if kind == "native" and _is_eventsourcing(store) and isinstance(recorded.get("path"), str) \
            and Path(recorded["path"]).is_dir():
        return ProjectorChoice("native", recorded["path"], recorded.get("application") or None)
    return None


def projector_record(choice: ProjectorChoice, projectors: ProjectorSet) -> dict[str, Any]:
    """What an export records about the projector that produced its states: kind, name, module or
    file, import folder and the code hash (the hash the snapshot cache keys entries by)."""
    members = list(projectors.projectors) or [projectors.fallback]
    record: dict[str, Any] = {
        "kind": choice.kind,
        "name": projectors.label,
        "spec": choice.spec(),
        "code_hash": ",".join(p.code_hash for p in members),
    }
    if choice.kind == "file":
        record["file"] = choice.target
    elif choice.kind == "demo":
        record["module"] = DEMO_MODULE
    elif choice.kind == "native":
        record["path"] = choice.target
        if choice.application:
            record["application"] = choice.application
    else:
        record["module"] = type(projectors.fallback).__module__
    return record


def from_eventsourcing(recorded: dict[str, Any]) -> bool:
    """True when an export's record says its source was an eventsourcing store (its layout, or
    the code-free eventsourcing state or native replay in force when it was written)."""
    return recorded_from_eventsourcing(recorded)


def _is_eventsourcing(store: Any) -> bool:
    return getattr(store, "layout_name", None) == "eventsourcing"


__all__ = ["EXPLANATIONS", "KINDS", "TITLES", "ProjectorChoice", "default_choice", "from_eventsourcing",
           "generic_projectors", "offered_choice", "projector_record"]
