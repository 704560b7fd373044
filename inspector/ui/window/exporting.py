"""File › Export slice…: the dialog, and the export on a worker with progress and Cancel.

Owns ``last_export``; slices record the projector in force.
"""

from __future__ import annotations

from typing import Any

from inspector.ui.settings import store_key
from inspector.ui.window.names import ALL


class Exporting:
    """Part of ``MainWindow`` (a mixin: ``self`` is the window)."""

    def export_dialog(self) -> None:
        """File › Export slice…: the dialog opens prefilled; the export runs in the background."""
        from pathlib import Path

        from inspector.ui.export_dialog import ExportDialog

        if self.store is None:
            self.show_error("Open a store first: File › Open store (Ctrl+O).")
            return
        target = self.store_target or ""
        store_path = None if "://" in target else target
        folder = self.settings.get("last_export_dir") or str(Path.home())
        category = self.category_box.currentData()
        dialog = ExportDialog(stream=self.current_stream, region=self.region_filter, folder=folder,
                              store_path=store_path, category=None if category in (None, ALL) else category,
                              parent=self)
        dialog.accepted.connect(lambda: dialog.request is not None and self.run_export(dialog.request))
        dialog.finished.connect(lambda _result: dialog.deleteLater())
        self.export_dialog_widget = dialog
        dialog.open()  # window-modal, without a nested event loop

    def run_export(self, request: Any) -> None:
        """Write the slice to ``request.output`` on a worker, with progress and Cancel."""
        from inspector.core.cancel import Cancelled
        from inspector.export import export
        from inspector.export.provenance import export_recording_projector

        store, choice, projectors = self.store, self.projector_choice, self.projectors
        if store is None:
            return
        self.settings.set("last_export_dir", str(request.output.parent))
        # The fixture replays with the projector in force; slices record it (name, module or file, code hash),
        # the source named as the settings name it: no secret.
        source = store_key(self.store_target or "")

        def work(cancel, progress):
            if choice is None or projectors is None:
                result = export(store, request.format, request.output, part=request.part, mask=request.mask,
                                cancel=cancel, progress=progress)
                if cancel.cancelled:  # cancelled just as it finished: honour the Cancel
                    result.path.unlink(missing_ok=True)
                    raise Cancelled("cancelled")
                return result
            return export_recording_projector(store, request.format, request.output, choice=choice,
                                              projectors=projectors, source=source, part=request.part,
                                              mask=request.mask, cancel=cancel, progress=progress)

        def done(result: Any) -> None:
            self._end_progress()
            self.last_export = result
            masked = " (e-mail addresses masked)" if "emails" in request.mask else ""
            left_out = getattr(result, "left_out", ())  # the source's lines that are no event: in no stream
            outside = (f"; left out {len(left_out)} line(s) that are no event ({left_out[0]}"
                       + (", …" if len(left_out) > 1 else "") + ")") if left_out else ""
            self.statusBar().showMessage(
                f"Exported {result.events:,} event{'s' if result.events != 1 else ''} of "
                f"{request.part.describe()} to {result.path}{masked}{outside}", 20000)

        def failed(exc: BaseException) -> None:
            self._end_progress()
            self.show_error(f"Export to {request.output} failed: {exc}")

        self._begin_progress("export", f"Exporting {request.format} to {request.output.name}")
        self.runner.submit("export", work, done, failed, label=f"Exporting to {request.output.name}",
                           on_progress=self.progress_strip.update_progress)
