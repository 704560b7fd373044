"""A diff whose second moment comes before its first is refused once both are resolved to
versions, whatever their kinds: ``--from 2026-09-01 --to v10`` (the time is v132) was answered
"v132 -> v10" with v130-v132 blamed. The window's A and B are held to the same rule."""

from __future__ import annotations

import pytest

from inspector.cli import main
from inspector.core.events import Moment, parse_time_input
from inspector.replay.engine import diff
from inspector.stores import open_store

STREAM = "wallet-9b2e71cc"  # v132 is its last version recorded by 2026-09-01T00:00Z


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (
            "2026-09-01",
            "v10",
            "--to v10 is before --from 2026-09-01T00:00:00Z (v132): give the earlier moment as --from",
        ),
        (
            "v140",
            "2026-09-01",
            "--to 2026-09-01T00:00:00Z (v132) is before --from v140: give the earlier moment as --from",
        ),
        (
            "v10",
            "2020-01-01",
            "--to 2020-01-01T00:00:00Z (before the stream's first event) is before --from v10: "
            "give the earlier moment as --from",
        ),
    ],
)
def test_a_version_and_a_time_in_the_wrong_order_are_refused(demo_store_path, capsys, start, end, message):
    code, out, err = run(
        capsys, "diff", str(demo_store_path), "--stream", STREAM, "--from", start, "--to", end, "--no-cache"
    )
    assert code == 1 and out == ""
    assert err.strip() == f"event-inspector: error: {message}"


def test_a_version_and_a_time_in_order_are_diffed(demo_store_path, capsys):
    code, out, _ = run(
        capsys, "diff", str(demo_store_path), "--stream", STREAM, "--from", "v10", "--to", "2026-09-01", "--no-cache"
    )
    assert code == 0 and out.startswith(f"{STREAM}: v10 -> v132, ")


def test_the_engine_says_which_moment_comes_first(demo_store_path):
    store = open_store(str(demo_store_path))
    try:
        result = diff(store, STREAM, Moment(at=parse_time_input("2026-09-01")), Moment(version=10))
    finally:
        store.close()
    assert result.reversed and result.changes == [] and result.events_between_total == 0
    assert result.problem == (
        "the second moment, v10, comes before the first, 2026-09-01T00:00:00Z (v132): "
        "a diff reads from the earlier moment to the later one"
    )
