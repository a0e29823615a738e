"""``geo-outreach visits``: import, export, back up, void and inspect the visit log.

Examples::

    geo-outreach visits import day.csv --by supervisor
    geo-outreach visits export visits.csv --since 2024-05-01
    geo-outreach visits backup ~/backups/
    geo-outreach visits void 3f2a... --by supervisor --reason "entered twice"
    geo-outreach visits history 3f2a...

The database is ``GEO_OUTREACH_DB_URL`` or ``--db URL`` (``postgresql://...`` for a team),
else the SQLite file in ``GEO_OUTREACH_HOME`` (see docs/visits.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = ["add_db_arg", "check_db", "register", "run"]

#: Actions that only read the log: a --db that names no existing log is a typo.
_READ_ACTIONS = frozenset({"export", "backup", "void", "history"})


def add_db_arg(parser: argparse.ArgumentParser) -> None:
    """Add ``--db URL``."""
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="database URL (sqlite:///file.sqlite or postgresql://user@host/db); default "
        "GEO_OUTREACH_DB_URL, else visits.sqlite in GEO_OUTREACH_HOME "
        "(~/.local/share/geo_outreach)",
    )


def check_db(url: str | None, *, must_exist: bool) -> None:
    """Refuse a ``--db`` SQLite path in a folder that does not exist (a typo would create
    folders and a new empty log), and, for commands that only read, a file that does not
    exist. Other URLs are checked when the store opens them."""
    if not url:
        return
    import sqlalchemy as sa

    from geo_outreach.errors import InputError

    try:
        u = sa.make_url(url)
    except sa.exc.ArgumentError:
        return  # open_store explains
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return
    db = Path(u.database).expanduser()
    if db.is_dir():
        raise InputError(
            _("--db {url}: {path} is a folder; name the SQLite file, e.g. {example}").format(
                url=url, path=db, example=f"sqlite:///{db / 'visits.sqlite'}"
            ),
            parameter="--db",
        )
    if not db.parent.is_dir():
        raise InputError(
            _(
                "--db {url}: folder {folder} does not exist; check the path (a new visit log "
                "is only created in an existing folder)"
            ).format(url=url, folder=db.parent),
            parameter="--db",
        )
    if must_exist and not db.is_file():
        raise InputError(
            _(
                "--db {url}: there is no visit log at {path}; check the path, or import visits "
                "first with geo-outreach visits import"
            ).format(url=url, path=db),
            parameter="--db",
        )


def _sqlite_path(url: str | None) -> str | None:
    if not url or not url.startswith("sqlite:///"):
        return None
    return url[len("sqlite:///") :]


def register(subparsers: Any) -> None:
    """Add the ``visits`` command and its sub-commands."""
    parser = subparsers.add_parser(
        "visits",
        help="the visit log: import visits from CSV, export, back up, void, history",
        description="Manage the log of visits made by field workers (docs/visits.md).",
    )
    sub = parser.add_subparsers(dest="visits_command", metavar="ACTION", required=True)

    p = sub.add_parser("import", help="import visits from a CSV (all rows or none)")
    p.add_argument("file", metavar="FILE.csv", help="visits CSV (columns in docs/visits.md)")
    p.add_argument("--by", default="", metavar="NAME", help="who imports (audit trail)")
    p.add_argument(
        "--plan",
        metavar="STOPS.csv",
        help="the plan's stops or visits CSV: planned_visit_id must be one of its visit_id",
    )
    p.add_argument(
        "--timezone",
        default=None,
        metavar="ZONE",
        help="IANA zone of times without an offset (default: the --region's zone, else UTC); "
        "the log stores UTC",
    )
    p.add_argument("--region", default=None, metavar="DIR", help="the region the visits are in")
    add_db_arg(p)

    p = sub.add_parser("export", help="write current visits to a CSV (no case ids)")
    p.add_argument("out", metavar="OUT.csv")
    p.add_argument("--since", metavar="DATE", help="first visit date (YYYY-MM-DD)")
    p.add_argument("--include-voided", action="store_true", help="also voided visits")
    add_db_arg(p)

    p = sub.add_parser("backup", help="copy the SQLite visit log (safe while in use)")
    p.add_argument("out", metavar="OUT", help="file to write, or a folder for a dated file")
    add_db_arg(p)

    p = sub.add_parser("void", help="void a visit entered by mistake (kept, flagged)")
    p.add_argument("record_id")
    p.add_argument("--by", required=True, metavar="NAME", help="who voids it")
    p.add_argument("--reason", required=True, help="why")
    add_db_arg(p)

    p = sub.add_parser("history", help="every version and the audit trail of one visit")
    p.add_argument("record_id")
    add_db_arg(p)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``geo-outreach visits ACTION``."""

    from geo_outreach.cli._common import check_output
    from geo_outreach.visits import store as vs
    from geo_outreach.visits.models import to_public_frame

    action = args.visits_command
    check_db(args.db, must_exist=action in _READ_ACTIONS)
    if action == "import":
        from geo_outreach.cli._common import existing_file

        for flag, value in (("FILE", args.file), ("--plan", args.plan)):
            if value is not None:
                try:
                    existing_file(value)
                except argparse.ArgumentTypeError as exc:
                    raise InputError(f"{flag}: {exc}", parameter=flag) from None
        from geo_outreach.visits.importer import read_visits_log_csv

        read_visits_log_csv(args.file)  # a malformed file never creates or opens a log
    elif action == "export":
        check_output(args, attr="out", flag="OUT.csv", suffixes=(".csv",))
    elif action == "backup":
        from geo_outreach.files import check_output_path

        out = str(args.out)
        as_dir = out.endswith(("/", os.sep)) or Path(out).is_dir()
        check_output_path(
            out,
            kind="dir" if as_dir else "file",
            suffixes=None if as_dir else (".sqlite", ".sqlite3", ".db"),
            inputs=(_sqlite_path(args.db),),
            replace_dir_with_manifest=False,
            parameter="OUT",
        )
    with vs.open_store(args.db) as st:
        if action == "import":
            from geo_outreach.visits.importer import import_csv

            plan = None
            if args.plan:
                from geo_outreach.data.readers import read_csv_table

                plan = read_csv_table(args.plan, what="--plan", dtype=str, keep_default_na=False)
                plan.columns = [c.strip().lower() for c in plan.columns]
            zone = args.timezone
            if zone:
                from geo_outreach.data.place import check_timezone

                zone = check_timezone(zone, source="--timezone")
            elif args.region:
                from geo_outreach.data.region import load_region

                zone = load_region(args.region).timezone
            res = import_csv(st, args.file, recorded_by=args.by, plan=plan, timezone=zone or "UTC")
            extra = []
            if res.already_stored:
                extra.append(_("{n} already stored").format(n=res.already_stored))
            if res.duplicates_in_file:
                extra.append(_("{n} duplicate row(s) in the file").format(n=res.duplicates_in_file))
            if res.skipped_voided:
                extra.append(_("{n} voided row(s) skipped").format(n=res.skipped_voided))
            line = _("imported {n} visit(s) from {path}").format(n=res.inserted, path=args.file)
            print(line + (f" ({', '.join(extra)})" if extra else ""))
        elif action == "export":
            n = vs.export_csv(st, args.out, since=args.since, include_voided=args.include_voided)
            print(_("wrote {n} visit(s) to {path}").format(n=n, path=args.out))
        elif action == "backup":
            written = vs.backup(st, args.out)
            print(_("backed up the visit log to {path}").format(path=written))
        elif action == "void":
            v = vs.void_visit(st, args.record_id, changed_by=args.by, reason=args.reason)
            print(
                _("voided visit {id} (version {version})").format(id=v.record_id, version=v.version)
            )
        elif action == "history":
            hist = to_public_frame(vs.history(st, args.record_id))
            cols = ["version", "visited_at", "outcome", "people_reached", "voided", "recorded_by"]
            hist[cols].to_string(sys.stdout, index=False)
            print()
            audit = vs.audit_frame(st, record_id=args.record_id)
            audit.drop(columns=["record_id"]).to_string(sys.stdout, index=False)
            print()
    return 0
