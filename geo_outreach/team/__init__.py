"""The team: accounts, roles, sign-in sessions and published plans.

Everything lives in the same database as the visit log
(:func:`geo_outreach.visits.store.open_store`: a SQLite file by default, PostgreSQL +
PostGIS for a team); its schema is made by the Alembic revisions of
:mod:`geo_outreach.visits.migrations`.

* :mod:`geo_outreach.team.roles`: the roles, the action matrix and :func:`require`;
* :mod:`geo_outreach.team.accounts`: users (Argon2id hashes, lock-out) and sessions;
* :mod:`geo_outreach.team.plans`: store, publish, list, show, export plans; a worker's day.
"""

from __future__ import annotations

from .roles import OWNER, PAGE_ACTIONS, ROLES, AccessDeniedError, Actor, allowed, require

__all__ = ["OWNER", "PAGE_ACTIONS", "ROLES", "AccessDeniedError", "Actor", "allowed", "require"]
