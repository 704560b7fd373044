"""``types``: every event type with its count and times, and its payload fields' schema drift."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from inspector.cli import category_name, known_category, open_store_from_args, positive_int, print_json, print_table, terminal_progress
from inspector.core.cancel import CancelToken
from inspector.core.events import format_time
from inspector.core.terminal import printable, shown_name
from inspector.core.type_drift import DEFAULT_SAMPLE, TypeSeen, TypeSurvey, field_drift, survey_to_json
from inspector.export.provenance import slice_of_eventsourcing

#: exit status when Ctrl-C stopped the survey (what was counted so far is still printed)
INTERRUPTED_EXIT = 130


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "types", parents=[common],
        help="event types with counts and times, and the payload fields per type with their schema drift",
        description=(
            "Every event type with its count and first and last recorded time, and per type the top-level "
            "payload fields: in how many events, with which JSON types, first and last seen. Fields that "
            "appeared (absent from every earlier event of the type), disappeared (absent from every later "
            "one) or changed JSON type are marked with when. Counted by the database where it has JSON "
            "functions for the payload column (SQLite text, PostgreSQL json/jsonb, MariaDB/MySQL); "
            "otherwise (binary or compressed payloads, text on PostgreSQL, JSON Lines files) by decoding every "
            "event when there are no more than --sample N (said as counted in full), else a sample of N "
            "spread over the store, whose size is stated (method: sample — sampled N of M events). Counts per "
            "type are the store's where it counts them (the database, a JSON Lines file's index); with "
            "--category on a JSON Lines file they are the sample's, and the first line says so: '3 event "
            "type(s) of category wallet in a sample of 100 of the category's 4,743 events'. On a store the eventsourcing library wrote, and "
            "on a slice exported from one (JSON Lines or SQLite), the library's envelope fields (timestamp, "
            "originator_topic, originator_id, originator_version) are not payload fields: they are left out, "
            "and the method line says so. Ctrl-C stops with what was counted so far."
        ),
    )
    parser.add_argument("store")
    parser.add_argument("--category", type=category_name, help="only the events of this category's streams; '(none)' (or ''): of the "
                                                "streams without one; a category named (none) itself: '\\(none)'")
    parser.add_argument("--sample", type=positive_int, default=DEFAULT_SAMPLE, metavar="N",
                        help=f"events decoded where the survey is sampled (default {DEFAULT_SAMPLE:,}); where the "
                             "counts per type are the sample's, the first line says they are")
    parser.set_defaults(handler=run_types)


def run_types(args: argparse.Namespace) -> int:
    store = open_store_from_args(args)
    cancel = CancelToken()
    progress = terminal_progress("surveying", "parts")
    previous = _stop_on_ctrl_c(cancel)
    try:
        known_category(store, args.category)
        survey = store.type_survey(category=args.category, cancel=cancel, sample=args.sample, progress=progress,
                                   envelope=slice_of_eventsourcing(store))
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        store.close()
        if progress is not None:
            progress.close()
    if args.json:
        print_json(survey_to_json(survey))
    else:
        print_survey(survey)
    if not survey.complete:
        print("stopped before the end (Ctrl-C): the counts above are those made so far", file=sys.stderr)
        return INTERRUPTED_EXIT
    return 0


def _stop_on_ctrl_c(cancel: CancelToken) -> Any:
    """Make Ctrl-C cancel the survey (which then returns what it counted) instead of ending the
    process; the previous handler is returned to be put back. None off the main thread."""
    try:
        return signal.signal(signal.SIGINT, lambda _signum, _frame: cancel.cancel())
    except ValueError:  # not the main thread (a test runner's worker)
        return None


def _how(survey: TypeSurvey) -> str:
    """How the survey was made, said once: "counted by the database: …", "counted in full, every
    event decoded (40): …" or "sampled 40 of 900 events, …" (as ``--json``'s ``method_detail``)."""
    detail = printable(survey.method_detail)
    if survey.method == "decoded":
        return "counted in full, " + detail
    return detail


def print_survey(survey: TypeSurvey) -> None:
    """The survey as text: a header saying how it was made, then a table of fields per type."""
    print(printable(survey.scope_line()))
    print(f"method: {survey.method} — {_how(survey)}")
    if survey.unreadable:
        where = ", ".join(f"{shown_name(kind.name)}: {kind.unreadable:,}" for kind in survey.types if kind.unreadable)
        print(f"payloads that are not JSON: {survey.unreadable:,} ({where}); counted, not surveyed")
    if not survey.complete:
        print("incomplete: stopped before the end")
    for kind in survey.types:
        print()
        _print_type(kind, survey.method)


def _print_type(kind: TypeSeen, method: str) -> None:
    exact = "" if kind.count_exact else " (in the sample)"
    span = f"{format_time(kind.first_at) or '?'} .. {format_time(kind.last_at) or '?'}"
    print(f"{shown_name(kind.name)}: {kind.count:,} event(s){exact}, {span}")
    parts = [f"{kind.objects:,} JSON object(s)"]
    if kind.not_objects:
        parts.append(f"{kind.not_objects:,} JSON but not an object")
    if kind.unreadable:
        parts.append(f"{kind.unreadable:,} not JSON")
    if method == "sample":
        of = f" of {kind.count:,}" if kind.count_exact else ""
        print(f"  payloads sampled: {kind.surveyed:,}{of} ({', '.join(parts)})")
    elif len(parts) > 1:
        print(f"  payloads: {', '.join(parts)}")
    if not kind.fields:
        print("  (no payload fields)")
        return
    rows = []
    for seen in kind.fields:
        types = ", ".join(f"{one.json_type} {one.count:,}" if len(seen.json_types) > 1 else one.json_type
                          for one in seen.json_types)
        marks = "; ".join(f"{mark.sign} {_short(mark)}" for mark in field_drift(kind, seen))
        rows.append([shown_name(seen.name), f"{seen.count:,} of {kind.objects:,}", types,
                     format_time(seen.first_at) or "", format_time(seen.last_at) or "", marks])
    print_table(["field", "present", "json types", "first seen", "last seen", "drift"], rows, right=(1,))


def _short(mark: Any) -> str:
    at = format_time(mark.at) or "?"
    if mark.kind == "appeared":
        return f"appeared {at}"
    if mark.kind == "disappeared":
        return f"disappeared after {at}"
    if mark.kind == "type_changed":
        return f"type {mark.before}\u2192{mark.after} at {at}"
    return mark.detail
