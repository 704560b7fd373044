"""The store session: opening a store (a file, a URL, the demo), switching to it, and closing it.

Owns ``store``, ``store_target`` and ``store_info``; a newly opened store replaces the old one in
every pane at once; stale answers for a store no longer open are dropped."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from inspector.core.cancel import Cancelled
from inspector.core.terminal import plural
from inspector.stores import open_store, redact
from inspector.ui.models import type_icon
from inspector.ui.password import retry_with_password
from inspector.ui.presenting import remember_type_colours, settled_type_colours, shown_name, use_type_colours
from inspector.ui.settings import normalized_target
from inspector.ui.window.folders import OPEN_FOLDER, OpenStoreFileDialog, remember_folder
from inspector.ui.window.names import ALL, APP_NAME, describe_store


class StoreSession:
    """Part of ``MainWindow`` (a mixin: ``self`` is the window)."""

    def open_store_dialog(self) -> None:
        dialog = OpenStoreFileDialog(self.settings.recent_stores(), self.settings, self)
        if dialog.exec():
            target, layout = dialog.chosen()
            if target:
                self.open_target(target, layout=layout)

    def open_demo(self) -> None:
        def build(cancel, progress):
            from inspector.demo import ensure_demo

            return str(ensure_demo())

        self._begin_opening("the demo store")
        self.runner.submit("open", build, lambda path: self.open_target(path), self._on_open_failed,
                           label="Preparing the demo store")

    def open_target(self, target: str, *, layout: str | None = None, mapping: str | None = None) -> None:
        """Open ``target`` on a worker; the window switches to it when it is ready.

        What the window showed of the previous store goes at once (nothing of it is ever
        shown under the new store's name); the progress strip says the store is opening
        until its first streams, events and timeline have arrived (``_first_screen_ready``).
        """
        # One spelling per store (absolute, resolved path): the recent entry, the remembered
        # projector and the audit/export paths must not depend on the working directory.
        target = normalized_target(target)
        shown = redact(target)
        self._begin_opening(shown)

        def work(cancel, progress):
            from inspector.core.cancel import Cancelled

            store = open_store(target, layout=layout, mapping=mapping)
            try:
                info = describe_store(store)
                latest = store.latest_position()
                loaded = self._load_projectors(store, target)
            except BaseException:
                store.close()
                raise
            if cancel.cancelled:  # Cancel pressed while it opened: nobody will take this store
                store.close()
                raise Cancelled("cancelled")
            return store, info, latest, loaded

        def failed(exc: BaseException) -> None:  # a server that wants a password: ask for it, open again
            if not retry_with_password(self, target, exc, lambda url: self.open_target(url, layout=layout,
                                                                                      mapping=mapping)):
                self._on_open_failed(exc)

        self.runner.submit("open", work, lambda result: self._on_store_opened(target, *result),
                           failed, label=f"Opening {shown}")

    def _begin_opening(self, shown: str) -> None:
        """Empty every pane of the store shown now, and say what is being opened.

        What was selected in the store shown now (stream, event, detail tab, category and type
        filters, timeline region, cursors A and B with the diff between them, the Health tab's
        findings) is kept in ``_shown_before_opening``, so a failed or cancelled open shows that
        store again as it was."""
        if getattr(self, "_first_screen_pending", False) and getattr(self, "_first_screen_store", False) is None:
            pass  # another open is under way (or asks for a password): keep what was shown before it
        elif self.store is not None:
            self._shown_before_opening = {
                "stream": self.current_stream, "event": self.current_event, "tab": self.tabs.currentIndex(),
                "category": self.category_box.currentData(), "type": self.type_box.currentData(),
                "region": self.region_filter, "moments": dict(self.moments),
                "cursors": {name: self.timeline.cursor_time(name) for name in self.moments},
                "diff": None if self.runner.busy("diff") else getattr(self, "_diff_shown", None),
                "health": "stopped" if self.runner.busy("check") else getattr(self, "_health_shown", None)}
        else:
            self._shown_before_opening = None
        for channel in [task.channel for task in self.runner.running() if task.channel != "open"]:
            self.runner.cancel(channel)  # the old store's pages, timeline and replays
        self.follower.pause()
        self.setWindowTitle(f"Opening {shown}… — {APP_NAME}")
        self.store_label.setText(f"Opening {shown}…")
        self.store_label.setToolTip(shown)
        self._clear_store_views()
        self.streams_status.setText(f"Opening {shown}…")
        self._first_screen_pending = True
        self._first_screen_store = None
        self.progress_strip.start(f"Opening {shown}")

    def _clear_store_views(self) -> None:
        """Every pane without a store: lists, table, timeline lanes and histogram, detail tabs."""
        self.current_stream = None
        self.current_event = None
        self.region_filter = None
        self.moments = {"A": None, "B": None}
        # the Diff and Health tabs' results, of the store shown: (stream, A, B, diff), (report, listed)
        self._diff_shown: Any = None
        self._health_shown: Any = None
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItem("All types", ALL)
        self.type_box.blockSignals(False)
        self.category_box.blockSignals(True)
        self.category_box.clear()
        self.category_box.addItem("All categories", ALL)
        self.category_box.blockSignals(False)
        self.stream_model.set_store(None)
        self.event_model.set_store(None, load=False)
        self._fit_columns_to_selection()
        self._update_events_title()
        self.audit_view.set_store(None, None)
        self.event_view.show_event(None)
        self.state_view.set_stream(None, None, None)
        self.diff_view.show_moments(None, None, None)
        self.health_view.clear()
        self.tabs.setTabText(self.tabs.indexOf(self.health_view), "Health")
        self.timeline.clear()

    def _on_open_failed(self, exc: BaseException) -> None:
        self._first_screen_pending = False
        self.progress_strip.finish()
        if self.store is None:
            self.setWindowTitle(APP_NAME)
            self.store_label.setText("No store open")
            self._update_streams_status()
        else:  # the store that was open stays open: show it again, as it was
            self._show_store_labels(self.store_target or "", self.store_info)
            self._show_store()
            self._restore_shown_before_opening()
            self.follower.resume()
        if not isinstance(exc, Cancelled):
            self.show_error(f"Could not open the store: {exc}")

    def _restore_shown_before_opening(self) -> None:
        """Select again what was selected before a failed open (see ``_begin_opening``): the
        category and type filters (kept when their counts arrive), the timeline region, the stream
        or event, cursors A and B with the diff shown between them (compared again only if it was
        not shown yet), the Health tab's findings, the tab."""
        shown = getattr(self, "_shown_before_opening", None)
        self._shown_before_opening = None
        if not shown:
            return
        for box, key in ((self.category_box, "category"), (self.type_box, "type")):
            value = shown[key]
            if value not in (None, ALL):
                box.blockSignals(True)
                box.addItem(str(value), value)  # renamed with its count when the counts arrive
                box.setCurrentIndex(box.findData(value))
                box.blockSignals(False)
        if shown["category"] not in (None, ALL):
            self._apply_stream_query()
        event, stream, region = shown["event"], shown["stream"], shown["region"]
        if region is not None:
            self.timeline.set_region(*region)  # filters the table (regionChanged) before a stream is selected
        if event is not None:
            self.select_event(event)
        elif stream is not None:
            self.select_stream(stream)
        elif shown["type"] not in (None, ALL) or shown["category"] not in (None, ALL) or region is not None:
            self.refresh_events()
        self._restore_cursors_and_diff(shown)
        if shown["health"] == "stopped":  # the open stopped it: nothing of it is shown
            self.health_view.clear("Check stopped when another store was being opened: press Check store to "
                                   "run it again.")
        elif shown["health"] is not None:
            report, listed = shown["health"]
            self.health_view.show_report(report, listed)
            self._health_shown = shown["health"]
            count = len(report.findings)
            self.tabs.setTabText(self.tabs.indexOf(self.health_view), f"Health ({count})" if count else "Health")
        self.tabs.setCurrentIndex(shown["tab"])

    def _restore_cursors_and_diff(self, shown: dict[str, Any]) -> None:
        """Cursors A and B where they were, and the diff between them: the one shown before when
        it was of these moments (not compared again), else compared anew."""
        moments = shown["moments"]
        if all(moment is None for moment in moments.values()):
            return
        self.moments = dict(moments)
        for name, when in shown["cursors"].items():
            self.timeline.place_cursor(name, when if moments.get(name) is not None else None)
        diff = shown["diff"]
        if diff is not None and diff[:3] == (self.current_stream, moments["A"], moments["B"]):
            self.runner.cancel("diff")
            self.diff_view.show_moments(self.current_stream, moments["A"], moments["B"])
            self.diff_view.show_diff(diff[3])
            self._diff_shown = diff
        else:
            self.request_diff()

    def cancel_opening(self) -> None:
        """Stop opening a store (the progress strip's Cancel): the store open before stays."""
        self.runner.cancel("open")
        self._on_open_failed(Cancelled("cancelled"))
        self.statusBar().showMessage("Opening cancelled.", 6000)

    def _show_store_labels(self, target: str, info: Any) -> None:
        shown = redact(target)
        self.setWindowTitle(f"{shown} — {APP_NAME}")
        self.store_label.setText(f"Store: {shown}")
        self.store_label.setToolTip(shown)
        self.layout_label.setText(f"Layout: {info.layout} ({info.engine})")
        self.layout_label.setToolTip("")
        note = getattr(self.store, "choice_note", None)
        if note:  # the database holds several stores: which one is shown here; how to open another on hover
            # (not a status message: one as long as the note hides the store label and is cut off)
            layout = getattr(self.store, "layout", None)
            table = f" {layout.shown_table()}," if hasattr(layout, "shown_table") else ""
            of = getattr(self.store, "stores_here", 0)
            self.layout_label.setText(f"Layout: {info.layout} ({info.engine}) ·{table} "
                                      + (f"1 of {of} stores here" if of > 1 else "one of several stores here"))
            tip = note.replace("; ", ";\n").replace(": ", ":\n", 1)
            if "--layout " in note:  # what the command line's --layout is here
                tip += "\n\nIn this window: File › Open store… with that Layout."
            self.layout_label.setToolTip(tip)
        broken = getattr(getattr(self.store, "layout", None), "declared_form_broken", None)
        if broken:  # the mapping's time = "iso" does not hold: times are read as with auto (and right)
            self.layout_label.setText(self.layout_label.text() + " · mixed time forms")
            tip = self.layout_label.toolTip()
            self.layout_label.setToolTip((tip + "\n\n" if tip else "") + broken)
        self.readonly_badge.setVisible(bool(info.read_only))
        self.readonly_badge.setText(" READ-ONLY · role could write " if getattr(info, "role_can_write", None)
                                    else " READ-ONLY ")

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
        if "://" not in target:
            remember_folder(self.settings, OPEN_FOLDER, target)  # File › Open starts there next time
        self._show_store_labels(target, info)
        self.first_run_hint.show_store(target)
        self.banner.hide()
        self.connection_banner.hide()
        self.reconnector.set_store(store)
        # Live events start after the last one that existed when the store was opened, so
        # nothing written while the first pages load is missed (the table drops repeats).
        engine = str(getattr(info, "engine", ""))
        lookback = 0 if engine in ("sqlite", "jsonl") else 50  # sequences can commit out of order
        self.follower.set_store(store, latest, lookback=lookback)
        self.follower.resume()
        self.live_count = 0
        self._update_live_label()
        remember_type_colours(self.settings.type_colours_for(target))  # its types keep last session's colours
        self._show_store()
        # A remembered choice that fails to load stays remembered (it may be fixed by the next
        # session) but is not named as the projector in use: the default one is.
        projectors, choice, reason, problem, record, offer = loaded
        self.slice_record = record
        self._set_projectors(projectors, choice, reason)
        self._offer_projector(offer)
        if problem:
            self.show_error(problem)

    def _show_store(self) -> None:
        """Fill every pane from ``self.store``: streams, events and timeline at once; the time
        range, type counts and category counts (store-wide, seconds each on a big store) one after
        another once the first screen is shown (``_start_store_counts``); answers for another
        store are dropped."""
        store, target = self.store, self.store_target or ""
        self._clear_store_views()
        # short enough for the closed box (All types (counting…) read 'All type…unting…)')
        self.type_box.setItemText(0, "All (counting…)")
        self.stream_model.set_store(store)
        self.event_model.set_store(store)
        self.audit_view.set_store(store, None if "://" in target else target)
        self._apply_stream_query()
        self._update_events_title()
        self.timeline.set_store(store, None, None, [])
        self._store_counts_started = False
        self.state_view.snapshot_owner = {"eventsourcing": "the eventsourcing library", "axon": "Axon",
                                          "marten": "Marten"}.get(getattr(store, "layout_name", ""))
        self._await_first_screen(store)

    # --- the store-wide counts, one after another -----------------------------------------------
    def _start_store_counts(self, store: Any) -> None:
        """Ask ``store`` for its time range, then its type counts, then its category counts: one
        at a time, after the first screen (each is a store-wide scan on a big store; together they
        took both cores from the first page). Each answer shows when it arrives; a failure is said
        and the next one is asked all the same; answers for a store no longer open are dropped."""
        if store is not self.store or getattr(self, "_store_counts_started", False):
            return
        self._store_counts_started = True
        steps = [
            ("store-span", store.time_range, self._on_time_range, "Reading the time range", "Reading the time range"),
            ("store-types", store.event_types, self._on_event_types, "Counting event types", "Counting event types"),
            ("categories", store.categories, self._on_categories, "Listing categories", "Counting categories"),
        ]

        def run(index: int) -> None:
            if index >= len(steps) or store is not self.store:
                return
            channel, ask, show, what, label = steps[index]

            def done(answer: Any) -> None:
                show(store, answer)
                run(index + 1)

            def failed(exc: BaseException) -> None:
                if store is self.store:
                    if channel == "store-span":
                        self.timeline.set_range(None, None)  # the histogram of the view is counted all the same
                    self.show_error(f"{what} failed: {exc}")
                run(index + 1)

            self.runner.submit(channel, lambda cancel, progress: ask(), done, failed, label=label)

        run(0)

    def _show_provisional_range(self) -> None:
        """Until the store's time range arrives, show the span of the listed streams (their first
        and last times): the lanes are drawn over it, not over an empty default range."""
        if self._first_screen_store is not self.store or self.store is None:
            return
        summaries = self.stream_model.summaries()
        firsts = [s.first_at for s in summaries if s.first_at is not None]
        lasts = [s.last_at for s in summaries if s.last_at is not None]
        if firsts and lasts:
            self.timeline.set_provisional_range(min(firsts), max(lasts))

    # --- the first screen of a store --------------------------------------------------------
    def _await_first_screen(self, store: Any) -> None:
        """Keep the progress strip up until ``store``'s first streams, events and timeline are shown."""
        self._first_screen_pending = True
        self._first_screen_store = store
        self._first_screen_timeline_failed = False
        self.progress_strip.start(f"Reading streams, events and the timeline of {redact(self.store_target or '')}")
        timer = getattr(self, "_first_screen_timer", None)
        if timer is None:
            timer = self._first_screen_timer = QTimer(self)
            timer.setInterval(100)
            timer.timeout.connect(self._check_first_screen)
            self.timeline.failed.connect(self._on_first_screen_timeline_failed)
            self.stream_model.rowsLoaded.connect(self._show_provisional_range)
        self._first_screen_checks = 0
        timer.start()

    def _on_first_screen_timeline_failed(self, _message: str) -> None:
        self._first_screen_timeline_failed = True

    def _first_screen_ready(self) -> bool:
        """Whether the open store's first page of streams and events and its timeline lanes have
        arrived (the store-wide histogram fills in later, with its own "counting…")."""
        streams, events = self.stream_model, self.event_model
        lists = all(not model.loading and (model.rowCount() > 0 or model.exhausted) for model in (streams, events))
        return lists and (self.timeline.lanes_drawn() or self._first_screen_timeline_failed)

    def _check_first_screen(self) -> None:
        if self._first_screen_store is not self.store:
            self._first_screen_timer.stop()
            return
        self._first_screen_checks += 1
        if self._first_screen_checks == 50:  # 5 s without a first screen (a failed page): count anyway
            self._start_store_counts(self.store)
        if self._first_screen_ready():
            self._first_screen_timer.stop()
            if self._first_screen_pending:  # (a replay started meanwhile may have taken the strip)
                self._first_screen_pending = False
                self._end_progress()
            self._start_store_counts(self.store)

    def _on_event_types(self, opened: Any, types: list[tuple[str, int]]) -> None:
        if opened is not self.store:
            return  # another store was opened meanwhile
        use_type_colours([name for name, _count in types])  # settled before the swatches are made
        if types and self.store_target:
            self.settings.set_type_colours_for(self.store_target, settled_type_colours())  # for the next session
        current = self.type_box.currentData()
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItem("All types", ALL)
        for name, count in types:
            self.type_box.addItem(type_icon(name), f"{name} ({count:,})", name)
        self.type_box.setCurrentIndex(max(self.type_box.findData(current), 0))
        self.type_box.blockSignals(False)
        self.timeline.set_legend([name for name, _count in types])
        self.events_view.viewport().update()  # rows painted before the list came take their settled colours

    def _on_time_range(self, opened: Any, span: tuple[Any, Any]) -> None:
        if opened is not self.store:
            return
        self.timeline.set_range(span[0], span[1])

    def _on_categories(self, opened: Any, categories: list[tuple[str, int]]) -> None:
        if opened is not self.store:
            return  # another store was opened meanwhile
        current = self.category_box.currentData()
        self.category_box.blockSignals(True)
        self.category_box.clear()
        total = sum(count for _name, count in categories)
        self.category_box.addItem(f"All categories ({plural(total, 'stream')})", ALL)
        for name, count in categories:
            self.category_box.addItem(f"{shown_name(name)} ({plural(count, 'stream')})", name)
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
