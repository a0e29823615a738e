"""What My day shows for one stop and one day, apart from drawing it.

The page (``app/team_day.py``) draws; this module decides: the navigation links of a stop
(coordinates only, never a name or an address), the notes of the last recorded visits, when
the published plan changed since the worker last looked ("Plan updated at HH:MM"), and the
box around the day's stops that the map is fitted to.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from geo_outreach.i18n import _, format_time

from .roles import OWNER, Actor, require

__all__ = ["day_bounds", "last_notes", "local_hhmm", "navigate_links", "plan_update_note"]

logger = logging.getLogger(__name__)


def navigate_links(lat: float, lon: float) -> dict[str, str]:
    """Links that open a navigation app at a stop, with coordinates only.

    Parameters
    ----------
    lat, lon
        The stop, WGS84 degrees.

    Returns
    -------
    dict
        ``{"Navigate": geo: URI (Android and most map apps), "OpenStreetMap": directions
        link, "Apple Maps": directions link (iOS ignores geo:)}``, in that order.
    """
    la, lo = f"{float(lat):.6f}", f"{float(lon):.6f}"
    return {
        "Navigate": f"geo:{la},{lo}?q={la},{lo}",
        "OpenStreetMap": f"https://www.openstreetmap.org/directions?route=%3B{la}%2C{lo}",
        "Apple Maps": f"https://maps.apple.com/?daddr={la},{lo}",
    }


def _local_time(iso: str | None, timezone: str) -> dt.datetime | None:
    """An ISO timestamp in ``timezone`` (UTC when the zone is unknown); None without one."""
    if not iso:
        return None
    when = dt.datetime.fromisoformat(iso)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    try:
        from zoneinfo import ZoneInfo

        when = when.astimezone(ZoneInfo(timezone)) if timezone else when
    except (KeyError, ValueError):  # unknown zone: UTC
        logger.debug("unknown time zone %r; showing UTC", timezone)
    return when


def local_hhmm(iso: str | None, timezone: str) -> str:
    """``HH:MM`` of an ISO timestamp in ``timezone`` (UTC when the zone is unknown)."""
    when = _local_time(iso, timezone)
    return when.strftime("%H:%M") if when is not None else ""


def plan_update_note(seen: Any, route: dict[str, Any]) -> str | None:
    """ "Plan updated at 9:05 AM" when ``route`` comes from another publication than ``seen``.

    Parameters
    ----------
    seen
        What the worker saw last for this day: ``(plan_id, published_at)``, or None.
    route
        :func:`geo_outreach.team.plans.worker_day`'s answer now.
    """
    now = (route["plan_id"], route["published_at"])
    if seen is None or tuple(seen) == now:
        return None
    when = _local_time(route["published_at"], route.get("timezone") or "")
    # in the current language, the time as it writes clock times ("9:05 AM" / "09:05")
    return _("Plan updated at {time}").format(time=format_time(when) if when else "")


def last_notes(store: Any, *, worker_id: str, actor: Actor = OWNER) -> dict[str, str]:
    """The note of the last recorded visit of each planned visit, for ``worker_id``'s stops.

    Checks ``day.read`` for ``worker_id`` (a worker reads only their own).  Notes recorded
    by any worker at that visit count: the next visitor should know what the last one saw.
    """
    from geo_outreach.visits.store import visits_frame

    require(actor, "day.read", worker_id)
    df = visits_frame(store)
    if df.empty:
        return {}
    df = df[df["note"].astype(str).str.strip() != ""]
    out: dict[str, str] = {}
    for r in df.sort_values("visited_at", kind="stable").itertuples(index=False):
        if r.planned_visit_id:
            out[str(r.planned_visit_id)] = str(r.note)
    return out


def day_bounds(
    route: dict[str, Any], *, pad_deg: float = 0.002
) -> tuple[float, float, float, float]:
    """``(min lon, min lat, max lon, max lat)`` of a day's stops and its start and end.

    The day map is fitted to it (padded by ``pad_deg`` so the markers are not on the edge).
    """
    pts = [(s["lon"], s["lat"]) for s in route["stops"]]
    pts += [(v["lon"], v["lat"]) for v in route.get("depot", {}).values()]
    if not pts:
        raise ValueError("a day without stops has no bounds")
    xs, ys = [float(p[0]) for p in pts], [float(p[1]) for p in pts]
    return (min(xs) - pad_deg, min(ys) - pad_deg, max(xs) + pad_deg, max(ys) + pad_deg)
