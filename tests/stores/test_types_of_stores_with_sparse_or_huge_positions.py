"""The type survey of a store whose positions are sparse or huge (snowflake ids near 2**53 and
beyond): it is split into parts by rows, not by the range of position values, so two events at
positions 1 and 2**53 + 1 are surveyed at once, in bounded memory, on every engine; a cancel
stops it between parts.

Each survey runs in a child process held to a fixed address space, so a survey that tried to
hold one bound per step of the position range fails there (MemoryError) instead of in the test
runner.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from .servers import writable_target

HUGE = 2**53 + 1  # the first integer a float cannot hold
#: the child's address space: enough for the inspector and a server driver, not for billions of bounds
MEMORY_LIMIT = 2 * 1024**3
ENGINES = ["sqlite", "postgresql", "mysql"]


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_limited(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, preexec_fn=_limited, cwd=tmp_path)


def write_events(engine: sa.Engine, positions: list[int]) -> None:
    dialect = engine.dialect.name
    data = {"sqlite": "TEXT", "postgresql": "JSONB", "mysql": "LONGTEXT", "mariadb": "LONGTEXT"}[dialect]
    text = "TEXT" if dialect == "sqlite" else "VARCHAR(200)"
    key = "INTEGER" if dialect == "sqlite" else "BIGINT"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE events (position {key} PRIMARY KEY, stream {text}, version INTEGER, "
                             f"type {text}, data {data}, recorded_at {text})")
        conn.execute(sa.text("INSERT INTO events VALUES (:p, :s, :v, :t, :d, :r)"), [
            {"p": position, "s": "a-1", "v": index + 1, "t": "T" if index % 2 == 0 else "U",
             "d": json.dumps({"x": index + 1}), "r": f"2026-01-01T00:00:{index:02d}Z"}
            for index, position in enumerate(positions)])


@pytest.fixture(params=ENGINES)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[sa.Engine, str]]:
    writer, url, clean = writable_target(request, request.param, tmp_path / "iso.db", "sparse")
    try:
        yield writer, url
    finally:
        clean()


def test_types_of_two_events_far_apart_answer_at_once(target: tuple[sa.Engine, str], tmp_path: Path) -> None:
    writer, url = target
    write_events(writer, [1, HUGE])
    done = run_limited([sys.executable, "-m", "inspector", "types", url, "--json"], tmp_path)
    assert done.returncode == 0, done.stderr
    survey = json.loads(done.stdout)
    assert [(kind["type"], kind["count"]) for kind in survey["types"]] == [("T", 1), ("U", 1)]


SURVEY_IN_PARTS = textwrap.dedent("""
    import json, sys
    from inspector.core.cancel import CancelToken
    from inspector.stores import open_store, survey
    survey.PART_ROWS = 3
    store = open_store(sys.argv[1])
    cancel = CancelToken()
    reports = []
    def progress(done, total):
        reports.append([done, total])
        if sys.argv[2] == "cancel" and done == 1:
            cancel.cancel()
    result = store.type_survey(cancel=cancel, progress=progress)
    print(json.dumps({"reports": reports, "complete": result.complete,
                      "types": [[kind.name, kind.count] for kind in result.types]}))
""")


def survey_in_parts(url: str, tmp_path: Path, mode: str) -> dict:
    done = run_limited([sys.executable, "-c", SURVEY_IN_PARTS, url, mode], tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_sparse_store_is_surveyed_in_parts_of_rows(target: tuple[sa.Engine, str], tmp_path: Path) -> None:
    writer, url = target
    # ten events: clustered at the start, at 2**53 and just below the largest 64-bit position
    write_events(writer, [1, 2, 3, 1000, HUGE, HUGE + 7, 2**62, 2**63 - 3, 2**63 - 2, 2**63 - 1])
    result = survey_in_parts(url, tmp_path, "all")
    assert result["complete"] is True
    assert result["types"] == [["T", 5], ["U", 5]]
    # four parts of at most three rows, each reported; the total said up front
    assert [done for done, _total in result["reports"]] == [1, 2, 3, 4]
    assert {total for _done, total in result["reports"]} == {4}


def test_a_cancel_stops_a_sparse_survey_between_parts(target: tuple[sa.Engine, str], tmp_path: Path) -> None:
    writer, url = target
    write_events(writer, [1, 2, 3, 1000, HUGE, HUGE + 7, 2**62, 2**63 - 3, 2**63 - 2, 2**63 - 1])
    result = survey_in_parts(url, tmp_path, "cancel")
    assert result["complete"] is False
    assert result["reports"] == [[1, 4]]
    assert sum(count for _name, count in result["types"]) == 3  # the first part's rows only


CTRL_C_SCRIPT = textwrap.dedent("""
    import sys, threading
    from inspector.cli import main
    from inspector.stores import survey
    from inspector.stores.sql import SqlEventStore
    survey.PART_ROWS = 3
    real = SqlEventStore.type_survey

    def slow(self, *, progress=None, cancel=None, **kwargs):
        def paused(done, total=None):
            print(f"part {done} of {total}", file=sys.stderr, flush=True)
            while not cancel.cancelled:  # a slow part, until Ctrl-C
                threading.Event().wait(0.01)
        return real(self, progress=paused, cancel=cancel, **kwargs)

    SqlEventStore.type_survey = slow
    sys.exit(main(["types", sys.argv[1]]))
""")


def test_ctrl_c_stops_a_sparse_survey_with_what_it_counted(target: tuple[sa.Engine, str], tmp_path: Path) -> None:
    import signal

    writer, url = target
    write_events(writer, [1, 2, 3, 1000, HUGE, HUGE + 7, 2**62, 2**63 - 3, 2**63 - 2, 2**63 - 1])
    child = subprocess.Popen([sys.executable, "-c", CTRL_C_SCRIPT, url], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, preexec_fn=_limited, cwd=tmp_path)
    try:
        assert child.stderr is not None
        assert child.stderr.readline() == "part 1 of 4\n"  # the first part was counted: the survey is under way
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert out.splitlines()[0] == "2 event type(s), 3 event(s)", out  # the first part: T at 1 and 3, U at 2
    assert "stopped before the end (Ctrl-C)" in err
