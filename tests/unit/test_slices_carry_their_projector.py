"""A slice exported from the command line records the projector it was exported with, and the
command line replays it with that projector, as the window does when it reopens a slice."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from inspector.cli import main
from inspector.export.provenance import recorded_projector, sidecar_of


def _wallet(demo_store_path):
    from inspector.stores import open_store

    store = open_store(str(demo_store_path))
    try:
        last = max(e.version for e in store.read_stream("wallet-9b2e71cc"))
    finally:
        store.close()
    return "wallet-9b2e71cc", last


def _replayed(capsys, target, stream, *extra):
    capsys.readouterr()
    assert main(["replay", str(target), "--stream", stream, "--json", "--no-cache", *extra]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("fmt,name", [("jsonl", "wallet.jsonl"), ("sqlite", "wallet.db")])
@pytest.mark.parametrize("named", [False, True], ids=["default projector", "--projector demo"])
def test_a_demo_wallet_exported_from_the_command_line_replays_to_its_credits_with_the_demo_projector(
        demo_store_path, tmp_path, capsys, fmt, name, named):
    stream, last = _wallet(demo_store_path)
    target = tmp_path / name
    extra = ["--projector", "demo"] if named else []
    assert main(["export", str(demo_store_path), "--stream", stream, "--format", fmt, "-o", str(target), *extra]) == 0
    assert "projector recorded with the slice: demo" in capsys.readouterr().out

    record = recorded_projector(target)
    assert record is not None and record["kind"] == "demo" and record["source"] == str(demo_store_path.resolve())
    if fmt == "jsonl":
        assert sidecar_of(target).is_file()
    else:
        with sqlite3.connect(target) as conn:
            assert conn.execute("SELECT key FROM inspector_slice").fetchall() == [("projector",)]

    replayed = _replayed(capsys, target, stream)
    assert replayed["version"] == last and replayed["state"]["credits"] == -3
    assert replayed["projector"] != "generic"
    # --projector still decides when given
    assert "credits" not in _replayed(capsys, target, stream, "--projector", "generic")["state"]


def test_states_over_a_slice_use_its_recorded_projector(demo_store_path, tmp_path, capsys):
    stream, last = _wallet(demo_store_path)
    target = tmp_path / "wallet.db"
    assert main(["export", str(demo_store_path), "--stream", stream, "--format", "sqlite", "-o", str(target)]) == 0
    capsys.readouterr()
    assert main(["states", str(target), "--category", "wallet", "--json"]) == 0
    assert '"credits":-3' in capsys.readouterr().out.replace(" ", "")


def test_a_slice_of_a_store_without_a_projector_records_generic_and_replays_generic(tmp_path, capsys):
    source = tmp_path / "plain.jsonl"
    source.write_text('{"stream": "order-1", "version": 0, "type": "Placed", "data": {"total": 5}}\n'
                      '{"stream": "order-1", "version": 1, "type": "Paid", "data": {"paid": true}}\n')
    target = tmp_path / "slice.jsonl"
    assert main(["export", str(source), "--format", "jsonl", "-o", str(target)]) == 0
    assert recorded_projector(target)["kind"] == "generic"
    assert _replayed(capsys, target, "order-1")["state"] == {"total": 5, "paid": True}


def test_a_pytest_fixture_exported_from_a_slice_pins_the_wallets_credits(demo_store_path, tmp_path, capsys):
    stream, last = _wallet(demo_store_path)
    sliced = tmp_path / "wallet.jsonl"
    assert main(["export", str(demo_store_path), "--stream", stream, "--format", "jsonl", "-o", str(sliced)]) == 0
    fixture = tmp_path / "test_wallet_slice.py"
    assert main(["export", str(sliced), "--stream", stream, "--format", "pytest", "-o", str(fixture)]) == 0
    source = fixture.read_text()
    assert "PROJECTOR = 'inspector.replay.demo_projector'" in source
    assert f"EXPECTED_VERSION = {last}" in source
    assert '"credits":-3' in source.replace(" ", "")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(fixture)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout


def test_a_slice_exported_with_a_users_projector_file_names_it_but_replays_without_loading_it(tmp_path, capsys):
    source = tmp_path / "plain.jsonl"
    source.write_text('{"stream": "order-1", "version": 0, "type": "Placed", "data": {"total": 5}}\n')
    projector = tmp_path / "orders.py"
    projector.write_text("from inspector.replay import projector\n\n"
                         "@projector('order')\ndef orders(state, event):\n    raise RuntimeError('loaded unasked')\n")
    target = tmp_path / "slice.jsonl"
    assert main(["export", str(source), "--format", "jsonl", "-o", str(target), "--projector", str(projector)]) == 0
    assert recorded_projector(target)["kind"] == "file"
    capsys.readouterr()
    assert main(["replay", str(target), "--stream", "order-1", "--json", "--no-cache"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["state"] == {"total": 5}
    assert f"give --projector {projector}" in err
