"""A reference cycle holding a Qt object is collected on the GUI thread, never on a worker.

Python's collector runs in whichever thread allocates past a threshold; a Qt object freed off its
thread inside that collection can crash the process (it took a test worker down in CI while a
replay worker was collecting). Once the window's task runner exists, automatic collection is off
and the GUI thread collects on a timer, however much the workers allocate."""

from __future__ import annotations

import gc
import threading
from typing import Any

from PySide6.QtCore import QObject


class Holder:
    """One half of a reference cycle that holds a Qt object; notes the thread that frees it."""

    freed_on: list[threading.Thread] = []

    def __init__(self) -> None:
        self.qt_object = QObject()
        self.me = self  # the cycle: only the collector frees it

    def __del__(self) -> None:
        Holder.freed_on.append(threading.current_thread())


def test_a_cycle_dropped_on_a_worker_that_allocates_a_lot_is_freed_on_the_gui_thread(qtbot: Any) -> None:
    from inspector.ui.runner import TaskRunner

    runner = TaskRunner()
    try:
        assert not gc.isenabled(), "automatic collection is still on beside the window's workers"
        Holder.freed_on.clear()
        handed: list[Holder] = [Holder()]
        done: list[list[list[int]]] = []

        def drop_and_allocate(_cancel: Any, _progress: Any) -> list[list[int]]:
            handed.clear()  # the cycle is garbage now, on this worker
            return [[index] for index in range(200_000)]  # a page of rows, far past every threshold

        runner.submit("replay", drop_and_allocate, on_done=done.append)
        qtbot.waitUntil(lambda: bool(done), timeout=10_000)
        qtbot.waitUntil(lambda: bool(Holder.freed_on), timeout=10_000)
        assert Holder.freed_on == [threading.main_thread()]
    finally:
        runner.shutdown()


def test_the_gui_thread_collects_what_the_thresholds_call_for(qtbot: Any) -> None:
    from PySide6.QtWidgets import QApplication

    from inspector.ui.collector import collect_on_the_gui_thread

    collector = collect_on_the_gui_thread(QApplication.instance())
    gc.collect()  # no cycle of an earlier test left
    assert collect_on_the_gui_thread(QApplication.instance()) is collector  # one per application
    assert not gc.isenabled()
    Holder.freed_on.clear()
    Holder()  # garbage at once, in a cycle
    kept: list[list[int]] = []

    def freed_while_allocating() -> bool:
        kept.extend([] for _ in range(gc.get_threshold()[0]))  # new objects alive count towards a collection
        return bool(Holder.freed_on)

    qtbot.waitUntil(freed_while_allocating, timeout=10_000)
    assert Holder.freed_on == [threading.main_thread()]


class Owned:
    """What a task's call may hold (a widget's dialog, a timer): notes the thread that frees it."""

    freed_on: list[threading.Thread] = []

    def __init__(self) -> None:
        self.qt_object = QObject()

    def __del__(self) -> None:
        Owned.freed_on.append(threading.current_thread())


def test_what_a_finished_task_held_is_freed_on_the_gui_thread(qtbot: Any) -> None:
    from inspector.ui.runner import TaskRunner

    runner = TaskRunner(workers=1)
    try:
        Owned.freed_on.clear()
        owned = Owned()
        results: list[str] = []

        def count_with(held: Owned):
            return lambda _cancel, _progress: type(held).__name__

        runner.submit("replay", count_with(owned), on_done=results.append)
        del owned  # only the task holds it now
        qtbot.waitUntil(lambda: results == ["Owned"], timeout=10_000)
        runner.submit("diff", lambda _cancel, _progress: "next", on_done=results.append)  # the same worker
        qtbot.waitUntil(lambda: results == ["Owned", "next"], timeout=10_000)
        qtbot.waitUntil(lambda: bool(Owned.freed_on), timeout=10_000)
        assert Owned.freed_on == [threading.main_thread()]
    finally:
        runner.shutdown()
