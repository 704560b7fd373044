"""A JSON Lines problem names the line an editor shows: every line of the file counted from 1,
blank and whitespace-only lines too, a CRLF ending as one line end, a byte order mark no line of
its own, a ``.jsonl.gz`` file's decompressed lines. So do ``check``'s findings, the Health tab's
text and an export's problem column, which carry the same message."""

from __future__ import annotations

import csv
import gzip
import json

from inspector.cli import main
from inspector.core.health import check_store
from inspector.stores import jsonl
from inspector.stores.jsonl import JsonlEventStore

PLACED = json.dumps({"position": 1, "stream": "order-1", "version": 1, "type": "Placed", "data": {}})
PAID = json.dumps({"position": "soon", "stream": "order-1", "version": 2, "type": "Paid", "data": {}})
#: line 1 (with a byte order mark), two blank lines (one of spaces and a tab), a line that is not
#: JSON at line 4, a blank line, an event whose position is no number at line 6, a JSON array at line 7
LINES = [PLACED, "", "   \t", "{not json", "", PAID, "[1, 2]"]
EXPECTED = ["line 4: malformed JSON", "line 7: not a JSON object"]


def _write(path, ending: str = "\n", zipped: bool = False):
    data = b"\xef\xbb\xbf" + ending.join(LINES).encode() + ending.encode()
    path.write_bytes(gzip.compress(data) if zipped else data)
    return path


def _unreadable_problems(store) -> list[str]:
    return [e.problem for e in store.read_all(limit=10) if e.stream is jsonl.UNREADABLE]


def _names_the_lines(problems: list[str]) -> bool:
    return len(problems) == len(EXPECTED) and all(p.startswith(e) for p, e in zip(problems, EXPECTED))


def test_blank_and_whitespace_only_lines_before_a_bad_line_are_counted(tmp_path):
    store = JsonlEventStore(_write(tmp_path / "orders.jsonl"))
    problems = _unreadable_problems(store)
    assert _names_the_lines(problems), problems
    assert [e.problem for e in store.unreadable_lines()] == problems
    paid = [e for e in store.read_stream("order-1") if e.version == 2]
    assert "(line 6 placed after the line before it instead)" in paid[0].problem
    folded = [e.event() for e in store.read_for_replay("order-1") if e.version == 2]
    assert folded[0].problem == paid[0].problem
    findings = [f.detail for f in check_store(store).findings if f.stream is None]
    assert [detail.split(" (at position")[0] for detail in findings] == problems


def test_a_crlf_file_counts_its_lines_as_an_editor_does(tmp_path):
    store = JsonlEventStore(_write(tmp_path / "orders.jsonl", ending="\r\n"))
    problems = _unreadable_problems(store)
    assert _names_the_lines(problems), problems


def test_a_gzipped_file_counts_its_decompressed_lines(tmp_path):
    store = JsonlEventStore(_write(tmp_path / "orders.jsonl.gz", zipped=True))
    problems = _unreadable_problems(store)
    assert _names_the_lines(problems), problems


def test_a_line_too_long_to_read_after_blank_lines_is_named_by_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "MAX_LINE", 100)
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join([PLACED, "", " ", '{"data": "' + "x" * 300 + '"}', "", "{oops"]) + "\n")
    problems = _unreadable_problems(JsonlEventStore(path))
    assert [p.split(" is longer")[0].split(":")[0] for p in problems] == ["line 4", "line 6"], problems


def test_check_and_export_name_the_same_line(tmp_path, capsys):
    path = str(_write(tmp_path / "orders.jsonl"))
    assert main(["check", path, "--json", "--exit-zero"]) == 0
    details = [f["detail"] for f in json.loads(capsys.readouterr().out)["findings"] if f["stream"] is None]
    assert _names_the_lines(details), details
    out = tmp_path / "orders.csv"
    assert main(["export", path, "--stream", "order-1", "--format", "csv", "-o", str(out)]) == 0
    with out.open(newline="") as handle:
        exported = [row["problem"] for row in csv.DictReader(handle)]
    assert any("(line 6 placed after" in problem for problem in exported), exported


def test_the_health_tab_names_the_line_an_editor_shows(qtbot, tmp_path):
    from inspector.ui.health import HealthView

    view = HealthView()
    qtbot.addWidget(view)
    view.show_report(check_store(JsonlEventStore(_write(tmp_path / "orders.jsonl"))), listed=False)
    item = next(
        view.tree.topLevelItem(i)
        for i in range(view.tree.topLevelItemCount())
        if "in no stream" in view.tree.topLevelItem(i).toolTip(1)
    )
    view.tree.setCurrentItem(item)
    qtbot.waitUntil(lambda: " in no stream: line 4: malformed JSON" in view.detail.text())
