"""Bad rows in generic tables on PostgreSQL and MariaDB: events with a problem, the rest read right.

Versions kept as text (``'three'``, ``''``, ``'10'``) sort and compare as numbers and the odd
ones are events with a problem; on MariaDB, payload bytes that are not UTF-8 are a problem of
their event, and a latin1 TEXT column is read as its characters.
"""

from __future__ import annotations

import json

import pytest

from inspector.cli import main

from .servers import scratch_database

ROWS = [(1, "order-1", "1", "Created", '{"n": 1}'), (2, "order-1", "2", "Paid", '{"n": 2}'),
        (3, "order-1", "three", "Odd", '{"n": 3}'), (4, "order-1", "", "Empty", '{"n": 4}'),
        (5, "order-1", "10", "Shipped", '{"n": 10}'), (6, "order-1", "9", "Packed", '{"n": 9}')]


@pytest.fixture(params=["postgresql", "mariadb"])
def server(request):
    url = request.getfixturevalue("postgres_url" if request.param == "postgresql" else "mysql_url")
    db = scratch_database(url, "badrows")
    yield request.param, db
    db.drop()


def _run(capsys, *argv: str):
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "INSPECTOR_DEBUG" not in captured.err and "Traceback" not in captured.err, captured.err
    return code, captured


def test_text_versions_sort_as_numbers_and_odd_ones_are_problems(server, capsys):
    engine, db = server
    text = "TEXT" if engine == "postgresql" else "VARCHAR(20)"
    with db.writer.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE events (position INTEGER PRIMARY KEY, stream VARCHAR(100), "
                             f"version {text}, type VARCHAR(100), data TEXT)")
        for row in ROWS:
            conn.exec_driver_sql("INSERT INTO events VALUES (%s, %s, %s, %s, %s)", row)
    code, out = _run(capsys, "events", db.url, "--stream", "order-1", "--json")
    assert code == 0
    events = json.loads(out.out)
    assert [e["version"] for e in events if e["version"] is not None] == [1, 2, 9, 10]
    problems = sorted(e["problem"] for e in events if e["version"] is None)
    assert problems == ["version '' is not a number", "version 'three' is not a number"]
    code, out = _run(capsys, "streams", db.url, "--json")
    [summary] = json.loads(out.out)
    assert (summary["count"], summary["first_version"], summary["last_version"]) == (6, 1, 10)
    code, out = _run(capsys, "replay", db.url, "--stream", "order-1", "--json", "--no-cache")
    assert code == 0
    result = json.loads(out.out)
    assert result["version"] == 10 and result["state"] == {"n": 10}  # v10 after v9, not before v2
    code, out = _run(capsys, "replay", db.url, "--stream", "order-1", "--at", "v9", "--json", "--no-cache")
    assert json.loads(out.out)["state"] == {"n": 9}
    for argv in (["check", db.url], ["info", db.url], ["export", db.url, "--format", "jsonl", "-o", "/dev/null"]):
        code, _ = _run(capsys, *argv)
        assert code in (0, 1, 3)


def test_mariadb_payload_bytes_that_are_not_utf8_are_a_problem_of_their_event(mysql_url, capsys):
    db = scratch_database(mysql_url, "badutf8")
    try:
        with db.writer.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE events (position INTEGER PRIMARY KEY, stream VARCHAR(100), "
                                 "version INTEGER, type VARCHAR(100), data LONGBLOB, "
                                 "metadata TEXT CHARACTER SET latin1)")
            conn.exec_driver_sql("INSERT INTO events VALUES (1, 'order-1', 1, 'Created', '{\"n\": 1}', "
                                 "_binary x'7b2261223a22ff227d')")
            conn.exec_driver_sql("INSERT INTO events VALUES (2, 'order-1', 2, 'Paid', "
                                 "x'7b226e223a20ff7d', '{}')")
            conn.exec_driver_sql("INSERT INTO events VALUES (3, 'order-1', 3, 'Shipped', '{\"n\": 3}', '{}')")
        code, out = _run(capsys, "events", db.url, "--json")
        assert code == 0
        events = json.loads(out.out)
        assert [e["version"] for e in events] == [1, 2, 3]
        assert events[0]["metadata"] == {"a": "ÿ"}  # latin1 text read as its characters
        assert "not UTF-8" in events[1]["problem"] and events[1]["raw"] == '{"n": \\xff}'
        assert events[2]["data"] == {"n": 3} and events[2]["problem"] is None
    finally:
        db.drop()
