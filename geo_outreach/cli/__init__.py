"""Command-line interface: ``geo-outreach COMMAND ...``.

Each command lives in its own module of this package with two functions:

``register(subparsers)``
    adds its ``argparse`` parser and calls ``parser.set_defaults(func=run)``;
``run(args) -> int``
    does the work through the library and returns the exit status.

Every failure prints one line to stderr and no traceback; the exit status follows one
table for every command (``docs/cli-errors.md``): 0 done, 1 an internal error (a bug),
2 bad input (an option, a file, a column: :class:`~geo_outreach.errors.InputError`),
3 no solution for a valid input (:class:`~geo_outreach.errors.NoSolutionError`),
130 interrupted (Ctrl-C). Options are checked when the command line is parsed, before
any work starts; library parameter names in messages (``time_limit_s``) are shown as the
command's flags (``--time-limit``). Warnings (a CSV read as cp1252, a changed plan file)
print as one ``warning:`` line each.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import logging
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

from geo_outreach import __version__, i18n
from geo_outreach.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    GeoOutreachError,
)
from geo_outreach.i18n import N_, _

__all__ = ["main"]

#: Command modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "region",
    "matrix",
    "synth",
    "demo",
    "need",
    "analyze",
    "site",
    "plan",
    "export",
    "visits",
    "impact",
    "users",
    "plans",
    "app",
)


#: Library parameter names -> CLI flags, for messages of library errors. Names of a
#: command's own options (``time_limit`` -> ``--time-limit``, with the unit suffixes
#: ``_s``/``_m``/``_min``) are found from its parser; these are the ones that differ.
PARAMETER_FLAGS: dict[str, str] = {
    "p": "--stops",
    "n_stops": "--stops",
    "max_time_min": "--within-min",
    "max_time_s": "--within-min",
    "within_min": "--within-min",
    "beyond_min": "--beyond-min",
    "cutoff_min": "--cutoff-min",
    "cutoff_s": "--cutoff-min",
    "time_limit_s": "--time-limit",
    "max_snap_m": "--max-snap-m",
    "equity_floor": "--equity-floor",
    "existing_category": "--existing",
    "candidates": "--candidates",
    "top_share": "--top-share",
    "out": "-o",
    "output": "-o",
    "db": "--db",
    "url": "--db",
    "week_of": "--week-of",
    "nodes": "--nodes",
    "outside_sites": "--outside-sites",
}


#: argparse's own messages (fixed English in the standard library) -> ours, translatable
_ARGPARSE_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), msgid)
    for pattern, msgid in (
        (r"the following arguments are required: (?P<arguments>.+)",
         N_("the following arguments are required: {arguments}")),
        (r"unrecognized arguments: (?P<arguments>.+)", N_("unrecognized arguments: {arguments}")),
        (r"invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)",
         N_("invalid choice: {value} (choose from {choices})")),
        (r"invalid (?P<kind>\w+) value: (?P<value>.+)", N_("invalid {kind} value: {value}")),
        (r"expected one argument", N_("expected one argument")),
        (r"expected at most one argument", N_("expected at most one argument")),
        (r"expected at least one argument", N_("expected at least one argument")),
        (r"expected (?P<n>\d+) arguments?", N_("expected {n} argument(s)")),
        (r"one of the arguments (?P<arguments>.+) is required",
         N_("one of the arguments {arguments} is required")),
        (r"not allowed with argument (?P<argument>.+)", N_("not allowed with argument {argument}")),
        (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)",
         N_("ambiguous option: {option} could match {matches}")),
        (r"ignored explicit argument (?P<value>.+)", N_("ignored explicit argument {value}")),
    )
)  # fmt: skip


def argparse_message(text: str) -> str:
    """argparse's error ``text`` in the user's language: ``argument --days: expected one
    argument`` -> ``--days: se esperaba un argumento``. Our own type checks' messages (already
    translated) and anything unknown pass through as they are."""
    flag, sep, problem = text.partition(": ")
    if text.startswith("argument ") and sep:
        return f"{flag.removeprefix('argument ')}: {argparse_message(problem)}"
    for pattern, msgid in _ARGPARSE_MESSAGES:
        if m := pattern.fullmatch(text):
            return _(msgid).format(**m.groupdict())
    return text


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line naming the option (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        text = argparse_message(" ".join(message.split()))
        see = _("(see {command} --help)").format(command=self.prog)
        self.exit(EXIT_BAD_INPUT, f"error: {text} {see}\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available command registered."""
    parser = CommandParser(
        prog="geo-outreach",
        description=(
            "Find where people are underserved, where mobile units should stop, and who "
            "visits what, when. Without --region, commands use the demo region."
        ),
        epilog="Exit status: 0 done, 2 bad input, 3 no solution, 130 interrupted, 1 an "
        "internal error (a bug: please report it). See docs/cli-errors.md.",
    )
    parser.add_argument("--version", action="version", version=f"geo-outreach {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )
    parser.add_argument(
        "--lang",
        dest="cli_lang",
        choices=list(i18n.LANGUAGES),
        default=None,
        help="language of the messages and of what the command writes for people "
        "(default: GEO_OUTREACH_LANG, else English); an export's own --lang wins",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"geo_outreach.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"geo_outreach.cli.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status (also the console script's entry point).

    The whole run speaks one language, resolved once at the start: ``geo-outreach --lang``,
    else ``GEO_OUTREACH_LANG``, else English; a command's own ``--lang`` (``export packet``,
    ``export map``) wins and applies to its messages too. The language is set for this call
    only (called in-process, the caller's language is left as it was).
    """
    try:
        lang = i18n.resolve_language()
    except ValueError as exc:  # GEO_OUTREACH_LANG names a language without a catalogue
        from geo_outreach.config import LANG_ENV

        print(f"error: {LANG_ENV}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with i18n.using(lang):
        try:
            return _main(argv)
        except KeyboardInterrupt:
            _interrupted()
            return EXIT_INTERRUPTED


def _interrupted() -> None:
    try:
        sys.stderr.write(_("interrupted") + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _early_language(argv: Sequence[str] | None) -> str | None:
    """The last valid ``--lang`` of ``argv`` (the top level's or a command's), read before
    the command line is parsed, so that a mistake in it is already explained in that
    language."""
    import argparse

    pre = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    pre.add_argument("--lang")
    try:
        known, _rest = pre.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    except (argparse.ArgumentError, SystemExit):  # "--lang" without a value: the parser says so
        return None
    return known.lang if known.lang in i18n.LANGUAGES else None


def _main(argv: Sequence[str] | None) -> int:
    early = _early_language(argv)
    if early:
        i18n.set_language(early)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version or a bad option (already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if hasattr(args, "lang") and not args.lang:  # what an export writes speaks --lang too
        args.lang = args.cli_lang
    # a command's own --lang, else geo-outreach --lang: the run's messages speak it
    chosen = getattr(args, "lang", None) or args.cli_lang
    if chosen:
        i18n.set_language(chosen)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_OK
    leaf = _leaf_parser(parser, args)
    with warnings.catch_warnings():
        warnings.showwarning = functools.partial(_show_warning, leaf)
        try:
            return int(args.func(args) or 0)
        except GeoOutreachError as exc:
            print(f"error: {error_line(exc, leaf)}", file=sys.stderr)
            return exc.exit_code
        except BrokenPipeError:  # output piped into head & co.
            sys.stderr.close()
            return EXIT_OK
        except KeyboardInterrupt:
            _interrupted()
            return EXIT_INTERRUPTED
        except MemoryError:
            print(
                "error: " + _("out of memory; try a smaller problem (fewer visits, days or nodes)"),
                file=sys.stderr,
            )
            return EXIT_INTERNAL
        except Exception as exc:
            logging.getLogger(__name__).debug("internal error", exc_info=True)
            where = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            print(
                "error: "
                + _(
                    "internal error ({where}); this is a bug, please report it with the "
                    "command line (run with -vv for the details)"
                ).format(where=where),
                file=sys.stderr,
            )
            return EXIT_INTERNAL


def _show_warning(
    leaf: Any, message: Any, category: Any, filename: str, lineno: int, *a: Any, **k: Any
) -> None:
    """Print a library warning as one ``warning:`` line, parameter names as this command's flags."""
    print(f"warning: {error_line(message, leaf)}", file=sys.stderr)


def _leaf_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Any:
    """The parser of the command that runs (``export map`` -> the ``map`` parser)."""
    current: Any = parser
    while True:
        subs = [a for a in current._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            return current
        name = getattr(args, subs[0].dest or "", None)
        if name is None or name not in subs[0].choices:
            return current
        current = subs[0].choices[name]


def flag_names(parser: argparse.ArgumentParser | None) -> dict[str, str]:
    """Library parameter names -> the flags of ``parser`` (and :data:`PARAMETER_FLAGS`)."""
    names = dict(PARAMETER_FLAGS)
    if parser is None:
        return names
    for action in parser._actions:
        longs = [o for o in action.option_strings if o.startswith("--")]
        if not longs or not action.dest or action.dest == "help":
            continue
        for suffix in ("", "_s", "_m", "_min"):
            names[action.dest + suffix] = longs[0]
    return names


def _switches(parser: argparse.ArgumentParser | None) -> list[str]:
    """Parameter names that ``parser`` sets with an on/off flag (``--overwrite``)."""
    if parser is None:
        return []
    return [
        a.dest
        for a in parser._actions
        if isinstance(a, argparse._StoreTrueAction)
        and any(o.startswith("--") for o in a.option_strings)
    ]


def error_line(exc: BaseException, parser: argparse.ArgumentParser | None = None) -> str:
    """The one-line message of ``exc``, with library parameter names as CLI flags."""
    text = " ".join(str(exc).split())
    names = flag_names(parser)
    param = getattr(exc, "parameter", None)
    source = getattr(exc, "source", None)
    if param is None and isinstance(source, str):
        param = source if source in names else None  # older errors put it here
    words = {n for n in names if "_" in n}  # unambiguous in prose ("need" is not)
    column = getattr(exc, "column", None)
    words.discard(column)  # a column of the user's file (duration_min) is not a flag
    for name in _switches(parser):  # "overwrite=True" -> "--overwrite"
        text = re.sub(rf"(?<![\w\-./]){re.escape(name)}=True\b", names[name], text)
    for name in sorted(names, key=len, reverse=True):  # "p=4", "candidates=FILE"
        text = re.sub(rf"(?<![\w\-./]){re.escape(name)}=(?!=)", names[name] + " ", text)
    for name in sorted(words, key=len, reverse=True):
        text = re.sub(rf"(?<![\w\-./]){re.escape(name)}(?![\w\-])", names[name], text)
    if param in names and names[param] not in text:
        text = f"{names[param]}: {text}"
    return text


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
