"""``geo-outreach matrix``: travel times between tracts and services as a long table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo_outreach.cli._common import (
    add_region_args,
    check_output,
    number,
    open_from_args,
    progress_bar,
    travel_times_label,
)
from geo_outreach.domain import MODES
from geo_outreach.errors import InputError
from geo_outreach.files import atomic_file
from geo_outreach.i18n import _, format_people

_SIDES = ("tracts", "services")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "matrix",
        help="travel-time table origin_id, dest_id, travel_time_s, dist_m",
        description="Network travel times (seconds) and distances (metres) as a long table. A "
        "tract's time is the mean over its origin nodes (its own streets); a pair is written "
        "only when every origin reaches the destination within the cutoff. Off-network tracts "
        "and services are left out and counted on stderr.",
    )
    add_region_args(parser)
    parser.add_argument("--from", dest="origins", choices=_SIDES, default="tracts")
    parser.add_argument("--to", dest="dests", choices=_SIDES, default="services")
    parser.add_argument("--mode", choices=MODES, default="drive")
    parser.add_argument(
        "--cutoff-min",
        type=number(above=0.0, maximum=24 * 60.0),
        metavar="M",
        help="leave out pairs slower than M minutes",
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="output file, .parquet or .csv"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_output(args, suffixes=(".csv", ".parquet"))
    out = Path(args.output)
    if args.dests != "services":
        raise InputError(
            _("only --to services is supported (tracts or services -> services)"), parameter="--to"
        )
    ctx = open_from_args(args)
    cutoff_s = None if args.cutoff_min is None else args.cutoff_min * 60.0
    from geo_outreach.network.traveltime import od_table

    snap = ctx.origins(args.mode)
    sites = ctx.site_nodes(args.mode)
    on_sites = sites[sites["on_network"]]
    with progress_bar(travel_times_label(args.mode)) as progress:
        if args.origins == "tracts" and args.dests == "services":
            table = ctx.tract_site_od(args.mode, cutoff_s=cutoff_s, progress=progress)
        elif args.origins == "services" and args.dests == "services":
            table = od_table(
                ctx.network(args.mode),
                on_sites[["site_id", "node_id"]],
                on_sites[["site_id", "node_id"]],
                cutoff_s=cutoff_s,
                progress=progress,
            )
        else:
            raise InputError(
                _("only --to services is supported (tracts or services -> services)"), source="--to"
            )
    with atomic_file(out) as tmp:
        if out.suffix.lower() == ".csv":
            table.to_csv(tmp, index=False)
        else:
            table.to_parquet(tmp, index=False)
    print(
        _(
            "wrote {pairs} pairs to {path} ({mode}; left out {tracts} off-network tracts and "
            "{services} off-network services)"
        ).format(
            pairs=format_people(len(table)),
            path=out,
            mode=args.mode,
            tracts=len(snap.off_network),
            services=int((~sites["on_network"]).sum()),
        ),
        file=sys.stderr,
    )
    return 0
