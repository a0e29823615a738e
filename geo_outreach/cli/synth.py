"""``geo-outreach synth``: write a seeded synthetic region (network, tracts, services).

Examples::

    geo-outreach synth out/synthetic --nodes 5000 --seed 42
    geo-outreach --region out/synthetic demo        # then use it like any region
    geo-outreach synth out/uppsala --country SE     # Swedish-style statistical areas
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from geo_outreach.cli._common import seed, whole
from geo_outreach.i18n import _

__all__ = ["register", "run"]

logger = logging.getLogger(__name__)


def _center(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected LON,LAT such as -122.65,45.52, got {text}").format(text=repr(text))
        ) from None
    return lon, lat


def register(subparsers: Any) -> None:
    """Add the ``synth`` command to the CLI."""
    parser = subparsers.add_parser(
        "synth",
        help="write a synthetic region (street network, census tracts, services) to a folder",
        description=(
            "Generate a realistic-looking synthetic city: OSM XML street network with "
            "arterials, residential grids, one-way streets, footpaths, a park and a river; "
            "census tracts with CDC SVI columns (poorer east side); service sites. The folder "
            "gets a region.toml and works with --region like any real region. The same "
            "--seed and --nodes always give identical files."
        ),
    )
    parser.add_argument("dir", metavar="DIR", help="output folder (created; must be empty)")
    parser.add_argument(
        "--nodes",
        type=whole(minimum=200, maximum=5_000_000),
        default=5000,
        metavar="N",
        help="approximate number of OSM nodes (within 10%%; default 5000)",
    )
    parser.add_argument(
        "--seed", type=seed, default=0, metavar="S", help="random seed (0 to 2**64-1; default 0)"
    )
    parser.add_argument(
        "--center",
        type=_center,
        default=None,
        metavar="LON,LAT",
        help="centre of the region (default -122.65,45.52; with --country SE 17.64,59.86)",
    )
    parser.add_argument(
        "--country",
        type=str.upper,
        choices=("US", "SE"),
        default="US",
        help="US: census tracts with CDC SVI columns (default); SE: Swedish-style statistical "
        "areas (deso_kod, folkmangd and need variables such as andel_lag_ek_standard), "
        "metric units, Europe/Stockholm",
    )
    parser.add_argument(
        "--need-variables",
        default="",
        metavar="COL:W,...",
        help="the need index written to region.toml as [need] variables: columns of the "
        "areas with weights (negative: lower means more need); default with --country SE: "
        "andel_lag_ek_standard:1,andel_arbetslosa:1,median_inkomst_tkr:-1",
    )
    parser.add_argument(
        "--outside-sites",
        type=whole(minimum=0, maximum=10_000),
        default=0,
        metavar="K",
        help="also place K service sites 2-5 km outside the region (for testing; default 0)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the region files in a non-empty DIR (other files are kept)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate the region and print the manifest's path."""
    from geo_outreach.data.synth import generate_region
    from geo_outreach.errors import InputError
    from geo_outreach.files import atomic_dir, check_output_path

    target = Path(args.dir)
    check_output_path(target, kind="dir", replace_dir_with_manifest=False, parameter="DIR")
    options = {
        "nodes": args.nodes,
        "seed": args.seed,
        "center": args.center,
        "outside_sites": args.outside_sites,
        "country": args.country,
        "need_variables": args.need_variables,
    }
    if target.is_dir() and any(target.iterdir()):
        if not args.overwrite:
            raise InputError(
                _(
                    "DIR {dir} is not empty; give a new or empty folder, or pass --overwrite "
                    "to replace its region files"
                ).format(dir=target),
                parameter="DIR",
            )
        manifest = generate_region(target, overwrite=True, **options)
    else:  # a new region appears whole or not at all (Ctrl-C leaves nothing)
        with atomic_dir(target) as tmp:
            generate_region(tmp, overwrite=True, **options)
        manifest = target / "region.toml"
    print(manifest)
    return 0
