"""My day (worker): today's ordered stops, times, addresses, languages and notes."""

from __future__ import annotations

import logic
import maps
import state
import streamlit as st

from geo_outreach.errors import GeoOutreachError, InputError

sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title("My day")

plan = st.session_state.get("route_plan")
if plan is None or plan["region"] != sc.region:
    st.info(
        "No plan yet. A manager plans the week on **Plan routes**; or plan the sample week now."
    )
    if st.button("Plan the sample week", key="myday_demo"):
        from geo_outreach.optimize.routing import solve

        try:
            with st.spinner("Planning..."):
                v, w = logic.demo_table("visits"), logic.demo_table("workers")
                problem, snapped = logic.build_routing_problem(
                    ctx, v, w, ["Mon", "Tue", "Wed", "Thu", "Fri"]
                )
                result = solve(problem, time_limit_s=5.0)
            st.session_state["route_plan"] = {
                "result": result,
                "snapped": snapped,
                "visits": v,
                "workers": w,
                "region": sc.region,
            }
            st.rerun()
        except (InputError, GeoOutreachError) as exc:
            state.show_error(exc)
    st.stop()

result = plan["result"]
stops = logic.plan_tables(result, plan["visits"], plan["workers"])
workers = [
    w.worker_id
    for w in result.problem.workers
    if any(r.worker_id == w.worker_id for r in result.routes)
]
if not workers:
    st.warning("The plan has no route.")
    st.stop()
names = {w.worker_id: (w.name or w.worker_id) for w in result.problem.workers}
a, b = st.columns(2)
labels = {f"{names[w]} ({w})" if names[w] != w else w: w for w in workers}
worker = labels[a.selectbox("Who are you?", list(labels), key="myday_worker")]
days = [r.day for r in result.routes if r.worker_id == worker]
day = b.selectbox("Day", days, key="myday_day")

mine = stops[(stops["worker_id"] == worker) & (stops["day"] == day)]
visits = mine[mine["kind"] == "visit"]
route = next(r for r in result.routes if r.worker_id == worker and r.day == day)
from geo_outreach.optimize.routing.model import format_clock, format_duration  # noqa: E402

st.markdown(
    f"**{len(visits)} stops** · start {format_clock(route.start_s)} · back {format_clock(route.end_s)}"
    f" · travel {format_duration(route.travel_s)}"
)
for i, row in enumerate(visits.itertuples(index=False), start=1):
    with st.container(border=True):
        st.markdown(
            f"**{i}. {getattr(row, 'start', '')}–{getattr(row, 'end', '')} · {getattr(row, 'name', '') or row.visit_id}**"
        )
        details = []
        if getattr(row, "address", ""):
            details.append(f"Address: {row.address}")
        if getattr(row, "languages", ""):
            details.append(f"Speaks: {row.languages}")
        if getattr(row, "notes", ""):
            details.append(f"Note: {row.notes}")
        details.append(f"id {row.visit_id}")
        st.caption(" · ".join(details))


@st.cache_data(show_spinner="Drawing your route...", max_entries=32)
def _day_map(region, _result, _snapped, worker, day, plan_id):
    from geo_outreach.present.webmap import add_routes, add_sites

    ctx = state.get_ctx(region)
    lines = logic.route_lines(ctx, _result, _snapped, day=day, worker_id=worker)
    bounds = lines.total_bounds if len(lines) else None
    m = maps.new_map(ctx, state.get_roads(region), bounds=bounds)
    if len(lines):
        add_routes(
            m,
            lines,
            route_column="worker_id",
            fields=["worker_id", "day", "visits"],
            name="Route",
            legend=False,
        )
    st_ = logic.plan_tables(
        _result, st.session_state["route_plan"]["visits"], st.session_state["route_plan"]["workers"]
    )
    st_ = st_[(st_["worker_id"] == worker) & (st_["day"] == day) & (st_["kind"] == "visit")]
    st_ = st_[st_["lon"].astype(str) != ""]
    if len(st_):
        import geopandas as gpd

        st_ = st_.assign(stop=[str(i) for i in range(1, len(st_) + 1)], label="stop")
        pts = gpd.GeoDataFrame(
            st_,
            geometry=gpd.points_from_xy(st_["lon"].astype(float), st_["lat"].astype(float)),
            crs="EPSG:4326",
        )
        add_sites(
            m,
            pts,
            category_column="label",
            fields=["stop", "name", "start"],
            colors={"stop": "#D55E00"},
            radius_px=8,
            name="Stops",
            legend=False,
        )
    return maps.to_page(m)


maps.show(_day_map(sc.region, result, plan["snapped"], worker, day, id(result)), height=420)
st.download_button(
    "Download my day (CSV)",
    logic.plan_csv(mine),
    file_name=f"{worker}_{day}.csv",
    mime="text/csv",
    key="myday_download",
)
