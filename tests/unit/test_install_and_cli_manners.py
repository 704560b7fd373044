"""The command line's manners: mistyped commands, --version, completion, paging, help, progress."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import types

import pytest

from inspector.cli import EXAMPLES, build_parser, main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def demo_copy(demo_store_path, tmp_path):
    target = tmp_path / "demo.db"
    shutil.copy(demo_store_path, target)
    return target


@pytest.mark.parametrize("word, nearest", [("infoo", "info"), ("stream", "streams"), ("evnts", "events")])
def test_a_mistyped_subcommand_is_a_usage_error_naming_the_nearest_command(capsys, demo_copy, word, nearest):
    code, out, err = run(capsys, word, str(demo_copy))
    assert code == 2 and out == ""
    assert f"'{word}' is neither a command nor a store" in err and f"did you mean '{nearest}'?" in err
    assert "--layout" not in err  # not the window's usage


def test_a_word_far_from_every_command_lists_the_commands(capsys):
    code, _, err = run(capsys, "zzzzqqq")
    assert code == 2 and "commands: " in err and "streams" in err


def test_a_bare_store_still_opens_the_window(monkeypatch, demo_copy, tmp_path):
    import inspector.cli as cli

    opened = []
    monkeypatch.setattr(cli, "missing_x11_packages", lambda: [])
    # the window itself is tested in tests/ui; here only what reaches it (and no Qt is imported)
    window = types.ModuleType("inspector.ui.app")
    window.run_gui = lambda target, **kw: opened.append((target, kw)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "inspector.ui.app", window)
    assert main([str(demo_copy)]) == 0
    assert main(["sqlite:///nowhere.db", "--layout", "generic"]) == 0
    assert main(["--layout", "generic", str(demo_copy)]) == 0
    assert main([str(tmp_path / "not-yet.jsonl")]) == 0  # a store's suffix: the window says what is wrong
    assert [t for t, _ in opened] == [str(demo_copy), "sqlite:///nowhere.db", str(demo_copy), str(tmp_path / "not-yet.jsonl")]
    assert opened[1][1]["layout"] == "generic"


def test_version_answers_without_importing_sqlalchemy_or_qt():
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "inspector", "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout.strip() == "event-inspector 0.1.0"
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    heavy = {name for name in imported if name.split(".")[0] in ("sqlalchemy", "PySide6", "pyqtgraph", "numpy", "shtab")}
    assert imported and not heavy


@pytest.mark.parametrize("shell, marker", [("bash", "complete"), ("zsh", "#compdef event-inspector"), ("fish", "complete -c event-inspector")])
def test_completion_prints_a_script_for_each_shell_that_knows_the_subcommands(capsys, shell, marker):
    code, out, _ = run(capsys, "completion", shell)
    assert code == 0 and marker in out
    for command in ("streams", "events", "replay", "export", "check", "completion"):
        assert command in out


def test_bash_completion_script_loads_in_bash(capsys, tmp_path):
    bash = shutil.which("bash")
    assert bash is not None
    _, script, _ = run(capsys, "completion", "bash")
    path = tmp_path / "event-inspector.bash"
    path.write_text(script)
    done = subprocess.run([bash, "-c", f"source {path} && complete -p event-inspector"], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0 and "event-inspector" in done.stdout


def test_every_subcommand_help_names_store_and_gives_an_example(capsys):
    parser = build_parser()
    subcommands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    assert set(subcommands) <= set(EXAMPLES)
    for name, sub in subcommands.items():
        text = sub.format_help()
        assert "examples:\n  event-inspector " + name in text, name
        if any(a.dest == "store" for a in sub._actions):
            assert "STORE" in text.split("\n")[0] + text, name
            assert "usage: event-inspector " + name in text and " STORE" in text


def test_streams_says_when_more_streams_exist_than_shown(demo_copy, capsys):
    code, out, _ = run(capsys, "streams", str(demo_copy), "--limit", "5")
    lines = out.rstrip().splitlines()
    assert code == 0 and lines[-1].startswith("more streams than the 5 shown: continue with --after ")
    cursor = lines[-1].rsplit(" ", 1)[1]
    assert lines[-3].split()[0] == cursor  # the last stream listed
    code, out, _ = run(capsys, "streams", str(demo_copy), "--limit", "100")
    assert "more streams" not in out  # 60 streams: all shown, no closing line


def test_streams_json_stays_a_list_and_page_wraps_it_with_the_cursor_after_takes(demo_copy, capsys):
    _, out, _ = run(capsys, "streams", str(demo_copy), "--limit", "7", "--json")
    plain = json.loads(out)
    assert isinstance(plain, list) and len(plain) == 7
    seen, after = [], None
    while True:
        argv = ["streams", str(demo_copy), "--limit", "25", "--json", "--page"] + (["--after", after] if after else [])
        _, out, _ = run(capsys, *argv)
        page = json.loads(out)
        assert set(page) == {"streams", "more", "next_after"}
        seen += [s["stream"] for s in page["streams"]]
        if not page["more"]:
            assert page["next_after"] is None
            break
        after = page["next_after"]
    assert len(seen) == len(set(seen)) == 60 and seen[:7] == [s["stream"] for s in plain]


def test_events_pages_through_a_filter_with_the_cursor_it_prints(demo_copy, capsys):
    _, out, _ = run(capsys, "events", str(demo_copy), "--type", "CreditsSpent", "--limit", "100000", "--json")
    everything = [e["position"] for e in json.loads(out)]
    seen, after = [], None
    while True:
        argv = ["events", str(demo_copy), "--type", "CreditsSpent", "--limit", "400", "--json", "--page"]
        _, out, _ = run(capsys, *(argv + (["--after", str(after)] if after is not None else [])))
        page = json.loads(out)
        seen += [e["position"] for e in page["events"]]
        if not page["more"]:
            break
        after = page["next_after"]
    assert seen == everything and len(everything) > 400


def test_events_of_one_stream_say_how_to_continue_and_the_cursor_continues_it(demo_copy, capsys):
    _, out, _ = run(capsys, "events", str(demo_copy), "--stream", "wallet-9b2e71cc", "--limit", "1000", "--json")
    whole = json.loads(out)
    code, out, _ = run(capsys, "events", str(demo_copy), "--stream", "wallet-9b2e71cc", "--limit", "50")
    last = out.rstrip().splitlines()[-1]
    assert code == 0 and last.startswith("more events than the 50 shown: continue with --after ")
    after = last.rsplit(" ", 1)[1]
    _, out, _ = run(capsys, "events", str(demo_copy), "--stream", "wallet-9b2e71cc", "--after", after, "--limit", "1000",
                    "--json")
    rest = json.loads(out)
    assert [e["version"] for e in whole[:50]] + [e["version"] for e in rest] == [e["version"] for e in whole]


def test_a_stream_whose_positions_are_out_of_version_order_is_not_given_a_wrong_cursor(tmp_path, capsys):
    import sqlite3

    path = tmp_path / "shuffled.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT, version INTEGER, type TEXT, "
               "recorded_at TEXT, data TEXT, metadata TEXT)")
    # version 1 was written last: version order is not position order
    rows = [(1, 2), (2, 3), (3, 4), (4, 1)]
    db.executemany("INSERT INTO events VALUES (?, 's-1', ?, 'T', '2026-01-01T00:00:00Z', '{}', '{}')", rows)
    db.commit()
    db.close()
    _, out, _ = run(capsys, "events", str(path), "--stream", "s-1", "--limit", "2", "--json", "--page")
    page = json.loads(out)
    assert [e["version"] for e in page["events"]] == [1, 2]
    assert page["more"] is True and page["next_after"] is None
    _, out, _ = run(capsys, "events", str(path), "--stream", "s-1", "--limit", "2")
    assert "raise --limit" in out.splitlines()[-1]


def test_an_after_of_zero_continues_after_position_zero(demo_copy, capsys):
    _, out, _ = run(capsys, "events", str(demo_copy), "--stream", "wallet-9b2e71cc", "--after", "0", "--limit", "3",
                    "--json")
    assert all(e["position"] > 0 for e in json.loads(out))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("argv", [
    ["check"],
    ["replay", "--stream", "wallet-9b2e71cc", "--no-cache"],
    ["export", "--format", "jsonl", "-o", "{tmp}/slice.jsonl"],
])
def test_long_commands_show_progress_on_a_terminal_and_clear_it(demo_copy, tmp_path, monkeypatch, capsys, argv):
    argv = [argv[0], str(demo_copy)] + [a.replace("{tmp}", str(tmp_path)) for a in argv[1:]]
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = main(argv)
    assert code in (0, 3)  # check finds the demo's planted faults
    shown = terminal.getvalue()
    assert "\r" in shown and any(word in shown for word in ("checking", "replaying", "exporting"))
    assert shown.endswith("\r\x1b[K")  # the line is cleared at the end


def test_no_progress_is_written_when_stderr_is_not_a_terminal(demo_copy, capsys):
    code, _, err = run(capsys, "check", str(demo_copy))
    assert code == 3 and "\r" not in err and err == ""
