"""Accounts and sessions on SQLite and PostgreSQL: hashes, lock-out, disable, expiry."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from geo_outreach.errors import InputError
from geo_outreach.team import accounts as ac
from geo_outreach.team.roles import AccessDeniedError, Actor

PW = "correct horse"


def test_add_list_and_only_a_hash_is_stored(team_store):
    assert not ac.has_accounts(team_store)
    u = ac.add_user(team_store, "ana", role="worker", worker_id="ow_ana", password=PW)
    assert (u.username, u.role, u.worker_id, u.disabled) == ("ana", "worker", "ow_ana", False)
    ac.add_user(team_store, "maria", role="manager", password=PW)
    assert [x.username for x in ac.list_users(team_store)] == ["ana", "maria"]
    assert ac.has_accounts(team_store)
    with team_store.engine.connect() as conn:
        hashes = conn.execute(sa.text("SELECT password_hash FROM users")).scalars().all()
    assert all(h.startswith("$argon2id$") and PW not in h for h in hashes)
    assert hashes[0] != hashes[1]  # salted


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"role": "worker"}, "worker_id is required"),
        ({"role": "manager", "worker_id": "ow_x"}, "only for workers"),
        ({"role": "boss"}, "one of manager"),
        ({"role": "manager", "password": "short"}, "at least 8"),
        ({"role": "manager", "username": "bad name!"}, "username"),
    ],
)
def test_bad_accounts_are_refused(team_store, kwargs, match):
    kw = {"password": PW, "username": "x", **kwargs}
    name = kw.pop("username")
    with pytest.raises(InputError, match=match):
        ac.add_user(team_store, name, **kw)
    assert ac.list_users(team_store) == []


def test_a_user_that_exists_is_refused(team_store):
    ac.add_user(team_store, "maria", role="manager", password=PW)
    with pytest.raises(InputError, match="exists"):
        ac.add_user(team_store, "maria", role="planner", password=PW)
    assert ac.get_user(team_store, "maria").role == "manager"


def test_only_an_admin_manages_users(team_store):
    ac.add_user(team_store, "maria", role="manager", password=PW)
    with pytest.raises(AccessDeniedError):
        ac.add_user(team_store, "x", role="admin", password=PW, actor=Actor("maria", "manager"))
    ac.add_user(team_store, "y", role="planner", password=PW, actor=Actor("root", "admin"))


def test_sign_in_wrong_password_and_unknown_user_say_the_same(team_store):
    ac.add_user(team_store, "maria", role="manager", password=PW)
    token, u = ac.start_session(team_store, "maria", PW)
    assert u.username == "maria" and len(token) >= 32
    assert ac.session_user(team_store, token).username == "maria"
    for name, pw in (("maria", "wrong password"), ("nobody", PW)):
        with pytest.raises(ac.SignInError, match="wrong username or password"):
            ac.authenticate(team_store, name, pw)


def test_five_failures_lock_for_five_minutes(team_store):
    ac.add_user(team_store, "maria", role="manager", password=PW)
    t0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    for i in range(4):
        with pytest.raises(ac.SignInError, match="wrong"):
            ac.authenticate(team_store, "maria", "bad", now=t0 + dt.timedelta(seconds=i))
    with pytest.raises(ac.SignInError, match="locked until 09:05"):
        ac.authenticate(team_store, "maria", "bad", now=t0 + dt.timedelta(seconds=5))
    # the right password does not open a locked account
    with pytest.raises(ac.SignInError, match="locked"):
        ac.authenticate(team_store, "maria", PW, now=t0 + dt.timedelta(minutes=4))
    # after five minutes it does, and the count starts again
    assert ac.authenticate(team_store, "maria", PW, now=t0 + dt.timedelta(minutes=6)).username
    with pytest.raises(ac.SignInError, match="wrong"):
        ac.authenticate(team_store, "maria", "bad", now=t0 + dt.timedelta(minutes=7))


def test_a_success_resets_the_failure_count(team_store):
    ac.add_user(team_store, "maria", role="manager", password=PW)
    for _ in range(4):
        with pytest.raises(ac.SignInError):
            ac.authenticate(team_store, "maria", "bad")
    ac.authenticate(team_store, "maria", PW)
    for _ in range(4):
        with pytest.raises(ac.SignInError, match="wrong"):
            ac.authenticate(team_store, "maria", "bad")


def test_disabled_user_cannot_sign_in_and_loses_sessions(team_store):
    ac.add_user(team_store, "ana", role="worker", worker_id="ow_ana", password=PW)
    token, _ = ac.start_session(team_store, "ana", PW)
    ac.disable_user(team_store, "ana")
    assert ac.session_user(team_store, token) is None
    with pytest.raises(ac.SignInError, match="disabled"):
        ac.start_session(team_store, "ana", PW)
    assert not ac.has_accounts(team_store)
    assert ac.get_user(team_store, "ana").disabled  # kept


def test_sessions_expire_and_sign_out_and_password_change_revoke(team_store):
    ac.add_user(team_store, "maria", role="manager", password=PW)
    t0 = dt.datetime.now(dt.UTC)
    token, _ = ac.start_session(team_store, "maria", PW, now=t0)
    assert ac.session_user(team_store, token, now=t0 + dt.timedelta(hours=11, minutes=59))
    assert ac.session_user(team_store, token, now=t0 + dt.timedelta(hours=12, seconds=1)) is None
    short, _ = ac.start_session(team_store, "maria", PW, ttl_s=60)
    assert ac.session_user(team_store, short) is not None
    assert ac.session_user(team_store, short, now=t0 + dt.timedelta(minutes=2)) is None
    a, _ = ac.start_session(team_store, "maria", PW)
    b, _ = ac.start_session(team_store, "maria", PW)
    ac.end_session(team_store, a)
    assert ac.session_user(team_store, a) is None
    assert ac.session_user(team_store, b) is not None
    ac.set_password(team_store, "maria", "a new passphrase")
    assert ac.session_user(team_store, b) is None
    with pytest.raises(ac.SignInError):
        ac.authenticate(team_store, "maria", PW)
    assert ac.authenticate(team_store, "maria", "a new passphrase")
    assert ac.session_user(team_store, "forged-token") is None
    assert ac.session_user(team_store, None) is None
