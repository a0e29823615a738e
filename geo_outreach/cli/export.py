"""``geo-outreach export map|packet|data``: coverage maps, a worker's field packet, data files."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo_outreach.cli._common import (
    add_region_args,
    check_output,
    existing_file,
    open_from_args,
    print_json,
    whole,
)
from geo_outreach.errors import InputError
from geo_outreach.i18n import LANGUAGES, _, format_date, format_people


def register(sub: argparse._SubParsersAction) -> None:
    from geo_outreach.present.static_map import LAYERS, PAGE_SIZES, SCHEMES

    parser = sub.add_parser(
        "export",
        help="coverage maps (PNG/PDF/SVG/HTML), a worker's field packet, data files",
        description="Export maps for community meetings, a worker's printable day packet, and "
        "the analysis layers as GIS files. Everything works offline.",
    )
    cmds = parser.add_subparsers(dest="export_command", metavar="WHAT")

    mp = cmds.add_parser(
        "map",
        help="coverage map as PNG, PDF, SVG (printable) or one offline HTML file",
        description="Draw need / access choropleths with stops, routes and services over the "
        "road network. The format follows the output suffix. need/access come from "
        "--analysis OUT.gpkg (from geo-outreach analyze) or from running the analysis.",
    )
    add_region_args(mp)
    mp.add_argument("-o", "--output", required=True, metavar="OUT.{png,pdf,svg,html}")
    mp.add_argument(
        "--layers", default="need", help=f"comma-separated, from {','.join(LAYERS)} (default need)"
    )
    mp.add_argument("--title", default=None, help="map title (default: the region's title)")
    mp.add_argument("--subtitle", default="")
    mp.add_argument("--notes", default="", help="text of a notes box (use \\n for new lines)")
    _add_layer_sources(mp)
    mp.add_argument(
        "--access-column",
        default=None,
        help="column of the access layer (default tt_nearest_<clinic>_drive_min)",
    )
    mp.add_argument("--size", default="a4-landscape", choices=sorted(PAGE_SIZES))
    mp.add_argument("--scheme", default="quantiles", choices=sorted(SCHEMES))
    mp.add_argument(
        "--k",
        type=whole(minimum=2, maximum=9),
        default=5,
        help="number of classes (2-9, default 5)",
    )
    mp.add_argument(
        "--palette",
        default="viridis",
        help="sequential colormap: viridis (default), cividis, magma, YlGnBu, Blues...",
    )
    mp.add_argument(
        "--dpi",
        type=whole(minimum=50, maximum=1200),
        default=200,
        help="PNG resolution (50-1200, default 200)",
    )
    mp.add_argument("--no-roads", action="store_true", help="leave out the road base layer")
    mp.add_argument(
        "--lang",
        default=None,
        choices=list(LANGUAGES),
        help="language of the legend, titles and footer (default: GEO_OUTREACH_LANG, else the "
        "region's language, else en)",
    )
    mp.add_argument("--json", action="store_true", help="print a JSON summary")
    mp.set_defaults(func=run_map)

    pk = cmds.add_parser(
        "packet",
        help="a worker's day: PDF route sheet, GPX, ICS calendar, offline HTML map",
        description="Write the field packet of one worker and day of a plan folder. A weekday "
        "day (Mon..Sun) becomes the first such date on or after --week-of (default: next "
        "Monday); calendar times are in --timezone.",
    )
    pk.add_argument("--plan", required=True, metavar="DIR", help="plan folder (stops.csv ...)")
    pk.add_argument("--worker", required=True, help="worker_id")
    pk.add_argument("--day", required=True, help="plan day: Mon..Sun or YYYY-MM-DD")
    pk.add_argument("-o", "--output", required=True, metavar="OUT_DIR")
    pk.add_argument(
        "--week-of",
        default=None,
        metavar="YYYY-MM-DD",
        help="date in/starting the week (default: next Monday)",
    )
    pk.add_argument(
        "--timezone",
        default=None,
        help="IANA time zone of the plan's times (default: the --region's zone, else the "
        "plan's, else the zone at its stops)",
    )
    pk.add_argument(
        "--region",
        default=None,
        metavar="DIR",
        help="region whose roads are drawn on the maps and whose attribution is "
        "printed (default: no road layer)",
    )
    pk.add_argument("--max-snap-m", type=float, default=500.0, help=argparse.SUPPRESS)
    pk.add_argument(
        "--page",
        default=None,
        choices=["letter", "a4"],
        help="paper (default: the region's country's, Letter in the US and A4 elsewhere)",
    )
    pk.add_argument(
        "--lang",
        default=None,
        choices=list(LANGUAGES),
        help="language of the sheet, calendar and map texts (default: GEO_OUTREACH_LANG, else "
        "the region's language, else en); ids, GPX keys and times are not translated",
    )
    pk.add_argument("--no-html", action="store_true", help="skip the HTML map")
    pk.add_argument("--json", action="store_true", help="print a JSON summary")
    pk.set_defaults(func=run_packet)

    dp = cmds.add_parser(
        "data",
        help="GeoPackage, GeoJSON and CSV of every analysis and plan layer",
        description="Write layers tracts, zones, services, stops, routes (those available) to "
        "OUT_DIR/geo_outreach.gpkg, OUT_DIR/<layer>.geojson and OUT_DIR/<layer>.csv. Column "
        "names are documented in docs/exports.md.",
    )
    add_region_args(dp)
    dp.add_argument("-o", "--output", required=True, metavar="OUT_DIR")
    _add_layer_sources(dp)
    dp.add_argument("--formats", default="gpkg,geojson,csv")
    dp.add_argument("--json", action="store_true", help="print a JSON list of files")
    dp.set_defaults(func=run_data)

    parser.set_defaults(func=lambda args: (parser.print_help(), 0)[1])


def _add_layer_sources(parser: argparse.ArgumentParser) -> None:
    """``--analysis``, ``--stops`` and ``--plan``: where ``map`` and ``data`` read their layers
    (``go.coverage_map`` and ``go.export_data``)."""
    parser.add_argument(
        "--analysis",
        metavar="OUT.gpkg",
        type=existing_file,
        default=None,
        help="tracts/zones written by geo-outreach analyze (else the analysis runs)",
    )
    parser.add_argument(
        "--stops",
        metavar="FILE",
        type=existing_file,
        default=None,
        help="stops layer: GeoPackage, GeoJSON or CSV with lon/lat",
    )
    parser.add_argument(
        "--plan",
        metavar="DIR",
        default=None,
        help="plan folder from geo-outreach plan (stops and routes layers)",
    )


def run_map(args: argparse.Namespace) -> int:
    import geo_outreach as go
    from geo_outreach.present.exports import FORMATS

    check_output(args, suffixes=tuple(f".{f}" for f in FORMATS), inputs=(args.analysis, args.stops))
    out = Path(args.output)
    layers = [x.strip().lower() for x in args.layers.split(",") if x.strip()]
    result = go.coverage_map(
        open_from_args(args),
        args.analysis,
        stops=args.stops,
        plan=args.plan,
        out=out,
        layers=layers or [args.layers],
        title=args.title,
        roads=not args.no_roads,
        access_column=args.access_column,
        subtitle=args.subtitle,
        notes=args.notes.replace("\\n", "\n"),
        size=args.size,
        scheme=args.scheme,
        k=args.k,
        palette=args.palette,
        dpi=args.dpi,
        lang=args.lang,
    )
    summary = {
        "output": str(out),
        "format": result.format,
        "bytes": len(result.data),
        "layers": layers,
    }
    if result.static is not None:
        summary["classes"] = {k: list(v.labels) for k, v in result.static.classes.items()}
    if args.json:
        print_json(summary)
    else:
        print(
            _("wrote {path} ({size} kB)").format(
                path=out, size=format_people(len(result.data) / 1024)
            )
        )
    return 0


def run_packet(args: argparse.Namespace) -> int:
    import geo_outreach as go

    if not Path(args.plan).is_dir():
        raise InputError(
            (
                _("--plan {plan}: is a file; give the plan folder (written by geo-outreach plan)")
                if Path(args.plan).exists()
                else _("--plan {plan}: not found (written by geo-outreach plan)")
            ).format(plan=args.plan),
            parameter="--plan",
        )
    check_output(args, kind="dir", inputs=(args.plan,), replace_dir_with_manifest=False)
    if Path(args.output).resolve() == Path(args.plan).resolve():
        raise InputError(_("-o is the plan folder; write the packet elsewhere"), parameter="-o")

    packet = go.field_packet(
        args.plan,
        worker=args.worker,
        day=args.day,
        out=args.output,
        region=open_from_args(args) if args.region else None,
        week_of=args.week_of or None,
        timezone=args.timezone,
        page=args.page,
        html=not args.no_html,
        lang=args.lang,
    )
    if args.json:
        print_json(
            {
                "date": packet.date.isoformat(),
                "visits": int(
                    (~packet.stops["kind"].isin({"break", "start", "end", "depot"})).sum()
                ),
                "files": [str(p) for p in packet.paths],
            }
        )
    else:
        day = format_date(packet.date, form="EEEE yyyy-MM-dd")
        print(_("{worker} on {date}:").format(worker=args.worker, date=day))
        for p in packet.paths:
            print("  " + _("wrote {path}").format(path=p))
    return 0


def run_data(args: argparse.Namespace) -> int:
    import geo_outreach as go

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    check_output(
        args,
        kind="dir",
        inputs=(args.analysis, args.stops, args.plan),
        replace_dir_with_manifest=False,  # files of other layers in it are kept
    )
    written = go.export_data(
        open_from_args(args),
        args.output,
        analysis=args.analysis,
        stops=args.stops,
        plan=args.plan,
        formats=formats,
    )
    files = [str(p) for ps in written.values() for p in ps]
    if args.json:
        print_json({"files": files})
    else:
        for f in files:
            print(_("wrote {path}").format(path=f))
    return 0
