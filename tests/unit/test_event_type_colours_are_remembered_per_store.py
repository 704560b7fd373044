"""A store's event types keep their colours from one session to the next even when the store
gained types meanwhile: the window remembers each store's type → colour map in its settings
(keyed as the recent stores are, without secrets) and the new types take free colours. Each
session here is a fresh ``TypeColours`` and a fresh ``Settings`` read from the same file, as a
freshly started inspector has."""

from __future__ import annotations

from pathlib import Path

from inspector.ui.presenting import TYPE_PALETTE, TypeColours
from inspector.ui.settings import MAX_COLOUR_STORES, Settings

TYPES = ["RecordOpened", "RecordClosed", "RecordAmended", "NoteAdded", "NoteRemoved", "OwnerChanged",
         "Archived", "Restored", "LabelAdded", "LabelRemoved", "Merged", "Split", "Exported"]


def _session(settings_file: Path, store: str, types: list[str]) -> dict[str, str]:
    """The colours one session shows for ``store`` with ``types``, remembering them as the window does."""
    settings, colours = Settings(settings_file), TypeColours()
    colours.remember(settings.type_colours_for(store))  # the store opens
    colours.use(types)  # its type list arrives
    settings.set_type_colours_for(store, colours.settled())
    return {name: colours.colour(name) for name in types}


def test_a_store_that_gained_a_type_keeps_its_old_types_colours_in_the_next_session(tmp_path):
    settings_file = tmp_path / "settings.json"
    first = _session(settings_file, "/data/records.db", TYPES)
    gained = [*TYPES, "Approved"]  # first by name: recomputed from names, it would move old types
    recomputed = TypeColours()
    recomputed.use(gained)
    assert any(recomputed.colour(name) != first[name] for name in TYPES)

    second = _session(settings_file, "/data/records.db", gained)
    assert {name: second[name] for name in TYPES} == first
    assert second["Approved"] not in first.values()
    assert _session(settings_file, "/data/records.db", gained) == second  # and stays so


def test_two_stores_keep_their_own_colours(tmp_path):
    settings_file = tmp_path / "settings.json"
    ledger_types = ["Deposited", "Withdrawn", "Approved", "Frozen"]
    records = _session(settings_file, "/data/records.db", TYPES)
    ledger = _session(settings_file, "postgresql://app@db.example/ledger", ledger_types)
    records_again = _session(settings_file, "/data/records.db", [*TYPES, "Approved", "Frozen"])
    ledger_again = _session(settings_file, "postgresql://app@db.example/ledger", [*ledger_types, "Archived"])
    assert {name: records_again[name] for name in TYPES} == records
    assert {name: ledger_again[name] for name in ledger_types} == ledger


def test_remembered_colours_name_the_store_without_secrets_and_stay_bounded(tmp_path):
    settings_file = tmp_path / "settings.json"
    with_password = "postgresql://app:hunter2@db.example/ledger?sslpassword=s3cret&sslmode=require"
    shown = _session(settings_file, with_password, ["Deposited", "Withdrawn"])
    text = settings_file.read_text(encoding="utf-8")
    assert "hunter2" not in text and "s3cret" not in text
    assert Settings(settings_file).type_colours_for("postgresql://app@db.example/ledger?sslmode=require") == shown

    many_types = [f"Type{i:02}" for i in range(2 * len(TYPE_PALETTE))]  # colours repeat beyond the palette
    _session(settings_file, "/data/wide.db", many_types)
    assert len(Settings(settings_file).type_colours_for("/data/wide.db")) == len(TYPE_PALETTE)

    settings = Settings(settings_file)
    for number in range(MAX_COLOUR_STORES + 5):
        settings.set_type_colours_for(f"/data/store{number}.db", {"Deposited": TYPE_PALETTE[0]})
    assert len(Settings(settings_file).get("type_colours")) == MAX_COLOUR_STORES
    assert Settings(settings_file).type_colours_for("/data/store0.db") == {}  # the least recent is forgotten
    assert Settings(settings_file).type_colours_for(f"/data/store{MAX_COLOUR_STORES + 4}.db")
