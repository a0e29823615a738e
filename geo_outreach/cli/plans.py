"""``geo-outreach plans``: publish plans to the team, list, show and export them.

Examples::

    geo-outreach plan --visits v.csv --workers w.csv -o out/plan
    geo-outreach plans publish out/plan --week-of 2026-03-04 --json   # week of Mon 2026-03-02
    geo-outreach plans list --json
    geo-outreach plans show 3 --json
    geo-outreach plans export 3 -o out/plan-3

Plans live in the team database (``--db URL``), the same as the visit log and the
accounts.  JSON shapes: docs/team.md.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from geo_outreach.cli._common import print_json
from geo_outreach.cli.users import cli_actor
from geo_outreach.cli.visits import add_db_arg
from geo_outreach.i18n import _

__all__ = ["publish_folder", "register", "run", "team_region_name"]


def team_region_name(region: str | None) -> str:
    """The name of the region ``--region`` names (default: the demo region)."""
    from geo_outreach.data.region import resolve_manifest

    return resolve_manifest(region).name


def register(subparsers: Any) -> None:
    """Add the ``plans`` command and its sub-commands."""
    parser = subparsers.add_parser(
        "plans",
        help="publish plans to the team; list, show and export stored plans",
        description="Plans in the team database (docs/team.md): publishing a week's plan "
        "supersedes the previous published plan of that week; nothing is deleted.",
    )
    sub = parser.add_subparsers(dest="plans_command", metavar="ACTION", required=True)
    p = sub.add_parser("publish", help="store a plan folder and publish it for its week")
    p.add_argument("plan_dir", metavar="PLAN_DIR", help="a folder written by `geo-outreach plan`")
    p.add_argument(
        "--week-of", required=True, metavar="YYYY-MM-DD", help="any date of the plan's week"
    )
    p.add_argument(
        "--region",
        metavar="DIR",
        default=None,
        help="the team's region (folder with region.toml); default: the demo region",
    )
    p.add_argument("--by", default=None, metavar="NAME", help="who publishes (audit trail)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_db_arg(p)
    p = sub.add_parser("list", help="list stored plans, newest first")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    add_db_arg(p)
    p = sub.add_parser("show", help="one plan with its routes and stops")
    p.add_argument("plan_id", metavar="ID", type=int)
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    add_db_arg(p)
    p = sub.add_parser("export", help="write a stored plan's files into a folder")
    p.add_argument("plan_id", metavar="ID", type=int)
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write")
    add_db_arg(p)
    parser.set_defaults(func=run)


def _print_plan(plan: dict[str, Any]) -> None:
    from geo_outreach.present.labels import day_label, reason_sentence, time_text

    print(
        _(
            "plan {id} ({status}), region {region}, week of {week_of}: {visits} visit(s) on "
            "{routes} route(s)"
        ).format(
            id=plan["id"],
            status=plan["status"],
            region=plan["region"],
            week_of=plan["week_of"],
            visits=plan["counts"]["visits"],
            routes=plan["counts"]["routes"],
        )
    )
    for r in plan["routes"]:
        worker = r.get("worker_name") or r["worker_id"]  # people read names
        print(
            "\n"
            + _("{worker}, {day} {date}").format(
                worker=worker, day=day_label(r["day"]), date=r["date"]
            )
        )
        for s in r["stops"]:
            when = f"{time_text(s['start'])}–{time_text(s['end'])}"
            print(f"  {s['seq']:>2}  {when}  {s['visit_id']}  {s['name']}  {s['address']}")
        for b in r["breaks"]:
            print(f"      {time_text(b['start'])}–{time_text(b['end'])}  " + _("break"))
    if plan["unscheduled"]:
        print("\n" + _("unscheduled: {n}").format(n=len(plan["unscheduled"])))
        for u in plan["unscheduled"]:
            why = reason_sentence(u["code"]) if u.get("code") else u["reason"]
            print(f"  {u['visit_id']}: {why}")


def publish_folder(
    folder: Any,
    *,
    week_of: str,
    region: str | None,
    db: str | None,
    by: str | None = None,
    region_dir: Any = None,
) -> dict[str, Any]:
    """Publish a plan folder for the week of ``week_of``; say so on stderr; return the plan.

    ``region_dir``: the ``--region`` given (folder or name; None: the demo region), whose
    street names describe visits without an address.
    """
    from geo_outreach.team import plans as pl
    from geo_outreach.team.streets import region_streets
    from geo_outreach.visits.store import open_store

    monday = pl.monday_of(week_of)
    pf = pl.read_plan_folder(folder, region=region)
    with open_store(db) as st:
        plan = pl.publish_plan(
            st, pf, week_of=monday, region=region, streets=region_streets(region_dir),
            actor=cli_actor(by),
        )  # fmt: skip
    given = str(week_of).strip()
    old = plan.get("superseded", [])
    fields = {
        "id": plan["id"],
        "monday": monday,
        "given": given,
        "visits": plan["counts"]["visits"],
        "routes": plan["counts"]["routes"],
    }
    if given == monday.isoformat():
        line = _(
            "published plan {id} for the week of {monday}: {visits} visit(s) on {routes} route(s)"
        ).format(**fields)
    else:
        line = _(
            "published plan {id} for the week of {monday} ({given} is in the week of Monday "
            "{monday}): {visits} visit(s) on {routes} route(s)"
        ).format(**fields)
    if old:
        line += "; " + _("superseded plan {ids}").format(ids=", ".join(map(str, old)))
    print(line, file=sys.stderr)
    return plan


def run(args: argparse.Namespace) -> int:
    """Run ``geo-outreach plans ACTION``."""
    from geo_outreach.team import plans as pl
    from geo_outreach.visits.store import open_store

    action = args.plans_command
    if action == "publish":
        plan = publish_folder(
            args.plan_dir,
            week_of=args.week_of,
            region=team_region_name(args.region),
            db=args.db,
            by=args.by,
            region_dir=args.region,
        )
        if args.json:
            print_json(plan)
        return 0
    with open_store(args.db) as st:
        if action == "list":
            plans = pl.list_plans(st, actor=cli_actor())
            if args.json:
                print_json(plans)
            else:
                for p in plans:
                    routes = _("{n} route(s)").format(n=p["routes"])
                    visits = _("{n} visit(s)").format(n=p["visits"])
                    print(
                        f"{p['id']}\t{p['week_of']}\t{p['status']}\t{p['region']}\t"
                        f"{routes}\t{visits}"
                    )
        elif action == "show":
            plan = pl.get_plan(st, args.plan_id, actor=cli_actor())
            if args.json:
                print_json(plan)
            else:
                _print_plan(plan)
        elif action == "export":
            out = pl.export_plan(st, args.plan_id, args.output, actor=cli_actor())
            print(_("wrote plan {id} to {path}").format(id=args.plan_id, path=out), file=sys.stderr)
    return 0
