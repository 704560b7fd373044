"""``event-inspector``: the GUI with no subcommand, headless subcommands otherwise.

A thin shell over core/stores/replay: every subcommand opens the store read-only,
calls one core function and prints text or one JSON document. Exit codes: 0 success,
1 store or input error (one line on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import getpass
import importlib
import sys
from typing import Any, Callable, Sequence


from inspector import __version__
from inspector.core import jsontext
from inspector.core.cancel import Cancelled
from inspector.stores import EventStore, StoreError, open_store, redact
from inspector.stores.layouts import layout_names

#: Modules that add subcommands: each has ``register(subparsers, common)``.
COMMAND_MODULES = [
    "inspector.commands.store",
    "inspector.commands.export",
    "inspector.commands.replay",
]

PROG = "event-inspector"


class InputError(Exception):
    """Bad input that is not a usage error (a moment that is not a time, a bad expression)."""


def common_options() -> argparse.ArgumentParser:
    """Options every store-reading subcommand takes."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("store options")
    group.add_argument("--layout", choices=layout_names(), help="force a layout instead of detecting it")
    group.add_argument("--mapping", metavar="TOML", help="column mapping for the generic layout")
    group.add_argument(
        "--ask-password",
        action="store_true",
        help="prompt for the database password (else taken from the URL, PGPASSWORD, MYSQL_PWD or INSPECTOR_DB_PASSWORD)",
    )
    group.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Read-only inspector for event stores. With no subcommand it opens the window "
            "(on the embedded demo store when no STORE is given).\n\n"
            "STORE is a SQLAlchemy URL (sqlite:///events.db, postgresql+psycopg://user@host/db, "
            "mysql+pymysql://root@127.0.0.1/test) or a path to a .db/.sqlite/.jsonl file."
        ),
        epilog=f"GUI: {PROG} [STORE] [--layout L] [--mapping TOML]. Nothing is ever written to STORE.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = common_options()
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers, common)
    return parser


def gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, parents=[common_options()], add_help=False)
    parser.add_argument("store", nargs="?")
    return parser


def open_store_from_args(args: argparse.Namespace, target: str | None = None) -> EventStore:
    """Open ``args.store`` (or ``target``) read-only, asking for a password when told to."""
    target = target or args.store
    if getattr(args, "ask_password", False) and "://" in target:
        from sqlalchemy.engine import make_url

        password = getpass.getpass(f"Password for {redact(target)}: ")
        target = make_url(target).set(password=password).render_as_string(hide_password=False)
    return open_store(target, layout=getattr(args, "layout", None), mapping=getattr(args, "mapping", None))


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a bad value is a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def print_json(document: Any) -> None:
    """One JSON document on stdout; numbers exactly as held (big ints, Decimals, NaN/Infinity tokens)."""
    sys.stdout.write(jsontext.dumps(document, indent=True) + "\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> None:
    """A plain aligned text table; numbers in ``right`` columns are right-aligned."""
    cells = [[("" if value is None else str(value)) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(values)]
        return "  ".join(parts).rstrip()

    print(line(list(headers)))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


def fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    if not argv or (argv[0] not in commands and argv[0] not in ("-h", "--help", "--version")):
        return _run_gui(argv)
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (StoreError, InputError) as exc:
        return fail(str(exc))
    except Cancelled:
        return fail("cancelled")
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return fail(f"cannot use{where}: {exc.strerror or exc}")
    except Exception as exc:  # the last line of defence: one line, never a traceback (INSPECTOR_DEBUG=1 shows it)
        import os

        if os.environ.get("INSPECTOR_DEBUG") == "1":
            raise
        message = str(exc).splitlines()[0] if str(exc) else ""
        return fail(f"{type(exc).__name__}: {message} (set INSPECTOR_DEBUG=1 for details)")


#: X11 libraries Qt's xcb platform plugin loads, with the Debian/Ubuntu package that has each.
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


def missing_x11_packages() -> list[str]:
    """Packages Qt needs to open a window on X11 that this machine lacks.

    Without them Qt aborts with a message that names only the first; this names all.
    Empty when not on X11 (Wayland, offscreen, macOS, Windows) or when all are there.
    """
    import ctypes.util
    import os

    if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
        return []
    if os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb" or os.environ.get("WAYLAND_DISPLAY"):
        return []
    return [package for library, package in XCB_LIBRARIES.items() if ctypes.util.find_library(library) is None]


def _run_gui(argv: list[str]) -> int:
    args = gui_parser().parse_args(argv)
    missing = missing_x11_packages()
    if missing:
        return fail(
            "the window needs X11 libraries that are not installed: "
            f"{', '.join(missing)} (Debian/Ubuntu: sudo apt install {' '.join(missing)})"
        )
    target = args.store
    if target and args.ask_password and "://" in target:
        from sqlalchemy.engine import make_url

        password = getpass.getpass(f"Password for {redact(target)}: ")
        target = make_url(target).set(password=password).render_as_string(hide_password=False)
    from inspector.ui.app import run_gui

    return run_gui(target, layout=args.layout, mapping=args.mapping)


if __name__ == "__main__":
    raise SystemExit(main())
