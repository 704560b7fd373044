"""Streams and categories named ``order``, ``order `` (a trailing space), `` order``, ``''``,
``"q`` and one holding a control character read apart in every command's text output, as the
window shows them (``shown_name``): in double quotes when empty, blank at an edge or starting
with a quote, control characters escaped. ``--json`` keeps the names exact."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from inspector.cli import main

from tests.stores.test_sqlite_contract import GENERIC_DDL

#: each tricky name, as text output shows it
SHOWN = {"order": "order", "order ": '"order "', " order": '" order"', "": '""', '"q': '""q"', "bell\x07": "bell\\x07"}
#: streams named exactly so (the generic layout makes each its own category), and streams of categories so named
STREAMS = list(SHOWN)
IN_CATEGORIES = [f"{name}-1" for name in SHOWN]
#: every stream as text output shows it
SHOWN_STREAMS = [*SHOWN.values(), "order-1", "order -1", '" order-1"', "-1", '""q-1"', "bell\\x07-1"]

COUNTING = '''
from inspector.replay import projector

@projector("*")
def counted(state, event):
    state["seen"] = state.get("seen", 0) + 1
    return state
'''


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("names")
    path = folder / "names.db"
    db = sqlite3.connect(path)
    db.executescript(GENERIC_DDL)
    db.executemany("INSERT INTO events (stream, version, type, recorded_at, data) VALUES (?,?,?,?,?)",
                   [(stream, version, kind, f"2024-03-01T10:00:0{version}Z", json.dumps({"n": version}))
                    for stream in STREAMS + IN_CATEGORIES for version, kind in ((1, "Noted"), (2, "Changed"))])
    db.commit()
    db.close()
    (folder / "counting.py").write_text(COUNTING, encoding="utf-8")
    return str(path)


def _run(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def _table(text: str) -> list[dict[str, str]]:
    """The rows of the first text table in ``text``, cut at its rule's dashes."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("--"))
    spans = [m.span() for m in re.finditer(r"-+", lines[rule])]
    names = [lines[rule - 1][a:b].strip() for a, b in spans]
    rows = []
    for line in lines[rule + 1:]:
        if not line.strip():
            break
        cells = [line[a:] if i == len(spans) - 1 else line[a:b] for i, (a, b) in enumerate(spans)]
        rows.append(dict(zip(names, (cell.strip() for cell in cells))))
    return rows


def test_the_stream_list_quotes_names_with_blank_edges_in_both_name_columns(store, capsys):
    rows = _table(_run(capsys, "streams", store))
    assert sorted(row["stream"] for row in rows) == sorted(SHOWN_STREAMS)
    by_stream = {row["stream"]: row["category"] for row in rows}
    assert by_stream["order -1"] == '"order "' and by_stream['" order-1"'] == '" order"' and by_stream["-1"] == "(none)"
    assert by_stream['""q-1"'] == '""q"' and by_stream["bell\\x07-1"] == "bell\\x07" and by_stream["order-1"] == "order"
    # each its own category; the empty one is listed as categories() counts it: (none)
    assert all(by_stream[shown] == shown for shown in SHOWN.values() if shown != '""') and by_stream['""'] == "(none)"
    empty = _table(_run(capsys, "streams", store, "--category", ""))  # '' selects what '(none)' does
    assert sorted(row["stream"] for row in empty) == ['""', "-1"]
    assert empty == _table(_run(capsys, "streams", store, "--category", "(none)"))
    one = _table(_run(capsys, "streams", store, "--category", "order "))
    assert [(row["stream"], row["category"]) for row in one] == [('"order "', '"order "'), ("order -1", '"order "')]
    exact = json.loads(_run(capsys, "streams", store, "--json"))  # --json keeps the names as stored
    assert {item["stream"] for item in exact} == set(STREAMS + IN_CATEGORIES)


def test_the_event_listing_and_the_audit_tell_the_streams_apart(store, capsys):
    rows = _table(_run(capsys, "events", store))
    assert {row["stream"] for row in rows} >= set(SHOWN.values())
    for name, shown in SHOWN.items():
        out = _run(capsys, "audit", store, "--causes-of", f"{name}@2")
        assert out.startswith(f"{shown} v2 (Changed): "), out
        assert [row["stream"] for row in _table(out)] == [shown]


def test_a_category_the_store_does_not_have_is_answered_with_its_categories_read_apart(store, capsys):
    assert main(["streams", store, "--category", "orde"]) == 1
    error = capsys.readouterr().err
    named = error.split("its categories: ", 1)[1].strip().split(", ")
    assert set(named) >= set(SHOWN.values()) - {'""'}, error  # (the store lists category '' as (none))


def test_the_type_survey_names_its_category_read_apart(store, capsys):
    assert _run(capsys, "types", store, "--category", "order ").startswith('2 event type(s) of category "order ",')
    assert _run(capsys, "types", store, "--category", "order").startswith("2 event type(s) of category order,")


def test_states_and_compare_begin_each_stream_s_line_with_its_name_read_apart(store, capsys):
    out = _run(capsys, "states", store, "--match", "*")
    assert sorted(line.split("  v2 (")[0] for line in out.splitlines() if "  v2 (" in line) == sorted(SHOWN_STREAMS)
    counting = str(__import__("pathlib").Path(store).parent / "counting.py")
    out = _run(capsys, "compare", store, "--match", "*", "--projector", "generic", "--against", counting)
    headers = [m.group(1) for m in re.finditer(r"^(.*) at v2 \(.*\): 2 change\(s\)$", out, re.MULTILINE)]
    assert sorted(headers) == sorted(SHOWN_STREAMS), out


def test_replay_diff_bisect_and_changed_name_the_stream_read_apart(store, capsys):
    for name, shown in SHOWN.items():
        assert _run(capsys, "replay", store, "--stream", name, "--no-cache").startswith(f"{shown} at v2 ")
        assert _run(capsys, "diff", store, "--stream", name, "--from", "v1", "--to", "v2", "--no-cache"
                    ).startswith(f"{shown}: v1 -> v2, 1 change(s)")
        assert f" never holds in {shown}: " in _run(capsys, "bisect", store, "--stream", name, "--when", "False",
                                                    "--no-cache")
        assert _run(capsys, "changed", store, name, "2", "--no-cache").startswith(f"{shown} v2: Changed at ")
