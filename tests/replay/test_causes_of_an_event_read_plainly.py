"""``audit --causes-of``'s first line counts the stored events that led to the event (the rows
listed are those plus the event itself) and says in words how the chain ends: a causation id that
is the correlation id is the request that started it, not a stored event."""

from __future__ import annotations

from inspector.cli import main
from inspector.core import audit


def test_the_count_is_of_the_causes_and_the_rows_add_the_event_itself(demo_store, demo_store_path, capsys):
    event = audit.event_at(demo_store, "wallet-9b2e71cc", 42)
    found = audit.causes_of(demo_store, event)
    assert found.causes == len(found.chain) - 1 and found.causes >= 1
    code = main(["audit", str(demo_store_path), "--causes-of", "wallet-9b2e71cc@42"])
    out = capsys.readouterr().out
    head, *rest = out.splitlines()
    rows = rest[2:rest.index("")]  # the chain table: two header lines, then one row per event
    assert code == 0 and len(rows) == found.causes + 1 and rows[-1].split()[2] == "42"
    root_cause = audit.meta(found.chain[0], "causation_id")
    assert head == (f"wallet-9b2e71cc v42 ({event.type}): {found.causes} stored events led to it, listed first "
                    f"cause first, then the event itself; the first cause's causation id {root_cause} is the "
                    "correlation id: the request or command that started it, not a stored event")


def test_an_event_nothing_stored_led_to_says_so(demo_store_path, capsys):
    code = main(["audit", str(demo_store_path), "--causes-of", "wallet-9b2e71cc@1"])
    head = capsys.readouterr().out.splitlines()[0]
    assert code == 0
    assert head.startswith("wallet-9b2e71cc v1 (WalletOpened): no stored event led to it; its causation id ")
    assert head.endswith("is the correlation id: the request or command that started it, not a stored event")
