"""My day with accounts: the **published** plan of the chosen day for the signed-in worker.

Read from the team database (:func:`geo_outreach.team.plans.worker_day`), so the worker sees
the manager's published plan on any device and in any session.  Every library call passes
the signed-in actor: a worker asking for another worker's day (a changed ``?worker=``) is
refused with a plain message.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

import logic
import maps
import state
import streamlit as st

from geo_outreach.errors import GeoOutreachError, InputError
from geo_outreach.i18n import N_, _, format_date, get_language, gettext, ngettext
from geo_outreach.present.labels import (
    route_names,
    skill_details,
    time_text,
)
from geo_outreach.team.day import day_bounds, last_notes, navigate_links, plan_update_note
from geo_outreach.team.plans import route_geojson
from geo_outreach.team.roles import AccessDeniedError, Actor

#: outcome code -> what the worker reads (translated when drawn)
OUTCOMES = {"done": N_("Done"), "no_one_there": N_("No one there"), "cancelled": N_("Cancelled")}


def _today() -> dt.date:
    """Today in the region's time zone (not the server's)."""
    return logic.region_today(state.get_ctx(state.region_arg()).region.timezone)


def _outcome(code: str, lang: str | None = None) -> str:
    """An outcome for people, in ``lang`` (default: the page's language)."""
    return gettext(OUTCOMES[code], lang=lang) if code in OUTCOMES else str(code)


def _day_text(day: dt.date, *, year: bool = True) -> str:
    """A date as the worker reads it (``Mon 2 Mar 2026`` / ``lun 2 de mar de 2026``)."""
    return format_date(day, form=_("EEE d MMM y") if year else _("EEE d MMM"))


@st.cache_data(show_spinner=False, max_entries=32)
def _day_map(
    region: str | None,
    plan_id: int,
    worker: str,
    day: str,
    stops_json: str,
    _actor: Actor,
    lang: str = "en",  # part of the cache key: the tooltips speak the page's language
) -> str:
    import folium
    import geopandas as gpd

    from geo_outreach.present.webmap import add_routes

    ctx = state.get_ctx(region)
    stops = json.loads(stops_json)
    fc = route_geojson(state.visit_store(), plan_id, worker_id=worker, day=day, actor=_actor)
    lines = gpd.GeoDataFrame.from_features(fc["features"], crs="EPSG:4326")
    if len(lines):  # the route by the worker's name and day (headers: column_label)
        lines = lines.assign(route=route_names(lines))
    bounds = day_bounds(stops)
    m = maps.new_map(ctx, state.get_roads(region), bounds=bounds)
    if len(lines):
        add_routes(
            m,
            lines,
            route_column="route",
            fields=[c for c in ("route", "n_stops") if c in lines.columns],
            palette=list(lines["colour"]) if "colour" in lines else None,
            name=_("Route"),
            legend=False,
        )
    for kind, colour, tip in (
        ("start", "#009E73", N_("Start {time}")),
        ("end", "#CC79A7", N_("Back {time}")),
    ):
        v = stops["depot"].get(kind)
        if v:
            folium.CircleMarker(
                [v["lat"], v["lon"]], radius=9, color=colour, fill=True, fill_opacity=0.9,
                tooltip=_(tip).format(time=time_text(v["time"])),
            ).add_to(m)  # fmt: skip
    for s in stops["stops"]:
        folium.Marker(
            [s["lat"], s["lon"]],
            tooltip=f"{s['seq']}. {time_text(s['start'])}",
            icon=folium.DivIcon(
                html=(
                    '<div style="background:#D55E00;color:#fff;border-radius:50%;width:22px;'
                    "height:22px;line-height:22px;text-align:center;font-weight:bold;"
                    f'font:bold 12px sans-serif">{int(s["seq"])}</div>'
                ),
                icon_size=(22, 22),
                icon_anchor=(11, 11),
            ),
        ).add_to(m)
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return maps.to_page(m)


#: the label of the link that opens the phone's navigation app (a geo: link)
NAVIGATE = N_("Navigate")
#: the packet's files: suffix, download label (translated when drawn), MIME type
PACKET_FILES = (
    ("pdf", N_("Route sheet (PDF, to print)"), "application/pdf"),
    ("gpx", N_("GPS route (GPX)"), "application/gpx+xml"),
    ("ics", N_("Calendar (ICS)"), "text/calendar"),
    ("html", N_("Offline map (HTML)"), "text/html"),
)


def _workers_of_week(store: Any, day: dt.date, actor: Actor) -> list[str]:
    from geo_outreach.team.plans import get_plan, list_plans

    pub = list_plans(store, week_of=day, status="published", actor=actor)
    if not pub:
        return []
    plan = get_plan(store, pub[0]["id"], actor=actor)
    return list(dict.fromkeys(r["worker_id"] for r in plan["routes"]))


def render(actor: Actor) -> None:
    """Draw My day for ``actor`` from the published plans."""
    from geo_outreach.team.plans import worker_day

    sc = state.scenario()
    st.title(_("My day"))
    store = state.visit_store()
    qp = st.query_params
    try:
        default_day = dt.date.fromisoformat(qp.get("date", "")) if qp.get("date") else None
    except ValueError:
        default_day = None
    day = st.date_input(_("Day"), default_day or _today(), key="team_day_date")
    if actor.role == "worker":
        worker = str(qp.get("worker") or actor.worker_id)
    else:
        choices = _workers_of_week(store, day, actor)
        if not choices:
            st.info(_("No published plan for the week of {date}.").format(date=_day_text(day)))
            st.stop()
        want = qp.get("worker")
        worker = str(
            st.selectbox(
                _("Worker"),
                choices,
                index=choices.index(want) if want in choices else 0,
                key="team_day_worker",
            )
        )
    try:
        route = worker_day(store, worker_id=worker, date=day, actor=actor)
    except AccessDeniedError as exc:
        st.error(str(exc))
        st.stop()
        return
    if route is None:
        st.info(
            _("No published plan for {worker} on {date}.").format(
                worker=worker, date=_day_text(day)
            )
        )
        st.stop()
        return
    seen = st.session_state.setdefault("team_day_seen", {})
    key = f"{worker}|{day}"
    note = plan_update_note(seen.get(key), route)
    if note:
        st.info(note)
    seen[key] = (route["plan_id"], route["published_at"])
    depot = route["depot"]
    n = len(route["stops"])
    stops_text = "**" + ngettext("{n} stop", "{n} stops", n).format(n=n) + "**"
    start = time_text(depot.get("start", {}).get("time", ""))
    back = time_text(depot.get("end", {}).get("time", ""))
    nb = len(route["breaks"])
    if nb:
        breaks = ngettext("{n} break", "{n} breaks", nb).format(n=nb)
        line = _("{stops} · start {start} · back {back} · {breaks}").format(
            stops=stops_text, start=start, back=back, breaks=breaks
        )
    else:
        line = _("{stops} · start {start} · back {back}").format(
            stops=stops_text, start=start, back=back
        )
    st.markdown(line)
    with st.spinner(_("Drawing your route...")):
        page = _day_map(
            sc.region, route["plan_id"], worker, route["day"], json.dumps(route), actor,
            get_language(),
        )  # fmt: skip
    maps.show(page, height=320)
    _packet(store, route, worker, actor, sc.region)
    notes = last_notes(store, worker_id=worker, actor=actor)
    for s in route["stops"]:
        with st.container(border=True, key=f"team_stop_{s['seq']}"):
            when = f"{time_text(s['start'])}–{time_text(s['end'])}"
            st.markdown(f"**{s['seq']}. {when} · {s['name'] or s['visit_id']}**")
            details = [s["address"]]
            details += skill_details(str(s.get("languages") or ""))
            if s.get("notes"):
                details.append(_("Note: {note}").format(note=s["notes"]))
            last = notes.get(str(s["visit_id"]))
            if last:
                details.append(_("Last visit: {note}").format(note=last))
            st.caption(" · ".join(details))
            # link buttons: st.html's sanitiser drops geo: links; these keep the URL as is
            with st.container(horizontal=True, key=f"team_nav_{s['seq']}"):
                for label, url in navigate_links(s["lat"], s["lon"]).items():
                    geo = label == "Navigate"  # the phone's own navigation app
                    st.link_button(_(NAVIGATE) if geo else label, url,
                                   icon=":material/directions:" if geo else None)  # fmt: skip
            _record_form(store, route, s, worker, day, actor)
    for b in route["breaks"]:
        st.caption(
            _("Break {start}–{end}").format(start=time_text(b["start"]), end=time_text(b["end"]))
        )


def _record_form(
    store: Any, route: dict[str, Any], s: dict[str, Any], worker: str, day: dt.date, actor: Actor
) -> None:
    from geo_outreach.team.plans import record_plan_visit
    from geo_outreach.visits.store import StoreBusyError

    sk = f"{route['plan_id']}_{worker}_{day}_{s['visit_id']}_{s['occurrence']}"
    ss = st.session_state
    if f"trec_key_{sk}" not in ss:
        ss[f"trec_key_{sk}"] = logic.new_idempotency_key()
    msg = ss.get(f"trec_msg_{sk}")
    with st.expander(_("Record this visit"), expanded=msg is not None and msg[0] == "error"):
        with st.form(f"trec_form_{sk}", border=False):
            outcome = st.radio(
                _("What happened?"), list(OUTCOMES), horizontal=True,
                format_func=functools.partial(_outcome, lang=get_language()),
                key=f"trec_outcome_{sk}",
            )  # fmt: skip
            people = st.number_input(_("People reached"), 0, 999, 1, key=f"trec_people_{sk}")
            note = st.text_area(_("Note (no client names)"), key=f"trec_note_{sk}", height=68)
            other_day = day != _today()
            confirm = True
            if other_day:
                confirm = st.checkbox(
                    _("Yes, this visit was on {date} (not today)").format(
                        date=_day_text(day, year=False)
                    ),
                    key=f"trec_conf_{sk}",
                )
            saved = st.form_submit_button(_("Save"), type="primary", width="stretch")
        if saved:
            if not confirm:
                ss[f"trec_msg_{sk}"] = (
                    "error",
                    _("This day is not today: tick 'Yes, this visit was on {date}' to record it.")
                    .format(date=_day_text(day, year=False)),
                )  # fmt: skip
            else:
                try:
                    stored = record_plan_visit(
                        store, plan_id=route["plan_id"], worker_id=worker,
                        visit_id=s["visit_id"], occurrence=s["occurrence"], date=day,
                        outcome=outcome, people_reached=int(people) if outcome == "done" else 0,
                        note=note, idempotency_key=ss[f"trec_key_{sk}"], actor=actor,
                    )  # fmt: skip
                except StoreBusyError:
                    ss[f"trec_msg_{sk}"] = (
                        "error",
                        _("The visit log is busy; press Save again."),
                    )
                except (InputError, AccessDeniedError) as exc:
                    ss[f"trec_msg_{sk}"] = ("error", " ".join(str(exc).split()))
                else:
                    ss[f"trec_msg_{sk}"] = (
                        ("success", _("Saved: {outcome}.").format(
                            outcome=_outcome(stored.record.outcome)))
                        if stored.created
                        else ("info", _("Already saved: this visit is stored once."))
                    )  # fmt: skip
            msg = ss.get(f"trec_msg_{sk}")
        if msg is not None:
            {"success": st.success, "info": st.info, "error": st.error}[msg[0]](msg[1])


def _packet(store: Any, route: dict[str, Any], worker: str, actor: Actor, region: Any) -> None:
    import tempfile

    from geo_outreach.team.plans import packet_folder

    with st.expander(_("Field packet: printable sheet, GPS, calendar, offline map")):
        pk_key = (route["plan_id"], worker, route["day"], route["date"])
        if st.button(_("Make my field packet"), key="team_packet", width="stretch"):
            from geo_outreach.team.accounts import worker_language

            # the worker's own sheet in the page's language; printed by someone else (a
            # manager), in the language of the worker's account
            lang = None if actor.worker_id == worker else worker_language(store, worker)
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    folder = packet_folder(
                        store, route["plan_id"], f"{tmp}/plan", worker_id=worker, actor=actor
                    )
                    files = logic.packet_files(
                        folder, worker, route["day"], dt.date.fromisoformat(route["date"])
                        - dt.timedelta(days=dt.date.fromisoformat(route["date"]).weekday()),
                        roads=state.get_road_edges(region),
                        attribution=state.get_ctx(region).region.attribution, lang=lang,
                    )  # fmt: skip
                st.session_state["team_packet_files"] = (pk_key, files)
            except (InputError, GeoOutreachError) as exc:
                state.show_error(exc)
        made = st.session_state.get("team_packet_files")
        if made is not None and made[0] == pk_key:
            files = made[1]
            stem = files["stem"].decode()
            for suffix, label, mime in PACKET_FILES:
                if suffix in files:
                    st.download_button(
                        _(label), files[suffix], file_name=f"{stem}.{suffix}", mime=mime,
                        key=f"team_dl_{suffix}", width="stretch", on_click="ignore",
                    )  # fmt: skip
