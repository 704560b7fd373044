"""A JSON Lines store measures the nesting of a line's data and metadata only when the line as a
whole nests deeper than a field may: a line of many brackets that is shallow (a 50 MB payload of
records) is checked by the parser, never walked object by object; a line that is deep still gets
its data shown raw, or its metadata left out, naming the limit."""

from __future__ import annotations

import json

import pytest

from inspector.core.decoding import MAX_NESTING
from inspector.stores import jsonl as jsonl_store
from inspector.stores import open_store


def _line(position: int, data, metadata=None) -> str:
    return json.dumps({"position": position, "stream": "import-1", "version": position, "type": "Imported",
                       "recorded_at": "2026-01-01T00:00:00+00:00", "data": data, "metadata": metadata or {}})


def _deep(levels: int):
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.fixture
def walks(monkeypatch):
    """Every walk over a decoded field (``nesting_exceeds``), by the size of what it walked."""
    seen: list[int] = []
    real = jsonl_store.nesting_exceeds

    def counted(value, *args):
        seen.append(len(json.dumps(value)))
        return real(value, *args)

    monkeypatch.setattr(jsonl_store, "nesting_exceeds", counted)
    return seen


def test_a_shallow_line_of_many_brackets_is_not_walked(tmp_path, walks):
    records = [{"id": i, "tags": ["a", "b"]} for i in range(5_000)]
    edge = {"edge": _deep(MAX_NESTING - 1)}  # data nested exactly to the limit
    path = tmp_path / "events.jsonl"
    path.write_text(_line(1, {"items": records}) + "\n" + _line(2, edge) + "\n", encoding="utf-8")
    store = open_store(str(path))
    try:
        events = store.read_all(limit=10)
    finally:
        store.close()
    assert [e.data for e in events] == [{"items": records}, edge] and all(e.problem is None for e in events)
    assert walks == []


def test_a_line_nested_past_the_limit_still_has_its_field_named(tmp_path, walks):
    path = tmp_path / "events.jsonl"
    path.write_text(_line(1, {"deep": _deep(MAX_NESTING)}) + "\n"
                    + _line(2, {"ok": True}, {"deep": _deep(MAX_NESTING)}) + "\n", encoding="utf-8")
    store = open_store(str(path))
    try:
        deep_data, deep_metadata = store.read_all(limit=10)
    finally:
        store.close()
    assert deep_data.data is None and f"data: JSON nested deeper than {MAX_NESTING} levels" in deep_data.problem
    assert deep_metadata.data == {"ok": True} and deep_metadata.metadata == {}
    assert f"metadata: JSON nested deeper than {MAX_NESTING} levels" in deep_metadata.problem
    assert walks  # measured field by field: only here
