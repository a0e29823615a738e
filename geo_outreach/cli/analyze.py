"""``geo-outreach analyze``: need, access and underserved areas of a region, as a GeoPackage."""

from __future__ import annotations

import argparse
import sys

from geo_outreach.cli._common import (
    add_region_args,
    check_output,
    number,
    print_json,
    share,
    stage_label,
)
from geo_outreach.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "analyze",
        help="need index, access per category and mode, ranked underserved tracts and zones",
        description="Score need (CDC SVI method when the tracts carry the EP_ columns), measure "
        "network access to every service category by car and on foot, rank tracts by need x "
        "poor access with a reason sentence each, and dissolve neighbouring underserved tracts "
        "into zones. Writes layers 'tracts' and 'zones' to a GeoPackage. Tracts off the road "
        "network are flagged (off_network) and never ranked.",
    )
    add_region_args(parser)
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.gpkg",
        help="GeoPackage to write (layers tracts, zones); a name ending in .parquet writes a "
        "folder of partitioned GeoParquet layers instead (for large runs)",
    )
    parser.add_argument(
        "--need", default="auto", help="auto (default), cdc-svi, a preset name, or column:NAME"
    )
    parser.add_argument("--modes", default="drive,walk", help="comma-separated modes")
    parser.add_argument(
        "--categories", default=None, help="comma-separated service categories (default: all)"
    )
    parser.add_argument(
        "--within-min",
        type=number(above=0.0, maximum=24 * 60.0),
        default=15.0,
        help="count services within this many minutes (15)",
    )
    parser.add_argument(
        "--beyond-min",
        type=number(above=0.0, maximum=24 * 60.0),
        default=30.0,
        help="share of a tract beyond this many minutes of the nearest (30)",
    )
    parser.add_argument(
        "--cutoff-min",
        type=number(above=0.0, maximum=24 * 60.0),
        default=60.0,
        help="stop searching at this many minutes (60)",
    )
    parser.add_argument(
        "--top-share",
        type=share,
        default=0.2,
        help="share of ranked tracts flagged underserved (0.2)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--cluster",
        metavar="local:N",
        default=None,
        help="run the travel-time searches on a Dask LocalCluster of N single-threaded worker "
        "processes; same numbers as without (needs the [scale] extra, docs/scale.md)",
    )
    where.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        default=None,
        help="run the travel-time searches on an existing Dask cluster (dask-jobqueue, "
        "Kubernetes, `dask scheduler`); same numbers as without",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a JSON summary with the top 10 tracts and their reasons",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import geo_outreach as go

    cluster = args.cluster or args.scheduler
    if cluster is not None:  # before any work: a bad address or missing dask exits 2 at once
        from geo_outreach.network.cluster import parse_cluster, require_dask

        flag = "--cluster" if args.cluster else "--scheduler"
        kind, _address = parse_cluster(cluster)
        if (kind == "local") != bool(args.cluster):
            from geo_outreach.errors import InputError

            raise InputError(
                _("{flag} {cluster}: use --cluster local:N or --scheduler tcp://HOST:PORT").format(
                    flag=flag, cluster=cluster
                ),
                parameter=flag,
            )
        require_dask(flag)
    parquet = str(args.output).lower().rstrip("/").endswith(".parquet")
    if parquet:  # a folder of partitioned GeoParquet layers (docs/scale.md)
        out = check_output(args, kind="dir")
    else:
        out = check_output(args, suffixes=(".gpkg", ".parquet"))
    modes = tuple(m.strip() for m in args.modes.split(",") if m.strip())
    categories = (
        tuple(c.strip() for c in args.categories.split(",") if c.strip())
        if args.categories
        else None
    )
    show = sys.stderr.isatty() and not args.json

    def progress(stage: str, done: int, total: int) -> None:
        if show:
            print(
                f"\r[{done / total:4.0%}] {stage_label(stage):<30}",
                end="",
                file=sys.stderr,
                flush=True,
            )

    region = go.open_region(args.region, max_snap_m=args.max_snap_m)
    analysis = go.analyze(
        region,
        need=args.need,
        modes=modes,
        categories=categories,
        within_min=args.within_min,
        beyond_min=args.beyond_min,
        cutoff_min=args.cutoff_min,
        top_share=args.top_share,
        progress=progress,
        cluster=cluster,
    )
    if show:
        print(file=sys.stderr)
    if parquet:
        from geo_outreach.present.geoparquet import write_geoparquet_folder

        write_geoparquet_folder(
            out,
            {"tracts": analysis.tracts, "zones": analysis.zones},
            meta={"summary": analysis.summary()},
        )
    else:
        analysis.save(out)
    s = analysis.summary()
    if args.json:
        print_json(s | {"output": str(args.output)})
    else:
        print(
            _(
                "{tracts} tracts: {ranked} ranked, {off} off the road network (not ranked), "
                "{underserved} underserved in {zones} zones"
            ).format(
                tracts=s["tracts"],
                ranked=s["ranked"],
                off=s["off_network"],
                underserved=s["underserved"],
                zones=s["zones"],
            )
        )
        print(_("need: {method}").format(method=s["need_method"]))
        for row in s["top"]:
            print(f"{row['rank']:>3}. {row['name']} ({row['unit_id']}): {row['reason']}")
        print(_("wrote {path}").format(path=args.output))
    return 0
