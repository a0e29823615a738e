"""Plans in the team database: store, publish, list, show, export, and a worker's day.

A plan is the folder ``geo-outreach plan`` writes (``routes.geojson``, ``stops.csv``,
``unscheduled.csv``, the inputs ``visits.csv`` and ``workers.csv``, and ``plan.json``: region,
time zone, seed, what stopped the search, summary, checker verdict).  Storing it keeps every
file byte for byte (``plans export`` gives the same files back) plus the fields one
searches by: region, ``week_of`` (the Monday), who made it and when, and the status
``draft | published | superseded``.  Publishing a week's plan supersedes the previous
published plan of that week and region; nothing is ever deleted (a database trigger refuses
it), and ``plan_events`` records who created, published and superseded what, when.

Every function takes ``actor=`` and checks it with :func:`geo_outreach.team.roles.require`:
a worker gets only their own day of a published plan, a planner only counts.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from geo_outreach.domain import WEEKDAYS
from geo_outreach.errors import InputError
from geo_outreach.i18n import N_, _

from . import tables as t
from .roles import OWNER, Actor, require

__all__ = [
    "DAYS",
    "STATUSES",
    "PlanFolder",
    "export_plan",
    "get_plan",
    "list_plans",
    "monday_of",
    "packet_folder",
    "publish_plan",
    "read_plan_folder",
    "record_plan_visit",
    "route_geojson",
    "store_plan",
    "worker_day",
]

logger = logging.getLogger(__name__)

#: Plan statuses.
STATUSES: tuple[str, ...] = ("draft", "published", "superseded")
#: Day codes of the plan files, Monday first.
DAYS: tuple[str, ...] = WEEKDAYS
#: Files of a plan folder that must be there (``visits.csv``/``workers.csv`` kept when present).
REQUIRED_FILES: tuple[str, ...] = ("routes.geojson", "stops.csv", "unscheduled.csv")
MANIFEST = "plan.json"


@dataclass(frozen=True)
class PlanFolder:
    """A plan folder as read from disk (:func:`read_plan_folder`)."""

    path: Path
    manifest: dict[str, Any]
    files: dict[str, bytes]

    @property
    def region(self) -> str:
        return str(self.manifest.get("region") or "")

    @property
    def timezone(self) -> str:
        return str(self.manifest.get("timezone") or "")

    @property
    def verdict(self) -> dict[str, Any]:
        v = self.manifest.get("verdict")
        return v if isinstance(v, dict) else {}


def monday_of(day: dt.date | str) -> dt.date:
    """The Monday of the week of ``day`` (a date or ``YYYY-MM-DD``)."""
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day.strip())
        except ValueError:
            raise InputError(
                _("week_of {day} is not a date; give YYYY-MM-DD").format(day=repr(day)),
                parameter="week_of",
            ) from None
    if isinstance(day, dt.datetime):
        day = day.date()
    return day - dt.timedelta(days=day.weekday())


def read_plan_folder(path: str | Path, *, region: str | None = None) -> PlanFolder:
    """Read a plan folder written by ``geo-outreach plan`` (or ``Plan.save``).

    The one place that reads plan folders (switch to ``geo_outreach.api.read_plan`` here).

    Parameters
    ----------
    path
        The folder.
    region
        The team's region name: a plan of another region is refused.

    Raises
    ------
    InputError
        Not a folder, no ``plan.json`` (not a plan, or written by an older version), not a
        plan manifest, a file missing or cut, or a plan of another region.
    """
    from geo_outreach.files import check_manifest

    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise InputError(
            _("{path} is not a folder; give the folder `geo-outreach plan -o` wrote").format(
                path=folder
            ),
            source=str(folder),
        )
    if not (folder / MANIFEST).is_file():
        raise InputError(
            _(
                "{path} is not a plan: it has no {manifest}; write it with `geo-outreach plan "
                "-o DIR` (this version records the region and the checker's verdict there)"
            ).format(path=folder, manifest=MANIFEST),
            source=str(folder),
        )
    manifest = check_manifest(folder, kind="plan", name=MANIFEST)
    missing = [n for n in REQUIRED_FILES if not (folder / n).is_file()]
    if missing:
        raise InputError(
            _("{path} is not a complete plan: {files} missing").format(
                path=folder, files=", ".join(missing)
            ),
            source=str(folder),
        )
    have = str(manifest.get("region") or "")
    if region is not None and have != region:
        raise InputError(
            _(
                "{path} is a plan of region {have}, not of {region}; "
                "plan it on this region (or open the plan's own region)"
            ).format(path=folder, have=repr(have or _("(unknown)")), region=repr(region)),
            source=str(folder),
        )
    names = sorted({*manifest.get("files", {}), *REQUIRED_FILES, MANIFEST})
    files = {n: (folder / n).read_bytes() for n in names if (folder / n).is_file()}
    return PlanFolder(path=folder, manifest=manifest, files=files)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _aware(v: dt.datetime | None) -> dt.datetime | None:
    if v is None:
        return None
    return v if v.tzinfo is not None else v.replace(tzinfo=dt.UTC)


def _stops(files: dict[str, bytes]) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(files["stops.csv"]), dtype=str, keep_default_na=False)


def _counts(files: dict[str, bytes]) -> tuple[int, int]:
    st = _stops(files)
    visits = st[st["kind"] == "visit"]
    routes = visits[["worker_id", "day"]].drop_duplicates()
    return len(routes), len(visits)


def _event(
    conn: sa.Connection, plan_id: int, action: str, by: str, at: dt.datetime, note: str = ""
):
    conn.execute(
        t.plan_events.insert().values(plan_id=plan_id, action=action, by=by, at=at, note=note)
    )


def store_plan(
    store: Any,
    folder: str | Path | PlanFolder,
    *,
    week_of: dt.date | str,
    region: str | None = None,
    publish: bool = False,
    streets: Any = None,
    actor: Actor = OWNER,
) -> dict[str, Any]:
    """Store a plan folder as a draft (or publish it at once with ``publish=True``).

    Parameters
    ----------
    store
        The open team database (:func:`geo_outreach.visits.store.open_store`).
    folder
        The plan folder (or one read with :func:`read_plan_folder`).
    week_of
        Any date of the plan's week (taken as its Monday).
    region
        The team's region name: a plan of another region is refused.
    publish
        Publish it: the week's previous published plan becomes ``superseded``.
    streets
        The region's road edges (``name``, ``geometry``;
        :func:`geo_outreach.present.exports.road_edges`): a visit without an address is
        described by its nearest named street or crossing ("near A & B"), stored with the
        plan.  Without them such a visit is described by its coordinates.
    actor
        Who stores it (``plans.create``; ``plans.publish`` too when publishing).

    Returns
    -------
    dict
        The plan as :func:`get_plan` gives it.
    """
    require(actor, "plans.create")
    if publish:
        require(actor, "plans.publish")
    pf = folder if isinstance(folder, PlanFolder) else read_plan_folder(folder, region=region)
    if region is not None and pf.region != region:
        raise InputError(
            _("the plan is of region {have}, not of {region}").format(
                have=repr(pf.region), region=repr(region)
            )
        )
    monday = monday_of(week_of)
    n_routes, n_visits = _counts(pf.files)
    addresses: dict[str, str] = {}
    if streets is not None:
        from .streets import street_addresses

        addresses = street_addresses(_stops(pf.files), streets)
    now = _now()

    superseded: list[int] = []

    def _tx(conn: sa.Connection) -> int:
        superseded.clear()
        res = conn.execute(
            t.plans.insert().values(
                region=pf.region,
                timezone=pf.timezone,
                week_of=monday,
                status="draft",
                created_by=actor.username,
                created_at=now,
                source=str(pf.path.resolve()),
                n_routes=n_routes,
                n_visits=n_visits,
                manifest=json.dumps(pf.manifest, sort_keys=True, default=str),
                verdict=json.dumps(pf.verdict, sort_keys=True, default=str),
                addresses=json.dumps(addresses, sort_keys=True) if addresses else None,
            )
        )
        pid = int(res.inserted_primary_key[0])  # type: ignore[index]
        conn.execute(
            t.plan_files.insert(),
            [{"plan_id": pid, "name": n, "content": b} for n, b in sorted(pf.files.items())],
        )
        _event(conn, pid, "create", actor.username, now, str(pf.path))
        if publish:
            superseded.extend(_publish(conn, pid, actor, now))
        return pid

    pid = store.run_write(_tx)
    if publish:
        _warn_missing_workers(store, pid)
    out = get_plan(store, pid, actor=OWNER)
    if publish:
        out["superseded"] = list(superseded)
    return out


def _publish(conn: sa.Connection, pid: int, actor: Actor, now: dt.datetime) -> list[int]:
    p = t.plans
    row = conn.execute(sa.select(p.c.week_of, p.c.region, p.c.status).where(p.c.id == pid)).first()
    if row is None:
        raise InputError(_("no plan {plan_id}").format(plan_id=pid), parameter="plan_id")
    if row.status != "draft":
        raise InputError(
            _("plan {plan_id} is {status}; only a draft can be published").format(
                plan_id=pid, status=row.status
            )
        )
    old = (
        conn.execute(
            sa.select(p.c.id).where(
                p.c.week_of == row.week_of,
                p.c.region == row.region,
                p.c.status == "published",
                p.c.id != pid,
            )
        )
        .scalars()
        .all()
    )
    for o in old:
        conn.execute(
            p.update()
            .where(p.c.id == o)
            .values(status="superseded", superseded_at=now, superseded_by=pid)
        )
        _event(conn, o, "supersede", actor.username, now, f"by plan {pid}")
    conn.execute(p.update().where(p.c.id == pid).values(status="published", published_at=now))
    _event(conn, pid, "publish", actor.username, now)
    return [int(o) for o in old]


def publish_plan(
    store: Any,
    folder_or_id: str | Path | PlanFolder | int,
    *,
    week_of: dt.date | str | None = None,
    region: str | None = None,
    streets: Any = None,
    actor: Actor = OWNER,
) -> dict[str, Any]:
    """Publish a stored draft (an id) or a plan folder (stored and published in one step).

    Publishing supersedes the previous published plan of the same week and region.
    Warns when a worker account's ``worker_id`` is not in the plan.  ``streets``: as for
    :func:`store_plan` (a folder only).
    """
    require(actor, "plans.publish")
    if isinstance(folder_or_id, int):
        pid = folder_or_id

        def _tx(conn: sa.Connection) -> list[int]:
            return _publish(conn, pid, actor, _now())

        old = store.run_write(_tx)
        _warn_missing_workers(store, pid)
        out = get_plan(store, pid, actor=OWNER)
        out["superseded"] = old
        return out
    if week_of is None:
        raise InputError(_("give week_of: the plan's week"), parameter="week_of")
    return store_plan(
        store, folder_or_id, week_of=week_of, region=region, publish=True, streets=streets,
        actor=actor,
    )  # fmt: skip


def _warn_missing_workers(store: Any, pid: int) -> None:
    with store._read() as conn:
        ids = set(
            conn.execute(
                sa.select(t.users.c.worker_id).where(
                    t.users.c.role == "worker", t.users.c.disabled == sa.false()
                )
            ).scalars()
        )
    files = _files(store, pid)
    in_plan = set(_stops(files)["worker_id"])
    missing = sorted(i for i in ids if i and i not in in_plan)
    if missing:
        msg = N_(
            "plan {plan_id}: worker account(s) with worker id {workers} have no route in "
            "this plan (check the workers file or the accounts)"
        )
        fields = {"plan_id": pid, "workers": ", ".join(missing)}
        logger.warning(msg.format(**fields))  # logs stay English
        warnings.warn(_(msg).format(**fields), UserWarning, stacklevel=3)


def _files(store: Any, pid: int) -> dict[str, bytes]:
    with store._read() as conn:
        rows = conn.execute(
            sa.select(t.plan_files.c.name, t.plan_files.c.content).where(
                t.plan_files.c.plan_id == pid
            )
        ).all()
    return {r.name: bytes(r.content) for r in rows}


def _row(store: Any, pid: int) -> Any:
    try:
        pid = int(pid)
    except (TypeError, ValueError):
        raise InputError(
            _("plan id {plan_id} is not a number").format(plan_id=repr(pid)), parameter="plan_id"
        ) from None
    with store._read() as conn:
        row = conn.execute(sa.select(t.plans).where(t.plans.c.id == pid)).mappings().first()
    if row is None:
        raise InputError(
            _("no plan {plan_id} in the team database; see `plans list`").format(plan_id=pid),
            parameter="plan_id",
        )
    return row


def _summary(row: Any) -> dict[str, Any]:
    pub = _aware(row["published_at"])
    return {
        "id": int(row["id"]),
        "week_of": row["week_of"].isoformat(),
        "status": row["status"],
        "region": row["region"],
        "routes": int(row["n_routes"]),
        "visits": int(row["n_visits"]),
        "created_by": row["created_by"],
        "created_at": _aware(row["created_at"]).isoformat(),  # type: ignore[union-attr]
        "published_at": pub.isoformat() if pub else None,
        "superseded_by": row["superseded_by"],
    }


def list_plans(
    store: Any,
    *,
    week_of: dt.date | str | None = None,
    status: str | None = None,
    actor: Actor = OWNER,
) -> list[dict[str, Any]]:
    """Every stored plan, newest first: ``{id, week_of, status, region, routes, visits, ...}``.

    ``routes`` and ``visits`` are counts (no client data: planners may list plans).
    """
    require(actor, "plans.list")
    q = sa.select(t.plans).order_by(t.plans.c.id.desc())
    if week_of is not None:
        q = q.where(t.plans.c.week_of == monday_of(week_of))
    if status is not None:
        if status not in STATUSES:
            raise InputError(
                _("status {status}: one of {choices}").format(
                    status=repr(status), choices=", ".join(STATUSES)
                )
            )
        q = q.where(t.plans.c.status == status)
    with store._read() as conn:
        rows = conn.execute(q).mappings().all()
    return [_summary(r) for r in rows]


def _address(r: Any, streets: dict[str, str] | None = None) -> str:
    """The visit's own address, else its nearest named street (stored), else coordinates."""
    a = str(r.get("address") or "").strip()
    if a:
        return a
    near = (streets or {}).get(str(r.get("visit_id")))
    if near:
        return near
    try:
        return f"near {float(r['lat']):.5f}, {float(r['lon']):.5f}"
    except (TypeError, ValueError):
        return "(no address)"


def _addresses(row: Any) -> dict[str, str]:
    raw = row.get("addresses") if hasattr(row, "get") else None
    try:
        out = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}


def _routes(
    files: dict[str, bytes], week_of: dt.date, addresses: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    st = _stops(files)
    out = []
    for (wid, day), g in st.groupby(["worker_id", "day"], sort=False):
        g = g.assign(_seq=g["seq"].astype(int)).sort_values("_seq")
        visits = g[g["kind"] == "visit"]
        if visits.empty:
            continue
        d = week_of + dt.timedelta(days=DAYS.index(day)) if day in DAYS else None
        stops = [
            {
                "seq": i,
                "visit_id": r["visit_id"],
                "occurrence": int(r.get("occurrence") or 0),
                "name": r.get("name", ""),
                "start": r["start"],
                "end": r["end"],
                "address": _address(r, addresses),
                "languages": r.get("languages", ""),
                "notes": r.get("notes", ""),
                "lon": float(r["lon"]),
                "lat": float(r["lat"]),
            }
            for i, (_, r) in enumerate(visits.iterrows(), start=1)
        ]
        breaks = [
            {"start": r["start"], "end": r["end"]} for _, r in g[g["kind"] == "break"].iterrows()
        ]
        ends = {k: g[g["kind"] == k].iloc[0] for k in ("start", "end") if (g["kind"] == k).any()}
        out.append(
            {
                "worker_id": wid,
                "worker_name": g.iloc[0].get("worker_name", ""),
                "day": day,
                "date": d.isoformat() if d else None,
                "stops": stops,
                "breaks": breaks,
                "depot": {
                    k: {"time": v["start"], "lon": float(v["lon"]), "lat": float(v["lat"])}
                    for k, v in ends.items()
                },
            }
        )
    order = {d: i for i, d in enumerate(DAYS)}
    out.sort(key=lambda r: (order.get(r["day"], 9), r["worker_id"]))
    return out


def get_plan(store: Any, plan_id: int, *, actor: Actor = OWNER) -> dict[str, Any]:
    """One plan with its routes: the :func:`list_plans` object, and ``routes`` as a list.

    ``routes``: ``{worker_id, worker_name, day, date, stops, breaks, depot}``; ``stops`` holds
    visits only, ``seq`` 1..N in visit order, ``start``/``end`` service times ``HH:MM`` in the
    region's time zone, ``address`` never empty (the visit's own, else where it is).  Also
    ``unscheduled`` (``visit_id, code, reason``), ``verdict``, ``timezone``, ``counts``.
    """
    require(actor, "plans.read")
    row = _row(store, plan_id)
    files = _files(store, int(row["id"]))
    out = _summary(row)
    out["counts"] = {"routes": out["routes"], "visits": out["visits"]}
    out["routes"] = _routes(files, row["week_of"], _addresses(row))
    un = pd.read_csv(io.BytesIO(files["unscheduled.csv"]), dtype=str, keep_default_na=False)
    out["unscheduled"] = [
        {"visit_id": r["visit_id"], "code": r.get("code", ""), "reason": r.get("reason", "")}
        for _, r in un.iterrows()
    ]
    out["verdict"] = json.loads(row["verdict"] or "{}")
    out["timezone"] = row["timezone"]
    return out


def export_plan(store: Any, plan_id: int, out: str | Path, *, actor: Actor = OWNER) -> Path:
    """Write the stored plan's files (the same bytes ``plan`` wrote) into the folder ``out``."""
    from geo_outreach.files import atomic_dir

    require(actor, "plans.export")
    row = _row(store, plan_id)
    files = _files(store, int(row["id"]))
    target = Path(out).expanduser()
    with atomic_dir(target) as tmp:
        for name, content in files.items():
            p = tmp / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content)
    return target


def worker_day(
    store: Any, *, worker_id: str, date: dt.date | str, actor: Actor = OWNER
) -> dict[str, Any] | None:
    """The published plan's route of one worker on one date, or None when there is none.

    A worker may ask only for their own ``worker_id`` (:class:`~geo_outreach.team.roles.
    AccessDeniedError` otherwise).  Returns the route object of :func:`get_plan` plus
    ``plan_id``, ``published_at`` (ISO, UTC) and ``timezone``.
    """
    require(actor, "day.read", worker_id)
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    monday = monday_of(day)
    p = t.plans
    with store._read() as conn:
        row = (
            conn.execute(
                sa.select(p)
                .where(p.c.week_of == monday, p.c.status == "published")
                .order_by(p.c.published_at.desc(), p.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    code = DAYS[day.weekday()]
    for route in _routes(_files(store, int(row["id"])), monday, _addresses(row)):
        if route["worker_id"] == worker_id and route["day"] == code:
            pub = _aware(row["published_at"])
            route.update(
                plan_id=int(row["id"]),
                published_at=pub.isoformat() if pub else None,
                timezone=row["timezone"],
            )
            return route
    return None


def route_geojson(
    store: Any, plan_id: int, *, worker_id: str, day: str, actor: Actor = OWNER
) -> dict[str, Any]:
    """The road path of ``worker_id``'s route on ``day`` (``Mon``..``Sun``) in plan ``plan_id``.

    A GeoJSON FeatureCollection (EPSG:4326) of the plan's ``routes.geojson`` features of that
    worker and day; empty when there are none.  Checks ``day.read`` for ``worker_id``.
    """
    require(actor, "day.read", worker_id)
    row = _row(store, plan_id)
    raw = _files(store, int(row["id"])).get("routes.geojson", b"")
    fc = json.loads(raw) if raw else {"type": "FeatureCollection", "features": []}
    fc["features"] = [
        f
        for f in fc.get("features", [])
        if str((f.get("properties") or {}).get("worker_id")) == str(worker_id)
        and str((f.get("properties") or {}).get("day")) == str(day)
    ]
    return fc


def record_plan_visit(
    store: Any,
    *,
    plan_id: int,
    worker_id: str,
    visit_id: str,
    occurrence: int = 0,
    date: dt.date | str,
    outcome: str,
    actor: Actor = OWNER,
    visited_at: dt.datetime | None = None,
    **record: Any,
) -> Any:
    """Record a visit of a published plan's stop (the My day form calls this).

    Checks ``visits.record`` for ``worker_id`` (a worker records only their own stops) and
    that the stop is on ``worker_id``'s route of ``date`` in plan ``plan_id``; the visit links
    by ``(plan_id, visit_id, occurrence, date)``.  ``record`` takes the other fields of
    :func:`geo_outreach.visits.store.record_visit` (``people_reached``, ``note``...).

    Returns
    -------
    geo_outreach.visits.store.StoredVisit
    """
    from geo_outreach.visits.store import record_visit

    require(actor, "visits.record", worker_id)
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    row = _row(store, plan_id)
    routes = _routes(_files(store, int(row["id"])), row["week_of"], _addresses(row))
    code = DAYS[day.weekday()]
    route = next((r for r in routes if r["worker_id"] == worker_id and r["day"] == code), None)
    if route is None or monday_of(day) != row["week_of"]:
        raise InputError(
            _("plan {plan_id} has no route for {worker_id} on {day}").format(
                plan_id=plan_id, worker_id=worker_id, day=day
            ),
            parameter="date",
        )
    stop = next(
        (
            s
            for s in route["stops"]
            if s["visit_id"] == str(visit_id) and int(s["occurrence"]) == int(occurrence)
        ),
        None,
    )
    if stop is None:
        raise InputError(
            _("visit {visit_id} is not on {worker_id}'s route of {day} in plan {plan_id}").format(
                visit_id=repr(visit_id), worker_id=worker_id, day=day, plan_id=plan_id
            ),
            parameter="visit_id",
        )
    when = visited_at or dt.datetime.combine(day, dt.datetime.now().time()).replace(microsecond=0)
    return record_visit(
        store,
        worker_id=worker_id,
        visited_at=when,
        outcome=outcome,
        planned_visit_id=str(visit_id),
        plan_id=int(row["id"]),
        occurrence=int(occurrence),
        lon=stop["lon"],
        lat=stop["lat"],
        recorded_by=record.pop("recorded_by", actor.username),
        **record,
    )


def packet_folder(
    store: Any, plan_id: int, out: str | Path, *, worker_id: str, actor: Actor = OWNER
) -> Path:
    """Write plan ``plan_id``'s files to ``out`` so a field packet of ``worker_id`` can be made.

    Checks ``packet.read`` for ``worker_id`` (a worker gets only their own packet); the
    folder is for :func:`geo_outreach.present.packet.write_packet` on the server, not for
    download.  Its ``stops.csv`` gives every visit the address :func:`get_plan` shows (the
    visit's own, else the stored nearest street), so the route sheet, GPX and calendar
    (``LOCATION``) say the same as My day.
    """
    from geo_outreach.files import atomic_dir

    require(actor, "packet.read", worker_id)
    row = _row(store, plan_id)
    files = dict(_files(store, int(row["id"])))
    stops = _stops(files)
    if "address" not in stops.columns:
        stops["address"] = ""
    visit = stops["kind"] == "visit"
    stops.loc[visit, "address"] = [_address(r, _addresses(row)) for _, r in stops[visit].iterrows()]
    files["stops.csv"] = stops.to_csv(index=False).encode("utf-8")
    target = Path(out).expanduser()
    with atomic_dir(target) as tmp:
        for name, content in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(content)
    return target
