"""Text output of a store with one huge event stays a screenful: a value longer than a table cell
(or a line) is cut with a marker saying how long it is and that ``--json`` prints it whole, the
rule under a table's header stays as wide as the cut cells, and ``events`` summarises the huge
payload without reading it. ``--json`` still gives every value whole and exact."""

from __future__ import annotations

import json
import sqlite3

import pytest

from inspector.cli import main
from inspector.core.terminal import CELL_LIMIT, LINE_LIMIT, shortened
from inspector.replay import worker

#: records in the huge event: about 2.3 MB of JSON, over the 1 MB a listing reads
RECORDS = 30_000


@pytest.fixture(autouse=True)
def _no_worker_left():
    yield
    worker.shutdown()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [{"id": n, "name": f"record {n}", "tags": ["a", "b"], "nested": {"x": n}} for n in range(RECORDS)]


@pytest.fixture
def big_store(tmp_path, records):
    """A generic SQLite store: ``order-1`` v1-v7, of which v6 (position 6) holds ``records``."""
    path = tmp_path / "big.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    for version in range(1, 8):
        data = {"records": records} if version == 6 else {"customer": "ann", "step": version}
        conn.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                     ("order-1", version, "LinesImported" if version == 6 else "StepTaken",
                      f"2026-11-0{version}T10:00:00Z", json.dumps(data), json.dumps({"actor": "ops@example.com"})))
    conn.commit()
    conn.close()
    return path


def _whole_length(records: list[dict]) -> int:
    """The characters of the records as text output writes a value (compact JSON)."""
    return len(json.dumps(records, separators=(",", ":")))


def _rule_widths(out: str) -> list[int]:
    """The widths of the dashes under each table header in ``out``."""
    return [len(dashes) for line in out.splitlines() if line.startswith("---") for dashes in line.split()]


def test_changed_shows_a_huge_value_shortened_with_its_length(capsys, big_store, records):
    code, out, _err = run(capsys, "changed", str(big_store), "order-1", "6", "--no-cache")
    assert code == 0
    assert len(out) < 2_000
    assert f"[{_whole_length(records):,} characters in all; --json prints it whole]" in out
    assert '[{"id":0,"name":"record 0"' in out  # the value's start is shown
    assert max(_rule_widths(out)) <= CELL_LIMIT


def test_diff_shows_a_huge_value_shortened_and_the_table_rule_stays_narrow(capsys, big_store, records):
    code, out, _err = run(capsys, "diff", str(big_store), "--stream", "order-1", "--from", "v5", "--to", "v6",
                          "--no-cache")
    assert code == 0
    assert len(out) < 2_000
    assert f"[{_whole_length(records):,} characters in all; --json prints it whole]" in out
    assert "v6 LinesImported by ops@example.com" in out  # the columns after the cut value are still there
    assert max(_rule_widths(out)) <= CELL_LIMIT


def test_changed_states_and_replay_shorten_a_huge_field_to_one_bounded_line(capsys, big_store, records):
    code, out, _err = run(capsys, "changed", str(big_store), "order-1", "6", "--states", "--no-cache")
    assert code == 0
    marked = [line for line in out.splitlines() if "characters in all; --json prints it whole" in line]
    assert len(marked) == 2  # the table cell and the state-after line
    assert all(len(line) <= LINE_LIMIT + 100 for line in out.splitlines())
    code, out, _err = run(capsys, "replay", str(big_store), "--stream", "order-1", "--no-cache")
    assert code == 0
    assert len(out) < LINE_LIMIT + 1_000
    assert "records   [{\"id\":0" in out
    assert f"[{_whole_length(records):,} characters in all; --json prints it whole]" in out


def test_json_output_still_holds_the_huge_value_whole(capsys, big_store, records):
    code, out, _err = run(capsys, "diff", str(big_store), "--stream", "order-1", "--from", "v5", "--to", "v6",
                          "--no-cache", "--json")
    assert code == 0
    changes = json.loads(out)["changes"]
    assert [(c["path"], c["op"]) for c in changes] == [("/records", "add")]
    assert changes[0]["after"] == records
    code, out, _err = run(capsys, "changed", str(big_store), "order-1", "6", "--no-cache", "--json")
    assert code == 0
    assert "characters in all" not in out
    assert json.loads(out)["changes"][0]["after"] == records
    code, out, _err = run(capsys, "events", str(big_store), "--stream", "order-1", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [e["version"] for e in listed] == [1, 2, 3, 4, 5, 6, 7]
    assert listed[5]["data"] == {"records": records}


def test_events_lists_a_huge_payload_by_its_size_without_reading_it(capsys, big_store):
    code, out, _err = run(capsys, "events", str(big_store), "--stream", "order-1")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()[:1].isdigit()}
    assert rows["6"].endswith("MB payload, not read")
    assert rows["5"].endswith("customer=ann · step=5")  # the others are summarised as ever
    assert "1 payload over 1.0 MB not read for the summary (position 6): --json prints it whole" in out
    assert len(out) < 2_000


def test_a_short_value_is_kept_whole_and_a_long_one_says_its_length():
    assert shortened("x" * CELL_LIMIT) == "x" * CELL_LIMIT
    cut = shortened("y" * 1_000_000)
    assert cut.startswith("y" * 100) and cut.endswith("… [1,000,000 characters in all; --json prints it whole]")
    assert len(cut) <= CELL_LIMIT
    assert len(shortened("z" * 50_000, limit=LINE_LIMIT)) <= LINE_LIMIT


def test_an_actors_events_list_a_huge_payload_by_its_size_without_reading_it(capsys, big_store, records):
    code, out, _err = run(capsys, "audit", str(big_store), "--actor", "ops@example.com")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()[:1].isdigit()}
    assert rows["6"].endswith("MB payload, not read")
    assert rows["5"].endswith("customer=ann · step=5")
    assert len(out) < 2_000
    code, out, _err = run(capsys, "audit", str(big_store), "--actor", "ops@example.com", "--json")
    assert code == 0
    listed = json.loads(out)["events"]
    assert listed[5]["data"] == {"records": records}  # --json reads every payload whole


@pytest.fixture
def many_paths_store(tmp_path):
    """``report-1``: v1 an empty list of records, v2 500 records in it (500 changed paths)."""
    path = tmp_path / "many.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER, "
                 "type TEXT, recorded_at TEXT, data TEXT, metadata TEXT)")
    for version, records in ((1, []), (2, [{"id": n} for n in range(500)])):
        conn.execute("INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES (?, ?, ?, ?, ?, ?)",
                     ("report-1", version, "Reported", f"2026-11-0{version}T10:00:00Z",
                      json.dumps({"records": records}), "{}"))
    conn.commit()
    conn.close()
    return path


def test_a_table_of_many_changed_paths_shows_the_first_and_says_how_many_more(capsys, many_paths_store):
    for argv in (["changed", str(many_paths_store), "report-1", "2"],
                 ["diff", str(many_paths_store), "--stream", "report-1", "--from", "v1", "--to", "v2"]):
        code, out, _err = run(capsys, *argv, "--no-cache")
        assert code == 0
        rows = [line for line in out.splitlines() if line.startswith("/records/")]
        assert len(rows) == 200 and rows[0].startswith("/records/0 ")
        assert "… and 300 more: --json lists them all" in out
        code, out, _err = run(capsys, *argv, "--no-cache", "--json")
        assert code == 0
        assert len([c for c in json.loads(out)["changes"] if c["path"].startswith("/records/")]) == 500
