"""The window's message banners float over the bottom of its panes instead of taking a row
of the layout: a message that comes and goes never pushes the panes (or the window) around.
A message about one stream (``about_stream``) goes when another stream is shown."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QVBoxLayout, QWidget


class BannerOverlay(QWidget):
    """Holds banners (any widgets that show and hide themselves) over the bottom edge of
    ``host``, as wide as it, as tall as the banners shown; hidden while none is shown.

    It is opaque (the window's background colour) so a tinted banner stays readable over a
    table; it follows ``host``'s size and the banners' own show, hide and size changes.
    """

    MARGIN = 6

    def __init__(self, host: QWidget, banners: list[QWidget]) -> None:
        super().__init__(host)
        self.setObjectName("bannerOverlay")
        self.setAutoFillBackground(True)
        self._host = host
        self._banners = list(banners)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        for banner in self._banners:
            box.addWidget(banner)
            banner.installEventFilter(self)
        host.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt naming)
        if event.type() in (QEvent.Type.Resize, QEvent.Type.ShowToParent, QEvent.Type.HideToParent,
                            QEvent.Type.LayoutRequest):
            self.place()
        return False

    def stream_shown(self, stream: str | None) -> None:
        """``stream`` is shown now (None: all streams): a banner about another stream (one whose
        ``about_stream`` attribute names it) is hidden, so it never covers a stream it is not about."""
        for banner in self._banners:
            about = getattr(banner, "about_stream", None)
            if about is not None and about != stream and not banner.isHidden():
                banner.hide()
                banner.about_stream = None  # type: ignore[attr-defined]
        self.place()

    def place(self) -> None:
        """Show over the bottom of the host while a banner is shown, else hide."""
        if not any(not banner.isHidden() for banner in self._banners):
            self.hide()
            return
        width = max(self._host.width() - 2 * self.MARGIN, 100)
        layout = self.layout()
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
        height = min(max(height, 1), max(self._host.height() // 2, 40))
        self.setGeometry(self.MARGIN, self._host.height() - height - self.MARGIN, width, height)
        self.show()
        self.raise_()
