"""Helpers shared by the CLI commands: the --region option, option types checked at parse
time, output paths, progress bars, JSON output."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geo_outreach.domain import Progress
from geo_outreach.i18n import N_, _

__all__ = [
    "SEED_MAX",
    "add_region_args",
    "check_output",
    "existing_file",
    "number",
    "open_from_args",
    "print_json",
    "progress_bar",
    "seed",
    "share",
    "stage_label",
    "whole",
]

#: Largest seed the solvers take (PyVRP and numpy seeds are unsigned 64-bit).
SEED_MAX = 2**64 - 1


def number(
    *, minimum: float | None = None, above: float | None = None, maximum: float | None = None
) -> Callable[[str], float]:
    """An argparse ``type``: a finite number, checked against its bounds at parse time."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("expected a number, got {text!r}").format(text=text)
            ) from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(
                _("expected a finite number, got {text!r}").format(text=text)
            )
        if above is not None and not value > above:
            raise argparse.ArgumentTypeError(
                _("must be greater than {bound:g}, got {text}").format(bound=above, text=text)
            )
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(
                _("must be at least {bound:g}, got {text}").format(bound=minimum, text=text)
            )
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(
                _("must be at most {bound:g}, got {text}").format(bound=maximum, text=text)
            )
        return value

    parse.__name__ = "number"
    return parse


def whole(*, minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: a whole number within bounds, checked at parse time."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("expected a whole number, got {text!r}").format(text=text)
            ) from None
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(
                _("must be at least {bound}, got {text}").format(bound=minimum, text=text)
            )
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(
                _("must be at most {bound}, got {text}").format(bound=maximum, text=text)
            )
        return value

    parse.__name__ = "whole number"
    return parse


def seed(text: str) -> int:
    """An argparse ``type``: a random seed from 0 to 2**64-1."""
    try:
        value = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a whole number from 0 to 2**64-1, got {text!r}").format(text=text)
        ) from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(
            _("must be from 0 to 2**64-1 (18446744073709551615), got {text}").format(text=text)
        )
    return value


def share(text: str) -> float:
    """An argparse ``type``: a share in (0, 1], or a percent in (1, 100]."""
    value = number(above=0.0, maximum=100.0)(text)
    return value / 100.0 if value > 1 else value


def existing_file(text: str) -> str:
    """An argparse ``type``: a path that exists and is a file (not a folder)."""
    p = Path(text).expanduser()
    if not text.strip():
        raise argparse.ArgumentTypeError(_("expected a file name, got an empty string"))
    if p.is_dir():
        raise argparse.ArgumentTypeError(_("{path} is a folder; give a file").format(path=text))
    if not p.exists():
        raise argparse.ArgumentTypeError(_("file not found: {path}").format(path=text))
    return text


def check_output(
    args: argparse.Namespace,
    *,
    attr: str = "output",
    flag: str = "-o",
    kind: str = "file",
    suffixes: tuple[str, ...] | None = None,
    inputs: tuple[str | None, ...] = (),
    replace_dir_with_manifest: bool = True,
) -> Path:
    """Check the output path of a command before any work starts (see
    :func:`geo_outreach.files.check_output_path`); the message names ``flag``."""
    from geo_outreach.files import check_output_path

    value = getattr(args, attr)
    if value is None or not str(value).strip():
        from geo_outreach.errors import InputError

        raise InputError(_("{flag}: give an output path").format(flag=flag), parameter=flag)
    return check_output_path(
        value,
        kind=kind,
        suffixes=suffixes,
        inputs=inputs,
        replace_dir_with_manifest=replace_dir_with_manifest,
        parameter=flag,
    )


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
        type=number(above=0.0, maximum=100_000.0),
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


#: Progress stages of the library (``progress(stage, done, total)``) as the CLI shows them.
_STAGES: dict[str, str] = {
    "need index": N_("need index"),
    "underserved score": N_("underserved score"),
    "done": N_("done"),
    "travel times": N_("travel times"),
}


def stage_label(stage: str) -> str:
    """A library progress stage in the current language (``walk travel times``); a stage
    this table does not know is shown as given."""
    if stage in _STAGES:
        return _(_STAGES[stage])
    mode, _sep, rest = stage.partition(" ")
    if rest == "network":
        return _("Road network {mode}").format(mode=_mode_words(mode))
    if rest == "travel times":
        return travel_times_label(mode)
    return stage


def _mode_words(mode: str) -> str:
    from geo_outreach.present.labels import mode_label

    return mode_label(mode)  # "by car", "on foot"; an unknown mode as given


def travel_times_label(mode: str) -> str:
    """The progress label of a travel-time search in ``mode``: ``Travel times on foot``."""
    return _("Travel times {mode}").format(mode=_mode_words(mode))


@contextmanager
def progress_bar(desc: str, *, enabled: bool | None = None) -> Iterator[Progress]:
    """Yield a ``progress(stage, done, total)`` callback drawing a tqdm bar on a terminal."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        yield lambda stage, done, total: None
        return
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit="search", file=sys.stderr, leave=False)

    def update(stage: str, done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
