"""A whole-category run's worker process sends its last results and "done", then ends. The thread
waiting on it may lose the CPU (or the GIL) between a poll that gave up and its check that the
process is alive: by then the process has ended with its answer still in the pipe. That answer is
read, not taken for a worker that "ended without an answer" (seen as a flaky Compare view)."""

from __future__ import annotations

import multiprocessing
import time

from inspector.replay import worker
from inspector.stores import open_store


class _PollThatGivesUpLate:
    """The parent's end of the pipe whose first waiting poll returns False only once the worker has
    ended, with everything it sent waiting to be read (as when the waiting thread was descheduled)."""

    def __init__(self, conn) -> None:
        self._conn = conn
        self.gave_up_late = False

    def poll(self, timeout: float = 0.0) -> bool:
        if timeout and not self.gave_up_late:
            self.gave_up_late = True
            deadline = time.monotonic() + 120
            while worker.category_processes() and time.monotonic() < deadline:
                time.sleep(0.01)
            return False
        return self._conn.poll(timeout)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def test_the_results_of_a_worker_that_ended_before_it_was_looked_at_are_read(demo_store_path, monkeypatch):
    spawn = multiprocessing.get_context("spawn")
    ends: list[_PollThatGivesUpLate] = []

    class _Context:
        def __getattr__(self, name: str):
            return getattr(spawn, name)

        def Pipe(self, duplex: bool = True):  # noqa: N802 (multiprocessing's name)
            parent, child = spawn.Pipe(duplex=duplex)
            ends.append(_PollThatGivesUpLate(parent))
            return ends[-1], child

    store = open_store(str(demo_store_path))
    try:
        first_acl = store.streams(category="acl", limit=1)[0].stream
        monkeypatch.setattr(worker.multiprocessing, "get_context", lambda method=None: _Context())
        run = worker.category_run("states", store, specs=(("demo", None),), isolate=True, category="acl",
                                  match=first_acl)
        outcomes = list(run)
    finally:
        store.close()

    assert ends and ends[0].gave_up_late
    assert [outcome.stream for outcome in outcomes] == [first_acl]
    assert run.totals.streams == 1 and not run.totals.partial
