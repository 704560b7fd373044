"""A version claimed by two events is folded as the store holds it (both, in order), and the
replay says so: which version, which positions, in the text, in ``--json`` and in the result."""

from __future__ import annotations

import json
import sqlite3

from inspector.cli import main
from inspector.core.events import Moment
from inspector.replay import GENERIC_PROJECTOR, replay
from inspector.stores import open_store

from .conftest import write_generic_store


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_demo_job_with_a_duplicated_version_warns_naming_both_positions(demo_store_path, demo_planted, capsys):
    stream, version = demo_planted.duplicate_version
    store = open_store(str(demo_store_path))
    try:
        positions = [e.position for e in store.read_stream(stream) if e.version == version]
    finally:
        store.close()
    assert len(positions) == 2
    expected = (f"v{version} is claimed by two events (positions {positions[0]} and {positions[1]}): "
                "both were applied, in position order")
    code, out, _ = run(capsys, "replay", str(demo_store_path), "--stream", stream, "--at", f"v{version}",
                       "--json", "--no-cache")
    result = json.loads(out)
    assert code == 0 and result["problem"] is None and result["warnings"] == [expected]
    code, out, _ = run(capsys, "replay", str(demo_store_path), "--stream", stream, "--at", f"v{version}", "--no-cache")
    assert code == 0 and f"warning: {expected}" in out.splitlines()[1]


def test_a_replay_before_the_duplicate_has_no_warning(tmp_path):
    path = write_generic_store(tmp_path / "dup.db", {"counter-1": [("Incremented", {"n": i}) for i in range(1, 5)]})
    with sqlite3.connect(path) as conn:  # v3 written twice by a racing writer, position 5
        conn.execute("INSERT INTO events VALUES (5, 'counter-1', 3, 'Incremented', '2026-01-01T00:09:00Z',"
                     " '{\"n\": 30}', '{}')")
    conn.close()
    store = open_store(str(path))
    try:
        before = replay(store, "counter-1", at=Moment(version=2), projectors=GENERIC_PROJECTOR)
        at = replay(store, "counter-1", at=Moment(version=3), projectors=GENERIC_PROJECTOR)
        latest = replay(store, "counter-1", projectors=GENERIC_PROJECTOR)
    finally:
        store.close()
    assert before.warnings == []
    assert at.events_applied == 4 and at.state == {"n": 30}
    assert at.warnings == ["v3 is claimed by two events (positions 3 and 5): both were applied, in position order"]
    assert latest.warnings == at.warnings and "warning: v3 is claimed" in latest.describe()


def test_a_diff_across_the_duplicated_version_carries_the_warning(demo_store_path, demo_planted, capsys):
    stream, version = demo_planted.duplicate_version
    code = main(["diff", str(demo_store_path), "--stream", stream, "--from", f"v{version - 1}", "--to", f"v{version}",
                 "--json", "--no-cache"])
    out, err = capsys.readouterr()
    warnings = json.loads(out)["warnings"]
    assert code == 0 and len(warnings) == 1 and warnings[0].startswith(f"v{version} is claimed by two events")
    assert f"warning: {warnings[0]}" in err


def test_the_warning_survives_the_snapshot_cache(tmp_path):
    from inspector.replay import SnapshotCache

    path = write_generic_store(tmp_path / "long.db", {"counter-1": [("Incremented", {"n": i}) for i in range(1, 401)]})
    with sqlite3.connect(path) as conn:  # v3 written twice, early in a long stream
        conn.execute("INSERT INTO events VALUES (401, 'counter-1', 3, 'Incremented', '2026-01-01T00:03:30Z',"
                     " '{\"n\": 30}', '{}')")
    conn.close()
    store = open_store(str(path))
    cache = SnapshotCache(tmp_path / "cache.db", every=50)
    try:
        runs = [replay(store, "counter-1", projectors=GENERIC_PROJECTOR, cache=cache) for _ in range(2)]
    finally:
        cache.close()
        store.close()
    for result in runs:
        assert result.state == {"n": 400} and result.version == 400
        assert result.warnings == ["v3 is claimed by two events (positions 3 and 401): "
                                   "both were applied, in position order"]
    assert runs[1].snapshot_source is None  # no checkpoint was kept past the duplicated version
