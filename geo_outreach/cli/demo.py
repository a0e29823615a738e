"""``geo-outreach demo``: build everything for the demo region and print a short summary."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from geo_outreach.cli._common import progress_bar
from geo_outreach.domain import MODES
from geo_outreach.files import atomic_file


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
    kind = "synthetic fallback" if info["synthetic"] else "real data"
    print(f"{info['title'] or info['region']} ({kind})")
    print(
        f"  {info['tracts']} tracts, population {info['population']:,.0f}; "
        f"{info['services']} services in {len(info['services_by_category'])} categories"
    )
    for mode in MODES:
        net = info["network"][mode]
        with progress_bar(f"{mode} travel times") as progress:
            od = ctx.tract_site_od(mode, progress=progress)
        path = out / f"tract_service_{mode}.parquet"
        with atomic_file(path) as tmp:
            od.to_parquet(tmp, index=False)
        off_t = info["off_network_by_mode"]["tracts"][mode]
        off_s = info["off_network_by_mode"]["services"][mode]
        nearest = od.groupby("origin_id")["travel_time_s"].min() / 60.0
        print(
            f"  {mode}: {net['nodes']:,} nodes, {net['edges']:,} edges; "
            f"{info['tracts'] - off_t} tracts and {info['services'] - off_s} services on the "
            f"network ({off_t} tracts, {off_s} services off it)"
        )
        if len(nearest):
            print(
                f"    nearest service: median {nearest.median():.1f} min, "
                f"worst {nearest.max():.1f} min; {len(od):,} tract-service pairs -> {path}"
            )
    print(f"  attribution: {info['attribution']}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0
