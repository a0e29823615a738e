"""Accounts and sign-in sessions of the team database.

Passwords are kept only as Argon2id hashes (argon2-cffi, its default parameters).  Five
wrong passwords in a row lock an account for five minutes; a disabled account cannot sign
in.  A sign-in makes a session: a random token that the dashboard keeps in a cookie; the
database stores only its SHA-256, with an expiry (default 12 h).  Signing out, disabling
the user and changing the password revoke the user's sessions.

Every function takes the open store (:func:`geo_outreach.visits.store.open_store`: the
same database as the visit log) and, for changes, ``actor=`` checked with
:func:`geo_outreach.team.roles.require` (``users.manage``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from geo_outreach.errors import GeoOutreachError, InputError
from geo_outreach.i18n import _

from . import tables as t
from .roles import OWNER, ROLES, Actor, require

__all__ = [
    "DEFAULT_SESSION_S",
    "LOCK_S",
    "MAX_FAILURES",
    "MIN_PASSWORD_LEN",
    "SignInError",
    "User",
    "add_user",
    "authenticate",
    "disable_user",
    "end_session",
    "get_user",
    "has_accounts",
    "list_users",
    "session_user",
    "set_language",
    "set_password",
    "start_session",
    "worker_language",
]

logger = logging.getLogger(__name__)

#: Sessions last this long unless told otherwise (12 h).
DEFAULT_SESSION_S = 12 * 3600
#: Wrong passwords in a row before the account locks.
MAX_FAILURES = 5
#: How long a lock lasts (5 min).
LOCK_S = 5 * 60
#: Shortest password accepted.
MIN_PASSWORD_LEN = 8
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_HASHER: Any = None


class SignInError(GeoOutreachError):
    """A sign-in failed (wrong password, locked or disabled account); the message is plain."""

    exit_code = 2


@dataclass(frozen=True)
class User:
    """An account (never its password hash)."""

    username: str
    role: str
    worker_id: str
    language: str
    disabled: bool
    created_at: dt.datetime
    locked_until: dt.datetime | None = None

    @property
    def actor(self) -> Actor:
        """This user as the ``actor=`` of library calls."""
        return Actor(self.username, self.role, self.worker_id, self.language)

    def to_json(self) -> dict[str, Any]:
        """The fields ``users list --json`` prints."""
        return {
            "username": self.username,
            "role": self.role,
            "worker_id": self.worker_id or None,
            "language": self.language,
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat(),
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
        }


def _hasher() -> Any:
    global _HASHER
    if _HASHER is None:
        from argon2 import PasswordHasher

        _HASHER = PasswordHasher()
    return _HASHER


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(v: dt.datetime | None) -> dt.datetime | None:
    if v is None:
        return None
    return v if v.tzinfo is not None else v.replace(tzinfo=dt.UTC)


def _user(row: Any) -> User:
    return User(
        username=row["username"],
        role=row["role"],
        worker_id=row["worker_id"] or "",
        language=row["language"] or "en",
        disabled=bool(row["disabled"]),
        created_at=_aware(row["created_at"]),  # type: ignore[arg-type]
        locked_until=_aware(row["locked_until"]),
    )


def _check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LEN:
        raise InputError(
            _("password: give at least {n} characters").format(n=MIN_PASSWORD_LEN),
            parameter="password",
        )
    if password != password.strip("\r\n"):
        raise InputError(_("password: must not contain line breaks"), parameter="password")
    return password


def _check_language(language: str | None) -> str:
    """``language`` as a catalogue's code (``es``); a language without one would silently
    show English, so it is refused."""
    from geo_outreach.i18n import LANGUAGES, PSEUDO, normalise_language

    try:
        code = normalise_language(language or "en")
    except ValueError:
        code = PSEUDO
    if code == PSEUDO:
        raise InputError(
            _("language {language}: choose one of {choices}").format(
                language=repr(language), choices=", ".join(LANGUAGES)
            ),
            parameter="language",
        )
    return code


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def has_accounts(store: Any) -> bool:
    """Whether any enabled account exists (else the dashboard runs in single-user mode)."""
    with store._read() as conn:
        q = sa.select(sa.func.count()).select_from(t.users).where(t.users.c.disabled == sa.false())
        return bool(conn.execute(q).scalar())


def add_user(
    store: Any,
    username: str,
    *,
    role: str,
    password: str,
    worker_id: str = "",
    language: str = "en",
    actor: Actor = OWNER,
) -> User:
    """Create an account.

    Parameters
    ----------
    store
        The open team database.
    username
        Letters, digits and ``._@-`` (1-64 characters, starting with a letter or digit).
    role
        One of :data:`~geo_outreach.team.roles.ROLES`.
    password
        At least :data:`MIN_PASSWORD_LEN` characters (only its Argon2id hash is stored).
    worker_id
        Required for workers (the routing workers file's ``worker_id``), refused for others.
    language
        The dashboard's language after sign-in.
    actor
        Who asks (must be an admin, or :data:`~geo_outreach.team.roles.OWNER`).

    Raises
    ------
    InputError
        Invalid name, role, worker id or password, or the user exists.
    AccessDeniedError
        ``actor`` may not manage users.
    """
    require(actor, "users.manage")
    username = str(username).strip()
    if not _USERNAME.match(username):
        raise InputError(
            _(
                "username {username}: use 1-64 letters, digits or . _ @ - (starting with a "
                "letter or digit)"
            ).format(username=repr(username)),
            parameter="username",
        )
    if role not in ROLES:
        raise InputError(
            _("role {role} is not one of {choices}").format(
                role=repr(role), choices=", ".join(ROLES)
            ),
            parameter="role",
        )
    worker_id = (worker_id or "").strip()
    if role == "worker" and not worker_id:
        raise InputError(
            _("worker_id is required for a worker (their id in the workers file)"),
            parameter="worker_id",
        )
    if role != "worker" and worker_id:
        raise InputError(
            _("worker_id is only for workers, not for a {role}").format(role=role),
            parameter="worker_id",
        )
    language = _check_language(language)
    digest = _hasher().hash(_check_password(password))
    now = _now()

    def _tx(conn: sa.Connection) -> None:
        if conn.execute(sa.select(t.users.c.id).where(t.users.c.username == username)).first():
            raise InputError(
                _("user {username} exists already").format(username=repr(username)),
                parameter="username",
            )
        conn.execute(
            t.users.insert().values(
                username=username,
                role=role,
                worker_id=worker_id,
                language=language or "en",
                password_hash=digest,
                disabled=False,
                failed_attempts=0,
                created_at=now,
                password_changed_at=now,
            )
        )

    store.run_write(_tx)
    logger.info("account %s (%s) added by %s", username, role, actor.username)
    return get_user(store, username)


def get_user(store: Any, username: str) -> User:
    """The account ``username``; :class:`InputError` when there is none."""
    with store._read() as conn:
        row = conn.execute(sa.select(t.users).where(t.users.c.username == username)).mappings()
        found = row.first()
    if found is None:
        raise InputError(
            _("no user {username}").format(username=repr(username)), parameter="username"
        )
    return _user(found)


def list_users(store: Any, *, actor: Actor = OWNER) -> list[User]:
    """Every account, by name."""
    require(actor, "users.manage")
    with store._read() as conn:
        rows = conn.execute(sa.select(t.users).order_by(t.users.c.username)).mappings().all()
    return [_user(r) for r in rows]


def _revoke(conn: sa.Connection, username: str, at: dt.datetime) -> None:
    s = t.user_sessions
    conn.execute(
        s.update().where(s.c.username == username, s.c.revoked_at.is_(None)).values(revoked_at=at)
    )


def disable_user(store: Any, username: str, *, actor: Actor = OWNER) -> User:
    """Disable an account (kept, for the audit trail) and end its sessions."""
    require(actor, "users.manage")
    get_user(store, username)
    now = _now()

    def _tx(conn: sa.Connection) -> None:
        conn.execute(t.users.update().where(t.users.c.username == username).values(disabled=True))
        _revoke(conn, username, now)

    store.run_write(_tx)
    return get_user(store, username)


def set_password(store: Any, username: str, password: str, *, actor: Actor = OWNER) -> User:
    """Change a password: clears a lock and ends the user's sessions."""
    require(actor, "users.manage")
    get_user(store, username)
    digest = _hasher().hash(_check_password(password))
    now = _now()

    def _tx(conn: sa.Connection) -> None:
        conn.execute(
            t.users.update()
            .where(t.users.c.username == username)
            .values(
                password_hash=digest,
                password_changed_at=now,
                failed_attempts=0,
                locked_until=None,
            )
        )
        _revoke(conn, username, now)

    store.run_write(_tx)
    return get_user(store, username)


def authenticate(
    store: Any, username: str, password: str, *, now: dt.datetime | None = None
) -> User:
    """Check a password and return the user.

    Raises
    ------
    SignInError
        "wrong username or password" (also for unknown users), "locked until HH:MM UTC"
        after :data:`MAX_FAILURES` wrong passwords, "disabled".
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    now = now or _now()
    username = str(username or "").strip()
    with store._read() as conn:
        row = (
            conn.execute(sa.select(t.users).where(t.users.c.username == username))
            .mappings()
            .first()
        )
    wrong = SignInError(_("wrong username or password"))
    if row is None:
        _hasher().hash("x" * MIN_PASSWORD_LEN)  # same work as a real check: no user probing
        raise wrong
    if row["disabled"]:
        raise SignInError(_("this account is disabled; ask your administrator"))
    locked = _aware(row["locked_until"])
    if locked is not None and locked > now:
        raise SignInError(
            _("too many wrong passwords: this account is locked until {time} UTC").format(
                time=f"{locked:%H:%M}"
            )
        )
    try:
        ok = _hasher().verify(row["password_hash"], password or "")
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        fails = (0 if locked is not None else int(row["failed_attempts"] or 0)) + 1
        lock_until = now + dt.timedelta(seconds=LOCK_S) if fails >= MAX_FAILURES else None

        def _fail(conn: sa.Connection) -> None:
            conn.execute(
                t.users.update()
                .where(t.users.c.username == username)
                .values(failed_attempts=0 if lock_until else fails, locked_until=lock_until)
            )

        store.run_write(_fail)
        if lock_until is not None:
            logger.warning("account %s locked after %d wrong passwords", username, fails)
            raise SignInError(
                _("too many wrong passwords: this account is locked until {time} UTC").format(
                    time=f"{lock_until:%H:%M}"
                )
            )
        raise wrong
    if row["failed_attempts"] or locked is not None:

        def _ok(conn: sa.Connection) -> None:
            conn.execute(
                t.users.update()
                .where(t.users.c.username == username)
                .values(failed_attempts=0, locked_until=None)
            )

        store.run_write(_ok)
    return _user(row)


def start_session(
    store: Any,
    username: str,
    password: str,
    *,
    ttl_s: float = DEFAULT_SESSION_S,
    now: dt.datetime | None = None,
) -> tuple[str, User]:
    """Sign in: check the password and return ``(token, user)``.

    Keep the token in the browser (a cookie); only its SHA-256 is stored.
    """
    user = authenticate(store, username, password, now=now)
    now = now or _now()
    token = secrets.token_urlsafe(32)

    def _tx(conn: sa.Connection) -> None:
        conn.execute(
            t.user_sessions.insert().values(
                token_sha256=_token_hash(token),
                username=user.username,
                created_at=now,
                expires_at=now + dt.timedelta(seconds=ttl_s),
            )
        )

    store.run_write(_tx)
    return token, user


def session_user(store: Any, token: str | None, *, now: dt.datetime | None = None) -> User | None:
    """The user of a live session, or None (unknown, expired, revoked, or user disabled)."""
    if not token:
        return None
    now = now or _now()
    s, u = t.user_sessions, t.users
    with store._read() as conn:
        row = (
            conn.execute(
                sa.select(u, s.c.expires_at, s.c.revoked_at)
                .join(s, s.c.username == u.c.username)
                .where(s.c.token_sha256 == _token_hash(token))
            )
            .mappings()
            .first()
        )
    if row is None or row["revoked_at"] is not None or row["disabled"]:
        return None
    expires = _aware(row["expires_at"])
    if expires is None or expires <= now:
        return None
    return _user(row)


def set_language(store: Any, username: str, language: str, *, actor: Actor = OWNER) -> User:
    """Change the language of an account (the dashboard after sign-in, and the worker's
    printed sheets).  Sessions stay: the next page drawn speaks it.

    Raises
    ------
    InputError
        No such user, or a language without a catalogue.
    AccessDeniedError
        ``actor`` may not manage users.
    """
    require(actor, "users.manage")
    code = _check_language(language)
    get_user(store, username)

    def _tx(conn: sa.Connection) -> None:
        conn.execute(t.users.update().where(t.users.c.username == username).values(language=code))

    store.run_write(_tx)
    logger.info("account %s now in %s (by %s)", username, code, actor.username)
    return get_user(store, username)


def worker_language(store: Any, worker_id: str) -> str | None:
    """The language of the enabled worker account of ``worker_id`` (None when there is none).

    A worker's printed papers speak it whoever prints them (see :func:`geo_outreach.field_packet`).
    No ``actor=``: a language is no secret of the worker's day.  Several enabled accounts for
    one worker id: the newest one's.
    """
    if not worker_id:
        return None
    u = t.users
    with store._read() as conn:
        row = conn.execute(
            sa.select(u.c.language)
            .where(
                u.c.worker_id == str(worker_id), u.c.role == "worker", u.c.disabled == sa.false()
            )
            .order_by(u.c.created_at.desc(), u.c.id.desc())
            .limit(1)
        ).first()
    return (row[0] or None) if row is not None else None


def end_session(store: Any, token: str | None) -> None:
    """Sign out: revoke the session of ``token`` (nothing when unknown)."""
    if not token:
        return
    s = t.user_sessions

    def _tx(conn: sa.Connection) -> None:
        conn.execute(
            s.update()
            .where(s.c.token_sha256 == _token_hash(token), s.c.revoked_at.is_(None))
            .values(revoked_at=_now())
        )

    store.run_write(_tx)
