"""Times out of the platform's range (year 1 with an offset, 1e20 seconds, a bool) are no time,
and a row holding one is still read, as an event without a time."""

from __future__ import annotations

import shutil
import sqlite3

from inspector.core.events import parse_time
from inspector.stores import open_store


def test_a_time_out_of_the_platforms_range_is_no_time():
    assert parse_time("0001-01-01T00:00:00+01:00") is None
    assert parse_time(1e20) is None
    assert parse_time(True) is None


def test_one_row_with_an_impossible_time_does_not_stop_a_read(demo_store_path, tmp_path):
    path = tmp_path / "odd.db"
    shutil.copy(demo_store_path, path)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO events VALUES (999999, 'wallet-odd', 1, 'WalletOpened', '0001-01-01T00:00:00+01:00', '{}', '{}')"
        )
    conn.close()
    store = open_store(str(path))
    events = list(store.read_stream("wallet-odd"))
    assert len(events) == 1 and events[0].recorded_at is None
    assert any(s.stream == "wallet-odd" for s in store.streams(match="wallet-odd"))
