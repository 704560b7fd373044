"""``--category`` with a category the store does not have is an input error (exit 1, one line)
naming the categories it has — in ``states``, ``compare``, ``streams`` and ``types`` — not
"0 streams replayed" or an empty table."""

from __future__ import annotations

import pytest

from inspector.cli import main


@pytest.mark.parametrize("argv", [
    ["states", "--category", "nosuch"],
    ["states", "--category", "nosuch", "--where", 'state["credits"] < 0', "--json"],
    ["compare", "--category", "nosuch", "--projector", "demo", "--against", "generic"],
    ["streams", "--category", "nosuch"],
    ["streams", "--category", "nosuch", "--json"],
    ["types", "--category", "nosuch"],
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


def test_a_known_category_with_no_stream_matching_is_an_empty_listing_with_a_note(demo_store_path, capsys):
    code = main(["streams", str(demo_store_path), "--category", "wallet", "--match", "nosuch-*", "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and out.strip() == "[]"
    assert err.strip() == "note: --match 'nosuch-*': no stream of category 'wallet' matches (names are matched case-sensitively)"


def test_a_misspelt_category_is_answered_with_the_nearest_one(demo_store_path, capsys):
    code = main(["states", str(demo_store_path), "--category", "walet"])
    _, err = capsys.readouterr()
    assert code == 1 and err.strip() == ("event-inspector: error: --category walet: no stream of that category in "
                                         "this store (did you mean 'wallet'?); its categories: acl, job, wallet")
