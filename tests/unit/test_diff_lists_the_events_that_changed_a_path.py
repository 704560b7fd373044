"""``diff``'s text names every event that changed a path when there are at most four (a cut to
three and "1 earlier" saves no line); longer lists keep the latest three and count the rest."""

from __future__ import annotations

import json

from inspector.cli import main
from inspector.commands.replay import _blame_text
from inspector.core.events import Event

WALLET = "wallet-9b2e71cc"


def test_four_events_are_all_named_as_the_json_lists_them(demo_store_path, capsys):
    assert main(["diff", str(demo_store_path), "--stream", WALLET, "--from", "v190", "--to", "v194", "--json"]) == 0
    credits = next(c for c in json.loads(capsys.readouterr()[0])["changes"] if c["path"] == "/credits")
    versions = [event["version"] for event in credits["events"]]
    assert versions == [191, 192, 193, 194]
    assert main(["diff", str(demo_store_path), "--stream", WALLET, "--from", "v190", "--to", "v194"]) == 0
    row = next(line for line in capsys.readouterr()[0].splitlines() if line.startswith("/credits"))
    assert "earlier" not in row and all(f"v{version} " in row for version in versions)


def _events(count: int) -> list[Event]:
    return [Event(position=version, stream=WALLET, version=version, type="CreditsSpent") for version in range(1, count + 1)]


def test_a_long_list_keeps_the_latest_three_and_counts_the_rest():
    assert _blame_text(_events(5)) == "2 earlier; v3 CreditsSpent; v4 CreditsSpent; v5 CreditsSpent"
    assert _blame_text(_events(4)) == "v1 CreditsSpent; v2 CreditsSpent; v3 CreditsSpent; v4 CreditsSpent"
    assert _blame_text(_events(3), omitted=1) == "1 earlier; v1 CreditsSpent; v2 CreditsSpent; v3 CreditsSpent"
