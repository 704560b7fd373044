"""A range that ends before it starts is refused with a message saying so (exit 1), never an empty
table or a diff run backwards in silence: ``events``/``export --since/--until`` and ``diff --from/--to``."""

from __future__ import annotations

import pytest

from inspector.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", [["events"], ["export", "--format", "jsonl", "-o", "{tmp}/slice.jsonl"]])
def test_since_after_until_is_an_input_error(demo_store_path, tmp_path, capsys, command):
    argv = [part.replace("{tmp}", str(tmp_path)) for part in command]
    code, out, err = run(capsys, argv[0], str(demo_store_path), *argv[1:], "--since", "2026-09-01", "--until", "2026-08-01")
    assert code == 1 and out == ""
    assert err.strip() == ("event-inspector: error: --since 2026-09-01T00:00:00Z is after --until "
                           "2026-08-01T00:00:00Z: no event can be in that range (swapped?)")
    assert not (tmp_path / "slice.jsonl").exists()


def test_the_same_instant_on_both_ends_is_a_range(demo_store_path, capsys):
    code, out, _ = run(capsys, "events", str(demo_store_path), "--since", "2026-08-01", "--until", "2026-08-01")
    assert code == 0


@pytest.mark.parametrize(("start", "end", "message"), [
    ("v194", "v190", "--to v190 is before --from v194: give the earlier moment as --from"),
    ("2026-09-02", "2026-09-01",
     "--to 2026-09-01T00:00:00Z is before --from 2026-09-02T00:00:00Z: give the earlier moment as --from"),
])
def test_a_diff_whose_to_comes_before_its_from_is_refused(demo_store_path, demo_planted, capsys, start, end, message):
    stream, _ = demo_planted.negative_wallet
    code, out, err = run(capsys, "diff", str(demo_store_path), "--stream", stream, "--from", start, "--to", end,
                         "--no-cache")
    assert code == 1 and out == "" and err.strip() == f"event-inspector: error: {message}"
    code, out, _ = run(capsys, "diff", str(demo_store_path), "--stream", stream, "--from", end, "--to", start,
                       "--no-cache")
    assert code == 0 and out.startswith(f"{stream}: ")
