"""Subcommands for one event's story: ``changed`` (what it changed in the state) and ``audit``
(what caused it, what shares its correlation id, what an actor did).

Both call the Qt-free core the window uses: ``inspector.replay.change.event_change`` and
``inspector.core.audit``. Text by default, one JSON document with ``--json``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from inspector.cli import (
    CHANGE_ROWS,
    InputError,
    actor_name,
    open_store_from_args,
    positive_int,
    print_json,
    print_table,
)
from inspector.core import audit
from inspector.core.events import Event, format_time
from inspector.core.suggest import missing_actor, missing_stream
from inspector.core.summary import summarize
from inspector.core.terminal import printable, shown_name
from inspector.commands.store import LISTING_PAYLOAD_CAP

def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    changed = subparsers.add_parser(
        "changed", parents=[common, _projector_options()],
        help="what one event changed in its stream's state (state before, after, and the changed paths)",
        description="Replay STREAM to VERSION and to the version before it, and list what the event at "
                    "VERSION changed in the projected state (JSON pointers, before and after). A version "
                    "several events claim gives their changes together, each path with the positions of "
                    "the events that changed it, then each event's own changes in position order. "
                    "With --json every change has changed_by (the positions of the events that changed "
                    "its path) and by_event lists each event's own changes, the one event's when one "
                    "owns the version. STREAM and VERSION are arguments (changed demo.db wallet-9b2e71cc 42) "
                    "or --stream and --version, as the other commands take a stream (changed demo.db --stream "
                    "wallet-9b2e71cc --version 42); a version given as --at, --from or --to is a usage error "
                    "that writes the command the right way.",
    )
    changed.add_argument("store")
    changed.add_argument("stream", metavar="STREAM", help="the stream, exactly as the store names it")
    changed.add_argument("version", metavar="VERSION", type=_version, help="the event's version (42 or v42)")
    changed.add_argument("--stream", dest="stream_option", metavar="STREAM",
                         help="the stream, as replay, diff and bisect take it (instead of the STREAM argument)")
    changed.add_argument("--version", dest="version_option", metavar="VERSION", type=_version,
                         help="the event's version, 42 or v42 (instead of the VERSION argument)")
    changed.add_argument("--states", action="store_true", help="also print the whole state before and after")
    changed.set_defaults(handler=run_changed)

    aud = subparsers.add_parser(
        "audit", parents=[common],
        help="what caused an event, which events share a correlation id, what an actor did",
        description="Audit look-ups over metadata: --causes-of follows causation ids back to the first "
                    "cause (and lists the events correlated with it); --correlation lists the events "
                    "sharing a correlation id; --actor lists an actor's events across streams, oldest "
                    "first. Look-ups for an id read a bounded number of matching pages.",
    )
    aud.add_argument("store")
    what = aud.add_mutually_exclusive_group(required=True)
    what.add_argument("--causes-of", metavar="STREAM@VERSION", type=_stream_at,
                      help="the event at STREAM@VERSION: its causation chain and correlated events")
    what.add_argument("--correlation", metavar="ID", help="the events whose metadata.correlation_id is ID")
    what.add_argument("--actor", metavar="NAME", type=actor_name,
                      help="the events whose actor is NAME, across streams (none: exit 0, with a note on "
                           "stderr naming the closest actors)")
    aud.add_argument("--limit", type=positive_int, default=audit.PAGE,
                     help=f"at most this many events (--actor, --correlation; default {audit.PAGE})")
    aud.add_argument("--after", type=int, metavar="POSITION",
                     help="--actor: continue after this global position (printed when there are more)")
    aud.set_defaults(handler=run_audit)


def _projector_options() -> argparse.ArgumentParser:
    """The projector options of ``replay``/``diff``/``bisect`` (read by their ``_setup`` and ``_run``)."""
    from inspector.commands.replay import _seconds

    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("projector options")
    group.add_argument("--projector", metavar="FILE_OR_MODULE",
                       help="a .py file or module with @projector functions; 'native' (eventsourcing "
                            "aggregates with your classes); 'demo' (the demo store's projectors); 'generic' "
                            "(the last value of each payload field). Default: the demo's projector for the "
                            "demo store, else generic")
    group.add_argument("--path", metavar="DIR", help="folder to import your projector or domain code from")
    group.add_argument("--no-cache", action="store_true", help="neither read nor write the snapshot cache")
    group.add_argument("--time-limit", metavar="SECONDS", type=_seconds,
                       help="stop each replay after SECONDS (it runs in a worker process); exit 1 with a message")
    return options


def _version(text: str) -> int:
    """An argparse type: ``42`` or ``v42``."""
    digits = text[1:] if text[:1] in ("v", "V") else text
    try:
        return int(digits)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a version (write 42 or v42)") from None


def _stream_at(text: str) -> tuple[str, int]:
    """An argparse type: ``STREAM@VERSION`` (the last ``@`` splits, so a stream name may hold one;
    ``@42``: the stream named '', which some stores hold)."""
    stream, sep, version = text.rpartition("@")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r}: write STREAM@VERSION, e.g. wallet-9b2e71cc@42")
    return stream, _version(version)


# --- changed --------------------------------------------------------------------------------
def run_changed(args: argparse.Namespace) -> int:
    from inspector.commands.replay import _close, _print_state, _run, _setup, stream_problem
    from inspector.replay.change import event_change

    store, projectors, cache = _setup(args)
    try:
        change = _run(f"changed at {args.stream} v{args.version}", event_change, args, store, args.stream,
                      args.version, projectors=projectors, cache=cache)
        if not change.events:
            raise InputError(stream_problem(store, args.stream, change.after.problem)
                             or f"stream {args.stream!r} has no event at v{args.version}")
    finally:
        _close(store, cache)
    for warning in change.warnings:  # a version claimed by two events, a stream that starts late
        print(printable(f"warning: {warning}"), file=sys.stderr)
    if args.json:
        print_json(change.to_json())
        return 0 if change.problem is None else 1
    header = f"{shown_name(change.stream)} v{change.version}: "
    if change.shared:
        header += f"{len(change.events)} events claim this version, projector {change.after.projector}"
    else:
        header += f"{_event_words(change.events[0])}, projector {change.after.projector}"
    print(printable(header))
    if change.shared:
        for each in change.events:
            print(printable(f"  position {each.position}: {_event_words(each)}"))
    if change.problem:
        raise InputError(change.problem)
    count = len(change.changes)
    together = " (made by the events together, applied in position order)" if change.shared else ""
    print(f"{count} change{'s' if count != 1 else ''} to the state{together}")
    if change.changes and change.shared:
        print()
        print_table(["path", "op", "before", "after", "changed by (position)"],
                    [(*_change_cells(c), ", ".join(str(step.position) for step in change.changed_by(c)))
                     for c in change.changes[:CHANGE_ROWS]], total=len(change.changes))
        for step in change.steps:  # what each event changed on its own
            own = len(step.changes)
            print()
            print(printable(f"position {step.position} ({shown_name(step.type)}) on its own: "
                            + (f"the projector raised: {step.problem}" if step.problem
                               else f"{own} change{'s' if own != 1 else ''}")))
            if step.changes:
                print_table(["path", "op", "before", "after"], [_change_cells(c) for c in step.changes[:CHANGE_ROWS]],
                            total=len(step.changes))
    elif change.changes:
        print()
        print_table(["path", "op", "before", "after"], [_change_cells(c) for c in change.changes[:CHANGE_ROWS]],
                    total=len(change.changes))
    if args.states:
        print("state before:")
        _print_state(change.before.state if change.before is not None else None)
        print("state after:")
        _print_state(change.after.state)
    return 0


def _change_cells(change: Any) -> tuple[str, str, str, str]:
    """A change's path, op, before and after as ``changed`` prints them (nothing before an add,
    nothing after a remove)."""
    from inspector.commands.replay import _show

    return (change.path, change.op, "" if change.op == "add" else _show(change.before),
            "" if change.op == "remove" else _show(change.after))


def _event_words(event: Event) -> str:
    """``JobCompleted at 2026-08-22T23:54:10.996000Z by bruno@example.com``."""
    by = f" by {event.actor}" if event.actor else ""
    return f"{shown_name(event.type)} at {format_time(event.recorded_at)}{by}"


# --- audit ----------------------------------------------------------------------------------
def _rows(events: list[Event]) -> list[tuple[Any, ...]]:
    return [(e.position, shown_name(e.stream), e.version, shown_name(e.type), format_time(e.recorded_at), e.actor, summarize(e, 50))
            for e in events]


def _print_events(events: list[Event]) -> None:
    print_table(["position", "stream", "version", "type", "recorded at", "actor", "summary"], _rows(events),
                right=(0, 2))


def _event_json(event: Event) -> dict[str, Any]:
    document = event.to_json()
    return document if isinstance(document, dict) else {"event": document}


def run_audit(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    try:
        if args.causes_of is not None:
            stream, version = args.causes_of
            event = audit.event_at(store, stream, version)
            if event is None:
                raise InputError(missing_stream(store, stream) or f"stream {stream!r} has no event at v{version}")
            found = audit.causes_of(store, event)
            return _print_causes(args, found)
        if args.correlation is not None:
            # one event past the limit says whether there are more
            events = audit.events_with_correlation(store, args.correlation, limit=args.limit + 1)
            return _print_correlation(args, events)
        # a text listing summarises each payload: one over the cap is neither fetched nor decoded
        page = audit.actor_page(store, args.actor, limit=args.limit, after_position=args.after,
                                payload_cap=None if args.json else LISTING_PAYLOAD_CAP)
        if not page.events and args.after is None:  # said with the closest actors; still exit 0
            print(printable(f"note: {missing_actor(store, args.actor, checked=True)}"), file=sys.stderr)
        return _print_actor(args, page)
    finally:
        store.close()


def _print_causes(args: argparse.Namespace, found: audit.CausesOf) -> int:
    if args.json:
        print_json({
            "event": _event_json(found.event),
            "chain": [_event_json(e) for e in found.chain],
            "chain_end": found.chain_end,
            "correlation_id": found.correlation_id,
            "correlated": [_event_json(e) for e in found.correlated],
            "correlated_capped": found.correlated_capped,
        })
        return 0
    event = found.event
    causes = found.causes
    what = (f"{causes} stored event{'s' if causes != 1 else ''} led to it, listed first cause first, "
            "then the event itself" if causes else "no stored event led to it")
    print(printable(f"{shown_name(event.stream)} v{event.version} ({shown_name(event.type)}): {what}; {found.chain_end_words()}"))
    _print_events(found.chain)
    print()
    if found.correlation_id is None:
        print("correlated events: this event has no correlation id")
    else:
        capped = " (the first ones)" if found.correlated_capped else ""
        verb = "shares" if len(found.correlated) == 1 else "share"
        print(printable(f"correlated events{capped}: {len(found.correlated):,} {verb} correlation id "
                        f"{found.correlation_id}"))
        _print_events(found.correlated)
    return 0


def _print_correlation(args: argparse.Namespace, found: list[Event]) -> int:
    capped = len(found) > args.limit
    events = found[: args.limit]
    if args.json:
        print_json({"correlation_id": args.correlation, "events": [_event_json(e) for e in events],
                    "capped": capped})
        return 0
    if not events:
        print(printable(f"no event has correlation id {args.correlation}"))
        return 0
    if capped:
        print(printable(f"first {len(events):,} events shown that share correlation id {args.correlation}; "
                        "more exist: raise --limit to see them"))
    else:
        print(printable(f"{len(events):,} event{'s share' if len(events) != 1 else ' shares'} correlation id "
                        f"{args.correlation}"))
    _print_events(events)
    return 0


def _print_actor(args: argparse.Namespace, page: audit.ActorPage) -> int:
    events, next_after = page.events, page.next_after
    if args.json:
        print_json({"actor": args.actor, "events": [_event_json(e) for e in events], "more": page.more,
                    "next_after": next_after})
        return 0
    if not events:
        after = "" if args.after is None else f" after position {args.after}"
        print(printable(f"no event{after} names {args.actor} as its actor"))
        return 0
    print(printable(page.headline()))
    _print_events(events)
    if next_after is not None:
        print(f"\nmore events than the {len(events)} shown: continue with --after {next_after}")
    return 0
