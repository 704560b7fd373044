"""The store session: opening a store (a file, a URL, the demo), switching to it, and closing it.

Owns ``store``, ``store_target`` and ``store_info``; a newly opened store replaces the old one in every pane at once; stale answers for a store no longer open are dropped.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QApplication,
)

from inspector.stores import open_store, redact
from inspector.ui.models import type_icon
from inspector.ui.settings import normalized_target
from inspector.ui.widgets import OpenStoreDialog
from inspector.ui.window.names import ALL, APP_NAME, describe_store


class StoreSession:
    """Part of ``MainWindow`` (a mixin: ``self`` is the window)."""

    def open_store_dialog(self) -> None:
        dialog = OpenStoreDialog(self.settings.recent_stores(), self)
        if dialog.exec():
            target, layout = dialog.chosen()
            if target:
                self.open_target(target, layout=layout)

    def open_demo(self) -> None:
        def build(cancel, progress):
            from inspector.demo import ensure_demo

            return str(ensure_demo())

        self.runner.submit("open", build, lambda path: self.open_target(path), self._on_open_failed,
                           label="Preparing the demo store")

    def open_target(self, target: str, *, layout: str | None = None, mapping: str | None = None) -> None:
        """Open ``target`` on a worker; the window switches to it when it is ready."""
        # One spelling per store (absolute, resolved path): the recent entry, the remembered
        # projector and the audit/export paths must not depend on the working directory.
        target = normalized_target(target)
        shown = redact(target)
        self.store_label.setText(f"Opening {shown}…")

        def work(cancel, progress):
            store = open_store(target, layout=layout, mapping=mapping)
            try:
                info = describe_store(store)
                latest = store.latest_position()
            except Exception:
                store.close()
                raise
            loaded = self._load_projectors(store, target)
            return store, info, latest, loaded

        self.runner.submit("open", work, lambda result: self._on_store_opened(target, *result),
                           self._on_open_failed, label=f"Opening {shown}")

    def _on_open_failed(self, exc: BaseException) -> None:
        self.store_label.setText("No store open" if self.store is None else redact(self.store_target or ""))
        self.show_error(f"Could not open the store: {exc}")

    def _on_store_opened(self, target: str, store: Any, info: Any, latest: int | None, loaded: Any) -> None:
        """Show the new store at once: its streams and timeline first; the type counts and the
        time range (store-wide aggregates, seconds on a big store) fill in when they arrive."""
        old = self.store
        for channel in [task.channel for task in self.runner.running() if task.channel != "open"]:
            self.runner.cancel(channel)
        self.store, self.store_target, self.store_info = store, target, info
        if old is not None:
            old.close()
        self.settings.add_recent_store(target)
        shown = redact(target)
        self.setWindowTitle(f"{shown} — {APP_NAME}")
        self.store_label.setText(f"Store: {shown}")
        self.store_label.setToolTip(shown)
        self.layout_label.setText(f"Layout: {info.layout} ({info.engine})")
        self.readonly_badge.setVisible(bool(info.read_only))
        self.readonly_badge.setText(" READ-ONLY · role could write " if getattr(info, "role_can_write", None) else " READ-ONLY ")
        self.banner.hide()
        self.connection_banner.hide()
        self.reconnector.set_store(store)
        # Live events start after the last one that existed when the store was opened, so
        # nothing written while the first pages load is missed (the table drops repeats).
        engine = str(getattr(info, "engine", ""))
        lookback = 0 if engine in ("sqlite", "jsonl") else 50  # sequences can commit out of order
        self.follower.set_store(store, latest, lookback=lookback)
        self.live_count = 0
        self._update_live_label()
        self.current_stream = None
        self.current_event = None
        self.event_view.show_event(None)
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItem("All types (counting…)", ALL)
        self.type_box.blockSignals(False)
        self.category_box.blockSignals(True)
        self.category_box.clear()
        self.category_box.addItem("All categories", ALL)
        self.category_box.blockSignals(False)
        self.stream_model.set_store(store)
        self.event_model.set_store(store)
        self.audit_view.set_store(store, None if "://" in target else target)
        self._apply_stream_query()
        self._update_events_title()
        self.runner.submit("categories", lambda cancel, progress: store.categories(), self._on_categories,
                           lambda exc: self.show_error(f"Listing categories failed: {exc}"),
                           label="Counting categories")
        self.moments = {"A": None, "B": None}
        self.timeline.set_store(store, None, None, [])
        self.runner.submit("store-types", lambda cancel, progress: store.event_types(),
                           lambda types, opened=store: self._on_event_types(opened, types),
                           lambda exc: self.show_error(f"Counting event types failed: {exc}"),
                           label="Counting event types")
        self.runner.submit("store-span", lambda cancel, progress: store.time_range(),
                           lambda span, opened=store: self._on_time_range(opened, span),
                           lambda exc: self.show_error(f"Reading the time range failed: {exc}"),
                           label="Reading the time range")
        self.state_view.set_stream(None, None, None)
        self.health_view.clear()
        self.tabs.setTabText(self.tabs.indexOf(self.health_view), "Health")
        self.state_view.snapshot_owner = {"eventsourcing": "the eventsourcing library", "axon": "Axon",
                                          "marten": "Marten"}.get(getattr(store, "layout_name", ""))
        self.diff_view.show_moments(None, None, None)
        # A remembered choice that fails to load stays remembered (it may be fixed by the next
        # session) but is not named as the projector in use: the default one is.
        projectors, choice, reason, problem, record, offer = loaded
        self.slice_record = record
        self._set_projectors(projectors, choice, reason)
        self._offer_projector(offer)
        if problem:
            self.show_error(problem)

    def _on_event_types(self, opened: Any, types: list[tuple[str, int]]) -> None:
        if opened is not self.store:
            return  # another store was opened meanwhile
        current = self.type_box.currentData()
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItem("All types", ALL)
        for name, count in types:
            self.type_box.addItem(type_icon(name), f"{name} ({count:,})", name)
        self.type_box.setCurrentIndex(max(self.type_box.findData(current), 0))
        self.type_box.blockSignals(False)
        self.timeline.set_legend([name for name, _count in types])

    def _on_time_range(self, opened: Any, span: tuple[Any, Any]) -> None:
        if opened is not self.store:
            return
        self.timeline.set_range(span[0], span[1])

    def _on_categories(self, categories: list[tuple[str, int]]) -> None:
        current = self.category_box.currentData()
        self.category_box.blockSignals(True)
        self.category_box.clear()
        total = sum(count for _name, count in categories)
        self.category_box.addItem(f"All categories ({total:,} streams)", ALL)
        for name, count in categories:
            self.category_box.addItem(f"{name} ({count:,} streams)", name)
        index = self.category_box.findData(current)
        self.category_box.setCurrentIndex(max(index, 0))
        self.category_box.blockSignals(False)

    def shutdown(self) -> None:
        """Stop background work and release the store (idempotent)."""
        QApplication.instance().removeEventFilter(self._shortcuts_first)
        self.runner.shutdown()
        if self._cache is not None:
            self._cache.close()
            self._cache = None
        if self.store is not None:
            try:
                self.store.close()
            finally:
                self.store = None

    def _store_where(self) -> str:
        return redact(self.store_target or "the store")
