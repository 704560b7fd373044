"""An error raised with no message (a MemoryError has none) still says what went wrong: the
window's reports format the error a task raised ("The survey failed: …"), and the CLI's last line
of defence names it, so neither ends with nothing after the colon."""

from __future__ import annotations

from typing import Any

from inspector.core.failure import failure_reason


def test_an_error_without_a_message_gets_words_for_it() -> None:
    assert failure_reason(MemoryError()) == ("MemoryError: out of memory: the system gave the inspector no more "
                                             "memory for this")
    assert failure_reason(ValueError()) == "ValueError (raised with no message)"
    assert failure_reason(ValueError("bad amount")) == "bad amount"


def test_a_task_that_runs_out_of_memory_reports_it_in_the_window(qtbot: Any) -> None:
    from inspector.ui.runner import TaskRunner

    runner = TaskRunner()
    failures: list[str] = []

    def work(_cancel: Any, _progress: Any) -> None:
        raise MemoryError()  # as CPython raises it when an allocation fails: no message

    runner.submit("types-view", work, on_error=lambda exc: failures.append(f"The survey failed: {exc}"))
    qtbot.waitUntil(lambda: bool(failures))
    runner.shutdown()
    assert failures == ["The survey failed: MemoryError: out of memory: the system gave the inspector no more "
                        "memory for this"]
