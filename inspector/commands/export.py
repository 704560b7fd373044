"""``export``: write a slice of a store as JSON Lines, CSV, HTML, a local SQLite copy or a pytest fixture."""

from __future__ import annotations

import argparse
import sys
from contextlib import redirect_stdout
from pathlib import Path

from inspector.cli import (InputError, category_name, known_category, open_store_from_args, print_json,
                           stream_in_category, terminal_progress)
from inspector.commands.store import time_range_args
from inspector.export import FORMATS, Slice, pytest_name_problem
from inspector.export.provenance import choice_for, export_recording_projector
from inspector.replay import ProjectorError


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "export", parents=[common],
        help="export a slice (jsonl, csv, html audit report, sqlite copy, pytest fixture)",
        description=(
            "Export a slice of a store: one --stream, the streams of one --category, or every stream, "
            "narrowed by time and actor. jsonl and sqlite slices open in the inspector like any store; "
            "csv and html are audit reports; pytest writes a test (test_<name>.py) that replays one stream to "
            "its exported state with the stream's projector, refused when the projector handles none of the "
            "exported streams."
        ),
    )
    parser.add_argument("store")
    parser.add_argument("--stream", help="only this stream (required for --format pytest)")
    parser.add_argument("--category", metavar="C", type=category_name,
                        help="only the streams of this category, as `streams --category` lists them ('(none)' or '': "
                             "the streams without one; a category named (none) itself: '\\(none)'); jsonl and sqlite slices keep the source's categories; "
                             "a category the store does not have is an error")
    parser.add_argument("--since", metavar="T1",
                        help="recorded at or after T1 (ISO-8601; a time without a zone is UTC, not this machine's zone)")
    parser.add_argument("--until", metavar="T2",
                        help="recorded at or before T2 (ISO-8601, without a zone: UTC; before --since is an error)")
    parser.add_argument("--actor", help="only events caused by this actor (an audit trail)")
    parser.add_argument("--format", required=True, choices=FORMATS,
                        help="jsonl (one event per line; reopens as a store), csv and html (audit reports), "
                             "sqlite (a local copy that reopens as a store), pytest (a test replaying --stream)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="the file to write, in a folder that exists (never created); a name ending in .gz "
                             "is written gzip-compressed (jsonl, csv, html); a pytest fixture's name ends in .py "
                             "(test_<name>.py, so pytest also finds it in its folder)")
    parser.add_argument(
        "--mask", action="append", default=[], metavar="FIELD",
        help="replace this field's values everywhere (repeatable); 'emails' masks every e-mail address",
    )
    parser.add_argument(
        "--projector", metavar="FILE_OR_MODULE",
        help="the projector a pytest fixture replays with, recorded with jsonl and sqlite slices so they reopen "
             "with it (default: the one replay uses for this store: the demo's for the demo store, else generic)",
    )
    parser.add_argument("--path", metavar="DIR", help="import path for the projector")
    parser.set_defaults(handler=run_export, usage_error=parser.error)


def run_export(args: argparse.Namespace) -> int:
    if args.format == "pytest":  # pytest runs *.py files only: said under the usage, before the store opens
        problem = pytest_name_problem(args.output)
        if problem is not None:
            args.usage_error(f"-o {args.output}: {problem}")  # exit 2
    since, until = time_range_args(args)
    store = open_store_from_args(args)  # names --stream as the store shows it
    part = Slice(stream=args.stream, since=since, until=until, actor=args.actor, category=args.category)
    progress = None
    try:
        known_category(store, args.category)  # an unknown category is said, not an empty file
        stream_in_category(store, args.stream, args.category)  # so is a stream outside the category
        choice = choice_for(args.projector, args.path, store)
        try:
            with redirect_stdout(sys.stderr):  # a module's top-level print()
                projectors = choice.load(store)
        except ProjectorError as exc:
            raise InputError(f"--projector: {exc}") from None
        progress = terminal_progress("exporting", "events")
        result = export_recording_projector(
            store, args.format, args.output, choice=choice, projectors=projectors, source=_source(args.store),
            part=part, mask=tuple(args.mask), progress=progress,
        )
    finally:
        store.close()
        if progress is not None:
            progress.close()
    recorded = args.format in ("jsonl", "sqlite")  # the formats that keep the projector's record
    if args.json:
        print_json({"path": str(result.path), "format": result.format, "events": result.events,
                    "problem_lines": result.problem_lines, "left_out": list(result.left_out),
                    "projector": projectors.label if recorded else None})
    else:
        kept = f", with the {result.problem_lines} line(s) that are no event as they were" if result.problem_lines else ""
        print(f"wrote {result.events} event(s) as {result.format} to {result.path}{kept}")
        if recorded:
            print(f"projector recorded with the slice: {projectors.label}")
    if result.left_out:  # a line that is no event is in no stream: a copy never makes it one
        print(f"note: left out {len(result.left_out)} line(s) of the source that are no event (in no stream; "
              f"a {result.format} export cannot hold them): " + "; ".join(result.left_out[:5])
              + ("; …" if len(result.left_out) > 5 else ""), file=sys.stderr)
    if recorded and choice.kind == "native":
        print("note: native eventsourcing replay needs the library's own tables, which a slice does not keep: "
              "the slice replays with the code-free eventsourcing state (envelope fields left out); replay "
              "the source store for the aggregate itself", file=sys.stderr)
    return 0


def _source(target: str) -> str:
    """The exported store as a slice's record names it: a file's absolute path, a server URL without its password."""
    if "://" in target:
        from inspector.stores import redact

        return redact(target)
    return str(Path(target).expanduser().resolve())
