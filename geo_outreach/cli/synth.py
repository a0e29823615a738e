"""``geo-outreach synth``: write a seeded synthetic region (network, tracts, services).

Examples::

    geo-outreach synth out/synthetic --nodes 5000 --seed 42
    geo-outreach --region out/synthetic demo        # then use it like any region
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

__all__ = ["register", "run"]

logger = logging.getLogger(__name__)


def _center(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected LON,LAT such as -122.65,45.52, got {text!r}"
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
        type=int,
        default=5000,
        metavar="N",
        help="approximate number of OSM nodes (within 10%%; default 5000)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    parser.add_argument(
        "--center",
        type=_center,
        default=(-122.65, 45.52),
        metavar="LON,LAT",
        help="centre of the region (default -122.65,45.52)",
    )
    parser.add_argument(
        "--outside-sites",
        type=int,
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

    manifest = generate_region(
        args.dir,
        nodes=args.nodes,
        seed=args.seed,
        center=args.center,
        overwrite=args.overwrite,
        outside_sites=args.outside_sites,
    )
    print(manifest)
    return 0
