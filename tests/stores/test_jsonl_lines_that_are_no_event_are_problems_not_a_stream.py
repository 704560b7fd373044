"""A JSON Lines line that is no event is a problem of the file, not a stream.

It is in no stream, category or type (``info``, ``streams``, ``categories``, ``types``, the
window's lists and legend), while ``events`` still lists it with its problem, ``check`` reports
it (``undecodable_payload``, in no stream) and the Health tab shows it. Asking for the stream
``(unreadable)`` says what it is instead of "no events". A stream a line really names
``(unreadable)`` is a stream like any other.
"""

from __future__ import annotations

import json

from inspector.cli import main
from inspector.core.health import check_store
from inspector.stores import open_store

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


def test_a_line_that_is_no_event_is_in_no_stream_category_or_type_but_is_listed_and_checked(tmp_path):
    store = open_store(_file(tmp_path))
    assert [s.stream for s in store.streams()] == ["order-1"] and store.describe().streams == 1
    assert store.categories() == [("order", 1)]
    assert store.event_types() == [("Paid", 1), ("Placed", 1)]
    assert "(unreadable)" not in [kind.name for kind in store.type_survey().types]
    listed = store.read_all(limit=10)
    assert [(e.position, e.problem is not None) for e in listed] == [(1, False), (2, True), (3, False), (4, True)]
    report = check_store(store)
    assert [(f.kind, f.stream, f.version) for f in report.findings] == [("undecodable_payload", None, None)] * 2
    assert "line 2" in report.findings[0].detail and "line 4" in report.findings[1].detail
    assert report.streams_checked == 1


def test_the_cli_says_what_unreadable_is_and_lists_it_as_problems(tmp_path, capsys):
    path = _file(tmp_path)
    assert main(["replay", path, "--stream", "(unreadable)"]) != 0
    assert "'(unreadable)' is not a stream: it marks the 2 line(s)" in capsys.readouterr().err
    assert main(["check", path, "--json", "--exit-zero"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["kind"], f["stream"]) for f in findings] == [("undecodable_payload", None)] * 2
    assert main(["types", path, "--json"]) == 0
    survey = json.loads(capsys.readouterr().out)
    assert [t["type"] for t in survey["types"]] == ["Paid", "Placed"] and "2 line(s) that are no event" in (
        survey["method_detail"]
    )


def test_a_stream_really_named_unreadable_is_a_stream(tmp_path, capsys):
    path = _file(tmp_path, [*LINES, {"position": 9, "stream": "(unreadable)", "version": 1, "type": "X", "data": {}}])
    store = open_store(path)
    assert [s.stream for s in store.streams()] == ["(unreadable)", "order-1"]
    assert [e.version for e in store.read_stream("(unreadable)")] == [1]


def test_the_health_tab_shows_a_problem_in_no_stream(qtbot, tmp_path):
    from inspector.ui.health import HealthView

    view = HealthView()
    qtbot.addWidget(view)
    view.show_report(check_store(open_store(_file(tmp_path))), listed=False)
    item = view.tree.topLevelItem(0)
    assert item.text(1) == "" and "in no stream" in item.toolTip(1)
    view.tree.setCurrentItem(item)
    assert " in no stream: line 2" in view.detail.text()
    view._on_item_activated(item)  # nothing to go to: no stream is asked for
