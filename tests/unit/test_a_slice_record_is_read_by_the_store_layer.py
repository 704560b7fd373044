"""The record an export leaves with a slice is read by the stores (a slice of an eventsourcing
store's numbers are read as that library does) without the stores importing the export layer:
``inspector.stores.slice_record`` reads it, ``inspector.export.provenance`` writes it."""

from __future__ import annotations

from inspector.export import provenance
from inspector.replay.choices import from_eventsourcing
from inspector.replay.eventsourcing_state import EventsourcingStateProjector
from inspector.stores import slice_record


def test_the_record_read_by_the_stores_names_the_code_free_eventsourcing_state_as_the_replay_does():
    assert slice_record.EVENTSOURCING_STATE_MODULE == EventsourcingStateProjector.__module__
    record = {"kind": "generic", "module": EventsourcingStateProjector.__module__}
    assert from_eventsourcing(record) and slice_record.numbers_are_decimal(record)
    assert not slice_record.numbers_are_decimal({"kind": "generic", "module": "inspector.demo"})
    assert not slice_record.numbers_are_decimal({"source_layout": "eventsourcing", "fractions": "float"})


def test_a_record_written_by_the_export_is_the_one_the_stores_read(tmp_path):
    target = tmp_path / "slice.jsonl"
    target.write_text("", encoding="utf-8")
    provenance.record_projector(target, "jsonl", {"source_layout": "eventsourcing", "fractions": "decimal"})
    assert slice_record.recorded_projector(target) == {"source_layout": "eventsourcing", "fractions": "decimal"}
    assert slice_record.decimal_numbers(target) and provenance.decimal_numbers(target)
