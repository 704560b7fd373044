"""Replay work asked for by the window: the State tab (what one event changed), the Diff tab (A to B),
bisect, the health check, and the progress strip with Cancel.

Owns the snapshot cache and the progress strip's channel; every request runs on the task runner
(user projectors in a worker process) and the latest request wins."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog

from inspector.ui.preferences import PreferencesDialog
from inspector.ui.presenting import shown_name

#: channels whose work runs a projector (the progress strip says when one makes no progress)
_PROJECTOR_CHANNELS = ("state", "diff", "bisect")


class ReplayRequests:
    """Part of ``MainWindow`` (a mixin: ``self`` is the window)."""

    def _snapshot_cache(self) -> Any:
        if self._cache is None:
            from inspector.replay import SnapshotCache

            self._cache = SnapshotCache(every=self.preferences.snapshot_every,
                                        max_bytes=self.preferences.cache_mb * 1024 * 1024)
        return self._cache

    def clear_snapshot_cache(self, dialog: PreferencesDialog | None = None) -> None:
        """Forget every saved snapshot, on a worker (the cache file may be large)."""
        cache = self._snapshot_cache()

        def done(_result: Any) -> None:
            self.statusBar().showMessage("Snapshot cache cleared.", 8000)
            if dialog is not None and dialog.isVisible():
                dialog.show_cache_cleared("Cleared.")

        def failed(exc: BaseException) -> None:
            self.show_error(f"Clearing the snapshot cache failed: {exc}")
            if dialog is not None and dialog.isVisible():
                dialog.show_cache_cleared("Not cleared.")

        self.runner.submit("cache-clear", lambda cancel, progress: cache.clear(), done, failed,
                           label="Clearing the snapshot cache")

    def _replay_again(self) -> None:
        stream = self.state_view.stream
        if stream is not None:
            self.state_view.version = None
            self.request_state(stream, self.state_view.scrub_version(), position=self._selected_position(stream))
        self.request_diff()

    def _selected_position(self, stream: str) -> Any:
        """The selected event's position when it is in ``stream`` (None otherwise)."""
        event = self.current_event
        return event.position if event is not None and event.stream == stream else None

    def _on_state_version_requested(self, version: int) -> None:
        stream = self.state_view.stream
        if stream is not None:
            self.request_state(stream, version, select=True)

    def request_state(self, stream: str, version: int, *, select: bool = False, position: Any = None) -> None:
        """Replay ``stream`` to ``version`` on a worker; show it in the State tab (latest wins).

        On a version several events claim, the tab shows the state just after the event at
        ``position`` (None, or not one of them: the last) and what that event changed on its own
        (``EventChange.just_after``); elsewhere the state at ``version`` and what its event changed."""
        store, projectors = self.store, self.projectors
        if store is None or projectors is None:
            return
        cache = self._snapshot_cache()
        self._state_request = (stream, version)
        self.state_view.show_working(stream, version)

        def work(cancel, progress):
            from inspector.core.changed_paths import ChangedPaths
            from inspector.replay.change import event_change  # user projectors: in a process Cancel stops

            change = event_change(store, stream, version, projectors=projectors, cache=cache, cancel=cancel,
                                  progress=progress)
            result, changes, index = change.just_after(position)
            # the highlight look-up is built here, not on the GUI thread (150,000 changed paths: 0.5 s)
            return result, ChangedPaths.of(changes), (None if index is None else change.steps[index].position)

        def done(outcome: tuple[Any, Any, Any]) -> None:
            self._end_progress()
            result, changes, shown_position = outcome
            self.state_view.show_result(result, changes, position=shown_position)
            if result.stopped is not None:
                self.show_error(f"The projector stopped replaying {shown_name(stream)} at v{result.stopped.version} "
                                f"({result.stopped.type}): {result.stopped.error}. The state shown is the one just before it.",
                                stream=stream)
            elif result.problem:
                self.show_error(f"Replay of {shown_name(stream)} to v{version}: {result.problem}", stream=stream)
            last = result.last_event
            if select and last is not None and last.version == result.version and last.stream == stream:
                self.select_event(last)

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.state_view.show_failed(f"Replay failed: {exc}")
            self.show_error(f"Replay of {shown_name(stream)} to v{version} failed: {exc}", stream=stream)

        self._begin_progress("state", f"Replaying {shown_name(stream)} to v{version}")
        self.runner.submit("state", work, done, failed, label=f"Replaying {shown_name(stream)}",
                           on_progress=self.progress_strip.update_progress)

    def request_diff(self) -> None:
        """Compare the selected stream at A and B on a worker; show it in the Diff tab."""
        a, b, stream = self.moments["A"], self.moments["B"], self.current_stream
        self._diff_shown: Any = None  # (stream, A, B, result) once this comparison is shown: kept by a failed open
        self.diff_view.show_moments(stream, a, b)
        store, projectors = self.store, self.projectors
        if a is None or b is None or stream is None or store is None or projectors is None:
            self.runner.cancel("diff")
            return
        cache = self._snapshot_cache()
        self.diff_view.show_working()

        def work(cancel, progress):
            from inspector.replay.worker import diff  # user projectors: in a process Cancel stops

            return diff(store, stream, a, b, projectors=projectors, cache=cache, cancel=cancel, progress=progress)

        def done(result: Any) -> None:
            self._end_progress()
            if result.reversed:  # refused whatever kinds A and B are, as the CLI refuses --to before --from
                from inspector.replay.engine import resolved_text

                result.problem = (f"B, {resolved_text(b, result.to.version)}, is before A, "
                                  f"{resolved_text(a, result.from_.version)}: place A at the earlier moment "
                                  "(a diff reads from A to B)")
            self.diff_view.show_diff(result)
            self._diff_shown = (stream, a, b, result)
            if result.problem:
                self.show_error(f"Diff of {shown_name(stream)} from {a} to {b}: {result.problem}", stream=stream)

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.diff_view.show_failed(f"Diff failed: {exc}")
            self.show_error(f"Diff of {shown_name(stream)} from {a} to {b} failed: {exc}", stream=stream)

        self._begin_progress("diff", f"Comparing {shown_name(stream)} {a} → {b}")
        self.runner.submit("diff", work, done, failed, label=f"Comparing {shown_name(stream)}",
                           on_progress=self.progress_strip.update_progress)

    def bisect_dialog(self) -> None:
        stream = self.current_stream
        if stream is None:
            self.show_error("Select a stream first: bisect searches one stream's versions.")
            return
        expression, ok = QInputDialog.getText(
            self, "Bisect", f"First version of {shown_name(stream)} where this holds (Python, sees state and event):",
            text=self.settings.get("last_bisect", 'state["credits"] < 0'))
        if ok and expression.strip():
            self.settings.set("last_bisect", expression.strip())
            self.run_bisect(stream, expression.strip())

    def run_bisect(self, stream: str, expression: str) -> None:
        """Find the first version where ``expression`` holds and select that event."""
        store, projectors = self.store, self.projectors
        if store is None or projectors is None:
            return
        cache = self._snapshot_cache()

        def work(cancel, progress):
            from inspector.replay.worker import bisect  # user projectors: in a process Cancel stops

            return bisect(store, stream, expression, projectors=projectors, cache=cache, cancel=cancel,
                          progress=progress)

        def done(result: Any) -> None:
            self._end_progress()
            if result.problem:
                self.show_error(f"Bisect of {shown_name(stream)} for {expression}: {result.problem}")
            elif not result.found:
                note = f" Note: {result.note}" if result.note else ""  # e.g. an error it raised at some versions
                self.show_error(f"{expression} never holds in {shown_name(stream)} (checked at every version up to "
                                f"v{result.latest_version}).{note}")
            elif result.event is not None:
                later = ("" if result.holds_at_latest else
                         f"; it no longer holds at the latest version, v{result.latest_version}")
                self.statusBar().showMessage(f"{expression} first holds at {shown_name(stream)} v{result.version}{later}", 8000)
                self.select_event(result.event)
                self.tabs.setCurrentWidget(self.state_view)
                if result.expression_errors:  # it raised at some versions checked: said, not a silent "false"
                    self.show_error(f"Bisect of {shown_name(stream)} for {expression}: {result.note}")

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.show_error(f"Bisect of {shown_name(stream)} for {expression} failed: {exc}")

        self._begin_progress("bisect", f"Bisecting {shown_name(stream)}")
        self.runner.submit("bisect", work, done, failed, label=f"Bisecting {shown_name(stream)}",
                           on_progress=self.progress_strip.update_progress)

    def run_check(self, listed: bool = False) -> None:
        """The ``check`` findings of the store (``listed``: of the streams the list shows, and the
        store's lines that are in no stream, which no stream list can show), in the Health tab."""
        from inspector.core.health import CheckReport, check_store, outside_stream_findings

        store = self.store
        if store is None:
            self.show_error("Open a store first: File › Open store (Ctrl+O).")
            return
        streams = ([self.stream_model.summary(row).stream for row in range(self.stream_model.rowCount())]
                   if listed else None)

        def work(cancel, progress):
            if streams is None:
                return check_store(store, cancel=cancel, progress=progress)
            report = CheckReport()
            for count, name in enumerate(streams, start=1):
                report.findings.extend(check_store(store, stream=name, cancel=cancel).findings)
                report.streams_checked += 1
                progress(count, len(streams))
            # a JSON Lines file's lines that are no event belong to no stream, listed or not: they
            # are reported (as outside any stream) whichever streams are listed, never dropped
            report.findings.extend(outside_stream_findings(store, cancel))
            return report

        def done(report: Any) -> None:
            self._end_progress()
            self.health_view.show_report(report, listed)
            self._health_shown: Any = (report, listed)  # kept by a failed open
            count = len(report.findings)
            self.tabs.setTabText(self.tabs.indexOf(self.health_view), f"Health ({count})" if count else "Health")

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.health_view.show_failed(f"Check failed: {exc}")
            self.show_error(f"Checking the store failed: {exc}")

        self.health_view.show_working(listed)
        self._begin_progress("check", "Checking streams")
        self.runner.submit("check", work, done, failed, label="Checking streams",
                           on_progress=self.progress_strip.update_progress)

    def _begin_progress(self, channel: str, text: str) -> None:
        # Shown only for work that takes a moment: quick replays do not flash a bar.
        self._progress_channel = channel
        self._progress_text = text
        if self._first_screen_pending:
            # The strip was saying the store's first screen is on its way: it now shows this work.
            self._first_screen_pending = False
            self.progress_strip.start(text, projector=channel in _PROJECTOR_CHANNELS)
        self._progress_timer.start()

    def _show_progress_strip(self) -> None:
        channel = getattr(self, "_progress_channel", "")
        if self.runner.busy(channel):
            self.progress_strip.start(self._progress_text, projector=channel in _PROJECTOR_CHANNELS)

    def _end_progress(self) -> None:
        if getattr(self, "_first_screen_pending", False):
            return  # a store is opening: the strip stays until its first screen is shown
        if not any(self.runner.busy(channel) for channel in ("state", "diff", "bisect", "export", "check")):
            self._progress_timer.stop()
            self.progress_strip.finish()

    def _on_progress_cancel(self) -> None:
        if self.runner.busy("open"):
            self.cancel_opening()
            return
        self._first_screen_pending = False  # the first pages keep loading; the strip goes
        cancelled_state = self.runner.busy("state")
        cancelled_export = self.runner.busy("export")
        if self.runner.busy("check"):
            self.health_view.show_failed("Check cancelled: press Check store to run it again.")
        for channel in ("state", "diff", "bisect", "export", "check"):
            self.runner.cancel(channel)
        self._progress_timer.stop()
        self.progress_strip.finish()
        if cancelled_state:
            self.state_view.version = None
            self.state_view.show_cancelled()
        self.statusBar().showMessage("Export cancelled: nothing was written." if cancelled_export else "Cancelled.",
                                     6000)
