"""The projector in force: chosen per store (remembered), offered by a slice's source, loaded from a
file that is watched and reloaded when it changes.

Owns ``projectors``, ``projector_choice``, ``projector_reason``, ``projector_file``,
``projector_offer`` and ``slice_record``."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from inspector.ui.window.folders import PROJECTOR_FOLDER, remember_folder, remembered_folder


class ProjectorControl:
    """Part of ``MainWindow`` (a mixin: ``self`` is the window)."""

    def _load_projectors(self, store: Any, target: str) -> tuple[Any, Any, str, str | None, Any, Any]:
        """Projectors for ``store`` opened as ``target`` (runs on a worker): the remembered choice,
        the one a slice records, the demo's, or the generic one; a choice that fails to load falls
        back to the default. Returns (projectors, choice, reason, problem, slice record, offer)."""
        from inspector.export.provenance import recorded_projector
        from inspector.replay.choices import default_choice, offered_choice

        record = recorded_projector(store.source_file())
        source = record.get("source") if record else None
        offer = offered_choice(record, self.settings.projector_choice_for(source) if isinstance(source, str) else None,
                               store)
        remembered = self.settings.projector_choice_for(target)
        choice, reason = default_choice(store, remembered, record)
        try:
            return choice.load(store), choice, reason, None, record, offer
        except Exception as exc:  # the user's code: say what is wrong, keep working
            problem = f"Projector {choice.describe()} could not be loaded: {exc}"
            fallback, why = default_choice(store, None, record)
            return fallback.load(store), fallback, f"{why} ({choice.describe()} failed to load)", problem, record, offer

    def _set_projectors(self, projectors: Any, choice: Any, reason: str) -> None:
        from inspector.replay.choices import ProjectorChoice

        choice = choice or ProjectorChoice("generic")
        self.projectors = projectors
        self.projector_choice = choice
        self.projector_reason = reason
        old = self.projector_watcher.files()
        if old:
            self.projector_watcher.removePaths(old)
        source = choice.target if choice.kind in ("file", "native") else None
        self.projector_file = choice.target if choice.kind == "file" else None
        if self.projector_file:
            self.projector_watcher.addPath(self.projector_file)
        label = getattr(projectors, "label", None) or ", ".join(getattr(projectors, "names", []) or ["generic"])
        remembered = self.store_target is not None and self.settings.projector_choice_for(self.store_target) is not None
        self.state_view.projector_bar.show_choice(choice.kind, label, source, reason, choice.explanation(self.store),
                                                  remembered=remembered)
        layout = getattr(self.store, "layout_name", None)
        self.state_view.projector_bar.set_native_available(layout == "eventsourcing" or choice.kind == "native", layout)
        if self.projector_offer is not None and self.projector_offer == choice:
            self._offer_projector(None)
        if getattr(projectors, "isolated", False):
            from inspector.replay import worker

            worker.prestart()  # user code replays in a worker process: have one ready

    def _offer_projector(self, offer: Any) -> None:
        self.projector_offer = offer
        bar = self.state_view.projector_bar
        if offer is None or offer == self.projector_choice:
            bar.offer(None)
        else:
            bar.offer(f"Use {offer.describe()}: the projector of this slice's source store")

    def _accept_projector_offer(self) -> None:
        if self.projector_offer is not None:
            self.set_projector_choice(self.projector_offer)

    def choose_projector(self, kind: str) -> None:
        """Switch to a projector kind: a folder is asked for native eventsourcing, a file for a file."""
        from inspector.replay.choices import ProjectorChoice

        if kind == "file":
            self.choose_projector_file()
        elif kind == "native":
            current = (self.projector_choice.target if self.projector_choice is not None
                       and self.projector_choice.kind == "native" else None)
            start = current or remembered_folder(self.settings, PROJECTOR_FOLDER, self._store_folder())
            folder = QFileDialog.getExistingDirectory(
                self, "Folder with your eventsourcing application's code (on the import path)", start)
            if folder:
                remember_folder(self.settings, PROJECTOR_FOLDER, folder)
                self.set_projector_choice(ProjectorChoice("native", folder))
        else:
            self.set_projector_choice(ProjectorChoice(kind))

    def _store_folder(self) -> str:
        from pathlib import Path

        target = self.store_target or ""
        return str(Path(target).parent) if target and "://" not in target else ""

    def choose_projector_file(self) -> None:
        # The file in use (the dialog selects it), else the folder a projector was last loaded
        # from, else the store's folder.
        start = self.projector_file or remembered_folder(self.settings, PROJECTOR_FOLDER, self._store_folder())
        path, _ = QFileDialog.getOpenFileName(self, "Load projector file", start, "Python files (*.py);;All files (*)")
        if path:
            remember_folder(self.settings, PROJECTOR_FOLDER, path)
            self.set_projector_file(path)

    def set_projector_file(self, path: str | None) -> None:
        """Use the projector file at ``path`` (None: the default), remembered for this store
        once it has loaded: a broken file leaves the previous projector active and remembered."""
        from inspector.replay.choices import ProjectorChoice

        self.set_projector_choice(ProjectorChoice("file", path) if path else None)

    def set_projector_choice(self, choice: Any) -> None:
        """Use ``choice`` (a ProjectorChoice; None forgets the store's choice and uses the default),
        remembered for this store once it has loaded."""
        self._load_projectors_from(choice, chosen=True)

    def reload_projectors(self) -> None:
        """Load the current projector again (its file changed on disk, or Reload was asked)."""
        self._load_projectors_from(self.projector_choice, chosen=False)

    def _load_projectors_from(self, choice: Any, *, chosen: bool) -> None:
        store, target, record = self.store, self.store_target, self.slice_record
        if store is None:
            return

        def work(cancel, progress):
            from inspector.replay.choices import default_choice

            if choice is None:
                picked, reason = default_choice(store, None, record)
            else:
                picked, reason = choice, ("chosen in the window" if chosen else self.projector_reason)
            return picked.load(store), picked, reason

        def done(outcome: Any) -> None:
            projectors, picked, reason = outcome
            if chosen and target is not None:
                self.settings.set_projector_for(target, None if choice is None else choice.to_setting())
            self._set_projectors(projectors, picked, reason)
            self.banner.hide()
            self._replay_again()

        def failed(exc: BaseException) -> None:
            what = choice.describe() if choice is not None else "the default projector"
            if chosen:
                current = self.projector_choice.describe() if self.projector_choice is not None else "the default"
                self.show_error(f"Projector {what} could not be loaded: {exc}. Still using {current}.")
                return
            self.show_error(f"Projector {what} could not be loaded: {exc}")
            spec = self.projector_file
            if spec and spec not in self.projector_watcher.files():
                self.projector_watcher.addPath(spec)  # editors replace files: keep watching for the fix

        self.runner.submit("projector", work, done, failed, label="Loading projectors")

    def _on_projector_file_changed(self, path: str) -> None:
        # Editors often replace the file: watch the new one too.
        if path not in self.projector_watcher.files():
            QTimer.singleShot(100, lambda: self.projector_watcher.addPath(path))
        self._reload_timer.start()
