"""While a worker decodes a big payload, the window's collector (on the GUI thread) waits.

A decode of 50 MB makes about 1.6 million dicts and lists with the cyclic collector paused, and
puts them in the oldest generation at once when done. The window's GUI thread collects by hand
on a timer; had it collected meanwhile, each young collection would have walked every object
made so far, in one C call on the GUI thread (up to a second seen while selecting a 50 MB event)."""

from __future__ import annotations

import gc
import threading
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from inspector.core import json_pieces
from inspector.ui.collector import collect_on_the_gui_thread


class Cycle:
    """Garbage only the collector frees (it refers to itself); notes that it was freed."""

    freed: list[bool] = []

    def __init__(self) -> None:
        self.qt_object = QObject()
        self.me = self

    def __del__(self) -> None:
        Cycle.freed.append(True)


def test_the_gui_thread_collects_nothing_while_a_worker_decodes_a_big_payload(qtbot: Any) -> None:
    collector = collect_on_the_gui_thread(QApplication.instance())
    gc.collect()
    Cycle.freed.clear()
    decoding, finish = threading.Event(), threading.Event()
    made: list[list[Any]] = []

    def decode() -> None:
        with json_pieces.cycle_collection_paused():
            made.append([{"id": index} for index in range(50_000)])  # far past every threshold
            decoding.set()
            finish.wait(30)
        json_pieces.settle_new_objects()

    worker = threading.Thread(target=decode)
    worker.start()
    try:
        assert decoding.wait(30)
        Cycle()  # garbage now, in a cycle
        assert json_pieces.collection_paused()
        assert gc.get_count()[0] > gc.get_threshold()[0]  # a collection is due
        assert collector.collect_due() == 0
        assert not Cycle.freed  # nothing walked while the decode goes on
    finally:
        finish.set()
        worker.join(30)
    assert not json_pieces.collection_paused()
    Cycle()  # garbage made after the decode: the next due collection frees it

    def freed_while_allocating() -> bool:
        made.append([[] for _ in range(gc.get_threshold()[0])])
        return bool(Cycle.freed)

    qtbot.waitUntil(freed_while_allocating, timeout=10_000)
