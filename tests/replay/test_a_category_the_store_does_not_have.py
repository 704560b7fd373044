"""``states``/``compare --category`` with a category the store does not have is an input error
(exit 1, one line) naming the categories it has, not "0 streams replayed"."""

from __future__ import annotations

import pytest

from inspector.cli import main


@pytest.mark.parametrize("argv", [
    ["states", "--category", "nosuch"],
    ["states", "--category", "nosuch", "--where", 'state["credits"] < 0', "--json"],
    ["compare", "--category", "nosuch", "--projector", "demo", "--against", "generic"],
])
def test_an_unknown_category_names_the_store_s_categories(demo_store_path, capsys, argv):
    code = main([argv[0], str(demo_store_path), *argv[1:]])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        "event-inspector: error: --category nosuch: no stream of that category in this store; "
        "its categories: acl, job, wallet"]


def test_a_known_category_still_replays(demo_store_path, capsys):
    code = main(["states", str(demo_store_path), "--category", "acl"])
    out, _ = capsys.readouterr()
    assert code == 0 and "streams replayed" in out.splitlines()[-1] and not out.startswith("0 ")
