"""An export writes one file into a folder that exists: a missing folder (a typo in -o) is
refused with a message naming it, and no folder is ever created."""

from __future__ import annotations

from inspector.cli import main
from inspector.export import export
from inspector.stores import StoreError, open_store


def test_a_missing_folder_is_refused_and_not_created(demo_store_path, tmp_path, capsys):
    folder = tmp_path / "nonexistent"
    code = main(["export", str(demo_store_path), "--stream", "wallet-9b2e71cc", "--format", "jsonl",
                 "-o", str(folder / "x.jsonl")])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and not folder.exists()
    assert err.strip() == (f"event-inspector: error: cannot write {folder / 'x.jsonl'}: the folder {folder} does not "
                           "exist (exports never create folders: create it first, or give another path)")


def test_a_file_in_place_of_the_folder_is_refused(demo_store_path, tmp_path):
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a folder")
    store = open_store(str(demo_store_path))
    try:
        export(store, "csv", blocker / "audit.csv")
    except StoreError as exc:
        assert str(exc) == f"cannot write {blocker / 'audit.csv'}: {blocker} is not a folder"
    else:
        raise AssertionError("an export under a plain file was not refused")
    finally:
        store.close()
    assert blocker.read_text() == "not a folder"


def test_an_existing_folder_is_written_to(demo_store_path, tmp_path, capsys):
    target = tmp_path / "wallet.jsonl"
    code = main(["export", str(demo_store_path), "--stream", "wallet-9b2e71cc", "--format", "jsonl", "-o", str(target)])
    capsys.readouterr()
    assert code == 0 and target.read_text().count("\n") > 100
