"""``geo-outreach demo``: build everything for the demo region and print a short summary."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from geo_outreach.cli._common import progress_bar, travel_times_label
from geo_outreach.domain import MODES
from geo_outreach.files import atomic_file
from geo_outreach.i18n import _, format_decimal, format_people


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "demo",
        help="build networks and travel times for the demo region and summarise them",
        description="Load the demo region (real data from ../shared/data when present, else a "
        "synthetic region), build and cache the drive and walk networks, compute tract-to-service "
        "travel times and write them under OUT_DIR.",
    )
    parser.add_argument(
        "--region", metavar="DIR", default=None, help="another region instead of the demo"
    )
    parser.add_argument(
        "-o",
        "--output-dir",
        default="out/demo",
        metavar="OUT_DIR",
        help="where to write outputs (default out/demo)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from geo_outreach.network.context import open_region

    t0 = time.perf_counter()
    ctx = open_region(args.region)
    ctx.load()
    info = ctx.info()
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    kind = _("synthetic fallback") if info["synthetic"] else _("real data")
    print(f"{info['title'] or info['region']} ({kind})")
    print(
        "  "
        + _(
            "{tracts} tracts, population {population}; {services} services in "
            "{categories} categories"
        ).format(
            tracts=info["tracts"],
            population=format_people(info["population"]),
            services=info["services"],
            categories=len(info["services_by_category"]),
        )
    )
    for mode in MODES:
        net = info["network"][mode]
        with progress_bar(travel_times_label(mode)) as progress:
            od = ctx.tract_site_od(mode, progress=progress)
        path = out / f"tract_service_{mode}.parquet"
        with atomic_file(path) as tmp:
            od.to_parquet(tmp, index=False)
        off_t = info["off_network_by_mode"]["tracts"][mode]
        off_s = info["off_network_by_mode"]["services"][mode]
        nearest = od.groupby("origin_id")["travel_time_s"].min() / 60.0
        print(
            "  "
            + _(
                "{mode}: {nodes} nodes, {edges} edges; {tracts} tracts and {services} services "
                "on the network ({off_tracts} tracts, {off_services} services off it)"
            ).format(
                mode=mode,
                nodes=format_people(net["nodes"]),
                edges=format_people(net["edges"]),
                tracts=info["tracts"] - off_t,
                services=info["services"] - off_s,
                off_tracts=off_t,
                off_services=off_s,
            )
        )
        if len(nearest):
            print(
                "    "
                + _(
                    "nearest service: median {median} min, worst {worst} min; {pairs} "
                    "tract-service pairs -> {path}"
                ).format(
                    median=format_decimal(nearest.median(), decimals=1),
                    worst=format_decimal(nearest.max(), decimals=1),
                    pairs=format_people(len(od)),
                    path=path,
                )
            )
    print("  " + _("attribution: {attribution}").format(attribution=info["attribution"]))
    print(
        _("done in {seconds} s").format(
            seconds=format_decimal(time.perf_counter() - t0, decimals=1)
        )
    )
    return 0
