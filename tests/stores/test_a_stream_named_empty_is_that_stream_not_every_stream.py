"""A stream named '' (some stores hold one; ``streams`` lists it under category (none)) is that
stream: ``events --stream ''`` lists its events only, ``export --stream ''`` writes them only,
``audit --causes-of @2`` looks in it, and a JSON Lines slice of the store keeps its name, so
``streams --category '(none)'`` lists the same streams in the slice as in the source. On a JSON
Lines file and a generic table on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
from typing import Iterator

import pytest
import sqlalchemy as sa

from inspector.cli import main

from .servers import writable_target

#: (stream, events): the stream named '' between two others, and a stream without a category
STREAMS = [("order-1", 3), ("", 2), ("-7", 1), ("solo", 1)]
ROWS = [(stream, version) for stream, count in STREAMS for version in range(1, count + 1)]
#: positions of the stream named '' (1-based, in the order written)
EMPTY = [position for position, (stream, _) in enumerate(ROWS, 1) if stream == ""]
MAPPING = """table = "audit_events"
[columns]
position = "id"
stream = "aggregate_id"
version = "seq"
type = "event_type"
recorded_at = "created"
data = "body"
metadata = "meta"
[codec]
data = "json"
time = "auto"
"""


def _at(position: int) -> str:
    return f"2030-01-01T00:00:{position:02d}Z"


@pytest.fixture(scope="module", params=["jsonl", "sqlite", "postgresql", "mysql"])
def store_args(request, tmp_path_factory) -> Iterator[list[str]]:
    """The store as the commands are given it (with its mapping for a generic table)."""
    folder = tmp_path_factory.mktemp("emptystream")
    if request.param == "jsonl":
        path = folder / "mixed.jsonl"
        path.write_text("".join(json.dumps({"position": position, "stream": stream, "version": version,
                                            "type": "Noted", "recorded_at": _at(position),
                                            "data": {"n": position}, "metadata": {"actor": "a@x"}}) + "\n"
                                for position, (stream, version) in enumerate(ROWS, 1)))
        yield [str(path)]
        return
    writer, target, drop = writable_target(request, request.param, folder / "mixed.db", "emptystream")
    metadata = sa.MetaData()
    table = sa.Table("audit_events", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("aggregate_id", sa.String(100), nullable=False), sa.Column("seq", sa.Integer),
                     sa.Column("event_type", sa.String(100)), sa.Column("created", sa.String(40)),
                     sa.Column("body", sa.Text), sa.Column("meta", sa.Text))
    sa.Index("audit_events_stream", table.c.aggregate_id, table.c.seq)
    metadata.create_all(writer)
    with writer.begin() as conn:
        conn.execute(table.insert(), [
            {"id": position, "aggregate_id": stream, "seq": version, "event_type": "Noted", "created": _at(position),
             "body": json.dumps({"n": position}), "meta": json.dumps({"actor": "a@x"})}
            for position, (stream, version) in enumerate(ROWS, 1)])
    writer.dispose()
    mapping = folder / "audit.toml"
    mapping.write_text(MAPPING)
    yield [target, "--mapping", str(mapping)]
    if drop:
        drop()


def _json(capsys) -> object:
    return json.loads(capsys.readouterr().out)


def test_events_of_the_stream_named_empty_are_its_events_only(store_args, capsys):
    assert main(["events", *store_args, "--stream", "", "--json"]) == 0  # one stream, in version order
    assert [(e["position"], e["stream"]) for e in _json(capsys)] == [(position, "") for position in EMPTY]
    assert main(["events", *store_args, "--stream", "", "--type", "Noted", "--json"]) == 0  # filtered
    assert [(e["position"], e["stream"]) for e in _json(capsys)] == [(position, "") for position in EMPTY]
    assert main(["audit", *store_args, "--causes-of", "@2", "--json"]) == 0
    assert "order-1" not in capsys.readouterr().out


def test_an_export_of_the_stream_named_empty_holds_its_events_only(store_args, tmp_path, capsys):
    out = tmp_path / "empty.jsonl"
    assert main(["export", *store_args, "--stream", "", "--format", "jsonl", "-o", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(line["position"], line["stream"]) for line in lines] == [(position, "") for position in EMPTY]


def test_a_json_lines_slice_keeps_the_stream_named_empty_under_no_category(store_args, tmp_path, capsys):
    out = tmp_path / "whole.jsonl"
    assert main(["export", *store_args, "--format", "jsonl", "-o", str(out)]) == 0
    capsys.readouterr()
    listed = {}
    for where in (store_args, [str(out)]):
        assert main(["streams", *where, "--category", "(none)", "--json"]) == 0
        listed[where[0]] = sorted(summary["stream"] for summary in _json(capsys))
    assert list(listed.values()) == [["", "-7"], ["", "-7"]]
    assert main(["events", str(out), "--stream", "", "--json"]) == 0
    assert [e["position"] for e in _json(capsys)] == EMPTY
