"""``check --snapshots`` on a store whose layout keeps no snapshots says so, rather than
"0 stored snapshot(s) compared"; the damage checks still run."""

from __future__ import annotations

import json

from inspector.cli import main


def test_the_demo_store_keeps_no_snapshots_and_check_says_so(demo_store_path, capsys):
    code = main(["check", str(demo_store_path), "--snapshots", "--exit-zero"])
    out, _ = capsys.readouterr()
    assert code == 0 and "0 stored snapshot" not in out
    assert out.splitlines()[0] == ("note: --snapshots: this store's layout (generic) keeps no snapshots, so there "
                                   "are none to compare; the other checks ran as usual")
    assert "duplicate_version" in out


def test_the_json_stays_one_document_and_the_note_goes_to_stderr(demo_store_path, capsys):
    code = main(["check", str(demo_store_path), "--snapshots", "--json", "--exit-zero"])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["findings"]
    assert "keeps no snapshots" in err
