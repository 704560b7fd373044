"""Turn a slice of one stream into a self-contained pytest test.

The test embeds the slice's events as JSON Lines, opens them as a store, replays them
with the same projector, and asserts the state recorded at export time. Run it anywhere
the inspector is installed: ``pytest test_wallet_slice.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from inspector import __version__
from inspector.core import jsontext
from inspector.core.decoding import loads_exact
from inspector.core.events import Event
from inspector.core.masking import Masker
from inspector.core.terminal import quoted_name
from inspector.replay.projectors import GENERIC_EVENTSOURCING_SPEC, NATIVE_SPECS, ProjectorSet
from inspector.stores.base import EventStore, StoreError

DEMO_PROJECTOR = "inspector.replay.demo_projector"

_TEMPLATE = '''"""Replay fixture exported by event-inspector {version}.

Store: {location}
Stream: {stream} ({count} events, v{first}..v{last})
Projector: {projector_label}

Run: pytest {filename}
"""

from pathlib import Path

import pytest

from inspector.core.decoding import loads_exact
from inspector.core.diff import diff_states
from inspector.replay import load_projectors, replay
from inspector.stores import open_store

STREAM = {stream_literal}
PROJECTOR = {projector_literal}
PROJECTOR_PATH = {path_literal}

EVENTS = {events_literal}
# Kept next to the events where they are of an eventsourcing store: its Decimals are read as Decimals.
SLICE_RECORD = {record_literal}

# Numbers exactly as exported: integers of any size, decimals with their digits, NaN/Infinity.
EXPECTED_STATE = loads_exact({state_literal})
EXPECTED_VERSION = {last}


@pytest.fixture()
def slice_store(tmp_path):
    path = tmp_path / "slice.jsonl"
    path.write_text(EVENTS, encoding="utf-8")
    if SLICE_RECORD is not None:
        (tmp_path / "slice.jsonl.projector.json").write_text(SLICE_RECORD, encoding="utf-8")
    store = open_store(str(path))
    yield store
    store.close()


def test_{test_name}_replays_to_the_exported_state(slice_store):
    projectors = load_projectors(PROJECTOR, path=PROJECTOR_PATH, store=slice_store)
    result = replay(slice_store, STREAM, projectors=projectors, cache=None)
    assert result.stopped is None, result.stopped
    assert result.version == EXPECTED_VERSION
    assert diff_states(EXPECTED_STATE, result.state) == []  # NaN matches NaN; 1.50 matches 1.5
'''


def _projector_literal(spec: str | None, target: Path) -> str:
    """``PROJECTOR``'s value as Python source: a projector file near the fixture (at most three
    folders up from it) as a path relative to the fixture's own folder, so the fixture and the
    file can move together (into a repository); anything else as written."""
    import os

    if spec is None or not spec.endswith(".py") or not Path(spec).is_file():
        return repr(spec)
    relative = Path(os.path.relpath(Path(spec).resolve(), target.resolve().parent))
    if relative.parts[:4] == ("..",) * 4:
        return repr(spec)
    return f"str(Path(__file__).resolve().parent / {relative.as_posix()!r})"


def _literal(text: str) -> str:
    """A Python string literal for ``text`` that survives any content."""
    if "'''" not in text and not text.endswith("\\") and "\\" not in text:
        return "'''" + text + "'''"
    return repr(text)


def _with_category(record: dict[str, Any], categories: dict[str, str] | None) -> dict[str, Any]:
    """An event's line with its stream's ``category`` where the store's is not the name's."""
    stream = record.get("stream")
    category = categories.get(stream) if categories and isinstance(stream, str) else None
    if category is not None:
        record["category"] = category
    return record


def _refuse_a_projector_for_other_streams(projectors: ProjectorSet, stream: str, category: str | None,
                                          store: EventStore, source_stream: str | None) -> None:
    """``StoreError`` when ``projectors`` name projectors of their own (a file, a module, the
    demo's) and none applies to ``stream`` of ``category`` as the fixture replays it: its replay
    would fall back to the generic fold, and a fixture pinning that tests nothing of the projector."""
    own = projectors.projectors
    if not own or projectors.fallback in own or any(p.applies_to(stream, category) for p in own):
        return
    patterns = ", ".join(sorted({repr(pattern) for p in own for pattern in getattr(p, "patterns", ())})) or "none"
    shown = f"stream {quoted_name(stream)} (category {quoted_name(category or '')})"
    advice = ("give --projector a file whose @projector names this stream's category or name, or export "
              "without --projector to pin the generic state")
    if source_stream is not None and source_stream != stream and any(
            p.applies_to(source_stream, store.category(source_stream)) for p in own):
        advice = (f"it handles the store's {quoted_name(source_stream)}, and masking changed the name and category "
                  "its pattern matches: export the fixture without masking them")
    raise StoreError(
        f"the projector {projectors.label} handles none of the exported streams: {shown} would replay with the "
        f"generic fold, so the fixture would test nothing of it (its projectors apply to {patterns}): {advice}"
    )


def _eventsourcing_events(store: EventStore) -> bool:
    """True when ``store`` is an eventsourcing store, or a slice exported from one."""
    from inspector.export.provenance import recorded_projector
    from inspector.replay.choices import from_eventsourcing

    if getattr(store, "layout_name", None) == "eventsourcing":
        return True
    record = recorded_projector(store.source_file())
    return record is not None and from_eventsourcing(record)


def _recorded_builtin(store: EventStore) -> str | None:
    """The demo's projector when ``store`` is a slice recorded as exported with it (never a user's file)."""
    from inspector.export.provenance import recorded_projector

    record = recorded_projector(store.source_file())
    return DEMO_PROJECTOR if record is not None and record.get("kind") == "demo" else None


def write_fixture(
    events: Iterable[Event],
    path: Path,
    *,
    store: EventStore,
    stream: str,
    target: Path,
    projector: str | None,
    projector_path: str | None,
    masker: Masker | None = None,
    categories: dict[str, str] | None = None,
    source_stream: str | None = None,
) -> None:
    """Write the fixture of ``events`` (one stream, masked as exported) to ``path`` (named
    ``target``). Each event line keeps the stream's ``category`` where the store's is not its
    name's (``categories``, exported stream name -> category, as JSON Lines slices record it), so
    the fixture's replay picks the projector the store's does. ``StoreError`` when the projector
    chosen (a file, module or the demo's) handles no stream of the slice: the fixture would pin
    the generic fold and test nothing of it (``source_stream``: the stream's name in the store,
    before masking)."""
    from inspector.demo import is_demo_store
    from inspector.export import event_record, write_private_text
    from inspector.replay import load_projectors, replay
    from inspector.replay.projectors import ProjectorError
    from inspector.stores.jsonl import JsonlEventStore

    from inspector.export import Fractions
    from inspector.export.provenance import sidecar_of

    fractions = Fractions()
    records = [_with_category(event_record(event), categories) for event in events]
    lines = [jsontext.dumps(record) for record in records]
    if not lines:
        raise StoreError(f"stream {quoted_name(stream)} has no events in this slice")
    spec = projector if projector is not None else (DEMO_PROJECTOR if is_demo_store(store) else _recorded_builtin(store))
    if _eventsourcing_events(store):
        if spec is not None and (spec.strip().lower() in NATIVE_SPECS or spec.strip().startswith("native:")):
            raise StoreError("a pytest fixture replays its slice of events, and native eventsourcing replay needs "
                             "the library's own tables, which a slice does not keep: export the fixture with "
                             "--projector generic (the code-free eventsourcing state) or a projector file")
        if spec is None or spec.strip().lower() == "generic":
            spec = GENERIC_EVENTSOURCING_SPEC  # the fixture's state leaves the library's envelope fields out
        for record in records:
            fractions.see(record.get("data"))
            fractions.see(record.get("metadata"))
        # read back as the store's events are: the library's Decimals as Decimals (``numbers_are_decimal``)
        slice_record: str | None = jsontext.dumps({"source_layout": "eventsourcing", "fractions": fractions.kind})
    else:
        slice_record = None
    # The expected state is what the exported events replay to, so the fixture pins the projector's behaviour.
    slice_file = path.with_suffix(".slice.jsonl")
    write_private_text(slice_file, "\n".join(lines) + "\n")  # the slice's events: private like the export
    if slice_record is not None:
        write_private_text(sidecar_of(slice_file), slice_record)
    try:
        sliced = JsonlEventStore(slice_file)
        try:
            projectors = load_projectors(spec, path=projector_path, store=sliced)
        except ProjectorError as exc:
            raise StoreError(str(exc)) from None
        _refuse_a_projector_for_other_streams(projectors, stream, sliced.category(stream), store, source_stream)
        result = replay(sliced, stream, projectors=projectors, cache=None)
    finally:
        slice_file.unlink(missing_ok=True)
        sidecar_of(slice_file).unlink(missing_ok=True)
    if result.stopped is not None:
        raise StoreError(f"the projector raised at v{result.stopped.version}: {result.stopped.error}")
    if result.events_applied == 0:  # a fixture that replays nothing would pass whatever the projector does
        raise StoreError(f"stream {quoted_name(stream)} replays no event from this slice: no fixture written")
    versions = [loads_exact(line).get("version") for line in lines]
    known = [v for v in versions if isinstance(v, int)]
    location = getattr(store, "location", None) or str(getattr(store, "path", ""))
    if masker is not None:
        location = masker.mask_text(location)
    test_name = re.sub(r"\W+", "_", stream).strip("_").lower() or "stream"
    source = _TEMPLATE.format(
        version=__version__,
        location=location,
        stream=stream,
        count=len(lines),
        first=min(known) if known else 0,
        last=result.version,
        projector_label=spec or "generic (last value per field)",
        filename=target.name,
        stream_literal=repr(stream),
        projector_literal=_projector_literal(spec, target),
        path_literal=repr(projector_path),
        events_literal=_literal("\n".join(lines) + "\n"),
        record_literal=repr(slice_record),
        state_literal=_literal(jsontext.dumps(result.state, sort_keys=True)),
        test_name=test_name,
    )
    write_private_text(path, source)

