"""A whole-category run's process pool is stopped within a bounded wait (``_stop_pool``): CPython's
``Pool.terminate`` was once seen to hang forever joining its own threads after a worker's failure.
The pool's workers are terminated first thing; a teardown that then blocks is left behind on a
daemon thread after ``POOL_STOP_WAIT`` seconds, so the run (and the window's worker) goes on."""

from __future__ import annotations

import multiprocessing
import threading

from inspector.replay import category


def test_a_pool_whose_terminate_never_returns_is_left_behind_with_its_workers_ended(monkeypatch):
    pool = multiprocessing.get_context("spawn").Pool(2)
    workers = list(pool._pool)  # the pool's worker processes
    assert all(process.is_alive() for process in workers)
    real_terminate = pool.terminate
    stuck = threading.Event()

    def terminate_then_hang() -> None:
        real_terminate()  # the workers are ended, as CPython's does first...
        stuck.wait()  # ...then its join of the pool's own threads never returns

    monkeypatch.setattr(pool, "terminate", terminate_then_hang)
    monkeypatch.setattr(category, "POOL_STOP_WAIT", 0.5)
    try:
        category._stop_pool(pool)  # returns although the teardown still hangs
        assert not stuck.is_set()
        assert [process.is_alive() for process in workers] == [False, False]
    finally:
        stuck.set()


def test_a_pool_that_stops_normally_is_waited_for(monkeypatch):
    pool = multiprocessing.get_context("spawn").Pool(1)
    workers = list(pool._pool)
    stopped = threading.Event()
    real_join = pool.join

    def join() -> None:
        real_join()
        stopped.set()

    monkeypatch.setattr(pool, "join", join)
    category._stop_pool(pool)
    assert stopped.is_set() and not any(process.is_alive() for process in workers)
