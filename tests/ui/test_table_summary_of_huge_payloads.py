"""The events table's Summary cell of a 50 MB payload is worked out from a bounded part of it
(the cell is asked for on every paint, on the GUI thread), and reads as the full summary does."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings, strategies as st
from PySide6.QtCore import Qt

from inspector.core.events import Event
from inspector.core.summary import ENVELOPE_KEYS, summarize
from inspector.ui.models import bounded_summary
from inspector.ui.models.bounded_summary import TEXT_PREFIX, table_summary
from inspector.ui.models.common import SortRole
from inspector.ui.models.event_rows import EventRowsModel

T0 = datetime(2026, 7, 1, 12, tzinfo=timezone.utc)
BOUNDED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _event(data) -> Event:
    return Event(position=7, stream="huge-1", version=1, type="Imported", recorded_at=T0, data=data,
                 metadata={"actor": "ann"})


leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=5)
                      | st.dictionaries(st.text(max_size=4), inner, max_size=8), max_leaves=30)
keys = st.text(max_size=4) | st.sampled_from(sorted(ENVELOPE_KEYS))


@BOUNDED
@given(st.dictionaries(keys, values, max_size=70) | values, st.sampled_from([20, 90, 400]))
def test_the_bounded_summary_reads_as_the_full_one(data, limit):
    event = _event(data)
    assert table_summary(event, limit) == summarize(event, limit)


def _summarized_previews(monkeypatch) -> list:
    seen: list = []
    real = bounded_summary.summarize

    def spy(event, limit=90):
        seen.append(event.data)
        return real(event, limit)

    monkeypatch.setattr(bounded_summary, "summarize", spy)
    return seen


def _longest_string(value) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return max((_longest_string(v) for v in value.values()), default=0)
    return 0


def test_a_50_mb_text_payload_is_summarized_from_its_first_characters(qtbot, monkeypatch):
    text = "word " * 10_000_000  # 50 MB
    events = [_event(text), _event({"note": "short", "blob": text, "tail": list(range(10))})]
    full = [(summarize(event), summarize(event, limit=400)) for event in events]  # the whole payload read
    model = EventRowsModel()
    model.set_events(events)
    seen = _summarized_previews(monkeypatch)
    for row, (line, long_line) in enumerate(full):
        index = model.index(row, model.SUMMARY)
        assert model.data(index, Qt.ItemDataRole.DisplayRole) == line
        assert model.data(index, Qt.ItemDataRole.ToolTipRole) == long_line
        assert model.data(index, SortRole) == line
    assert full[0][0].startswith("word word") and full[0][0].endswith("…") and full[1][0].endswith(" · tail=[10 items]")
    assert len(seen) == 6 and all(_longest_string(data) <= TEXT_PREFIX for data in seen)


def test_an_object_with_a_million_fields_is_summarized_from_its_first_ones(qtbot, monkeypatch):
    data = {f"field-{i}": i for i in range(1_000_000)}
    model = EventRowsModel()
    model.set_events([_event(data)])
    seen = _summarized_previews(monkeypatch)
    cell = model.data(model.index(0, model.SUMMARY), Qt.ItemDataRole.DisplayRole)
    assert cell == summarize(_event(data))
    assert len(seen) == 1 and len(seen[0]) <= 90 // 3 + 2  # the fields the line can show, and a stand-in
