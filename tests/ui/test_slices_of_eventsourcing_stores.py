"""A slice exported from a store the eventsourcing library wrote replays to the store's own
code-free state (the library's envelope fields left out), in the CLI, a pytest fixture and the
window; a slice exported with native replay says why that cannot replay it, and a native
pytest fixture is refused with the reason instead of "replays no event"."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from PySide6.QtCore import Qt

from inspector.cli import main

from eventsourcing_store import build_library_store


@pytest.fixture
def library_store(tmp_path, monkeypatch):
    return build_library_store(tmp_path, monkeypatch)


def _replayed(capsys, target: str, stream: str, *extra: str) -> tuple[dict, str]:
    assert main(["replay", target, "--stream", stream, "--json", *extra]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


@pytest.mark.parametrize("fmt, suffix", [("jsonl", ".jsonl"), ("sqlite", ".db")])
def test_a_slice_replays_to_the_store_s_code_free_state(library_store, tmp_path, capsys, fmt, suffix):
    stream = library_store.stream
    on_store, _ = _replayed(capsys, str(library_store.path), stream)
    assert not {"timestamp", "originator_topic"} & set(on_store["state"])
    target = tmp_path / f"slice{suffix}"
    assert main(["export", str(library_store.path), "--format", fmt, "-o", str(target)]) == 0
    capsys.readouterr()

    on_slice, _ = _replayed(capsys, str(target), stream)

    assert on_slice["state"] == on_store["state"] and on_slice["version"] == on_store["version"]
    assert on_slice["projector"] == "generic (eventsourcing)"


def test_a_slice_exported_with_native_replay_says_why_it_replays_without_it(library_store, tmp_path, capsys):
    stream = library_store.stream
    target = tmp_path / "slice.db"
    assert main(["export", str(library_store.path), "--format", "sqlite", "-o", str(target),
                 "--projector", "native", "--path", str(library_store.domain_dir)]) == 0
    _, err = capsys.readouterr()
    assert "note: native eventsourcing replay needs the library's own tables" in err  # said when exporting
    on_store, _ = _replayed(capsys, str(library_store.path), stream)

    on_slice, err = _replayed(capsys, str(target), stream)

    assert "needs the library's own tables" in err and "--path" not in err
    assert on_slice["state"] == on_store["state"]


def test_a_pytest_fixture_pins_the_code_free_state_and_refuses_native_replay(library_store, tmp_path, capsys):
    stream = library_store.stream
    fixture = tmp_path / "test_account.py"
    assert main(["export", str(library_store.path), "--stream", stream, "--format", "pytest",
                 "-o", str(fixture)]) == 0
    text = fixture.read_text(encoding="utf-8")
    assert "PROJECTOR = 'generic:eventsourcing'" in text and "originator_topic" not in text.split("EXPECTED_STATE")[1]
    capsys.readouterr()

    assert main(["export", str(library_store.path), "--stream", stream, "--format", "pytest", "-o",
                 str(tmp_path / "test_native.py"), "--projector", "native", "--path", str(library_store.domain_dir)]) == 1
    _, err = capsys.readouterr()
    assert "native eventsourcing replay needs the library's own tables" in err
    assert not (tmp_path / "test_native.py").exists()


@contextmanager
def _window_on_first_stream(qtbot, target):
    """The window on ``target``, its first stream selected and its state replayed."""
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(target))
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
        win.streams_view.setCurrentIndex(win.stream_model.index(0, 0))
        qtbot.waitUntil(lambda: win.state_view.result is not None, timeout=10000)
        yield win
    finally:
        win.shutdown()


def test_the_window_opens_such_a_slice_with_the_code_free_eventsourcing_state(qtbot, library_store, tmp_path, capsys):
    target = tmp_path / "slice.jsonl"
    assert main(["export", str(library_store.path), "--format", "jsonl", "-o", str(target)]) == 0
    capsys.readouterr()
    with _window_on_first_stream(qtbot, target) as win:
        assert win.projector_choice.describe() == "generic (eventsourcing)"
        assert not {"timestamp", "originator_topic"} & set(win.state_view.result.state)


def test_a_slice_exported_with_native_replay_offers_no_native_replay_in_the_window(qtbot, library_store, tmp_path,
                                                                                    capsys):
    target = tmp_path / "native-slice.jsonl"
    assert main(["export", str(library_store.path), "--format", "jsonl", "-o", str(target),
                 "--projector", "native", "--path", str(library_store.domain_dir)]) == 0
    capsys.readouterr()
    with _window_on_first_stream(qtbot, target) as win:
        bar = win.state_view.projector_bar
        assert not bar.offer_button.isVisible()  # no button for a projector that cannot read a slice
        native = bar.choice_box.model().item(bar.choice_box.findData("native"))
        assert not native.isEnabled() and "does not have them" in native.toolTip()
        assert bar.choice_box.model().item(bar.choice_box.findData("file")).isEnabled()


@pytest.mark.parametrize("fmt, name", [("jsonl", "slice.jsonl"), ("sqlite", "slice.db")])
def test_the_window_lists_a_slice_s_streams_under_the_store_s_categories(qtbot, library_store, tmp_path, capsys,
                                                                         fmt, name):
    target = tmp_path / name
    assert main(["export", str(library_store.path), "--format", fmt, "-o", str(target)]) == 0
    capsys.readouterr()
    with _window_on_first_stream(qtbot, target) as win:
        qtbot.waitUntil(lambda: win.category_box.findData("Account") >= 0, timeout=10000)
        categories = [win.category_box.itemData(i) for i in range(1, win.category_box.count())]
        assert categories == ["Account"]
        assert win.stream_model.summary(0).category == "Account"
        assert "category: Account" in win.stream_model.data(win.stream_model.index(0, 0),
                                                            Qt.ItemDataRole.ToolTipRole)
