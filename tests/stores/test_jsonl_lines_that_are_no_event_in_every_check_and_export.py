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


def _streams(path: str) -> list[str]:
    from inspector.stores import open_store

    store = open_store(path)
    try:
        return [summary.stream for summary in store.streams()]
    finally:
        store.close()


def test_a_sqlite_copy_leaves_lines_that_are_no_event_out_and_says_which(tmp_path, capsys):
    copy = str(tmp_path / "copy.db")
    assert main(["export", _file(tmp_path), "--format", "sqlite", "-o", copy, "--json"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["events"] == 2 and [text[:6] for text in summary["left_out"]] == ["line 2", "line 4"]
    assert "left out 2 line(s) of the source that are no event" in captured.err
    assert _streams(copy) == ["order-1"]


def test_a_json_lines_copy_keeps_lines_that_are_no_event_as_problems(tmp_path, capsys):
    copy = str(tmp_path / "copy.jsonl")
    assert main(["export", _file(tmp_path), "--format", "jsonl", "-o", copy]) == 0
    assert "with the 2 line(s) that are no event as they were" in capsys.readouterr().out
    assert _streams(copy) == ["order-1"]
    assert main(["check", copy, "--json"]) == 3
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["kind"], f["stream"]) for f in findings] == [("undecodable_payload", None)] * 2
    assert main(["events", copy, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(e["position"], e["problem"] is not None) for e in listed] == [(1, False), (2, True), (3, False), (4, True)]


def test_a_csv_report_lists_lines_that_are_no_event_in_no_stream(tmp_path, capsys):
    import csv

    copy = tmp_path / "copy.csv"
    assert main(["export", _file(tmp_path), "--format", "csv", "-o", str(copy)]) == 0
    rows = list(csv.DictReader(copy.open(encoding="utf-8")))
    assert [(row["position"], row["stream"], row["type"]) for row in rows] == [
        ("1", "order-1", "Placed"),
        ("2", "", ""),
        ("3", "order-1", "Paid"),
        ("4", "", ""),
    ]
    assert rows[1]["problem"].startswith("line 2")


def test_a_line_after_the_largest_64_bit_position_says_it_is_placed_out_of_file_order(tmp_path):
    from inspector.stores import open_store

    lines = [
        {"position": 1, "stream": "order-1", "version": 1, "type": "Placed", "data": {}},
        {"position": 2**63 - 1, "stream": "order-1", "version": 2, "type": "Paid", "data": {}},
        "{not json",
        {"stream": "order-1", "version": 3, "type": "Shipped", "data": {}},
    ]
    store = open_store(_file(tmp_path, lines))
    listed = store.read_all(limit=10)
    assert [event.position for event in listed] == [0, 1, 2, 2**63 - 1]  # each placed once, no two alike
    bad, shipped = listed[0], listed[2]
    assert (
        bad.problem.startswith("line 3: malformed JSON")
        and ("line 3 placed at 0, out of file order: no position above the line before it (9223372036854775807)")
        in bad.problem
    )
    assert shipped.type == "Shipped" and shipped.problem is None  # after the line before it (0): in order
    assert [event.problem for event in store.unreadable_lines()] == [bad.problem]
    assert listed[1].problem is None and listed[3].problem is None
    assert "out of file order" in check_text(store)


def check_text(store) -> str:
    from inspector.core.health import check_store

    return " ".join(finding.detail for finding in check_store(store).findings)


def test_an_event_without_a_position_after_the_largest_one_says_where_it_went(tmp_path):
    from inspector.stores import open_store

    lines = [
        {"position": 2**63 - 1, "stream": "order-1", "version": 1, "type": "Placed", "data": {}},
        {"stream": "order-1", "version": 2, "type": "Paid", "data": {}},
    ]
    store = open_store(_file(tmp_path, lines))
    paid = list(store.read_stream("order-1"))[1]
    assert paid.position == 0 and paid.data == {}
    assert paid.problem == (
        "line 2 placed at 0, out of file order: no position above the line before it (9223372036854775807) "
        "is free, as positions are 64-bit (at most 9223372036854775807)"
    )


def test_the_health_tab_says_a_finding_is_outside_any_stream(qtbot, tmp_path):
    from inspector.core.health import check_store
    from inspector.stores import open_store
    from inspector.ui.health import HealthView

    view = HealthView()
    qtbot.addWidget(view)
    view.show_report(check_store(open_store(_file(tmp_path, LINES[:3]))), listed=False)
    assert view.summary.text().startswith("1 finding (1 outside any stream), 1 stream checked.")
