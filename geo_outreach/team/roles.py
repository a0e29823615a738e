"""Who may do what: the four roles and the one check every team library call makes.

====================  =======  ======  =======  =====  ======
action                manager  worker  planner  admin  owner
====================  =======  ======  =======  =====  ======
``analysis.read``     yes      no      yes      no     yes
``impact.read``       yes      no      yes      no     yes
``impact.details``    yes      no      no       no     yes
``plans.create``      yes      no      no       no     yes
``plans.publish``     yes      no      no       no     yes
``plans.list``        yes      no      yes      no     yes
``plans.read``        yes      no      no       no     yes
``plans.export``      yes      no      no       no     yes
``day.read``          any      own     no       no     yes
``visits.record``     any      own     no       no     yes
``packet.read``       any      own     no       no     yes
``users.manage``      no       no      no       yes    yes
====================  =======  ======  =======  =====  ======

"own": only with ``resource`` equal to the worker's own ``worker_id``.  A planner reaches
aggregates only (``plans.list`` gives counts, never client names or addresses).  ``owner``
is not a role one can give: it is the person at the machine (the CLI, or the dashboard in
single-user mode on 127.0.0.1 while no account exists).

Every library function of :mod:`geo_outreach.team` that reads or writes team data takes
``actor=`` and calls :func:`require` first, so a page that forgets to hide a button still
cannot hand out another worker's day.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo_outreach.errors import EXIT_BAD_INPUT, GeoOutreachError
from geo_outreach.i18n import N_, _

__all__ = [
    "ACTIONS",
    "OWNER",
    "PAGE_ACTIONS",
    "ROLES",
    "AccessDeniedError",
    "Actor",
    "allowed",
    "require",
    "role_label",
]

#: Roles an account can have.
ROLES: tuple[str, ...] = ("manager", "worker", "planner", "admin")

_ANY = "any"
_OWN = "own"
_MATRIX: dict[str, dict[str, str]] = {
    "analysis.read": {"manager": _ANY, "planner": _ANY},
    "impact.read": {"manager": _ANY, "planner": _ANY},
    "impact.details": {"manager": _ANY},
    "plans.create": {"manager": _ANY},
    "plans.publish": {"manager": _ANY},
    "plans.list": {"manager": _ANY, "planner": _ANY},
    "plans.read": {"manager": _ANY},
    "plans.export": {"manager": _ANY},
    "day.read": {"manager": _ANY, "worker": _OWN},
    "visits.record": {"manager": _ANY, "worker": _OWN},
    "packet.read": {"manager": _ANY, "worker": _OWN},
    "users.manage": {"admin": _ANY},
}
#: Every action :func:`require` knows.
ACTIONS: tuple[str, ...] = tuple(_MATRIX)

#: The dashboard's pages (URL path) and the action that opens each.
PAGE_ACTIONS: dict[str, str] = {
    "needs": "analysis.read",
    "community": "analysis.read",
    "stops": "plans.create",
    "routes": "plans.create",
    "my-day": "day.read",
    "impact": "impact.read",
    "users": "users.manage",
}


class AccessDeniedError(GeoOutreachError):
    """The signed-in user may not do this (the message says what, plainly)."""

    exit_code = EXIT_BAD_INPUT


@dataclass(frozen=True)
class Actor:
    """Who is asking: a signed-in account, or :data:`OWNER`.

    Attributes
    ----------
    username
        The account name (``"owner"`` for the person at the machine).
    role
        One of :data:`ROLES`, or ``"owner"``.
    worker_id
        The routing ``worker_id`` of a worker account ("" for other roles).
    language
        The user's language for the dashboard (ISO 639-1).
    """

    username: str
    role: str
    worker_id: str = ""
    language: str = "en"


#: The person at the machine: the CLI, or the dashboard while no account exists.
OWNER = Actor("owner", "owner")


def allowed(actor: Actor | None, action: str, resource: str | None = None) -> bool:
    """Whether ``actor`` may do ``action`` (on ``resource``: a worker id for own-only actions)."""
    if action not in _MATRIX:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    if actor is None:
        return False
    if actor.role == "owner":
        return True
    scope = _MATRIX[action].get(actor.role)
    if scope == _ANY:
        return True
    if scope == _OWN:
        return resource is None or (bool(actor.worker_id) and resource == actor.worker_id)
    return False


#: action -> the refusal of a role that may not do it (whole sentences, translated when raised)
_REFUSED = {
    "analysis.read": N_("refused: a {role} account cannot see the needs and access analysis"),
    "impact.read": N_("refused: a {role} account cannot see the impact of the visits"),
    "impact.details": N_("refused: a {role} account cannot see single visits and their notes"),
    "plans.create": N_("refused: a {role} account cannot plan stops or routes"),
    "plans.publish": N_("refused: a {role} account cannot publish plans"),
    "plans.list": N_("refused: a {role} account cannot list the plans"),
    "plans.read": N_("refused: a {role} account cannot see plans with client names and addresses"),
    "plans.export": N_("refused: a {role} account cannot export plans"),
    "day.read": N_("refused: a {role} account cannot see a day's stops"),
    "visits.record": N_("refused: a {role} account cannot record visits"),
    "packet.read": N_("refused: a {role} account cannot download field packets"),
    "users.manage": N_("refused: a {role} account cannot manage accounts"),
}
#: own-only action -> the refusal of another worker's resource
_REFUSED_OWN = {
    "day.read": N_(
        "refused: {user} may see a day's stops only for their own worker id {own}, not for {other}"
    ),
    "visits.record": N_(
        "refused: {user} may record visits only for their own worker id {own}, not for {other}"
    ),
    "packet.read": N_(
        "refused: {user} may download field packets only for their own worker id {own}, "
        "not for {other}"
    ),
}
#: role -> its name for people (the English names are the role codes)
ROLE_LABELS = {
    "manager": N_("manager"),
    "worker": N_("worker"),
    "planner": N_("planner"),
    "admin": N_("admin"),
    "owner": N_("owner"),
}


def role_label(role: str) -> str:
    """A role as people read it, in the current language (``worker`` -> ``trabajador/a``)."""
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else str(role)


def require(actor: Actor | None, action: str, resource: str | None = None) -> Actor:
    """Return ``actor`` when it may do ``action``; else raise :class:`AccessDeniedError`.

    Parameters
    ----------
    actor
        Who asks (None: nobody signed in).
    action
        One of :data:`ACTIONS`.
    resource
        For ``day.read``, ``visits.record`` and ``packet.read``: the worker id concerned.

    Raises
    ------
    AccessDeniedError
        With a plain message ("refused: sign in first"...).
    """
    if allowed(actor, action, resource):
        assert actor is not None
        return actor
    if actor is None:
        raise AccessDeniedError(_("refused: sign in first"))
    if _MATRIX[action].get(actor.role) == _OWN:
        raise AccessDeniedError(
            _(_REFUSED_OWN[action]).format(
                user=actor.username, own=repr(actor.worker_id), other=repr(resource)
            )
        )
    raise AccessDeniedError(_(_REFUSED[action]).format(role=role_label(actor.role)))
