"""The password prompt: when a server asks for a password (File › Open, a recent store, a
reconnect), the window asks for it instead of only showing the server's refusal.

The password lives in the URL the store is opened with, and nowhere else: never in settings
(they keep URLs without it), window titles, the status bar, error banners or exports (all show
``redact``-ed URLs), and never in a log. "Remember in the system keyring" stores it with the
optional ``keyring`` package (``pip install 'event-stream-inspector[keyring]'``), under the
service ``KEYRING_SERVICE`` and the URL without its password; the next time that server asks,
the password is taken from there without a prompt, and a remembered password the server
refuses is forgotten before asking again.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from inspector.stores import redact
from inspector.stores.connect import (
    asks_for_password,
    is_url,
    url_password,
    url_with_password,
    url_without_password,
)

#: the keyring service the window's remembered passwords are filed under
KEYRING_SERVICE = "event-stream-inspector"


# --- the system keyring (optional) -------------------------------------------------------------
def _keyring():  # noqa: ANN202 - the keyring module, or None
    try:
        import keyring
    except ImportError:
        return None
    return keyring


def keyring_available() -> bool:
    """True when the ``keyring`` package is installed and the system has a keyring it can use
    (not only keyring's "fail" backend, as on a machine without a secret service)."""
    keyring = _keyring()
    if keyring is None:
        return False
    try:
        backend = keyring.get_keyring()
        return float(getattr(backend, "priority", 0)) > 0 and "fail" not in type(backend).__module__
    except Exception:  # a broken backend is no keyring
        return False


def stored_password(target: str) -> str | None:
    """The password remembered for ``target`` (its URL without password), or None."""
    keyring = _keyring()
    if keyring is None or not is_url(target) or not keyring_available():
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, url_without_password(target))
    except Exception:  # a locked or broken keyring: as if nothing were remembered
        return None


def remember_password(target: str, password: str) -> bool:
    """Keep ``password`` for ``target`` in the system keyring; False when that is not possible."""
    keyring = _keyring()
    if keyring is None or not keyring_available():
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, url_without_password(target), password)
    except Exception:
        return False
    return True


def forget_password(target: str) -> None:
    """Remove the password remembered for ``target``, if any."""
    keyring = _keyring()
    if keyring is None or not keyring_available():
        return
    try:
        keyring.delete_password(KEYRING_SERVICE, url_without_password(target))
    except Exception:  # nothing remembered (keyring raises PasswordDeleteError) or no keyring
        pass


# --- the prompt ----------------------------------------------------------------------------
class PasswordDialog(QDialog):
    """Asks for the password of one server URL (shown without any password)."""

    def __init__(self, url: str, parent: QWidget | None = None, *, refused: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Password needed")
        self.setMinimumWidth(460)
        box = QVBoxLayout(self)
        shown = redact(url_without_password(url))
        self.message = QLabel(
            ("The server refused the password for" if refused else "The server asks for a password for")
            + f"<br><b>{_escape(shown)}</b>")
        self.message.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.remember = QCheckBox("Remember in the system keyring")
        if keyring_available():
            self.remember.setToolTip("Kept by your desktop's keyring, never in the inspector's settings")
        else:
            self.remember.setEnabled(False)
            self.remember.setToolTip("Needs the keyring package and a system keyring: "
                                     "pip install 'event-stream-inspector[keyring]'")
        note = QLabel("The password is never saved in the inspector's settings, shown in titles or written "
                      "to exports; ticked, it is kept in your system keyring only.")
        note.setWordWrap(True)
        note.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Connect")
        for widget in (self.message, self.password, self.remember, note, buttons):
            box.addWidget(widget)
        self.password.setFocus()


def _escape(text: str) -> str:
    import html

    return html.escape(text)


#: the dialog being shown (tests answer it; only one prompt is open at a time)
open_prompt: PasswordDialog | None = None


def ask_password(parent: QWidget | None, url_without_password: str, *, refused: bool = False) -> str | None:
    """Ask for the password of ``url_without_password``; the password, or None when cancelled.

    With "Remember in the system keyring" ticked, the password is stored there at once (a
    refused one is forgotten by ``retry_with_password`` before asking again).
    """
    global open_prompt
    dialog = PasswordDialog(url_without_password, parent, refused=refused)
    open_prompt = dialog
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        password = dialog.password.text()
        if dialog.remember.isChecked():
            remember_password(url_without_password, password)
        return password
    finally:
        open_prompt = None
        dialog.deleteLater()


#: URLs (without password) whose prompt the user cancelled: a reconnect does not ask again
_declined: set[str] = set()


def retry_with_password(parent: QWidget | None, target: str, error: BaseException | str,
                        reopen: Callable[[str], None], *, asked_by_user: bool = True) -> bool:
    """When opening ``target`` failed because the server wants a (different) password: take the
    one remembered in the keyring, or ask for it, and call ``reopen`` with the URL holding it,
    returning True. False (nothing done) for any other failure, a target that is not a URL, or
    a prompt the user cancelled. Call it on the GUI thread (the prompt is modal).

    A remembered password the server refused is forgotten first, so the keyring never keeps a
    wrong one. ``asked_by_user=False`` (a reconnect on its own) never stacks a second prompt
    and does not ask again for a URL whose prompt the user cancelled.
    """
    if not is_url(target) or not asks_for_password(error):
        return False
    bare = url_without_password(target)
    if not asked_by_user and (open_prompt is not None or bare in _declined):
        return False
    tried, remembered = url_password(target), stored_password(target)
    if tried is None and remembered is not None:  # the keyring knows it: no need to ask
        reopen(url_with_password(bare, remembered))
        return True
    if tried is not None and tried == remembered:
        forget_password(target)
    password = ask_password(parent, bare, refused=tried is not None)
    if password is None:
        _declined.add(bare)
        return False
    _declined.discard(bare)
    reopen(url_with_password(bare, password))
    return True
