"""Exporting slices: they reopen as stores, mask personal data, and never touch the source."""

from __future__ import annotations

import csv
import shutil
import hashlib
import json

import pytest

from inspector.cli import main
from inspector.core.cancel import CancelToken, Cancelled
from inspector.core.events import parse_time
from inspector.export import Slice, export
from inspector.stores import StoreError, open_store


@pytest.fixture()
def demo(demo_store_path):
    store = open_store(str(demo_store_path))
    yield store
    store.close()


def test_a_jsonl_slice_reopens_with_the_same_events(demo, demo_planted, tmp_path):
    stream = demo_planted.negative_wallet[0]
    result = export(demo, "jsonl", tmp_path / "slice.jsonl", part=Slice(stream=stream))
    original = list(demo.read_stream(stream))
    reopened = list(open_store(str(result.path)).read_stream(stream))
    assert result.events == len(original) == len(reopened)
    assert [(e.version, e.type, e.recorded_at, e.data, e.actor) for e in reopened] == [
        (e.version, e.type, e.recorded_at, e.data, e.actor) for e in original
    ]


def test_a_sqlite_copy_keeps_the_faults_check_finds(demo, tmp_path):
    result = export(demo, "sqlite", tmp_path / "copy.db")
    copy = open_store(str(result.path))
    assert copy.describe().events == demo.describe().events
    broken = [e for e in copy.read_all(limit=10_000) if e.problem]
    assert len(broken) == 1 and "malformed JSON" in broken[0].problem


def test_a_time_slice_holds_only_events_in_range(demo, tmp_path):
    since, until = parse_time("2026-08-01T00:00Z"), parse_time("2026-08-02T00:00Z")
    result = export(demo, "jsonl", tmp_path / "day.jsonl", part=Slice(since=since, until=until))
    lines = [json.loads(line) for line in result.path.read_text().splitlines()]
    assert lines and all("2026-08-01" == line["recorded_at"][:10] for line in lines)


def test_the_csv_audit_report_masks_email_addresses(demo, tmp_path):
    result = export(demo, "csv", tmp_path / "audit.csv", mask=("emails",))
    text = result.path.read_text()
    assert "alice@example.com" not in text and "@example.com" in text
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) == result.events and rows[0]["actor"]
    assert {"position", "stream", "version", "type", "recorded_at", "actor", "correlation_id", "summary"} <= set(rows[0])


def test_a_masked_field_is_replaced_by_a_stable_token(demo, demo_planted, tmp_path):
    stream = demo_planted.negative_wallet[0]
    result = export(demo, "jsonl", tmp_path / "m.jsonl", part=Slice(stream=stream), mask=("owner",))
    first = json.loads(result.path.read_text().splitlines()[0])
    assert first["data"]["owner"].startswith("masked:")


def test_the_html_report_escapes_what_it_shows(tmp_path):
    path = tmp_path / "evil.jsonl"
    path.write_text(json.dumps({"stream": "s-1", "version": 1, "type": "<script>alert(1)</script>", "data": {}}) + "\n")
    result = export(open_store(str(path)), "html", tmp_path / "r.html")
    page = result.path.read_text()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_export_refuses_to_write_onto_the_store(demo_store_path, demo):
    before = hashlib.sha256(demo_store_path.read_bytes()).hexdigest()
    with pytest.raises(StoreError, match="onto the store itself"):
        export(demo, "sqlite", demo_store_path)
    assert hashlib.sha256(demo_store_path.read_bytes()).hexdigest() == before


def test_a_cancelled_export_leaves_no_file(demo, tmp_path):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export(demo, "jsonl", tmp_path / "never.jsonl", cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_export_from_the_cli_reports_what_it_wrote(demo_store_path, tmp_path, capsys):
    code = main(["export", str(demo_store_path), "--format", "csv", "-o", str(tmp_path / "a.csv"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["format"] == "csv" and out["events"] > 5000


def test_a_pytest_fixture_needs_a_stream(demo, tmp_path):
    with pytest.raises(StoreError, match="--stream"):
        export(demo, "pytest", tmp_path / "t.py")


def _jsonl_store(tmp_path, rows):
    path = tmp_path / "people.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows) + '{"stream": "acct-1", "version": 3, "type": "Broken", "data": null, "problem": "x"}\n')
    return open_store(str(path))


def test_masking_reaches_stream_names_actor_aliases_and_raw_text(tmp_path):
    store = _jsonl_store(tmp_path, [
        {"stream": "user-carol@example.com", "version": 1, "type": "Joined", "data": {"owner": "Carol Smith"}},
        {"stream": "acct-1", "version": 1, "type": "Opened", "data": {}, "metadata": {"userName": "Dave Jones"}},
    ])
    from inspector.core.masking import Masker

    masker = Masker(["emails", "owner", "actor"])
    events = [masker.event(e) for e in store.read_all(limit=10)]
    assert "carol" not in events[0].stream and events[0].stream.endswith("@example.com")
    assert events[0].data["owner"].startswith("masked:")
    assert events[1].actor.startswith("masked:")
    raw = masker.text('{"owner": "Carol Smith", "amount": 3')
    assert "Carol" not in raw and '"amount": 3' in raw


def test_a_sqlite_copy_refuses_a_slice_with_repeated_positions(tmp_path):
    path = tmp_path / "twice.jsonl"
    row = {"position": 7, "stream": "s-1", "version": 1, "type": "T", "data": {}}
    path.write_text(json.dumps(row) + "\n" + json.dumps({**row, "stream": "s-2"}) + "\n")
    with pytest.raises(StoreError, match="position 7 appears more than once"):
        export(open_store(str(path)), "sqlite", tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()


def test_export_refuses_a_sqlite_url_naming_the_store(demo_store_path, tmp_path):
    copy = tmp_path / "victim.db"
    shutil.copy(demo_store_path, copy)
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    store = open_store(f"sqlite:///{copy}")
    with pytest.raises(StoreError, match="onto the store itself"):
        export(store, "sqlite", copy)
    link = tmp_path / "link.db"
    link.symlink_to(copy)
    with pytest.raises(StoreError, match="onto the store itself"):
        export(store, "jsonl", link)
    with pytest.raises(StoreError, match="onto the store itself"):
        export(store, "jsonl", tmp_path / "victim.db-wal")
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before


def test_exporting_to_a_folder_or_an_unwritable_place_is_one_clear_error(demo, tmp_path, capsys):
    with pytest.raises(StoreError, match="is a folder"):
        export(demo, "csv", tmp_path)
    code = main(["export", str(demo.location), "--format", "csv", "-o", "/proc/nope/x.csv"])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1 and "cannot write" in err


def test_a_pytest_fixture_of_an_unknown_stream_or_projector_is_one_clear_error(demo_store_path, demo_planted, tmp_path, capsys):
    code = main(["export", str(demo_store_path), "--stream", "nope", "--format", "pytest", "-o", str(tmp_path / "t.py")])
    assert code == 1 and "no events" in capsys.readouterr().err
    code = main(["export", str(demo_store_path), "--stream", demo_planted.negative_wallet[0], "--format", "pytest",
                 "-o", str(tmp_path / "t.py"), "--projector", str(tmp_path / "missing.py")])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1 and "missing.py" in err


def test_an_actors_audit_trail_holds_only_that_actors_events(demo, tmp_path, capsys):
    code = main(["export", str(demo.location), "--actor", "system:billing", "--format", "csv",
                 "-o", str(tmp_path / "billing.csv"), "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["events"] > 0
    rows = list(csv.DictReader((tmp_path / "billing.csv").read_text().splitlines()))
    assert rows and {row["actor"] for row in rows} == {"system:billing"}
    positions = [int(row["position"]) for row in rows]
    assert positions == sorted(positions)
