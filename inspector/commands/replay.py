"""Subcommands that rebuild state: replay, diff, bisect.

While a projector runs, ``print()`` in it goes to stderr (stdout carries only our output,
one JSON document with ``--json``), and whatever it raises, ``SystemExit`` and
``KeyboardInterrupt`` included, is reported as its error at that event; Ctrl+C still
interrupts (exit 130). With ``--time-limit`` the work runs in a worker process that is
stopped when the limit passes (exit 1 with a message saying so).

A replay whose projector raised is no clean answer: it exits 1 with the projector's error on
stderr. Raised at the stream's first event, nothing was folded and no state is printed; later,
the state just before that event is printed (``stopped`` in ``--json``) before it fails. A diff
whose projector raised between its two moments prints the changes up to that event, then fails
the same way.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from contextlib import contextmanager, redirect_stdout
from typing import Any, Callable, Iterator

from inspector.cli import (CHANGE_ROWS, InputError, fail, open_store_from_args, print_json, print_table,
                           terminal_progress)
from inspector.core import jsontext
from inspector.core.terminal import LINE_LIMIT, printable, shortened, shown_name
from inspector.core.events import Moment, format_time, parse_moment
from inspector.core.suggest import missing_stream
from inspector.replay import ProjectorError, SnapshotCache, load_projectors, worker
from inspector.replay.projectors import marked_interrupts
from inspector.replay.engine import resolved_text


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    projector_options = argparse.ArgumentParser(add_help=False)
    group = projector_options.add_argument_group("projector options")
    group.add_argument(
        "--projector", metavar="FILE_OR_MODULE",
        help="a .py file or module with @projector functions; 'native' rebuilds eventsourcing aggregates "
             "with your own classes; 'demo' = the demo store's projectors; 'generic' = last value of each "
             "payload field (default: the demo's projector for the demo store, else generic)",
    )
    group.add_argument("--path", metavar="DIR", help="folder to import your projector or domain code from")
    group.add_argument("--no-cache", action="store_true", help="neither read nor write the snapshot cache")
    group.add_argument(
        "--time-limit", metavar="SECONDS", type=_seconds,
        help="stop after SECONDS (a projector stuck in a loop, a slow store): the work runs in a worker "
             "process that is ended when the limit passes; exit 1 with a message",
    )

    rep = subparsers.add_parser(
        "replay", parents=[common, projector_options],
        help="a stream's state at a version or an instant",
        description=textwrap.fill(
            "Rebuild a stream's state at MOMENT (vN or an ISO-8601 time; default: its latest version). A "
            "projector that raises stops the replay at that event and the exit status is 1 with its error: "
            "raised at the first event, no state is printed (there is none); later, the state just before that "
            "event is printed first.", width=88),
    )
    rep.add_argument("store")
    rep.add_argument("--stream", required=True, help="the stream to replay")
    rep.add_argument("--at", metavar="MOMENT", help="vN or an ISO-8601 time (the last version recorded at or before it; "
                                                    "a time without a zone is UTC, not this machine's zone)")
    rep.set_defaults(handler=run_replay)

    dif = subparsers.add_parser(
        "diff", parents=[common, projector_options],
        help="what changed in a stream's state between two moments, and which events changed it",
        description=textwrap.fill(
            "Rebuild a stream's state at --from and at --to (vN or an ISO-8601 time) and list every changed path "
            "(JSON pointer, add/remove/change, before, after) with the events between that changed it.", width=88),
    )
    dif.add_argument("store")
    dif.add_argument("--stream", required=True, help="the stream to compare, exactly as the store names it")
    dif.add_argument("--from", dest="from_", required=True, metavar="MOMENT",
                     help="vN or an ISO-8601 time (a time without a zone is UTC, not this machine's zone)")
    dif.add_argument("--to", required=True, metavar="MOMENT",
                     help="vN or an ISO-8601 time (without a zone: UTC), not before --from once both are "
                          "versions (a reversed range is an error)")
    dif.set_defaults(handler=run_diff)

    bis = subparsers.add_parser(
        "bisect", parents=[common, projector_options],
        help="the first version at which a predicate over the state holds",
        description=textwrap.fill(
            "The first version where EXPR is true, e.g. --when 'state[\"credits\"] < 0'. EXPR sees `state` and "
            "`event` (the event at that version). The latest version is checked first. When EXPR holds there, "
            "versions are halved (binary search): that assumes EXPR stays true once it holds (an invariant that "
            "broke and was never repaired); if it comes and goes, the answer is one version where it became "
            "true, not necessarily the first. When EXPR does not hold at the latest version, every version is "
            "checked in order (one fold of the stream): the answer is the first version where it held and that "
            "it no longer holds, or that it never held.", width=88),
    )
    bis.add_argument("store")
    bis.add_argument("--stream", required=True, help="the stream to search, exactly as the store names it")
    bis.add_argument("--when", required=True, metavar="EXPR",
                     help="a Python expression over state (and event); a key the state lacks means it does not "
                          "hold there; any other error it raises counts as not holding and is reported (the error, "
                          "the first version: a note, --json's expression_errors); raised at every version "
                          "checked, it is an error (exit 1)")
    bis.set_defaults(handler=run_bisect)


def _seconds(text: str) -> float:
    """An argparse type: a number of seconds above zero (a bad value is a usage error, exit 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {text}")
    return value


@contextmanager
def _projector_code() -> Iterator[None]:
    """While a user's projector may run: its print() goes to stderr, and Ctrl+C is told apart
    from a KeyboardInterrupt it raises."""
    with redirect_stdout(sys.stderr), marked_interrupts():
        yield


def _run(what: str, call: Callable[..., Any], args: argparse.Namespace, *call_args: Any, **kwargs: Any) -> Any:
    """``call`` (worker.replay/diff/bisect) in this process, or in a worker under ``--time-limit``."""
    limit = args.time_limit
    try:
        with _projector_code():
            return call(*call_args, time_limit=limit, isolate=None if limit is not None else False, **kwargs)
    except worker.TimeLimitReached:
        raise InputError(f"{what} stopped: --time-limit {limit:g} s reached before it finished "
                         "(the projector, or the store, was still working)") from None
    except worker.WorkerDied as exc:
        raise InputError(f"{what} failed: {exc}") from None
    finally:
        if limit is not None:
            worker.shutdown()


def _moment(text: str | None, option: str) -> Moment | None:
    if text is None:
        return None
    try:
        return parse_moment(text)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None


def _setup(args: argparse.Namespace) -> tuple[Any, Any, SnapshotCache | None]:
    store = open_store_from_args(args)
    try:
        spec = args.projector if args.projector is not None else default_spec(store)
        with _projector_code():  # a module's top-level print() too
            projectors = load_projectors(spec, path=args.path, store=store)
    except ProjectorError as exc:
        store.close()
        raise InputError(str(exc)) from None
    cache = None if args.no_cache else SnapshotCache()
    return store, projectors, cache


def default_spec(store: Any) -> str | None:
    """The projector to use when no ``--projector`` is given, as the window decides on opening
    ``store``: the demo's for a slice exported with it (``inspector.export.provenance``), else
    the usual default (None). A slice that names a user's projector says so on stderr."""
    from inspector.export.provenance import slice_projector

    spec, note = slice_projector(store)
    if note is not None:
        print(printable(f"note: {note}"), file=sys.stderr)
    return spec


def stream_problem(store: Any, stream: str, problem: str | None) -> str | None:
    """``problem``, with the store's closest stream names added when it is that the stream has no events."""
    if problem != f"no events in stream {stream!r}":
        return problem
    return missing_stream(store, stream) or problem


def _close(store: Any, cache: SnapshotCache | None) -> None:
    store.close()
    if cache is not None:
        cache.close()


def _show(value: Any) -> str:
    try:
        return jsontext.dumps(value)
    except (TypeError, RecursionError):
        return "(nested too deep to write as JSON)"


def _print_state(state: Any, indent: str = "  ") -> None:
    """A state as text: one line per field of a dict, else one line; a value longer than
    ``LINE_LIMIT`` characters is ``shortened`` (``--json`` prints it whole)."""
    if isinstance(state, dict) and state:
        width = min(max(len(str(key)) for key in state), 32)
        for key, value in state.items():
            print(printable(f"{indent}{shortened(str(key), LINE_LIMIT).ljust(width)}  "
                            f"{shortened(_show(value), LINE_LIMIT)}"))
    else:
        print(printable(f"{indent}{shortened(_show(state), LINE_LIMIT)}"))


def run_replay(args: argparse.Namespace) -> int:
    at = _moment(args.at, "--at")
    store, projectors, cache = _setup(args)
    progress = terminal_progress("replaying", "events")
    try:
        result = _run(f"replay of {args.stream}", worker.replay, args, store, args.stream, at=at,
                      projectors=projectors, cache=cache, progress=progress)
        result.problem = stream_problem(store, args.stream, result.problem)
    finally:
        _close(store, cache)
        if progress is not None:
            progress.close()
    if result.problem:
        raise InputError(result.problem)
    stop = result.stopped
    raised = None if stop is None else (f"the projector raised at v{stop.version} ({shown_name(stop.type)}): "
                                        f"{stop.error}")
    if raised is not None and result.version is None:  # nothing folded: no state to show, only the error
        raise InputError(f"{raised}; no event was applied, so {shown_name(result.stream)} has no state to show")
    if args.json:
        print_json(result.to_json())
    else:
        when = f" ({format_time(result.recorded_at)})" if result.recorded_at else ""
        version = "before its first event (no event applied)" if result.version is None else f"at v{result.version}{when}"
        print(printable(f"{shown_name(result.stream)} {version}, projector {result.projector}"))
        print(printable(f"  {result.describe()}"))
        print("state:")
        _print_state(result.state)
    if result.state_note:
        print(f"warning: {result.state_note}", file=sys.stderr)
    if args.json:  # the text output says them on its second line
        for warning in result.warnings:
            print(printable(f"warning: {warning}"), file=sys.stderr)
    if raised is not None:  # the state shown is not the one asked for: no clean answer
        return fail(f"{raised}; the state shown is the state just before it, at v{result.version}")
    return 0


def run_diff(args: argparse.Namespace) -> int:
    a, b = _moment(args.from_, "--from"), _moment(args.to, "--to")
    assert a is not None and b is not None
    _in_order(a, b)
    store, projectors, cache = _setup(args)
    try:
        result = _run(f"diff of {args.stream}", worker.diff, args, store, args.stream, a, b,
                      projectors=projectors, cache=cache)
        result.problem = stream_problem(store, args.stream, result.problem)
    finally:
        _close(store, cache)
    if result.reversed:  # a version against a time: in order only once both are versions
        raise InputError(f"--to {resolved_text(b, result.to.version)} is before --from "
                         f"{resolved_text(a, result.from_.version)}: give the earlier moment as --from")
    if result.problem:
        raise InputError(result.problem)
    if args.json:
        print_json(result.to_json())
    else:
        print(printable(f"{shown_name(result.stream)}: {_moment_text(result.from_.version)} -> {_moment_text(result.to.version)}, "
                        f"{len(result.changes)} change(s), {result.events_between_total} event(s) between, "
                        f"projector {result.projector}"
                        + ("" if result.stopped is None else
                           f"; asked {args.from_} -> {args.to}, the projector stopped at v{result.stopped.version}")))
        if result.changes:
            print()
            print_table(
                ["path", "op", "before", "after", "changed by"],
                [
                    (c.path, c.op, "" if c.op == "add" else _show(c.before), "" if c.op == "remove" else _show(c.after),
                     _blame_text(c.events, c.events_omitted))
                    for c in result.changes[:CHANGE_ROWS]
                ],
                total=len(result.changes),
            )
    for warning in result.warnings:
        print(printable(f"warning: {warning}"), file=sys.stderr)
    if result.stopped is not None:  # the later state is not the one asked for: no clean answer
        return fail(printable(f"the projector raised at v{result.stopped.version} ({shown_name(result.stopped.type)}): "
                              f"{result.stopped.error}; the changes shown end just before that event"))
    return 0


def _in_order(a: Moment, b: Moment) -> None:
    """An ``InputError`` when ``--to`` comes before ``--from`` (both versions, or both times): a diff
    reads from the earlier moment to the later one. A version against a time is checked once both
    are resolved to versions (``StateDiff.reversed``)."""
    if a.version is not None and b.version is not None and b.version < a.version:
        raise InputError(f"--to v{b.version} is before --from v{a.version}: give the earlier moment as --from")
    if a.at is not None and b.at is not None and b.at < a.at:
        raise InputError(f"--to {format_time(b.at)} is before --from {format_time(a.at)}: "
                         "give the earlier moment as --from")


def _moment_text(version: int | None) -> str:
    """``v0``, ``v12``; a moment before the stream's first event has no version."""
    return "before its first event" if version is None else f"v{version}"


def _blame_text(events: list, omitted: int = 0) -> str:
    """The events that changed a path: all of them when there are at most four, else the latest
    three (the ones nearest the later moment) and how many earlier ones there were (blame keeps
    the latest when it must cut: ``omitted`` more). A cut that saves no line is not made."""
    keep = events if not omitted and len(events) <= _BLAME_SHOWN + 1 else events[-_BLAME_SHOWN:]
    shown = [f"v{e.version} {shown_name(e.type)}" + (f" by {e.actor}" if e.actor else "") for e in keep]
    earlier = len(events) - len(shown) + omitted
    if earlier:
        shown.insert(0, f"{earlier:,} earlier")
    return "; ".join(shown)


#: events named per changed path in diff's text before the rest are counted ("N earlier")
_BLAME_SHOWN = 3


def run_bisect(args: argparse.Namespace) -> int:
    store, projectors, cache = _setup(args)
    try:
        result = _run(f"bisect of {args.stream}", worker.bisect, args, store, args.stream, args.when,
                      projectors=projectors, cache=cache)
        result.problem = stream_problem(store, args.stream, result.problem)
    finally:
        _close(store, cache)
    if result.problem:
        raise InputError(result.problem)
    for warning in result.warnings:  # on stderr: the answer on stdout stays as it is
        print(printable(f"warning: {warning}"), file=sys.stderr)
    if args.json:
        print_json(result.to_json())
        if result.note:
            print(printable(f"note: {result.note}"), file=sys.stderr)
        return 0
    if not result.found:
        print(printable(f"{args.when} never holds in {shown_name(args.stream)}: checked at every version up to its latest, "
                        f"v{result.latest_version} ({result.versions_scanned:,} version(s), {result.elapsed_ms:.1f} ms)"))
        if result.note:
            print(printable(f"note: {result.note}"))
        return 0
    event = result.event
    if result.holds_at_latest:
        print(printable(f"first version where {args.when} holds: v{result.version} (binary search, "
                        f"{result.probes} probes, {result.elapsed_ms:.1f} ms; it holds at the latest version, "
                        f"v{result.latest_version})"))
    else:
        print(printable(f"first version where {args.when} held: v{result.version}; it no longer holds at the "
                        f"latest version, v{result.latest_version} ({result.versions_scanned:,} version(s) checked "
                        f"in order from the first, {result.elapsed_ms:.1f} ms)"))
    if event is not None:
        by = f" by {event.actor}" if event.actor else ""
        print(printable(f"  event: {shown_name(event.type)} at {format_time(event.recorded_at)}{by}"))
        if event.data is not None:
            print(printable(f"  data:  {shortened(_show(event.data), LINE_LIMIT)}"))
    print("state before:")
    _print_state(result.state_before)
    print("state after:")
    _print_state(result.state_after)
    if result.note:
        print(printable(f"note: {result.note}"))
    return 0
