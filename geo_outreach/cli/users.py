"""``geo-outreach users``: the team's accounts (add, list, disable, password, language).

Examples::

    geo-outreach users add maria --role manager              # prompts for the password
    printf '%s\\n' "$PW" | geo-outreach users add ana --role worker --worker-id ow_ana --password-stdin
    geo-outreach users list --json
    geo-outreach users disable ana
    geo-outreach users password maria
    geo-outreach users language ana es                       # her dashboard and route sheets

Accounts live in the team database (``--db URL``, else ``GEO_OUTREACH_DB_URL``, else the
SQLite file in ``GEO_OUTREACH_HOME``), the same as the visit log.  See docs/team.md.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from geo_outreach.cli._common import print_json
from geo_outreach.cli.visits import add_db_arg
from geo_outreach.errors import InputError
from geo_outreach.i18n import _

__all__ = ["cli_actor", "read_password", "register", "run"]


def cli_actor(by: str | None = None) -> Any:
    """The person at the terminal: full rights, named by ``--by`` or the login name."""
    from geo_outreach.team.roles import Actor

    name = by or os.environ.get("USER") or os.environ.get("USERNAME") or "owner"
    return Actor(name, "owner")


def read_password(*, from_stdin: bool, confirm: bool = True) -> str:
    """One line from stdin (``--password-stdin``), else a prompt that does not echo."""
    from geo_outreach.team.accounts import MIN_PASSWORD_LEN

    if from_stdin:
        line = sys.stdin.readline()
        pw = line.rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise InputError(
                _("no terminal to ask for the password: pipe it in with --password-stdin"),
                parameter="--password-stdin",
            )
        pw = getpass.getpass(_("Password: "))
        if confirm and getpass.getpass(_("Password again: ")) != pw:
            raise InputError(_("the two passwords differ; try again"), parameter="password")
    if len(pw) < MIN_PASSWORD_LEN:
        raise InputError(
            _("password: give at least {n} characters (one line)").format(n=MIN_PASSWORD_LEN),
            parameter="--password-stdin",
        )
    return pw


def register(subparsers: Any) -> None:
    """Add the ``users`` command and its sub-commands."""
    parser = subparsers.add_parser(
        "users",
        help="the team's accounts: add, list, disable, change a password",
        description="Manage who can sign in to the dashboard (docs/team.md). Roles: manager "
        "(everything: plans, publishes), worker (their own day only), planner (aggregates, "
        "no client names), admin (accounts).",
    )
    sub = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    p = sub.add_parser("add", help="add an account")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["manager", "worker", "planner", "admin"])
    p.add_argument("--worker-id", default="", metavar="ID", help="workers only: their worker_id")
    p.add_argument(
        "--language",
        default="en",
        metavar="CODE",
        help="en, es or sv: the dashboard after sign-in and (workers) their printed route sheets",
    )
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password (one line) from stdin"
    )
    add_db_arg(p)
    p = sub.add_parser("list", help="list the accounts")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    add_db_arg(p)
    p = sub.add_parser("disable", help="disable an account (kept; its sessions end)")
    p.add_argument("username")
    add_db_arg(p)
    p = sub.add_parser("password", help="set a new password (ends the user's sessions)")
    p.add_argument("username")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password (one line) from stdin"
    )
    add_db_arg(p)
    p = sub.add_parser(
        "language", help="set an account's language (dashboard; a worker's printed sheets)"
    )
    p.add_argument("username")
    p.add_argument("language", metavar="CODE", help="en, es or sv")
    add_db_arg(p)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``geo-outreach users ACTION``."""
    from geo_outreach.team import accounts as ac
    from geo_outreach.visits.store import open_store

    action = args.users_command
    actor = cli_actor()
    with open_store(args.db) as st:
        if action == "add":
            pw = read_password(from_stdin=args.password_stdin)
            u = ac.add_user(
                st,
                args.username,
                role=args.role,
                password=pw,
                worker_id=args.worker_id,
                language=args.language,
                actor=actor,
            )
            if u.worker_id:
                line = _("added {role} {username} (worker {worker_id})").format(
                    role=u.role, username=u.username, worker_id=u.worker_id
                )
            else:
                line = _("added {role} {username}").format(role=u.role, username=u.username)
            print(line, file=sys.stderr)
            if u.worker_id:
                _warn_unknown_worker(st, u.worker_id)
        elif action == "list":
            users = ac.list_users(st, actor=actor)
            if args.json:
                print_json([u.to_json() for u in users])
            else:
                for u in users:
                    state = _("disabled") if u.disabled else _("active")
                    wid = f" worker={u.worker_id}" if u.worker_id else ""
                    print(f"{u.username}\t{u.role}\t{state}{wid}")
        elif action == "disable":
            ac.disable_user(st, args.username, actor=actor)
            print(
                _("disabled {username}; their sessions ended").format(username=args.username),
                file=sys.stderr,
            )
        elif action == "password":
            pw = read_password(from_stdin=args.password_stdin)
            ac.set_password(st, args.username, pw, actor=actor)
            print(
                _("password of {username} changed; their sessions ended").format(
                    username=args.username
                ),
                file=sys.stderr,
            )
        elif action == "language":
            u = ac.set_language(st, args.username, args.language, actor=actor)
            print(
                _("{username} now reads {language}").format(
                    username=u.username, language=u.language
                ),
                file=sys.stderr,
            )
    return 0


def _warn_unknown_worker(st: Any, worker_id: str) -> None:
    """Warn when the newest published plan has no route for ``worker_id``."""
    from geo_outreach.team.plans import get_plan, list_plans

    pub = list_plans(st, status="published")
    if not pub:
        return
    plan = get_plan(st, pub[0]["id"])
    if worker_id not in {r["worker_id"] for r in plan["routes"]}:
        print(
            "warning: "
            + _(
                "the newest published plan ({id}, week of {week_of}) has no route for worker id "
                "{worker_id}; check it against the workers file"
            ).format(id=plan["id"], week_of=plan["week_of"], worker_id=repr(worker_id)),
            file=sys.stderr,
        )
