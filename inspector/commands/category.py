"""Subcommands that replay a whole category: states, compare.

Results are printed as each stream is done (text) or written as one JSON document whose
``matches`` (``differences``) array is streamed element by element, so memory stays bounded
however many streams there are; the counts come last in that document. While a projector runs,
its ``print()`` goes to stderr. Progress (streams done of the total, when the store counts them
cheaply) is shown on stderr when stderr is a terminal. The first Ctrl+C stops the run at the
next stream (or within 256 events): what was found so far is printed, marked partial
(``"partial": true``), and the exit code is 130; a second Ctrl+C interrupts at once.

A run where a projector raised in any stream (``stopped``) prints its results as usual, says how many
streams stopped in its summary, and exits 1 (``STOPPED``) with one line on stderr: the states past that
event are not known, so the answer is not a full one, and a script must not read it as a clean one.
"""

from __future__ import annotations

import argparse
import io
import signal
import sys
import textwrap
import threading
from contextlib import contextmanager, redirect_stdout
from typing import Any, Iterator, TextIO

from inspector.cli import (
    CHANGE_ROWS,
    InputError,
    category_name,
    known_category,
    open_store_from_args,
    positive_int,
    print_table,
    terminal_progress,
)
from inspector.commands.replay import default_spec
from inspector.core import jsontext
from inspector.core.cancel import CancelToken, Cancelled
from inspector.core.events import Moment, format_time, parse_moment
from inspector.core.suggest import missing_pattern
from inspector.core.terminal import LINE_LIMIT, plural, printable, shortened, shown_name
from inspector.replay import ProjectorError, load_projectors
from inspector.replay.category import (ExpressionError, WorkerLoadError, available_cpus, compare_category,
                                       replay_category, usable_processes)
from inspector.replay.projectors import UserInterrupt, marked_interrupts

#: Exit code after Ctrl+C (128 + SIGINT), with the partial results printed.
INTERRUPTED = 130

#: Exit code when a projector raised in any stream (printed under "stopped"): the results are
#: printed, but the states past that event are not known. bisect's code for a projector that raised.
STOPPED = 1

#: What --help says after the options (cli.EXAMPLES adds the examples below it).
STATES_NOTES = """\
A stream whose projector raises is reported under "stopped" (version, event type, error);
the other streams are replayed as usual. The summary says how many streams stopped, and
the exit status is then 1 (one line on stderr): their states past that event are not
known, so it is not a clean answer. Ctrl+C prints what was found so far (exit 130)."""

COMPARE_NOTES = """\
Each side is a .py file or module with @projector functions, 'native' (eventsourcing
aggregates with your own classes, see --path), 'demo' or 'generic'. Changes read as
diff's: path, op (add/remove/change), before (--projector) and after (--against).
A stream where either side raised is headed "--against stopped at vN (type): error" (or
--projector), never counted as 0 changes; the summary says how many streams stopped and
the exit status is then 1 (one line on stderr). Ctrl+C prints what was found so far (exit 130).
With --processes N every worker loads both sides again; a side that loads here but not
in a fresh process is an error naming it (run without --processes)."""


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    selection = argparse.ArgumentParser(add_help=False)
    group = selection.add_argument_group("which streams")
    group.add_argument("--category", metavar="C", type=category_name, help="every stream of this category (as `streams --category` lists it); "
                                                     "'(none)' (or ''): every stream without one; "
                                                     "a category named (none) itself: '\\(none)'")
    group.add_argument("--match", metavar="GLOB",
                       help="streams whose name matches (* any run, ? one character; no wildcard: a substring); "
                            "with --category, streams of the category that also match")
    group.add_argument("--at", metavar="MOMENT",
                       help="replay each stream to vN or an ISO-8601 time (the last version recorded at or before it; "
                            "streams that did not exist yet are left out; a time without a zone is UTC, not this "
                            "machine's zone); default: each stream's latest version")

    sta = subparsers.add_parser(
        "states", parents=[common, selection],
        help="every stream of a category replayed: their states, or those where an expression holds",
        description=_wrapped("Replay every stream of a category (or matching a pattern) and list each stream's "
                             "state, or only the streams where EXPR holds (the expression language of bisect: a "
                             "Python expression over `state` and `event`, the last event applied)."),
        epilog=STATES_NOTES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sta.add_argument("store")
    sta_projector = sta.add_argument_group("projector options")
    sta_projector.add_argument("--projector", metavar="FILE_OR_MODULE",
                               help="a .py file or module with @projector functions, 'native', 'demo' or 'generic' "
                                    "(default: the demo's projector for the demo store, else generic)")
    sta_projector.add_argument("--path", metavar="DIR", help="folder to import your projector or domain code from")
    sta.add_argument("--where", metavar="EXPR",
                     help="list only streams whose state satisfies EXPR, e.g. 'state[\"credits\"] < 0'; a key "
                          "a state lacks means it does not hold there; any other error EXPR raises counts as not "
                          "holding and is reported (the error, how often, the first stream and version: a note "
                          "line, --json's note and expression_errors)")
    sta.add_argument("--processes", metavar="N", type=positive_int, default=1,
                     help="fold the streams in N processes: where the category is read in one pass (a SQL "
                          "store, no --at TIME), this one and N-1 workers, each reading and folding a slice of "
                          "whole streams at a time; otherwise (e.g. --at TIME, a JSON Lines file) N workers fold pages "
                          "of streams this one lists; each worker opens the store and loads the projector again; "
                          "worth it from about a million events with a free core; default 1: in this process. "
                          "N is lowered to the CPUs this machine has and to the slices of about 20,000 events "
                          "(or pages of 100 listed streams) there are to fold, with one note on stderr saying why; "
                          "lowered to 1, the run stays in this process with no worker")
    sta.add_argument("--ever", action="store_true",
                     help="streams where EXPR held at ANY version (up to --at), with the first such version and "
                          "the state there (a scan of every version: EXPR need not stay true)")
    sta.set_defaults(handler=run_states)

    com = subparsers.add_parser(
        "compare", parents=[common, selection],
        help="the streams whose state differs between two projector versions",
        description=_wrapped("Replay every stream of a category with --projector OLD and with --against NEW, and "
                             "list the streams whose states differ, each with its changed paths: the check to run "
                             "before deploying a projector change."),
        epilog=COMPARE_NOTES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    com.add_argument("store")
    com_projector = com.add_argument_group("projector options")
    com_projector.add_argument("--projector", metavar="OLD", required=True,
                               help="the projector in use: file, module, native, demo or generic")
    com_projector.add_argument("--against", metavar="NEW", required=True,
                               help="the changed projector: file, module, native, demo or generic")
    com_projector.add_argument("--path", metavar="DIR", help="folder to import your projector or domain code from")
    com.add_argument("--processes", metavar="N", type=positive_int, default=1,
                     help="fold the streams in N processes, as states --processes does: where the category is "
                          "read in one pass (a SQL store, no --at TIME), this one and N-1 workers, each reading and "
                          "folding a slice of whole streams with both projectors at a time; otherwise (e.g. --at TIME, a "
                          "JSON Lines file) N workers fold pages of streams this one lists; each "
                          "worker opens the store and loads --projector and --against again; same answers in the "
                          "same order as one process; default 1: in this process. N is lowered to the CPUs this "
                          "machine has and to the slices of about 20,000 events (or pages of 100 listed streams) "
                          "there are to fold, with one note on stderr saying why; lowered to 1, the run stays in "
                          "this process with no worker")
    com.set_defaults(handler=run_compare)


def _wrapped(text: str) -> str:
    """A description as lines (the raw formatter that keeps the examples' lines does not wrap it)."""
    return textwrap.fill(text, width=88)


# --- shared plumbing -----------------------------------------------------------------
def _selection(args: argparse.Namespace) -> tuple[str | None, str | None, Moment | None]:
    if not args.category and not args.match:
        raise InputError("say which streams: --category C and/or --match GLOB")
    at = None
    if args.at is not None:
        try:
            at = parse_moment(args.at)
        except ValueError as exc:
            raise InputError(f"--at: {exc}") from None
    return args.category, args.match, at


def _known_match(store: Any, match: str | None, category: str | None) -> None:
    """An ``InputError`` when ``--match`` names no stream (of ``category``), with close names:
    never "0 streams replayed". Asked only once a run found no stream, so a run that finds
    some costs no extra look-up."""
    problem = missing_pattern(store, match, category) if match else None
    if problem is not None:
        raise InputError(problem)


def _load(spec: str | None, args: argparse.Namespace, store: Any, option: str) -> Any:
    try:
        with redirect_stdout(sys.stderr), marked_interrupts():  # a module's top-level print() too
            return load_projectors(spec, path=args.path, store=store)
    except ProjectorError as exc:
        raise InputError(f"{option}: {exc}") from None


@contextmanager
def _first_interrupt_cancels(token: CancelToken) -> Iterator[None]:
    """While in force (main thread): the first Ctrl+C sets ``token`` (the run stops at its next
    check, results so far are kept), a second raises ``UserInterrupt`` at once (a projector stuck
    inside one event). A ``KeyboardInterrupt`` a projector raises itself is its own error."""
    with marked_interrupts():
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def interrupted(signum: int, frame: Any) -> None:
            if token.cancelled:
                raise UserInterrupt()
            token.cancel()

        previous = signal.signal(signal.SIGINT, interrupted)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


class _JsonList:
    """One JSON document written as it goes: ``{"<name>": [`` items ``], ...rest}``."""

    def __init__(self, out: TextIO, name: str) -> None:
        self.out = out
        self.name = name
        self.count = 0

    def add(self, item: dict[str, Any]) -> None:
        text = _json(item).replace("\n", "\n    ")
        # the document begins with its first item, so an error before it leaves stdout empty
        self.out.write(("," if self.count else self._head()) + "\n    " + text)
        self.out.flush()
        self.count += 1

    def _head(self) -> str:
        return "{\n" + f"  {jsontext.dumps(self.name)}: ["

    def finish(self, rest: dict[str, Any]) -> None:
        self.out.write(("\n  ]" if self.count else self._head() + "]"))
        for key, value in rest.items():
            self.out.write(f",\n  {jsontext.dumps(key)}: " + _json(value).replace("\n", "\n  "))
        self.out.write("\n}\n")
        self.out.flush()


def _projector_problem(exc: ProjectorError, options: tuple[str, ...]) -> str:
    """The line for a projector that could not be used; one a worker process of ``--processes``
    could not load names its option, and how to run without workers."""
    if isinstance(exc, WorkerLoadError):
        option = options[exc.side] if exc.side < len(options) else options[-1]
        return f"{option} with --processes: {exc}; run without --processes to fold it in this process"
    return str(exc)


def _json(value: Any) -> str:
    try:
        return jsontext.dumps(value, indent=True)  # numbers exactly as held
    except (TypeError, RecursionError) as exc:
        raise InputError(f"the result cannot be written as JSON: {exc} (nested too deep?)") from None


def _show(value: Any) -> str:
    try:
        return jsontext.dumps(value)
    except (TypeError, RecursionError):
        return "(nested too deep to write as JSON)"


def _processes(requested: int) -> tuple[int, str | None]:
    """``--processes`` as a run uses it: lowered to the CPUs there are, and why when it was
    (``this machine has 2 CPUs``), for the one note ``_processes_note`` writes after the run."""
    used = usable_processes(requested)
    if used >= requested:
        return used, None
    import os

    cpus = available_cpus()
    where = "this machine has" if cpus == os.cpu_count() else "this process may run on"
    return used, f"{where} {plural(cpus, 'CPU')}"


def _processes_note(requested: int, used: int, cpus_note: str | None, totals: Any) -> None:
    """One note on stderr when the run used fewer processes than ``requested``, with every reason:
    ``note: --processes 64: used 1, as this machine has 2 CPUs and the streams make 1 slice to
    fold (a slice holds about 20,000 events)``; nothing when it used them all."""
    reasons = [cpus_note] if cpus_note else []
    if totals.spread_note and totals.processes < used:
        used = totals.processes
        reasons.append(totals.spread_note)
    if reasons:
        print(f"note: --processes {requested}: used {used}, as {' and '.join(reasons)}", file=sys.stderr)


def _moment_text(version: int | None, recorded_at: Any) -> str:
    if version is None:
        return "before its first event"
    when = format_time(recorded_at)
    return f"v{version}" + (f" ({when})" if when else "")


# --- states --------------------------------------------------------------------------
def run_states(args: argparse.Namespace) -> int:
    category, match, at = _selection(args)
    if args.ever and not args.where:
        raise InputError("--ever needs --where EXPR: it finds the first version where EXPR held")
    store = open_store_from_args(args)
    try:
        known_category(store, category)
    except InputError:
        store.close()
        raise
    out = sys.stdout
    token = CancelToken()
    processes, cpus_note = _processes(args.processes)
    progress = terminal_progress("replaying", "streams")
    stopped: list[dict[str, Any]] = []
    late: list[tuple[str, int]] = []  # streams whose first stored version is after their origin (a slice)
    ended: list[tuple[str, int]] = []  # streams whose last version comes before --at vN: no state there
    listing = _JsonList(out, "matches") if args.json else None
    interrupted = False
    try:
        projectors = _load(args.projector if args.projector is not None else default_spec(store), args, store,
                           "--projector")
        try:
            run = replay_category(store, projectors=projectors, category=category, match=match, at=at,
                                  where=args.where, ever=args.ever, cancel=token, progress=progress,
                                  processes=processes)
        except ExpressionError as exc:
            raise InputError(str(exc)) from None
        with redirect_stdout(sys.stderr), _first_interrupt_cancels(token):
            try:
                for outcome in run:
                    if outcome.starts_late_at is not None:
                        late.append((outcome.stream, outcome.starts_late_at))
                    if outcome.ends_before is not None:
                        ended.append((outcome.stream, outcome.ends_before))
                    if outcome.stopped is not None:
                        stopped.append(outcome.stopped_json())
                    if not outcome.matched:
                        continue
                    if listing is not None:
                        listing.add(outcome.match_json())
                    else:
                        _print_outcome(out, outcome, progress, args.ever)
            except (Cancelled, UserInterrupt):  # a second Ctrl+C, inside a projector, ends it at once
                interrupted = True
                run.close()
        if not run.totals.streams and not interrupted:
            _known_match(store, match, category)  # a pattern that matched nothing is said, not "0 streams"
    except ProjectorError as exc:  # e.g. native replay asked of a store of another layout
        raise InputError(_projector_problem(exc, ("--projector",))) from None
    finally:
        store.close()
        if progress is not None:
            progress.close()
    totals = run.totals
    _processes_note(args.processes, processes, cpus_note, totals)
    if listing is not None:
        listing.finish({"stopped": stopped, "streams_replayed": totals.streams,
                        "events_applied": totals.events_applied, "elapsed_ms": round(totals.elapsed_ms, 3),
                        "partial": totals.partial or interrupted,
                        **({"note": totals.where_note(), "expression_errors": totals.where_errors()}
                           if args.where else {}),
                        **({"starts_late": [{"stream": name, "first_version": first} for name, first in late]}
                           if late else {}),
                        **({"ended_before": [{"stream": name, "last_version": last} for name, last in ended]}
                           if ended else {})})
        if late:
            print(printable(f"note: {_late_note(late)}"), file=sys.stderr)
        if ended:
            print(printable(f"note: {_ended_note(ended, at)}"), file=sys.stderr)
        if totals.where_note():
            print(printable(f"note: {totals.where_note()}"), file=sys.stderr)
    else:
        _print_states_summary(out, args, totals, stopped, interrupted)
        if late:
            out.write(printable(f"note: {_late_note(late)}") + "\n")
        if ended:
            out.write(printable(f"note: {_ended_note(ended, at)}") + "\n")
    if interrupted:
        print("event-inspector: interrupted: the results above are partial", file=sys.stderr)
        return INTERRUPTED
    if stopped:
        return _stopped_exit(f"the projector raised in {len(stopped):,} of {plural(totals.streams, 'stream')} "
                             "(listed under stopped): " + ("its state past that event is not known" if len(stopped) == 1
                                                           else "their states past that event are not known"))
    return 0


def _stopped_exit(what: str) -> int:
    """``STOPPED``, after one line on stderr saying why the run, though printed, is no clean answer."""
    print(printable(f"event-inspector: error: {what}, so this is not a full answer"), file=sys.stderr)
    return STOPPED


def _stopped_words(count: int) -> str:
    """``, 3 stopped`` for a summary line; nothing when no stream stopped."""
    return f", {count:,} stopped" if count else ""


def _ended_note(ended: list[tuple[str, int]], at: Any) -> str:
    """One line on the streams left out because they never reached the version asked for."""
    shown = ", ".join(f"{shown_name(name)} (last v{last})" for name, last in ended[:5])
    more = f" and {len(ended) - 5:,} more" if len(ended) > 5 else ""
    what = "stream ends" if len(ended) == 1 else "streams end"
    return f"{len(ended):,} {what} before {at}, so {'it has' if len(ended) == 1 else 'they have'} no state there " \
           f"and {'is' if len(ended) == 1 else 'are'} left out: {shown}{more}"


def _late_note(late: list[tuple[str, int]]) -> str:
    """One line on the streams that start after their first version in this store (a slice)."""
    shown = ", ".join(f"{shown_name(name)} (from v{first})" for name, first in late[:5])
    more = f" and {len(late) - 5:,} more" if len(late) > 5 else ""
    what = "stream starts" if len(late) == 1 else "streams start"
    return (f"{len(late):,} {what} after the first version in this store (a slice?): {shown}{more}; "
            "their states fold from their first stored event, not from the stream's beginning")


def _print_outcome(out: TextIO, outcome: Any, progress: Any, ever: bool) -> None:
    if progress is not None:
        progress.close()  # the progress line is redrawn on the next update
    held = "first held at " if ever else ""
    line = (f"{shown_name(outcome.stream)}  {held}{_moment_text(outcome.version, outcome.recorded_at)}  "
            f"{shortened(_show(outcome.state), LINE_LIMIT)}")
    out.write(printable(line) + "\n")
    if outcome.state_note:
        out.write(printable(f"  note: {outcome.state_note}") + "\n")
    out.flush()


def _print_states_summary(out: TextIO, args: argparse.Namespace, totals: Any, stopped: list[dict[str, Any]],
                          interrupted: bool) -> None:
    partial = " (partial: interrupted)" if interrupted else ""
    what = "streams" if totals.streams != 1 else "stream"
    if args.where:
        held = "held at some version" if args.ever else "holds"
        head = f"{totals.matches:,} of {totals.streams:,} {what} where {args.where} {held}"
    else:
        head = f"{totals.streams:,} {what} replayed"
    head += _stopped_words(len(stopped))
    out.write(printable(f"{head}; {totals.events_applied:,} events applied in {totals.elapsed_ms:,.0f} ms{partial}") + "\n")
    if totals.where_note():
        out.write(printable(f"note: {totals.where_note()}") + "\n")
    if stopped:
        out.write(f"{len(stopped):,} stopped (the projector raised; not folded past that event):\n")
        for entry in stopped:
            out.write(printable(f"  {shown_name(entry['stream'])} at v{entry['version']} ({shown_name(entry['type'])}): "
                                f"{entry['error']}") + "\n")


# --- compare -------------------------------------------------------------------------
def run_compare(args: argparse.Namespace) -> int:
    category, match, at = _selection(args)
    store = open_store_from_args(args)
    try:
        known_category(store, category)
    except InputError:
        store.close()
        raise
    out = sys.stdout
    token = CancelToken()
    processes, cpus_note = _processes(args.processes)
    progress = terminal_progress("comparing", "streams")
    stopped: list[dict[str, Any]] = []
    stopped_any = 0  # streams where either side raised (those alike on both sides are in ``stopped`` too)
    listing = _JsonList(out, "differences") if args.json else None
    interrupted = False
    try:
        old = _load(args.projector, args, store, "--projector")
        new = _load(args.against, args, store, "--against")
        run = compare_category(store, old=old, new=new, category=category, match=match, at=at, cancel=token,
                               progress=progress, processes=processes)
        with redirect_stdout(sys.stderr), _first_interrupt_cancels(token):
            try:
                for difference in run:
                    stopped_any += difference.old_stopped is not None or difference.new_stopped is not None
                    if not difference.differs:
                        assert difference.old_stopped is not None
                        stopped.append({"stream": difference.stream, **difference.old_stopped.to_json()})
                        continue
                    if listing is not None:
                        listing.add(difference.to_json())
                    else:
                        if progress is not None:
                            progress.close()
                        with redirect_stdout(out):
                            _print_difference(difference)
            except (Cancelled, UserInterrupt):  # a second Ctrl+C, inside a projector, ends it at once
                interrupted = True
                run.close()
        if not run.totals.streams and not interrupted:
            _known_match(store, match, category)  # a pattern that matched nothing is said, not "0 streams"
    except ProjectorError as exc:  # e.g. native replay asked of a store of another layout
        raise InputError(_projector_problem(exc, ("--projector", "--against"))) from None
    finally:
        store.close()
        if progress is not None:
            progress.close()
    totals = run.totals
    _processes_note(args.processes, processes, cpus_note, totals)
    if listing is not None:
        listing.finish({"stopped": stopped, "streams_compared": totals.streams,
                        "events_applied": totals.events_applied, "elapsed_ms": round(totals.elapsed_ms, 3),
                        "partial": totals.partial or interrupted,
                        **({"streams_ended_before": totals.ended_before} if totals.ended_before else {})})
        if totals.ended_before:
            print(f"note: {plural(totals.ended_before, 'stream')} {'ends' if totals.ended_before == 1 else 'end'} "
                  f"before {at}: no state there, not compared",
                  file=sys.stderr)
    else:
        partial = " (partial: interrupted)" if interrupted else ""
        out.write(f"{totals.differences:,} of {totals.streams:,} streams differ{_stopped_words(stopped_any)}; "
                  f"{totals.events_applied:,} events applied in {totals.elapsed_ms:,.0f} ms{partial}\n")
        if totals.ended_before:
            out.write(f"note: {plural(totals.ended_before, 'stream')} {'ends' if totals.ended_before == 1 else 'end'} "
                      f"before {at}: no state there, not compared\n")
        if stopped:
            out.write(f"{len(stopped):,} stopped alike with both projectors (no difference):\n")
            for entry in stopped:
                out.write(printable(f"  {shown_name(entry['stream'])} at v{entry['version']} ({shown_name(entry['type'])}): "
                                    f"{entry['error']}") + "\n")
    if interrupted:
        print("event-inspector: interrupted: the results above are partial", file=sys.stderr)
        return INTERRUPTED
    if stopped_any:
        return _stopped_exit(f"a projector raised in {stopped_any:,} of {plural(totals.streams, 'stream')} "
                             "(each said with where it stopped): " + ("it is" if stopped_any == 1 else "they are")
                             + " not compared past that event")
    return 0


def _print_difference(difference: Any) -> None:
    """A stream whose states differ, headed with its count of changed paths; one where a side
    stopped is headed with where and why (it has no state there to count changes of)."""
    stops = [f"{side} stopped at v{stop.version} ({shown_name(stop.type)}): {stop.error}"
             for side, stop in (("--projector", difference.old_stopped), ("--against", difference.new_stopped))
             if stop is not None]
    what = "; ".join(stops) if stops else f"{len(difference.changes)} change(s)"
    print(printable(f"{shown_name(difference.stream)} at {_moment_text(difference.version, difference.recorded_at)}: "
                    f"{what}"))
    if difference.changes:
        table = io.StringIO()
        with redirect_stdout(table):
            print_table(
                ["path", "op", "--projector", "--against"],
                [(c.path, c.op, "" if c.op == "add" else _show(c.before), "" if c.op == "remove" else _show(c.after))
                 for c in difference.changes[:CHANGE_ROWS]],
                total=len(difference.changes),
            )
        for line in table.getvalue().splitlines():
            print(f"  {line}")
    print()
