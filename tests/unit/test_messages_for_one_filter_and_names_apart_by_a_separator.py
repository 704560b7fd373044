"""Messages a new user read wrong: an empty ``events`` listing with one filter said "no event
matches all of these filters"; a stream name close to several ('order') was answered with
'Order-1' and 'order 1' but not 'order-1', the one differing by a separator alone (names equal
but for case were folded into one before they were compared)."""

from __future__ import annotations

import json

import pytest

from inspector.cli import main
from inspector.core.suggest import close_names


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("filters", "said"),
    [
        (["--actor", "alice"], "no event matches this filter"),
        (["--grep", "no-such-text-anywhere"], "no event matches this filter"),
        (["--actor", "alice", "--grep", "x"], "no event matches all of these filters"),
    ],
)
def test_an_empty_listing_is_worded_for_the_filters_given(demo_store_path, capsys, filters, said):
    code, out, _ = run(capsys, "events", str(demo_store_path), *filters)
    assert code == 0 and out.splitlines()[-1] == said


def test_a_store_with_no_events_says_so(tmp_path, capsys):
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    code, out, _ = run(capsys, "events", str(path))
    assert code == 0 and out.splitlines()[-1] == "no events in this store"


def test_the_names_apart_by_a_separator_or_case_are_all_suggested(tmp_path, capsys):
    path = tmp_path / "orders.jsonl"
    path.write_text(
        "".join(
            json.dumps({"stream": name, "version": 1, "type": "Placed", "data": {}}) + "\n"
            for name in ("Order-1", "order 1", "order-1", "chat-1")
        )
    )
    code, _, err = run(capsys, "replay", str(path), "--stream", "order")
    assert code == 1
    assert err.strip() == (
        "event-inspector: error: no events in stream 'order'; did you mean 'order 1', 'order-1' or 'Order-1'?"
    )


def test_names_equal_but_for_case_are_each_kept_closest_as_written_first():
    assert close_names("order", ["Order-1", "order-1"]) == ["order-1", "Order-1"]
    assert close_names("wallet-9b2e71c", ["wallet-9b2e71cc", "WALLET-9B2E71CC"]) == [
        "wallet-9b2e71cc",
        "WALLET-9B2E71CC",
    ]
    assert close_names("Wallet", ["wallet", "wallets"]) == ["wallet"]  # the same name in another case, alone
