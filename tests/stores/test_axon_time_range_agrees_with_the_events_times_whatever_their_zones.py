"""An Axon store's time range, histogram and stream times agree with its events' own times,
whatever forms its ``time_stamp`` text takes. Axon's ``formatInstant`` writes UTC text
(``…T02:00:03.000Z``), and where every row has that one form and zone text order is time order
(``info`` says so, the index answers). A row written with an offset (``03:00:02+01:00``, i.e.
02:00:02Z, the text MAX though not the last instant) or fractions of several lengths
(``.100Z`` sorts after ``.1005Z``) breaks that: the times are then compared as instants, and
``info`` says so, and the window's timeline opens with every event in view. Axon's JPA tables
(Hibernate's DDL) on PostgreSQL, MariaDB and SQLite (Hibernate's community SQLite dialect)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from inspector.cli import main
from inspector.stores import open_store

from . import test_axon as axon_tables
from .servers import writable_target

UTC = timezone.utc


def at(second: int, micro: int = 0) -> datetime:
    return datetime(2026, 12, 8, 2, 0, second, micro, tzinfo=UTC)


#: (id, the stored texts in global_index order, their instants, whether text order is proven time order)
CASES = [
    ("one-form-in-utc", ["2026-12-08T02:00:00.000Z", "2026-12-08T02:00:01.000Z", "2026-12-08T02:00:02.000Z",
                         "2026-12-08T02:00:03.000Z"], [at(0), at(1), at(2), at(3)], True),
    ("one-row-with-an-offset", ["2026-12-08T02:00:00.000Z", "2026-12-08T02:00:01.000Z", "2026-12-08T03:00:02+01:00",
                                "2026-12-08T02:00:03.000Z"], [at(0), at(1), at(2), at(3)], False),
    ("fractions-of-several-lengths", ["2026-12-08T02:00:00.100Z", "2026-12-08T02:00:01.250Z",
                                      "2026-12-08T02:00:03.100Z", "2026-12-08T02:00:03.1005Z"],
     [at(0, 100000), at(1, 250000), at(3, 100000), at(3, 100500)], False),
    ("every-row-one-offset", ["2026-12-08T03:00:00.000+01:00", "2026-12-08T03:00:01.000+01:00",
                              "2026-12-08T03:00:02.000+01:00", "2026-12-08T03:00:03.000+01:00"],
     [at(0), at(1), at(2), at(3)], True),
]
ENGINES = ["postgresql", "mysql", "sqlite"]


@pytest.fixture(scope="module", params=[(engine, case) for engine in ENGINES for case in CASES],
                ids=[f"{engine}-{case[0]}" for engine in ENGINES for case in CASES])
def axon_times(request, tmp_path_factory):
    """(URL or path, store, the events' instants, whether text order is proven)."""
    engine, (_id, texts, instants, proven) = request.param
    writer, target, cleanup = writable_target(request, engine, tmp_path_factory.mktemp("axon") / "axon.db",
                                              "axonzones")
    ddl = axon_tables.JPA_PG_DDL.split(";", 1)[1]
    blob = {"postgresql": " bytea", "mysql": " longblob", "sqlite": " blob"}[engine]
    mark = "?" if engine == "sqlite" else "%s"
    with writer.begin() as conn:
        axon_tables._ddl(conn, ddl.replace(" oid", blob))
        conn.exec_driver_sql("CREATE INDEX ix_time ON domain_event_entry (time_stamp)")  # the index path too
        for index, text in enumerate(texts):
            conn.exec_driver_sql(
                "INSERT INTO domain_event_entry (global_index, aggregate_identifier, sequence_number, type, "
                "event_identifier, payload, payload_type, time_stamp) "
                f"VALUES ({mark}, 'order-9', {mark}, 'Order', {mark}, {mark}, 'com.acme.OrderEvent', {mark})",
                (1 + 50 * index, index, str(uuid.uuid4()), b"{}", text))
    writer.dispose()
    store = open_store(target)
    try:
        yield target, store, instants, proven
    finally:
        store.close()
        cleanup()


def test_the_time_range_is_the_first_and_last_event_time(axon_times):
    _url, store, instants, _proven = axon_times
    assert [event.recorded_at for event in store.read_all(limit=10)] == instants
    assert store.time_range() == (min(instants), max(instants))


def test_the_histogram_over_the_time_range_counts_every_event(axon_times):
    _url, store, instants, _proven = axon_times
    first, last = store.time_range()
    assert first is not None and last is not None
    end = last + timedelta(milliseconds=1)  # the histogram's end is open
    for buckets in (1, 3, 7):
        histogram = store.histogram(first, end, buckets)
        width = (end - first) / buckets
        assert histogram.counts == [sum(1 for t in instants if first + width * i <= t < first + width * (i + 1))
                                    for i in range(buckets)]
        assert sum(histogram.counts) == len(instants)


def test_the_stream_listing_shows_the_first_and_last_event_time(axon_times):
    _url, store, instants, _proven = axon_times
    (stream,) = store.streams()
    assert (stream.first_at, stream.last_at) == (min(instants), max(instants))


def test_info_says_text_order_is_time_order_only_where_every_row_shares_one_form_and_zone(axon_times, capsys):
    url, _store, _instants, proven = axon_times
    assert main(["info", url, "--json"]) == 0
    columns = json.loads(capsys.readouterr().out)["columns"]
    (reading,) = [column["reading"] for column in columns if column["column"].endswith("domain_event_entry.time_stamp")]
    assert ("text order is time order" in reading) is proven
    if not proven:
        assert "compared as instants" in reading


def test_the_window_s_timeline_opens_with_every_event_in_view(axon_times, qtbot):
    from inspector.ui.app import MainWindow, make_app

    url, _store, instants, _proven = axon_times
    make_app()
    win = MainWindow(url)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() == 1, timeout=20000)
        qtbot.waitUntil(lambda: f"{len(instants)} events in view" in win.timeline.info.text(), timeout=20000)
    finally:
        win.shutdown()
