"""``geo-outreach impact``: what the field work reached, from the visit log.

Examples::

    geo-outreach impact --since 2024-05-01
    geo-outreach impact --json --plan stops.csv --units tracts.csv --underserved underserved.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from geo_outreach.i18n import _, format_people, format_percent

from .visits import add_db_arg, check_db

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``impact`` command."""
    parser = subparsers.add_parser(
        "impact",
        help="reach, referrals, follow-ups and planned vs done from the visit log",
        description=(
            "Summarise the visit log: people reached per tract and zone, share of the "
            "underserved population reached, referrals per category, open follow-ups and "
            "(with --plan) planned vs done. Voided visits never count."
        ),
    )
    parser.add_argument("--since", metavar="DATE", help="first visit date (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--plan", metavar="STOPS.csv", help="plan stops (visit_id, worker_id, date)"
    )
    parser.add_argument(
        "--units",
        metavar="FILE",
        help="units CSV/GeoPackage with unit_id (+ population, zone_id); a GeoPackage also "
        "places visits that only have lon/lat",
    )
    parser.add_argument(
        "--underserved",
        metavar="FILE.csv",
        help="underserved units (unit_id[, population][, underserved]) or zones (zone_id, unit_ids)",
    )
    add_db_arg(parser)
    parser.set_defaults(func=run)


def _table(path: str | None, what: str) -> Any:

    from geo_outreach.errors import InputError

    if not path:
        return None
    p = Path(path)
    if p.is_dir():
        raise InputError(
            _("{what} {path} is a folder; give a file").format(what=what, path=p), parameter=what
        )
    if not p.is_file():
        raise InputError(
            _("{what} {path}: file not found").format(what=what, path=p), parameter=what
        )
    if p.suffix.lower() in (".gpkg", ".geojson", ".shp"):
        import geopandas as gpd

        try:
            df = gpd.read_file(p)
        except Exception as exc:
            raise InputError(
                _("{what} {path}: cannot read it ({reason})").format(
                    what=what, path=p, reason=" ".join(str(exc).split())
                ),
                parameter=what,
            ) from None
    else:
        from geo_outreach.data.readers import read_csv_table

        df = read_csv_table(
            p, what=what, str_columns=("unit_id", "visit_id", "worker_id", "GEOID", "geoid")
        )
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "geoid" in df.columns and "unit_id" not in df.columns:
        df = df.rename(columns={"geoid": "unit_id"})
    return df


def run(args: argparse.Namespace) -> int:
    """Run ``geo-outreach impact``."""
    from geo_outreach.visits.impact import impact_summary
    from geo_outreach.visits.store import open_store

    from ._common import print_json

    check_db(args.db, must_exist=True)
    plan = _table(args.plan, "--plan")
    units = _table(args.units, "--units")
    under = _table(args.underserved, "--underserved")
    with open_store(args.db) as st:
        res = impact_summary(st, since=args.since, plan=plan, units=units, underserved=under)
    if args.json:
        print_json(res.to_dict())
        return 0
    t = res.totals
    counts = {
        "visits": t["visits"],
        "workers": t["workers"],
        "done": t["done"],
        "no_one_there": t["no_one_there"],
        "cancelled": t["cancelled"],
    }
    if res.since:
        line = _(
            "{visits} visit(s) since {since} by {workers} worker(s): {done} done, "
            "{no_one_there} no one there, {cancelled} cancelled"
        ).format(since=res.since, **counts)
    else:
        line = _(
            "{visits} visit(s) by {workers} worker(s): {done} done, {no_one_there} no one "
            "there, {cancelled} cancelled"
        ).format(**counts)
    print(line)
    print(
        _("people reached: {people}; referrals: {referrals}").format(
            people=t["people_reached"], referrals=t["referrals"]
        )
    )
    from geo_outreach.present.labels import category_label

    refs = ", ".join(
        f"{category_label(str(c))} {format_people(n)}"
        for c, n in zip(res.referrals["category"], res.referrals["referrals"], strict=True)
        if n
    )
    if refs:
        print("  " + _("by category: {referrals}").format(referrals=refs))
    u = res.underserved
    if u["units"]:
        print(
            _(
                "underserved units reached: {reached} of {units}; people reached {share} of "
                "their population ({share_in_reached} live in a reached unit)"
            ).format(
                reached=u["units_reached"],
                units=u["units"],
                share=format_percent(u["share_reached"], decimals=1),
                share_in_reached=format_percent(u["share_in_reached_units"], decimals=1),
            )
        )
    print(
        _("follow-ups open: {open} ({overdue} overdue)").format(
            open=t["followups_open"], overdue=t["followups_overdue"]
        )
    )
    if res.planned_totals:
        p = res.planned_totals
        print(
            _(
                "planned stops: {planned}: {done} done, {no_one_there} no one there, "
                "{cancelled} cancelled, {not_recorded} not recorded, {upcoming} upcoming"
            ).format(
                planned=p["planned"],
                done=p["done"],
                no_one_there=p["no_one_there"],
                cancelled=p["cancelled"],
                not_recorded=p["not_recorded"],
                upcoming=p["upcoming"],
            )
        )
    top = res.reach_by_unit[res.reach_by_unit["unit_id"] != ""].head(10)
    if len(top):
        print(_("top units by people reached:"))
        for _i, r in top.iterrows():
            print(
                "  "
                + _("{unit}: {people} in {visits} visit(s)").format(
                    unit=r["unit_id"], people=r["people_reached"], visits=r["visits"]
                )
            )
    return 0
