"""Plan stops (manager): where should the mobile unit stop? MCLP / LSCP / p-median."""

from __future__ import annotations

import json

import auth
import logic
import maps
import state
import streamlit as st

from geo_outreach.errors import GeoOutreachError, InputError

actor = auth.guard("stops")
sc = state.scenario()
ctx = state.get_ctx(sc.region)
st.title("Plan stops")
st.caption(
    "Choose where a mobile unit should stop so the most people in need are within reach. "
    "Candidates are community venues and spaced points on larger roads."
)

MODELS = {
    "Cover the most need with p stops (MCLP)": "mclp",
    "Fewest stops that cover everyone (LSCP)": "lscp",
    "Shortest average trip with p stops (p-median)": "pmedian",
}
cats = sorted(ctx.region.services["category"].astype(str).unique())
with st.form("stops_form"):
    a, b, c = st.columns(3)
    model = MODELS[a.selectbox("Model", list(MODELS), key="stops_model")]
    p = b.number_input("Number of stops p", 1, 30, 5, key="stops_p")
    t_min = c.slider("Reach within T minutes", 5, 45, 15, key="stops_T")
    d, e, f = st.columns(3)
    mode = d.radio("Travel mode", list(logic.MODES), index=1, horizontal=True, key="stops_mode")
    floor_pct = e.slider(
        "Equity floor: % of high-need people covered",
        0,
        100,
        0,
        5,
        key="stops_floor",
        help="0 = no floor. High need = the 20% of tracts with the highest need index.",
    )
    existing = f.selectbox(
        "Existing services already covering",
        ["(none)", *cats],
        key="stops_existing",
        help="Demand within T of these services counts as covered already.",
    )
    limit = st.number_input(
        "Search time limit (s)",
        1,
        300,
        10,
        key="stops_limit",
        help="The solver stops here with its best plan so far and reports the gap to optimal.",
    )
    run = st.form_submit_button("Run", type="primary")

if run:
    import geo_outreach as go

    try:
        with st.spinner("Solving..."):
            found = go.site_stops(
                ctx,
                None,
                need=sc.need,
                model=model,
                p=int(p),
                within_min=float(t_min),
                mode=mode,
                equity_floor=floor_pct / 100 if floor_pct else None,
                existing=None if existing == "(none)" else existing,
                time_limit_s=float(limit),
                actor=actor,
            )
        st.session_state["stops_result"] = (found, sc.region)
        st.session_state.pop("stops_whatif", None)
    except (InputError, GeoOutreachError) as exc:
        state.show_error(exc)

saved = st.session_state.get("stops_result")
if saved is None or saved[1] != sc.region:
    st.info("Set the options and press Run.")
    st.stop()
found, _ = saved
res, mode = found.result, found.mode
(st.success if res.status in ("optimal", "time_limit") else st.warning)(res.message)

before, after = res.coverage_before, res.coverage_after
m1, m2, m3, m4 = st.columns(4)
m1.metric("Stops", len(res.stops))
m2.metric(
    "People covered",
    f"{after.get('population', 0):,.0f}",
    delta=f"{after.get('population', 0) - before.get('population', 0):+,.0f}",
)
m3.metric(
    "Share covered",
    f"{after.get('share', 0):.0%}",
    delta=f"{after.get('share', 0) - before.get('share', 0):+.0%}",
)
m4.metric("High-need share covered", f"{after.get('high_need_share', 0):.0%}")
if res.price_of_floor is not None:
    st.caption(f"Price of the equity floor: {res.price_of_floor:,.1f} need-weighted demand.")

stops = found.stops


@st.cache_data(show_spinner="Drawing the map...", max_entries=16)
def _stops_map(region, _found, key):
    from geo_outreach.present.webmap import add_choropleth, add_layer_control, add_sites

    ctx = state.get_ctx(region)
    units = ctx.region.units[["unit_id", "name", "geometry"]].merge(
        _found.result.units[["unit_id", "covered_share_after"]], on="unit_id", how="left"
    )
    m = maps.new_map(ctx, state.get_roads(region))
    add_choropleth(
        m,
        units,
        "covered_share_after",
        fields=["name", "covered_share_after"],
        aliases=["Tract", "Share covered"],
        name="Share covered after",
        bins=[0, 0.25, 0.5, 0.75, 0.99, 1.0],
        cmap="Greens",
    )
    if len(_found.coverage):
        maps.add_polygons(
            m, _found.coverage, name="Coverage areas", color="#0072B2", fields=["site_id", "rank"]
        )
    st_ = _found.stops.copy()
    st_["label"] = "new stop"
    if len(st_):
        add_sites(
            m,
            st_,
            category_column="label",
            fields=["rank", "site_id", "name", "gain_population", "covered_population"],
            colors={"new stop": "#D55E00"},
            radius_px=9,
            name="Stops",
        )
    add_layer_control(m)
    return maps.to_page(m)


key = (mode, res.model, res.p, res.max_time_s, tuple(res.site_ids), res.equity_floor)
maps.show(_stops_map(sc.region, found, key))

st.subheader("Chosen stops, in order of gain")
st.dataframe(
    stops[
        [
            "rank",
            "site_id",
            "name",
            "reason",
            "gain",
            "gain_population",
            "covered_population",
            "n_units",
        ]
    ],
    hide_index=True,
    key="stops_table",
)

st.subheader("Plan visits to these stops")
v1, v2, v3 = st.columns([2, 1, 1])
stop_windows = v1.text_input(
    "When the unit is at a stop",
    "Mon-Fri 10:00-14:00",
    key="stops_windows",
    help="Days and hours, as in the visits file: Mon-Fri 10:00-14:00, Tue/Thu 09:00-12:00.",
)
stop_minutes = v2.number_input("Minutes at each stop", 15, 480, 120, 15, key="stops_duration")
v3.write("")
if v3.button("Plan visits to these stops", key="stops_to_routes"):
    try:
        visits = found.to_visits(windows=stop_windows, duration_min=float(stop_minutes))
    except (InputError, GeoOutreachError) as exc:
        state.show_error(exc)
    else:
        # Plan routes reads its visits table from here (as after an upload)
        st.session_state["routes_visits_src"] = ("the stops of Plan stops", visits.table)
        st.switch_page("views/routes.py")

st.subheader("What if?")
w1, w2 = st.columns(2)
close = w1.multiselect("Close a stop", res.site_ids, key="stops_close")
t_alt = w2.multiselect("Other thresholds (min)", [5, 10, 15, 20, 30, 45], key="stops_talt")
if st.button("Compare scenarios", key="stops_compare"):
    from geo_outreach.optimize.siting import what_if

    try:
        with st.spinner("Re-solving scenarios..."):
            st.session_state["stops_whatif"] = what_if(
                res, close_site_ids=close, max_time_s_values=[t * 60.0 for t in t_alt]
            )
    except (InputError, GeoOutreachError) as exc:
        state.show_error(exc)
if "stops_whatif" in st.session_state:
    st.dataframe(st.session_state["stops_whatif"], hide_index=True, key="stops_whatif_table")

st.download_button(
    "Download stops (JSON)",
    json.dumps(res.to_json_dict(), indent=2),
    file_name="stops.json",
    mime="application/json",
    key="stops_download",
)
