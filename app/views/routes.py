"""Plan routes (manager): who visits what, when, over the week."""

from __future__ import annotations

import logic
import maps
import pandas as pd
import state
import streamlit as st

from geo_outreach.errors import GeoOutreachError, InputError

sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title("Plan routes")
st.caption("Upload or edit the visits and the workers, pick the days and plan the week.")

WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _table(kind: str, required: tuple[str, ...]) -> pd.DataFrame | None:
    up = st.file_uploader(f"{kind.title()} CSV", type=None, key=f"routes_upload_{kind}")
    if up is not None:
        try:
            df = logic.read_csv_upload(up.getvalue(), up.name, required=required)
        except InputError as exc:
            state.show_error(exc)
            return None
        st.session_state[f"routes_{kind}_src"] = (up.name, df)
    src = st.session_state.get(f"routes_{kind}_src")
    base = src[1] if src is not None else logic.demo_table(kind)
    return st.data_editor(
        base,
        num_rows="dynamic",
        key=f"routes_edit_{kind}_{src[0] if src else 'demo'}",
        width="stretch",
        height=240,
    )


tab_v, tab_w = st.tabs(["Visits", "Workers"])
with tab_v:
    visits = _table("visits", logic.VISIT_COLUMNS)
with tab_w:
    workers = _table("workers", logic.WORKER_COLUMNS)

c1, c2, c3 = st.columns([3, 1, 1])
days = c1.multiselect("Days", WEEK, default=WEEK[:5], key="routes_days")
limit = c2.number_input("Time limit (s)", 1, 600, 10, key="routes_limit")
c3.write("")
run = c3.button(
    "Plan", type="primary", key="routes_run", disabled=visits is None or workers is None
)

if run and visits is not None and workers is not None:
    from geo_outreach.optimize.routing import solve

    try:
        with st.status("Planning the week...", expanded=False) as status:
            status.write("Reading visits and workers, computing travel times...")
            problem, snapped = logic.build_routing_problem(ctx, visits, workers, days)
            status.write(f"Searching for {float(limit):g} s...")
            result = solve(problem, time_limit_s=float(limit))
            status.update(label=f"Planned in {result.runtime_s:.1f} s", state="complete")
        st.session_state["route_plan"] = {
            "result": result,
            "snapped": snapped,
            "visits": visits.copy(),
            "workers": workers.copy(),
            "region": sc.region,
        }
    except (InputError, GeoOutreachError) as exc:
        state.show_error(exc)

plan = st.session_state.get("route_plan")
if plan is None or plan["region"] != sc.region:
    st.info("Press Plan to schedule the visits.")
    st.stop()
result = plan["result"]
stops = logic.plan_tables(result, plan["visits"], plan["workers"])

m1, m2, m3, m4 = st.columns(4)
m1.metric("Visits planned", result.num_scheduled)
m2.metric("Not planned", len(result.unscheduled))
m3.metric("Routes", len(result.routes))
m4.metric("Travel (h)", f"{result.travel_s / 3600:.1f}")
if result.violations:
    st.warning(f"The checker found {len(result.violations)} problem(s) in the plan.")

plan_days = [d for d in WEEK if d in {r.day for r in result.routes}]
if plan_days:
    day = st.radio("Day on the map", plan_days, horizontal=True, key="routes_map_day")

    @st.cache_data(show_spinner="Drawing routes...", max_entries=16)
    def _routes_map(region, _result, _snapped, day, plan_id):
        from geo_outreach.present.webmap import add_layer_control, add_routes, add_sites

        ctx = state.get_ctx(region)
        lines = logic.route_lines(ctx, _result, _snapped, day=day)
        m = maps.new_map(ctx, state.get_roads(region))
        colours = {}
        if len(lines):
            colours = add_routes(
                m,
                lines,
                route_column="worker_id",
                fields=["worker_id", "day", "visits"],
                name=f"Routes on {day}",
            )
        st_ = logic.plan_tables(
            _result,
            st.session_state["route_plan"]["visits"],
            st.session_state["route_plan"]["workers"],
        )
        st_ = st_[(st_["day"] == day) & (st_["kind"] == "visit")].dropna(subset=["lon", "lat"])
        st_ = st_[st_["lon"] != ""]
        if len(st_):
            import geopandas as gpd

            pts = gpd.GeoDataFrame(
                st_,
                geometry=gpd.points_from_xy(st_["lon"].astype(float), st_["lat"].astype(float)),
                crs="EPSG:4326",
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

    maps.show(_routes_map(sc.region, result, plan["snapped"], day, id(result)))

    st.subheader("Timelines")
    r = result.routes_frame()
    r = r[r["day"] == day].copy()
    from geo_outreach.optimize.routing.model import format_clock, format_duration

    r["start"] = r["start_s"].map(format_clock)
    r["end"] = r["end_s"].map(format_clock)
    for col in ("travel_s", "service_s", "wait_s", "duration_s"):
        r[col.removesuffix("_s")] = r[col].map(format_duration)
    st.dataframe(
        r[["worker_id", "start", "end", "visits", "travel", "service", "wait", "duration"]],
        hide_index=True,
        key="routes_timeline",
    )
    day_stops = stops[(stops["day"] == day)]
    with st.expander("Stops of the day, in order"):
        st.dataframe(
            day_stops[
                [
                    c
                    for c in (
                        "worker_id",
                        "seq",
                        "kind",
                        "visit_id",
                        "name",
                        "arrive",
                        "start",
                        "end",
                    )
                    if c in day_stops.columns
                ]
            ],
            hide_index=True,
            key="routes_day_stops",
        )

st.subheader("Not planned, and why")
un = result.unscheduled_frame()
if un.empty:
    st.success("Every visit is planned.")
else:
    st.dataframe(un, hide_index=True, key="routes_unscheduled")

st.download_button(
    "Download the plan (CSV)",
    logic.plan_csv(stops),
    file_name="plan.csv",
    mime="text/csv",
    key="routes_download",
)
