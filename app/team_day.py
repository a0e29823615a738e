"""My day with accounts: the **published** plan of the chosen day for the signed-in worker.

Read from the team database (:func:`geo_outreach.team.plans.worker_day`), so the worker sees
the manager's published plan on any device and in any session.  Every library call passes
the signed-in actor: a worker asking for another worker's day (a changed ``?worker=``) is
refused with a plain message.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import logic
import maps
import state
import streamlit as st

from geo_outreach.errors import GeoOutreachError, InputError
from geo_outreach.team.day import day_bounds, last_notes, navigate_links, plan_update_note
from geo_outreach.team.plans import route_geojson
from geo_outreach.team.roles import AccessDeniedError, Actor

OUTCOMES = {"done": "Done", "no_one_there": "No one there", "cancelled": "Cancelled"}


@st.cache_data(show_spinner="Drawing your route...", max_entries=32)
def _day_map(
    region: str | None, plan_id: int, worker: str, day: str, stops_json: str, _actor: Actor
) -> str:
    import folium
    import geopandas as gpd

    from geo_outreach.present.webmap import add_routes

    ctx = state.get_ctx(region)
    stops = json.loads(stops_json)
    fc = route_geojson(state.visit_store(), plan_id, worker_id=worker, day=day, actor=_actor)
    lines = gpd.GeoDataFrame.from_features(fc["features"], crs="EPSG:4326")
    bounds = day_bounds(stops)
    m = maps.new_map(ctx, state.get_roads(region), bounds=bounds)
    if len(lines):
        add_routes(
            m,
            lines,
            route_column="worker_id",
            fields=["worker_id", "day", "n_stops"],
            palette=list(lines["colour"]) if "colour" in lines else None,
            name="Route",
            legend=False,
        )
    for kind, colour in (("start", "#009E73"), ("end", "#CC79A7")):
        v = stops["depot"].get(kind)
        if v:
            folium.CircleMarker(
                [v["lat"], v["lon"]], radius=9, color=colour, fill=True, fill_opacity=0.9,
                tooltip=f"{kind} {v['time']}",
            ).add_to(m)  # fmt: skip
    for s in stops["stops"]:
        folium.Marker(
            [s["lat"], s["lon"]],
            tooltip=f"{s['seq']}. {s['start']}",
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
    st.title("My day")
    store = state.visit_store()
    qp = st.query_params
    try:
        default_day = dt.date.fromisoformat(qp.get("date", "")) if qp.get("date") else None
    except ValueError:
        default_day = None
    day = st.date_input("Day", default_day or dt.date.today(), key="team_day_date")
    if actor.role == "worker":
        worker = str(qp.get("worker") or actor.worker_id)
    else:
        choices = _workers_of_week(store, day, actor)
        if not choices:
            st.info(f"No published plan for the week of {day}.")
            st.stop()
        want = qp.get("worker")
        worker = str(
            st.selectbox(
                "Worker",
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
        st.info(f"No published plan for {worker} on {day:%a %d %b %Y}.")
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
    st.markdown(
        f"**{n} stop{'s' if n != 1 else ''}** · start {depot.get('start', {}).get('time', '')}"
        f" · back {depot.get('end', {}).get('time', '')}"
        + (f" · {len(route['breaks'])} break" if route["breaks"] else "")
    )
    maps.show(
        _day_map(sc.region, route["plan_id"], worker, route["day"], json.dumps(route), actor),
        height=320,
    )
    _packet(store, route, worker, actor, sc.region)
    notes = last_notes(store, worker_id=worker, actor=actor)
    for s in route["stops"]:
        with st.container(border=True, key=f"team_stop_{s['seq']}"):
            st.markdown(f"**{s['seq']}. {s['start']}–{s['end']} · {s['name'] or s['visit_id']}**")
            details = [s["address"]]
            if s.get("languages"):
                details.append(f"Speaks: {s['languages']}")
            if s.get("notes"):
                details.append(f"Note: {s['notes']}")
            last = notes.get(str(s["visit_id"]))
            if last:
                details.append(f"Last visit: {last}")
            st.caption(" · ".join(details))
            # link buttons: st.html's sanitiser drops geo: links; these keep the URL as is
            with st.container(horizontal=True, key=f"team_nav_{s['seq']}"):
                for label, url in navigate_links(s["lat"], s["lon"]).items():
                    st.link_button(label, url, icon=":material/directions:" if
                                   label == "Navigate" else None)  # fmt: skip
            _record_form(store, route, s, worker, day, actor)
    for b in route["breaks"]:
        st.caption(f"Break {b['start']}–{b['end']}")


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
    with st.expander("Record this visit", expanded=msg is not None and msg[0] == "error"):
        with st.form(f"trec_form_{sk}", border=False):
            outcome = st.radio(
                "What happened?", list(OUTCOMES), format_func=OUTCOMES.get, horizontal=True,
                key=f"trec_outcome_{sk}",
            )  # fmt: skip
            people = st.number_input("People reached", 0, 999, 1, key=f"trec_people_{sk}")
            note = st.text_area("Note (no client names)", key=f"trec_note_{sk}", height=68)
            other_day = day != dt.date.today()
            confirm = True
            if other_day:
                confirm = st.checkbox(
                    f"Yes, this visit was on {day:%a %d %b} (not today)", key=f"trec_conf_{sk}"
                )
            saved = st.form_submit_button("Save", type="primary", width="stretch")
        if saved:
            if not confirm:
                ss[f"trec_msg_{sk}"] = (
                    "error",
                    f"This day is not today: tick 'Yes, this visit was on {day:%a %d %b}' "
                    "to record it.",
                )
            else:
                try:
                    stored = record_plan_visit(
                        store, plan_id=route["plan_id"], worker_id=worker,
                        visit_id=s["visit_id"], occurrence=s["occurrence"], date=day,
                        outcome=outcome, people_reached=int(people) if outcome == "done" else 0,
                        note=note, idempotency_key=ss[f"trec_key_{sk}"], actor=actor,
                    )  # fmt: skip
                except StoreBusyError:
                    ss[f"trec_msg_{sk}"] = ("error", "The visit log is busy; press Save again.")
                except (InputError, AccessDeniedError) as exc:
                    ss[f"trec_msg_{sk}"] = ("error", " ".join(str(exc).split()))
                else:
                    ss[f"trec_msg_{sk}"] = (
                        ("success", f"Saved: {OUTCOMES[stored.record.outcome]}.")
                        if stored.created
                        else ("info", "Already saved: this visit is stored once.")
                    )
            msg = ss.get(f"trec_msg_{sk}")
        if msg is not None:
            {"success": st.success, "info": st.info, "error": st.error}[msg[0]](msg[1])


def _packet(store: Any, route: dict[str, Any], worker: str, actor: Actor, region: Any) -> None:
    import tempfile

    from geo_outreach.team.plans import packet_folder

    with st.expander("Field packet: printable sheet, GPS, calendar, offline map"):
        pk_key = (route["plan_id"], worker, route["day"], route["date"])
        if st.button("Make my field packet", key="team_packet", width="stretch"):
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    folder = packet_folder(
                        store, route["plan_id"], f"{tmp}/plan", worker_id=worker, actor=actor
                    )
                    files = logic.packet_files(
                        folder, worker, route["day"], dt.date.fromisoformat(route["date"])
                        - dt.timedelta(days=dt.date.fromisoformat(route["date"]).weekday()),
                        roads=state.get_road_edges(region),
                        attribution=state.get_ctx(region).region.attribution,
                    )  # fmt: skip
                st.session_state["team_packet_files"] = (pk_key, files)
            except (InputError, GeoOutreachError) as exc:
                state.show_error(exc)
        made = st.session_state.get("team_packet_files")
        if made is not None and made[0] == pk_key:
            files = made[1]
            stem = files["stem"].decode()
            for suffix, label, mime in (
                ("pdf", "Route sheet (PDF, to print)", "application/pdf"),
                ("gpx", "GPS route (GPX)", "application/gpx+xml"),
                ("ics", "Calendar (ICS)", "text/calendar"),
                ("html", "Offline map (HTML)", "text/html"),
            ):
                if suffix in files:
                    st.download_button(
                        label, files[suffix], file_name=f"{stem}.{suffix}", mime=mime,
                        key=f"team_dl_{suffix}", width="stretch", on_click="ignore",
                    )  # fmt: skip
