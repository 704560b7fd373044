"""A checkpoint kept from an earlier look at a store is reused only while that store still has the same history.

A changed store may cost a replay from the start, never a wrong balance: the file
behind a file store is part of its identity, and every store's checkpoint is checked
against the stream's first event and the number of events up to it, not only the
events at its own version.
"""

from __future__ import annotations

import json
import os

import orjson
import pytest
import sqlalchemy as sa

from inspector.cli import main
from inspector.core.events import Moment, format_time
from inspector.replay import SnapshotCache, load_projectors, replay, store_identity
from inspector.stores import open_store

COUNTING = "inspector.replay.demo_projector"


def _replay_json(capsys, store: str, stream: str, *extra: str) -> dict:
    code = main(["replay", store, "--stream", stream, "--projector", COUNTING, "--json", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _export(capsys, store: str, stream: str, target, *extra: str) -> None:
    code = main(["export", store, "--stream", stream, "--format", "jsonl", "-o", str(target), *extra])
    _, err = capsys.readouterr()
    assert code == 0, err


def test_a_wallet_re_exported_to_the_same_file_is_replayed_from_the_new_file(demo_store_path, demo_planted,
                                                                              tmp_path, capsys):
    stream, _ = demo_planted.negative_wallet
    slice_file = tmp_path / "slice.jsonl"
    _export(capsys, str(demo_store_path), stream, slice_file)
    whole = _replay_json(capsys, str(slice_file), stream)
    assert whole["state"]["credits"] == -3
    with _Opened(demo_store_path) as demo:
        events = list(demo.read_stream(stream))
    since = format_time(events[len(events) // 2].recorded_at)

    # The same file now holds only the second half of the wallet's history.
    _export(capsys, str(demo_store_path), stream, slice_file, "--since", since)
    honest = _replay_json(capsys, str(slice_file), stream, "--no-cache")
    assert honest["state"]["credits"] != whole["state"]["credits"]
    cached = _replay_json(capsys, str(slice_file), stream)
    assert cached["state"] == honest["state"]
    assert cached["snapshot"]["source"] is None


def test_a_file_stores_identity_changes_when_the_file_is_rewritten_in_place(tmp_path):
    path = tmp_path / "events.jsonl"
    line = {"position": 1, "stream": "wallet-1", "version": 1, "type": "CreditsGranted", "data": {"amount": 5}}
    path.write_bytes(orjson.dumps(line) + b"\n")
    store = open_store(str(path))
    before = store_identity(store)
    assert store_identity(store) == before  # the same file, looked at twice
    line["data"] = {"amount": 7}
    with path.open("r+b") as handle:  # same inode, same size
        handle.write(orjson.dumps(line) + b"\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert store_identity(store) != before


@pytest.mark.postgres
def test_a_server_stores_identity_does_not_depend_on_the_password(scratch_postgres):
    # The local server trusts its clients, so any password opens the same database.
    _ledger_on_postgres(scratch_postgres, [1])
    identities = []
    for password in ("first-secret", "second-secret"):
        url = sa.engine.make_url(scratch_postgres.url).set(password=password).render_as_string(hide_password=False)
        with _Opened(url) as store:
            identities.append(store_identity(store))
    assert identities[0] == identities[1]


# --- a server store whose history changed under the same URL -------------------------------------------------
GENERIC_PG_DDL = """
CREATE TABLE events (
    position bigserial PRIMARY KEY,
    stream text NOT NULL,
    version bigint,
    type text,
    recorded_at timestamptz,
    data text,
    metadata jsonb
);
CREATE INDEX events_stream_version ON events (stream, version)
"""

LEDGER = """
from inspector.replay import projector

@projector("ledger")
def ledger(state, event):
    state["balance"] = state.get("balance", 0) + event.data["amount"]
    state["entries"] = state.get("entries", 0) + 1
    return state
"""


def _ledger_on_postgres(database, amounts: list[int]) -> None:
    with database.writer.begin() as conn:
        for statement in GENERIC_PG_DDL.split(";"):
            conn.exec_driver_sql(statement)
        conn.execute(
            sa.text("INSERT INTO events (stream, version, type, recorded_at, data, metadata)"
                    " VALUES ('ledger-1', :version, 'Posted', now(), :data, '{}')"),
            [{"version": version, "data": orjson.dumps({"amount": amount}).decode()}
             for version, amount in enumerate(amounts, start=1)],
        )


@pytest.fixture()
def ledger_projectors(tmp_path):
    path = tmp_path / "ledger.py"
    path.write_text(LEDGER, encoding="utf-8")
    return load_projectors(str(path))


@pytest.mark.postgres
def test_a_ledger_that_lost_its_early_entries_is_not_replayed_from_the_checkpoint_taken_before(
        scratch_postgres, ledger_projectors, tmp_path):
    _ledger_on_postgres(scratch_postgres, [1] * 400)
    cache = SnapshotCache(tmp_path / "c.sqlite", every=100)
    with _Opened(scratch_postgres.url) as store:
        assert replay(store, "ledger-1", projectors=ledger_projectors, cache=cache).state["balance"] == 400
        warm = replay(store, "ledger-1", projectors=ledger_projectors, cache=cache)
        assert (warm.snapshot_source, warm.snapshot_version) == ("cache", 400)
    # The application archived the first 150 entries: the entries at v400 are unchanged.
    with scratch_postgres.writer.begin() as conn:
        conn.exec_driver_sql("DELETE FROM events WHERE version <= 150")
    with _Opened(scratch_postgres.url) as store:
        result = replay(store, "ledger-1", projectors=ledger_projectors, cache=cache)
        assert result.state == {"balance": 250, "entries": 250}
        assert result.snapshot_source is None
        earlier = replay(store, "ledger-1", at=Moment(version=300), projectors=ledger_projectors, cache=cache)
        assert earlier.state == {"balance": 150, "entries": 150}
    cache.close()


@pytest.mark.postgres
def test_a_ledger_whose_opening_entry_was_corrected_is_not_replayed_from_an_old_checkpoint(
        scratch_postgres, ledger_projectors, tmp_path):
    _ledger_on_postgres(scratch_postgres, [1] * 400)
    cache = SnapshotCache(tmp_path / "c.sqlite", every=100)
    with _Opened(scratch_postgres.url) as store:
        replay(store, "ledger-1", projectors=ledger_projectors, cache=cache)
    # Same number of entries, same entries at every checkpoint; only the opening amount differs.
    with scratch_postgres.writer.begin() as conn:
        conn.exec_driver_sql("""UPDATE events SET data = '{"amount": 1000}' WHERE version = 1""")
    with _Opened(scratch_postgres.url) as store:
        result = replay(store, "ledger-1", at=Moment(version=350), projectors=ledger_projectors, cache=cache)
        assert result.state == {"balance": 1349, "entries": 350}
        again = replay(store, "ledger-1", at=Moment(version=350), projectors=ledger_projectors, cache=cache)
        assert again.snapshot_source == "cache" and again.state == result.state
    cache.close()


@pytest.mark.postgres
def test_a_ledger_that_only_grew_keeps_using_its_checkpoints(scratch_postgres, ledger_projectors, tmp_path):
    """An append leaves the events a checkpoint rests on as they were: the server vouches for them."""
    _ledger_on_postgres(scratch_postgres, [1] * 400)
    cache = SnapshotCache(tmp_path / "c.sqlite", every=100)
    with _Opened(scratch_postgres.url) as store:
        replay(store, "ledger-1", projectors=ledger_projectors, cache=cache)
        with scratch_postgres.writer.begin() as conn:
            conn.execute(sa.text("INSERT INTO events (stream, version, type, data, metadata)"
                                 " VALUES ('ledger-1', 401, 'Posted', '{\"amount\": 5}', '{}')"))
        result = replay(store, "ledger-1", projectors=ledger_projectors, cache=cache)
        assert result.state == {"balance": 405, "entries": 401}
        assert (result.snapshot_source, result.snapshot_version, result.events_applied) == ("cache", 400, 1)
    cache.close()


class _Opened:
    def __init__(self, target) -> None:
        self.store = open_store(str(target))

    def __enter__(self):
        return self.store

    def __exit__(self, *exc) -> None:
        self.store.close()
