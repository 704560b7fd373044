"""Python's cyclic garbage collector, run on the GUI thread only.

The collector runs in whichever thread happens to allocate when a generation's threshold is
passed: in the window that is often a worker thread decoding a page or replaying a stream. A
reference cycle it frees there may hold a Qt object (a model, a timer, a widget's wrapper), and a
Qt object deleted off the thread it lives in can take the process down (a segmentation fault
inside ``gc``, seen on a replay worker). So the window turns automatic collection off and
collects on a timer of the GUI thread instead, the approach ``pyqtgraph.util.GarbageCollector``
takes; this one also keeps CPython's rule that a full collection waits until the objects
promoted since the last one are a quarter of those it would walk, so a big state shown in the
window is not walked again every few seconds, and it waits while a worker decodes a big payload
with collection paused (``json_pieces.cycle_collection_paused``), as the automatic one would.

Reference counting frees everything that is not in a cycle at once, on any thread, as always.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from inspector.core.json_pieces import collection_paused

#: how often the GUI thread looks at the collector's counts (milliseconds)
INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collects cyclic garbage on the thread it lives on (the GUI thread), per CPython's own
    generation thresholds, with automatic collection off for the whole process."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        #: objects moved to the oldest generation since the last full collection (an upper bound)
        self._pending = 0
        self._long_lived = len(gc.get_objects(generation=2))
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose threshold is passed, as CPython's automatic
        collection does; the number of objects found unreachable."""
        if collection_paused():
            return 0  # a big payload is being decoded: its objects go to the oldest generation at once after
        young, middle, old = gc.get_count()
        first, second, third = self._thresholds[:3]
        if first <= 0 or young <= first:
            return 0
        if old > third and self._pending >= self._long_lived // 4:
            found = gc.collect(2)
            self._pending = 0
            self._long_lived = len(gc.get_objects(generation=2))
            return found
        if middle > second:
            # the survivors of the two young generations move to the oldest one
            self._pending += len(gc.get_objects(generation=0)) + len(gc.get_objects(generation=1))
            return gc.collect(1)
        return gc.collect(0)

    def stop(self) -> None:
        """Automatic collection on again (any thread), as before."""
        self._timer.stop()
        gc.enable()


def collect_on_the_gui_thread(app: QCoreApplication) -> GuiThreadCollector:
    """The application's collector, made on first call (idempotent): call it on the GUI thread
    before any worker thread starts."""
    existing = app.findChild(GuiThreadCollector)
    if isinstance(existing, GuiThreadCollector):
        if gc.isenabled():
            gc.disable()
        return existing
    return GuiThreadCollector(app)
