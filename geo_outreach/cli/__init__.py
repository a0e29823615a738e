"""Command-line interface: ``geo-outreach COMMAND ...``.

Each command lives in its own module of this package with two functions:

``register(subparsers)``
    adds its ``argparse`` parser and calls ``parser.set_defaults(func=run)``;
``run(args) -> int``
    does the work through the library and returns the exit status.

Errors in user input (:class:`geo_outreach.errors.InputError`) are printed on one
line to stderr and give exit status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from geo_outreach import __version__
from geo_outreach.errors import GeoOutreachError, InputError

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


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available command registered."""
    parser = argparse.ArgumentParser(
        prog="geo-outreach",
        description=(
            "Find where people are underserved, where mobile units should stop, and who "
            "visits what, when. Without --region, commands use the demo region."
        ),
    )
    parser.add_argument("--version", action="version", version=f"geo-outreach {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
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
    """Run the CLI and return its exit status (also the console script's entry point)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except GeoOutreachError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
