"""The changed paths of one stream between two projectors, in ``diff``'s change shape."""

from __future__ import annotations

from inspector.ui.models.diff_tree import DiffTreeModel


class ProjectorChangesModel(DiffTreeModel):
    """A ``compare`` difference's changes: path, added/removed/changed, the old projector's value
    (before) and the new one's (after). No blame: both sides fold the same events."""

    COLUMNS = ("Path", "Change", "Old projector", "New projector", "Changed by")
