"""Bad input found in review: odd file names, secrets in URL queries, times out of range."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from inspector.core.events import parse_time
from inspector.stores import open_store, redact


@pytest.mark.parametrize("name", ["a?b.db", "c#d.db", "e%20f.db", "ü ñ.db"])
def test_a_sqlite_file_with_uri_characters_in_its_name_opens_read_only(demo_store_path, tmp_path, name):
    target = tmp_path / name
    shutil.copy(demo_store_path, target)
    before = sorted(p.name for p in tmp_path.iterdir())
    store = open_store(str(target))
    assert store.describe().events >= 5000
    with pytest.raises(Exception, match="(?i)readonly|read-only|read only|not authorized"):
        with store.engine.connect() as conn:
            conn.exec_driver_sql("DELETE FROM events")
    store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no stray file created next to it


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://ann@db/prod?password=S3CRETPW",
        "mysql+pymysql://ann@db/prod?passwd=S3CRETPW&charset=utf8mb4",
        "postgresql+psycopg://ann:S3CRETPW@db/prod?sslpassword=S3CRETPW",
    ],
)
def test_secrets_in_a_url_query_are_redacted(url):
    shown = redact(url)
    assert "S3CRETPW" not in shown and "***" in shown and "db/prod" in shown


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
