"""``geo-outreach region``: describe a region, or write a manifest for your own data."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from geo_outreach.cli._common import (
    add_region_args,
    existing_file,
    number,
    open_from_args,
    print_json,
)
from geo_outreach.errors import InputError
from geo_outreach.i18n import _, format_people


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "region", help="region info, or init a region for your own data", description=__doc__
    )
    cmds = parser.add_subparsers(dest="region_command", metavar="ACTION", required=True)

    info = cmds.add_parser(
        "info",
        help="tracts, population, services by category, network size, off-network counts",
        description="Summarise a region: tracts, population, services by category, nodes and "
        "edges per mode, and how many tracts and services are on / off the road network.",
    )
    add_region_args(info)
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(func=run_info)

    init = cmds.add_parser(
        "init",
        help="write region.toml for your own network, tracts and services",
        description="Write DIR/region.toml pointing at your files, then load it once to "
        "validate them. Files are read, never modified.",
    )
    init.add_argument("dir", metavar="DIR", help="folder to write region.toml into")
    init.add_argument(
        "--network",
        required=True,
        type=existing_file,
        metavar="F",
        help="OSM road network: PBF (.osm.pbf, e.g. a Geofabrik extract) or XML (.osm/.osm.bz2)",
    )
    init.add_argument(
        "--tracts",
        required=True,
        type=existing_file,
        metavar="F",
        help="census units (GeoPackage, GeoJSON, Shapefile, CSV with lon/lat or WKT)",
    )
    init.add_argument(
        "--services",
        required=True,
        type=existing_file,
        metavar="F",
        help="service sites (same formats)",
    )
    init.add_argument("--name", help="region name (default: the folder name)")
    init.add_argument("--tracts-layer", metavar="L", help="layer inside the tracts file")
    init.add_argument("--services-layer", metavar="L", help="layer inside the services file")
    init.add_argument("--id-col", default="GEOID", metavar="C", help="unit id column (GEOID)")
    init.add_argument(
        "--population-col", default="E_TOTPOP", metavar="C", help="population column (E_TOTPOP)"
    )
    init.add_argument("--unit-name-col", metavar="C", help="unit name column (optional)")
    init.add_argument(
        "--site-id-col",
        metavar="C",
        help="site id column (default: ids derived from name, category, location)",
    )
    init.add_argument(
        "--category-col", default="category", metavar="C", help="site category column (category)"
    )
    init.add_argument(
        "--site-name-col", default="name", metavar="C", help="site name column (name)"
    )
    init.add_argument("--capacity-col", metavar="C", help="site capacity column (optional)")
    init.add_argument("--address-col", metavar="C", help="site address column (optional)")
    init.add_argument(
        "--attribution",
        default="Map data (c) OpenStreetMap contributors (ODbL)",
        help="attribution line printed on every map",
    )
    init.add_argument("--data-date", default="", help="date of the data, shown on maps")
    init.add_argument(
        "--timezone",
        metavar="ZONE",
        help="IANA time zone of calendars and times (default: the zone at the units' location)",
    )
    init.add_argument(
        "--unit-system",
        choices=["imperial", "metric"],
        help="distances shown to people (default: from the country)",
    )
    init.add_argument("--country", metavar="CC", help="ISO country code (default: from the zone)")
    init.add_argument(
        "--clip-buffer-m",
        type=number(minimum=0),
        default=5000.0,
        metavar="M",
        help="read the roads within this distance of the units' extent (default 5000 m)",
    )
    init.add_argument(
        "--need-column",
        metavar="C",
        help="use this numeric column of the units as the need index (e.g. svi2022_rpl_themes)",
    )
    init.add_argument(
        "--need-direction",
        choices=["higher", "lower"],
        default="higher",
        help="with --need-column: whether a higher value means more need (default higher)",
    )
    init.add_argument(
        "--need-method",
        metavar="M",
        help="need index of the region: cdc-svi, or a preset name (see `need --help`)",
    )
    init.add_argument("--overwrite", action="store_true", help="replace an existing region.toml")
    init.set_defaults(func=run_init)

    fetch = cmds.add_parser(
        "fetch",
        help="download a US place's roads, census tracts with ACS variables and services (online)",
        description="Fetch a region from public sources: OSM roads (Overpass), 2020 census "
        "tracts (Census cartographic boundaries), the ACS 5-year variables of the CDC SVI "
        "method (Census API; key optional: --census-key or GEO_OUTREACH_CENSUS_KEY) and OSM "
        "service sites; writes DIR with region.toml and provenance.json (source, date, "
        "licence per layer). Needs the internet; offline it stops within --timeout seconds.",
    )
    fetch.add_argument("place", metavar="PLACE", help="e.g. 'Franklin County, Ohio'")
    fetch.add_argument("-o", "--output", required=True, metavar="DIR", help="new region folder")
    fetch.add_argument("--census-key", default=None, metavar="KEY", help="Census API key")
    fetch.add_argument(
        "--timeout",
        type=number(minimum=1),
        default=10.0,
        metavar="S",
        help="seconds to wait for each answer (default 10)",
    )
    fetch.set_defaults(func=run_fetch)


def run_fetch(args: argparse.Namespace) -> int:
    from geo_outreach import config
    from geo_outreach.data.fetch import Fetcher, fetch_region

    manifest = fetch_region(
        args.place,
        args.output,
        census_key=args.census_key or config.census_key(),
        fetcher=Fetcher(timeout_s=float(args.timeout)),
    )
    print(manifest)
    return 0


def run_info(args: argparse.Namespace) -> int:
    ctx = open_from_args(args)
    info = ctx.info()
    if args.json:
        print_json(info)
        return 0
    title = info["title"] or info["region"]
    print(_("{title} (synthetic)").format(title=title) if info["synthetic"] else title)
    print("  " + _("manifest: {path}").format(path=info["manifest"]))
    print(
        "  "
        + _("time zone: {timezone}  units: {units}  country: {country}").format(
            timezone=info["timezone"], units=info["unit_system"], country=info["country"] or "?"
        )
    )
    print(
        "  "
        + _("tracts: {tracts}  population: {population}").format(
            tracts=info["tracts"], population=format_people(info["population"])
        )
    )
    print("  " + _("services: {n}").format(n=info["services"]))
    for cat, n in info["services_by_category"].items():
        print(f"    {cat}: {n}")
    for mode, net in info["network"].items():
        off = info["off_network_by_mode"]
        print(
            "  "
            + _(
                "{mode} network: {nodes} nodes, {edges} edges (dropped {dropped} nodes outside "
                "the largest strongly connected part); off-network: {tracts} tracts, "
                "{services} services (> {snap} m)"
            ).format(
                mode=mode,
                nodes=format_people(net["nodes"]),
                edges=format_people(net["edges"]),
                dropped=net["dropped_nodes"],
                tracts=off["tracts"][mode],
                services=off["services"][mode],
                snap=format_people(info["max_snap_m"]),
            )
        )
    for line in info["report"]:
        print("  " + _("note: {note}").format(note=line))
    return 0


def run_init(args: argparse.Namespace) -> int:
    from geo_outreach.data.region import init_region
    from geo_outreach.files import check_output_path

    target = Path(args.dir)
    check_output_path(target, kind="dir", replace_dir_with_manifest=False, parameter="DIR")
    manifest = target / "region.toml"
    if manifest.is_dir():
        raise InputError(
            _("DIR {dir}: {manifest} is a folder; remove it").format(dir=target, manifest=manifest),
            parameter="DIR",
        )
    if manifest.exists() and not args.overwrite:
        raise InputError(
            _("{manifest} already exists; pass --overwrite to replace it").format(
                manifest=manifest
            ),
            parameter="--overwrite",
        )
    from geo_outreach.network.graph import check_osm_file

    check_osm_file(args.network)  # PBF or not OSM at all: said now, not at the first use
    created = not target.exists()
    try:
        path = _init(args, init_region)
    except BaseException:
        if created and target.is_dir() and not any(target.iterdir()):
            target.rmdir()  # leave nothing behind
        raise
    print(path)
    return 0


def _init(args: argparse.Namespace, init_region: Any) -> Path:
    from geo_outreach.network.context import RegionNetworks

    def build_networks(region: object) -> None:
        # the networks of both modes must build (cached for the next command)
        RegionNetworks(region).load()  # type: ignore[arg-type]

    need = None
    if args.need_column:
        need = {"column": args.need_column, "direction": args.need_direction}
    elif args.need_method:
        key = "method" if args.need_method in ("cdc-svi", "custom") else "preset"
        need = {key: args.need_method}
    return init_region(
        args.dir,
        network=args.network,
        tracts=args.tracts,
        services=args.services,
        name=args.name,
        tracts_layer=args.tracts_layer,
        services_layer=args.services_layer,
        id_col=args.id_col,
        population_col=args.population_col,
        unit_name_col=args.unit_name_col,
        site_id_col=args.site_id_col,
        category_col=args.category_col,
        site_name_col=args.site_name_col,
        capacity_col=args.capacity_col,
        address_col=args.address_col,
        attribution=args.attribution,
        data_date=args.data_date,
        timezone=args.timezone,
        unit_system=args.unit_system,
        country=args.country,
        clip_buffer_m=args.clip_buffer_m,
        need=need,
        overwrite=args.overwrite,
        check=build_networks,
    )
