"""The window with stuck tasks: it closes at once while a worker is stuck, and stream pages
still load while every replay worker is stuck."""

from __future__ import annotations


def test_the_window_closes_at_once_while_a_task_is_stuck(qtbot, window):
    import threading

    from PySide6.QtWidgets import QApplication

    release, started = threading.Event(), threading.Event()

    def stuck(cancel, progress):  # a projector that never looks at its cancel token
        started.set()
        release.wait(30)
        return "late"

    arrived = []
    task = window.runner.submit("state", stuck, arrived.append, label="Replaying a stuck stream")
    assert started.wait(5)
    try:
        window.close()
        # close returned while the task is still stuck: it did not wait for the worker
        assert not task.future.done()
        assert window.store is None
    finally:
        release.set()
    qtbot.waitUntil(task.future.done, timeout=10000)  # the worker got its "late" result out
    QApplication.processEvents()  # and its delivery to the GUI thread has run
    assert arrived == []  # the late result of a closed window is dropped


def test_streams_still_load_while_every_replay_worker_is_stuck(qtbot, window):
    import threading

    release = threading.Event()
    started = threading.Semaphore(0)

    def stuck(cancel, progress):
        started.release()
        release.wait(30)

    try:
        for channel in ("state", "diff", "bisect", "export"):
            window.runner.submit(channel, stuck)
        for _ in range(4):
            assert started.acquire(timeout=5)
        window.filter_edit.setText("wallet-*")
        qtbot.waitUntil(lambda: window.stream_model.exhausted and window.stream_model.rowCount() > 0
                        and window.stream_model.query[0] == "wallet-*", timeout=5000)
        names = [window.stream_model.index(r, 0).data() for r in range(window.stream_model.rowCount())]
        assert all(name.startswith("wallet-") for name in names)
    finally:
        release.set()
