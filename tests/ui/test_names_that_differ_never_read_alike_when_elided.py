"""Two streams whose names differ only in their middle (``acme/order-1`` and ``acme/Order-1``)
read apart wherever names are elided: the events table's Stream column, the stream list and the
timeline's lanes at 1280x800. Middle elision alone (``acme/…der-1``) cut away the only difference;
where it would make two names read alike, the first character that tells them apart stays in view."""

from __future__ import annotations

import re
import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyleOptionViewItem

from inspector.ui.models import EventTableModel, StreamListModel
from inspector.ui.elision import elided_apart

SHORT = ["acme/order-1", "acme/Order-1"]
LONG = ["acme-tenant-0042/fulfilment/orders/order-20260329-1",
        "acme-tenant-0042/fulfilment/orders/Order-20260329-1",
        "acme-tenant-0042/fulfilment/orders/order-20260329-2"]


def _store(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
                     " recorded_at TEXT, data TEXT, metadata TEXT)")
        for position, stream in enumerate(SHORT + LONG, start=1):
            conn.execute("INSERT INTO events VALUES (?, ?, 1, 'OrderPlaced', '2026-03-29T10:00:00Z', '{}', '{}')",
                         (position, stream))
    conn.close()
    return path


def _elision_of(name, text):
    """Whether ``text`` is ``name`` with parts cut out where it shows "…"."""
    return re.fullmatch(".+".join(re.escape(part) for part in text.split("…")), name) is not None


def _shown(view, delegate, index):
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    return delegate.shown_text(option, index)


def test_names_differing_in_the_middle_read_apart_in_the_table_the_list_and_the_lanes(qtbot, window, tmp_path):
    window.resize(1280, 800)
    window.open_target(str(_store(tmp_path / "orders.db")))
    qtbot.waitUntil(lambda: window.event_model.rowCount() == 5 and window.stream_model.rowCount() == 5
                    and window.stream_model.exhausted, timeout=10000)
    names = SHORT + LONG

    view, model = window.events_view, window.event_model
    delegate = view.itemDelegateForColumn(EventTableModel.STREAM)
    table = {model.index(row, EventTableModel.STREAM).data():
             _shown(view, delegate, model.index(row, EventTableModel.STREAM)) for row in range(5)}
    assert sorted(table) == sorted(names)
    assert any(table[name] != name for name in SHORT), "the Stream column elides at 1280x800 (else no proof)"
    assert len(set(table.values())) == 5, table
    for name, text in table.items():  # each read as an elision of its own name
        assert _elision_of(name, text), (name, text)

    view, model = window.streams_view, window.stream_model
    delegate = view.itemDelegateForColumn(StreamListModel.STREAM)
    listed = {model.index(row, 0).data(): _shown(view, delegate, model.index(row, 0)) for row in range(5)}
    assert any(listed[name] != name for name in LONG), "the stream list elides the long names (else no proof)"
    assert len(set(listed.values())) == 5, listed
    assert all(_elision_of(name, text) for name, text in listed.items()), listed

    timeline = window.timeline
    qtbot.waitUntil(lambda: len(timeline.lane_labels()) == 5, timeout=10000)
    lanes = timeline.lane_labels()
    assert any("…" in label for label in lanes), lanes
    assert len(set(lanes)) == 5, lanes
    window.grab().save(str(tmp_path / "apart.png"))


def test_elision_keeps_the_first_difference_and_both_ends_where_it_can(qtbot, window):
    metrics = window.events_view.fontMetrics()
    width = metrics.horizontalAdvance("acme/order-1") - 2  # too narrow for any of the three whole
    shown = elided_apart(metrics, SHORT + ["acme/order-2", "zz"], width)
    assert shown["zz"] == "zz"
    assert shown["acme/order-2"] == metrics.elidedText("acme/order-2", Qt.TextElideMode.ElideMiddle, width)  # no rival: the middle goes
    assert shown["acme/order-1"] != shown["acme/Order-1"]
    assert shown["acme/order-1"].endswith("order-1") and shown["acme/Order-1"].endswith("Order-1")
    assert all(metrics.horizontalAdvance(text) <= width for text in shown.values())


def test_categories_differing_in_the_middle_read_apart_in_the_closed_category_box(qtbot, window, tmp_path):
    categories = ["acmetenant0042/fulfilment/orders/order/eu/2026", "acmetenant0042/fulfilment/orders/Order/eu/2026"]
    path = tmp_path / "categories.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
                     " recorded_at TEXT, data TEXT, metadata TEXT)")
        for position, category in enumerate(categories, start=1):
            conn.execute("INSERT INTO events VALUES (?, ?, 1, 'OrderPlaced', '2026-03-29T10:00:00Z', '{}', '{}')",
                         (position, f"{category}-1"))
    conn.close()
    window.resize(1280, 800)
    window.open_target(str(path))
    box = window.category_box
    qtbot.waitUntil(lambda: all(box.findData(category) >= 0 for category in categories), timeout=10000)
    shown = []
    for category in categories:
        box.setCurrentIndex(box.findData(category))
        text = box.shown_text()
        assert text != box.currentText(), "the closed box elides these names at 1280x800 (else no proof)"
        assert _elision_of(box.currentText(), text), (box.currentText(), text)
        shown.append(text)
        box.grab().save(str(tmp_path / f"category_box_{len(shown)}.png"))
    assert shown[0] != shown[1], shown


def _fits(text, name):
    """Whether ``text`` could be read as a cut of ``name`` (each "…" any characters)."""
    return re.fullmatch(".*".join(re.escape(part) for part in text.split("…")), name) is not None


def test_a_type_cut_in_the_closed_type_box_is_a_cut_of_no_other_type_and_keeps_its_version(qtbot, window, tmp_path):
    types = ["com.acme.fulfilment.orders.events.v2.OrderPlaced", "com.acme.fulfilment.orders.events.v3.OrderPlaced",
             "com.acme.fulfilment.orders.events.v2.OrderPaid"]
    path = tmp_path / "types.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT,"
                     " recorded_at TEXT, data TEXT, metadata TEXT)")
        for position, event_type in enumerate(types * 4, start=1):
            conn.execute("INSERT INTO events VALUES (?, ?, ?, ?, '2026-03-29T10:00:00Z', '{}', '{}')",
                         (position, f"order-{position % 4}", position, event_type))
    conn.close()
    window.resize(1280, 800)
    window.show()
    window.open_target(str(path))
    box = window.type_box
    qtbot.waitUntil(lambda: box.count() == 4, timeout=10000)
    items = [box.itemText(i) for i in range(box.count())]
    for index, item in enumerate(items):
        if index == 0:
            continue
        box.setCurrentIndex(index)
        text = box.shown_text()
        box.grab().save(str(tmp_path / f"type_box_{index}.png"))
        assert text != item, "the closed box cuts these names at 1280x800 (else no proof)"
        assert _elision_of(item, text), (item, text)
        assert [other for other in items if _fits(text, other)] == [item], (item, text)
        version = item.split(".")[-2]
        assert version in text and text.endswith(" (4)"), (item, text)
        assert box.fontMetrics().horizontalAdvance(text) <= box.width(), (item, text)


#: streams of one tenant that differ only in their middle: region, day and shipment; plain middle
#: elision shows all five as the same text, and keeping one first difference shows eu-west's
#: 29th as a text that us-west's 29th also fits
REGIONS = ["acme-tenant-0042/fulfilment/eu-west/orders/2026-03-29/shipment-1/order-1",
           "acme-tenant-0042/fulfilment/us-west/orders/2026-03-29/shipment-1/order-1",
           "acme-tenant-0042/fulfilment/eu-west/orders/2026-03-28/shipment-1/order-1",
           "acme-tenant-0042/fulfilment/eu-west/orders/2026-03-29/shipment-2/order-1",
           "acme-tenant-0042/fulfilment/us-west/orders/2026-03-28/shipment-2/order-1"]


def test_each_stream_list_row_and_lane_label_is_a_cut_of_its_own_name_and_of_no_other(qtbot, window_on_streams):
    window = window_on_streams([(name, 1) for name in REGIONS])
    window.resize(1280, 800)
    model, view = window.stream_model, window.streams_view
    qtbot.waitUntil(lambda: model.exhausted and model.rowCount() == len(REGIONS), timeout=10000)
    delegate = view.itemDelegateForColumn(StreamListModel.STREAM)

    def listed():
        return {model.index(row, 0).data(): _shown(view, delegate, model.index(row, 0)) for row in range(model.rowCount())}

    qtbot.waitUntil(lambda: all(text != name for name, text in listed().items()), timeout=10000)  # all elided
    rows = listed()
    assert len(set(rows.values())) == len(REGIONS), rows
    for name, text in rows.items():  # what a user reads names that stream and no other
        assert [other for other in REGIONS if _fits(text, other)] == [name], (name, text)
        assert view.fontMetrics().horizontalAdvance(text) <= view.columnWidth(StreamListModel.STREAM), (name, text)

    timeline = window.timeline
    qtbot.waitUntil(lambda: len(timeline.lane_labels()) == len(REGIONS), timeout=10000)
    lanes = dict(zip(timeline.visible_streams(), timeline.lane_labels()))
    assert sorted(lanes) == sorted(REGIONS)
    assert all("…" in label for label in lanes.values()), lanes
    for name, label in lanes.items():
        assert [other for other in REGIONS if _fits(label, other)] == [name], (name, label)


#: one tenant's streams differing in region, day, shipment and order number, so alike that at
#: 1280x800 the events table's Stream column read "acme-…der-1" for four different eu-west streams
DAYS_AND_SHIPMENTS = [f"acme-tenant-0042/fulfilment/{region}/orders/{day}/{shipment}/order-1"
                      for region in ("eu-west", "us-west", "eu-east")
                      for day in ("2026-03-29", "2026-03-28")
                      for shipment in ("shipment-1", "shipment-12")] + [
    "acme-tenant-0042/fulfilment/eu-west/orders/2026-03-29/shipment-1/order-10"]


def test_streams_in_the_events_table_read_apart_where_a_cut_of_one_name_fits(qtbot, window_on_streams, tmp_path):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QFontMetrics, QHelpEvent
    from PySide6.QtWidgets import QToolTip

    window = window_on_streams([(name, version) for name in DAYS_AND_SHIPMENTS for version in (1, 2)])
    window.resize(1280, 800)
    model, view = window.event_model, window.events_view
    qtbot.waitUntil(lambda: model.rowCount() == 2 * len(DAYS_AND_SHIPMENTS), timeout=10000)
    delegate = view.itemDelegateForColumn(EventTableModel.STREAM)
    width = view.columnWidth(EventTableModel.STREAM)

    def visible():
        bottom = view.rowAt(view.viewport().height() - 1)
        rows = range(max(view.rowAt(0), 0), model.rowCount() if bottom < 0 else bottom + 1)
        return [(row, model.index(row, EventTableModel.STREAM).data(),
                 _shown(view, delegate, model.index(row, EventTableModel.STREAM))) for row in rows]

    qtbot.waitUntil(lambda: len(visible()) >= 8 and all(text != name for _, name, text in visible()), timeout=10000)
    window.grab().save(str(tmp_path / "events_table.png"))
    seen = visible()
    font = model.index(0, EventTableModel.STREAM).data(Qt.ItemDataRole.FontRole) or view.font()
    metrics = QFontMetrics(font)  # the cell's own font (monospace)
    for _, name, text in seen:
        assert _elision_of(name, text), (name, text)
        assert metrics.horizontalAdvance(text) <= width, (name, text)
    # the first eight rows are four eu-west streams, which plain middle elision showed as one
    # text ("acme-…der-1"); the two shipment-12 streams have a cut of their name and no other that
    # fits this column ("…/e…w…9…2…"); the shipment-1 ones need one more character or two
    # ("…/e…w…9…1/…1": the "1/" and the end tell them from shipment-12 and order-10), which fits
    # the column only as some fonts set it
    first = {name: text for _, name, text in seen[:8]}
    assert len(first) == 4
    own = [name for name, text in first.items() if [o for o in DAYS_AND_SHIPMENTS if _fits(text, o)] == [name]]
    assert {name for name in first if "shipment-12" in name} <= set(own), first
    assert len(set(first.values())) >= 3, first
    # a text another stream also fits does not pretend: the cell's tooltip is the whole name
    shared = [(row, name) for row, name, text in seen if [o for o in DAYS_AND_SHIPMENTS if _fits(text, o)] != [name]]
    assert shared and len(shared) < len(seen), seen
    for row, name in shared:
        index = model.index(row, EventTableModel.STREAM)
        assert index.data(Qt.ItemDataRole.ToolTipRole) is None  # the delegate's tooltip is the one shown
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        option.rect = view.visualRect(index)
        at = option.rect.center()
        assert delegate.helpEvent(QHelpEvent(QEvent.Type.ToolTip, at, view.viewport().mapToGlobal(at)),
                                  view, option, index)
        qtbot.waitUntil(lambda: QToolTip.text() == name, timeout=5000)
        QToolTip.hideText()
