"""A server that asks for a password gets one asked for in the window: a MariaDB role with a
password (made for the test, dropped after), the prompt, the optional system keyring, and the
password kept out of titles, settings, the status bar and exports."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from PySide6.QtCore import QTimer

from inspector.stores import StoreError, open_store
from inspector.stores.connect import asks_for_password, url_password, url_with_password, url_without_password
from inspector.ui import password as prompt
from tests.stores.servers import scratch_database

PASSWORD = "s3cret@pa/ss?#word"  # unencoded URL characters on purpose


@pytest.fixture
def protected_store(mysql_url):
    """A MariaDB database with a generic events table, readable by a role that needs a password.

    Yields the URL without the password; the role and database are dropped afterwards."""
    scratch = scratch_database(mysql_url, "pw")
    role = f"insp_pw_{uuid.uuid4().hex[:8]}"
    database = sa.engine.make_url(scratch.url).database
    with scratch.writer.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE events (position BIGINT PRIMARY KEY AUTO_INCREMENT, stream VARCHAR(200) NOT NULL, "
            "version BIGINT, type VARCHAR(200), recorded_at DATETIME(6), data TEXT, metadata TEXT)")
        conn.exec_driver_sql("CREATE INDEX events_stream_version ON events (stream, version)")
        for version, kind in enumerate(("WalletOpened", "CreditsGranted"), start=1):
            conn.exec_driver_sql(
                "INSERT INTO events (stream, version, type, recorded_at, data, metadata) VALUES "
                "('wallet-1', %s, %s, '2026-07-01 12:00:00', '{\"amount\": 5}', '{\"actor\": \"ann@example.com\"}')",
                (version, kind))
    admin = sa.create_engine(mysql_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE USER '{role}'@'%%' IDENTIFIED BY %s", (PASSWORD,))
        conn.exec_driver_sql(f"GRANT SELECT ON `{database}`.* TO '{role}'@'%%'")
    url = sa.engine.make_url(scratch.url).set(username=role, password=None)
    try:
        yield url._replace(password=None).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP USER IF EXISTS '{role}'@'%%'")
        admin.dispose()
        scratch.drop()


@pytest.fixture
def memory_keyring():
    """A system keyring for the test (the machine has none): the ``keyring`` package's API, in memory."""
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class MemoryKeyring(KeyringBackend):
        priority = 1

        def __init__(self) -> None:
            super().__init__()
            self.items: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.items.get((service, username))

        def set_password(self, service, username, password):
            self.items[(service, username)] = password

        def delete_password(self, service, username):
            if self.items.pop((service, username), None) is None:
                raise PasswordDeleteError("none")

    before = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    try:
        yield memory
    finally:
        keyring.set_keyring(before)


def answer_prompt(qtbot, password: str | None, *, remember: bool = False, seen: list | None = None) -> None:
    """Answer the next password prompt as a user would: type, tick, Connect (or Cancel for None)."""
    def answer() -> None:
        dialog = prompt.open_prompt
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, answer)
            return
        if seen is not None:
            seen.append((dialog.message.text(), dialog.remember.isEnabled()))
        if password is None:
            dialog.reject()
            return
        qtbot.keyClicks(dialog.password, password)
        dialog.remember.setChecked(remember)
        dialog.ok_button.click()

    QTimer.singleShot(0, answer)


def test_the_server_refusal_is_read_as_a_request_for_a_password(protected_store):
    with pytest.raises(StoreError) as refused:
        open_store(protected_store)
    assert asks_for_password(refused.value)
    assert not asks_for_password(StoreError("connection refused"))
    with_password = url_with_password(protected_store, PASSWORD)
    assert url_password(with_password) == PASSWORD and url_without_password(with_password) == protected_store
    store = open_store(with_password)
    try:
        assert [s.stream for s in store.streams()] == ["wallet-1"]
        assert PASSWORD not in store.location and "***" in store.location
    finally:
        store.close()


def test_the_prompt_asks_then_reopens_with_the_password(qtbot, protected_store):
    with pytest.raises(StoreError) as refused:
        open_store(protected_store)
    reopened: list[str] = []
    seen: list = []
    answer_prompt(qtbot, PASSWORD, seen=seen)
    assert prompt.retry_with_password(None, protected_store, refused.value, reopened.append)
    assert [url_password(url) for url in reopened] == [PASSWORD]
    message, remember_enabled = seen[0]
    assert "asks for a password" in message and PASSWORD not in message
    assert not remember_enabled or prompt.keyring_available()  # no system keyring here: greyed out

    # Cancel: nothing reopened, the failure stands
    answer_prompt(qtbot, None)
    assert not prompt.retry_with_password(None, protected_store, refused.value, reopened.append)
    assert len(reopened) == 1
    # a failure that is not about a password is left to the caller
    assert not prompt.retry_with_password(None, protected_store, StoreError("no such host"), reopened.append)


def test_a_remembered_password_is_used_without_asking_and_forgotten_when_refused(qtbot, protected_store,
                                                                                 memory_keyring):
    refused = StoreError("(1045, \"Access denied for user 'x'@'h' (using password: NO)\")")
    reopened: list[str] = []
    answer_prompt(qtbot, PASSWORD, remember=True)
    assert prompt.retry_with_password(None, protected_store, refused, reopened.append)
    assert memory_keyring.items == {(prompt.KEYRING_SERVICE, protected_store): PASSWORD}
    # the next time the server asks, the keyring answers: no prompt
    assert prompt.retry_with_password(None, protected_store, refused, reopened.append)
    assert prompt.open_prompt is None and url_password(reopened[-1]) == PASSWORD
    # the server refuses the remembered one: it is forgotten and the user is asked, told so
    seen: list = []
    answer_prompt(qtbot, "another", seen=seen)
    assert prompt.retry_with_password(None, url_with_password(protected_store, PASSWORD), refused, reopened.append)
    assert memory_keyring.items == {} and url_password(reopened[-1]) == "another"
    assert "refused the password" in seen[0][0] and seen[0][1]  # remember offered: a keyring is there


def test_the_window_asks_for_the_password_and_keeps_it_out_of_everything_shown_or_saved(
        qtbot, protected_store, tmp_path):
    from inspector.ui.app import MainWindow, make_app
    from inspector.ui.settings import config_dir

    make_app()
    seen: list = []
    answer_prompt(qtbot, PASSWORD, seen=seen)
    win = MainWindow(protected_store)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() == 1, timeout=20000)
        assert seen and "asks for a password" in seen[0][0]
        assert win.stream_model.index(0, 0).data() == "wallet-1"
        shown = [win.windowTitle(), win.store_label.text(), win.store_label.toolTip(),
                 win.statusBar().currentMessage(), win.banner.text()]
        assert not any(PASSWORD in text or "s3cret" in text for text in shown), shown
        win.settings.save()
        saved = (config_dir() / "settings.json").read_text(encoding="utf-8")
        assert "s3cret" not in saved and protected_store in json.loads(saved)["recent_stores"]
        output = tmp_path / "slice.html"
        from inspector.export import export

        export(win.store, "html", output)
        assert "s3cret" not in output.read_text(encoding="utf-8")
        win.grab().save(str(tmp_path / "opened.png"))
    finally:
        win.shutdown()


def test_a_reconnect_refused_with_the_old_password_asks_for_the_new_one(qtbot, protected_store, mysql_url):
    """The server dropped the window's sessions and now wants another password (it was changed)."""
    from inspector.ui.app import MainWindow, make_app

    make_app()
    role = sa.engine.make_url(protected_store).username
    win = MainWindow(url_with_password(protected_store, PASSWORD))
    qtbot.addWidget(win)
    win.show()
    admin = sa.create_engine(mysql_url, isolation_level="AUTOCOMMIT")
    try:
        qtbot.waitUntil(lambda: win.store is not None and win.stream_model.rowCount() == 1, timeout=20000)
        win.follow_action.trigger()
        qtbot.waitUntil(lambda: win.follower.polls >= 1, timeout=10000)
        seen: list = []
        answer_prompt(qtbot, "n3w-password", seen=seen)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"ALTER USER '{role}'@'%%' IDENTIFIED BY 'n3w-password'")
            for (session,) in conn.exec_driver_sql(
                    "SELECT id FROM information_schema.processlist WHERE user = %s", (role,)).fetchall():
                conn.exec_driver_sql(f"KILL {int(session)}")
        qtbot.waitUntil(lambda: bool(seen), timeout=30000)
        assert "refused the password" in seen[0][0]
        qtbot.waitUntil(lambda: win.store is not None and url_password(win.store_target or "") == "n3w-password"
                        and win.stream_model.rowCount() == 1, timeout=20000)
        assert "n3w-password" not in win.windowTitle() and PASSWORD not in win.windowTitle()
    finally:
        win.shutdown()
        admin.dispose()
