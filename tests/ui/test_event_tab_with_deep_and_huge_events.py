"""The Event and State tabs on hostile values: JSON nested far deeper than the JSON writer
goes (a projector's state, a store's payload) shows without raising inside a Qt slot, and a
50 MB event is formatted off the GUI thread while the tab says so."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QApplication

from inspector.core.events import Event
from inspector.ui import presenting
from inspector.ui.widgets import INLINE_FORMAT_LIMIT, RAW_LIMIT, EventView, PiecesOfText, estimated_text_size

T0 = datetime(2026, 7, 1, 12, tzinfo=timezone.utc)


def _nested(levels: int) -> list:
    root: list = []
    current = root
    for _ in range(levels):
        inner: dict = {"k": []}
        current.append(inner)
        current = inner["k"]
    return root


@pytest.fixture
def view(qtbot):
    view = EventView()
    qtbot.addWidget(view)
    view.resize(420, 640)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_a_payload_nested_thousands_deep_shows_its_tree_and_says_why_no_text(qtbot, view):
    event = Event(position=1, stream="deep-1", version=1, type="Nested", recorded_at=T0,
                  data={"a": _nested(3000)}, metadata={"actor": "ann"})
    view.show_event(event)  # raised TypeError("Recursion limit reached") inside the selection slot
    QApplication.processEvents()
    assert "cannot be printed as text" in view.raw.toPlainText() and "nested very deep" in view.raw.toPlainText()
    model = view.model
    index = model.find("data", "a")
    for _ in range(300):  # the tree follows the value down, level by level
        index = model.index(0, 0, index)
        assert index.isValid()
    view.show_event(Event(position=2, stream="s", version=1, type="T", recorded_at=T0, data={"x": 1}, metadata={}))
    assert '"x": 1' in view.raw.toPlainText()


def test_a_state_nested_deeper_than_255_levels_shows_in_the_state_tab(qtbot):
    from inspector.ui.replay_views import StateView

    state_view = StateView()
    qtbot.addWidget(state_view)
    state_view.show()
    result = SimpleNamespace(state={"tree": _nested(400)}, version=3, stream="deep-1", recorded_at=T0, stopped=None,
                             problem=None, warnings=[], snapshot_source=None, describe=lambda: "replayed 3 events")
    state_view.show_result(result, [])
    QApplication.processEvents()
    assert state_view.model.find("tree").isValid() and "deep-1" in state_view.header.text()


def _huge_event(records: int = 400_000) -> Event:
    """About 50 MB of text (400,000 small records)."""
    items = [{"id": i, "name": "x" * 80, "tags": ["a", "b", "c"]} for i in range(records)]
    return Event(position=1, stream="huge-1", version=1, type="Imported", recorded_at=T0,
                 data={"items": items, "count": len(items)}, metadata={"actor": "ann@example.com"})


def test_selecting_a_50_mb_event_formats_its_text_off_the_gui_thread_in_small_pieces(qtbot, view, monkeypatch):
    from inspector.core import jsontext
    from inspector.ui import text_chunks

    event = _huge_event()
    assert estimated_text_size(event) > INLINE_FORMAT_LIMIT
    # every write of JSON text while the tab formats: on which thread, and how big a value it was given
    writes: list[tuple[threading.Thread, bool]] = []
    real_dumps = jsontext.dumps

    def recording(value, **options):
        writes.append((threading.current_thread(), text_chunks.text_size_beyond(value, 4 * text_chunks.PIECE_BUDGET)))
        return real_dumps(value, **options)

    monkeypatch.setattr(text_chunks.jsontext, "dumps", recording)
    notes: set[str] = set()  # every note the tab shows, also those replaced between two looks
    show_note = view.raw_note.setText
    monkeypatch.setattr(view.raw_note, "setText", lambda text: (notes.add(text), show_note(text)))
    handed: list[object] = []  # what the formatting thread hands the tab
    view._formatted.connect(lambda _ticket, text: handed.append(text))
    view.show_event(event)
    # at once: the header and the tree's top level; the text is on its way, and says so
    assert "huge-1" in view.header.text()
    assert [view.model.index(r, 0).data() for r in range(view.model.rowCount())] == ["data", "metadata"]
    assert view.formatting and "formatting the stored text" in view.raw_note.text()
    assert not view.copy_button.isEnabled()
    qtbot.waitUntil(lambda: not view.formatting, timeout=60000)
    # written on a worker thread, never the whole value in one call (the GIL is given back between pieces)
    assert len(writes) > 100
    assert all(thread is not threading.main_thread() for thread, _too_big in writes)
    assert not any(too_big for _thread, too_big in writes)
    assert any(note.endswith("MB written") for note in notes)  # the tab said how far it had got
    # handed over as the pieces written: never joined into one 50 MB str on that thread (one C
    # call holding the GIL for 50-80 ms); joined when Copy or Show all asks for the whole
    assert len(handed) == 1 and isinstance(handed[0], PiecesOfText)
    text = presenting.raw_text(event)
    assert len(text) > 50_000_000
    assert view.raw.toPlainText()[:RAW_LIMIT] == text[:RAW_LIMIT]
    view.copy_raw()
    assert QApplication.clipboard().text() == text  # what Copy raw copies: the same text, byte for byte
    assert view.show_all_button.text() == f"Show all ({len(text) / 1_000_000:.1f} MB of text)"


def test_a_late_text_for_an_event_no_longer_selected_is_dropped(qtbot, view):
    big = _huge_event(40_000)  # about 5 MB: big enough to be formatted on the worker
    assert estimated_text_size(big) > INLINE_FORMAT_LIMIT
    arrived: list[int] = []  # listened to before the work starts: it may end (given up) at once
    view._formatted.connect(lambda ticket, _text: arrived.append(ticket))
    view.show_event(big)
    small = Event(position=2, stream="small-1", version=1, type="T", recorded_at=T0, data={"a": 1}, metadata={})
    view.show_event(small)  # before the big one's text is ready
    assert not view.formatting and '"a": 1' in view.raw.toPlainText()
    qtbot.waitUntil(lambda: bool(arrived), timeout=60000)  # the big event's text came back...
    QApplication.processEvents()
    assert view.shown_event is small and view.raw.toPlainText() == presenting.raw_text(small)  # ...and was dropped
    assert not view.show_all_button.isVisible()


@pytest.mark.parametrize("data", ["word " * 10_000_000, {"blob": "word " * 10_000_000, "n": 1}],
                         ids=["50 MB text payload", "object holding a 50 MB string"])
def test_the_tree_shows_a_50_mb_string_from_its_first_characters(qtbot, view, monkeypatch, data):
    from inspector.ui.models import bounded_summary
    from inspector.ui.models.bounded_summary import TEXT_PREFIX

    given: list[int] = []
    real = bounded_summary.short_value

    def spy(value, limit=60):
        given.append(len(value) if isinstance(value, str) else 0)
        return real(value, limit)

    monkeypatch.setattr(bounded_summary, "short_value", spy)
    event = Event(position=3, stream="huge-2", version=1, type="Blob", recorded_at=T0, data=data, metadata={})
    view.show_event(event)
    QApplication.processEvents()  # the tree is laid out and painted
    value_cell = view.model.find("data", "blob") if isinstance(data, dict) else view.model.find("data")
    shown = value_cell.siblingAtColumn(view.model.VALUE).data()
    full = data["blob"] if isinstance(data, dict) else data
    assert shown == presenting.short_value(full, 200) and shown.startswith("word word") and shown.endswith("…")
    assert given and max(given) <= TEXT_PREFIX  # every cell was written from the string's first characters
    qtbot.waitUntil(lambda: not view.formatting, timeout=60000)
