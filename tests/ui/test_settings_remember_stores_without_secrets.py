"""What the window remembers between runs: recent stores (one entry per store, never a secret
of its URL), the projector chosen for each store (only once it has loaded) and the preferences."""

from __future__ import annotations

import json

from inspector.ui.settings import Settings

PROJECTOR = (
    "from inspector.replay import projector\n\n"
    "@projector('wallet')\n"
    "def counted(state, event):\n"
    "    state['seen'] = state.get('seen', 0) + 1\n"
    "    return state\n"
)


def _open_window(qtbot, target, settings=None):
    from inspector.ui.app import MainWindow, make_app

    make_app()
    win = MainWindow(str(target), settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() > 0, timeout=10000)
    return win


# --- 1. secrets in the settings file ------------------------------------------------------
def test_secret_query_parameters_of_an_opened_store_never_reach_the_settings_file(qtbot, demo_copy, tmp_path):
    source = tmp_path / "counted.py"
    source.write_text(PROJECTOR)
    url = f"sqlite:///{demo_copy}?password=hunter2&sslpassword=hunter3&mode=ro"
    win = _open_window(qtbot, url)
    try:
        assert "hunter2" not in win.windowTitle()
        win.set_projector_file(str(source))
        qtbot.waitUntil(lambda: win.projector_file == str(source), timeout=10000)
        text = win.settings.path.read_text()
        assert "hunter2" not in text and "hunter3" not in text
        saved = json.loads(text)
        assert saved["recent_stores"][0] == f"sqlite:///{demo_copy}?mode=ro"
        assert saved["projectors"] == {f"sqlite:///{demo_copy}?mode=ro": str(source)}
        # and the same store opened again with the secret finds its projector
        assert win.settings.projector_for(url) == str(source)
    finally:
        win.shutdown()


def test_server_urls_are_saved_without_any_secret_spelling(tmp_path):
    settings = Settings(tmp_path / "settings.json")
    for url in (
        "postgresql+psycopg:///events?host=db&user=ann&password=hunter4",
        "postgresql+psycopg://ann@db/events?sslpassword=hunter5&application_name=x",
        "postgresql+psycopg://ann:hunter6@db/events?sslmode=require&PASSWORD=hunter7",
        "mysql+pymysql://ann@db/events?passwd=hunter8",
    ):
        settings.add_recent_store(url)
        settings.set_projector_for(url, "/p.py")
    text = settings.path.read_text()
    assert not any(f"hunter{n}" in text for n in range(4, 9))
    assert settings.recent_stores() == [
        "mysql+pymysql://ann@db/events",
        "postgresql+psycopg://ann@db/events?sslmode=require",
        "postgresql+psycopg://ann@db/events?application_name=x",
        "postgresql+psycopg:///events?host=db&user=ann",
    ]


def test_secrets_an_older_version_saved_are_removed_when_the_settings_are_read(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({
        "recent_stores": ["postgresql+psycopg://postgres@127.0.0.1/rv?password=hunter3",
                          "postgresql+psycopg://postgres@127.0.0.1/rv"],
        "projectors": {"postgresql+psycopg://postgres@127.0.0.1/rv?sslpassword=hunter7": "/p.py"},
    }))
    settings = Settings(path)
    assert "hunter" not in path.read_text()
    assert settings.recent_stores() == ["postgresql+psycopg://postgres@127.0.0.1/rv"]
    assert settings.projector_for("postgresql+psycopg://postgres@127.0.0.1/rv") == "/p.py"


# --- 2. one key per store -----------------------------------------------------------------
def test_one_store_spelled_two_ways_is_one_recent_entry_with_its_projector(qtbot, demo_copy, tmp_path,
                                                                          monkeypatch):
    source = tmp_path / "counted.py"
    source.write_text(PROJECTOR)
    win = _open_window(qtbot, demo_copy)
    win.set_projector_file(str(source))
    qtbot.waitUntil(lambda: win.projector_file == str(source), timeout=10000)
    win.shutdown()

    roundabout = demo_copy.parent / ".." / demo_copy.parent.name / demo_copy.name
    again = _open_window(qtbot, roundabout, settings=Settings())
    try:
        assert again.store_target == str(demo_copy)
        assert again.settings.recent_stores() == [str(demo_copy)]
        assert again.projector_file == str(source)
        assert again.state_view.projector_bar.label.toolTip() == str(source)
    finally:
        again.shutdown()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(demo_copy.parent)
    relative = _open_window(qtbot, demo_copy.name, settings=Settings())
    relative.shutdown()
    monkeypatch.chdir(elsewhere)
    settings = Settings()
    assert settings.recent_stores() == [str(demo_copy)]  # absolute: opens from any directory
    url = Settings()
    url.add_recent_store(f"sqlite:///../{demo_copy.name}")  # from tmp/elsewhere
    assert url.recent_stores()[0] == f"sqlite:///{demo_copy}"


# --- 3. a projector is remembered once it has loaded ---------------------------------------
def test_a_broken_projector_file_leaves_the_previous_one_active_and_remembered(qtbot, window, demo_copy,
                                                                             demo_planted, tmp_path):
    stream, _bad = demo_planted.negative_wallet
    good = tmp_path / "counted.py"
    good.write_text(PROJECTOR)
    broken = tmp_path / "broken.py"
    broken.write_text("def broken(:\n")
    _select_stream(qtbot, window, stream)
    state = window.state_view
    window.set_projector_file(str(good))
    qtbot.waitUntil(lambda: state.model.value_at("seen") is not None, timeout=10000)
    seen = state.model.value_at("seen")

    window.set_projector_file(str(broken))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10000)
    assert "broken.py" in window.banner.text() and f"Still using {good}" in window.banner.text()
    assert window.projector_file == str(good)
    assert state.projector_bar.label.toolTip() == str(good)
    assert window.settings.projector_for(str(demo_copy)) == str(good)
    assert str(broken) not in window.settings.path.read_text()
    assert state.model.value_at("seen") == seen

    window.shutdown()
    again = _open_window(qtbot, demo_copy, settings=Settings())
    try:
        assert again.projector_file == str(good)
        assert not again.banner.isVisible()
    finally:
        again.shutdown()


def _select_stream(qtbot, win, stream):
    win.filter_edit.setText(stream)
    qtbot.waitUntil(lambda: win.stream_model.row_of(stream) is not None, timeout=5000)
    win.streams_view.setCurrentIndex(win.stream_model.index(win.stream_model.row_of(stream), 0))
    qtbot.waitUntil(lambda: win.event_model.rowCount() > 0 and win.event_model.event_at(0).stream == stream,
                    timeout=5000)


# --- 4. preferences ------------------------------------------------------------------------
def test_preferences_are_remembered_after_a_restart_and_used(qtbot, window, demo_copy, demo_planted):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialogButtonBox

    from inspector.ui.preferences import PreferencesDialog

    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(getattr(window, "preferences_dialog_widget", None), PreferencesDialog)
                    and window.preferences_dialog_widget.isVisible(), timeout=10000)
    dialog = window.preferences_dialog_widget
    assert dialog.every_box.value() == 1000 and dialog.poll_box.value() == 1000
    dialog.every_box.setValue(50)
    dialog.cache_box.setValue(64)
    dialog.poll_box.setValue(2500)
    dialog.page_box.setValue(120)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert window.follower.interval_ms == 2500  # used at once
    window.shutdown()

    again = _open_window(qtbot, demo_copy, settings=Settings())
    try:
        assert again.preferences.snapshot_every == 50 and again.preferences.cache_mb == 64
        assert again.follower.interval_ms == 2500
        # the table reads pages of the remembered size
        qtbot.waitUntil(lambda: again.event_model.rowCount() > 0 and not again.event_model.loading, timeout=5000)
        assert again.event_model.rowCount() == 120
        # replays keep a snapshot every 50 events
        again.filter_edit.setText("wallet-*")
        qtbot.waitUntil(lambda: again.stream_model.exhausted and again.stream_model.rowCount() > 1, timeout=5000)
        stream = max(again.stream_model.summaries(), key=lambda summary: summary.last_version or 0).stream
        _select_stream(qtbot, again, stream)
        qtbot.waitUntil(lambda: again.state_view.version is not None, timeout=10000)
        cache = again._snapshot_cache()
        assert cache.max_bytes == 64 * 1024 * 1024
        last = again.state_view.version
        again.state_view.slider.setValue(last)
        qtbot.waitUntil(lambda: {50, 100, 150} <= set(_cached_versions(cache)), timeout=10000)
        assert all(version % 50 == 0 or version == last for version in _cached_versions(cache))

        # Clear snapshot cache empties it and says so
        again.preferences_action.trigger()
        dialog = again.preferences_dialog_widget
        assert dialog.every_box.value() == 50 and dialog.page_box.value() == 120
        qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.cache_status.text() == "Cleared.", timeout=5000)
        assert len(cache) == 0
        dialog.reject()
    finally:
        again.shutdown()


def _cached_versions(cache):
    with cache._lock:
        return [row[0] for row in cache._conn.execute("SELECT version FROM snapshots")]


def test_unusable_preferences_in_the_settings_file_fall_back_or_are_clamped(tmp_path):
    from inspector.ui.preferences import Preferences

    settings = Settings(tmp_path / "settings.json")
    settings.set("preferences", {"snapshot_every": "often", "cache_mb": 1, "poll_ms": True, "page_size": 10**9})
    loaded = Preferences.load(settings)
    assert loaded == Preferences(snapshot_every=1000, cache_mb=16, poll_ms=1000, page_size=10_000)
