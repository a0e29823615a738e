"""``geo-outreach site``: where should the mobile units stop?"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from geo_outreach.cli._common import (
    add_region_args,
    check_output,
    existing_file,
    number,
    print_json,
    share,
    whole,
)
from geo_outreach.domain import MODES
from geo_outreach.errors import InputError
from geo_outreach.i18n import _, format_people, format_percent


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "site",
        help="choose mobile-unit stops that cover the most need (MCLP, LSCP, p-median)",
        description="Choose stops among candidates (the region's libraries, community and "
        "senior centres and food banks, plus nodes on major roads, or --candidates FILE) to "
        "cover the most need-weighted population within T minutes on the road network. Demand "
        "is counted at each tract's street nodes, so a partly covered tract counts partly. "
        "Writes the chosen stops (in order of marginal gain), their coverage areas and the "
        "tract coverage to a GeoPackage.",
    )
    add_region_args(parser)
    parser.add_argument(
        "--stops",
        "-p",
        type=whole(minimum=1, maximum=10_000),
        default=None,
        metavar="P",
        help="number of stops (required for mclp and pmedian)",
    )
    parser.add_argument(
        "--within-min",
        type=number(above=0.0, maximum=24 * 60.0),
        default=15.0,
        metavar="T",
        help="a stop covers demand within T minutes (15)",
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="walk",
        help="how people reach a stop: walk (default; people come on foot) or drive",
    )
    parser.add_argument("--model", choices=("mclp", "lscp", "pmedian"), default="mclp")
    parser.add_argument(
        "--equity-floor",
        type=share,
        default=None,
        metavar="X",
        help="cover at least X of the high-need population (0-1 or a percent)",
    )
    parser.add_argument(
        "--existing",
        metavar="CATEGORY",
        default=None,
        help="services of this category already cover demand near them",
    )
    parser.add_argument(
        "--candidates",
        metavar="FILE",
        type=existing_file,
        default=None,
        help="candidate stops (points; GeoPackage/GeoJSON/CSV with lon,lat)",
    )
    parser.add_argument(
        "--need", default="auto", help="need score: auto, cdc-svi, a preset, or column:NAME"
    )
    parser.add_argument(
        "--time-limit",
        type=number(above=0.0, maximum=7 * 24 * 3600.0),
        default=60.0,
        metavar="S",
        help="solver time limit in seconds (60)",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.gpkg",
        help="GeoPackage with layers stops, coverage, tracts",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print status, objective, gap, covered_population and stops",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import geo_outreach as go

    out = check_output(args, suffixes=(".gpkg",), inputs=(args.candidates,))
    if args.model in ("mclp", "pmedian") and args.stops is None:
        raise InputError(
            _("--stops P (a positive number) is required for --model {model}").format(
                model=args.model
            ),
            parameter="--stops",
        )
    if args.model == "lscp" and args.stops is not None:
        raise InputError(
            _(
                "--stops is not used by --model lscp (it finds the fewest stops that cover every "
                "tract within --within-min); leave --stops out, or use --model mclp"
            ),
            parameter="--stops",
        )
    floor = args.equity_floor
    region = go.open_region(args.region, max_snap_m=args.max_snap_m)
    stops = go.site_stops(
        region,
        None,
        p=args.stops,
        within_min=args.within_min,
        mode=args.mode,
        model=args.model,
        equity_floor=floor,
        existing=args.existing,
        candidates=args.candidates,
        need=args.need,
        time_limit_s=args.time_limit,
    )
    stops.save(out)
    summary = stops.summary() | {"output": str(args.output)}
    if args.json:
        print_json(summary)
        return 0
    names = {str(r["site_id"]): str(r.get("name") or "") for _i, r in stops.stops.iterrows()}
    _print_summary(summary, names, within_min=args.within_min, mode=args.mode)
    print(_("wrote {path}").format(path=args.output), file=sys.stderr)
    return 0


def _print_summary(
    summary: dict[str, Any], names: dict[str, str], *, within_min: float, mode: str
) -> None:
    """What a manager reads: how many people the stops reach (people, with their
    denominator), then each stop by name with the people it adds."""
    from geo_outreach.present.labels import mode_label, share_text, siting_summary

    cov = summary.get("coverage_after") or {}
    before = summary.get("coverage_before") or {}
    status = str(summary["status"])
    if status in ("optimal", "time_limit") and summary["model"] in ("mclp", "lscp"):
        print(
            siting_summary(
                stops=len(summary["stops"]),
                people=cov.get("population", 0) or 0,
                minutes=within_min,
                status=status,
            )
        )
    else:
        print(summary["message"])  # p-median: the engine's own words (average travel)
    share = cov.get("share")
    if share:
        total = (cov.get("population") or 0) / share
        print(
            _("within {minutes} min {mode}: {after} (before the new stops: {before})").format(
                minutes=f"{within_min:g}",
                mode=mode_label(mode),
                after=share_text(cov.get("population") or 0, total),
                before=format_percent(before.get("share", 0) or 0, decimals=1),
            )
        )
    for i, stop in enumerate(summary["stops"], 1):
        name = names.get(stop["site_id"]) or stop["site_id"]  # names, not internal ids
        gain = stop["gain_population"] if stop.get("gain_population") is not None else stop["gain"]
        print(
            _("{rank}. {name}: +{people} people").format(
                rank=f"{i:>3}", name=name, people=format_people(gain or 0)
            )
        )
