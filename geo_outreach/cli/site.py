"""``geo-outreach site``: where should the mobile units stop?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo_outreach.cli._common import (
    add_region_args,
    check_output,
    existing_file,
    number,
    open_from_args,
    print_json,
    share,
    whole,
)
from geo_outreach.errors import InputError, NoSolutionError


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
        choices=("drive", "walk"),
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
    check_output(args, suffixes=(".gpkg",), inputs=(args.candidates,))
    out = Path(args.output)
    if args.model in ("mclp", "pmedian") and args.stops is None:
        raise InputError(
            f"--stops P (a positive number) is required for --model {args.model}",
            parameter="--stops",
        )
    if args.model == "lscp" and args.stops is not None:
        raise InputError(
            "--stops is not used by --model lscp (it finds the fewest stops that cover every "
            "tract within --within-min); leave --stops out, or use --model mclp",
            parameter="--stops",
        )
    floor = args.equity_floor
    from geo_outreach.analysis.pipeline import compute_region_need
    from geo_outreach.optimize.site_region import (
        coverage_areas,
        siting_inputs,
        solve_on_region,
        stops_frame,
    )
    from geo_outreach.present.layers import write_gpkg_layers

    ctx = open_from_args(args)
    need, need_label = compute_region_need(ctx.region.units, args.need)
    cutoff_s = max(3600.0, args.within_min * 60.0 * 2)
    inputs = siting_inputs(ctx, args.mode, candidates=args.candidates, cutoff_s=cutoff_s)
    result = solve_on_region(
        ctx,
        inputs,
        need,
        model=args.model,
        p=args.stops,
        max_time_min=args.within_min,
        equity_floor=floor,
        existing_category=args.existing,
        time_limit_s=args.time_limit,
    )
    if not len(result.stops) or result.status not in ("optimal", "time_limit"):
        raise NoSolutionError(f"no stops: {result.message or result.status}")
    stops = stops_frame(inputs, result)
    areas = coverage_areas(ctx, inputs, result)
    units = result.units.drop(columns=[c for c in ("population",) if c in result.units.columns])
    tracts = ctx.region.units[["unit_id", "name", "population", "geometry"]].merge(
        units, on="unit_id", how="left"
    )
    layers = {"stops": stops}
    if len(areas):
        layers["coverage"] = areas
    layers["tracts"] = tracts
    write_gpkg_layers(out, layers)
    summary = result.to_json_dict()
    summary.update(
        output=str(out),
        need_method=need_label,
        mode=args.mode,
        candidates=len(inputs.candidates),
        off_network_tracts=len(ctx.origins(args.mode).off_network),
    )
    if args.json:
        print_json(summary)
        return 0
    print(
        f"{result.model.upper()} ({result.status}, gap {summary['gap'] or 0:.2%}): "
        f"{result.message}".rstrip(": ")
    )
    cov = summary.get("coverage_after") or {}
    before = summary.get("coverage_before") or {}
    if cov.get("share") is not None:
        print(
            f"covered population within {args.within_min:g} min by {args.mode}: "
            f"{before.get('share', 0) or 0:.1%} before -> {cov['share']:.1%} after"
        )
    for i, stop in enumerate(summary["stops"], 1):
        print(f"{i:>3}. {stop['site_id']}: +{stop['gain']:,.0f} ({stop.get('reason') or ''})")
    print(f"wrote {out}", file=sys.stderr)
    return 0
