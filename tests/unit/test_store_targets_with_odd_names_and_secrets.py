"""Store targets as users type them: a SQLite file whose name holds URI characters opens
read-only (and creates nothing beside it), and secrets in a URL's query are redacted."""

from __future__ import annotations

import shutil

import pytest

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
