"""The visit log: record, correct, void, read, export and back up visits.

One interface, two back ends, chosen by a database URL:

* **SQLite** (default): ``<GEO_OUTREACH_HOME>/visits.sqlite`` in WAL mode, created on first
  use.  ``GEO_OUTREACH_HOME`` defaults to ``$XDG_DATA_HOME/geo_outreach`` or
  ``~/.local/share/geo_outreach``.
* **PostgreSQL** (+ PostGIS when available) for a team: ``GEO_OUTREACH_DB_URL`` or the
  ``url`` argument, e.g. ``postgresql://outreach@db.example.org/outreach``.  With PostGIS the
  visit's point is also stored as ``geom`` (Point, SRID 4326).

Every write runs in one transaction; transient failures (SQLite "database is locked",
PostgreSQL serialization failures, deadlocks or a concurrent correction) are retried with
exponential back-off and jitter, so users never see them.  Each version row carries a unique
``idempotency_key``: sending the same record twice (a double click, a network retry, a
re-imported file) stores it once.  Nothing is ever deleted or updated in place: a correction
is a new version, a void a flagged correction, and database triggers refuse UPDATE/DELETE.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa

from geo_outreach import config
from geo_outreach.errors import GeoOutreachError, InputError
from geo_outreach.i18n import _

from .migrations import HEAD, migrate
from .models import (
    CATEGORIES,
    PUBLIC_COLUMNS,
    RECORD_COLUMNS,
    VisitRecord,
    build_metadata,
    to_public_frame,
)

__all__ = [
    "StoreBusyError",
    "StoredVisit",
    "VisitStore",
    "audit_frame",
    "backup",
    "correct_visit",
    "data_home",
    "default_db_url",
    "export_csv",
    "get_visit",
    "history",
    "open_store",
    "plan_visit_ids",
    "record_visit",
    "visits_frame",
    "void_visit",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Fields a correction may change (everything a worker reported, plus ``voided``).
CORRECTABLE: frozenset[str] = frozenset(f.name for f in dataclasses.fields(VisitRecord)) | {
    "voided"
}
_MASKED = frozenset({"case_id"})  # personal: the audit says it changed, not to what
_SQLITE_LOCKS: dict[str, _SqliteWriteLock] = {}
_SQLITE_LOCKS_GUARD = threading.Lock()


class StoreBusyError(GeoOutreachError):
    """The database stayed locked or unreachable through every retry."""


def data_home() -> Path:
    """Folder of the embedded visit database (:func:`geo_outreach.config.data_home`)."""
    return config.data_home()


def default_db_url() -> str:
    """``GEO_OUTREACH_DB_URL``, else the SQLite file ``visits.sqlite`` in :func:`data_home`."""
    return config.db_url() or f"sqlite:///{data_home() / 'visits.sqlite'}"


@dataclass(frozen=True)
class StoredVisit:
    """A record as stored: its identity, version and bookkeeping.

    ``created`` is False when the idempotency key was already stored (nothing new was
    written; the stored version is returned).
    """

    record_id: str
    version: int
    record: VisitRecord
    voided: bool
    recorded_by: str
    recorded_at: dt.datetime
    idempotency_key: str
    created: bool = True


class VisitStore:
    """A connection to a visit log (use :func:`open_store`).

    Attributes
    ----------
    url
        The database URL (password hidden in ``repr``).
    engine
        The SQLAlchemy engine.
    postgis
        Whether ``visit_versions.geom`` exists (PostgreSQL with PostGIS).
    max_wait_s
        Longest total back-off before a write gives up with :class:`StoreBusyError`.
    """

    def __init__(self, engine: sa.Engine, *, max_wait_s: float = 60.0) -> None:
        self.engine = engine
        self.url = engine.url
        self.dialect = engine.dialect.name
        self.max_wait_s = max_wait_s
        self.postgis = False
        self.tables = build_metadata().tables
        self._lock: AbstractContextManager[Any] = nullcontext()
        db = engine.url.database
        if self.dialect == "sqlite" and db and db != ":memory:":
            self._lock = _sqlite_write_lock(Path(db).expanduser().resolve())
        self._stmts: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"VisitStore({self.url.render_as_string(hide_password=True)!r})"

    def __enter__(self) -> VisitStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite back end."""
        return self.dialect == "sqlite"

    # -- transactions -------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self._lock, self.engine.connect() as conn:
            conn.execution_options(geo_outreach_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def run_write(self, fn: Callable[[sa.Connection], T]) -> T:
        """Run ``fn(conn)`` in one write transaction, retrying transient failures.

        Back-off starts at 5 ms and doubles (with jitter) up to 1 s per wait, for at most
        :attr:`max_wait_s` seconds in total.
        """
        delay = 0.005
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                with self._write() as conn:
                    return fn(conn)
            except sa.exc.DBAPIError as exc:
                if not _is_transient(exc) or waited >= self.max_wait_s:
                    if _is_transient(exc):
                        raise StoreBusyError(
                            _(
                                "the visit database stayed busy for {seconds} s ({exc}); "
                                "try again later"
                            ).format(seconds=f"{waited:.0f}", exc=exc.orig)
                        ) from exc
                    raise
                pause = min(1.0, delay) * (0.5 + random.random())
                logger.debug("write retry %d after %s (%.3f s)", attempt, exc.orig, pause)
                time.sleep(pause)
                waited += pause
                delay *= 2


class _SqliteWriteLock:
    """Serialise SQLite writers: a thread lock inside a process, ``flock`` between processes.

    SQLite's own busy handler polls with sleeps of up to 100 ms, which wastes most of the
    time when many writers compete; a blocking ``flock`` on ``<db>.lock`` wakes the next
    writer as soon as the lock is free.  SQLite's locking (busy timeout + our retry) still
    protects against writers that do not use this lock.  Without ``fcntl`` (Windows) only
    the thread lock is used.
    """

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self._thread_lock = threading.RLock()
        self._fd: int | None = None
        self._pid = -1
        self._depth = 0
        if hasattr(os, "register_at_fork"):  # a child must not inherit a held lock
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._thread_lock = threading.RLock()
        self._fd, self._pid, self._depth = None, -1, 0

    def __enter__(self) -> _SqliteWriteLock:
        self._thread_lock.acquire()
        try:
            if self._depth == 0:
                self._flock(True)
        except BaseException:
            self._thread_lock.release()
            raise
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0:
                self._flock(False)
        finally:
            self._thread_lock.release()

    def _flock(self, lock: bool) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        if self._fd is None or self._pid != os.getpid():  # a forked child needs its own fd
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            self._pid = os.getpid()
        fcntl.flock(self._fd, fcntl.LOCK_EX if lock else fcntl.LOCK_UN)


def _sqlite_write_lock(path: Path) -> _SqliteWriteLock:
    with _SQLITE_LOCKS_GUARD:
        return _SQLITE_LOCKS.setdefault(str(path), _SqliteWriteLock(path))


def _is_transient(exc: sa.exc.DBAPIError) -> bool:
    orig = exc.orig
    msg = str(orig).lower()
    if exc.connection_invalidated:
        return True
    if isinstance(exc, sa.exc.IntegrityError):
        # two corrections of the same record at once: the loser re-reads and retries
        return "uq_visit_versions_record_version" in msg or (
            "visit_versions.record_id, visit_versions.version" in msg
        )
    if isinstance(exc, sa.exc.OperationalError):
        state = getattr(orig, "sqlstate", None)
        if state is not None:
            return state in ("40001", "40P01", "55P03", "57P01", "08006", "08001", "08003")
        return "locked" in msg or "busy" in msg
    return False


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    db = url.database
    if db and db != ":memory:":
        Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"timeout": 10.0, "check_same_thread": False},
        pool_size=10,
        max_overflow=20,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 10000")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("geo_outreach_write", False)
        # IMMEDIATE takes the write lock up front: no deadlock on lock upgrade
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def open_store(
    url: str | None = None, *, home: str | Path | None = None, max_wait_s: float = 60.0
) -> VisitStore:
    """Open (and create or migrate) the visit log.

    Parameters
    ----------
    url
        SQLAlchemy database URL (``sqlite:///path.sqlite``, ``postgresql://user@host/db``);
        default :func:`default_db_url`.  ``postgresql://`` uses the psycopg 3 driver.
    home
        Folder for the default SQLite file instead of :func:`data_home` (ignored with ``url``).
    max_wait_s
        Longest total back-off of a write before :class:`StoreBusyError`.

    Raises
    ------
    InputError
        The URL is not a database URL this store supports.
    """
    if url is None:
        url = (
            f"sqlite:///{Path(home).expanduser() / 'visits.sqlite'}"
            if home is not None
            else default_db_url()
        )
    try:
        u = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise InputError(
            _(
                "database URL {url} is not a URL; use sqlite:///path/visits.sqlite or "
                "postgresql://user@host/dbname"
            ).format(url=repr(url)),
            source="--db",
        ) from None
    backend = u.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(u)
    elif backend == "postgresql":
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        engine = sa.create_engine(u, pool_size=10, max_overflow=20, pool_pre_ping=True)
    else:
        raise InputError(
            _(
                "database URL {url}: back end {backend} is "
                "not supported; use sqlite:///... or postgresql://..."
            ).format(url=repr(u.render_as_string(hide_password=True)), backend=repr(backend)),
            source="--db",
        )
    store = VisitStore(engine, max_wait_s=max_wait_s)

    def _migrate(conn: sa.Connection) -> int:
        postgis = False
        if store.dialect == "postgresql":
            postgis = bool(
                conn.exec_driver_sql(
                    "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'"
                ).first()
            )
        return migrate(conn, postgis=postgis)

    try:
        ran = store.run_write(_migrate)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise InputError(
            _("cannot open the visit database {db}: {exc}").format(db=repr(store), exc=exc.orig),
            source="--db",
        ) from exc
    if ran:
        logger.info("team database %r migrated to revision %s", store, HEAD)
    if store.dialect == "postgresql":
        with store._read() as conn:
            store.postgis = bool(
                conn.exec_driver_sql(
                    "SELECT 1 FROM information_schema.columns WHERE table_schema = "
                    "current_schema() AND table_name = 'visit_versions' AND column_name = 'geom'"
                ).first()
            )
    store.tables = build_metadata(postgis=store.postgis).tables
    store._stmts.clear()
    return store


# -- helpers ------------------------------------------------------------------------------
def plan_visit_ids(plan: Any) -> frozenset[str] | None:
    """Visit ids of a plan: a table with ``visit_id`` (stops or visits) or a collection."""
    if plan is None:
        return None
    if isinstance(plan, pd.DataFrame):
        if "visit_id" not in plan.columns:
            raise InputError(_("plan: table has no 'visit_id' column"), source="plan")
        ids = plan["visit_id"].dropna().astype(str).str.strip()
        return frozenset(ids[ids != ""])
    if isinstance(plan, str):
        raise InputError(_("plan: give a table or a collection of visit ids"), source="plan")
    return frozenset(str(x) for x in plan)


def _check_planned(record: VisitRecord, ids: frozenset[str] | None, where: str = "") -> None:
    if ids is None or not record.planned_visit_id:
        return
    if record.planned_visit_id not in ids:
        raise InputError(
            where
            + _(
                "planned_visit_id: {visit_id} is not in the plan; check the "
                "id or leave it empty for an unplanned visit"
            ).format(visit_id=repr(record.planned_visit_id)),
            source="planned_visit_id",
        )


def _now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _ewkt(lon: float | None, lat: float | None) -> str | None:
    if lon is None or lat is None:
        return None
    return f"SRID=4326;POINT({lon!r} {lat!r})"


def _version_row(
    store: VisitStore,
    record: VisitRecord,
    *,
    record_id: str,
    version: int,
    key: str,
    recorded_by: str,
    recorded_at: dt.datetime,
    voided: bool = False,
) -> dict[str, Any]:
    row = record.to_row()
    row.update(
        record_id=record_id,
        version=version,
        idempotency_key=key,
        recorded_by=recorded_by,
        recorded_at=recorded_at,
        voided=voided,
    )
    if store.postgis:
        row["geom"] = _ewkt(record.lon, record.lat)
    return row


def _insert_new(store: VisitStore, conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert version rows whose idempotency key is new; return the keys inserted."""
    if not rows:
        return set()
    vv = store.tables["visit_versions"]
    keys = [r["idempotency_key"] for r in rows]
    existing: set[str] = set()
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        existing.update(
            conn.execute(
                sa.select(vv.c.idempotency_key).where(vv.c.idempotency_key.in_(chunk))
            ).scalars()
        )
    todo = [r for r in rows if r["idempotency_key"] not in existing]
    if not todo:
        return set()
    stmt = (
        _dialect_insert(store)(vv)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(vv.c.idempotency_key)
    )
    inserted: set[str] = set()
    for i in range(0, len(todo), 500):
        res = conn.execute(stmt, list(todo[i : i + 500]))
        inserted.update(res.scalars().all())
    return inserted


def _audit_rows(
    record_id: str,
    version: int,
    action: str,
    changes: Mapping[str, tuple[Any, Any]],
    *,
    by: str,
    at: dt.datetime,
    reason: str = "",
) -> list[dict[str, Any]]:
    base = {
        "record_id": record_id,
        "version": version,
        "action": action,
        "changed_by": by,
        "changed_at": at,
        "reason": reason,
    }
    if not changes:
        return [{**base, "field": None, "old_value": None, "new_value": None}]
    out = []
    for name, (old, new) in sorted(changes.items()):
        if name in _MASKED:
            old = "(hidden)" if old else ""
            new = "(hidden)" if new else ""
        out.append(
            {**base, "field": name, "old_value": _jsonable(old), "new_value": _jsonable(new)}
        )
    return out


def _jsonable(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _stored_from_row(row: Any, *, created: bool = True) -> StoredVisit:
    rec_at = row["recorded_at"]
    if isinstance(rec_at, dt.datetime) and rec_at.tzinfo is None:
        rec_at = rec_at.replace(tzinfo=dt.UTC)
    return StoredVisit(
        record_id=row["record_id"],
        version=int(row["version"]),
        record=VisitRecord.from_row(row),
        voided=bool(row["voided"]),
        recorded_by=row["recorded_by"],
        recorded_at=rec_at,
        idempotency_key=row["idempotency_key"],
        created=created,
    )


def _select_cols(store: VisitStore) -> list[sa.ColumnElement[Any]]:
    vv = store.tables["visit_versions"]
    return [vv.c[c] for c in RECORD_COLUMNS]


def _dialect_insert(store: VisitStore) -> Any:
    if store.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert


def _insert_one_stmt(store: VisitStore) -> Any:
    """INSERT of one version row that does nothing when its idempotency key exists."""
    stmt = store._stmts.get("insert_one")
    if stmt is None:
        vv = store.tables["visit_versions"]
        stmt = (
            _dialect_insert(store)(vv)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(vv.c.id)
        )
        store._stmts["insert_one"] = stmt
    return stmt


def _audit_stmt(store: VisitStore) -> Any:
    stmt = store._stmts.get("audit")
    if stmt is None:
        stmt = store._stmts["audit"] = store.tables["visit_audit"].insert()
    return stmt


def _by_key(store: VisitStore, conn: sa.Connection, key: str) -> sa.RowMapping | None:
    stmt = store._stmts.get("by_key")
    if stmt is None:
        vv = store.tables["visit_versions"]
        stmt = sa.select(*_select_cols(store)).where(vv.c.idempotency_key == sa.bindparam("key"))
        store._stmts["by_key"] = stmt
    return conn.execute(stmt, {"key": key}).mappings().first()


def _latest(store: VisitStore, conn: sa.Connection, record_id: str) -> sa.RowMapping | None:
    vv = store.tables["visit_versions"]
    return (
        conn.execute(
            sa.select(*_select_cols(store))
            .where(vv.c.record_id == record_id)
            .order_by(vv.c.version.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )


# -- writes -------------------------------------------------------------------------------
def record_visit(
    store: VisitStore,
    *,
    worker_id: str,
    visited_at: dt.datetime | dt.date | str,
    outcome: str,
    planned_visit_id: str = "",
    people_reached: int = 0,
    referrals: Mapping[str, int] | None = None,
    service: str = "",
    languages: str | Sequence[str] = (),
    followup_needed: bool = False,
    followup_due: dt.date | str | None = None,
    followup_of: str = "",
    note: str = "",
    case_id: str = "",
    lon: float | None = None,
    lat: float | None = None,
    unit_id: str = "",
    plan_id: int | None = None,
    occurrence: int = 0,
    recorded_by: str = "",
    idempotency_key: str | None = None,
    plan: Any = None,
    now: dt.datetime | None = None,
    timezone: str = "UTC",
) -> StoredVisit:
    """Record one visit (the dashboard's "My day" page calls this).

    Parameters
    ----------
    store
        From :func:`open_store`.
    worker_id, visited_at, outcome, planned_visit_id, people_reached, referrals, service,
    languages, followup_needed, followup_due, followup_of, note, case_id, lon, lat, unit_id,
    plan_id, occurrence
        The record; see :class:`~geo_outreach.visits.models.VisitRecord`.
    recorded_by
        Who typed it (default: ``worker_id``).
    idempotency_key
        Unique key of this submission.  Generate it when the form opens and send the same
        key on every retry: the visit is stored once.  Default: a random UUID (no retry
        protection across calls).
    plan
        The current plan (a stops/visits table with ``visit_id`` or a collection of ids):
        ``planned_visit_id`` must be one of them.
    now
        The current time (tests); visits later than this (+10 min) are rejected.
    timezone
        The region's IANA zone: a ``visited_at`` without an offset is wall-clock time there.
        The log stores UTC and this zone; ``visit_date`` is the visit's day there.

    Returns
    -------
    StoredVisit
        ``created`` is False when ``idempotency_key`` had been stored before.

    Raises
    ------
    InputError
        Invalid record (future date, negative count, unknown outcome/category, unknown
        planned visit id...).  Nothing is stored.
    """
    rec = VisitRecord(
        worker_id=worker_id,
        visited_at=visited_at,  # type: ignore[arg-type]
        outcome=outcome,
        planned_visit_id=planned_visit_id,
        people_reached=people_reached,
        referrals=referrals or {},
        service=service,
        languages=languages,  # type: ignore[arg-type]
        followup_needed=followup_needed,
        followup_due=followup_due,  # type: ignore[arg-type]
        followup_of=followup_of,
        note=note,
        case_id=case_id,
        lon=lon,
        lat=lat,
        unit_id=unit_id,
        plan_id=plan_id,
        occurrence=occurrence,
        timezone=timezone,
    )
    rec.check_not_future(now)
    _check_planned(rec, plan_visit_ids(plan))
    key = idempotency_key or f"rv:{uuid.uuid4().hex}"
    by = recorded_by or rec.worker_id

    # everything but the statements is prepared before the write lock is taken
    at = _now_utc()
    rid = uuid.uuid4().hex
    row = _version_row(
        store, rec, record_id=rid, version=1, key=key, recorded_by=by, recorded_at=at
    )
    audit = _audit_rows(rid, 1, "create", {}, by=by, at=at)[0]
    insert, audit_insert = _insert_one_stmt(store), _audit_stmt(store)

    def _tx(conn: sa.Connection) -> StoredVisit:
        if conn.execute(insert, row).first() is not None:
            conn.execute(audit_insert, audit)
            return StoredVisit(rid, 1, rec, False, by, at, key)
        existing = _by_key(store, conn, key)
        assert existing is not None
        return _stored_from_row(existing, created=False)

    return store.run_write(_tx)


def correct_visit(
    store: VisitStore,
    record_id: str,
    *,
    changed_by: str,
    reason: str = "",
    expected_version: int | None = None,
    idempotency_key: str | None = None,
    plan: Any = None,
    now: dt.datetime | None = None,
    **changes: Any,
) -> StoredVisit:
    """Correct a visit: store a new version and one audit row per changed field.

    Parameters
    ----------
    record_id
        The visit to correct.
    changed_by
        Who makes the correction (required: the audit trail names them).
    reason
        Why (kept in the audit trail).
    expected_version
        Refuse (InputError) when someone else corrected the visit since this version was read.
    idempotency_key
        As for :func:`record_visit`: the same key twice stores one correction.
    **changes
        New values for fields of :class:`VisitRecord` (``people_reached=3``,
        ``referrals={"food": 1}``, ...) or ``voided=True/False``.

    Returns
    -------
    StoredVisit
        The new current version (the old one when nothing changed).
    """
    if not str(changed_by or "").strip():
        raise InputError(_("changed_by: say who makes the correction"), source="changed_by")
    unknown = sorted(set(changes) - CORRECTABLE)
    if unknown:
        raise InputError(
            _("correction: {fields} cannot be changed; correct any of {correctable}").format(
                fields=unknown, correctable=sorted(CORRECTABLE)
            ),
            source="changes",
        )
    ids = plan_visit_ids(plan)
    by = str(changed_by).strip()

    def _tx(conn: sa.Connection) -> StoredVisit:
        if idempotency_key:
            done = _by_key(store, conn, idempotency_key)
            if done is not None:
                return _stored_from_row(done, created=False)
        cur = _latest(store, conn, record_id)
        if cur is None:
            raise InputError(
                _("record_id: no visit {record_id} in the log").format(record_id=repr(record_id)),
                source="record_id",
            )
        if expected_version is not None and int(cur["version"]) != expected_version:
            raise InputError(
                _(
                    "visit {record_id} was changed by someone else (now version {version}, "
                    "you edited version {expected}); reload it and correct again"
                ).format(record_id=record_id, version=cur["version"], expected=expected_version),
                source="expected_version",
            )
        old = _stored_from_row(cur)
        rec_changes = {k: v for k, v in changes.items() if k != "voided"}
        new_rec = dataclasses.replace(old.record, **rec_changes)
        if "visited_at" in rec_changes:
            new_rec.check_not_future(now)
        if "planned_visit_id" in rec_changes:
            _check_planned(new_rec, ids)
        voided = bool(changes.get("voided", old.voided))
        old_row, new_row = old.record.to_row(), new_rec.to_row()
        old_row["voided"], new_row["voided"] = old.voided, voided
        diff = {k: (old_row[k], new_row[k]) for k in new_row if old_row.get(k) != new_row[k]}
        diff.pop("visit_date", None)  # follows visited_at
        if not diff:
            return dataclasses.replace(old, created=False)
        version = old.version + 1
        at = _now_utc()
        key = idempotency_key or f"cv:{uuid.uuid4().hex}"
        row = _version_row(
            store,
            new_rec,
            record_id=record_id,
            version=version,
            key=key,
            recorded_by=by,
            recorded_at=at,
            voided=voided,
        )
        conn.execute(store.tables["visit_versions"].insert(), [row])
        action = "void" if (voided and not old.voided) else "correct"
        if not voided and old.voided:
            action = "unvoid"
        conn.execute(
            store.tables["visit_audit"].insert(),
            _audit_rows(record_id, version, action, diff, by=by, at=at, reason=reason),
        )
        return _stored_from_row(row)

    return store.run_write(_tx)


def void_visit(
    store: VisitStore,
    record_id: str,
    *,
    changed_by: str,
    reason: str,
    idempotency_key: str | None = None,
) -> StoredVisit:
    """Void a visit (entered by mistake): a correction that sets ``voided``; nothing is deleted.

    Voided visits are left out of impact figures and exports (``include_voided`` shows them).
    """
    if not str(reason or "").strip():
        raise InputError(_("reason: say why the visit is voided"), source="reason")
    return correct_visit(
        store,
        record_id,
        changed_by=changed_by,
        reason=reason,
        idempotency_key=idempotency_key,
        voided=True,
    )


# -- reads --------------------------------------------------------------------------------
def _frame(rows: Sequence[sa.RowMapping]) -> pd.DataFrame:
    df = pd.DataFrame([dict(r) for r in rows], columns=list(RECORD_COLUMNS))
    df["version"] = df["version"].astype("int64")
    for c in ("people_reached", *(f"referrals_{c}" for c in CATEGORIES)):
        df[c] = df[c].astype("int64")
    for c in ("followup_needed", "voided"):
        df[c] = df[c].astype(bool)
    for c in ("lon", "lat"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    df["visited_at"] = pd.to_datetime(df["visited_at"])  # UTC (rows with a timezone)
    df["timezone"] = df["timezone"].fillna("").astype(str)
    df["visit_date"] = pd.to_datetime(df["visit_date"])
    df["followup_due"] = pd.to_datetime(df["followup_due"])
    df["recorded_at"] = pd.to_datetime(df["recorded_at"], utc=True)
    return df


def visits_frame(
    store: VisitStore,
    *,
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
    include_voided: bool = False,
    all_versions: bool = False,
) -> pd.DataFrame:
    """The current version of every visit (one row per ``record_id``), oldest visit first.

    Columns: :data:`~geo_outreach.visits.models.RECORD_COLUMNS` (``case_id`` included: call
    :func:`~geo_outreach.visits.models.to_public_frame` before showing it).

    Parameters
    ----------
    since, until
        Visit dates to keep (inclusive).
    include_voided
        Keep voided visits (``voided`` column says which).
    all_versions
        Every version of every visit instead of the current ones.
    """
    from .models import parse_date

    vv = store.tables["visit_versions"]
    q = sa.select(*_select_cols(store))
    if not all_versions:
        latest = (
            sa.select(vv.c.record_id, sa.func.max(vv.c.version).label("v"))
            .group_by(vv.c.record_id)
            .subquery()
        )
        q = q.join(
            latest, sa.and_(vv.c.record_id == latest.c.record_id, vv.c.version == latest.c.v)
        )
        if not include_voided:
            q = q.where(vv.c.voided == sa.false())
    d0, d1 = parse_date(since, "since"), parse_date(until, "until")
    if d0 is not None:
        q = q.where(vv.c.visit_date >= d0)
    if d1 is not None:
        q = q.where(vv.c.visit_date <= d1)
    q = q.order_by(vv.c.visited_at, vv.c.record_id, vv.c.version)
    with store._read() as conn:
        rows = conn.execute(q).mappings().all()
    return _frame(rows)


def get_visit(store: VisitStore, record_id: str) -> StoredVisit:
    """The current version of one visit (voided or not)."""
    with store._read() as conn:
        row = _latest(store, conn, record_id)
    if row is None:
        raise InputError(
            _("record_id: no visit {record_id} in the log").format(record_id=repr(record_id)),
            source="record_id",
        )
    return _stored_from_row(row)


def history(store: VisitStore, record_id: str) -> pd.DataFrame:
    """Every version of one visit, oldest first."""
    vv = store.tables["visit_versions"]
    with store._read() as conn:
        rows = (
            conn.execute(
                sa.select(*_select_cols(store))
                .where(vv.c.record_id == record_id)
                .order_by(vv.c.version)
            )
            .mappings()
            .all()
        )
    if not rows:
        raise InputError(
            _("record_id: no visit {record_id} in the log").format(record_id=repr(record_id)),
            source="record_id",
        )
    return _frame(rows)


def audit_frame(store: VisitStore, *, record_id: str | None = None) -> pd.DataFrame:
    """The audit trail: ``record_id, version, action, field, old_value, new_value, changed_by,
    changed_at, reason`` (values as text; ``case_id`` values are shown as ``(hidden)``)."""
    au = store.tables["visit_audit"]
    cols = [
        "record_id",
        "version",
        "action",
        "field",
        "old_value",
        "new_value",
        "changed_by",
        "changed_at",
        "reason",
    ]
    q = sa.select(*(au.c[c] for c in cols)).order_by(au.c.id)
    if record_id is not None:
        q = q.where(au.c.record_id == record_id)
    with store._read() as conn:
        rows = conn.execute(q).mappings().all()
    df = pd.DataFrame([dict(r) for r in rows], columns=cols)
    df["changed_at"] = pd.to_datetime(df["changed_at"], utc=True)
    return df


def _visited_text(df: pd.DataFrame) -> pd.Series:
    """Visit times as ISO text in each visit's zone with its offset (``2024-05-02T08:36:00-04:00``);
    rows without a zone (recorded before UTC storage) as stored, without an offset."""
    from .models import local_time

    out = df["visited_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    for zone in sorted(set(df["timezone"]) - {""}):
        rows = df["timezone"] == zone
        local = local_time(df.loc[rows, "visited_at"], zone)
        out.loc[rows] = local.map(lambda t: t.isoformat(timespec="seconds"))
    return out


def export_csv(
    store: VisitStore,
    out: str | Path,
    *,
    since: dt.date | str | None = None,
    include_voided: bool = False,
) -> int:
    """Write the current visits without personal columns to a CSV; return the row count.

    Columns: :data:`~geo_outreach.visits.models.PUBLIC_COLUMNS` (no ``case_id``).
    """
    df = to_public_frame(visits_frame(store, since=since, include_voided=include_voided))
    df = df[list(PUBLIC_COLUMNS)].copy()
    df["visited_at"] = _visited_text(df)
    for c in ("visit_date", "followup_due"):
        df[c] = df[c].dt.strftime("%Y-%m-%d")
    df["recorded_at"] = df["recorded_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    from geo_outreach.files import atomic_file

    with atomic_file(out) as tmp:  # a cut export is never left behind
        df.to_csv(tmp, index=False)
    return len(df)


def backup(store: VisitStore, out: str | Path) -> Path:
    """Copy a SQLite visit log with SQLite's online backup API (safe while others write).

    ``out`` is the file to write, or a folder (existing, or ending in ``/``) that gets
    ``visits-YYYYmmdd-HHMMSS.sqlite``.  Returns the file written.

    For PostgreSQL use ``pg_dump`` (raises :class:`InputError` saying so).
    """
    if not store.is_sqlite:
        raise InputError(
            _(
                "backup: the visit log is on PostgreSQL; back it up with pg_dump "
                "(e.g. pg_dump -Fc DBNAME > visits.dump)"
            ),
            source="--db",
        )
    import sqlite3

    as_dir = str(out).endswith(("/", os.sep))
    out = Path(out)
    if as_dir or out.is_dir():
        out.mkdir(parents=True, exist_ok=True)
        out = out / f"visits-{dt.datetime.now():%Y%m%d-%H%M%S}.sqlite"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    raw = store.engine.raw_connection()
    try:
        dst = sqlite3.connect(tmp)
        try:
            raw.driver_connection.backup(dst)  # type: ignore[union-attr]
        finally:
            dst.close()
    finally:
        raw.close()
    os.replace(tmp, out)
    return out


def write_many(
    store: VisitStore,
    records: Sequence[VisitRecord],
    *,
    keys: Sequence[str],
    recorded_by: str,
    audit_reason: str = "",
) -> tuple[list[str], int]:
    """Store many new records in ONE transaction (all or nothing); skip keys already stored.

    Returns ``(record_ids of the new visits, number already stored)``.
    """
    if len(records) != len(keys):
        raise ValueError("records and keys differ in length")

    def _tx(conn: sa.Connection) -> tuple[list[str], int]:
        at = _now_utc()
        rows = [
            _version_row(
                store,
                r,
                record_id=uuid.uuid4().hex,
                version=1,
                key=k,
                recorded_by=recorded_by or r.worker_id,
                recorded_at=at,
            )
            for r, k in zip(records, keys, strict=True)
        ]
        new = _insert_new(store, conn, rows)
        created = [r for r in rows if r["idempotency_key"] in new]
        audit = [
            a
            for r in created
            for a in _audit_rows(
                r["record_id"], 1, "create", {}, by=r["recorded_by"], at=at, reason=audit_reason
            )
        ]
        if audit:
            conn.execute(store.tables["visit_audit"].insert(), audit)
        return [r["record_id"] for r in created], len(rows) - len(created)

    return store.run_write(_tx)
