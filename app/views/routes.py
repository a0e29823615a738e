"""Plan routes (manager): who visits what, when, over the week.

The plan is :func:`geo_outreach.optimize.routing.network.plan_on_region`, the code of
``geo-outreach plan``: travel times and route lines follow the roads.
"""

from __future__ import annotations

import datetime as dt

import auth
import logic
import maps
import pandas as pd
import state
import streamlit as st

from geo_outreach.errors import GeoOutreachError, InputError

actor = auth.guard("routes")
sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title("Plan routes")
st.caption("Upload or edit the visits and the workers, pick the days and plan the week.")

STAGES = {
    "network": "Loading the road networks",
    "snap": "Placing visits and workers on the roads",
    "solve": "Searching for the best plan",
    "geometry": "Drawing the routes along the roads",
}


def _table(kind: str) -> tuple[pd.DataFrame, str] | None:
    """The visits or workers table: an upload (checked by the library reader) or the sample."""
    up = st.file_uploader(f"{kind.title()} CSV", type=None, key=f"routes_upload_{kind}")
    if up is None:
        st.session_state.pop(f"routes_{kind}_upload_id", None)
        st.session_state.pop(f"routes_{kind}_upload_error", None)
    elif st.session_state.get(f"routes_{kind}_upload_id") != up.file_id:
        st.session_state[f"routes_{kind}_upload_id"] = up.file_id
        try:
            df = logic.read_upload(up.getvalue(), up.name)
            logic.check_upload(kind, df, up.name)
        except InputError as exc:
            st.session_state[f"routes_{kind}_upload_error"] = str(exc)
        else:
            st.session_state.pop(f"routes_{kind}_upload_error", None)
            st.session_state[f"routes_{kind}_src"] = (up.name, df)
    if f"routes_{kind}_upload_error" in st.session_state:
        state.show_error(InputError(st.session_state[f"routes_{kind}_upload_error"]))
    src = st.session_state.get(f"routes_{kind}_src")
    name, base = src if src is not None else START[kind]
    st.caption(f"{kind.title()} from {name} ({len(base)} rows)")  # the browser test waits on it
    edited = st.data_editor(
        base,
        num_rows="dynamic",
        key=f"routes_edit_{kind}_{name}_{st.session_state.get(f'routes_{kind}_rev', 0)}",
        width="stretch",
        height=240,
    )
    return edited, name


START = logic.start_tables(ctx)  # the demo's samples, or empty tables on any other region
if START["visits"][1].empty and st.button(
    "Make a sample week for this region",
    key="routes_sample",
    help="Seeded visits and workers on this region's own streets, for trying the tool",
):
    for kind, src in logic.sample_tables(ctx).items():
        st.session_state[f"routes_{kind}_src"] = src

tab_v, tab_w = st.tabs(["Visits", "Workers"])
with tab_v:
    visits = _table("visits")
with tab_w:
    workers = _table("workers")

c1, c2, c3 = st.columns([3, 1, 1])
days = c1.multiselect("Days", list(logic.WEEK), default=list(logic.WEEK[:5]), key="routes_days")
limit = c2.number_input("Time limit (s)", 1, 600, 10, key="routes_limit")
c3.write("")
run = c3.button("Plan", type="primary", key="routes_run")

if run and visits is not None and workers is not None:
    try:
        with st.status("Planning the week...", expanded=False) as status:
            seen: set[str] = set()

            def progress(stage: str, done: int, total: int) -> None:
                label = STAGES.get(stage.split(":")[0], "Computing travel times")
                if stage.startswith("matrix:"):
                    label = f"Travel times ({stage.split(':', 1)[1]})"
                if label not in seen:
                    seen.add(label)
                    status.write(f"{label}...")

            saved = state.make_plan(
                sc.region,
                visits[0],
                workers[0],
                days=list(days),
                time_limit_s=float(limit),
                visits_name=visits[1],
                workers_name=workers[1],
                progress=progress,
            )
            status.update(
                label=f"Planned in {saved['plan'].result.runtime_s:.1f} s", state="complete"
            )
    except (InputError, GeoOutreachError) as exc:
        state.show_error(exc)

saved = state.current_plan(sc.region)
if saved is None:
    st.info("Press Plan to schedule the visits.")
    st.stop()
plan = saved["plan"]
summary = plan.summary()

m1, m2, m3, m4 = st.columns(4)
m1.metric("Visits planned", summary["scheduled"])
m2.metric("Not planned", summary["unscheduled"])
m3.metric("Routes", summary["routes"])
m4.metric("Travel (h)", f"{summary['total_travel_h']:.1f}")
if summary["violations"]:
    st.warning(f"The checker found {summary['violations']} problem(s) in the plan.")

days_planned = logic.plan_days(plan)
if days_planned:
    day = st.radio("Day on the map", days_planned, horizontal=True, key="routes_map_day")

    @st.cache_data(show_spinner="Drawing routes...", max_entries=16)
    def _routes_map(region, _plan, day, plan_dir):
        import geopandas as gpd

        from geo_outreach.present.webmap import add_layer_control, add_routes, add_sites

        ctx = state.get_ctx(region)
        lines = _plan.routes[_plan.routes["day"] == day]
        m = maps.new_map(ctx, state.get_roads(region))
        colours = dict(zip(lines["worker_id"], lines["colour"], strict=True))
        if len(lines):
            add_routes(
                m,
                lines,
                route_column="worker_id",
                fields=["worker_id", "worker_name", "day", "n_stops", "start", "end"],
                palette=[colours[w] for w in dict.fromkeys(lines["worker_id"])],
                name=f"Routes on {day}",
            )
        s = _plan.stops
        s = s[(s["day"] == day) & (s["kind"] == "visit")].dropna(subset=["lon", "lat"])
        if len(s):
            pts = gpd.GeoDataFrame(
                s, geometry=gpd.points_from_xy(s["lon"], s["lat"]), crs="EPSG:4326"
            )
            add_sites(
                m,
                pts,
                category_column="worker_id",
                fields=["seq", "visit_id", "name", "start"],
                colors=colours,
                radius_px=5,
                name="Stops",
                legend=False,
            )
        add_layer_control(m)
        return maps.to_page(m)

    maps.show(_routes_map(sc.region, plan, day, saved["dir"]))

    from geo_outreach.optimize.routing.model import format_duration

    st.subheader("Timelines")
    import altair as alt

    from geo_outreach.present.timeline import SEGMENT_COLOURS

    tl = saved["result"].timeline(day=day)
    if len(tl):  # a Gantt chart: one row per worker, wall-clock times of the region
        # wall-clock times as naive values: the chart shows them as they are in any browser zone
        tl = tl.assign(
            start=tl["start"].dt.tz_localize(None),
            end=tl["end"].dt.tz_localize(None),
            at=tl["start"].dt.strftime("%H:%M") + "-" + tl["end"].dt.strftime("%H:%M"),
        )
        hhmm = alt.Axis(format="%H:%M", title=f"{day}, time in {saved['result'].timezone}")
        gantt = (
            alt.Chart(tl)
            .mark_bar(stroke="white", strokeWidth=1)
            .encode(
                x=alt.X("start:T", axis=hhmm),
                x2="end:T",
                y=alt.Y("worker:N", title=None),
                color=alt.Color(
                    "kind:N",
                    title=None,
                    scale=alt.Scale(
                        domain=list(SEGMENT_COLOURS), range=list(SEGMENT_COLOURS.values())
                    ),
                    legend=alt.Legend(orient="top"),
                ),
                tooltip=["worker", "kind", "label", "at"],
            )
            .properties(height=alt.Step(32))  # one 32 px row per worker
        )
        st.altair_chart(gantt, width="stretch", key="routes_gantt")
    r = pd.DataFrame(plan.routes.drop(columns="geometry"))
    r = r[r["day"] == day].copy()
    r["travel"] = r["travel_s"].map(format_duration)
    r["duration"] = r["duration_s"].map(format_duration)
    r["km"] = (r["dist_m"] / 1000).round(1)
    st.dataframe(
        r[
            [
                "worker_id",
                "worker_name",
                "mode",
                "start",
                "end",
                "n_stops",
                "travel",
                "km",
                "duration",
            ]
        ],
        hide_index=True,
        key="routes_timeline",
    )
    with st.expander("Stops of the day, in order"):
        ds = plan.stops[plan.stops["day"] == day]
        st.dataframe(
            ds[["worker_id", "seq", "kind", "visit_id", "name", "arrival", "start", "end"]],
            hide_index=True,
            key="routes_day_stops",
        )

with st.expander("Pin visits and re-plan"):
    st.caption(
        "Pinned visits stay with their worker on their day; locked routes keep their visits "
        "in order and take no others. Everything else is planned again."
    )
    pv = plan.stops[plan.stops["kind"] == "visit"]
    where = pv.groupby("visit_id", sort=False).agg(
        name=("name", "first"), who=("worker_name", "first"), day=("day", "/".join)
    )
    pins = st.multiselect(
        "Pin these visits where they are",
        list(where.index),
        format_func=lambda v: (
            f"{v} {where.at[v, 'name']} ({where.at[v, 'who']} {where.at[v, 'day']})"
        ),
        key="routes_pin",
    )
    route_keys = list(dict.fromkeys(zip(pv["worker_id"], pv["day"], strict=True)))
    names = dict(zip(pv["worker_id"], pv["worker_name"], strict=False))
    locks = st.multiselect(
        "Lock these routes",
        route_keys,
        format_func=lambda k: f"{names.get(k[0]) or k[0]} {k[1]}",
        key="routes_lock",
    )
    if st.button("Pin and re-plan", key="routes_replan", disabled=not (pins or locks)):
        try:
            with st.spinner("Planning again around the pins..."):
                state.replan_pinned(
                    sc.region,
                    saved,
                    visits[0],
                    workers[0],
                    visit_ids=pins,
                    routes=locks,
                    days=list(days),
                    time_limit_s=float(limit),
                    visits_name=visits[1],
                    workers_name=workers[1],
                )
        except (InputError, GeoOutreachError) as exc:
            state.show_error(exc)
        else:
            st.rerun()

st.subheader("Not planned, and why")
if plan.unscheduled.empty:
    st.success("Every visit is planned.")
else:
    st.dataframe(
        plan.unscheduled[["visit_id", "occurrence", "name", "reason"]],
        hide_index=True,
        key="routes_unscheduled",
    )

if actor.role != "owner":  # accounts exist: publish to the team
    from geo_outreach.team.plans import monday_of, publish_plan
    from geo_outreach.team.roles import AccessDeniedError

    with st.container(border=True):
        st.markdown("**Publish to the team**: workers see the published plan on My day.")
        p1, p2 = st.columns([2, 1])
        week = p1.date_input(
            "Week of", monday_of(dt.date.today()), key="routes_publish_week",
            help="Any date of the plan's week (taken as its Monday)",
        )  # fmt: skip
        p2.write("")
        if p2.button("Publish", type="primary", key="routes_publish"):
            try:
                pub = publish_plan(
                    state.visit_store(), saved["dir"], week_of=week, region=ctx.region.name,
                    streets=lambda: state.get_road_edges(sc.region), actor=actor,
                )  # fmt: skip
            except (InputError, GeoOutreachError, AccessDeniedError) as exc:
                state.show_error(exc)
            else:
                old = pub.get("superseded") or []
                # kept for this plan: a rerun (a map event) must not wipe the confirmation
                st.session_state["routes_published"] = (
                    saved["dir"],
                    f"Published plan {pub['id']} for the week of {pub['week_of']}"
                    + (f" (replaces plan {', '.join(map(str, old))})" if old else ""),
                )
        done = st.session_state.get("routes_published")
        if done is not None and done[0] == saved["dir"]:
            st.success(done[1])

d1, d2 = st.columns(2)
d1.download_button(
    "Download the stops (CSV)",
    plan.stops.to_csv(index=False).encode("utf-8"),
    file_name="stops.csv",
    mime="text/csv",
    key="routes_download",
)
d2.download_button(
    "Download the plan folder (ZIP)",
    logic.plan_zip(saved["dir"]),
    file_name="plan.zip",
    mime="application/zip",
    key="routes_download_zip",
    help="routes.geojson, stops.csv and unscheduled.csv, as geo-outreach plan writes them",
)
