"""Follow live and connection loss: new events added as they are written; the connection banner while a
lost server is retried; what is shown read again when it is back.

Owns ``live_count`` and the status bar's live label; the follower and reconnector are built in
``MainWindow.__init__``."""

from __future__ import annotations

from typing import Any

from inspector.core.events import Event
from inspector.ui.models import type_icon
from inspector.ui.password import retry_with_password


class LiveFollow:
    """Part of ``MainWindow`` (a mixin: ``self`` is the window)."""

    def set_following(self, on: bool) -> None:
        """Follow live: poll for new events about once a second and add them to what is shown."""
        if self.follow_action.isChecked() != on:
            self.follow_action.setChecked(on)  # toggled() calls back here
            return
        if on:
            self.follower.start()
        else:
            self.follower.stop()
        self._update_live_label()

    def _update_live_label(self) -> None:
        following = self.follower.following
        # The status bar's button says what is true: "● Live" only while following.
        self.live_button.setText("● Live" if following else "○ Follow live")
        self.live_button.setToolTip("Following live (Ctrl+L to stop): new events are shown as they are written"
                                    if following else "Not following: press to show new events as they are "
                                                      "written (Ctrl+L)")
        if not following:
            self.live_label.hide()
            return
        if self.reconnector.active:
            text = "Live: paused while reconnecting"
        elif self.live_count:
            text = f"Live: {self.live_count:,} new event{'s' if self.live_count != 1 else ''}"
        else:
            text = "Live: waiting for new events"
        self.live_label.setText(text)
        self.live_label.show()

    def _on_follower_events_arrived(self, events: list[Event]) -> None:
        self.live_count += len(events)
        unlisted = {event.stream for event in events if self.stream_model.row_of(event.stream) is None}
        # Streams first: a new stream's lane exists before its ticks are drawn.
        self.stream_model.add_live_events(events)
        self._count_categories_again(unlisted)
        self.event_model.add_live_events(events)
        self.timeline.add_live_events(events)
        known = {self.type_box.itemData(i) for i in range(self.type_box.count())}
        new_types = sorted({event.type for event in events} - known)
        if new_types:
            self.type_box.blockSignals(True)
            for name in new_types:
                self.type_box.addItem(type_icon(name), name, name)
            self.type_box.blockSignals(False)
            self.timeline.set_legend([self.type_box.itemData(i) for i in range(1, self.type_box.count())])
        stream = self.state_view.stream
        versions = [event.version for event in events if event.stream == stream and event.version is not None]
        if stream is not None and versions:
            self.state_view.extend_versions(max(versions))
        self._update_live_label()

    def _count_categories_again(self, unlisted: set[str]) -> None:
        """Count the store's categories again (store-wide, on a worker; the picker keeps its choice)
        when live events name a stream the list did not hold: it may be new, and the picker's
        counts ("All categories (3 streams)") must take it in. Each such stream asks once per store."""
        store = self.store
        seen_store, seen = getattr(self, "_live_streams_counted", (None, set()))
        if seen_store is not store:
            seen = set()
        new = unlisted - seen
        self._live_streams_counted = (store, seen | new)
        if new and store is not None:
            self._recount_categories(store)

    def _recount_categories(self, store: Any) -> None:
        """One such count at a time: one asked while another runs follows it (a count cancelled would
        go on in the database); the first count after the store opened is replaced (it may have missed
        the stream)."""
        running = getattr(self, "_categories_task", None)
        if running is not None and any(task is running for task in self.runner.running()):
            self._categories_recount = store
            return
        self._categories_recount = None

        def then() -> None:
            if getattr(self, "_categories_recount", None) is store and store is self.store:
                self._recount_categories(store)

        def done(counts: list[tuple[str, int]]) -> None:
            self._on_categories(store, counts)
            then()

        def failed(exc: BaseException) -> None:
            if store is self.store:
                self.show_error(f"Counting categories failed: {exc}")
            then()

        self._categories_task = self.runner.submit("categories", lambda cancel, progress: store.categories(), done,
                                                   failed, label="Counting categories")

    def _on_reconnector_lost(self, message: str) -> None:
        self.follower.pause()
        self.connection_banner.show_lost(self._store_where())
        self._update_live_label()

    def _on_reconnector_retrying(self, attempts: int, delay: float, why: str) -> None:
        # the server is back but wants a (new) password: ask for it and open the store again
        if retry_with_password(self, self.store_target or "", why, lambda url: self.open_target(url),
                               asked_by_user=False):
            return
        self.connection_banner.show_retrying(self._store_where(), attempts, delay, why)

    def _on_reconnector_restored(self) -> None:
        """The store answers again: read again what is shown and carry on following."""
        self.connection_banner.show_restored(self._store_where())
        if self.banner.isVisible() and "lost" in self.banner.text():
            self.banner.hide()
        self._apply_stream_query()
        self.refresh_events()
        self.timeline.refetch()
        self._replay_again()
        self.follower.resume()
        self._update_live_label()
