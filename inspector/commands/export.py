"""``export``: write a slice of a store as JSON Lines, CSV, HTML, a local SQLite copy or a pytest fixture."""

from __future__ import annotations

import argparse

from inspector.cli import open_store_from_args, print_json, terminal_progress
from inspector.commands.store import _time_arg
from inspector.export import FORMATS, Slice, export


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "export", parents=[common],
        help="export a slice (jsonl, csv, html audit report, sqlite copy, pytest fixture)",
        description=(
            "Export a slice of a store. jsonl and sqlite slices open in the inspector like any store; "
            "csv and html are audit reports; pytest writes a test that replays one stream to its exported state."
        ),
    )
    parser.add_argument("store")
    parser.add_argument("--stream", help="only this stream (required for --format pytest)")
    parser.add_argument("--since", metavar="T1", help="recorded at or after T1 (ISO-8601)")
    parser.add_argument("--until", metavar="T2", help="recorded at or before T2 (ISO-8601)")
    parser.add_argument("--actor", help="only events caused by this actor (an audit trail)")
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    parser.add_argument(
        "--mask", action="append", default=[], metavar="FIELD",
        help="replace this field's values everywhere (repeatable); 'emails' masks every e-mail address",
    )
    parser.add_argument("--projector", metavar="FILE_OR_MODULE", help="projector for --format pytest")
    parser.add_argument("--path", metavar="DIR", help="import path for the projector")
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    part = Slice(stream=args.stream, since=_time_arg(args.since, "--since"), until=_time_arg(args.until, "--until"),
                 actor=args.actor)
    store = open_store_from_args(args)
    progress = terminal_progress("exporting", "events")
    try:
        result = export(
            store, args.format, args.output, part=part, mask=tuple(args.mask),
            projector=args.projector, projector_path=args.path, progress=progress,
        )
    finally:
        store.close()
        if progress is not None:
            progress.close()
    if args.json:
        print_json({"path": str(result.path), "format": result.format, "events": result.events})
    else:
        print(f"wrote {result.events} event(s) as {result.format} to {result.path}")
    return 0
