"""A JSON Lines line that is no event stays a problem of the file in every check and export.

``check`` reports it whatever projector is chosen (``--projector``, ``--snapshots``), its total
says the finding is outside any stream, and an export never turns it into a stream.
"""

from __future__ import annotations

import json

import pytest

from inspector.cli import main

LINES = [
    {"position": 1, "stream": "order-1", "version": 1, "type": "Placed", "data": {}},
    "{not json",
    {"position": 3, "stream": "order-1", "version": 2, "type": "Paid", "data": {}},
    "[1, 2]",
]


def _file(tmp_path, lines=LINES) -> str:
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return str(path)


@pytest.mark.parametrize("options", [[], ["--projector", "generic"], ["--snapshots"]])
def test_check_reports_lines_that_are_no_event_whatever_projector(tmp_path, capsys, options):
    assert main(["check", _file(tmp_path), "--json", *options]) == 3
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["kind"], f["stream"]) for f in findings] == [("undecodable_payload", None)] * 2
    assert "line 2" in findings[0]["detail"] and "line 4" in findings[1]["detail"]


def test_check_with_a_projector_file_reports_lines_that_are_no_event(tmp_path, capsys):
    projector = tmp_path / "my_projector.py"
    projector.write_text(
        "from inspector.replay import projector\n\n\n@projector('order')\n"
        "def count(state, event):\n    return {'n': state.get('n', 0) + 1}\n"
    )
    assert main(["check", _file(tmp_path), "--json", "--projector", str(projector)]) == 3
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["kind"], f["stream"]) for f in findings] == [("undecodable_payload", None)] * 2


def test_the_total_says_a_finding_is_outside_any_stream(tmp_path, capsys):
    assert main(["check", _file(tmp_path, LINES[:3])]) == 3
    assert capsys.readouterr().out.rstrip().endswith("1 finding (1 outside any stream), 1 stream checked")
