"""Exporting slices: they reopen as stores, mask personal data, and never touch the source."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys

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
