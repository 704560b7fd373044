"""A JSON Lines export of a whole JSON Lines file follows the file line by line: a line that is no
event is written where it was, blank lines stay blank and a line the export leaves out (too long to
read, withheld by masking) leaves a blank line in its place, so each problem in the copy names the
same line as in the source ("line 5: malformed JSON" in both), at the same position. It was written
in position order with blank lines dropped, so "line N" in the copy was another line's number."""

from __future__ import annotations

import json

import pytest

from inspector.cli import main
from inspector.stores import jsonl

LINES = [
    json.dumps({"position": 10, "stream": "order-1", "version": 0, "type": "Placed", "data": {"a": 1}}),
    "",
    "{not json",
    "   ",
    json.dumps({"position": 3, "stream": "order-2", "version": 0, "type": "Placed", "data": {}}),  # out of file order
    "[1, 2]",
    json.dumps({"position": 11, "stream": "order-1", "version": 1, "type": "Paid",
                "data": {"note": "x" * 3000}}),  # longer than the limit below: not read
    "",
    '{"owner" "Carol"',  # withheld when the owner is masked (a form masking cannot rewrite)
    json.dumps({"position": 12, "stream": "order-1", "version": 2, "type": "Shipped", "data": {"owner": "Dan"}}),
]


def _events(path, capsys):
    assert main(["events", str(path), "--json", "--limit", "1000"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def source(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "MAX_LINE", 1000)
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(LINES).encode() + b"\r\n")  # a BOM and CRLF ends too
    return path


@pytest.mark.parametrize("mask", [[], ["--mask", "owner"]], ids=["plain", "masked"])
def test_each_problem_in_the_copy_names_the_source_s_line(source, tmp_path, capsys, mask):
    copy = tmp_path / "copy.jsonl"
    assert main(["export", str(source), "--format", "jsonl", "-o", str(copy), *mask]) == 0
    err = capsys.readouterr().err
    before, after = _events(source, capsys), _events(copy, capsys)

    def problem_lines(events):  # "line N" -> position, for the lines that are no event
        return {e["problem"].split(":")[0].split(" is ")[0]: e["position"] for e in events
                if e["stream"] == "(unreadable)"}

    source_lines, copied = problem_lines(before), problem_lines(after)
    assert set(source_lines) == {"line 3", "line 6", "line 7", "line 9"}
    gone = {"line 7"} | ({"line 9"} if mask else set())  # too long to read; withheld by masking
    assert set(copied) == set(source_lines) - gone  # each kept line named by the source's number
    assert all(f"{name}" in err for name in gone)  # and each one left out said so
    # lines before the first one left out keep their positions too; events keep theirs everywhere
    assert copied["line 3"] == source_lines["line 3"] and copied["line 6"] == source_lines["line 6"]
    assert [(e["position"], e["stream"], e["version"]) for e in after if e["stream"] != "(unreadable)"] == \
        [(e["position"], e["stream"], e["version"]) for e in before if e["stream"] != "(unreadable)"]
    assert len(copy.read_text().splitlines()) == len(LINES)  # line for line


def test_a_slice_of_one_stream_is_written_in_version_order_as_before(source, tmp_path, capsys):
    copy = tmp_path / "order-1.jsonl"
    assert main(["export", str(source), "--stream", "order-1", "--format", "jsonl", "-o", str(copy)]) == 0
    written = [json.loads(line) for line in copy.read_text().splitlines()]
    assert [(r["position"], r["version"]) for r in written] == [(10, 0), (12, 2)]  # v1 is too long to read
