"""``check --snapshots`` on a JSON Lines or generic SQLite store (layouts that keep no snapshots)
says so and runs the other checks, with no projector asked for: it exited 1 demanding
``--projector`` although there is nothing a projector could be compared with."""

from __future__ import annotations

import json
import sqlite3

import pytest

from inspector.cli import main
from tests.stores.test_sqlite_contract import GENERIC_DDL

NOTE = "note: --snapshots: this store's layout ({}) keeps no snapshots, so there are none to compare; the other checks ran as usual"


def _jsonl(tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text(
        '{"stream": "order-1", "version": 1, "type": "Placed", "data": {"n": 1}}\n'
        '{"stream": "order-1", "version": 1, "type": "Paid", "data": {"n": 2}}\n'
    )
    return path, "jsonl"


def _generic(tmp_path):
    path = tmp_path / "orders.db"
    db = sqlite3.connect(path)
    db.executescript(GENERIC_DDL)
    db.executemany(
        "INSERT INTO events (stream, version, type, recorded_at, data) VALUES (?,?,?,?,?)",
        [
            ("order-1", 1, "Placed", "2024-03-01T10:00:00Z", '{"n": 1}'),
            ("order-1", 1, "Paid", "2024-03-01T10:01:00Z", '{"n": 2}'),
        ],
    )
    db.commit()
    db.close()
    return path, "generic"


@pytest.mark.parametrize("make", [_jsonl, _generic])
def test_no_projector_is_asked_for_and_the_other_checks_run(tmp_path, capsys, make):
    path, layout = make(tmp_path)
    code = main(["check", str(path), "--snapshots"])
    out, err = capsys.readouterr()
    assert (code, err) == (3, "")  # exit 3: findings (not 1, "give --projector ...")
    assert out.splitlines()[0] == NOTE.format(layout)
    assert "duplicate_version" in out  # v1 twice: the damage checks ran
    code = main(["check", str(path), "--snapshots", "--json"])
    out, err = capsys.readouterr()
    assert [f["kind"] for f in json.loads(out)["findings"]] == ["duplicate_version"]
    assert err.strip() == NOTE.format(layout)
