"""Subcommands that read a store: demo, info, streams, events, check."""

from __future__ import annotations

import argparse
import sys
from contextlib import redirect_stdout
from datetime import datetime
from pathlib import Path

import shlex

from inspector.cli import (InputError, actor_name, category_name, known_category, open_store_from_args, positive_int, print_json,
                           print_table, stream_in_category, terminal_progress)
from inspector.core.events import category_key, format_time, parse_time_input
from inspector.core.health import check_store
from inspector.core.suggest import missing_actor, missing_pattern, missing_stream, missing_types
from inspector.core.summary import summarize
from inspector.core.terminal import plural, printable, shown_name
from inspector.demo import NotADemoStore, build_demo, default_demo_path
from inspector.stores import EventFilter
from inspector.stores.lazy import left_out, size_text
from inspector.replay.projectors import ProjectorError, ProjectorSet, load_projectors, marked_interrupts
from inspector.replay.snapshot_check import check_with_projectors, snapshot_projector_problem


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    demo = subparsers.add_parser(
        "demo", help="write the demo store (a small marketplace with planted faults)",
        description="Write the demo store: a SQLite file of a small marketplace (wallets, jobs, access "
                    "lists) with faults planted where check, bisect and the window can find them; the same "
                    "seed gives the same store. An existing file is replaced only when it is a demo store.")
    demo.add_argument("--path", help=f"where to write it (default: {default_demo_path()})")
    demo.add_argument("--streams", type=int, default=60, help="number of streams (default 60)")
    demo.add_argument("--events", type=int, default=5400, help="number of events (default 5400)")
    demo.add_argument("--seed", type=int, default=7, help="random seed: same seed, same store (default 7)")
    demo.add_argument("--json", action="store_true", help="print where the planted faults are, as JSON")
    demo.set_defaults(handler=run_demo)

    info = subparsers.add_parser(
        "info", parents=[common], help="layout, engine, counts and notes of a store",
        description="Say how STORE is read: its layout, engine and server version, whether the session is "
                    "read-only, event and stream counts where cheap, the columns each role is read from (on "
                    "PostgreSQL named with their schema, public.events.stream), and "
                    "notes (missing indexes, with the statement that creates them; on a PostgreSQL database "
                    "holding several stores, which one is read and how to read another).")
    info.add_argument("store")
    info.set_defaults(handler=run_info)

    streams = subparsers.add_parser(
        "streams", parents=[common], help="list streams with counts and activity",
        description="List streams in name order with their category, event count, first and last version "
                    "and last activity, a page at a time. A --category the store does not have is an error, "
                    "with the categories closest to it; a --match that keeps no stream gives an empty list "
                    "(exit 0) and a note on stderr with the closest pattern.")
    streams.add_argument("store")
    streams.add_argument("--category", type=category_name, help="only streams of this category; '(none)' (or ''): the streams without one "
                                               "(listed and counted as (none)); "
                                               "a category named (none) itself: '\\(none)'")
    streams.add_argument("--match", metavar="GLOB",
                         help="stream name glob (wallet-*, chat-?) or, without * or ?, a substring; "
                              "case-sensitive, on the name as shown, the same on every engine")
    streams.add_argument("--after", metavar="STREAM", help="continue the listing after this stream name")
    streams.add_argument("--limit", type=positive_int, default=100,
                         help="at most this many streams (default 100); a closing line says when there are more")
    streams.add_argument("--page", action="store_true",
                         help='with --json: {"streams": [...], "more": bool, "next_after": STREAM or null} '
                              "instead of a bare list (next_after is what --after takes)")
    streams.set_defaults(handler=run_streams)

    events = subparsers.add_parser(
        "events", parents=[common], help="list events, filtered",
        description="List events in global order (one --stream: in version order), filtered by stream, "
                    "category, type, actor, time and text, a page at a time. A --stream, --category or --type "
                    "the store does not have is an error, with the names closest to it; an --actor no event "
                    "names gives an "
                    "empty listing (exit 0) and a note on stderr naming the closest actors.")
    events.add_argument("store")
    events.add_argument("--stream", help="only this stream, in version order")
    events.add_argument("--category", metavar="C", type=category_name,
                        help="only the streams of this category (as `streams --category` lists them); '(none)' (or ''): "
                             "the streams without one; a category named (none) itself: '\\(none)'; a category the store does not have is an error")
    events.add_argument("--type", action="append", default=[], dest="types", help="event type (repeatable)")
    events.add_argument("--actor", type=actor_name, help="only events caused by this actor (not empty)")
    events.add_argument("--since", metavar="T1",
                        help="recorded at or after T1 (ISO-8601; a time without a zone is UTC, not this machine's zone)")
    events.add_argument("--until", metavar="T2",
                        help="recorded at or before T2 (ISO-8601, without a zone: UTC; before --since is an error)")
    events.add_argument("--grep", metavar="TEXT", help="text in the payload or metadata")
    events.add_argument("--after", type=int, metavar="POSITION", help="continue after this global position")
    events.add_argument("--limit", type=positive_int, default=100,
                        help="at most this many events (default 100); a closing line says when there are more")
    events.add_argument("--page", action="store_true",
                        help='with --json: {"events": [...], "more": bool, "next_after": POSITION or null} '
                             "instead of a bare list (next_after is what --after takes)")
    events.set_defaults(handler=run_events)

    check = subparsers.add_parser(
        "check", parents=[common],
        help="find version gaps, duplicate versions, time regressions and undecodable payloads",
        description="Check every stream (or one) for damage: version gaps, duplicate or missing versions, "
                    "times that go back, payloads that cannot be decoded, events damaged otherwise (a time, "
                    "a version or metadata that cannot be read). A payload kept in a format the "
                    "layout documents but the inspector does not decode (Axon's XStream XML) is not damage.",
        epilog=f"exit status: 0 nothing found; {FINDINGS_EXIT} something found (0 with --exit-zero); "
               "1 the store could not be read; 2 bad usage",
    )
    check.add_argument("store")
    check.add_argument("--stream", help="check only this stream")
    check.add_argument("--exit-zero", action="store_true",
                       help=f"exit 0 even when something is found (default: exit {FINDINGS_EXIT})")
    check.add_argument(
        "--snapshots", action="store_true",
        help="also compare every store-native snapshot (eventsourcing, Axon, Marten) with the state the "
             "projector replays from the events up to its version: snapshot_drift findings name the paths "
             "that differ. Needs a projector that rebuilds the aggregate: --projector FILE_OR_MODULE, or "
             "on an eventsourcing store --projector native --path DIR. On a layout that keeps no snapshots "
             "(generic, JSON Lines, Message DB, EventSauce) a note says so and the other checks run, with "
             "no projector needed",
    )
    check.add_argument(
        "--projector", metavar="FILE_OR_MODULE",
        help="the projector to check with (as for replay; default with --snapshots: the one replay would "
             "choose). Events of types its @projector(..., handles=[...]) does not list are reported as "
             "unknown_type",
    )
    check.add_argument("--path", metavar="DIR", help="folder to import your projector or domain code from")
    check.set_defaults(handler=run_check)


#: ``check``'s exit status when it found something (1 is kept for a store that cannot be read)
FINDINGS_EXIT = 3


def run_demo(args: argparse.Namespace) -> int:
    path = Path(args.path) if args.path else default_demo_path()
    if args.streams < 6 or args.events < 100:
        raise InputError("the demo needs at least 6 streams and 100 events")
    try:
        planted = build_demo(path, streams=args.streams, events=args.events, seed=args.seed)
    except NotADemoStore as exc:
        raise InputError(str(exc)) from None
    if args.json:
        print_json({"path": str(path), **planted.__dict__})
    else:
        print(f"wrote {planted.events} events in {planted.streams} streams to {path}")
        print(f"  negative balance: {planted.negative_wallet[0]} at v{planted.negative_wallet[1]}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    try:
        info = store.describe()
    finally:
        store.close()
    if args.json:
        print_json(info.to_json())
        return 0
    print(printable(f"store:     {info.location}"))
    print(f"layout:    {info.layout}")
    print(f"engine:    {info.engine}" + (f" {info.server_version}" if info.server_version else ""))
    print(f"read-only: {'yes' if info.read_only else 'NO'}")
    if info.role_can_write is not None:
        verdict = "could write (the session is read-only; a read-only role makes sure: see README)" \
            if info.role_can_write else "cannot write"
        print(f"role:      {verdict}" + (f" - {info.role_note}" if info.role_note else ""))
    if info.events is not None:
        print(f"events:    {info.events}")
    if info.streams is not None:
        print(f"streams:   {info.streams}")
    if info.columns:
        print("columns:")
        print_table(["role", "column", "type", "read as"],
                    [(c.role, c.column, c.sql_type, c.reading) for c in info.columns])
    for note in info.notes:
        print(printable(f"note:      {note}"))
    return 0


def run_streams(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    try:
        # one row past the limit says whether there are more, without counting them
        page = store.streams(match=args.match, category=args.category, after=args.after, limit=args.limit + 1)
        no_match = None
        if not page and args.after is None:
            known_category(store, args.category)  # an unknown category is said, not an empty table
            if args.match:  # a filter that keeps nothing is an answer (exit 0), said with close names
                no_match = missing_pattern(store, args.match, args.category)
    finally:
        store.close()
    if no_match is not None:
        print(printable(f"note: {no_match}"), file=sys.stderr)
    more = len(page) > args.limit
    page = page[: args.limit]
    next_after = page[-1].stream if more and page else None
    if args.json:
        listed = [summary.to_json() for summary in page]
        print_json({"streams": listed, "more": more, "next_after": next_after} if args.page else listed)
        return 0
    print_table(
        ["stream", "category", "events", "first", "last", "last activity"],
        [(shown_name(s.stream), _category(s.category), s.count, s.first_version, s.last_version, format_time(s.last_at)) for s in page],
        right=(2, 3, 4),
    )
    if next_after is not None:
        print("\n" + printable(f"more streams than the {len(page)} shown: continue with --after {shlex.quote(next_after)}"))
    return 0


def _category(category: str | None) -> str:
    """A category as text tables show it: ``shown_name``; ``(none)`` for a stream without one
    (no category, or an empty one), as ``categories`` counts it and ``--category '(none)'`` selects it;
    ``\\(none)`` for a category named ``(none)`` (``category_key``)."""
    return shown_name(category_key(category))


def _time_arg(value: str | None, name: str):
    if value is None:
        return None
    parsed = parse_time_input(value)
    if parsed is None:
        raise InputError(f"{name} {value!r} is not an ISO-8601 time (e.g. 2026-08-01T12:00Z)")
    return parsed


def time_range_args(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    """(since, until) from ``--since``/``--until`` (either may be None); a range that ends before it
    starts is an ``InputError`` (no event can be in it: the two were swapped, most likely)."""
    since, until = _time_arg(args.since, "--since"), _time_arg(args.until, "--until")
    if since is not None and until is not None and since > until:
        raise InputError(f"--since {format_time(since)} is after --until {format_time(until)}: "
                         "no event can be in that range (swapped?)")
    return since, until


def run_events(args: argparse.Namespace) -> int:
    since, until = time_range_args(args)
    store = open_store_from_args(args)
    # One row past the limit says whether there are more, without counting them.
    try:
        filters = EventFilter(
            # --stream '' is the stream named '' (some stores hold one), not "no --stream"
            types=tuple(args.types), streams=(args.stream,) if args.stream is not None else (),
            since=since, until=until, actor=args.actor, text=args.grep, category=args.category,
        )
        # a text listing shows a summary of each payload: one over the cap is neither fetched nor decoded
        cap = None if args.json else LISTING_PAYLOAD_CAP
        if args.stream is not None and not (args.types or args.actor or since or until or args.grep or args.category
                                or args.after is not None):
            events = list(store.read_stream(args.stream, limit=args.limit + 1, payload_cap=cap))
            more = len(events) > args.limit
            events = events[: args.limit]
            next_after = _stream_cursor(store, events, filters) if more else None
        else:
            events = store.read_all(after_position=args.after, limit=args.limit + 1, filters=filters, payload_cap=cap)
            more = len(events) > args.limit
            events = events[: args.limit]
            next_after = events[-1].position if more and events else None
        no_actor = None
        if not events and args.after is None:
            # a stream or type the store does not have is said, not an empty table
            _refuse(missing_stream(store, args.stream) if args.stream is not None else None)
            _refuse(missing_types(store, args.types))
            known_category(store, args.category)  # an unknown category is said, not an empty table
            stream_in_category(store, args.stream, args.category)  # so is a stream outside the category
            if args.actor:  # a filter that keeps nothing is an answer (exit 0), said with close actors
                alone = not (args.types or args.stream is not None or since or until or args.grep or args.category)
                no_actor = missing_actor(store, args.actor, checked=alone)
    finally:
        store.close()
    if no_actor is not None:
        print(printable(f"note: {no_actor}"), file=sys.stderr)
    if args.json:
        listed = [event.to_json() for event in events]
        print_json({"events": listed, "more": more, "next_after": next_after} if args.page else listed)
        return 0
    print_table(
        ["position", "stream", "version", "type", "recorded at", "actor", "summary"],
        [(e.position, shown_name(e.stream), e.version, shown_name(e.type), format_time(e.recorded_at), e.actor, summarize(e, 60))
         for e in events],
        right=(0, 2),
    )
    unread = [e.position for e in events if left_out(e) is not None]
    if unread:
        shown = ", ".join(str(position) for position in unread[:5]) + (f" and {len(unread) - 5:,} more"
                                                                          if len(unread) > 5 else "")
        print(f"\n{plural(len(unread), 'payload')} over {size_text(LISTING_PAYLOAD_CAP)} not read for the summary "
              f"(position{'s' if len(unread) > 1 else ''} {shown}): --json prints {'it' if len(unread) == 1 else 'them'} whole")
    if not events:
        print(f"\n{_no_match(args, since, until)}" if args.after is None else f"\nno more events after position {args.after}")
    elif more and next_after is not None:
        print(f"\nmore events than the {len(events)} shown: continue with --after {next_after}")
    elif more:
        print(f"\nmore events than the {len(events)} shown: raise --limit to see them "
              "(this stream's positions are not in version order, so --after cannot continue this list)")
    return 0


def _no_match(args: argparse.Namespace, since: datetime | None, until: datetime | None) -> str:
    """What an empty ``events`` listing says, worded for the number of filters given."""
    given = (len(args.types) + (args.stream is not None) + (args.category is not None) + bool(args.actor)
             + (since is not None) + (until is not None) + bool(args.grep))
    if not given:
        return "no events in this store"
    return "no event matches this filter" if given == 1 else "no event matches all of these filters"


#: ``events`` in text leaves payloads longer than this (bytes) in the store: a summary line needs none of them
LISTING_PAYLOAD_CAP = 1_000_000


def _refuse(problem: str | None) -> None:
    """An ``InputError`` saying ``problem`` (a stream, type or pattern the store does not have), if any."""
    if problem is not None:
        raise InputError(problem)


def _check_projectors(args: argparse.Namespace, store, keeps_snapshots: bool = True) -> ProjectorSet | None:
    """The projectors ``check`` runs with (None: the damage checks alone); InputError when
    ``--snapshots`` is asked with a projector that rebuilds no aggregate of a store whose layout
    keeps snapshots (``keeps_snapshots``; one that keeps none needs no projector: it is said so)."""
    if not (args.snapshots or args.projector or args.path):
        return None
    with redirect_stdout(sys.stderr), marked_interrupts():  # a module's top-level print() too
        projectors = load_projectors(args.projector, path=args.path, store=store)
    if args.snapshots and keeps_snapshots:
        problem = snapshot_projector_problem(projectors)
        if problem is not None:
            raise InputError(problem)
    return projectors


def _keeps_snapshots(store) -> bool:
    """Whether the store's layout keeps snapshots of its own (eventsourcing and Axon with a
    snapshot table, Marten): the layouts whose ``snapshots`` read something. JSON Lines, generic,
    Message DB and EventSauce stores keep none."""
    from inspector.stores.layouts.base import SqlLayout

    layout = getattr(store, "layout", None)
    if not isinstance(layout, SqlLayout) or type(layout).snapshots is SqlLayout.snapshots:
        return False
    return getattr(layout, "snapshot_table", True) is not None


def _stream_cursor(store, shown: list, filters: EventFilter) -> int | None:
    """The ``--after`` position that continues one stream's version-ordered first page, or None.

    ``--after`` pages by global position. It continues this page exactly when the page holds
    the stream's first events by position too, so one more read (by position) checks that.
    """
    if not shown:
        return None
    by_position = store.read_all(after_position=None, limit=len(shown), filters=filters,
                                 payload_cap=LISTING_PAYLOAD_CAP)  # positions alone are looked at
    if sorted(e.position for e in by_position) != sorted(e.position for e in shown):
        return None
    return max(e.position for e in shown)


def run_check(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    progress = None
    try:
        if args.stream is not None:
            _refuse(missing_stream(store, args.stream))  # a misspelt stream is not "no problems found"
        keeps_snapshots = _keeps_snapshots(store)
        projectors = _check_projectors(args, store, keeps_snapshots)
        progress = terminal_progress("checking", "streams")
        if projectors is None:
            report = check_store(store, stream=args.stream, progress=progress)
        else:
            with redirect_stdout(sys.stderr), marked_interrupts():  # a projector's print() stays off stdout
                report = check_with_projectors(store, projectors, stream=args.stream, snapshots=args.snapshots,
                                               progress=progress)
    except ProjectorError as exc:
        raise InputError(str(exc)) from None
    finally:
        store.close()
        if progress is not None:
            progress.close()
    found = FINDINGS_EXIT if report.findings and not args.exit_zero else 0
    no_snapshots = None
    if args.snapshots and not keeps_snapshots:
        layout = getattr(store, "layout_name", None) or "JSON Lines"
        no_snapshots = (f"--snapshots: this store's layout ({layout}) keeps no snapshots, so there are none to "
                        "compare; the other checks ran as usual")
    if args.json:
        print_json(report.to_json())
        if no_snapshots is not None:
            print(f"note: {no_snapshots}", file=sys.stderr)
        return found
    if no_snapshots is not None:
        print(f"note: {no_snapshots}")
    elif args.snapshots:
        checked, skipped = report.counts.get("snapshots_checked", 0), report.counts.get("snapshots_skipped", 0)
        if not checked and not skipped:
            print(f"no stored snapshot in the {plural(report.streams_checked, 'stream')} checked: none to compare")
        else:
            print(f"{checked} stored snapshot(s) compared with the state the events replay to"
                  + (f"; {skipped} not compared (no projector of yours applies to their streams)" if skipped else ""))
    if not report.findings:
        print(f"no problems found in {plural(report.streams_checked, 'stream')}")
        return 0
    print_table(
        ["kind", "stream", "version", "detail"],
        [(f.kind, "" if f.stream is None else shown_name(f.stream), f.version, f.detail) for f in report.findings],
        right=(2,),
    )
    outside = sum(1 for f in report.findings if f.stream is None)  # a file's lines that are no event
    if outside:
        print(f"\n{plural(len(report.findings), 'finding')} ({outside} outside any stream), "
              f"{plural(report.streams_checked, 'stream')} checked")
    else:
        print(f"\n{plural(len(report.findings), 'finding')} in {plural(report.streams_checked, 'stream')}")
    return found
