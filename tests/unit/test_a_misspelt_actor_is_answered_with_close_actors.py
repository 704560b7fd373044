"""An actor no event names is answered as a ``streams --match`` that keeps nothing is: an empty
listing (exit 0) and a note on stderr naming the closest actors, found by a bounded read of the
store's newest events (``EventStore.actor_names``), never by loading the store."""

from __future__ import annotations

import json
import shutil

import pytest

from inspector.cli import main
from inspector.core.suggest import missing_actor
from inspector.stores import open_store


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", [["events"], ["audit"]])
def test_a_misspelt_actor_is_an_empty_answer_with_the_actor_meant(demo_store_path, capsys, command):
    code, out, err = run(capsys, command[0], str(demo_store_path), "--actor", "bruno@exmple.com")
    assert code == 0
    assert err == "note: --actor bruno@exmple.com: no event names that actor; did you mean 'bruno@example.com'?\n"
    assert "no event" in out


def test_the_note_is_on_stderr_and_the_json_stays_an_empty_list(demo_store_path, capsys):
    code, out, err = run(capsys, "events", str(demo_store_path), "--actor", "BRUNO@example.com", "--json")
    assert code == 0 and json.loads(out) == []
    assert err.strip().endswith("did you mean 'bruno@example.com'?")


def test_a_misspelt_actor_with_other_filters_is_still_named(demo_store_path, capsys):
    code, out, err = run(capsys, "events", str(demo_store_path), "--actor", "support:ines@exmple.com",
                         "--type", "CreditsGranted")
    assert code == 0
    assert err.strip().endswith("did you mean 'support:ines@example.com'?")


@pytest.mark.parametrize("command", ["events", "audit"])
@pytest.mark.parametrize(("typed", "meant"), [("alice", "'alice@example.com'"), ("Alice", "'alice@example.com'"),
                                              ("jon", "'support:jon@example.com'"),
                                              ("alice@example", "'alice@example.com'")])
def test_part_of_an_actors_name_is_answered_with_that_actor_first(demo_store_path, capsys, command, typed, meant):
    code, _out, err = run(capsys, command, str(demo_store_path), "--actor", typed)
    assert code == 0
    assert err == f"note: --actor {typed}: no event names that actor; did you mean {meant}?\n"


def test_names_holding_the_typed_text_are_ranked_by_where_they_hold_it():
    from inspector.core.suggest import holding

    names = ["support:ines@example.com", "bruno@example.com", "brunoise@example.com", "abruno@example.com",
             "system:billing"]
    assert holding("bruno", names) == ["bruno@example.com", "brunoise@example.com", "abruno@example.com"]
    assert holding("INES", names) == ["support:ines@example.com"]
    assert holding("bill", names) == ["system:billing"]
    assert holding("b", names) == []  # one letter is in most names: no answer from it
    assert holding("example", names, n=10) == sorted(name for name in names if "example" in name)


@pytest.mark.parametrize("command", ["events", "audit"])
@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_actor_is_a_usage_error(demo_store_path, capsys, command, empty):
    with pytest.raises(SystemExit) as exit_:
        main([command, str(demo_store_path), "--actor", empty])
    _out, err = capsys.readouterr()
    assert exit_.value.code == 2
    assert f"event-inspector {command}: error: argument --actor: an empty actor names no one" in err


def test_filters_that_keep_nothing_together_say_nothing_about_an_actor_that_exists(demo_store_path, capsys):
    code, out, err = run(capsys, "events", str(demo_store_path), "--actor", "bruno@example.com",
                         "--since", "2001-01-01", "--until", "2001-01-02")
    assert code == 0 and err == ""
    assert "no event matches all of these filters" in out


def test_an_actor_far_from_every_one_lists_the_most_active_ones(demo_store_path, capsys):
    code, _out, err = run(capsys, "events", str(demo_store_path), "--actor", "zzz")
    assert code == 0
    assert err.startswith("note: --actor zzz: no event names that actor; actors of the newest events: ")
    assert "alice@example.com" in err and "bruno@example.com" in err


def test_actor_names_are_a_bounded_grouped_read_most_frequent_first(demo_store_path):
    store = open_store(str(demo_store_path))
    try:
        names = store.actor_names()
        newest = store.read_all(limit=20_000, descending=True)
        counts = {name: sum(1 for event in newest if event.actor == name) for name in names}
        assert set(names) == {event.actor for event in newest if event.actor}
        assert [counts[name] for name in names] == sorted(counts.values(), reverse=True)
        assert sorted(store.actor_names(containing="SUPPORT:")) == ["support:ines@example.com",
                                                                    "support:jon@example.com"]
        assert store.actor_names(limit=2) == names[:2]
        assert missing_actor(store, "alice@example.com") is None
    finally:
        store.close()


def test_a_json_lines_store_names_its_close_actors_too(demo_store_path, tmp_path, capsys):
    slice_path = tmp_path / "events.jsonl"
    code, _out, _err = run(capsys, "export", str(demo_store_path), "--format", "jsonl", "-o", str(slice_path))
    assert code == 0, _err
    code, _out, err = run(capsys, "events", str(slice_path), "--actor", "chen@exampel.com")
    assert code == 0
    assert err.strip().endswith("did you mean 'chen@example.com'?")


def test_a_store_whose_events_name_no_actor_says_so(demo_store_path, tmp_path, capsys):
    import sqlite3

    copy = tmp_path / "no-actors.db"
    shutil.copyfile(demo_store_path, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE events SET metadata = json_remove(metadata, '$.actor')")
    code, _out, err = run(capsys, "events", str(copy), "--actor", "alice@example.com")
    assert code == 0
    assert err.strip() == ("note: --actor alice@example.com: no event names that actor; "
                           "the store's newest events name no actor at all")
