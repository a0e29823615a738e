"""Sign-in for the dashboard: the accounts and sessions of :mod:`geo_outreach.team.accounts`.

* No enabled account in the team database: **single-user mode** (the dashboard works as
  before; ``geo-outreach app`` keeps it on 127.0.0.1) and every page says so.
* Accounts exist: every page asks for a sign-in first.  A sign-in makes a session in the
  database; the browser keeps its token in a cookie signed with the app's secret
  (``GEO_OUTREACH_APP_SECRET``, else a random secret kept in ``GEO_OUTREACH_HOME``), and each
  run checks it against the sessions table, so a reload keeps you signed in while sign-out,
  disabling the user or a password change end it at once.

Pages call :func:`guard` with their URL path: it returns the signed-in actor, or stops the
page with a plain message when the role may not open it.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import state
import streamlit as st

from geo_outreach import config
from geo_outreach.i18n import N_, _
from geo_outreach.team.roles import (
    OWNER,
    PAGE_ACTIONS,
    AccessDeniedError,
    Actor,
    require,
    role_label,
)

COOKIE = "geo_outreach_session"
TOKEN_KEY = "auth_token"
#: translated when drawn (the command stays as typed)
SINGLE_USER_BANNER = N_(
    "single-user mode: create accounts with `geo-outreach users add` to share it"
)


@st.cache_resource(show_spinner=False)
def _secret() -> str:
    env = config.app_secret()
    if env:
        return env
    from geo_outreach.visits.store import data_home

    path = Path(data_home()) / "app_secret"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(value)
        return value


def _signer() -> Any:
    from itsdangerous import Signer

    return Signer(_secret(), salt="geo_outreach.session")


def _session_s() -> float:
    return config.session_s()


def _store() -> Any:
    return state.visit_store()


def accounts_exist() -> bool:
    """Whether the team database has an enabled account (checked on every run)."""
    from geo_outreach.team.accounts import has_accounts

    return has_accounts(_store())


def _cookie_token() -> str | None:
    from itsdangerous import BadSignature

    try:
        raw = st.context.cookies.get(COOKIE)
    except Exception:  # AppTest and bare runs have no request
        raw = None
    if not raw:
        return None
    try:
        return _signer().unsign(raw).decode()
    except BadSignature:
        return None


def current_actor() -> Actor | None:
    """The actor of this run: OWNER in single-user mode, the signed-in user, or None."""
    from geo_outreach.team.accounts import session_user

    if not accounts_exist():
        return OWNER
    ss = st.session_state
    token = ss.get(TOKEN_KEY) or _cookie_token()
    user = session_user(_store(), token)
    if user is None:
        ss.pop(TOKEN_KEY, None)
        return None
    ss[TOKEN_KEY] = token
    return user.actor


def _set_cookie(value: str | None) -> None:
    """Set (or, with None, clear) the session cookie in the browser."""
    if value is None:
        js = f"document.cookie = {json.dumps(COOKIE + '=; path=/; max-age=0; SameSite=Strict')};"
    else:
        secure = "; Secure" if _https() else ""
        cookie = f"{COOKIE}={value}; path=/; max-age={int(_session_s())}; SameSite=Strict{secure}"
        js = f"document.cookie = {json.dumps(cookie)};"
    st.html(f"<script>{js}</script>", unsafe_allow_javascript=True)


def _https() -> bool:
    try:
        return str(st.context.url or "").startswith("https:")
    except Exception:
        return False


def _sign_in(username: str, password: str) -> None:
    from geo_outreach.team.accounts import SignInError, start_session

    ss = st.session_state
    try:
        token, _user = start_session(_store(), username, password, ttl_s=_session_s())
    except SignInError as exc:
        ss["auth_error"] = str(exc)
        return
    ss.pop("auth_error", None)
    ss[TOKEN_KEY] = token


def sign_in_page() -> None:
    """The sign-in form (English until a user is known); stops the run."""
    if st.session_state.pop("auth_clear_cookie", False):
        _set_cookie(None)
    st.title("Sign in")
    st.caption("geo_outreach: sign in with the account your team gave you.")
    with st.form("auth_sign_in"):
        user = st.text_input("Username", key="auth_username")
        pw = st.text_input("Password", type="password", key="auth_password")
        pressed = st.form_submit_button("Sign in", type="primary")
    if pressed:
        _sign_in(user, pw)
        st.session_state.pop("auth_password", None)
        if TOKEN_KEY in st.session_state:
            st.rerun()
    err = st.session_state.get("auth_error")
    if err:
        st.error(err)
    st.stop()


def _sign_out() -> None:
    from geo_outreach.team.accounts import end_session

    ss = st.session_state
    end_session(_store(), ss.pop(TOKEN_KEY, None) or _cookie_token())
    ss["auth_clear_cookie"] = True


def account_box(actor: Actor) -> None:
    """Sidebar: who is signed in, and "Sign out"; the single-user banner otherwise."""
    if actor is OWNER or actor.role == "owner":
        st.warning(_(SINGLE_USER_BANNER), icon=":material/person:")
        return
    # (re)set the browser's cookie on every run until the browser sends it back: a script
    # drawn only once after sign-in can be lost to a quick rerun, and the next reload would
    # then ask to sign in again
    token = st.session_state.get(TOKEN_KEY)
    if token and _cookie_token() != token:
        _set_cookie(_signer().sign(token).decode())
    with st.sidebar:
        st.caption(
            _("Signed in as **{user}** ({role})").format(
                user=actor.username, role=role_label(actor.role)
            )
        )
        st.button(_("Sign out"), key="auth_sign_out", on_click=_sign_out)


def guard(page: str) -> Actor:
    """The actor allowed on ``page`` (a URL path of :data:`PAGE_ACTIONS`), else stop the run.

    Nobody signed in: the sign-in form.  A role that may not open the page: a plain refusal.
    """
    actor = current_actor()
    if actor is None:
        sign_in_page()
        raise RuntimeError("unreachable")  # sign_in_page stops the run
    try:
        require(actor, PAGE_ACTIONS[page])
    except AccessDeniedError as exc:
        st.error(str(exc))
        st.stop()
    return actor


def allowed_pages(actor: Actor) -> set[str]:
    """URL paths of the pages ``actor`` may open."""
    from geo_outreach.team.roles import allowed

    return {p for p, action in PAGE_ACTIONS.items() if allowed(actor, action)}
