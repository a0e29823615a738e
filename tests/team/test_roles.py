"""The role x action matrix, written out by hand (not derived from the code's own table)."""

from __future__ import annotations

import pytest

from geo_outreach.team.roles import (
    ACTIONS,
    OWNER,
    PAGE_ACTIONS,
    AccessDeniedError,
    Actor,
    allowed,
    require,
)

MANAGER = Actor("maria", "manager")
WORKER = Actor("ana", "worker", worker_id="ow_ana")
PLANNER = Actor("pat", "planner")
ADMIN = Actor("root", "admin")

# action -> who may: "M" manager, "W" worker (own only), "P" planner, "A" admin
EXPECTED = {
    "analysis.read": "MP",
    "impact.read": "MP",
    "impact.details": "M",
    "plans.create": "M",
    "plans.publish": "M",
    "plans.list": "MP",
    "plans.read": "M",
    "plans.export": "M",
    "day.read": "MW",
    "visits.record": "MW",
    "packet.read": "MW",
    "users.manage": "A",
}
OWN_ONLY = {"day.read", "visits.record", "packet.read"}


def test_matrix_covers_every_action():
    assert set(EXPECTED) == set(ACTIONS)
    assert set(PAGE_ACTIONS.values()) <= set(ACTIONS)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize(
    ("actor", "code"), [(MANAGER, "M"), (WORKER, "W"), (PLANNER, "P"), (ADMIN, "A")]
)
def test_role_action_matrix(actor, code, action):
    may = code in EXPECTED[action]
    resources = ["ow_ana", "ow_ben"] if action in OWN_ONLY else [None]
    for res in resources:
        expect = may and not (code == "W" and res != actor.worker_id)
        assert allowed(actor, action, res) is expect, (actor.role, action, res)
        if expect:
            assert require(actor, action, res) is actor
        else:
            with pytest.raises(AccessDeniedError, match="refused"):
                require(actor, action, res)


def test_worker_cannot_read_another_workers_day_and_is_told_plainly():
    with pytest.raises(AccessDeniedError) as e:
        require(WORKER, "day.read", "ow_ben")
    msg = str(e.value)
    assert "own" in msg and "ow_ben" in msg and "ow_ana" in msg


def test_worker_without_worker_id_gets_no_day():
    assert not allowed(Actor("x", "worker"), "day.read", "")
    assert not allowed(Actor("x", "worker"), "day.read", "ow_ana")


def test_nobody_signed_in_is_refused_everything_and_owner_may_all():
    for action in ACTIONS:
        assert not allowed(None, action, "ow_ana")
        assert allowed(OWNER, action, "ow_ana")
    with pytest.raises(AccessDeniedError, match="sign in"):
        require(None, "analysis.read")


def test_unknown_action_is_a_bug():
    with pytest.raises(ValueError, match="unknown action"):
        allowed(MANAGER, "plans.delete")
