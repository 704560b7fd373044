"""The runner's workers start with it, idle: a task submitted later (say, while other workers
decode a 50 MB event) never makes the GUI thread wait for a new thread to start, which needs
the interpreter those workers hold."""

from __future__ import annotations

import threading

from inspector.ui.runner import TaskRunner


def test_tasks_run_on_workers_started_with_the_runner_none_started_on_demand(qtbot, monkeypatch):
    runner = TaskRunner(workers=3, page_workers=2)
    names = {thread.name for thread in threading.enumerate()}
    assert {f"inspector-task-{n}" for n in range(3)} <= names and {"inspector-page-0", "inspector-page-1"} <= names

    def refused(self):
        raise AssertionError(f"a thread was started on demand: {self.name}")

    monkeypatch.setattr(threading.Thread, "start", refused)
    results: list[int] = []
    for n, channel in enumerate(("state", "events", "export", "audit")):
        runner.submit(channel, lambda cancel, progress, n=n: n * n, results.append)
    qtbot.waitUntil(lambda: sorted(results) == [0, 1, 4, 9], timeout=10000)
    runner.shutdown()
