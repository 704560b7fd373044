"""Browsing: the stream list, the events table and its filters, the selected stream and event, the
timeline's region and cursors.

Owns ``current_stream``, ``current_event``, ``region_filter`` and the diff ``moments``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex

from inspector.core import json_pieces
from inspector.core.events import Event, Moment
from inspector.stores import EventFilter, stream_spelled
from inspector.stores.jsonl import UNREADABLE
from inspector.stores.lazy import full_event, left_out, size_text
from inspector.ui.models import EventTableModel, ObjectRole, StreamListModel
from inspector.ui.presenting import shown_name
from inspector.ui.window.names import ALL

#: the runner channel that reads the payload a page left out, for the Event tab (one at a time:
#: selecting another event drops the read under way)
EVENT_PAYLOAD_CHANNEL = "event-payload"


class Browsing:
    """Part of ``MainWindow`` (a mixin: ``self`` is the window)."""

    def _apply_stream_query(self) -> None:
        category = self.category_box.currentData()
        text = self.filter_edit.text().strip()
        if text and self.store is not None:
            # a UUID pasted in another case or form, on a UUID-typed stream column: that stream's name
            text = stream_spelled(self.store, text)
        self.stream_model.set_query(text or None, None if category in (None, ALL) else category)

    def _on_category_changed(self) -> None:
        """The category box narrows the stream list and the timeline's lanes, and with no stream
        selected the events table to that category's events."""
        self._apply_stream_query()
        if self.current_stream is None:
            self.refresh_events()

    def _shown_category(self) -> str | None:
        """The category the box picks, as the store names it (``streams(category=...)``); None for all."""
        category = self.category_box.currentData()
        return None if category in (None, ALL) else category

    def _on_stream_model_loading_changed(self, loading: bool) -> None:
        if loading:
            self._streams_failed = False
        self._update_streams_status()

    def _on_stream_model_failed(self, message: str) -> None:
        self._streams_failed = True
        self._update_streams_status()
        self.show_error(message)

    def _update_streams_status(self) -> None:
        model = self.stream_model
        shown = model.rowCount()
        if self.store is None:
            text = "Open a store: File › Open store (Ctrl+O)"
        elif shown == 0 and self._streams_failed:
            text = "Listing streams failed (see the message above)."
        elif shown == 0 and (model.loading or not model.exhausted):
            # A new query empties the list before its first page is asked for: until a
            # fetch has finished, "no stream matches" would be a guess.
            text = "Loading streams…"
        elif shown == 0:
            text = "No stream matches the filter." if model.query != (None, None) else "This store holds no streams."
        else:
            more = "" if model.exhausted else "+ (scroll for more)"
            listed = f"{shown:,}{more} stream{'' if shown == 1 and not more else 's'}"
            if self.current_stream is None:
                text = f"{listed} · select one to see its events"
            elif model.exhausted and model.row_of(self.current_stream) is None:
                # a jump (Health, Audit, States…) to a stream the filter or category leaves out
                text = f"{listed} · 1 selected, filtered out"
            else:
                text = f"{listed} · 1 selected"
        self.streams_status.setText(text)

    def _on_stream_model_reset(self) -> None:
        self._stream_rows_fitted = 0

    def _on_stream_model_rows_loaded(self) -> None:
        model = self.stream_model
        shown = model.rowCount()
        self._update_streams_status()
        fitted = self._stream_rows_fitted
        if shown and (fitted == 0 or shown - fitted >= 100):
            # ResizeToContents columns shrink to their headers when a new query empties the
            # list and do not grow again on their own when its rows arrive. Fitting asks the
            # model about many rows, so it runs when a query's first rows or a new page arrive,
            # not on every live batch into a long list.
            header = self.streams_view.horizontalHeader()
            for column in (StreamListModel.COUNT, StreamListModel.LAST):
                header.resizeSection(column, max(header.sectionSizeHint(column),
                                                 self.streams_view.sizeHintForColumn(column)))
            self._stream_rows_fitted = shown
        self._reselect_current_stream()
        self.timeline.set_streams([summary.stream for summary in model.summaries()])

    def _reselect_current_stream(self) -> None:
        if self.current_stream is None:
            return
        row = self.stream_model.row_of(self.current_stream)
        selection = self.streams_view.selectionModel()
        if row is None:
            # The stream is not listed (the filter hides it, or its page is not read yet): no
            # other row may look selected.
            if selection.hasSelection() or self.streams_view.currentIndex().isValid():
                selection.blockSignals(True)
                selection.clear()
                selection.blockSignals(False)
                self.streams_view.viewport().update()
            return
        index = self.stream_model.index(row, 0)
        if self.streams_view.currentIndex().row() != row:
            selection.blockSignals(True)
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                      | QItemSelectionModel.SelectionFlag.Rows)
            selection.blockSignals(False)
            self.streams_view.viewport().update()

    def _on_streams_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        summary = current.data(ObjectRole) if current.isValid() else None
        if summary is not None and summary.stream != self.current_stream:
            self.select_stream(summary.stream)

    def select_stream(self, stream: str | None) -> None:
        """Show ``stream``'s events (None: all streams) and tell every part of the window."""
        if stream == self.current_stream:
            return
        self.current_stream = stream
        if stream is not None and self.current_event is not None and self.current_event.stream != stream:
            # Another stream: the event shown belongs to the old one (select_event sets its
            # event before it gets here, so an event of the new stream is kept).
            self.current_event = None
            self.runner.cancel(EVENT_PAYLOAD_CHANNEL)
            self.event_view.show_event(None)
            self.timeline.set_selected_event(None)
        for name, moment in self.moments.items():
            if moment is not None and moment.version is not None:
                # a version belongs to the stream it was set on; an instant holds for any stream
                self.moments[name] = None
                self.timeline.place_cursor(name, None)
        if stream is None:
            # the current row goes too: while it stays current, clicking that stream again is no change
            self.streams_view.selectionModel().clear()
            self.streams_view.viewport().update()
        else:
            self._reselect_current_stream()
            row = self.stream_model.row_of(stream)
            if row is not None:  # a jump (Health, Audit, States…) to a stream far down the list
                self.streams_view.scrollTo(self.stream_model.index(row, StreamListModel.STREAM))
        self._update_streams_status()
        self.banner_overlay.stream_shown(stream)  # a message about the stream shown before goes
        self.refresh_events()
        self.timeline.set_selected_stream(stream)
        summary = None
        if stream is not None:
            row = self.stream_model.row_of(stream)
            summary = self.stream_model.summary(row) if row is not None else None
        if summary is not None:
            self.state_view.set_stream(stream, summary.first_version, summary.last_version)
        else:
            self.state_view.set_stream(stream, None, None)
            if stream is not None:
                self._look_up_stream(stream)  # not listed: the scrubber needs its versions
        # the stream's last state, unless the event selected (of this stream) asks for its own: an
        # event without a version (a version stored as text) asks for none, so this one is shown
        if stream is not None and (self.current_event is None or self.current_event.stream != stream
                                   or self.current_event.version is None):
            if summary is not None and summary.last_version is not None:
                self.request_state(stream, summary.last_version)
        self.request_diff()

    def _look_up_stream(self, stream: str) -> None:
        """Read the summary of ``stream`` (one the list does not show) and give the State tab's
        scrubber its versions; the state shown is replayed again at the selected version."""
        store = self.store
        if store is None:
            return

        def work(cancel, progress):
            return next((s for s in store.streams(match=stream, limit=200) if s.stream == stream), None)

        def done(summary: Any) -> None:
            if summary is None or self.store is not store or self.current_stream != stream:
                return
            self.state_view.set_stream(stream, summary.first_version, summary.last_version)
            event = self.current_event
            version = (event.version if event is not None and event.stream == stream and event.version is not None
                       else summary.last_version)
            if version is not None:
                self.state_view.set_version(version)
                self.request_state(stream, version, position=self._selected_position(stream))

        self.runner.submit("stream-summary", work, done,
                           lambda exc: self.show_error(f"Reading the versions of {shown_name(stream)} failed: {exc}"),
                           label=f"Reading {shown_name(stream)}")

    def current_filter(self) -> EventFilter:
        event_type = self.type_box.currentData()
        since, until = self.region_filter or (None, None)
        return EventFilter(
            types=() if event_type in (None, ALL) else (event_type,),
            # the stream named '' (some stores hold one) is a stream too: only None is "all events"
            streams=(self.current_stream,) if self.current_stream is not None else (),
            # all events: those of the category the box picks (the store's ``events --category``)
            category=self._shown_category() if self.current_stream is None else None,
            since=since,
            until=until,
            actor=self.actor_edit.text().strip() or None,
            text=self.text_edit.text().strip() or None,
        )

    def refresh_events(self) -> None:
        if self.store is None:
            return
        self.events_note.hide()
        self._actor_hinted = None
        self.event_model.set_filter(self.current_filter())
        self._update_events_title()
        self._fit_columns_to_selection()

    def _fit_columns_to_selection(self) -> None:
        """One stream's table does not repeat the stream's name on every row, and its versions
        order it, so the global position gives its width to the summary (the Event tab has it);
        "All events" shows both."""
        one_stream = self.current_stream is not None
        self.event_columns.set_wanted(EventTableModel.STREAM, not one_stream)
        self.event_columns.set_wanted(EventTableModel.POSITION, not one_stream)
        self.event_columns.fit()

    def _update_events_title(self) -> None:
        category = self._shown_category()
        parts = [f"Events of {shown_name(self.current_stream)}" if self.current_stream is not None
                 else f"Events of category {shown_name(category)}" if category is not None else "All events"]
        if self.region_filter:
            parts.append("in the timeline region")
        count = self.event_model.rowCount()
        more = "" if self.event_model.exhausted else "+"
        parts.append(f"({count:,}{more})")
        if self.event_model.starts_after is not None and count:
            # A jump to a far event loaded the rows around it, not everything before it.
            first = self.event_model.event_at(0)
            where = (f"v{first.version}" if self.current_stream is not None and first.version is not None
                     else f"position {first.position:,}")
            parts.append(f"from {where}, earlier events not loaded")
        self.events_title.setText(" ".join(parts))
        self.show_all_button.setVisible(self.current_stream is not None)

    def _on_tabs_current_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.audit_view:
            self.audit_view.offer_actors(self.event_model.events())
            self._audit_the_selected_event()

    def _audit_the_selected_event(self) -> None:
        """With the Audit tab in front, the event selected in the events table gets its causation
        chain and correlated events there (an event picked in the tab's own list takes over)."""
        event = self.current_event
        audit = self.audit_view
        if event is None or self.tabs.currentWidget() is not audit:
            return
        shown = audit.selected
        if shown is None or (shown.stream, shown.position) != (event.stream, event.position):
            audit.show_causes(event)

    def _on_event_model_rows_loaded(self) -> None:
        self._update_events_title()
        self._name_close_actors()
        self.event_columns.fit()  # Time with milliseconds, an empty Actor column hidden
        if self.tabs.currentWidget() is self.audit_view:
            self.audit_view.offer_actors(self.event_model.events())
        if self.current_event is not None:
            row = self.event_model.row_of_position(self.current_event.position)
            if row is not None and self.events_view.currentIndex().row() != row:
                self._set_current_event_row(row)

    def _name_close_actors(self) -> None:
        """When the Actor filter leaves the table empty and no event in the store names that
        actor, say so above the table with the closest actors ("did you mean ...?"), as
        ``events --actor`` does: asked of the store off the GUI thread, once per actor typed."""
        model, store = self.event_model, self.store
        actor = model.filter.actor
        if not actor or store is None or model.rowCount() or model.loading or not model.exhausted:
            if model.rowCount():
                self.events_note.hide()
            return
        if self._actor_hinted == (id(store), actor):
            return
        self._actor_hinted = (id(store), actor)

        def work(cancel, progress):
            from inspector.core.suggest import missing_actor

            return missing_actor(store, actor)  # None: some event elsewhere names the actor

        def done(note: str | None) -> None:
            if (note is None or store is not self.store or self.event_model.filter.actor != actor
                    or self.event_model.rowCount()):
                return
            hint = note.split(": no event names that actor", 1)[-1].removeprefix("; ")
            self.events_note.setText(f"No event names {actor} as its actor; {hint}")
            self.events_note.show()

        def failed(_exc: BaseException) -> None:
            self._actor_hinted = None  # asked again the next time the table is empty

        self.runner.submit("events-close-actors", work, done, failed, label="Looking for close actors")

    def _set_current_event_row(self, row: int) -> None:
        # A visible column: scrollTo ignores an index in a hidden one (position, for one stream).
        index = self.event_model.index(row, EventTableModel.TYPE)
        selection = self.events_view.selectionModel()
        selection.blockSignals(True)
        selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                  | QItemSelectionModel.SelectionFlag.Rows)
        selection.blockSignals(False)
        # rows just read: lay them out first, else the scroll range is still the old one and
        # scrollTo stops at its end (a jump from Health to v24 of a 49-event stream stayed at v1)
        self.events_view.doItemsLayout()
        self.events_view.scrollTo(index)
        self.events_view.viewport().update()

    def _on_events_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        event = current.data(ObjectRole) if current.isValid() else None
        if event is not None:
            self.select_event(event)

    def select_event(self, event: Event) -> None:
        """Select ``event`` everywhere: stream list, table, details, timeline, state."""
        same = self.current_event is not None and self.current_event.position == event.position
        self.current_event = event
        if event.stream != self.current_stream and event.stream is not UNREADABLE:  # a line in no stream: none
            self.select_stream(event.stream)
        row = self.event_model.row_of_position(event.position)
        if row is not None:
            if self.events_view.currentIndex().row() != row:
                self._set_current_event_row(row)
        else:
            self.event_model.want_position(event.position)
        self.show_event_details(event)
        self._audit_the_selected_event()
        self.timeline.set_selected_event(event)
        if not same and event.version is not None:
            self.state_view.set_version(event.version)
            shown = self.state_view
            # a version several events claim shows one of them: another of them is replayed too
            if shown.version != event.version or shown.position not in (None, event.position):
                self.request_state(event.stream, event.version, position=event.position)

    def show_event_details(self, event: Event, *, again: bool = False) -> None:
        """Show ``event`` in the Event tab. A payload the page left out (``PayloadLeftOut``) is read
        whole on the runner, never on the GUI thread, while the tab says "Loading 52.4 MB event…";
        selecting another event drops that read (one channel), Cancel stops it; ``again``: read
        it even though it is shown (Load, after a Cancel)."""
        marker = left_out(event)
        view = self.event_view
        if marker is None:
            self.runner.cancel(EVENT_PAYLOAD_CHANNEL)
            view.show_event(event)
            return
        shown = view.shown_event
        if not again and shown is not None and shown.position == event.position and shown.stream == event.stream and (
                view.loading or left_out(shown) is None):
            if self.current_event is event and left_out(shown) is None:
                self.current_event = shown
            return  # this event is shown whole already, or on its way
        store = self.store
        if store is None:
            return
        view.show_loading(event, marker.size)

        def work(cancel, progress):
            def decoding(done: int, total: int) -> None:  # after each piece of a big payload
                cancel.raise_if_cancelled()
                progress(done, total)

            with json_pieces.reporting(decoding):
                return full_event(store, event, cancel)

        def done(whole: Event | None) -> None:
            if self.store is not store or view.shown_event is not event:
                return  # another event or store since
            if whole is None:
                view.show_load_stopped(f"{shown_name(event.stream)} v{event.version} is no longer in the store.")
                return
            if self.current_event is not None and self.current_event.position == event.position:
                self.current_event = whole
            view.show_event(whole)

        def failed(exc: BaseException) -> None:
            if view.shown_event is event:
                view.show_load_stopped(f"Reading the {size_text(marker.size)} payload failed: {exc}")

        self.runner.submit(EVENT_PAYLOAD_CHANNEL, work, done, failed,
                           label=f"Loading {size_text(marker.size)} event",
                           on_progress=lambda parsed, total: view.show_loading_progress(event, parsed, total))

    def _on_event_load_cancelled(self) -> None:
        self.runner.cancel(EVENT_PAYLOAD_CHANNEL)
        marker = left_out(self.event_view.shown_event)
        if marker is not None:
            self.event_view.show_load_stopped(f"Loading stopped: the {size_text(marker.size)} payload is not shown.")

    def _on_event_load_requested(self) -> None:
        event = self.event_view.shown_event
        if event is not None and left_out(event) is not None:
            self.show_event_details(event, again=True)

    def jump_to_version(self, stream: str, version: int) -> None:
        """Find the event at ``stream`` v``version`` and select it everywhere."""
        store = self.store
        if store is None:
            return

        def work(cancel, progress):
            return next(iter(store.read_stream(stream, from_version=version, to_version=version, limit=1,
                                               cancel=cancel)), None)

        def done(event: Event | None) -> None:
            if event is None:
                self.show_error(f"{shown_name(stream)} has no event at v{version}.")
            else:
                self.select_event(event)

        self.runner.submit("jump", work, done, lambda exc: self.show_error(f"Reading {shown_name(stream)} v{version} failed: {exc}"))

    def _on_timeline_region_changed(self, region: Any) -> None:
        self.region_filter = region
        self.refresh_events()

    def _on_timeline_cursor_requested(self, name: str) -> None:
        event = self.current_event
        if event is None or event.version is None:
            self.show_error(f"Select an event first: cursor {name} is placed on the selected event.")
            return
        self.set_cursor(name, Moment(version=event.version), event.recorded_at)

    def _on_timeline_cursor_moved(self, name: str, when: Any) -> None:
        self.set_cursor(name, Moment(at=when), when)

    def set_cursor(self, name: str, moment: Moment | None, when: Any = None) -> None:
        """Set diff moment ``name`` ("A" or "B") and show its cursor on the timeline."""
        self.moments[name] = moment
        self.timeline.place_cursor(name, when if moment is not None else None)
        self.request_diff()
