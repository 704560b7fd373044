"""A slice exported with ``--since`` holds each stream from some later version on: its states fold
from there, and the inspector says so instead of showing them as the stream's true states.

The demo's negative wallet, sliced from the time of its 61st event: the slice's stream starts at
v61, its replay warns that v1-v60 are not in the store, a version or an instant before v61 is an
error (never the empty state), and ``check`` lists the stream as starting late. Streams that
count from 0 (v0 stored) and whole streams from 1 are not late.
"""

from __future__ import annotations

import json

import pytest

from inspector.cli import main
from inspector.core.events import format_time
from inspector.core.health import check_store, version_origin
from inspector.stores import open_store

from .conftest import write_generic_store, write_store_from_zero


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def wallet_slice(demo_store_path, demo_planted, tmp_path, capsys):
    """(slice path, stream, the slice's first version): the negative wallet from its v61's time on."""
    stream, _ = demo_planted.negative_wallet
    store = open_store(str(demo_store_path))
    try:
        since = next(e.recorded_at for e in store.read_stream(stream) if e.version == 61)
    finally:
        store.close()
    target = tmp_path / "slice.db"
    code, _, err = run(capsys, "export", str(demo_store_path), "--since", format_time(since),
                       "--format", "sqlite", "-o", str(target))
    assert code == 0, err
    sliced = open_store(str(target))
    try:
        first = next(e.version for e in sliced.read_stream(stream) if e.version is not None)
    finally:
        sliced.close()
    assert first == 61  # the export kept every event from that instant on
    return target, stream, first


def test_replaying_a_slice_warns_that_its_stream_starts_late(wallet_slice, capsys):
    path, stream, first = wallet_slice
    code, out, _ = run(capsys, "replay", str(path), "--stream", stream, "--projector", "demo", "--json", "--no-cache")
    result = json.loads(out)
    assert code == 0 and result["problem"] is None
    assert result["warnings"] == [
        f"the stream starts at v{first} here: v1\u2013v{first - 1} are not in this store (a slice?); "
        f"states fold from v{first}"]
    code, out, _ = run(capsys, "replay", str(path), "--stream", stream, "--projector", "demo", "--no-cache")
    assert code == 0
    assert f"warning: the stream starts at v{first} here" in out.splitlines()[1]


def test_a_version_before_the_slice_is_an_error_not_an_empty_state(wallet_slice, capsys):
    path, stream, first = wallet_slice
    for version in ("v30", "v1", "v0", f"v{first - 1}"):
        code, out, err = run(capsys, "replay", str(path), "--stream", stream, "--projector", "demo", "--at", version)
        assert code == 1 and out == ""
        assert f"{version} is not in this store: the stream starts at v{first} here" in err
    code, out, _ = run(capsys, "replay", str(path), "--stream", stream, "--projector", "demo", "--at", f"v{first}",
                       "--json", "--no-cache")
    assert code == 0 and json.loads(out)["version"] == first and json.loads(out)["events_applied"] == 1


def test_an_instant_before_the_slice_is_an_error(wallet_slice, capsys):
    path, stream, first = wallet_slice
    code, _, err = run(capsys, "replay", str(path), "--stream", stream, "--projector", "demo",
                       "--at", "2000-01-01T00:00:00Z")
    assert code == 1
    assert f"is before the first event stored here (v{first} at" in err and "not in this store" in err


def test_check_lists_the_streams_of_a_slice_that_start_late(wallet_slice):
    path, stream, first = wallet_slice
    store = open_store(str(path))
    try:
        late = {f.stream: f for f in check_store(store).findings if f.kind == "stream_starts_late"}
    finally:
        store.close()
    assert late[stream].version == first
    assert late[stream].detail.startswith(f"the stream starts at v{first} here")


def test_whole_streams_from_zero_or_one_do_not_start_late(tmp_path, capsys):
    from_zero = write_store_from_zero(tmp_path / "zero.db", "wallet-1", [("WalletOpened", {}), ("CreditsGranted", {"amount": 3})])
    from_one = write_generic_store(tmp_path / "one.db", {"wallet-1": [("WalletOpened", {}), ("CreditsGranted", {"amount": 3})]})
    for path in (from_zero, from_one):
        store = open_store(str(path))
        try:
            assert [f for f in check_store(store).findings if f.kind == "stream_starts_late"] == []
        finally:
            store.close()
        code, out, _ = run(capsys, "replay", str(path), "--stream", "wallet-1", "--json", "--no-cache")
        assert code == 0 and json.loads(out)["warnings"] == []


def test_the_layout_says_where_versions_start():
    assert version_origin("messagedb", 3) == 0 and version_origin("axon", 5) == 0
    assert version_origin("eventsourcing", 5) == 1 and version_origin("generic", 5) == 1
    assert version_origin("generic", 0) == 0  # a generic stream that stores v0 counts from 0


def test_before_the_first_event_reads_as_english_and_negative_versions_name_v0(demo_store_path, demo_planted, capsys):
    stream, _ = demo_planted.negative_wallet
    code, out, _ = run(capsys, "replay", str(demo_store_path), "--stream", stream, "--at", "v0", "--no-cache")
    assert code == 0 and out.splitlines()[0].startswith(f"{stream} before its first event (no event applied)")
    code, _, err = run(capsys, "replay", str(demo_store_path), "--stream", stream, "--at", "v-3")
    assert code == 1 and "version -3 does not exist: versions start at 1 (v0: the state before the first event)" in err


def test_states_over_a_slice_names_the_streams_that_start_late(wallet_slice, capsys):
    path, stream, first = wallet_slice
    code, out, _ = run(capsys, "states", str(path), "--match", stream, "--projector", "demo")
    assert code == 0
    assert out.splitlines()[-1] == (
        f"note: 1 stream starts after the first version in this store (a slice?): {stream} (from v{first}); "
        "their states fold from their first stored event, not from the stream's beginning")
    code, out, err = run(capsys, "states", str(path), "--match", stream, "--projector", "demo", "--json")
    assert code == 0 and json.loads(out)["starts_late"] == [{"stream": stream, "first_version": first}]
    assert "note: 1 stream starts after the first version" in err


def test_states_over_whole_streams_has_no_such_note(demo_store_path, demo_planted, capsys):
    stream, _ = demo_planted.negative_wallet
    code, out, _ = run(capsys, "states", str(demo_store_path), "--match", stream, "--json")
    assert code == 0 and "starts_late" not in json.loads(out)


def test_diff_and_bisect_on_a_slice_say_the_stream_starts_late(wallet_slice, capsys):
    path, stream, first = wallet_slice
    late = f"the stream starts at v{first} here: v1\u2013v{first - 1} are not in this store (a slice?)"
    code, out, err = run(capsys, "diff", str(path), "--stream", stream, "--projector", "demo", "--from", f"v{first}",
                         "--to", f"v{first + 5}", "--json", "--no-cache")
    assert code == 0 and len(json.loads(out)["warnings"]) == 1 and json.loads(out)["warnings"][0].startswith(late)
    code, out, err = run(capsys, "diff", str(path), "--stream", stream, "--projector", "demo", "--from", f"v{first}",
                         "--to", f"v{first + 5}", "--no-cache")
    assert code == 0 and f"warning: {late}" in err
    code, out, _ = run(capsys, "bisect", str(path), "--stream", stream, "--projector", "demo", "--when",
                       'state["credits"] < 0', "--json", "--no-cache")
    assert code == 0 and json.loads(out)["note"].startswith(late)
    code, out, _ = run(capsys, "bisect", str(path), "--stream", stream, "--projector", "demo", "--when",
                       'state["credits"] < 0', "--no-cache")
    assert code == 0 and f"note: {late}" in out
