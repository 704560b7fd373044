"""The ``eventsourcing`` library writes envelope fields (``timestamp``, ``originator_topic``, …) into
every event's state: they describe the event, not its payload. ``types`` does not list them as
payload fields and says so; event summaries leave them out. Fields of those names in other
stores are payload and stay."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from inspector.cli import main
from inspector.core.events import Event
from inspector.core.summary import summarize

ENVELOPE = ("timestamp", "originator_topic", "originator_id", "originator_version")


def _builder():
    """``build_library_store`` from the window tests' helper (tests/ui is not a package)."""
    name = "eventsourcing_store"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "ui" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its dataclass looks its module up
        spec.loader.exec_module(module)
    return module.build_library_store


@pytest.fixture
def bank(tmp_path, monkeypatch):
    pytest.importorskip("eventsourcing")
    built = _builder()(tmp_path, monkeypatch, events=9)
    yield built
    built.app.close()
    sys.modules.pop(built.module, None)  # other tests look for the one bank domain module they imported


def test_types_lists_the_payload_fields_of_a_library_store_without_its_envelope_fields(bank, capsys):
    capsys.readouterr()
    assert main(["types", str(bank.path), "--json"]) == 0
    survey = json.loads(capsys.readouterr().out)
    fields = {kind["type"]: sorted(field["field"] for field in kind["fields"]) for kind in survey["types"]}
    assert fields == {"Account.Opened": ["owner"], "Account.Deposited": ["amount", "by"],
                      "Account.Withdrawn": ["amount", "by"], "Account.Tagged": ["label"]}
    assert "envelope fields" in json.dumps(survey) and "timestamp" in json.dumps(survey)

    assert main(["types", str(bank.path)]) == 0
    text = capsys.readouterr().out
    assert "envelope fields (originator_id, originator_topic, originator_version, timestamp) are not listed" in text
    for line in text.splitlines():
        assert not line.startswith(ENVELOPE), line


@pytest.mark.parametrize("fmt, name", [("jsonl", "slice.jsonl"), ("sqlite", "slice.db")])
def test_types_of_a_slice_exported_from_a_library_store_leave_its_envelope_fields_out(bank, tmp_path, capsys, fmt,
                                                                                       name):
    """A slice keeps the events' state as the library wrote it (envelope fields included); its
    recorded projector says where it came from, and ``types`` reads it as it reads the store."""
    target = tmp_path / name
    assert main(["export", str(bank.path), "--format", fmt, "-o", str(target)]) == 0
    capsys.readouterr()
    assert main(["events", str(target), "--json", "--limit", "1"]) == 0
    assert "timestamp" in json.loads(capsys.readouterr().out)[0]["data"]  # the slice does hold the envelope

    assert main(["types", str(target), "--json"]) == 0
    survey = json.loads(capsys.readouterr().out)
    fields = {kind["type"]: sorted(field["field"] for field in kind["fields"]) for kind in survey["types"]}
    assert fields == {"Account.Opened": ["owner"], "Account.Deposited": ["amount", "by"],
                      "Account.Withdrawn": ["amount", "by"], "Account.Tagged": ["label"]}
    assert survey["method_detail"].endswith(
        "; the library's envelope fields (originator_id, originator_topic, originator_version, timestamp) "
        "are not listed")


def test_a_slice_of_another_store_keeps_fields_named_like_the_envelope(tmp_path, capsys):
    store = tmp_path / "readings.jsonl"
    store.write_text(json.dumps({"position": 1, "stream": "reading-1", "version": 1, "type": "Measured",
                                 "recorded_at": "2026-01-01T00:00:00Z",
                                 "data": {"timestamp": "2025-12-31T23:00:00Z", "celsius": 4}}) + "\n")
    target = tmp_path / "slice.jsonl"
    assert main(["export", str(store), "--format", "jsonl", "-o", str(target)]) == 0
    capsys.readouterr()
    assert main(["types", str(target), "--json"]) == 0
    survey = json.loads(capsys.readouterr().out)
    assert [field["field"] for field in survey["types"][0]["fields"]] == ["celsius", "timestamp"]
    assert "envelope" not in survey["method_detail"]


def test_event_summaries_of_a_library_store_leave_the_envelope_out(bank, capsys):
    capsys.readouterr()
    assert main(["events", str(bank.path), "--stream", bank.stream]) == 0
    text = capsys.readouterr().out
    assert "owner=ada" in text and "amount=10 · by=ann" in text
    for envelope in ENVELOPE:
        assert f"{envelope}=" not in text


def test_fields_named_like_the_envelope_in_other_stores_are_payload_and_stay_in_summaries():
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    plain = Event(position=1, stream="reading-1", version=0, type="Measured", recorded_at=at,
                  data={"timestamp": "2025-12-31T23:00:00Z", "celsius": 4})
    assert summarize(plain) == "celsius=4 · timestamp=2025-12-31T23:00:00Z"
    written_by_the_library = Event(position=1, stream="7f0c", version=1, type="Account.Deposited", recorded_at=at,
                                   data={"timestamp": "2026-01-01T00:00:00+00:00", "amount": 5},
                                   metadata={"topic": "bank:Account.Deposited"})
    assert summarize(written_by_the_library) == "amount=5"
