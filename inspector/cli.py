"""``event-inspector``: the GUI with no subcommand (or a bare STORE), headless subcommands otherwise.

A thin shell over core/stores/replay: every subcommand opens the store read-only,
calls one core function and prints text or one JSON document. Exit codes: 0 success,
1 store or input error (one line on stderr), or a projector that raised (replay, states and
compare print what they found first), 2 bad usage (a mistyped subcommand included).

Importing this module is cheap: SQLAlchemy, the stores and Qt are imported only by the
command that needs them, so ``--version``, ``--help`` of the launcher and shell completion
answer at once.
"""

from __future__ import annotations

import argparse
import difflib
import getpass
import importlib
import os
import sys
import textwrap
import time
from typing import TYPE_CHECKING, Any, Callable, Sequence

from inspector import __version__
from inspector.core.terminal import printable, shortened, shown_name

if TYPE_CHECKING:
    from inspector.stores import EventStore

#: Modules that add subcommands: each has ``register(subparsers, common)``.
COMMAND_MODULES = [
    "inspector.commands.store",
    "inspector.commands.export",
    "inspector.commands.replay",
    "inspector.commands.types",
    "inspector.commands.category",
    "inspector.commands.audit",
]

PROG = "event-inspector"


class InputError(Exception):
    """Bad input that is not a usage error (a moment that is not a time, a bad expression)."""


def common_options() -> argparse.ArgumentParser:
    """Options every store-reading subcommand takes."""
    common = argparse.ArgumentParser(add_help=False)
    from inspector.stores.layouts import layout_names

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


#: Help of the positional STORE, shared by every subcommand that reads a store.
STORE_HELP = (
    "the store: a SQLAlchemy URL (sqlite:///events.db, postgresql+psycopg://me@host/db, "
    "mysql+pymysql://root@127.0.0.1/test) or a .db/.sqlite/.jsonl file; on PostgreSQL a search_path in the "
    "URL (?options=-csearch_path%%3Dledger,orders) reads the stores in its schemas before any other schema's, "
    "schema by schema in its order (every layout in a schema before the next schema)"
)

#: One example per subcommand, shown under its --help.
EXAMPLES = {
    "demo": ["event-inspector demo --path demo.db", "event-inspector demo --path small.db --streams 12 --events 600"],
    "info": ["event-inspector info demo.db", "event-inspector info postgresql+psycopg://me@db.example/prod --json"],
    "streams": ["event-inspector streams demo.db --category wallet", "event-inspector streams demo.db --match 'wallet-*' --limit 20 --after wallet-119f03dc"],
    "events": ["event-inspector events demo.db --stream wallet-9b2e71cc --limit 20",
               "event-inspector events demo.db --category wallet --type CreditsSpent",
               "event-inspector events demo.db --actor alice@example.com --type CreditsSpent --since 2026-08-01 --json --page"],
    "check": ["event-inspector check demo.db", "event-inspector check demo.db --stream wallet-9b2e71cc --json --exit-zero",
              "event-inspector check demo.db --projector my_projectors.py",
              "event-inspector check sqlite:///bank.db --snapshots --projector native --path ./src"],
    "export": ["event-inspector export demo.db --stream wallet-9b2e71cc --format jsonl -o wallet.jsonl",
               "event-inspector export demo.db --category wallet --format sqlite -o wallets.db",
               "event-inspector export demo.db --format csv -o audit.csv --mask emails"],
    "replay": ["event-inspector replay demo.db --stream wallet-9b2e71cc --at v100",
               "event-inspector replay demo.db --stream wallet-9b2e71cc --at 2026-08-15T12:00Z --projector my_projector.py"],
    "diff": ["event-inspector diff demo.db --stream wallet-9b2e71cc --from v190 --to v194"],
    "types": ["event-inspector types demo.db", "event-inspector types demo.db --category wallet --json"],
    "bisect": ["event-inspector bisect demo.db --stream wallet-9b2e71cc --when 'state[\"credits\"] < 0'"],
    "states": ["event-inspector states demo.db --category wallet",
               "event-inspector states demo.db --category wallet --where 'state[\"credits\"] < 0'",
               "event-inspector states demo.db --category wallet --where 'state[\"credits\"] < 0' --ever --json",
               "event-inspector states demo.db --match 'job-*' --where 'state.get(\"status\") == \"assigned\"' "
               "--at 2026-09-01T00:00Z",
               "event-inspector states postgresql+psycopg://me@db/prod --category account --projector my_projectors.py"],
    "compare": ["event-inspector compare demo.db --category wallet --projector demo --against my_wallet.py",
                "event-inspector compare events.db --category account --projector projectors_v1.py "
                "--against projectors_v2.py --json",
                "event-inspector compare events.db --category account --projector projectors_v1.py "
                "--against projectors_v2.py --processes 2",
                "event-inspector compare es.db --category Account --projector native --against my_account.py --path src"],
    "changed": ["event-inspector changed demo.db wallet-9b2e71cc 42",
                "event-inspector changed demo.db --stream wallet-9b2e71cc --version 42   # the same, as options",
                "event-inspector changed demo.db wallet-9b2e71cc v42 --projector generic --json",
                "event-inspector changed demo.db job-52e6b438 2   # v2 is shared by 2 events: together, then each's own"],
    "audit": ["event-inspector audit demo.db --causes-of wallet-9b2e71cc@42",
              "event-inspector audit demo.db --correlation 9746dfd2-6c3f-4427-b229-427a4ba4e633 --json",
              "event-inspector audit demo.db --actor alice@example.com --limit 50"],
    "completion": ["event-inspector completion bash > ~/.local/share/bash-completion/completions/event-inspector",
                   "event-inspector completion zsh > ~/.zfunc/_event-inspector",
                   "event-inspector completion fish > ~/.config/fish/completions/event-inspector.fish"],
}

#: Shells ``completion`` writes a script for.
SHELLS = ("bash", "zsh", "fish")

#: File names that open in the window when given without a subcommand (besides any URL or existing path).
STORE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".jsonl", ".jsonl.gz", ".ndjson")


def _finish_subcommand_help(parser: argparse.ArgumentParser) -> None:
    """Name the positional STORE in every subcommand's help and end each with its examples."""
    import shtab

    subparsers = _subcommands(parser)
    for name, sub in subparsers.items():
        for action in sub._actions:
            if action.dest == "store" and not action.option_strings:
                action.metavar = "STORE"
                action.help = action.help or STORE_HELP
                action.complete = shtab.FILE  # type: ignore[attr-defined]
        lines = EXAMPLES.get(name)
        if lines:
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
            if sub.description:  # the raw formatter keeps lines as given: long ones are wrapped here
                sub.description = "\n\n".join(
                    textwrap.fill(part, width=88) if max(map(len, part.splitlines()), default=0) > 88 else part
                    for part in sub.description.split("\n\n"))
            text = "examples:\n" + "\n".join(f"  {line}" for line in lines)
            sub.epilog = f"{sub.epilog}\n\n{text}" if sub.epilog else text


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


#: ``changed``'s options for its STREAM and VERSION arguments (the form of replay, diff and bisect):
#: read as those arguments (``_changed_as_arguments``).
CHANGED_OPTIONS = ("--stream", "--version")
#: Options a mistaken ``changed`` may be given for its VERSION (the moments of replay and diff): each
#: is a usage error that writes the command the right way.
CHANGED_AS_OPTIONS = ("--at", "--to", "--from")
#: Options a stream command fills, in order, from the words after its store and stream (a stream
#: given as an argument, or words left over after ``--stream``): a moment, two moments, an expression.
WORD_OPTIONS = {"replay": ("--at",), "diff": ("--from", "--to"), "bisect": ("--when",)}


def _option_named(parser: argparse.ArgumentParser, name: str) -> argparse.Action | None:
    """The option ``name`` names in ``parser``: exactly, or by a prefix of one option alone (as
    argparse takes ``--proj`` for ``--projector``); else None."""
    actions = parser._option_string_actions
    if name in actions:
        return actions[name]
    if name.startswith("--"):
        found = {id(action): action for option, action in actions.items() if option.startswith(name)}
        if len(found) == 1:
            return next(iter(found.values()))
    return None


def _split_tokens(parser: argparse.ArgumentParser, tokens: Sequence[str], taken: Sequence[str] = (),
                  ) -> tuple[list[str], list[str], dict[str, str], set[str]]:
    """``tokens`` as ``parser`` reads them: (the positional words; every other option as given,
    with its value, in order; the values of the ``taken`` options, ``--at v4`` or ``--at=v4``,
    which are not among the other options; the option strings of every option given, aliases too).
    An option ``parser`` does not have is among the other options, and is named in the last item
    as given (``--nosuch``): whether it takes a value cannot be told, so the word after it may be
    its value rather than a positional word."""
    words: list[str] = []
    options: list[str] = []
    values: dict[str, str] = {}
    named: set[str] = set()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token == "--":
            words.extend(tokens[index:])
            break
        if not (token.startswith("-") and len(token) > 1 and not token[1:2].isdigit()):
            words.append(token)
            continue
        name, equals, value = token.partition("=")
        if name in taken:
            if not equals and index < len(tokens):
                value, index = tokens[index], index + 1
            values.setdefault(name, value)
            named.add(name)
            continue
        options.append(token)
        action = _option_named(parser, name)
        if action is None:
            named.add(name)
            continue
        named.update(action.option_strings)
        if not equals and action.nargs != 0 and index < len(tokens):
            options.append(tokens[index])
            index += 1
    return words, options, values, named


def _left_out(name: str, rest: Sequence[str]) -> str:
    """The note for words no argument or option of ``name`` takes, left out of the written command."""
    import shlex

    if not rest:
        return ""
    return f" ({' '.join(shlex.quote(word) for word in rest)}: no argument of {name}, left out)"


def _changed_as_arguments(parser: argparse.ArgumentParser, tokens: list[str]) -> list[str]:
    """``changed``'s ``tokens`` with ``--stream STREAM`` and ``--version VERSION`` (also ``--stream=S``,
    or a prefix naming one of them alone) given as its STREAM and VERSION arguments, the words
    argparse reads: ``STORE --stream S --version 42`` is ``STORE S 42``, and one given as an option
    with the other as an argument (``STORE --stream S 42``) is filled in too. The same value given
    both ways, or one missing, is a usage error (exit 2) under ``changed``'s usage."""
    expanded = []
    for token in tokens:
        name, equals, value = token.partition("=")
        action = _option_named(parser, name) if name.startswith("--") else None
        if action is not None and action.option_strings[0] in CHANGED_OPTIONS:
            token = action.option_strings[0] + equals + value
        expanded.append(token)
    if any(token.partition("=")[0] in CHANGED_AS_OPTIONS for token in tokens):
        return tokens  # a moment given for the version: ``_stream_form_problem`` writes the right command
    words, options, values, _ = _split_tokens(parser, expanded, CHANGED_OPTIONS)
    if not values:
        return tokens
    store, rest = (words[0], words[1:]) if words else (None, [])
    slots = [values.get("--stream"), values.get("--version")]
    free = [index for index, value in enumerate(slots) if value is None]
    if len(rest) > len(free):
        given = " and ".join(f"{option} {values[option]}" for option in CHANGED_OPTIONS if option in values)
        parser.error(f"{given} and {' '.join(rest)} as argument{'s' if len(rest) > 1 else ''}: give the stream and "
                     "the version once each, as arguments (STREAM VERSION) or as --stream and --version")
    for index, word in zip(free, rest):
        slots[index] = word
    missing = [what for what, value in zip(("the stream (STREAM or --stream STREAM)",
                                            "the version (VERSION or --version VERSION)"), slots) if value is None]
    if store is None:
        missing.insert(0, "the store (STORE)")
    if missing:
        parser.error(f"changed needs {' and '.join(missing)}")
    assert store is not None and slots[0] is not None and slots[1] is not None
    return [store, slots[0], slots[1], *options]


def _stream_form_problem(name: str, parser: argparse.ArgumentParser, tokens: list[str]) -> str | None:
    """A usage error for a stream given the other command's way, naming the right form, else None.

    ``changed`` takes ``STORE STREAM VERSION`` as arguments (or ``--stream``/``--version``, read as
    them before this: ``_changed_as_arguments``) and no moment option, while ``replay``, ``diff``,
    ``bisect``, ``events``, ``check`` and ``export`` take ``--stream STREAM`` (and moments, bisect's
    expression, as options): a word given the other way is answered with the command written the
    right way, with the user's values and every other option they gave, which runs as written.
    """
    import shlex

    if name == "changed":
        given = [token.partition("=")[0] for token in tokens]
        wrong = [option for option in CHANGED_AS_OPTIONS if option in given]
        if not wrong:
            return None
        words, options, values, _ = _split_tokens(parser, tokens, (*CHANGED_OPTIONS, *CHANGED_AS_OPTIONS))
        store, rest = (words[0], words[1:]) if words else ("STORE", [])
        stream = values.get("--stream")
        if stream is None:
            stream = rest.pop(0) if rest else "STREAM"
        version = next((values[option] for option in ("--at", "--version", "--to") if option in values), None)
        if version is None:
            version = rest.pop(0) if rest else "VERSION"
        written = " ".join(shlex.quote(word) for word in (store, stream, version, *options))
        return (f"changed takes the stream and the version as arguments (or --stream and --version), "
                f"not {' or '.join(wrong)}: "
                f"{PROG} changed {written}{_left_out(name, rest)}")
    if "--stream" not in parser._option_string_actions:
        return None
    words, options, _, named = _split_tokens(parser, tokens)
    stream_given = "--stream" in named
    if len(words) < 2:  # the store alone: nothing given the other way
        return None
    if any(_option_named(parser, option) is None for option in named):
        return None  # a word may be an unknown option's value, not a stream: argparse names the option
    store, *rest = words
    right = [store]
    if not stream_given:
        right += ["--stream", rest.pop(0)]
    right += options
    filled: list[str] = []
    for option in WORD_OPTIONS.get(name, ()):
        if option not in named and rest:
            right += [option, rest.pop(0)]
            filled.append(option)
    written = f"{PROG} {name} {' '.join(shlex.quote(word) for word in right)}{_left_out(name, rest)}"
    if not stream_given:
        return f"{name} takes the stream as --stream STREAM, not as an argument: {written}"
    if not filled:
        return None  # words no option takes: argparse says they are unrecognized
    forms = " ".join(f"{option} {parser._option_string_actions[option].metavar or option[2:].upper()}"
                     for option in filled)
    how = "as options, not as arguments" if len(filled) > 1 else "as an option, not as an argument"
    return f"{name} takes {forms} {how}: {written}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Read-only inspector for event stores. With no subcommand it opens the window "
            "(on the embedded demo store when no STORE is given).\n\n"
            "STORE is a SQLAlchemy URL (sqlite:///events.db, postgresql+psycopg://user@host/db, "
            "mysql+pymysql://root@127.0.0.1/test) or a path to a .db/.sqlite/.jsonl file. On PostgreSQL "
            "a search_path in the URL (?options=-csearch_path%3Dledger,orders) reads the stores in its "
            "schemas before any other schema's, schema by schema in its order."
        ),
        epilog=f"GUI: {PROG} [STORE] [--layout L] [--mapping TOML]. Nothing is ever written to STORE.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = common_options()
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers, common)
    completion = subparsers.add_parser(
        "completion", help="print the shell completion script for bash, zsh or fish",
        description="Print a completion script for SHELL on stdout; save it where your shell looks for completions.",
    )
    completion.add_argument("shell", metavar="SHELL", choices=SHELLS, help="bash, zsh or fish")
    completion.set_defaults(handler=run_completion)
    _finish_subcommand_help(parser)
    return parser


def run_completion(args: argparse.Namespace) -> int:
    """Print the completion script (made by ``shtab`` from this very parser)."""
    import shtab

    sys.stdout.write(shtab.complete(build_parser(), shell=args.shell))
    return 0


def gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, parents=[common_options()], add_help=False,
                                     usage=f"{PROG} [STORE] [--layout L] [--mapping TOML] [--ask-password]"
                                           f" | {PROG} COMMAND ... (see {PROG} --help)")
    parser.add_argument("store", nargs="?", metavar="STORE")
    return parser


def _looks_like_a_store(text: str) -> bool:
    """A URL, an existing path, or a file name with a store's suffix (which may not exist yet: the window says so)."""
    return "://" in text or os.path.exists(text) or text.lower().endswith(STORE_SUFFIXES)


def _not_a_command(word: str, commands: Sequence[str]) -> int:
    """Usage error for a word that is neither a subcommand nor a store (exit 2), with the nearest command."""
    close = difflib.get_close_matches(word, list(commands), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f"; commands: {', '.join(sorted(commands))}"
    print(f"usage: {PROG} [STORE] | {PROG} COMMAND ... (see {PROG} --help)", file=sys.stderr)
    print(f"{PROG}: error: '{word}' is neither a command nor a store (no such file or URL){hint}", file=sys.stderr)
    return 2


def open_store_from_args(args: argparse.Namespace, target: str | None = None) -> EventStore:
    """Open ``args.store`` (or ``target``) read-only, asking for a password when told to. Where
    the database holds several event stores, a note on stderr says which one is read and how to
    read another (``info`` lists it among its notes instead), unless ``--layout`` picked it (the
    one store of that layout there)."""
    from inspector.stores import open_store, redact

    target = target or args.store
    if getattr(args, "ask_password", False) and "://" in target:
        from sqlalchemy.engine import make_url

        password = getpass.getpass(f"Password for {redact(target)}: ")
        target = make_url(target).set(password=password).render_as_string(hide_password=False)
    store = open_store(target, layout=getattr(args, "layout", None), mapping=getattr(args, "mapping", None))
    note = getattr(store, "choice_note", None)
    # not when the user's --layout picked the store read (the one of its layout): that was their choice
    if note and getattr(args, "command", None) != "info" and not getattr(store, "choice_asked", False):
        print(printable(f"note: {note}"), file=sys.stderr)
    # a mapping's time = "iso" that the stored times do not keep: read as auto, and said (info lists it)
    broken = getattr(getattr(store, "layout", None), "declared_form_broken", None)
    if broken and getattr(args, "command", None) != "info":
        print(printable(f"note: {broken}"), file=sys.stderr)
    # a UUID written in another case or form on a UUID-typed stream column is that stream, named as shown
    from inspector.stores import stream_spelled

    if isinstance(getattr(args, "stream", None), str):
        args.stream = stream_spelled(store, args.stream)
    if isinstance(getattr(args, "causes_of", None), tuple):
        stream, version = args.causes_of
        args.causes_of = (stream_spelled(store, stream), version)
    return store


#: At most this many categories are named when one asked for is not in the store.
_CATEGORIES_NAMED = 20


def known_category(store: EventStore, category: str | None) -> None:
    """An ``InputError`` naming the store's categories when ``category`` has no stream at all
    (one stream is asked for; the list of categories only then). ``streams``, ``types``,
    ``states`` and ``compare`` refuse an unknown category with it instead of an empty answer."""
    if not category or store.streams(category=category, limit=1):
        return
    from inspector.core.suggest import close_names, did_you_mean

    names = [name for name, _count in store.categories()]
    shown = ", ".join(map(shown_name, names[:_CATEGORIES_NAMED])) + (f" and {len(names) - _CATEGORIES_NAMED:,} more"
                                                     if len(names) > _CATEGORIES_NAMED else "")
    hint = did_you_mean(close_names(category, names)).removeprefix("; ")
    raise InputError(f"--category {shown_name(category)}: no stream of that category in this store"
                     f"{f' ({hint})' if hint else ''}; its categories: {shown or '(none)'}")


def stream_in_category(store: EventStore, stream: str | None, category: str | None) -> None:
    """An ``InputError`` when both ``--stream`` and ``--category`` are given and the stream is
    not of that category (their answer would be empty whatever the other filters); nothing
    when either is missing or the stream is not in the store (said elsewhere)."""
    if stream is None or not category:
        return
    from inspector.core.events import category_key

    actual = store.category(stream)
    if actual is None:
        return  # no events (a stream the store does not have: said by the caller) or no category known
    actual = category_key(actual)
    if actual != category:
        raise InputError(f"--stream {shown_name(stream)} is of category {shown_name(actual)}, not "
                         f"{shown_name(category)}: leave out one of --stream and --category")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a bad value is a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def category_name(text: str) -> str:
    """An argparse type: a category as ``categories`` and ``streams`` show it. The empty name is
    ``(none)``: streams whose name gives an empty category are counted and selected under it, so
    ``--category ''`` selects them, never every stream."""
    from inspector.core.events import NO_CATEGORY

    return text if text else NO_CATEGORY


def actor_name(text: str) -> str:
    """An argparse type: an actor's name as events store it (``alice@example.com``); empty or
    blank text names no actor and is a usage error (exit 2), as a bad number is."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty actor names no one: give an actor's name, e.g. alice@example.com")
    return text


def print_json(document: Any) -> None:
    """One JSON document on stdout; numbers exactly as held (big ints, Decimals, NaN/Infinity tokens)."""
    from inspector.core import jsontext

    try:
        text = jsontext.dumps(document, indent=True)
    except (TypeError, RecursionError) as exc:  # nested deeper than JSON text can be written
        raise InputError(f"the result cannot be written as JSON: {exc} (nested too deep?)") from None
    sys.stdout.write(text + "\n")


#: Rows a table of changed paths shows in text (``diff``, ``changed``, ``compare``): an event that
#: adds 150,000 paths printed 150,000 lines; ``--json`` lists them all.
CHANGE_ROWS = 200


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = (),
                total: int | None = None) -> None:
    """A plain aligned text table; numbers in ``right`` columns are right-aligned. ``total``: how
    many rows there are when ``rows`` are only the first of them (a last line says how many more
    there are and that ``--json`` lists them all).

    Every cell is passed through ``printable``: control and escape characters a store holds
    are shown escaped (``\\x1b``), never sent to the terminal. A cell longer than
    ``terminal.CELL_LIMIT`` characters is ``shortened`` (its start, then how long it is and that
    ``--json`` prints it whole), so no column, and no rule under the header, outgrows a screen."""
    cells = [[("" if value is None else printable(shortened(str(value)))) for value in row] for row in rows]
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
    if total is not None and total > len(cells):
        print(f"… and {total - len(cells):,} more: --json lists them all")


def fail(message: str) -> int:
    print(f"{PROG}: error: {printable(message)}", file=sys.stderr)
    return 1


class TerminalProgress:
    """A ``progress(done, total)`` callback that keeps one line on stderr up to date.

    Made by :func:`terminal_progress` only when stderr is a terminal, so pipes, files and
    scripts never see it. Redraws at most every 0.2 s; ``close()`` clears the line.
    """

    def __init__(self, label: str, unit: str, stream: Any) -> None:
        self.label, self.unit, self.stream = label, unit, stream
        self._last = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < 0.2 and not (total is not None and done >= total):
            return
        self._last = now
        of = f" of {total:,}" if total else ""
        self.stream.write(f"\r{self.label}: {done:,}{of} {self.unit}\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False


def terminal_progress(label: str, unit: str) -> TerminalProgress | None:
    """A progress line on stderr when stderr is a terminal, else None (no progress shown)."""
    stream = sys.stderr
    try:
        if stream is None or not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return TerminalProgress(label, unit, stream)


def _version_only(argv: Sequence[str]) -> bool:
    return len(argv) == 1 and argv[0] in ("--version", "-V")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if _version_only(argv):  # answered before anything heavy (SQLAlchemy, Qt) is imported
        print(f"{PROG} {__version__}")
        return 0
    parser = build_parser()
    commands = _subcommands(parser)
    if not argv or (argv[0] not in commands and argv[0] not in ("-h", "--help", "--version", "-V")):
        if argv and not argv[0].startswith("-") and not _looks_like_a_store(argv[0]):
            return _not_a_command(argv[0], list(commands))
        return _run_gui(argv)
    command = commands.get(argv[0])
    if argv[0] == "changed" and command is not None:
        argv = [argv[0], *_changed_as_arguments(command, argv[1:])]
    problem = _stream_form_problem(argv[0], command, argv[1:]) if command is not None else None
    if command is not None and problem:
        command.error(problem)  # exit 2, under the subcommand's own usage
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said under the subcommand's usage, not the top level's
        (command or parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    if command is not None and argv[0] in ("states", "compare") and not (args.category or args.match):
        command.error("say which streams: --category C and/or --match GLOB")  # exit 2, as bad usage is
    handler: Callable[[argparse.Namespace], int] = args.handler
    from inspector.core.cancel import Cancelled
    from inspector.stores import StoreError

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
        from inspector.core.failure import failure_reason

        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        said = f"{type(exc).__name__}: {message}" if message else failure_reason(exc)
        return fail(f"{said} (set INSPECTOR_DEBUG=1 for details)")


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
    if args.store and not _looks_like_a_store(args.store):
        return _not_a_command(args.store, list(_subcommands(build_parser())))
    missing = missing_x11_packages()
    if missing:
        return fail(
            "the window needs X11 libraries that are not installed: "
            f"{', '.join(missing)} (Debian/Ubuntu: sudo apt install {' '.join(missing)})"
        )
    target = args.store
    if target and args.ask_password and "://" in target:
        from sqlalchemy.engine import make_url

        from inspector.stores import redact

        password = getpass.getpass(f"Password for {redact(target)}: ")
        target = make_url(target).set(password=password).render_as_string(hide_password=False)
    if os.environ.get("INSPECTOR_SMOKE_TEST") == "1":
        return _smoke_test(target, layout=args.layout, mapping=args.mapping)
    from inspector.ui.app import run_gui

    return run_gui(target, layout=args.layout, mapping=args.mapping)


def _smoke_test(target: str | None, *, layout: str | None, mapping: str | None) -> int:
    """``INSPECTOR_SMOKE_TEST=1``: open the window (on the demo store when no STORE is given), wait
    until its stream list is filled, print one line and quit: 0 when the store opened with the
    app icon set, 1 on an error banner or after 60 s. For checking an install or a bundle."""
    from PySide6.QtCore import QTimer

    from inspector.ui.app import MainWindow, leave_now, make_app

    app = make_app()
    if target is None:
        from inspector.demo import ensure_demo

        target = str(ensure_demo())
    window = MainWindow(target, layout=layout, mapping=mapping)
    window.show()
    outcome = {"code": 1}
    deadline = time.monotonic() + 60

    def poll() -> None:
        streams = window.stream_model.rowCount()
        if window.store is not None and streams > 0:
            icon = not app.windowIcon().isNull()
            print(f"smoke test: window open on {target}: {streams} streams listed, "
                  f"app icon {'set' if icon else 'MISSING'}, desktop file name {app.desktopFileName()}")
            outcome["code"] = 0 if icon else 1
        elif window.banner.text():
            print(f"smoke test: the window shows an error: {window.banner.text()}", file=sys.stderr)
        elif time.monotonic() < deadline:
            return
        else:
            print("smoke test: the store did not open within 60 s", file=sys.stderr)
        timer.stop()
        app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(100)
    app.exec()
    window.shutdown()
    leave_now(outcome["code"])
    return outcome["code"]  # not reached


def gui_main(argv: Sequence[str] | None = None) -> int:
    """``event-inspector-gui``: the window only, for launchers (the ``gui-scripts`` entry).

    On Windows it runs under ``pythonw`` with no console, so there is no stdout or stderr:
    whatever would have been printed (a usage error, a missing library) is shown in a
    message box instead of being lost.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if sys.stderr is not None and sys.stdout is not None:
        try:
            return _run_gui(argv)
        except SystemExit as exc:  # argparse's usage error
            return exc.code if isinstance(exc.code, int) else 2
    import io

    captured = io.StringIO()
    sys.stdout = sys.stderr = captured
    try:
        code = _run_gui(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    if code and captured.getvalue().strip():
        from PySide6.QtWidgets import QApplication, QMessageBox

        _app = QApplication.instance() or QApplication([PROG])
        QMessageBox.critical(None, "Event Stream Inspector", captured.getvalue().strip())
    return code


if __name__ == "__main__":
    raise SystemExit(main())
