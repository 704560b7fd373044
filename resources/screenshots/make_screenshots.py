"""Screenshots of the real window on the demo store, at 1280x800 and 1024x700, and on a store
written by the ``eventsourcing`` library.

Run: ``python resources/screenshots/make_screenshots.py`` (offscreen; writes the PNGs
next to this script). The demo store is built fresh in a temporary folder. ``dark.png``
is the State tab under a dark palette; ``health-view.png`` the demo's planted faults;
``compact-1024x700.png`` the window at 1024x700; ``diff-blame-collapsed.png`` the Diff tab from v1,
its paths changed by many events; ``state-tab-shared-version.png`` the State
tab on one of the two events that claim a version; ``eventsourcing-store.png`` an
eventsourcing store with the native projector chosen (the library's snapshots used).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent


def _wait(app, condition, timeout=15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        app.processEvents()
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        time.sleep(0.01)


def _settle(app, seconds=0.6, window=None) -> None:
    """Let the window paint for ``seconds``, after its timeline has drawn the lanes in view and
    counted the histogram (under load a fixed pause grabbed lanes of the previous filter)."""
    if window is not None:
        _wait(app, lambda: window.timeline.lanes_drawn() and not window.timeline.histogram_pending(), 60.0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
            os.environ[name] = str(Path(home) / name.lower())
        from inspector.demo import build_demo
        from inspector.ui.app import MainWindow, make_app

        store = Path(home) / "demo.db"
        planted = build_demo(store)
        stream, bad = planted.negative_wallet
        app = make_app()
        window = MainWindow(str(store))
        window.resize(1280, 800)
        window.show()
        _wait(app, lambda: window.store is not None and window.stream_model.rowCount() > 0)
        window.filter_edit.setText("wallet")
        _wait(app, lambda: window.stream_model.exhausted and window.stream_model.rowCount() > 0
              and all(window.stream_model.index(r, 0).data().startswith("wallet")
                      for r in range(window.stream_model.rowCount())))
        window.jump_to_version(stream, bad - 1)
        _wait(app, lambda: window.current_event is not None and window.current_event.version == bad - 1)
        window.timeline.cursorRequested.emit("A")
        window.jump_to_version(stream, bad)
        _wait(app, lambda: window.current_event is not None and window.current_event.version == bad)
        window.timeline.cursorRequested.emit("B")
        _wait(app, lambda: window.state_view.version == bad and window.diff_view.diff is not None
              and window.timeline.drawn_events())
        _settle(app, window=window)
        window.tabs.setCurrentWidget(window.event_view)
        _settle(app, 0.3, window=window)
        window.grab().save(str(HERE / "main-window.png"))
        window.tabs.setCurrentWidget(window.state_view)
        _settle(app, 0.3, window=window)
        window.grab().save(str(HERE / "state-view.png"))
        window.tabs.setCurrentWidget(window.diff_view)
        _settle(app, 0.3, window=window)
        window.grab().save(str(HERE / "diff-view.png"))
        # Diff from v1: a path changed by many events lists three of them and a count
        window.jump_to_version(stream, 1)
        _wait(app, lambda: window.current_event is not None and window.current_event.version == 1)
        window.timeline.cursorRequested.emit("A")
        window.jump_to_version(stream, bad)
        _wait(app, lambda: window.current_event is not None and window.current_event.version == bad)
        window.timeline.cursorRequested.emit("B")
        _wait(app, lambda: f"from v1 to v{bad}" in window.diff_view.summary.text() and not window.runner.busy("diff"))
        _settle(app, 0.4, window=window)
        window.grab().save(str(HERE / "diff-blame-collapsed.png"))
        # Audit: one actor across streams, an event's causation chain and correlated events.
        window.tabs.setCurrentWidget(window.audit_view)
        audit = window.audit_view
        audit.show_actor("dana@example.com")
        _wait(app, lambda: audit.model.rowCount() > 20)
        # an event two causes deep, so the chain has something to show
        shown = audit.model.events()
        ids = {e.metadata.get("event_id") for e in shown}
        row = next(r for r, e in enumerate(shown) if r > 6 and e.metadata.get("causation_id") in ids
                   and e.version is not None and e.version > 2)
        audit.table.setCurrentIndex(audit.model.index(row, 0))
        audit.table.scrollTo(audit.model.index(row, 0))
        _wait(app, lambda: audit.selected is not None and bool(audit.chain_end))
        _settle(app, 0.4, window=window)
        window.grab().save(str(HERE / "audit-view.png"))
        # Dark: the same window under a dark palette, on the State tab (highlighted fields).
        from inspector.ui.theme import dark_palette

        app.setPalette(dark_palette())
        window.tabs.setCurrentWidget(window.state_view)
        _settle(app, 0.5, window=window)
        window.grab().save(str(HERE / "dark.png"))
        app.setPalette(app.style().standardPalette())
        # Health: the demo's planted faults, one selected (its event shown in the table).
        window.tabs.setCurrentWidget(window.health_view)
        window.health_view.check_button.click()
        _wait(app, lambda: window.health_view.check_button.isEnabled() and window.health_view.findings)
        item = window.health_view.tree.topLevelItem(0)
        window.health_view.tree.setCurrentItem(item)
        window.health_view.tree.itemActivated.emit(item, 0)
        _wait(app, lambda: window.current_event is not None
              and window.current_event.stream == window.health_view.findings[0].stream)
        _settle(app, 0.5, window=window)
        window.grab().save(str(HERE / "health-view.png"))
        # Compact: the same window at 1024x700, State tab.
        window.tabs.setCurrentWidget(window.state_view)
        window.resize(1024, 700)
        _settle(app, 0.6, window=window)
        window.grab().save(str(HERE / "compact-1024x700.png"))
        window.close()
        shared_version(app, store, planted)
        _eventsourcing_store(app, Path(home))
    print(f"screenshots written to {HERE}")
    return 0


def shared_version(app, store: Path, planted) -> None:
    """``state-tab-shared-version.png``: the State tab on the first of the two events that claim
    the demo's duplicated version (its own state and changes, and the line naming it)."""
    from inspector.ui.app import MainWindow
    from inspector.ui.models import EventTableModel

    stream, version = planted.duplicate_version
    window = MainWindow(str(store))
    window.resize(1280, 800)
    window.show()
    _wait(app, lambda: window.store is not None and window.stream_model.rowCount() > 0)
    window.filter_edit.setText(stream)
    _wait(app, lambda: window.stream_model.row_of(stream) is not None)
    window.streams_view.setCurrentIndex(window.stream_model.index(window.stream_model.row_of(stream), 0))
    model = window.event_model
    _wait(app, lambda: model.exhausted and any(model.event_at(r).version == version for r in range(model.rowCount())))
    row = next(r for r in range(model.rowCount()) if model.event_at(r).version == version)
    window.tabs.setCurrentWidget(window.state_view)
    window.events_view.setCurrentIndex(model.index(row, EventTableModel.TYPE))
    event = model.event_at(row)
    _wait(app, lambda: window.state_view.position == event.position and not window.runner.busy("state"))
    _settle(app, 0.6, window=window)
    window.grab().save(str(HERE / "state-tab-shared-version.png"))
    window.close()


def _eventsourcing_store(app, home: Path) -> None:
    """A store written by the eventsourcing library, the native projector chosen with its code's folder."""
    import textwrap

    code = home / "bank_code"
    code.mkdir()
    (code / "bank_domain.py").write_text(textwrap.dedent("""
        from eventsourcing.application import Application
        from eventsourcing.domain import Aggregate, event


        class Account(Aggregate):
            @event("Opened")
            def __init__(self, owner: str):
                self.owner = owner
                self.balance = 0
                self.tags = []

            @event("Deposited")
            def deposit(self, amount: int, by: str):
                self.balance += amount

            @event("Withdrawn")
            def withdraw(self, amount: int, by: str):
                self.balance -= amount

            @event("Tagged")
            def tag(self, label: str):
                self.tags.append(label)


        class Bank(Application):
            snapshotting_intervals = {Account: 50}
        """), encoding="utf-8")
    db = home / "bank.db"
    os.environ["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
    os.environ["SQLITE_DBNAME"] = str(db)
    sys.path.insert(0, str(code))
    import bank_domain

    bank = bank_domain.Bank()
    for owner in ("ada", "grace", "linus", "margaret"):
        account = bank_domain.Account(owner)
        bank.save(account)
        for i in range(1, 140):
            if i % 9 == 0:
                account.tag(f"t{i}")
            elif i % 4 == 0:
                account.withdraw(i, by="payments")
            else:
                account.deposit(i * 3, by=f"{owner}@example.com")
            bank.save(account)
    bank.close()
    sys.path.remove(str(code))
    from inspector.replay.choices import ProjectorChoice
    from inspector.ui.app import MainWindow

    window = MainWindow(str(db))
    window.resize(1280, 800)
    window.show()
    _wait(app, lambda: window.store is not None and window.stream_model.rowCount() > 0)
    window.streams_view.setCurrentIndex(window.stream_model.index(0, 0))
    _wait(app, lambda: window.state_view.result is not None)
    window.tabs.setCurrentWidget(window.state_view)
    window.set_projector_choice(ProjectorChoice("native", str(code)))
    _wait(app, lambda: window.projector_choice.kind == "native")
    window.state_view.slider.setValue(120)
    _wait(app, lambda: window.state_view.version == 120 and not window.runner.busy("state"))
    _settle(app, 0.6, window=window)
    window.grab().save(str(HERE / "eventsourcing-store.png"))
    window.close()


if __name__ == "__main__":
    sys.exit(main())
