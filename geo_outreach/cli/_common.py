"""Helpers shared by the CLI commands: the --region option, progress bars, JSON output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["add_region_args", "open_from_args", "print_json", "progress_bar"]


def add_region_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--region`` and ``--max-snap-m`` to a command."""
    parser.add_argument(
        "--region",
        metavar="DIR",
        default=None,
        help="region folder (with region.toml) or shipped region name; default: the demo "
        "region portland-central (synthetic when its data is absent)",
    )
    parser.add_argument(
        "--max-snap-m",
        type=float,
        default=500.0,
        metavar="M",
        help="farthest a tract or site may be from the road network and still be on it "
        "(default 500 m)",
    )


def open_from_args(args: argparse.Namespace) -> Any:
    """Open the region named by ``--region`` with its lazy networks."""
    from geo_outreach.network.context import open_region

    return open_region(args.region, max_snap_m=args.max_snap_m)


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout."""
    json.dump(obj, sys.stdout, indent=2, default=_default)
    sys.stdout.write("\n")


def _default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


@contextmanager
def progress_bar(desc: str, *, enabled: bool | None = None) -> Iterator[Callable[[int, int], None]]:
    """Yield a ``progress(done, total)`` callback drawing a tqdm bar on a terminal."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield lambda done, total: None
        return
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit="search", file=sys.stderr, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
